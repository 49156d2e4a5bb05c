/**
 * A package: TestGrid's grid of its builds (columns, newest first) by
 * testcase and variant (rows), each cell the state's last outcome and how
 * many results are behind it, linking to the state's last result on the
 * build's page (which looks the result up: asking for each state's last
 * result here loaded 2,500 result rows for a 50 x 50 grid, more than half of
 * the query's time).
 *
 * The builds are the package's items (`items(filter: { package })`, newest
 * first, with `totalCount`), 50 columns at first and 50 more per "Show older
 * builds". The page asks for the first N rather than for the next page
 * after a cursor: a new build re-read live shifts every page by one, and
 * one query of the first N has no seam to lose a build at.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { useLocation } from 'wouter-preact';
import { navigateOnClick } from '../components/links.ts';
import { Loading, Scroll } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';
import { buildUrl, stateUrl, testcaseUrl } from '../routes.ts';
import { grid } from './grid.ts';

/** Columns shown at once; "Show older builds" adds as many. */
const COLUMNS = 50;
/** The API's largest page. */
const MOST = 500;

const PackagePageDocument = graphql(`
  query PackagePage($package: [String!]!, $first: Int!) {
    items(first: $first, newestFirst: true, filter: { package: $package, type: "koji_build" }) {
      totalCount
      edges {
        node {
          id type name
          taskStates { id testcase variant { key values } lastOutcome resultCount }
        }
      }
    }
    emissions(first: 1, newestFirst: true, filter: { package: $package }) { edges { node { id seq } } }
  }
`);

const PackageEmissionsDocument = graphql(`
  subscription PackageEmissions($after: Int!, $package: [String!]!) {
    emissions(after: $after, filter: { package: $package }) { seq }
  }
`);

export function PackagePage({ name }: { name: string }) {
  // A name ending in * would be a prefix to the API; this page is about one package.
  const exact = name.replaceAll('*', '');
  const [columns, setColumns] = useState(COLUMNS);
  useEffect(() => setColumns(COLUMNS), [exact]);
  const [, navigate] = useLocation();
  const [result, reexecute] = useQuery({ query: PackagePageDocument, variables: { package: [exact], first: columns } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 300);
  useOnReconnect(refresh);
  const loaded = result.data !== undefined;
  useFollow(`package:${exact}`, loaded, {
    document: PackageEmissionsDocument,
    after: result.data?.emissions.edges[0]?.node.seq ?? 0,
    variables: (after) => ({ after, package: [exact] }),
    seqOf: (data) => data.emissions.seq,
    onValue: refresh,
  });
  const heading = (
    <h1>
      <span class="muted">package</span> {exact}
    </h1>
  );
  // While "Show older builds" loads the longer page, the shorter one stays.
  const kept = useRef<{ name: string; items: NonNullable<typeof result.data>['items'] } | undefined>(undefined);
  if (result.data !== undefined) kept.current = { name: exact, items: result.data.items };
  const items = kept.current?.name === exact ? kept.current.items : undefined;
  const shown = useMemo(() => grid(items === undefined ? [] : items.edges.map((edge) => edge.node)), [items]);
  if (items === undefined) return <>{heading}<Loading error={result.error} /></>;
  if (items.totalCount === 0) return <>{heading}<p>No build of this package has results yet.</p></>;
  const total = items.totalCount;
  return (
    <>
      {heading}
      <p class="muted grid-count">
        {total} build{total === 1 ? '' : 's'}
        {shown.builds.length < total && `, the newest ${shown.builds.length} shown`}; newest first; each cell is the last outcome and the number of
        results behind it.
      </p>
      <Scroll label="Builds by testcase">
        <table class="grid" onClick={navigateOnClick(navigate)}>
          <thead>
            <tr>
              <th scope="col">testcase</th>
              {shown.builds.map((build) => (
                <th scope="col" key={build.id} class="build">
                  <a href={buildUrl(build.type, build.name)}>{build.name.slice(exact.length + 1)}</a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">
                  <a href={testcaseUrl(row.testcase)}>{row.testcase}</a>
                  {row.variant !== '' && <span class="muted"> {row.variant}</span>}
                </th>
                {row.cells.map((cell, column) => {
                  const build = shown.builds[column];
                  if (cell === undefined || build === undefined) return <td key={column} class="cell empty" />;
                  const label = `${row.testcase} on ${build.name}: ${cell.outcome ?? 'none'}, ${cell.resultCount} result${cell.resultCount === 1 ? '' : 's'}`;
                  return (
                    <td key={column} class={`cell outcome-${cell.outcome ?? 'none'}`} data-outcome={cell.outcome ?? 'none'}>
                      <a href={stateUrl(build.type, build.name, cell.stateId)} aria-label={label} title={label}>
                        {cell.resultCount}
                      </a>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      {shown.builds.length < total &&
        (columns < MOST ? (
          <button type="button" onClick={() => setColumns((n) => Math.min(MOST, n + COLUMNS))}>
            Show older builds
          </button>
        ) : (
          <p class="muted">The newest {MOST} builds are shown; ask /graphql for older ones (items with this package, after the last cursor).</p>
        ))}
    </>
  );
}
