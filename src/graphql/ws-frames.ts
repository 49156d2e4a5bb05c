/**
 * graphql-ws `next` messages of pushed subscription events (events.ts),
 * written to the socket in bulk: every frame a socket gets in one
 * synchronous step of the fan-out is framed into one buffer and leaves in
 * one write at the end of that step (a microtask), before anything the step
 * woke up can write. The messages are the ones graphql-ws would send
 * (`{"id":…,"type":"next","payload":…}`, unmasked text frames, as ws frames
 * them); with 100 subscriptions on a connection, an event costs the socket
 * one copy of its payload per subscription instead of a `ws.send` each.
 *
 * Writing frames beside ws is sound because ws writes each of its own frames
 * whole and at once (no compression is negotiated: the server does not
 * offer permessage-deflate; a socket that has an extension anyway is written
 * through `ws.send`).
 */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { FrameSink } from './events.ts';

const TEXT_FINAL = 0x81;
/** `}`, which closes a message after its payload. */
const CLOSING = 0x7d;

interface Outbox {
  ws: WebSocket;
  tcp: Socket;
  /** [prefix, payload, prefix, payload...] of the frames waiting. */
  parts: Buffer[];
  bytes: number;
}

const waiting = new Map<Socket, Outbox>();
let scheduled = false;
/** Payloads as bytes, once per step: the same payload goes to many subscriptions. */
let encoded = new Map<string, Buffer>();

function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

function flush(): void {
  scheduled = false;
  for (const box of waiting.values()) {
    if (box.ws.readyState !== WebSocket.OPEN) continue;
    const out = Buffer.allocUnsafe(box.bytes);
    let at = 0;
    for (let i = 0; i < box.parts.length; i += 2) {
      const prefix = box.parts[i] as Buffer;
      const payload = box.parts[i + 1] as Buffer;
      const length = prefix.length + payload.length + 1;
      out[at++] = TEXT_FINAL;
      if (length < 126) {
        out[at++] = length;
      } else if (length < 65_536) {
        out[at++] = 126;
        out.writeUInt16BE(length, at);
        at += 2;
      } else {
        out[at++] = 127;
        out.writeBigUInt64BE(BigInt(length), at);
        at += 8;
      }
      at += prefix.copy(out, at);
      at += payload.copy(out, at);
      out[at++] = CLOSING;
    }
    box.tcp.write(out);
  }
  waiting.clear();
  encoded = new Map();
}

/**
 * Where the `next` messages of subscription `id` on `ws` (whose TCP socket
 * is `tcp`) are written without waiting for the socket.
 */
export function frameSink(ws: WebSocket, tcp: Socket, id: string): FrameSink {
  const prefixText = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  const prefix = Buffer.from(prefixText);
  return {
    next: (payload) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.extensions !== '') {
        ws.send(`${prefixText}${payload}}`);
        return;
      }
      let bytes = encoded.get(payload);
      if (bytes === undefined) {
        bytes = Buffer.from(payload);
        encoded.set(payload, bytes);
      }
      let box = waiting.get(tcp);
      if (box === undefined) {
        box = { ws, tcp, parts: [], bytes: 0 };
        waiting.set(tcp, box);
      }
      const length = prefix.length + bytes.length + 1;
      box.parts.push(prefix, bytes);
      box.bytes += headerLength(length) + length;
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
    get backlog() {
      return ws.bufferedAmount + (waiting.get(tcp)?.bytes ?? 0);
    },
  };
}
