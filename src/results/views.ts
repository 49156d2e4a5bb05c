/**
 * What the API and the CLI see of a result and of an emission: the rows with
 * the testcase and item names joined in and '' arch mapped back to null.
 */
import type { EmissionBody, ResultData } from '../db/schema.ts';

export interface ResultView {
  id: number;
  testcaseId: number;
  testcase: string;
  /** The subject's item; null (and `item`, `type`, `taskStateId`, `stateVersion` too) for a result with no subject. */
  itemId: number | null;
  item: string | null;
  type: string | null;
  arch: string | null;
  outcome: string;
  note: string | null;
  refUrl: string | null;
  data: ResultData;
  groups: string[];
  submittedAt: Date;
  forced: boolean;
  taskStateId: number | null;
  stateVersion: number | null;
  emissionSeq: number | null;
  duplicateOfSeq: number | null;
}

export interface EmissionView {
  seq: number;
  msgId: string;
  topic: string;
  timestamp: number;
  body: EmissionBody;
  outcome: string;
  prevOutcome: string | null;
  forced: boolean;
  resultId: number;
  taskStateId: number;
  testcaseId: number;
  testcase: string;
  itemId: number;
  item: string;
  type: string;
  arch: string | null;
  createdAt: Date;
  /** When a bridge first published it; null until then. */
  publishedAt: Date | null;
}

export function archOut(arch: string): string | null {
  return arch === '' ? null : arch;
}
