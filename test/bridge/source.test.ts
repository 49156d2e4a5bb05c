/**
 * The remote emission source against an API that stops answering without
 * closing its socket (a host that vanished, a dead NAT entry): the bridge
 * must notice, or it would wait forever holding its lock.
 */
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { remoteSource } from '../../src/bridge/source.ts';

let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

it('gives up on an API that acknowledges the subscription and then goes silent', async () => {
  // Speaks just enough graphql-ws to start a subscription, then nothing: no
  // data, and no answer to pings.
  const pings: number[] = [];
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { type: string };
      if (message.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
      if (message.type === 'ping') pings.push(Date.now());
    });
  });
  await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const source = remoteSource({ url: `ws://127.0.0.1:${port}/graphql`, keepAliveMs: 200 });
  const controller = new AbortController();
  const failure = (async () => {
    for await (const emission of source(0, controller.signal)) throw new Error(`got ${JSON.stringify(emission)}`);
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  const error = await Promise.race([failure, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000))]);
  controller.abort();
  expect(pings.length).toBeGreaterThan(0);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/closed \(code 4408: no pong\)/);
});
