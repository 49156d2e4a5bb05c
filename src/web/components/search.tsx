/**
 * The search box: builds, packages and testcases whose name starts with what
 * was typed (the packages also of the builds found), as links; Enter opens
 * the first. One query asks for all three, with the list filters' prefixes.
 */
import { useEffect, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { Link, useLocation } from 'wouter-preact';
import { graphql } from '../generated/gql.ts';
import { buildUrl, packageUrl, testcaseUrl } from '../routes.ts';

const SearchDocument = graphql(`
  query Search($prefix: String!, $prefixes: [String!]!) {
    items(first: 8, filter: { name: $prefixes }) {
      edges { node { id type name package } }
    }
    packages: items(first: 20, newestFirst: true, filter: { package: $prefixes }) {
      edges { node { id package } }
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

type Named = { package?: string | null | undefined };

/**
 * What to offer for `text`, given the builds and testcases whose names start
 * with it and the builds of packages whose names do.
 */
export function suggestions(
  text: string,
  items: ReadonlyArray<{ type: string; name: string } & Named>,
  testcases: ReadonlyArray<{ name: string }>,
  packaged: readonly Named[] = [],
): Suggestion[] {
  const exactBuild = items.filter((item) => item.name === text);
  const otherBuilds = items.filter((item) => item.name !== text);
  const packages = new Set<string>();
  for (const item of [...items, ...packaged]) {
    if (item.package !== null && item.package !== undefined) packages.add(item.package);
  }
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
  const packaged = result.data?.packages.edges.map((edge) => edge.node) ?? [];
  const offered = typed === '' || result.data === undefined ? [] : suggestions(typed, items, testcases, packaged);
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
