/** Item (a build, an update, a compose) with its task states and history. */
import { countItems, itemByKey, listItems } from '../../items/queries.ts';
import { countEmissions, listEmissions } from '../../emissions/queries.ts';
import { countResults, given, listResults, matchesNames } from '../../results/queries.ts';
import type { Builder } from '../builder.ts';
import { branded, loadersOf } from '../context.ts';
import { DATABASE_READ } from '../limits.ts';
import { numericId } from '../ids.ts';
import { decodeNumericCursor, encodeCursor, paginate } from '../pagination.ts';
import type { Refs } from '../refs.ts';
import { seqArgument } from './emission.ts';
import { ONE_OR_MANY } from './filters.ts';
import type { VariantValue } from '../../results/variant.ts';

export function registerItem(builder: Builder, refs: Refs): void {
  const Variant = builder.objectRef<VariantValue>('VariantValue').implement({
    description:
      'One dimension of a task state’s variant: a variant key (RESULTSBUS_VARIANT_KEYS: `arch`, `scenario`, `system_architecture`, `system_variant` by default) and the values the key’s results have for it.',
    fields: (t) => ({
      key: t.exposeString('key', { description: 'The data key, e.g. `scenario`; `arch` is the result’s arch.' }),
      values: t.exposeStringList('values', { description: 'Its values (usually one), sorted; a list\'s order does not make another variant.' }),
    }),
  });

  builder.node(refs.TaskState, {
    description:
      'The state of one key (testcase, item, variant): what was seen last and what was emitted last. The variant is the values of the configured variant keys (arch, scenario, ...), so two openQA scenarios of one build are two states.',
    id: { resolve: (s) => s.id, parse: (id) => numericId('TaskState', id) },
    loadMany: (ids, ctx) => ids.map((id) => branded('TaskState', ctx.loaders.taskState.load(id))),
    fields: (t) => ({
      testcase: t.exposeString('testcase', { description: 'The testcase of the key.' }),
      arch: t.exposeString('arch', {
        nullable: true,
        description: 'The arch of the key, when it has one (the arch of its first result, when `arch` is not a variant key).',
      }),
      variant: t.field({
        type: [Variant],
        resolve: (s) => s.variant,
        description: 'The variant of the key, by key name; empty when its results have none of the variant keys.',
      }),
      lastOutcome: t.field({
        type: refs.Outcome,
        nullable: true,
        resolve: (s) => s.lastOutcome,
        description: 'The outcome of the last result recorded.',
      }),
      emittedOutcome: t.field({
        type: refs.Outcome,
        nullable: true,
        resolve: (s) => s.emittedOutcome,
        description: 'The outcome last emitted; a result emits when it differs from this.',
      }),
      lastResult: t.field({
        type: refs.Result,
        nullable: true,
        description: 'The last result recorded for the key.',
        resolve: (s, _, ctx) => (s.lastResultId === null ? null : loadersOf(s, ctx).result.load(s.lastResultId).then((r) => r ?? null)),
      }),
      lastEmission: t.field({
        type: refs.Emission,
        nullable: true,
        description: 'The last emission of the key.',
        resolve: (s, _, ctx) =>
          s.lastEmissionSeq === null ? null : loadersOf(s, ctx).emission.load(s.lastEmissionSeq).then((e) => e ?? null),
      }),
      resultCount: t.exposeInt('resultCount', { description: 'Results recorded for the key.' }),
      emissionCount: t.exposeInt('emissionCount', { description: 'Emissions the key produced.' }),
      stateVersion: t.exposeInt('stateVersion', { description: 'Incremented under the lock by each result of the key.' }),
      updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.updatedAt, description: 'When the last result was applied.' }),
    }),
  });

  builder.node(refs.Item, {
    description: 'What tasks run on: a build NVR (`koji_build`), an update (`bodhi_update`), a compose...',
    id: { resolve: (i) => i.id, parse: (id) => numericId('Item', id) },
    loadMany: (ids, ctx) => ids.map((id) => branded('Item', ctx.loaders.item.load(id))),
    fields: (t) => ({
      type: t.exposeString('type', { description: 'The item type, e.g. `koji_build`.' }),
      name: t.exposeString('name', { description: 'The item name, e.g. `perl-Specio-0.25-1.fc26`.' }),
      package: t.exposeString('package', {
        nullable: true,
        description:
          'For a `koji_build`: the package, its N-V-R without version and release (`perl-Specio` for `perl-Specio-0.25-1.fc26`). Null for other types (an update alias or a compose id is no N-V-R) and for a `koji_build` whose name has fewer than three `-`-separated parts.',
      }),
      taskStates: t.field({
        type: [refs.TaskState],
        description: 'The current state per testcase and variant (arch, scenario, ...), by testcase name.',
        args: { testcase: t.arg.stringList({ description: `Only these testcases (each exact, or a prefix ending in \`*\`). ${ONE_OR_MANY}` }) },
        resolve: async (i, args, ctx) => {
          const states = await loadersOf(i, ctx).taskStatesOfItem.load(i.id);
          const want = args.testcase;
          if (!given(want)) return states;
          return states.filter((s) => matchesNames(s.testcase, want));
        },
      }),
      results: t.connection({
        type: refs.Result,
        description: 'The item’s results, newest first.',
        extensions: DATABASE_READ,
        args: {
          testcase: t.arg.stringList({ description: `Only these testcases (each exact, or a prefix ending in \`*\`). ${ONE_OR_MANY}` }),
          outcome: t.arg({ type: [refs.Outcome], description: 'Only results with one of these outcomes.' }),
          arch: t.arg.string({ description: 'Only results of this arch, exact.' }),
          since: t.arg({ type: 'DateTime', description: 'Only results submitted at or after this time.' }),
          until: t.arg({ type: 'DateTime', description: 'Only results submitted at or before this time.' }),
        },
        resolve: (i, args, ctx) => {
          const query = {
            itemId: i.id,
            filter: { testcase: args.testcase, outcome: args.outcome, arch: args.arch, since: args.since, until: args.until },
          };
          return paginate(
            args,
            (limit) => listResults(ctx.db, { ...query, beforeId: decodeNumericCursor('result', args.after), limit }),
            (r) => encodeCursor('result', r.id),
            () => countResults(ctx.db, query),
          );
        },
      }, refs.ResultConnection),
      emissions: t.connection({
        type: refs.Emission,
        description: 'The item’s emissions in seq order (oldest first unless `newestFirst`).',
        extensions: DATABASE_READ,
        args: {
          testcase: t.arg.stringList({ description: `Only these testcases (each exact, or a prefix ending in \`*\`). ${ONE_OR_MANY}` }),
          newestFirst: t.arg.boolean({ defaultValue: false, description: 'Newest first instead of seq order.' }),
          afterSeq: t.arg.int({ description: 'Only emissions with a seq larger than this (as `Query.emissions(afterSeq:)`).' }),
        },
        resolve: (i, args, ctx) => {
          const query = { itemId: i.id, filter: { testcase: args.testcase }, afterSeq: seqArgument('afterSeq', args.afterSeq) };
          return paginate(
            args,
            (limit) =>
              listEmissions(ctx.db, {
                ...query,
                pastSeq: decodeNumericCursor('emission', args.after),
                newestFirst: args.newestFirst ?? false,
                limit,
              }),
            (e) => encodeCursor('emission', e.seq),
            () => countEmissions(ctx.db, query),
          );
        },
      }, refs.EmissionConnection),
      createdAt: t.field({ type: 'DateTime', resolve: (i) => i.createdAt, description: 'When its first result was recorded.' }),
    }),
  });

  builder.queryField('item', (t) =>
    t.field({
      type: refs.Item,
      nullable: true,
      description: 'One item by type and name; null when nothing was recorded for it.',
      extensions: DATABASE_READ,
      args: {
        type: t.arg.string({ required: true, description: 'The item type, e.g. `koji_build`.' }),
        name: t.arg.string({ required: true, description: 'The item name, e.g. a build NVR.' }),
      },
      resolve: async (_, args, ctx) => (await itemByKey(ctx.db, args.type, args.name)) ?? null,
    }),
  );

  const ItemFilter = builder.inputType('ItemFilter', {
    description: 'Which items to return; all given fields must match.',
    fields: (t) => ({
      type: t.string({ description: 'Item type, exact.' }),
      name: t.stringList({
        description: `Item names (build NVRs, ...); any of them matches. Each exact, or a prefix when it ends with \`*\` (\`perl-Specio-*\`). ${ONE_OR_MANY}`,
      }),
      package: t.stringList({
        description: `Packages (\`Item.package\`); any of them matches. Each exact, or a prefix when it ends with \`*\`. Only \`koji_build\` items have one. ${ONE_OR_MANY}`,
      }),
      testcase: t.stringList({
        description: `Items with a task state for one of these testcases (each exact, or a prefix with \`*\`). ${ONE_OR_MANY}`,
      }),
      outcome: t.field({ type: [refs.Outcome], description: 'Items with a task state whose last outcome is one of these.' }),
      arch: t.string({ description: 'Items with a task state of this arch.' }),
    }),
  });

  builder.queryField('items', (t) =>
    t.connection({
      type: refs.Item,
      description:
        'Items in the order they were created, oldest first unless `newestFirst`. An item is created with its first result, so "newest" is the item whose first result came last (a batch creates its new items sorted by type, then name); later results do not move an item.',
      extensions: DATABASE_READ,
      args: {
        filter: t.arg({ type: ItemFilter, description: 'Which items.' }),
        newestFirst: t.arg.boolean({
          defaultValue: false,
          description: 'Newest first (the last created first): the builds of a package, newest build first.',
        }),
      },
      resolve: (_, args, ctx) =>
        paginate(
          args,
          (limit) =>
            listItems(ctx.db, {
              filter: args.filter,
              pastId: decodeNumericCursor('item', args.after),
              newestFirst: args.newestFirst ?? false,
              limit,
            }),
          (i) => encodeCursor('item', i.id),
          () => countItems(ctx.db, args.filter),
        ),
    }, refs.ItemConnection),
  );
}
