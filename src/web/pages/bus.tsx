/**
 * The bus: every bridge (`bridges`: the fedmsg bridge, the AMQP bridge when
 * one is configured, any other that has published), each with where it is.
 * Re-read on every emission (the latest seq moved) and every second
 * (publishing moves a cursor, and a broker comes and goes, with no event of
 * their own).
 */
import { useEffect } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { Loading, Time } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import type { BusPageQuery } from '../generated/graphql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';

const BusPageDocument = graphql(`
  query BusPage {
    bridges { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError lastErrorAt }
  }
`);

const BusEmissionsDocument = graphql(`
  subscription BusEmissions {
    emissions { seq }
  }
`);

/** How often the status is re-read without an event, in ms. */
const POLL_MS = 1_000;

type BridgeRow = BusPageQuery['bridges'][number];

const BUS_TEXT: Record<string, string> = { fedmsg: 'fedmsg over ZeroMQ', AMQP: 'fedora-messaging over AMQP' };

/** Active, standby, or neither; `role` is known only for a bridge that runs in the serving process. */
function StateText({ bridge }: { bridge: BridgeRow }) {
  if (bridge.role === 'standby') {
    return (
      <>
        <span class="outcome outcome-QUEUED">standby</span>
        <span class="muted"> (in this server, waiting to take the lock over when the process that holds it goes)</span>
      </>
    );
  }
  if (bridge.active) return <span class="outcome outcome-PASSED">active</span>;
  return (
    <>
      <span class="outcome outcome-QUEUED">not active</span>
      <span class="muted"> (standby or stopped: no process holds this bridge's lock now)</span>
    </>
  );
}

function yesNo(value: boolean | null | undefined): string {
  return value === null || value === undefined ? 'unknown here' : value ? 'yes' : 'no';
}

function BridgeStatus({ bridge }: { bridge: BridgeRow }) {
  const headingId = `bridge-${bridge.name}`;
  const amqp = bridge.kind === 'AMQP';
  return (
    <section aria-labelledby={headingId} class="bridge" data-bridge={bridge.name}>
      <h2 id={headingId}>
        Bridge {bridge.name} <span class="muted">{bridge.kind === null || bridge.kind === undefined ? 'bus not known here' : BUS_TEXT[bridge.kind] ?? bridge.kind}</span>
      </h2>
      <dl class="status">
        <dt>state</dt>
        <dd>
          <StateText bridge={bridge} />
        </dd>
        <dt>cursor</dt>
        <dd class="num">{bridge.cursor}</dd>
        <dt>latest seq</dt>
        <dd class="num">{bridge.latestSeq}</dd>
        <dt>lag</dt>
        <dd class="num">{bridge.lag}</dd>
        <dt>last publish</dt>
        <dd>
          <Time iso={bridge.lastPublishedAt} />
        </dd>
        {amqp && (
          <>
            <dt>connected</dt>
            <dd>{yesNo(bridge.connected)}</dd>
            <dt>unconfirmed</dt>
            <dd class="num">{bridge.unconfirmed ?? <span class="muted">unknown here</span>}</dd>
          </>
        )}
        {(amqp || (bridge.lastError !== null && bridge.lastError !== undefined)) && (
          <>
            <dt>last error</dt>
            <dd class="last-error">
              {bridge.lastError === null || bridge.lastError === undefined ? (
                <span class="muted">{bridge.role === null || bridge.role === undefined ? 'unknown here' : 'none'}</span>
              ) : (
                <>
                  <Time iso={bridge.lastErrorAt} /> {bridge.lastError}
                </>
              )}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

export function BusPage() {
  const [result, reexecute] = useQuery({ query: BusPageDocument });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 200);
  useOnReconnect(refresh);
  useFollow('bus', true, { document: BusEmissionsDocument, variables: () => ({}), onValue: refresh });
  useEffect(() => {
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  const bridges = result.data?.bridges;
  return (
    <>
      <h1>Bus</h1>
      {bridges === undefined ? (
        <Loading error={result.error} />
      ) : (
        <>
          <p class="muted">
            Connection details (connected, unconfirmed, last error) are known for the bridges that run in this server; for another process's,
            its own <code>/readyz</code> has them.
          </p>
          {bridges.map((bridge) => (
            <BridgeStatus key={bridge.name} bridge={bridge} />
          ))}
        </>
      )}
    </>
  );
}
