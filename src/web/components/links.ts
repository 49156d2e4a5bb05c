/**
 * One click handler for a large block of plain links (the package grid's
 * thousands of cells): each wouter `<Link>` subscribes to the location, which
 * at 2,500 cells costs seconds on a first render; plain `<a href>`s cost
 * nothing, and this turns a plain left click on one into client-side
 * navigation, leaving modified clicks (new tab, new window) to the browser.
 */
import type { JSX } from 'preact';

export function navigateOnClick(navigate: (to: string) => void): (event: JSX.TargetedMouseEvent<HTMLElement>) => void {
  return (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target.closest('a') : null;
    if (target === null || target.target !== '' || target.origin !== window.location.origin) return;
    event.preventDefault();
    navigate(`${target.pathname}${target.search}${target.hash}`);
  };
}

/**
 * A result's ref_url as a link target, or null. The REST API stores any text
 * there, as ResultsDB does; only an http(s) URL becomes a link, anything
 * else is shown as text (a `javascript:` URL would run in the page).
 */
export function httpUrl(url: string): string | null {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}
