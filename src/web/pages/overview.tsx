/**
 * The overview: the latest emissions as they happen, the builds failing now
 * (newest build first, with how many there are).
 * The emissions list is the stream itself (the newest page, then every
 * emission after its highest seq, resumed after a cut from the last one
 * shown); the failing builds are re-read when an emission comes.
 */
import { useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { Link } from 'wouter-preact';
import { Loading, Outcome, Scroll, Time, variantText } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import type { EmissionRowFragment, FailingBuildsQuery, FailingBuildsQueryVariables } from '../generated/graphql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';
import { buildUrl, testcaseUrl } from '../routes.ts';

/** How many emissions the list keeps. */
const SHOWN = 50;

graphql(`
  fragment EmissionRow on Emission {
    id seq outcome prevOutcome forced testcase arch createdAt msgId
    item { id type name }
  }
`);

const LatestEmissionsDocument = graphql(`
  query LatestEmissions($first: Int!) {
    emissions(first: $first, newestFirst: true) { edges { node { ...EmissionRow } } }
  }
`);

const EmissionsAfterDocument = graphql(`
  subscription EmissionsAfter($after: Int!) {
    emissions(after: $after) { ...EmissionRow }
  }
`);

/** Failing builds listed; totalCount says how many there are in all. */
const FAILING_SHOWN = 100;

const FailingBuildsDocument = graphql(`
  query FailingBuilds($first: Int!) {
    items(first: $first, newestFirst: true, filter: { outcome: [FAILED] }) {
      totalCount
      edges { node { id type name taskStates { id testcase variant { key values } lastOutcome updatedAt } } }
    }
  }
`);

/** Adds `incoming` to `shown` (newest first), each seq once, keeping SHOWN. */
export function withEmission(shown: readonly EmissionRowFragment[], incoming: EmissionRowFragment): EmissionRowFragment[] {
  if (shown.some((e) => e.seq === incoming.seq)) return [...shown];
  return [incoming, ...shown].sort((a, b) => b.seq - a.seq).slice(0, SHOWN);
}

function LatestEmissions({ onEmission }: { onEmission: () => void }) {
  const [result] = useQuery({ query: LatestEmissionsDocument, variables: { first: SHOWN }, requestPolicy: 'network-only' });
  const [live, setLive] = useState<EmissionRowFragment[] | undefined>(undefined);
  const first = result.data?.emissions.edges.map((edge) => edge.node);
  const shown = live ?? first;
  useFollow(
    'overview',
    first !== undefined,
    {
      document: EmissionsAfterDocument,
      after: first?.[0]?.seq ?? 0,
      variables: (after) => ({ after }),
      seqOf: (data) => data.emissions.seq,
      onValue: (data) => {
        setLive((current) => withEmission(current ?? first ?? [], data.emissions));
        onEmission();
      },
    },
  );
  if (shown === undefined) return <Loading error={result.error} />;
  if (shown.length === 0) return <p class="muted">No emissions yet. Record a result (see /graphql) and it shows here.</p>;
  return (
    <Scroll label="Latest emissions">
      <table class="emissions">
        <thead>
          <tr>
            <th scope="col">seq</th>
            <th scope="col">build</th>
            <th scope="col">testcase</th>
            <th scope="col">outcome</th>
            <th scope="col">before</th>
            <th scope="col">when</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.seq} data-seq={e.seq}>
              <td data-label="seq" class="num">{e.seq}</td>
              <td data-label="build">
                <Link href={buildUrl(e.item.type, e.item.name)}>{e.item.name}</Link>
              </td>
              <td data-label="testcase">
                <Link href={testcaseUrl(e.testcase)}>{e.testcase}</Link>
                {e.arch !== null && e.arch !== undefined && <span class="muted"> {e.arch}</span>}
              </td>
              <td data-label="outcome">
                <Outcome value={e.outcome} />
                {e.forced && <> <span class="tag">forced</span></>}
              </td>
              <td data-label="before">{e.prevOutcome === null || e.prevOutcome === undefined ? <span class="muted">first</span> : <Outcome value={e.prevOutcome} />}</td>
              <td data-label="when">
                <Time iso={e.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

type FailingResult = ReturnType<typeof useQuery<FailingBuildsQuery, FailingBuildsQueryVariables>>[0];

function FailingBuilds({ result }: { result: FailingResult }) {
  const page = result.data?.items;
  if (page === undefined) return <Loading error={result.error} />;
  const items = page.edges.map((edge) => edge.node);
  if (items.length === 0) return <p class="muted">No build is failing now.</p>;
  return (
    <>
      <p class="failing-count">
        {page.totalCount} build{page.totalCount === 1 ? '' : 's'} failing, newest first
        {page.totalCount > items.length && ` (the newest ${items.length} are shown)`}
      </p>
      <ul class="failing">
        {items.map((item) => (
          <li key={item.id}>
            <Link href={buildUrl(item.type, item.name)}>{item.name}</Link> <span class="muted">{item.type}</span>
            <ul>
              {item.taskStates
                .filter((state) => state.lastOutcome === 'FAILED')
                .map((state) => (
                  <li key={state.id}>
                    <Link href={testcaseUrl(state.testcase)}>{state.testcase}</Link> <span class="muted">{variantText(state.variant)}</span>{' '}
                    <Outcome value={state.lastOutcome} /> <span class="muted">since</span> <Time iso={state.updatedAt} />
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ul>
    </>
  );
}

export function OverviewPage() {
  const [failing, reexecute] = useQuery({ query: FailingBuildsDocument, variables: { first: FAILING_SHOWN } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 300);
  useOnReconnect(refresh);
  return (
    <>
      <h1>Overview</h1>
      <div class="columns">
        <section aria-labelledby="latest-heading">
          <h2 id="latest-heading">Latest emissions</h2>
          <LatestEmissions onEmission={refresh} />
        </section>
        <section aria-labelledby="failing-heading">
          <h2 id="failing-heading">Failing now</h2>
          <FailingBuilds result={failing} />
        </section>
      </div>
    </>
  );
}
