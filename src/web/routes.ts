/**
 * The dashboard's pages and their URLs, in one place: the router matches
 * these patterns, the links are made by the functions below, and the server
 * (src/dashboard/assets.ts) answers these paths with the app's page and
 * every other unknown path with a 404. No DOM here: the server imports it.
 */

/** Route patterns (wouter's syntax: `:param` is one path segment). */
export const PAGES = {
  overview: '/',
  bus: '/bus',
  build: '/items/:type/:name',
  package: '/packages/:name',
  testcase: '/testcases/:name',
} as const;

const PAGE_PATHS = [/^\/$/, /^\/bus$/, /^\/items\/[^/]+\/[^/]+$/, /^\/packages\/[^/]+$/, /^\/testcases\/[^/]+$/];

/** Whether `path` (no query string) is one of the dashboard's pages. */
export function isPagePath(path: string): boolean {
  return PAGE_PATHS.some((pattern) => pattern.test(path));
}

export function buildUrl(type: string, name: string): string {
  return `/items/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;
}

/** The build page, scrolled to one result of its history. */
export function resultUrl(type: string, name: string, resultId: number): string {
  return `${buildUrl(type, name)}#result-${resultId}`;
}

/** The build page, scrolled to the last result of one of its task states (by the state's global ID). */
export function stateUrl(type: string, name: string, stateId: string): string {
  return `${buildUrl(type, name)}#state-${encodeURIComponent(stateId)}`;
}

export function packageUrl(name: string): string {
  return `/packages/${encodeURIComponent(name)}`;
}

export function testcaseUrl(name: string): string {
  return `/testcases/${encodeURIComponent(name)}`;
}
