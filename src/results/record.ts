/**
 * The recording rule (design.md, "The rule"): store every result, keep one
 * task-state row per (testcase, item type, item, variant), and emit only when
 * that key has never emitted, when the outcome differs from the one last
 * emitted, or when the result is forced (`decide`, src/results/decide.ts).
 *
 * One recording path. Every call (`recordResult`, `recordResults`, a REST
 * POST, the CLI) is validated, then becomes a member of a group
 * (src/results/group-commit.ts): the calls waiting while a group commits
 * share the next transaction (src/results/apply.ts). A call inside a
 * caller's transaction is applied there, as a group of its own.
 *
 * Concurrency. A group's task-state rows are locked before the rule is
 * applied, in one global order (src/results/sql/lock-states.ts), so two
 * results for one key are decided one after the other and each sees what the
 * other emitted; results for different keys never wait for each other but
 * for the sequence counter at commit; groups and batches cannot deadlock.
 */
import type { Executor } from '../db/client.ts';
import { pipelineOf } from '../db/client.ts';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { badInput } from '../errors.ts';
import { type ApplyContext, applyGroup, type RecordedResult } from './apply.ts';
import { DEFAULT_GROUP, GroupCommit, type GroupReport } from './group-commit.ts';
import { ensureGroups, KnownGroups } from './groups.ts';
import { type Created, IdCache, stateKey } from './ids.ts';
import { drizzleStatements, pipelineStatements } from './statements.ts';
import { DEFAULT_KEY_RULES, type KeyRules, type RecordResultInput, type ValidResultInput, validateResultInput } from './validate.ts';
import type { EmissionView } from './views.ts';

export type { RecordedResult } from './apply.ts';
export { EMISSIONS_CHANNEL, RESULTS_CHANNEL } from './sql/notify.ts';

export interface RecorderOptions {
  /** Outcome names accepted. */
  outcomes: readonly string[];
  /** fedmsg topic of every emission, e.g. `org.fedoraproject.dev.taskotron.result.new`. */
  topic: string;
  /** Largest accepted batch. */
  maxBatch: number;
  /**
   * How large a group of calls sharing one transaction may grow: results
   * (RESULTSBUS_GROUP_MAX_RESULTS) and bytes of their strings and data
   * (RESULTSBUS_GROUP_MAX_BYTES). A call larger than either is a group alone.
   * @default { maxResults: 1000, maxBytes: 4 MiB }
   */
  group?: { maxResults: number; maxBytes: number };
  /**
   * How a result's key is made: the data keys of its variant
   * (RESULTSBUS_VARIANT_KEYS) and the rules that derive its subject from its
   * data (RESULTSBUS_SUBJECTS).
   * @default DEFAULT_KEY_RULES: arch, scenario, system_architecture, system_variant; item={type}, productmd.compose.id=compose, nvr={type}|koji_build
   */
  keyRules?: KeyRules;
  /**
   * Called with the emissions of a group once they are committed, in seq
   * order (not for a call inside a caller's transaction). The live feed
   * hands them to this process's streams.
   */
  onCommitted?: (emissions: readonly EmissionView[]) => void;
  /**
   * Called with every result of a group once it is committed, emitted or not
   * (not for a call inside a caller's transaction); the metrics count them.
   * @default undefined
   */
  onRecorded?: (recorded: readonly RecordedResult[]) => void;
  /**
   * Called with an error that `onCommitted` or `onRecorded` threw: the
   * group has committed and its callers get their answers regardless.
   * @default undefined (ignored)
   */
  onHookError?: (error: unknown) => void;
  /** Told of every group once it is done (the metrics show their sizes and retries). @default undefined */
  onGroup?: (report: GroupReport) => void;
  /**
   * Added to the emission notification of every group whose emissions go
   * to `onCommitted` (`<seq>:<tag>`), so that the process's own feed can
   * tell its own notifications, which it needs not wait for, from those of
   * other processes. @default undefined (plain `<seq>`)
   */
  notifyTag?: string;
}

/**
 * How many groups one process has in flight: while one waits for its
 * commit's WAL flush, the next takes its locks and writes. With more, the
 * waiting calls split into smaller groups for no gain (a group that emits
 * waits for the sequence counter, which the one before holds to its commit).
 */
const GROUPS_IN_FLIGHT = 2;

/** What a result counts for against `maxBytes`: its strings and its data, as sent to the database. */
function sizeOf(input: ValidResultInput): number {
  let n = input.testcase.length + input.outcome.length + input.arch.length + input.variant.length;
  n += (input.item?.length ?? 0) + (input.type?.length ?? 0) + (input.note?.length ?? 0) + (input.refUrl?.length ?? 0);
  for (const g of input.groups) n += g.length;
  for (const key in input.data) {
    const value = input.data[key];
    n += key.length + (Array.isArray(value) ? value.reduce((m, v) => m + v.length + 3, 0) : (value?.length ?? 0)) + 6;
  }
  return n;
}

