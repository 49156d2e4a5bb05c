/** BridgeStatus: where a bridge (fedmsg or AMQP) is in the emission stream; one by name, or every one. */
import { type BridgeLiveView, type BridgeStatusView, bridgeStatus } from '../../bridge/cursor.ts';
import { BRIDGE_NAME, type Config } from '../../config.ts';
import { bridgeCursors } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';
import type { Builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { DATABASE_READ } from '../limits.ts';

type BridgeStatusRow = BridgeStatusView & { live: BridgeLiveView | undefined; kind: string | null };

/**
 * The bus of a bridge name that does not run in this process, as this
 * server's configuration names it: the fedmsg bridge's name, the AMQP one's
 * (set or default, since `resultsbus bridge --bus amqp` takes the same).
 */
function configuredKind(config: Config, name: string): string | null {
  if (name === config.bridgeName) return 'fedmsg';
  if (name === config.amqpBridgeName) return 'AMQP';
  return null;
}

async function statusOf(ctx: Context, name: string): Promise<BridgeStatusRow> {
  const status = await bridgeStatus(ctx.db, name);
  const live = ctx.runningBridge?.(name);
  return { ...status, live, kind: live?.kind ?? configuredKind(ctx.config, name) };
}

/**
 * The names `bridges` lists: the configured fedmsg bridge, the AMQP one when
 * RESULTSBUS_AMQP_URL is set, then every other name with a stored cursor
 * (a bridge stores its cursor when it first publishes), by name. A lock
 * names no bridge (its key is a hash), so a bridge that runs elsewhere under
 * another name shows once it has published.
 */
async function bridgeNames(ctx: Context): Promise<string[]> {
  const stored = await ctx.db.select({ name: bridgeCursors.name }).from(bridgeCursors).orderBy(bridgeCursors.name);
  const configured = ctx.config.amqpUrl === undefined ? [ctx.config.bridgeName] : [ctx.config.bridgeName, ctx.config.amqpBridgeName];
  return [...new Set([...configured, ...stored.map((row) => row.name)])];
}

export function registerBridge(builder: Builder): void {
  const BridgeStatus = builder.objectRef<BridgeStatusRow>('BridgeStatus').implement({
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
        resolve: (s) => s.kind,
        description:
          'Its bus, `fedmsg` or `AMQP`: that of the bridge of this name in this server process, else what this server\'s configuration names it (RESULTSBUS_BRIDGE_NAME: fedmsg, RESULTSBUS_AMQP_BRIDGE_NAME: AMQP); null for another name.',
      }),
      role: t.string({
        nullable: true,
        resolve: (s) => s.live?.state ?? null,
        description:
          'What the bridge of this name in this server process is doing: `starting`, `standby` (another process holds the lock; this one takes over when it goes), `active` or `stopped`; null when none runs here (then `active` still says whether a process elsewhere holds the lock).',
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
        return statusOf(ctx, name);
      },
    }),
  );

  builder.queryField('bridges', (t) =>
    t.field({
      type: [BridgeStatus],
      description:
        'Every bridge this server knows of, each as `bridgeStatus` gives it: the fedmsg bridge (RESULTSBUS_BRIDGE_NAME), the AMQP bridge when RESULTSBUS_AMQP_URL is set (RESULTSBUS_AMQP_BRIDGE_NAME), then, by name, every other bridge that has published (that has a stored cursor), wherever it runs.',
      extensions: DATABASE_READ,
      resolve: async (_, _args, ctx) => Promise.all((await bridgeNames(ctx)).map((name) => statusOf(ctx, name))),
    }),
  );
}
