/**
 * The dashboard: one urql client for queries over HTTP, one graphql-ws
 * connection for the live streams, and the router.
 */
import { render } from 'preact';
import { cacheExchange, Client, fetchExchange } from '@urql/core';
import { Provider } from '@urql/preact';
import { App } from './app.tsx';
import { graphqlWsUrl, openConnection } from './live/connection.ts';
import { LiveContext } from './live/hooks.ts';
import './style.css';

const client = new Client({
  url: '/graphql',
  exchanges: [cacheExchange, fetchExchange],
  // Every page re-reads what it shows when a stream says something changed.
  requestPolicy: 'cache-and-network',
  preferGetMethod: false,
});
const connection = openConnection(graphqlWsUrl(window.location));

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app');
render(
  <Provider value={client}>
    <LiveContext.Provider value={connection}>
      <App />
    </LiveContext.Provider>
  </Provider>,
  root,
);
