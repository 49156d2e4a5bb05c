/**
 * The bus: where the fedmsg bridge is. Re-read on every emission (the latest
 * seq moved) and every second (publishing moves the cursor, and makes no
 * event of its own). `?bridge=<name>` shows another bridge than `default`.
 */
import { useEffect } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { useSearch } from 'wouter-preact';
import { Loading, Time } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';

const BusPageDocument = graphql(`
  query BusPage($name: String!) {
    bridgeStatus(name: $name) { name active cursor latestSeq lag lastPublishedAt }
  }
`);

const BusEmissionsDocument = graphql(`
  subscription BusEmissions {
    emissions { seq }
  }
`);

/** How often the status is re-read without an event, in ms. */
const POLL_MS = 1_000;

export function BusPage() {
  const name = new URLSearchParams(useSearch()).get('bridge') ?? 'default';
  const [result, reexecute] = useQuery({ query: BusPageDocument, variables: { name } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 200);
  useOnReconnect(refresh);
  useFollow(`bus:${name}`, true, { document: BusEmissionsDocument, variables: () => ({}), onValue: refresh });
  useEffect(() => {
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  const status = result.data?.bridgeStatus;
  return (
    <>
      <h1>Bus</h1>
      {status === undefined ? (
        <Loading error={result.error} />
      ) : (
        <section aria-labelledby="bridge-heading">
          <h2 id="bridge-heading">Bridge {status.name}</h2>
          <dl class="status">
            <dt>state</dt>
            <dd>
              <span class={status.active ? 'outcome outcome-PASSED' : 'outcome outcome-QUEUED'}>{status.active ? 'active' : 'not active'}</span>
              {!status.active && <span class="muted"> (standby or stopped: no process holds this bridge's lock now)</span>}
            </dd>
            <dt>cursor</dt>
            <dd class="num">{status.cursor}</dd>
            <dt>latest seq</dt>
            <dd class="num">{status.latestSeq}</dd>
            <dt>lag</dt>
            <dd class="num">{status.lag}</dd>
            <dt>last publish</dt>
            <dd>
              <Time iso={status.lastPublishedAt} />
            </dd>
          </dl>
        </section>
      )}
    </>
  );
}