export class Recorder {
  /** Testcase and item ids. */
  private readonly ids = new IdCache();
  /** Keys known to have a task state, by `stateKey`: the task state's id. */
  private readonly states = new IdCache(250_000);
  /** Group names known to have their row (src/results/groups.ts). */
  private readonly groups = new KnownGroups();
  /** The group commit of each database handle (one in practice). */
  private readonly committers = new WeakMap<object, GroupCommit<ValidResultInput, RecordedResult>>();

  constructor(readonly options: RecorderOptions) {}

  /**
   * Records a call's results, all or nothing, in input order. On a database
   * it joins a group that commits together; on a transaction it runs inside
   * it (as a savepoint).
   *
   * @param field name used in error paths: `input` for one result, `inputs` for a batch
   */
  async record(executor: Executor, inputs: readonly RecordResultInput[], field = 'inputs'): Promise<RecordedResult[]> {
    if (inputs.length === 0) return [];
    if (inputs.length > this.options.maxBatch) {
      throw badInput(field, `has ${inputs.length} results; at most ${this.options.maxBatch} are allowed per call`);
    }
    const valid = inputs.map((input, i) =>
      validateResultInput(
        inputs.length === 1 && field === 'input' ? field : `${field}[${i}]`,
        input,
        this.options.outcomes,
        this.options.keyRules ?? DEFAULT_KEY_RULES,
      ),
    );
    if (executor instanceof PgTransaction) {
      await ensureGroups(executor, valid.flatMap((v) => v.groups), this.groups, false);
      // Caches of their own: what this transaction finds or makes may yet be rolled back with the caller's.
      const ctx: ApplyContext = { topic: this.options.topic, ids: new IdCache(), states: new IdCache(), created: [], tag: undefined };
      return executor.transaction((tx) => applyGroup(drizzleStatements(tx), valid, ctx));
    }
    return this.committer(executor).submit(valid);
  }

  private committer(db: Executor): GroupCommit<ValidResultInput, RecordedResult> {
    let committer = this.committers.get(db);
    if (committer === undefined) {
      const caps = { ...(this.options.group ?? DEFAULT_GROUP), concurrency: GROUPS_IN_FLIGHT };
      committer = new GroupCommit(caps, (inputs) => this.commitGroup(db, inputs), sizeOf, this.options.onGroup);
      this.committers.set(db, committer);
    }
    return committer;
  }

  /** One group in one transaction of its own; once committed, hands on its ids, emissions and results. */
  private async commitGroup(db: Executor, inputs: readonly ValidResultInput[]): Promise<RecordedResult[]> {
    // Before the group's own transaction: a row for a new group name is no
    // part of the rule, and inserting it there would hold the new row's lock
    // until that commit.
    await ensureGroups(db, inputs.flatMap((v) => v.groups), this.groups, true);
    // Only a group whose emissions reach onCommitted may say whose they are.
    const tag = this.options.onCommitted !== undefined ? this.options.notifyTag : undefined;
    const created: Created = [];
    const ctx: ApplyContext = { topic: this.options.topic, ids: this.ids, states: this.states, created, tag };
    // On PostgreSQL the transaction is pipelined (BEGIN with the first
    // statement, COMMIT with the last); on PGlite, drizzle's.
    const pipeline = pipelineOf(db);
    const recorded = pipeline
      ? await pipeline.transaction((tx) => applyGroup(pipelineStatements(tx), inputs, ctx))
      : await db.transaction((tx) => applyGroup(drizzleStatements(tx), inputs, ctx));
    // Committed: from here on nothing may throw, or the group would look
    // rolled back and be recorded again (src/results/group-commit.ts).
    try {
      this.committed(inputs, recorded, created);
    } catch (error) {
      this.options.onHookError?.(error);
    }
    return recorded;
  }

  /** Hands on what a group committed: the ids it created, its emissions, its results. */
  private committed(inputs: readonly ValidResultInput[], recorded: readonly RecordedResult[], created: Created): void {
    for (const [key, id] of created) this.ids.set(key, id);
    recorded.forEach(({ result }, i) => {
      const input = inputs[i];
      if (input !== undefined && result.itemId !== null && result.taskStateId !== null) {
        this.states.set(stateKey(result.testcaseId, result.itemId, input.variant), result.taskStateId);
      }
    });
    const emitted = recorded.flatMap((r) => (r.emission === null ? [] : [r.emission])).sort((a, b) => a.seq - b.seq);
    if (emitted.length > 0) this.options.onCommitted?.(emitted);
    this.options.onRecorded?.(recorded);
  }
}
