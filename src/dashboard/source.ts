/**
 * What the dashboard's build is made from, as one hash: every file under
 * src/web and the lockfile (the versions of what gets bundled). The build
 * writes it beside the assets (build.json); `serve` and a test compare it
 * with the checkout, so a stale build is noticed rather than served silently.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root (this file is src/dashboard/source.ts). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The dashboard's source. */
export const WEB_SOURCE = join(ROOT, 'src', 'web');
/** Where `npm run build:web` writes the built dashboard (gitignored). */
export const WEB_BUILD = join(ROOT, 'dist', 'web');
/** The file in WEB_BUILD that records what it was built from. */
export const BUILD_INFO = 'build.json';

export interface BuildInfo {
  /** sourceHash() of the checkout it was built from. */
  sourceHash: string;
  /** When it was built, ISO 8601. */
  builtAt: string;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** SHA-256 over the dashboard's inputs: paths and contents, in a stable order. */
export function sourceHash(root: string = ROOT): string {
  const hash = createHash('sha256');
  const files = [...filesUnder(join(root, 'src', 'web')), join(root, 'package-lock.json')].map((file) => relative(root, file)).sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
