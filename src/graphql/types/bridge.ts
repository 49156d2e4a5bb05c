/** BridgeStatus: where a fedmsg bridge is in the emission stream. */
import { type BridgeLiveView, type BridgeStatusView, bridgeStatus } from '../../bridge/cursor.ts';
import { BRIDGE_NAME } from '../../config.ts';
import { UserError } from '../../errors.ts';
import type { Builder } from '../builder.ts';
import { DATABASE_READ } from '../limits.ts';


export function registerBridge(builder: Builder): void {
  const BridgeStatus = builder.objectRef<BridgeStatusView & { live: BridgeLiveView | undefined }>('BridgeStatus').implement({
    description:
      'Where a bridge (fedmsg over ZeroMQ, or fedora-messaging over AMQP) is: what it has published and how far behind the emissions it is, and, when it runs in this server process, its bus connection.',
    fields: (t) => ({
      name: t.exposeString('name', { description: 'The bridge name (RESULTSBUS_BRIDGE_NAME).' }),
      cursor: t.exposeInt('cursor', { description: 'The last seq it has published (its stored cursor; 0 before the first).' }),
      latestSeq: t.exposeInt('latestSeq', { description: 'The highest committed emission seq.' }),
      lag: t.exposeInt('lag', { description: 'Emissions not yet published: latestSeq - cursor.' }),
      lastPublishedAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (s) => s.lastPublishedAt,
        description: 'When it last stored its cursor after publishing; null if it never published.',
      }),
      active: t.exposeBoolean('active', {
        description: 'Whether a bridge of this name holds its lock, i.e. is publishing now (standbys do not count).',
      }),
      kind: t.string({
        nullable: true,
        resolve: (s) => s.live?.kind ?? null,
        description: 'Its bus, `fedmsg` or `AMQP`, when a bridge of this name runs in this server process; null otherwise.',
      }),
      connected: t.boolean({
        nullable: true,
        resolve: (s) => s.live?.connected ?? null,
        description:
          'Whether the bridge of this name in this server process is active and its bus takes messages (AMQP: connected to the broker); null when none runs here.',
      }),
      unconfirmed: t.int({
        nullable: true,
        resolve: (s) => s.live?.unconfirmed ?? null,
        description: 'Messages it has sent that the broker has not confirmed yet (0 for fedmsg); null when it does not run in this process.',
      }),
      lastError: t.string({
        nullable: true,
        resolve: (s) => s.live?.lastError?.message ?? null,
        description: 'The last thing that went wrong for it (its bus, the stream, its cursor) since it started; null when nothing did or it does not run here.',
      }),
      lastErrorAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (s) => s.live?.lastError?.at ?? null,
        description: 'When `lastError` happened.',
      }),
    }),
  });

  builder.queryField('bridgeStatus', (t) =>
    t.field({
      type: BridgeStatus,
      description: 'The state of the bridge of this name (RESULTSBUS_BRIDGE_NAME, or RESULTSBUS_AMQP_BRIDGE_NAME for the AMQP one).',
      extensions: DATABASE_READ,
      args: { name: t.arg.string({ defaultValue: 'default', description: 'The bridge name (RESULTSBUS_BRIDGE_NAME).' }) },
      resolve: (_, args, ctx) => {
        const name = args.name ?? 'default';
        if (!BRIDGE_NAME.test(name)) {
          throw new UserError('BAD_USER_INPUT', `name must be 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`, 'name');
        }
        return bridgeStatus(ctx.db, name).then((status) => ({ ...status, live: ctx.runningBridge?.(name) }));
      },
    }),
  );
}
