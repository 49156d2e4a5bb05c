/**
 * The tables. `drizzle-kit generate` turns this file into the migrations in
 * `drizzle/`; the server applies them at start.
 *
 * A missing arch is stored as '' and the API maps '' back to null. A task
 * state's key is (testcase, item, variant), where the variant is one
 * canonical text of the values of the configured variant keys (arch,
 * scenario, ...; '' for none, see src/results/variant.ts), so that the key is
 * a plain unique index.
 *
 * No foreign keys. The ids that tie results, emissions and task states to
 * each other and to testcases and items are written by the recording
 * statements only (src/results/record.ts), in the transaction that creates
 * what they point at, and nothing is ever deleted. A foreign key would check
 * each of them again, row by row, and lock the row it points at: measured on
 * batches of 500, the checks took about half of the write statement's time
 * (batches went from 4,200-4,300 to 5,700-6,300 results/s without them).
 * test/results/integrity.test.ts checks, after concurrent writers, that every
 * pointer points at a row.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const testcases = pgTable(
  'testcases',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    /** Where the testcase is described (ResultsDB's `testcase.ref_url`); set through the REST API. */
    refUrl: text('ref_url'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('testcases_name_key').on(t.name),
    // text_pattern_ops lets `name LIKE 'dist.%'` (the `dist.*` filter) use the index.
    index('testcases_name_prefix_idx').using('btree', t.name.op('text_pattern_ops')),
  ],
);

/**
 * The package of an item (src/items/package.ts): for a `koji_build`, its name
 * without the last two `-`-separated parts (version and release); null for
 * other types and for names that are no N-V-R. PostgreSQL's regular
 * expressions take `.+` greedily, as JavaScript's do, and the two anchored
 * `[^-]+` leave one way to match, so both give the same part.
 */
export const PACKAGE_SQL = sql`CASE WHEN "type" = 'koji_build' THEN substring("name" from '^(.+)-[^-]+-[^-]+$') END`;

export const items = pgTable(
  'items',
  {
    id: serial('id').primaryKey(),
    type: text('type').notNull(),
    name: text('name').notNull(),
    /**
     * Generated from type and name (`PACKAGE_SQL`), so that the migration that
     * added it filled every existing row and no writer can leave it out.
     */
    package: text('package').generatedAlwaysAs(PACKAGE_SQL),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('items_type_name_key').on(t.type, t.name),
    index('items_name_idx').on(t.name),
    // text_pattern_ops: `name LIKE 'perl-Specio-%'` (the `perl-Specio-*`
    // filter) uses the index; `=` uses it too.
    index('items_name_prefix_idx').using('btree', t.name.op('text_pattern_ops')),
    index('items_package_idx').using('btree', t.package.op('text_pattern_ops')),
  ],
);

export const taskStates = pgTable(
  'task_states',
  {
    id: serial('id').primaryKey(),
    testcaseId: integer('testcase_id').notNull(),
    itemId: integer('item_id').notNull(),
    /** The arch of the key's results (of its first, when arch is not a variant key). */
    arch: text('arch').notNull().default(''),
    /** The canonical variant (src/results/variant.ts), '' for none: part of the key. */
    variant: text('variant').notNull().default(''),
    lastOutcome: text('last_outcome'),
    emittedOutcome: text('emitted_outcome'),
    lastResultId: bigint('last_result_id', { mode: 'number' }),
    lastEmissionSeq: bigint('last_emission_seq', { mode: 'number' }),
    resultCount: integer('result_count').notNull().default(0),
    emissionCount: integer('emission_count').notNull().default(0),
    stateVersion: integer('state_version').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('task_states_key').on(t.testcaseId, t.itemId, t.variant),
    index('task_states_item_idx').on(t.itemId),
  ],
);

export const results = pgTable(
  'results',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // testcase_id and item_id are the task state's, copied here for the
    // filters' indexes. A result with no subject (src/results/subject.ts)
    // has no item, no task state and no state version: all three null.
    testcaseId: integer('testcase_id').notNull(),
    itemId: integer('item_id'),
    arch: text('arch').notNull().default(''),
    outcome: text('outcome').notNull(),
    note: text('note'),
    refUrl: text('ref_url'),
    data: jsonb('data').$type<ResultData>().notNull().default({}),
    groups: text('groups').array().notNull().default(sql`'{}'::text[]`),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
    forced: boolean('forced').notNull().default(false),
    taskStateId: integer('task_state_id'),
    stateVersion: integer('state_version'),
    emissionSeq: bigint('emission_seq', { mode: 'number' }),
    duplicateOfSeq: bigint('duplicate_of_seq', { mode: 'number' }),
  },
  (t) => [
    index('results_testcase_idx').on(t.testcaseId, t.id),
    index('results_item_idx').on(t.itemId, t.testcaseId, t.id),
    index('results_outcome_idx').on(t.outcome, t.id),
    index('results_arch_idx').on(t.arch, t.id),
    index('results_submitted_at_idx').on(t.submittedAt),
    // A testcase's outcome counts per day (Testcase.outcomesByDay): one range
    // of this index, read without the table (outcome is in it).
    index('results_testcase_time_idx').on(t.testcaseId, t.submittedAt, t.outcome),
    index('results_groups_idx').using('gin', t.groups),
    // A key's newest result by submit time, for /results/latest (src/rest/queries.ts).
    index('results_task_state_idx').on(t.taskStateId, t.submittedAt, t.id),
    // Results with no subject whose data names an item, for the REST `item=` filter: few rows.
    index('results_subjectless_item_idx')
      .using('gin', sql`(${t.data} -> 'item')`)
      .where(sql`${t.taskStateId} IS NULL`),
  ],
);

