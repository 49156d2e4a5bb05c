/**
 * The GraphiQL page, with its scripts, styles and editor workers inlined from
 * @graphql-yoga/render-graphiql: yoga's own page loads them from a CDN, so
 * without internet it stayed blank at "Loading ...". This one asks nothing of
 * any host but the server that sent it.
 */
import type { GraphiQLOptions } from 'graphql-yoga';

let page: { key: string; html: string } | undefined;

/**
 * Renders the page for yoga's `renderGraphiQL`. The package (9 MB of inlined
 * assets) is imported on the first request for the page, not at start, and
 * the page (9 MB; about 13 ms to build) is made once for a given set of options.
 */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  if (page?.key !== key) {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    page = { key, html: renderGraphiQL(options) };
  }
  return page.html;
}
