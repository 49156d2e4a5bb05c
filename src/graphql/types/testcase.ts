/** Testcase: what ran (`dist.depcheck`). */
import { DEFAULT_DAYS, dayWindow, MAX_DAYS, type OutcomeDayCount, outcomesByDay } from '../../results/buckets.ts';
import { countTestcases, listTestcases, testcaseByName } from '../../results/queries.ts';
import type { Builder } from '../builder.ts';
import { branded } from '../context.ts';
import { DATABASE_READ } from '../limits.ts';
import { numericId } from '../ids.ts';
import { decodeCursor, encodeCursor, paginate } from '../pagination.ts';
import type { Refs } from '../refs.ts';

export function registerTestcase(builder: Builder, refs: Refs): void {
  const OutcomeDayCountRef = builder.objectRef<OutcomeDayCount>('OutcomeDayCount').implement({
    description: 'How many results of a testcase had one outcome on one UTC day.',
    fields: (t) => ({
      day: t.exposeString('day', { description: 'The UTC day, as an ISO 8601 date: `2026-11-24`.' }),
      outcome: t.field({ type: refs.Outcome, resolve: (c) => c.outcome, description: 'The outcome.' }),
      count: t.exposeInt('count', { description: 'Results with that outcome submitted that day (at least 1).' }),
    }),
  });

  builder.node(refs.Testcase, {
    description: 'A task that reports results, such as `dist.depcheck`.',
    id: { resolve: (tc) => tc.id, parse: (id) => numericId('Testcase', id) },
    loadMany: (ids, ctx) => ids.map((id) => branded('Testcase', ctx.loaders.testcase.load(id))),
    fields: (t) => ({
      name: t.exposeString('name', { description: 'The testcase name.' }),
      createdAt: t.field({ type: 'DateTime', resolve: (tc) => tc.createdAt, description: 'When its first result was recorded.' }),
      outcomesByDay: t.field({
        type: [OutcomeDayCountRef],
        description: `Its results counted per UTC day and outcome (for a chart of outcomes, or of the failure rate, per day), oldest day first, outcomes by name within a day; a day or outcome with no result is left out. Counted in the database. At most ${MAX_DAYS} days.`,
        extensions: DATABASE_READ,
        args: {
          since: t.arg({
            type: 'DateTime',
            description: `Count results submitted at or after this time (\`2026-11-01\` is midnight UTC). Default: the start of the UTC day ${DEFAULT_DAYS - 1} days before \`until\`'s, so ${DEFAULT_DAYS} days in all.`,
          }),
          until: t.arg({ type: 'DateTime', description: 'Count results submitted at or before this time. Default: now.' }),
        },
        resolve: (tc, args, ctx) => outcomesByDay(ctx.db, tc.id, dayWindow(args.since, args.until)),
      }),
    }),
  });

  builder.queryField('testcase', (t) =>
    t.field({
      type: refs.Testcase,
      nullable: true,
      description: 'One testcase by name; null when no result was ever recorded for it.',
      extensions: DATABASE_READ,
      args: { name: t.arg.string({ required: true, description: 'The testcase name, exact, e.g. `dist.depcheck`.' }) },
      resolve: async (_, args, ctx) => (await testcaseByName(ctx.db, args.name)) ?? null,
    }),
  );

  builder.queryField('testcases', (t) =>
    t.connection({
      type: refs.Testcase,
      description: 'Testcases by name.',
      extensions: DATABASE_READ,
      args: { name: t.arg.string({ description: 'Exact name, or a prefix when it ends with `*`.' }) },
      resolve: (_, args, ctx) =>
        paginate(
          args,
          (limit) => listTestcases(ctx.db, { name: args.name, afterName: decodeCursor('testcase', args.after), limit }),
          (tc) => encodeCursor('testcase', tc.name),
          () => countTestcases(ctx.db, { name: args.name }),
        ),
    }, refs.TestcaseConnection),
  );
}
