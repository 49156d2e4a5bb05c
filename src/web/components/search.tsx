/**
 * The search box: builds and testcases whose name starts with what was
 * typed, and the package of that name, as links; Enter opens the first.
 * Until the API can filter items by package (issue 13, section 2), the
 * packages offered are the typed text and the packages of the builds found.
 */
import { useEffect, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { Link, useLocation } from 'wouter-preact';
import { graphql } from '../generated/gql.ts';
import { buildUrl, packageOf, packageUrl, testcaseUrl } from '../routes.ts';

const SearchDocument = graphql(`
  query Search($prefix: String!, $prefixes: [String!]!) {
    items(first: 8, filter: { name: $prefixes }) {
      edges { node { id type name } }
    }
    testcases(first: 8, name: $prefix) {
      edges { node { id name } }
    }
  }
`);

export interface Suggestion {
  kind: 'build' | 'package' | 'testcase';
  label: string;
  href: string;
}

/** What to offer for `text`, given the builds and testcases whose names start with it. */
export function suggestions(
  text: string,
  items: ReadonlyArray<{ type: string; name: string }>,
  testcases: ReadonlyArray<{ name: string }>,
): Suggestion[] {
  const exactBuild = items.filter((item) => item.name === text);
  const otherBuilds = items.filter((item) => item.name !== text);
  const packages = new Set<string>();
  for (const item of items) {
    const name = packageOf(item.name);
    if (name !== undefined) packages.add(name);
  }
  if (text !== '' && items.length === 0 && testcases.length === 0) packages.add(text);
  const exactTestcase = testcases.filter((t) => t.name === text);
  const out: Suggestion[] = [
    ...exactBuild.map((item) => ({ kind: 'build' as const, label: item.name, href: buildUrl(item.type, item.name) })),
    ...exactTestcase.map((t) => ({ kind: 'testcase' as const, label: t.name, href: testcaseUrl(t.name) })),
    ...[...packages].map((name) => ({ kind: 'package' as const, label: name, href: packageUrl(name) })),
    ...otherBuilds.map((item) => ({ kind: 'build' as const, label: item.name, href: buildUrl(item.type, item.name) })),
    ...testcases.filter((t) => t.name !== text).map((t) => ({ kind: 'testcase' as const, label: t.name, href: testcaseUrl(t.name) })),
  ];
  return out;
}

export function Search() {
  const [text, setText] = useState('');
  const [typed, setTyped] = useState('');
  const [, navigate] = useLocation();
  // One query per pause in typing, not per key.
  useEffect(() => {
    const timer = setTimeout(() => setTyped(text.trim()), 150);
    return () => clearTimeout(timer);
  }, [text]);
  const [result] = useQuery({
    query: SearchDocument,
    variables: { prefix: `${typed.replaceAll('*', '')}*`, prefixes: [`${typed.replaceAll('*', '')}*`] },
    pause: typed === '',
    requestPolicy: 'cache-first',
  });
  const items = result.data?.items.edges.map((edge) => edge.node) ?? [];
  const testcases = result.data?.testcases.edges.map((edge) => edge.node) ?? [];
  const offered = typed === '' || result.data === undefined ? [] : suggestions(typed, items, testcases);
  const close = (): void => {
    setText('');
    setTyped('');
  };
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const first = offered[0];
        if (first === undefined) return;
        close();
        navigate(first.href);
      }}
    >
      <label for="search-input" class="visually-hidden">
        Search builds, packages and testcases
      </label>
      <input
        id="search-input"
        type="search"
        placeholder="Build NVR, package or testcase"
        autocomplete="off"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') close();
        }}
      />
      {offered.length > 0 && (
        <ul class="suggestions" aria-label="Search results">
          {offered.map((s) => (
            <li key={`${s.kind}:${s.href}`}>
              <Link href={s.href} onClick={close}>
                <span class="kind">{s.kind}</span> {s.label}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
