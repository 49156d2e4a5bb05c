/**
 * A package: TestGrid's grid of its builds (columns, newest first) by
 * testcase and variant (rows), each cell the state's last outcome and how
 * many results are behind it, linking to the state's last result on the
 * build's page (which looks the result up: asking for each state's last
 * result here loaded 2,500 result rows for a 50 x 50 grid, more than half of
 * the query's time).
 *
 * Today's API has no package: the builds are the items whose name starts
 * with `<package>-`, filtered by the NVR's name (./grid.ts), at most the
 * first 500 such items. The API branch of issue 13 adds `Item.package` and a
 * `package` filter with `totalCount`; then this asks for the package's
 * builds, newest first, a page at a time.
 */
import { useMemo, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { useLocation } from 'wouter-preact';
import { navigateOnClick } from '../components/links.ts';
import { Loading, Scroll } from '../components/bits.tsx';
import { graphql } from '../generated/gql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';
import { buildUrl, packageOf, stateUrl, testcaseUrl } from '../routes.ts';
import { buildsOf, grid } from './grid.ts';

/** Columns shown at once; "Show older builds" adds as many. */
const COLUMNS = 50;

const PackagePageDocument = graphql(`
  query PackagePage($prefix: [String!]!) {
    items(first: 500, filter: { name: $prefix, type: "koji_build" }) {
      edges {
        node {
          id type name createdAt
          taskStates { id testcase variant { key values } lastOutcome resultCount }
        }
      }
      pageInfo { hasNextPage }
    }
    emissions(first: 1, newestFirst: true) { edges { node { id seq } } }
  }
`);

const PackageEmissionsDocument = graphql(`
  subscription PackageEmissions($after: Int!) {
    emissions(after: $after, filter: { type: "koji_build" }) { seq item { id name } }
  }
`);

export function PackagePage({ name }: { name: string }) {
  const [columns, setColumns] = useState(COLUMNS);
  const [, navigate] = useLocation();
  const [result, reexecute] = useQuery({ query: PackagePageDocument, variables: { prefix: `${name.replaceAll('*', '')}-*` } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 300);
  useOnReconnect(refresh);
  const loaded = result.data !== undefined;
  useFollow(`package:${name}`, loaded, {
    document: PackageEmissionsDocument,
    after: result.data?.emissions.edges[0]?.node.seq ?? 0,
    variables: (after) => ({ after }),
    seqOf: (data) => data.emissions.seq,
    onValue: (data) => {
      if (packageOf(data.emissions.item.name) === name) refresh();
    },
  });
  const heading = (
    <h1>
      <span class="muted">package</span> {name}
    </h1>
  );
  const items = result.data?.items;
  const builds = useMemo(() => (items === undefined ? [] : buildsOf(name, items.edges.map((edge) => edge.node))), [items, name]);
  const shown = useMemo(() => grid(builds.slice(0, columns)), [builds, columns]);
  if (result.data === undefined) return <>{heading}<Loading error={result.error} /></>;
  if (builds.length === 0) return <>{heading}<p>No build of this package has results yet.</p></>;
  return (
    <>
      {heading}
      <p class="muted">
        {builds.length} build{builds.length === 1 ? '' : 's'}
        {result.data.items.pageInfo.hasNextPage && ' (of the first 500 items with this prefix)'}, newest first; each cell is the last outcome and
        the number of results behind it.
      </p>
      <Scroll label="Builds by testcase">
        <table class="grid" onClick={navigateOnClick(navigate)}>
          <thead>
            <tr>
              <th scope="col">testcase</th>
              {shown.builds.map((build) => (
                <th scope="col" key={build.id} class="build">
                  <a href={buildUrl(build.type, build.name)}>{build.name.slice(name.length + 1)}</a>
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
      {builds.length > columns && (
        <button type="button" onClick={() => setColumns((n) => n + COLUMNS)}>
          Show older builds
        </button>
      )}
    </>
  );
}
