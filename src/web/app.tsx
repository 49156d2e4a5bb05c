/** The frame (header, search, connection state) and the routes of src/web/routes.ts. */
import { Link, Route, Switch } from 'wouter-preact';
import { Search } from './components/search.tsx';
import { useConnectionState } from './live/hooks.ts';
import { BuildPage } from './pages/build.tsx';
import { BusPage } from './pages/bus.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PackagePage } from './pages/package.tsx';
import { TestcasePage } from './pages/testcase.tsx';
import { PAGES } from './routes.ts';

const STATE_TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

function ConnectionBadge() {
  const state = useConnectionState();
  return (
    <span class={`connection connection-${state}`} role="status" aria-live="polite" data-state={state}>
      {STATE_TEXT[state]}
    </span>
  );
}

export function App() {
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Main">
          <Link href="/" class="brand">
            resultsbus
          </Link>
          <Link href="/bus">Bus</Link>
          <a href="/graphql">GraphiQL</a>
        </nav>
        <Search />
        <ConnectionBadge />
      </header>
      <main id="main">
        <Switch>
          <Route path={PAGES.overview} component={OverviewPage} />
          <Route path={PAGES.bus} component={BusPage} />
          <Route path={PAGES.build}>{(params) => <BuildPage type={decode(params.type)} name={decode(params.name)} />}</Route>
          <Route path={PAGES.package}>{(params) => <PackagePage name={decode(params.name)} />}</Route>
          <Route path={PAGES.testcase}>{(params) => <TestcasePage name={decode(params.name)} />}</Route>
          <Route>
            <h1>Not found</h1>
            <p>
              There is no page here. <Link href="/">Back to the overview</Link>.
            </p>
          </Route>
        </Switch>
      </main>
    </>
  );
}

/** wouter hands the raw segment over; the pages want the name. */
function decode(segment: string | undefined): string {
  if (segment === undefined) return '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
