/** Testcase: what ran (`dist.depcheck`). */
import { listTestcases } from '../../results/queries.ts';
import type { Builder } from '../builder.ts';
import { branded } from '../context.ts';
import { DATABASE_READ } from '../limits.ts';
import { numericId } from '../ids.ts';
import { decodeCursor, encodeCursor, paginate } from '../pagination.ts';
import type { Refs } from '../refs.ts';

export function registerTestcase(builder: Builder, refs: Refs): void {
  builder.node(refs.Testcase, {
    description: 'A task that reports results, such as `dist.depcheck`.',
    id: { resolve: (tc) => tc.id, parse: (id) => numericId('Testcase', id) },
    loadMany: (ids, ctx) => ids.map((id) => branded('Testcase', ctx.loaders.testcase.load(id))),
    fields: (t) => ({
      name: t.exposeString('name', { description: 'The testcase name.' }),
      createdAt: t.field({ type: 'DateTime', resolve: (tc) => tc.createdAt, description: 'When its first result was recorded.' }),
    }),
  });

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
        ),
    }, refs.TestcaseConnection),
  );
}
