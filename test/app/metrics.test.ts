/**
 * `GET /metrics` as Prometheus scrapes it: counters by outcome that move by
 * what was recorded, the latest seq, the bridge's cursor and lag, and a live
 * subscriptions gauge that follows a real graphql-ws subscription.
 */
import { sql } from 'drizzle-orm';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const RECORD = `mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted emission { seq } } }`;
const RECORD_MANY = `mutation ($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ env: { RESULTSBUS_BRIDGE: 'on' } });
});
afterAll(async () => {
  await server.close();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, written as Prometheus prints it (`name{label="v"}`); 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const input = (item: string, outcome: string, force = false) => ({ testcase: 'dist.metrics', item, type: 'koji_build', outcome, force });

describe('GET /metrics', () => {
  it('counts results and emissions by outcome, and reports the latest seq and the bridge cursor and lag', async () => {
    const before = await scrape();
    // Six results (four PASSED, two FAILED): four emit, two are duplicates.
    await server.data(RECORD, { input: input('metrics-a-1.0-1.fc26', 'PASSED') }); // emits PASSED
    await server.data(RECORD, { input: input('metrics-a-1.0-1.fc26', 'PASSED') }); // duplicate
    await server.data(RECORD, { input: input('metrics-a-1.0-1.fc26', 'FAILED') }); // emits FAILED
    await server.data(RECORD, { input: input('metrics-a-1.0-1.fc26', 'FAILED', true) }); // emits FAILED, forced
    await server.data(RECORD_MANY, {
      inputs: [input('metrics-b-1.0-1.fc26', 'PASSED'), input('metrics-b-1.0-1.fc26', 'PASSED')], // emits PASSED, then a duplicate
    });
    // A user's mistake writes nothing and counts nothing.
    const bad = await server.gql(RECORD, { input: input('metrics-a-1.0-1.fc26', 'BOGUS') });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const after = await scrape();
    const delta = (series: string): number => sample(after, series) - sample(before, series);
    expect(delta('resultsbus_results_recorded_total{outcome="PASSED"}')).toBe(4);
    expect(delta('resultsbus_results_recorded_total{outcome="FAILED"}')).toBe(2);
    expect(delta('resultsbus_results_recorded_total{outcome="BOGUS"}')).toBe(0);
    expect(delta('resultsbus_emissions_total{outcome="PASSED",forced="false"}')).toBe(2);
    expect(delta('resultsbus_emissions_total{outcome="FAILED",forced="false"}')).toBe(1);
    expect(delta('resultsbus_emissions_total{outcome="FAILED",forced="true"}')).toBe(1);
    expect(delta('resultsbus_results_duplicate_total')).toBe(2);
    // One after the other, each call was a recording transaction of its own (group commit: a group of one).
    expect(delta('resultsbus_recording_group_calls_count')).toBe(5);
    expect(delta('resultsbus_recording_group_calls_sum')).toBe(5);
    expect(delta('resultsbus_recording_group_results_sum')).toBe(6);
    expect(delta('resultsbus_recording_group_retries_total')).toBe(0);
    expect(sample(after, 'resultsbus_emissions_latest_seq')).toBe(4);
    expect(sample(after, 'resultsbus_database_up')).toBe(1);
    expect(sample(after, 'resultsbus_bridge_active{bridge="default"}')).toBe(1);
    expect(sample(after, 'resultsbus_bridge_publish_errors_total{bridge="default"}')).toBe(0);
    // The bridge catches up: cursor 4, lag 0 (and the gauge said the lag while it had not).
    await expect.poll(async () => {
      const text = await scrape();
      return [sample(text, 'resultsbus_bridge_cursor{bridge="default"}'), sample(text, 'resultsbus_bridge_lag{bridge="default"}')];
    }).toEqual([4, 0]);

    // Each POST to /graphql timed once, by status: the five recordings, and the mistake (a bad variable is a 400).
    expect(delta('resultsbus_http_request_duration_seconds_count{method="POST",route="/graphql",status="200"}')).toBe(5);
    expect(delta('resultsbus_http_request_duration_seconds_count{method="POST",route="/graphql",status="400"}')).toBe(1);
    // The scrape before this one is in the histogram too.
    expect(delta('resultsbus_http_request_duration_seconds_count{method="GET",route="/metrics",status="200"}')).toBe(1);
    expect(sample(after, 'resultsbus_db_pool_size')).toBe(engine === 'pglite' ? 1 : 10);
    if (engine === 'postgres') expect(sample(after, 'resultsbus_db_connections{state="active"}')).toBeGreaterThanOrEqual(1);
    // prom-client's default process metrics, on this app's registry.
    expect(after).toMatch(/^resultsbus_process_resident_memory_bytes \d+/m);
  });

  it('has a live subscriptions gauge: up while a graphql-ws subscription is open, down after it closes', async () => {
    const field = 'resultsbus_live_subscriptions{field="emissions"}';
    expect(sample(await scrape(), field)).toBe(0);
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    try {
      // Open, and known to be open: it has given its first emission.
      const first = new Promise<void>((resolve, reject) => {
        client.subscribe({ query: 'subscription { emissions(after: 0) { seq } }' }, { next: () => resolve(), error: reject, complete: () => {} });
      });
      await first;
      await expect.poll(async () => sample(await scrape(), field)).toBe(1);
      // A second one, which the client completes after one value: up to 2, then back to 1.
      const second = new Promise<() => void>((resolve, reject) => {
        const stop = client.subscribe({ query: 'subscription { emissions(after: 1) { seq } }' }, { next: () => resolve(stop), error: reject, complete: () => {} });
      });
      const stopSecond = await second;
      expect(sample(await scrape(), field)).toBe(2);
      stopSecond();
      await expect.poll(async () => sample(await scrape(), field)).toBe(1);
    } finally {
      await client.dispose();
    }
    await expect.poll(async () => sample(await scrape(), field)).toBe(0);
  });

  it('sends back the caller\'s x-request-id, or one of its own', async () => {
    const given = await fetch(`${server.url}/metrics`, { headers: { 'x-request-id': 'scrape-7' } });
    expect(given.headers.get('x-request-id')).toBe('scrape-7');
    await given.text();
    const made = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'not a valid id, it has spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await made.text();
  });

  it('still answers when the database does not: database_up 0, and no stale database figures', async () => {
    await server.database.db.execute(sql`ALTER TABLE emission_sequence RENAME TO emission_sequence_gone`);
    try {
      const text = await scrape();
      expect(sample(text, 'resultsbus_database_up')).toBe(0);
      expect(text).not.toMatch(/^resultsbus_emissions_latest_seq /m);
      expect(text).not.toMatch(/^resultsbus_bridge_cursor\{/m);
      // The counters are still there.
      expect(sample(text, 'resultsbus_results_recorded_total{outcome="PASSED"}')).toBeGreaterThan(0);
    } finally {
      await server.database.db.execute(sql`ALTER TABLE emission_sequence_gone RENAME TO emission_sequence`);
    }
    expect(sample(await scrape(), 'resultsbus_database_up')).toBe(1);
  });
});
