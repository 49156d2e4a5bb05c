/**
 * A testcase: its failure rate per day over the last 30 days as a small
 * chart (from `outcomesByDay`, counted in the database), and the builds that
 * ran it, newest first, each with its state for this testcase (last outcome,
 * how many results). Re-read on each of its emissions.
 */
import { lazy, Suspense } from 'preact/compat';
import { useMemo } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { useLocation } from 'wouter-preact';
import { navigateOnClick } from '../components/links.ts';
import { Loading, Outcome, Scroll, Time, variantText } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';
import { buildUrl, stateUrl } from '../routes.ts';
import { failureRate } from './rates.ts';

/** The days `outcomesByDay` counts when given no window: today and the 29 before. */
const DAYS = 30;

const RateChart = lazy(() => import('../components/rate-chart.tsx'));

/** Builds listed; totalCount says how many ran it in all. */
const BUILDS = 50;

const TestcasePageDocument = graphql(`
  query TestcasePage($name: String!, $names: [String!]!, $first: Int!) {
    testcase(name: $name) { id name outcomesByDay { day outcome count } }
    items(first: $first, newestFirst: true, filter: { testcase: $names }) {
      totalCount
      edges {
        node {
          id type name
          taskStates(testcase: $names) { id variant { key values } lastOutcome resultCount updatedAt }
        }
      }
    }
    emissions(first: 1, newestFirst: true, filter: { testcase: $names }) { edges { node { id seq } } }
  }
`);

const TestcaseEmissionsDocument = graphql(`
  subscription TestcaseEmissions($after: Int!, $filter: EmissionFilter!) {
    emissions(after: $after, filter: $filter) { seq }
  }
`);

export function TestcasePage({ name }: { name: string }) {
  // A name ending in * would be a prefix to the API; this page is about one testcase.
  const exact = name.replace(/\*+$/, '');
  const [, navigate] = useLocation();
  const [result, reexecute] = useQuery({ query: TestcasePageDocument, variables: { name: exact, names: [exact], first: BUILDS } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 300);
  useOnReconnect(refresh);
  useFollow(`testcase:${exact}`, result.data !== undefined, {
    document: TestcaseEmissionsDocument,
    after: result.data?.emissions.edges[0]?.node.seq ?? 0,
    variables: (after) => ({ after, filter: { testcase: [exact] } }),
    seqOf: (data) => data.emissions.seq,
    onValue: refresh,
  });
  // The chart is drawn again only when the counts change, not on every render.
  const counts = result.data?.testcase?.outcomesByDay;
  const rates = useMemo(() => (counts === undefined ? [] : failureRate(counts, Date.now(), DAYS)), [counts]);
  const heading = (
    <h1>
      <span class="muted">testcase</span> {exact}
    </h1>
  );
  if (result.data === undefined) return <>{heading}<Loading error={result.error} /></>;
  const { testcase, items } = result.data;
  if (testcase === null || items.totalCount === 0) return <>{heading}<p>No result of this testcase yet. This page updates itself when one comes.</p></>;
  const results = rates.reduce((n, r) => n + r.total, 0);
  const failed = rates.reduce((n, r) => n + r.failed, 0);
  const builds = items.edges.map((edge) => edge.node);
  return (
    <>
      {heading}
      <section aria-labelledby="rate-heading">
        <h2 id="rate-heading">Failure rate per day</h2>
        <p class="muted rate-summary">
          Over the last {DAYS} days: {results} result{results === 1 ? '' : 's'}, {failed} FAILED.
        </p>
        {results > 0 && (
          <Suspense fallback={<p class="muted">Loading the chart…</p>}>
            <RateChart rates={rates} />
          </Suspense>
        )}
      </section>
      <section aria-labelledby="builds-heading">
        <h2 id="builds-heading">Recent builds</h2>
        <p class="muted builds-count">
          {items.totalCount} build{items.totalCount === 1 ? '' : 's'} ran it{items.totalCount > builds.length && `; the newest ${builds.length} are shown`}.
        </p>
        <Scroll label="Recent builds">
          <table class="builds" onClick={navigateOnClick(navigate)}>
            <thead>
              <tr>
                <th scope="col">build</th>
                <th scope="col">variant</th>
                <th scope="col">last outcome</th>
                <th scope="col">results</th>
                <th scope="col">updated</th>
              </tr>
            </thead>
            <tbody>
              {builds.flatMap((build) =>
                build.taskStates.map((state) => (
                  <tr key={state.id}>
                    <td>
                      <a href={buildUrl(build.type, build.name)}>{build.name}</a>
                    </td>
                    <td>{variantText(state.variant) || <span class="muted">none</span>}</td>
                    <td>
                      <a href={stateUrl(build.type, build.name, state.id)} class="plain" title={`the last result of ${exact} on ${build.name}`}>
                        <Outcome value={state.lastOutcome} />
                      </a>
                    </td>
                    <td class="num">{state.resultCount}</td>
                    <td>
                      <Time iso={state.updatedAt} />
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </Scroll>
      </section>
    </>
  );
}
