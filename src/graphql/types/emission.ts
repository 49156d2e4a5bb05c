/** Emission: one per-build state change, the outbox and history row in one; its reads and stream. */
import { countEmissions, listEmissions } from '../../emissions/queries.ts';
import { followEmissions } from '../../emissions/stream.ts';
import { UserError } from '../../errors.ts';
import type { Builder } from '../builder.ts';
import { asEvent, branded, loadersOf, loadRequired } from '../context.ts';
import { DATABASE_READ } from '../limits.ts';
import { numericId } from '../ids.ts';
import { decodeNumericCursor, encodeCursor, paginate } from '../pagination.ts';
import type { Refs } from '../refs.ts';
import type { Filters } from './filters.ts';

/** A seq argument (`after`, `afterSeq`): 0 or a seq; undefined when not given. */
export function seqArgument(name: string, value: number | null | undefined): number | undefined {
  if (value == null) return undefined;
  if (value < 0) throw new UserError('BAD_USER_INPUT', `${name} must be 0 or a seq, got ${value}`, name);
  return value;
}

export function registerEmission(builder: Builder, refs: Refs, filters: Filters): void {
  builder.node(refs.Emission, {
    description:
      'A state change of one key (testcase, item, arch), published as one fedmsg. Holds everything the message needs.',
    id: { resolve: (e) => e.seq, parse: (id) => numericId('Emission', id) },
    loadMany: (ids, ctx) => ids.map((id) => branded('Emission', ctx.loaders.emission.load(id))),
    fields: (t) => ({
      seq: t.exposeInt('seq', { description: 'Dense, gap-free sequence number in commit order (the fedmsg `seq_id`).' }),
      msgId: t.exposeString('msgId', { description: 'The fedmsg `msg_id`: `<year>-<uuid4>`, stable across re-sends.' }),
      topic: t.exposeString('topic', { description: 'The fedmsg topic.' }),
      timestamp: t.exposeInt('timestamp', { description: 'Seconds since the epoch when the emission was created.' }),
      body: t.field({ type: 'JSON', resolve: (e) => e.body, description: 'The fedmsg body, in Taskotron’s shape.' }),
      outcome: t.field({ type: refs.Outcome, resolve: (e) => e.outcome, description: 'The outcome emitted.' }),
      prevOutcome: t.field({
        type: refs.Outcome,
        nullable: true,
        resolve: (e) => e.prevOutcome,
        description: 'The outcome emitted before for the same key; null for the first.',
      }),
      forced: t.exposeBoolean('forced', { description: 'Emitted only because the result was forced (same outcome).' }),
      testcase: t.exposeString('testcase', { description: 'The testcase of the key.' }),
      arch: t.exposeString('arch', { nullable: true, description: 'The arch of the key, when it has one.' }),
      item: t.field({
        type: refs.Item,
        description: 'The item (build) the emission is about.',
        resolve: (e, _, ctx) => loadRequired(loadersOf(e, ctx).item, e.itemId, `item ${e.itemId} of emission ${e.seq}`),
      }),
      result: t.field({
        type: refs.Result,
        description: 'The result that produced it.',
        resolve: (e, _, ctx) => loadRequired(loadersOf(e, ctx).result, e.resultId, `result ${e.resultId} of emission ${e.seq}`),
      }),
      createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt, description: 'When it was created (committed).' }),
      publishedAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (e) => e.publishedAt,
        description: 'When a fedmsg bridge first published it on the bus; null until then.',
      }),
    }),
  });

  builder.queryField('emissions', (t) =>
    t.connection({
      type: refs.Emission,
      description: 'Emissions in seq order (oldest first unless `newestFirst`).',
      extensions: DATABASE_READ,
      args: {
        filter: t.arg({ type: filters.EmissionFilter, description: 'Which emissions.' }),
        newestFirst: t.arg.boolean({ defaultValue: false, description: 'Newest first instead of seq order.' }),
        afterSeq: t.arg.int({
          description:
            'Only emissions with a seq larger than this, as the subscription\'s `after` takes it: a client that has seen seq N asks for `afterSeq: N`. Goes with either order (with `newestFirst`: the newest ones, down to N + 1) and with `after` for the pages.',
        }),
      },
      resolve: (_, args, ctx) => {
        const query = { filter: args.filter, afterSeq: seqArgument('afterSeq', args.afterSeq) };
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
  );

  builder.subscriptionField('emissions', (t) =>
    t.field({
      type: refs.Emission,
      description:
        'With `after`: every stored emission with a larger seq, in seq order, then live ones, with no gap and no duplicate. Without: live only. Resume with `after: <last seq seen>`.',
      args: {
        after: t.arg.int({ description: 'Replay from just past this seq (0 for everything).' }),
        filter: t.arg({ type: filters.EmissionFilter, description: 'Which emissions.' }),
      },
      subscribe: (_, args, ctx) => followEmissions(ctx.feed, seqArgument('after', args.after) ?? null, args.filter),
      resolve: (event, _, ctx) => asEvent(event.emission, event.batch, ctx.db),
    }),
  );
}
