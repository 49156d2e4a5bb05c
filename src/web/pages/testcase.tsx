/**
 * A testcase: its recent builds and their outcome, and its failure rate per
 * day as a small chart. Both come from its newest 500 results today (see
 * ./rates.ts for what the API branch of issue 13 changes). Re-read on each of
 * its emissions.
 */
import { lazy, Suspense } from 'preact/compat';
import { useQuery } from '@urql/preact';
import { Link } from 'wouter-preact';
import { Loading, Outcome, Scroll, Time } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';
import { resultUrl } from '../routes.ts';
import { failureRate, latestPerBuild } from './rates.ts';

const RateChart = lazy(() => import('../components/rate-chart.tsx'));

const TestcasePageDocument = graphql(`
  query TestcasePage($name: String!, $names: [String!]!) {
    testcases(first: 1, name: $name) { edges { node { id name createdAt } } }
    results(first: 500, filter: { testcase: $names }) {
      edges { node { id resultId outcome submittedAt item type arch } }
      pageInfo { hasNextPage }
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
  const [result, reexecute] = useQuery({ query: TestcasePageDocument, variables: { name: exact, names: [exact] } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 300);
  useOnReconnect(refresh);
  useFollow(`testcase:${exact}`, result.data !== undefined, {
    document: TestcaseEmissionsDocument,
    after: result.data?.emissions.edges[0]?.node.seq ?? 0,
    variables: (after) => ({ after, filter: { testcase: [exact] } }),
    seqOf: (data) => data.emissions.seq,
    onValue: refresh,
  });
  const heading = (
    <h1>
      <span class="muted">testcase</span> {exact}
    </h1>
  );
  if (result.data === undefined) return <>{heading}<Loading error={result.error} /></>;
  const results = result.data.results.edges.map((edge) => edge.node);
  if (results.length === 0) return <>{heading}<p>No result of this testcase yet.</p></>;
  const builds = latestPerBuild(results).slice(0, 50);
  const rates = failureRate(results);
  return (
    <>
      {heading}
      <section aria-labelledby="rate-heading">
        <h2 id="rate-heading">Failure rate per day</h2>
        <p class="muted">
          From its newest {results.length} results{result.data.results.pageInfo.hasNextPage ? ' (older ones are not counted)' : ''}.
        </p>
        <Suspense fallback={<p class="muted">Loading the chart…</p>}>
          <RateChart rates={rates} />
        </Suspense>
      </section>
      <section aria-labelledby="builds-heading">
        <h2 id="builds-heading">Recent builds</h2>
        <Scroll label="Recent builds">
          <table class="builds">
            <thead>
              <tr>
                <th scope="col">build</th>
                <th scope="col">arch</th>
                <th scope="col">latest outcome</th>
                <th scope="col">results</th>
                <th scope="col">latest</th>
              </tr>
            </thead>
            <tbody>
              {builds.map((b) => (
                <tr key={`${b.type}\n${b.item}\n${b.arch ?? ''}`}>
                  <td>
                    <Link href={resultUrl(b.type, b.item, b.resultId)}>{b.item}</Link>
                  </td>
                  <td>{b.arch ?? <span class="muted">none</span>}</td>
                  <td>
                    <Outcome value={b.outcome} />
                  </td>
                  <td class="num">{b.results}</td>
                  <td>
                    <Time iso={b.submittedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      </section>
    </>
  );
}
