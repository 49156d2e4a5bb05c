/** Result: one recorded report; its reads, the two recording mutations and the live stream. */
import type { ResultView } from '../../results/views.ts';
import type { EmissionView } from '../../results/views.ts';
import type { CommonFilter } from '../../results/queries.ts';
import { countResults, listResults, matchesCommon } from '../../results/queries.ts';
import type { RecordedResult } from '../../results/record.ts';
import { followResults } from '../../emissions/stream.ts';
import type { Builder } from '../builder.ts';
import { LIMITS } from '../../results/validate.ts';
import { LENGTH_CHECKED_BY_RESOLVER } from '../inputs.ts';
import { DATABASE_READ } from '../limits.ts';
import { asEvent, branded, type Context, loadersOf, loadRequired } from '../context.ts';
import { numericId, parseId } from '../ids.ts';
import { decodeNumericCursor, encodeCursor, paginate } from '../pagination.ts';
import type { Refs, SchemaOptions } from '../refs.ts';
import type { Filters } from './filters.ts';

/** True when a result matches a filter (for the live stream, which filters loaded rows). */
export function resultMatches(filter: CommonFilter | null | undefined, r: ResultView): boolean {
  if (!matchesCommon(filter, r, r.submittedAt)) return false;
  return filter?.group == null || r.groups.includes(filter.group);
}

function prime(ctx: Context, recorded: RecordedResult[]): void {
  for (const { result, emission } of recorded) {
    ctx.loaders.result.prime(result.id, result);
    if (emission) ctx.loaders.emission.prime(emission.seq, emission);
  }
}

