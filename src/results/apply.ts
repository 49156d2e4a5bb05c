/**
 * Applying a group of results in one transaction: their testcases and items
 * found or created, their task states locked in the global lock order, the
 * rule (`decide`) applied in the group's order over the locked states, and
 * the decided rows written.
 *
 * The gap-free sequence. Emission numbers come from the one-row
 * `emission_sequence` table, incremented in the transaction's last statement;
 * the row lock it takes is held until commit. Hence:
 * - a rolled-back transaction also rolls back its increment: no hole;
 * - the next emitting transaction can only read the counter after the
 *   previous one committed (or rolled back), so seq order is commit order and
 *   a reader that has seen seq N has already been able to see every seq < N.
 * Only transactions that emit touch the counter, and they hold it for one
 * statement plus the commit; duplicates never take it.
 */
import { randomUUID } from 'node:crypto';
import type { EmissionBody } from '../db/schema.ts';
import { after, decide, type RuleState } from './decide.ts';
import { type Created, type IdCache, itemKey, resolveItems, resolveTestcases, stateKey } from './ids.ts';
import { type KeyToLock, type LockedRow, lockOrCreateStates, lockOrder, lockStates, takeResultIds } from './sql/lock-states.ts';
import { type EmissionRow, type ResultRow, type StateRow, writeGroup } from './sql/write-group.ts';
import type { Statements } from './statements.ts';
import type { ValidResultInput } from './validate.ts';
import { archOut, type EmissionView, type ResultView } from './views.ts';

export interface RecordedResult {
  result: ResultView;
  /** The emission this result produced, when it produced one. */
  emission: EmissionView | null;
}

/** What a group's transaction needs besides its results. */
export interface ApplyContext {
  /** fedmsg topic of every emission. */
  topic: string;
  /** Testcase and item ids, by `testcaseKey` and `itemKey`. */
  ids: IdCache;
  /** Task-state ids of keys known to have one, by `stateKey`. */
  states: IdCache;
  /** Where ids this transaction creates go, for the caches once it has committed. */
  created: Created;
  /** The tag of the emission notification (see `emissionPayload`). */
  tag: string | undefined;
}

/** `2015-05-14 23:14:56 UTC`, as Taskotron wrote submit_time. */
export function submitTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A result with a subject: it has a task state and may emit. */
type Keyed = ValidResultInput & { item: string; type: string };

const isKeyed = (input: ValidResultInput): input is Keyed => input.item !== null && input.type !== null;

/** An emission seq already in the table, or a new one of this transaction: `base + k`. */
type EmissionRef = { kind: 'stored'; seq: number } | { kind: 'new'; k: number };

/** A locked task state as the group goes through its results. */
interface GroupState {
  id: number;
  /** The outcome of its last emission; null when it never emitted (then `lastEmission` is null too). */
  emittedOutcome: string | null;
  lastEmission: EmissionRef | null;
  stateVersion: number;
  /** Set by each of the group's results of the key (every locked key has at least one). */
  lastOutcome: string | null;
  lastResultId: number | null;
  /** Results and emissions this group added. */
  results: number;
  emissions: number;
}

const newMsgId = (now: Date): string => `${now.getUTCFullYear()}-${randomUUID()}`;