/**
 * ResultsDB's groups: a result's `groups` holds their names (ResultsDB's
 * uuids), and each name has a row here from the first result that names
 * it (src/results/groups.ts). Descriptions and ref_urls are set through
 * the REST API (`POST /api/v2.0/groups`, and results posted with group
 * objects).
 */
export const resultGroups = pgTable('result_groups', {
  id: serial('id').primaryKey(),
  uuid: text('uuid').notNull().unique('result_groups_uuid_key'),
  description: text('description'),
  refUrl: text('ref_url'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const emissions = pgTable(
  'emissions',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    msgId: text('msg_id').notNull(),
    topic: text('topic').notNull(),
    // `json`, not `jsonb`: the body keeps the key order it was written with,
    // so the published envelope is the same text every time it is rebuilt.
    body: json('body').$type<EmissionBody>().notNull(),
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    outcome: text('outcome').notNull(),
    prevOutcome: text('prev_outcome'),
    forced: boolean('forced').notNull(),
    resultId: bigint('result_id', { mode: 'number' }).notNull(),
    taskStateId: integer('task_state_id').notNull(),
    // testcase_id and item_id are the task state's, copied here for the
    // filters' indexes.
    testcaseId: integer('testcase_id').notNull(),
    itemId: integer('item_id').notNull(),
    arch: text('arch').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** When a bridge first published it on the bus; null until then. */
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('emissions_msg_id_key').on(t.msgId),
    index('emissions_testcase_idx').on(t.testcaseId, t.seq),
    index('emissions_item_idx').on(t.itemId, t.seq),
    index('emissions_outcome_idx').on(t.outcome, t.seq),
    index('emissions_arch_idx').on(t.arch, t.seq),
    index('emissions_created_at_idx').on(t.createdAt),
    index('emissions_result_idx').on(t.resultId),
  ],
);

/**
 * The one-row counter behind the gap-free emission sequence. A transaction
 * that emits increments it as its last write and so holds its row lock until
 * commit: see `src/results/record.ts` for why that gives dense, commit-ordered
 * sequence numbers.
 */
export const emissionSequence = pgTable(
  'emission_sequence',
  {
    id: integer('id').primaryKey().default(1),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('emission_sequence_single_row', sql`${t.id} = 1`)],
);

/**
 * Where each bridge is in the emission stream: every seq up to `seq` has gone
 * out on its bus at least once. One row per bridge name.
 */
export const bridgeCursors = pgTable('bridge_cursors', {
  name: text('name').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  lastPublishedAt: timestamp('last_published_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Processes that have a `resultRecorded` subscriber, each with a lease it
 * renews while it has one. Recording sends a result's NOTIFY only while some
 * lease is current: a transaction that notifies takes a cluster-wide lock at
 * commit and holds it through its WAL flush, so notifying every result would
 * serialise every commit (see README, "Live results").
 */
export const resultListeners = pgTable('result_listeners', {
  holder: text('holder').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('api_tokens_name_key').on(t.name), uniqueIndex('api_tokens_hash_key').on(t.tokenHash)],
);

/** Free key/value data of a result: each value a string or a list of strings. */
export type ResultData = Record<string, string | string[]>;

/** Taskotron's per-build message body, plus `arch` and `forced`. */
// A type, not an interface, so that it is assignable to a JSON value type.
export type EmissionBody = {
  task: { name: string; item: string; type: string; arch: string | null };
  result: {
    id: number;
    submit_time: string;
    prev_outcome: string | null;
    outcome: string;
    log_url: string | null;
    forced: boolean;
  };
};

export type TestcaseRow = typeof testcases.$inferSelect;
export type ItemRow = typeof items.$inferSelect;
export type ResultGroupRow = typeof resultGroups.$inferSelect;
export type TaskStateRow = typeof taskStates.$inferSelect;
export type ResultRow = typeof results.$inferSelect;
export type EmissionRow = typeof emissions.$inferSelect;
export type BridgeCursorRow = typeof bridgeCursors.$inferSelect;
