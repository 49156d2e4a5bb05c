/** BridgeStatus: where a fedmsg bridge is in the emission stream. */
import { type BridgeStatusView, bridgeStatus } from '../../bridge/cursor.ts';
import { BRIDGE_NAME } from '../../config.ts';
import { UserError } from '../../errors.ts';
import type { Builder } from '../builder.ts';
import { DATABASE_READ } from '../limits.ts';


export function registerBridge(builder: Builder): void {
  const BridgeStatus = builder.objectRef<BridgeStatusView>('BridgeStatus').implement({
    description: 'Where a fedmsg bridge is: what it has published and how far behind the emissions it is.',
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
    }),
  });

  builder.queryField('bridgeStatus', (t) =>
    t.field({
      type: BridgeStatus,
      description: 'The state of the fedmsg bridge of this name.',
      extensions: DATABASE_READ,
      args: { name: t.arg.string({ defaultValue: 'default', description: 'The bridge name (RESULTSBUS_BRIDGE_NAME).' }) },
      resolve: (_, args, ctx) => {
        const name = args.name ?? 'default';
        if (!BRIDGE_NAME.test(name)) {
          throw new UserError('BAD_USER_INPUT', `name must be 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`, 'name');
        }
        return bridgeStatus(ctx.db, name);
      },
    }),
  );
}
