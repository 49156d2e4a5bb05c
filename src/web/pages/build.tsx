/**
 * One build: its current state per testcase and variant, then its history,
 * newest first, with what each result did on the bus. Re-read when one of
 * its emissions comes (`emissions(after:)` with the build as the filter) or a
 * result of it is recorded (`resultRecorded`: duplicates emit nothing).
 */
import { useEffect, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { Link } from 'wouter-preact';
import { Loading, Outcome, Scroll, Time, variantText } from '../components/bits.tsx';
import { httpUrl } from '../components/links.ts';
import { graphql } from '../generated/gql.ts';
import { useFollow, useOnReconnect, useThrottled } from '../live/hooks.ts';
import { packageUrl, testcaseUrl } from '../routes.ts';

/** Results per "Show older" step; the API gives at most 500 at once. */
const PAGE = 50;
const MOST = 500;

const BuildPageDocument = graphql(`
  query BuildPage($type: String!, $name: String!, $first: Int!) {
    item(type: $type, name: $name) {
      id type name package createdAt
      taskStates {
        id testcase arch variant { key values } lastOutcome emittedOutcome resultCount emissionCount updatedAt
        lastResult { id resultId }
      }
      results(first: $first) {
        edges {
          node {
            id resultId testcase outcome arch note refUrl data forced submittedAt
            emission { id seq msgId forced prevOutcome }
            duplicateOf { id seq msgId }
          }
        }
        pageInfo { hasNextPage }
      }
      emissions(first: 1, newestFirst: true) { edges { node { id seq } } }
    }
  }
`);

const BuildEmissionsDocument = graphql(`
  subscription BuildEmissions($after: Int!, $filter: EmissionFilter!) {
    emissions(after: $after, filter: $filter) { seq }
  }
`);

const BuildResultsDocument = graphql(`
  subscription BuildResults($filter: ResultFilter!) {
    resultRecorded(filter: $filter) { resultId }
  }
`);

/** `key=value` lines of a result's data; lists joined with commas. */
/** A result's ref_url: a link when it is an http(s) URL, else its text. */
function RefUrl({ url }: { url: string }) {
  const href = httpUrl(url);
  if (href === null) {
    return (
      <span class="ref-text" title="not an http(s) URL: shown as text">
        {url}
      </span>
    );
  }
  return (
    <a href={href} rel="noreferrer noopener">
      log
    </a>
  );
}

function dataText(data: unknown): string {
  if (data === null || typeof data !== 'object') return '';
  return Object.entries(data as Record<string, unknown>)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('\n');
}

export function BuildPage({ type, name }: { type: string; name: string }) {
  const [first, setFirst] = useState(PAGE);
  useEffect(() => setFirst(PAGE), [type, name]);
  const [result, reexecute] = useQuery({ query: BuildPageDocument, variables: { type, name, first } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 200);
  useOnReconnect(refresh);
  const item = result.data?.item;
  const loaded = result.data !== undefined;
  const key = `${type}\n${name}`;
  useFollow(key, loaded, {
    document: BuildEmissionsDocument,
    after: item?.emissions.edges[0]?.node.seq ?? 0,
    variables: (after) => ({ after, filter: { type, item: [name] } }),
    seqOf: (data) => data.emissions.seq,
    onValue: refresh,
  });
  useFollow(key, loaded, {
    document: BuildResultsDocument,
    variables: () => ({ filter: { type, item: [name] } }),
    onValue: refresh,
  });
  // Opened on one result (#result-<id>) or on a state's last one (#state-<id>, from a package grid's
  // cell): scroll to it and mark it, once it is there.
  const [target, setTarget] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (item === undefined || item === null) return;
    const hash = decodeURIComponent(location.hash.slice(1));
    const resultId = hash.startsWith('result-')
      ? Number(hash.slice('result-'.length))
      : hash.startsWith('state-')
        ? item.taskStates.find((state) => state.id === hash.slice('state-'.length))?.lastResult?.resultId
        : undefined;
    setTarget(resultId);
    if (resultId !== undefined) document.getElementById(`result-${resultId}`)?.scrollIntoView({ block: 'center' });
  }, [item === undefined || item === null, type, name]);

  const pkg = item?.package;
  const heading = (
    <>
      <h1>
        <span class="muted">{type}</span> {name}
      </h1>
      {pkg !== null && pkg !== undefined && (
        <p>
          Package: <Link href={packageUrl(pkg)}>{pkg}</Link>
        </p>
      )}
    </>
  );
  if (!loaded) return <>{heading}<Loading error={result.error} /></>;
  if (item === null || item === undefined) {
    return (
      <>
        {heading}
        <p>Nothing was recorded for this build yet. This page updates itself when a result comes.</p>
      </>
    );
  }
  const results = item.results.edges.map((edge) => edge.node);
  return (
    <>
      {heading}
      <section aria-labelledby="state-heading">
        <h2 id="state-heading">Current state</h2>
        <Scroll label="Current state">
          <table class="states">
            <thead>
              <tr>
                <th scope="col">testcase</th>
                <th scope="col">variant</th>
                <th scope="col">last outcome</th>
                <th scope="col">last emitted</th>
                <th scope="col">results</th>
                <th scope="col">emissions</th>
                <th scope="col">updated</th>
              </tr>
            </thead>
            <tbody>
              {item.taskStates.map((state) => (
                <tr key={state.id}>
                  <td data-label="testcase">
                    <Link href={testcaseUrl(state.testcase)}>{state.testcase}</Link>
                  </td>
                  <td data-label="variant">{variantText(state.variant) || <span class="muted">none</span>}</td>
                  <td data-label="last outcome">
                    <Outcome value={state.lastOutcome} />
                  </td>
                  <td data-label="last emitted">
                    <Outcome value={state.emittedOutcome} />
                  </td>
                  <td data-label="results" class="num">{state.resultCount}</td>
                  <td data-label="emissions" class="num">{state.emissionCount}</td>
                  <td data-label="updated">
                    <Time iso={state.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <Scroll label="History">
          <table class="history">
            <thead>
              <tr>
                <th scope="col">result</th>
                <th scope="col">testcase</th>
                <th scope="col">outcome</th>
                <th scope="col">submitted</th>
                <th scope="col">bus</th>
                <th scope="col">note</th>
                <th scope="col">log</th>
                <th scope="col">data</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.id} id={`result-${r.resultId}`} data-result={r.resultId} class={r.resultId === target ? 'target' : undefined}>
                  <td data-label="result" class="num">{r.resultId}</td>
                  <td data-label="testcase">
                    <Link href={testcaseUrl(r.testcase)}>{r.testcase}</Link>
                    {r.arch !== null && r.arch !== undefined && <span class="muted"> {r.arch}</span>}
                  </td>
                  <td data-label="outcome">
                    <Outcome value={r.outcome} />
                  </td>
                  <td data-label="submitted">
                    <Time iso={r.submittedAt} />
                  </td>
                  <td data-label="bus" class="bus">
                    {r.emission ? (
                      <span>
                        emitted seq {r.emission.seq}
                        {r.emission.forced && <> <span class="tag">forced</span></>}
                        <br />
                        <code class="msgid">{r.emission.msgId}</code>
                      </span>
                    ) : r.duplicateOf ? (
                      <span>duplicate of seq {r.duplicateOf.seq}</span>
                    ) : (
                      <span class="muted">not keyed</span>
                    )}
                  </td>
                  <td data-label="note" class="note">{r.note}</td>
                  <td data-label="log">
                    {r.refUrl !== null && r.refUrl !== undefined && <RefUrl url={r.refUrl} />}
                  </td>
                  <td data-label="data">
                    <pre class="data">{dataText(r.data)}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
        {item.results.pageInfo.hasNextPage &&
          (first < MOST ? (
            <button type="button" onClick={() => setFirst((n) => Math.min(MOST, n + PAGE))}>
              Show older results
            </button>
          ) : (
            <p class="muted">The newest {MOST} results are shown; ask /graphql for older ones.</p>
          ))}
      </section>
    </>
  );
}