/** Records `inputs` (a group, in its order) in the transaction `tx` runs; the results in the same order. */
export async function applyGroup(tx: Statements, inputs: readonly ValidResultInput[], ctx: ApplyContext): Promise<RecordedResult[]> {
  const now = new Date();
  const testcaseIds = await resolveTestcases(tx, ctx.ids, [...new Set(inputs.map((r) => r.testcase))], ctx.created);
  const pairs = new Map(inputs.filter(isKeyed).map((r) => [itemKey(r.type, r.item), { type: r.type, name: r.item }]));
  const itemIds = await resolveItems(tx, ctx.ids, [...pairs.values()], ctx.created);

  // A result with no subject has no key: no task state to lock, nothing to emit.
  const placed = inputs.map((input) => {
    const testcaseId = testcaseIds.get(input.testcase);
    if (testcaseId === undefined) throw new Error('testcase id was not resolved');
    if (!isKeyed(input)) return { input, testcaseId, keyed: null };
    const itemId = itemIds.get(itemKey(input.type, input.item));
    if (itemId === undefined) throw new Error('item id was not resolved');
    return { input, testcaseId, keyed: { input, itemId, key: stateKey(testcaseId, itemId, input.variant) } };
  });

  const keys = new Map<string, KeyToLock>();
  for (const { testcaseId, keyed } of placed) {
    if (keyed !== null && !keys.has(keyed.key)) {
      keys.set(keyed.key, { testcase_id: testcaseId, item_id: keyed.itemId, arch: keyed.input.arch, variant: keyed.input.variant });
    }
  }
  const ordered = lockOrder([...keys.values()]);
  const knownIds = ordered.map((k) => ctx.states.get(stateKey(k.testcase_id, k.item_id, k.variant)));
  let locked: LockedRow[] = [];
  let ids: Array<number | string> | null | undefined;
  if (ordered.length === 0) {
    ids = (await tx.rows<Pick<LockedRow, 'result_ids'>>(takeResultIds(inputs.length)))[0]?.result_ids;
  } else {
    const known = knownIds.filter((id): id is number => id !== undefined);
    locked = await tx.rows<LockedRow>(
      known.length === ordered.length ? lockStates(known, inputs.length) : lockOrCreateStates(ordered, inputs.length),
    );
    ids = locked.find((row) => row.result_ids !== null)?.result_ids;
  }
  const states = new Map<string, GroupState>();
  for (const row of locked) {
    const lastSeq = row.last_emission_seq;
    states.set(stateKey(row.testcase_id, row.item_id, row.variant), {
      id: row.id,
      emittedOutcome: row.emitted_outcome,
      lastEmission: lastSeq === null ? null : { kind: 'stored', seq: Number(lastSeq) },
      stateVersion: row.state_version,
      lastOutcome: null,
      lastResultId: null,
      results: 0,
      emissions: 0,
    });
  }
  if (states.size !== keys.size) throw new Error('a task state was not locked');
  const resultIds = (ids ?? []).map(Number).sort((a, b) => a - b);
  if (resultIds.length !== inputs.length) throw new Error('result ids were not allocated');

  // The rule, applied in the group's order over the locked states.
  const resultRows: ResultRow[] = [];
  const emissionRows: EmissionRow[] = [];
  const decided: Array<{ view: Omit<ResultView, 'emissionSeq' | 'duplicateOfSeq'>; emit: number | null; dup: EmissionRef | null; emission: Omit<EmissionView, 'seq'> | null }> = [];
  placed.forEach(({ input, testcaseId, keyed }, i) => {
    const id = resultIds[i] as number;
    const row: ResultRow = {
      id,
      testcase_id: testcaseId,
      item_id: null,
      arch: input.arch,
      outcome: input.outcome,
      note: input.note,
      ref_url: input.refUrl,
      data: input.data,
      groups: input.groups,
      submitted_at: input.submittedAt,
      forced: input.force,
      task_state_id: null,
      state_version: null,
      emission_k: null,
      dup_k: null,
      dup_seq: null,
    };
    resultRows.push(row);
    const submittedAt = input.submittedAt === null ? now : new Date(input.submittedAt);
    const view = {
      id,
      testcaseId,
      testcase: input.testcase,
      itemId: null as number | null,
      item: input.item,
      type: input.type,
      arch: archOut(input.arch),
      outcome: input.outcome,
      note: input.note,
      refUrl: input.refUrl,
      data: input.data,
      groups: input.groups,
      submittedAt,
      forced: input.force,
      taskStateId: null as number | null,
      stateVersion: null as number | null,
    };
    if (keyed === null) {
      // No subject: stored, with no task state, emission or duplicate.
      decided.push({ view, emit: null, dup: null, emission: null });
      return;
    }
    const state = states.get(keyed.key) as GroupState;
    const rule: RuleState = { emitted: state.lastEmission !== null, emittedOutcome: state.emittedOutcome };
    const decision = decide(rule, input);
    state.stateVersion += 1;
    state.results += 1;
    state.lastOutcome = input.outcome;
    state.lastResultId = id;
    Object.assign(row, { item_id: keyed.itemId, task_state_id: state.id, state_version: state.stateVersion });
    Object.assign(view, { itemId: keyed.itemId, taskStateId: state.id, stateVersion: state.stateVersion });
    if (!decision.emit) {
      const dup = state.lastEmission;
      row.dup_k = dup?.kind === 'new' ? dup.k : null;
      row.dup_seq = dup?.kind === 'stored' ? dup.seq : null;
      decided.push({ view, emit: null, dup, emission: null });
      return;
    }
    const k = emissionRows.length + 1;
    const body: EmissionBody = {
      task: { name: input.testcase, item: keyed.input.item, type: keyed.input.type, arch: archOut(input.arch) },
      result: {
        id,
        submit_time: submitTime(submittedAt),
        prev_outcome: decision.prevOutcome,
        outcome: input.outcome,
        log_url: input.refUrl,
        forced: decision.forced,
      },
    };
    const emission: Omit<EmissionView, 'seq'> = {
      msgId: newMsgId(now),
      topic: ctx.topic,
      timestamp: Math.floor(now.getTime() / 1000),
      body,
      outcome: input.outcome,
      prevOutcome: decision.prevOutcome,
      forced: decision.forced,
      resultId: id,
      taskStateId: state.id,
      testcaseId,
      testcase: input.testcase,
      itemId: keyed.itemId,
      item: keyed.input.item,
      type: keyed.input.type,
      arch: archOut(input.arch),
      createdAt: now,
      publishedAt: null,
    };
    emissionRows.push({
      k,
      msg_id: emission.msgId,
      topic: emission.topic,
      body: JSON.stringify(body),
      timestamp: emission.timestamp,
      outcome: input.outcome,
      prev_outcome: decision.prevOutcome,
      forced: decision.forced,
      result_id: id,
      task_state_id: state.id,
      testcase_id: testcaseId,
      item_id: keyed.itemId,
      arch: input.arch,
    });
    row.emission_k = k;
    state.emittedOutcome = after(rule, input, decision).emittedOutcome;
    state.lastEmission = { kind: 'new', k };
    state.emissions += 1;
    decided.push({ view, emit: k, dup: null, emission });
  });
  const stateRows: StateRow[] = [...states.values()].map((s) => ({
    id: s.id,
    last_outcome: s.lastOutcome,
    emitted_outcome: s.emittedOutcome,
    last_result_id: s.lastResultId,
    last_k: s.lastEmission?.kind === 'new' ? s.lastEmission.k : null,
    last_seq: s.lastEmission?.kind === 'stored' ? s.lastEmission.seq : null,
    results: s.results,
    emissions: s.emissions,
    state_version: s.stateVersion,
  }));

  // The writes. Rows that need a new emission's seq (the emissions, the
  // results that produced them or duplicate them, the task states they
  // become the last emission of) go in the last statement, which takes the
  // sequence row's lock and holds it to the commit; everything else (mostly
  // duplicates of stored emissions) goes in a statement before it, sent in
  // the same write, so that the counter is held only while the last
  // statement runs.
  let rows: Array<{ base: number | string }>;
  if (emissionRows.length === 0) {
    rows = await tx.last(writeGroup([], resultRows, stateRows, now, ctx.tag));
  } else {
    const needsSeq = (r: ResultRow): boolean => r.emission_k !== null || r.dup_k !== null;
    const earlyResults = resultRows.filter((r) => !needsSeq(r));
    const earlyStates = stateRows.filter((r) => r.last_k === null);
    const early =
      earlyResults.length === 0 && earlyStates.length === 0 ? undefined : tx.rows(writeGroup([], earlyResults, earlyStates, now, ctx.tag));
    early?.catch(() => {});
    const last = tx.last<{ base: number | string }>(
      writeGroup(emissionRows, resultRows.filter(needsSeq), stateRows.filter((r) => r.last_k !== null), now, ctx.tag),
    );
    last.catch(() => {});
    // The first failure is the one to report: after it the transaction is aborted and the rest fail too.
    if (early !== undefined) await early;
    rows = await last;
  }
  const base = Number(rows[0]?.base ?? 0);
  const seqOf = (ref: EmissionRef | null): number | null => (ref === null ? null : ref.kind === 'stored' ? ref.seq : base + ref.k);
  return decided.map((d) => ({
    result: { ...d.view, emissionSeq: d.emit === null ? null : base + d.emit, duplicateOfSeq: seqOf(d.dup) },
    emission: d.emission === null || d.emit === null ? null : { ...d.emission, seq: base + d.emit },
  }));
}
