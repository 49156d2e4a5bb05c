/**
 * The notifications a recording transaction sends at commit: the highest
 * seq it emitted, and (only while someone follows them) its result ids.
 */
import { type SQL, sql } from 'drizzle-orm';

/**
 * NOTIFY channel carrying the highest committed seq of a transaction: `<seq>`,
 * or `<seq>:<tag>` when the recording process hands its emissions to its own
 * streams (see `RecorderOptions.notifyTag`).
 */
export const EMISSIONS_CHANNEL = 'resultsbus_emissions';
/** NOTIFY channel carrying the ids of recorded results, as ranges `a-b,c`. */
export const RESULTS_CHANNEL = 'resultsbus_results';

/**
 * True while some process follows `resultRecorded` (holds a current lease in
 * `result_listeners`; see `LiveFeed`). Result notifications are sent only
 * then: a transaction that sends a NOTIFY takes a cluster-wide lock at commit
 * and holds it through its WAL flush, which would otherwise serialise the
 * commits of every result.
 */
export const RESULTS_FOLLOWED = sql`EXISTS (SELECT 1 FROM result_listeners WHERE expires_at > now())`;

/** The payload of an emission notification: the seq, and the tag of the process that committed it. */
export function emissionPayload(seq: SQL, tag: string | undefined): SQL {
  return tag === undefined ? sql`(${seq})::text` : sql`(${seq})::text || ${`:${tag}`}::text`;
}

/** Compresses ids to sorted `a-b,c` ranges, in NOTIFY payloads of at most 7000 bytes (PostgreSQL allows 8000). */
export function idRanges(ids: readonly number[]): string[] {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  const flush = (): void => {
    if (start !== undefined && prev !== undefined) parts.push(start === prev ? `${start}` : `${start}-${prev}`);
  };
  for (const id of sorted.slice(1)) {
    if (prev !== undefined && id === prev + 1) {
      prev = id;
      continue;
    }
    flush();
    start = id;
    prev = id;
  }
  flush();
  const payloads: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current.length + part.length + 1 > 7000) {
      payloads.push(current);
      current = '';
    }
    current = current === '' ? part : `${current},${part}`;
  }
  if (current !== '') payloads.push(current);
  return payloads;
}