export function registerResult(builder: Builder, refs: Refs, filters: Filters, options: SchemaOptions): void {
  builder.node(refs.Result, {
    description: 'One recorded report: what ran (testcase) on what (item, type, arch), and what it concluded.',
    id: { resolve: (r) => r.id, parse: (id) => numericId('Result', id) },
    loadMany: (ids, ctx) => ids.map((id) => branded('Result', ctx.loaders.result.load(id))),
    fields: (t) => ({
      resultId: t.exposeInt('id', { description: 'The numeric id, as in the fedmsg body (`result.id`).' }),
      testcase: t.exposeString('testcase', { description: 'What ran, e.g. `dist.depcheck`.' }),
      item: t.exposeString('item', {
        nullable: true,
        description:
          'What it ran on, e.g. a build NVR: the subject\'s item, given or derived from `data` (RESULTSBUS_SUBJECTS); null for a result with no subject, which has no task state and emits nothing.',
      }),
      type: t.exposeString('type', { nullable: true, description: 'The item type, e.g. `koji_build` or `compose`; null for a result with no subject.' }),
      arch: t.exposeString('arch', { nullable: true, description: 'The arch, when the result has one.' }),
      outcome: t.field({ type: refs.Outcome, resolve: (r) => r.outcome, description: 'The outcome reported.' }),
      note: t.exposeString('note', { nullable: true, description: 'A short free-text note.' }),
      refUrl: t.exposeString('refUrl', { nullable: true, description: 'Where the log is (the fedmsg `log_url`).' }),
      data: t.field({ type: 'JSON', resolve: (r) => r.data, description: 'Free key/value data: each value a string or a list of strings.' }),
      groups: t.exposeStringList('groups', { description: 'Groups the result was recorded in.' }),
      submittedAt: t.field({
        type: 'DateTime',
        resolve: (r) => r.submittedAt,
        description: 'When it was submitted: the time it was recorded, or the `submit_time` a client of the ResultsDB REST API gave.',
      }),
      forced: t.exposeBoolean('forced', { description: 'Recorded with `force: true` (a re-run someone asked for).' }),
      stateVersion: t.exposeInt('stateVersion', {
        nullable: true,
        description:
          "The task-state version it was applied at: 1, 2, 3, ... per key, in the order the key's lock was taken; null for a result with no subject.",
      }),
      itemNode: t.field({
        type: refs.Item,
        nullable: true,
        description: 'The item as an object, with its task states and history; null for a result with no subject.',
        resolve: (r, _, ctx) =>
          r.itemId === null ? null : loadRequired(loadersOf(r, ctx).item, r.itemId, `item ${r.itemId} of result ${r.id}`),
      }),
      taskState: t.field({
        type: refs.TaskState,
        nullable: true,
        description: 'The current state of this result’s key (testcase, item, variant); null for a result with no subject.',
        resolve: (r, _, ctx) =>
          r.taskStateId === null
            ? null
            : loadRequired(loadersOf(r, ctx).taskState, r.taskStateId, `task state ${r.taskStateId} of result ${r.id}`),
      }),
      emission: t.field({
        type: refs.Emission,
        nullable: true,
        description: 'The emission this result produced, when it changed the state (or was forced).',
        resolve: (r, _, ctx) => (r.emissionSeq === null ? null : loadersOf(r, ctx).emission.load(r.emissionSeq).then((e) => e ?? null)),
      }),
      duplicateOf: t.field({
        type: refs.Emission,
        nullable: true,
        description: 'For a result that emitted nothing: the emission that already covers its state.',
        resolve: (r, _, ctx) =>
          r.duplicateOfSeq === null ? null : loadersOf(r, ctx).emission.load(r.duplicateOfSeq).then((e) => e ?? null),
      }),
    }),
  });

  builder.queryField('result', (t) =>
    t.field({
      type: refs.Result,
      nullable: true,
      description: 'One result, by global ID or by its numeric id; null when there is none.',
      extensions: DATABASE_READ,
      args: { id: t.arg.id({ required: true, description: 'A Result global ID, or the numeric id.' }) },
      resolve: async (_, args, ctx) => (await ctx.loaders.result.load(parseId('Result', String(args.id)))) ?? null,
    }),
  );

  builder.queryField('results', (t) =>
    t.connection({
      type: refs.Result,
      description: 'Results, newest first.',
      extensions: DATABASE_READ,
      args: { filter: t.arg({ type: filters.ResultFilter, description: 'Which results.' }) },
      resolve: (_, args, ctx) =>
        paginate(
          args,
          (limit) => listResults(ctx.db, { filter: args.filter, beforeId: decodeNumericCursor('result', args.after), limit }),
          (r) => encodeCursor('result', r.id),
          () => countResults(ctx.db, { filter: args.filter }),
        ),
    }, refs.ResultConnection),
  );

  const VariantValueInput = builder.inputType('VariantValueInput', {
    description: 'One dimension of a result\'s variant, as `TaskState.variant` shows it.',
    fields: (t) => ({
      key: t.string({ required: true, description: 'A variant key (RESULTSBUS_VARIANT_KEYS: `arch`, `scenario`, `system_architecture`, `system_variant` by default).' }),
      values: t.stringList({ required: true, description: 'Its values (usually one; 1 to 255 characters each).' }),
    }),
  });

  const RecordResultInput = builder.inputType('RecordResultInput', {
    description: 'One result to record.',
    fields: (t) => ({
      testcase: t.string({ required: true, description: 'What ran, e.g. `dist.depcheck` (1 to 255 characters).' }),
      item: t.string({
        description:
          'What it ran on, e.g. a build NVR (1 to 255 characters), with `type`. Without both, the subject is derived from `data` by RESULTSBUS_SUBJECTS (e.g. a compose from `data["productmd.compose.id"]`), and a result with none is stored with no task state and emits nothing.',
      }),
      type: t.string({ description: 'The item type, e.g. `koji_build`, `bodhi_update`, `compose`; given with `item`.' }),
      arch: t.string({
        description: 'The arch (1 to 255 characters); omit for none. Part of the state key\'s variant (it stands for `data.arch` there).',
      }),
      outcome: t.field({ type: refs.Outcome, required: true, description: 'The outcome.' }),
      note: t.string({ description: 'A free-text note, at most 64 KiB.' }),
      refUrl: t.string({ description: 'An http(s) URL of the log.' }),
      data: t.field({
        type: 'JSON',
        description:
          'Free key/value data: an object whose values are strings or lists of strings, at most 256 KiB as JSON, kept as given. The values of the variant keys (RESULTSBUS_VARIANT_KEYS: `scenario`, `system_architecture`, `system_variant` and `arch` by default) make the state key\'s variant: results that differ in one of them have task states of their own.',
      }),
      variant: t.field({
        type: [VariantValueInput],
        description:
          'The variant\'s values, key by key, as `TaskState.variant` shows them (`[{key: "scenario", values: ["fedora-updates-server"]}]`): another way to give what `data` and `arch` give. Each entry is written into `data` (one value as a string, more as a list); `arch` stands for the `arch` field. A key that is not a variant key, or a value that `data` or `arch` gives differently, is refused.',
      }),
      groups: t.stringList({ description: `Groups to file the result under (at most ${LIMITS.groups}).`, extensions: { maxItems: LIMITS.groups } }),
      force: t.boolean({
        defaultValue: false,
        description: 'Emit even when the outcome equals the one last emitted (a re-run someone asked for).',
      }),
    }),
  });

  const RecordResultPayload = builder
    .objectRef<RecordedResult>('RecordResultPayload')
    .implement({
      description: 'What recording one result did.',
      fields: (t) => ({
        result: t.field({ type: refs.Result, resolve: (p) => p.result, description: 'The stored result.' }),
        emitted: t.boolean({ resolve: (p) => p.emission !== null, description: 'Whether it produced an emission.' }),
        keyed: t.boolean({
          resolve: (p) => p.result.taskStateId !== null,
          description:
            'Whether the result has a subject, and so a task state that the rule applied it to. False when it gave no item and type and none could be derived from its data (RESULTSBUS_SUBJECTS): it is stored and served, but has no task state and emits nothing.',
        }),
        emission: t.field({
          type: refs.Emission,
          nullable: true,
          resolve: (p) => p.emission,
          description: 'The emission it produced, when `emitted`.',
        }),
        duplicateOf: t.field({
          type: refs.Emission,
          nullable: true,
          description: 'When not `emitted`: the emission that already covers this state.',
          resolve: (p, _, ctx) =>
            p.result.duplicateOfSeq === null ? null : ctx.loaders.emission.load(p.result.duplicateOfSeq).then((e) => e ?? null),
        }),
      }),
    });

  builder.mutationField('recordResult', (t) =>
    t.field({
      type: RecordResultPayload,
      description: 'Records one result and applies the rule: emit on the first result of a key, on a change of outcome, or when forced.',
      args: { input: t.arg({ type: RecordResultInput, required: true }) },
      resolve: async (_, args, ctx) => {
        await ctx.tokens.verify(ctx.authorization);
        const recorded = await ctx.recorder.record(ctx.db, [args.input], 'input');
        prime(ctx, recorded);
        const first = recorded[0];
        if (!first) throw new Error('recordResult recorded nothing');
        return first;
      },
    }),
  );

  const RecordResultsPayload = builder
    .objectRef<{ results: ResultView[]; emissions: EmissionView[] }>('RecordResultsPayload')
    .implement({
      description: 'What recording a batch did.',
      fields: (t) => ({
        results: t.field({ type: [refs.Result], resolve: (p) => p.results, description: 'The stored results, in input order.' }),
        emissions: t.field({
          type: [refs.Emission],
          resolve: (p) => p.emissions,
          description: 'The emissions the batch produced, in seq order.',
        }),
      }),
    });

  builder.mutationField('recordResults', (t) =>
    t.field({
      type: RecordResultsPayload,
      description: `Records a batch of at most ${options.maxBatch} results in one transaction, in input order: all or nothing.`,
      args: { inputs: t.arg({ type: [RecordResultInput], required: true, extensions: LENGTH_CHECKED_BY_RESOLVER }) },
      resolve: async (_, args, ctx) => {
        await ctx.tokens.verify(ctx.authorization);
        const recorded = await ctx.recorder.record(ctx.db, args.inputs, 'inputs');
        prime(ctx, recorded);
        return {
          results: recorded.map((r) => r.result),
          emissions: recorded.flatMap((r) => (r.emission ? [r.emission] : [])),
        };
      },
    }),
  );

  builder.subscriptionField('resultRecorded', (t) =>
    t.field({
      type: refs.Result,
      description: 'Results as they are recorded (live only; nothing from before subscribing).',
      args: { filter: t.arg({ type: filters.ResultFilter, description: 'Which results.' }) },
      subscribe: (_, args, ctx) => followResults(ctx.feed, (r) => resultMatches(args.filter, r)),
      resolve: (event, _, ctx) => asEvent(event.result, event.batch, ctx.db),
    }),
  );
}
