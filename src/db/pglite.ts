/**
 * PGlite on a data directory that syncs at commit. As shipped, PGlite starts
 * PostgreSQL with `-F` (fsync off), and its Node filesystem (Emscripten's
 * NODEFS) has no fsync: an acknowledged commit was in the OS's page cache
 * only (strace: no fsync in 300 commits), so a power loss could take it.
 * Here PostgreSQL runs with fsync on and `wal_sync_method=fsync` (Emscripten
 * turns fdatasync into a no-op; fsync reaches the filesystem), and NODEFS's
 * fsync calls the real one.
 */
import fs from 'node:fs';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type InitResult = Awaited<ReturnType<NodeFS['init']>>;

interface NodeStream {
  nfd?: number;
}

/** NodeFS whose streams pass fsync on to the operating system. */
class SyncingNodeFS extends NodeFS {
  override async init(pg: PGlite, options: Parameters<NodeFS['init']>[1]): Promise<InitResult> {
    const result = await super.init(pg, options);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...(Array.isArray(preRun) ? preRun : [preRun]),
      (module: object) => {
        const streamOps = (module as { NODEFS?: { stream_ops?: Record<string, unknown> } }).NODEFS?.stream_ops;
        // A PGlite built differently would silently not sync: refuse instead.
        if (streamOps === undefined) throw new Error('this PGlite build has no NODEFS stream operations to make fsync reach the disk');
        streamOps['fsync'] = (stream: NodeStream): number => {
          if (stream.nfd !== undefined) fs.fsyncSync(stream.nfd);
          return 0;
        };
      },
    ];
    return result;
  }
}

/** PGlite's own start parameters, without `-F` (fsync off), with the one sync method that reaches the disk. */
function syncingStartParams(): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams;
  if (defaults === undefined) throw new Error('this PGlite has no defaultStartParams to turn fsync on in');
  return [...defaults.filter((p) => p !== '-F'), '-c', 'fsync=on', '-c', 'wal_sync_method=fsync'];
}

/** Options for a PGlite on `dataDir` whose commits are on disk when they return. */
export function durablePgliteOptions(dataDir: string): PGliteOptions {
  return { fs: new SyncingNodeFS(dataDir), startParams: syncingStartParams() };
}
