/**
 * The replay endpoint (ZeroMQ REQ/REP) from the fedmsg contract: a consumer
 * that saw `seq_id` jump asks for what it missed and gets the same bytes the
 * PUB socket sent, one frame per message in seq order, or one frame
 * `error: '<reason>'`.
 */
import { Reply, Request } from 'zeromq';
import { bindError } from './publisher.ts';

/** What a replay request asks for; several parts mean the union. */
export interface ReplayQuery {
  seqIds: number[];
  /** Inclusive [first, last] ranges. */
  seqRanges: Array<[number, number]>;
  msgIds: string[];
  /** Inclusive [start, end] ranges of emission timestamps (epoch seconds). */
  times: Array<[number, number]>;
}

/** A request the endpoint refuses; its message is the `<reason>` of the error frame. */
export class ReplayQueryError extends Error {
  override name = 'ReplayQueryError';
}

const KEYS = ['seq_id', 'seq_ids', 'seq_id_range', 'msg_id', 'msg_ids', 'time'];
/** Most ids one request may list (a request is small; a reply is capped apart). */
const MAX_LISTED = 10000;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function seqOf(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ReplayQueryError(`${key} must hold whole numbers of 0 or more, got ${show(value)}`);
  }
  return value;
}

function pairOf(key: string, value: unknown, what: string, item: (key: string, v: unknown) => number): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new ReplayQueryError(`${key} must be a list of two ${what}, [first, last], got ${show(value)}`);
  }
  const first = item(key, value[0]);
  const last = item(key, value[1]);
  if (first > last) throw new ReplayQueryError(`${key} must be [first, last] with first <= last, got ${show(value)}`);
  return [first, last];
}

function listOf<T>(key: string, value: unknown, item: (key: string, v: unknown) => T): T[] {
  if (!Array.isArray(value)) throw new ReplayQueryError(`${key} must be a list, got ${show(value)}`);
  if (value.length > MAX_LISTED) throw new ReplayQueryError(`${key} lists ${value.length} entries; at most ${MAX_LISTED} are allowed`);
  return value.map((v) => item(key, v));
}

function msgIdOf(key: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ReplayQueryError(`${key} must hold msg_id strings, got ${show(value)}`);
  return value;
}

/** 9999-12-31T23:59:59Z: what a timestamp can be. */
const LATEST_TIME = 253402300799;

function timeOf(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > LATEST_TIME) {
    throw new ReplayQueryError(`${key} must hold epoch seconds from 0 to ${LATEST_TIME}, got ${show(value)}`);
  }
  return value;
}

/** Reads a request frame; throws ReplayQueryError saying what is wrong and what is allowed. */
export function parseReplayQuery(frame: Buffer | string): ReplayQuery {
  let request: unknown;
  try {
    request = JSON.parse(frame.toString());
  } catch {
    throw new ReplayQueryError(`the request is not JSON; send an object with any of ${KEYS.join(', ')}`);
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new ReplayQueryError(`the request must be a JSON object with any of ${KEYS.join(', ')}, got ${show(request)}`);
  }
  const entries = Object.entries(request);
  if (entries.length === 0) throw new ReplayQueryError(`the query is empty; ask for any of ${KEYS.join(', ')}`);
  const query: ReplayQuery = { seqIds: [], seqRanges: [], msgIds: [], times: [] };
  for (const [key, value] of entries) {
    switch (key) {
      case 'seq_id':
        query.seqIds.push(seqOf(key, value));
        break;
      case 'seq_ids':
        query.seqIds.push(...listOf(key, value, seqOf));
        break;
      case 'seq_id_range':
        query.seqRanges.push(pairOf(key, value, 'seq_ids', seqOf));
        break;
      case 'msg_id':
        query.msgIds.push(msgIdOf(key, value));
        break;
      case 'msg_ids':
        query.msgIds.push(...listOf(key, value, msgIdOf));
        break;
      case 'time':
        query.times.push(pairOf(key, value, 'epoch seconds', timeOf));
        break;
      default:
        throw new ReplayQueryError(`unknown query key ${show(key)}; use ${KEYS.join(', ')}`);
    }
  }
  return query;
}

/** The error frame of the contract. */
export function errorFrame(reason: string): string {
  return `error: '${reason}'`;
}

/**
 * Answers a query with the envelopes' bytes in seq order, at most `limit` of
 * them (the first ones); an empty list is answered with an error frame.
 */
export type ReplayLookup = (query: ReplayQuery, limit: number) => Promise<Buffer[]>;

export interface ReplayServerOptions {
  /** Most messages in one reply. @default 1000 */
  maxMessages?: number;
  /** Called with lookups that failed for a reason other than the request (a database error). */
  onError?: (error: unknown) => void;
}

export class ReplayServer {
  private readonly done: Promise<void>;

  private constructor(
    private readonly socket: Reply,
    lookup: ReplayLookup,
    options: ReplayServerOptions,
  ) {
    this.done = this.serve(lookup, options.maxMessages ?? 1000, options.onError);
  }

  static async bind(endpoint: string, lookup: ReplayLookup, options: ReplayServerOptions = {}): Promise<ReplayServer> {
    // A request is a small JSON object; a huge frame is refused by ZeroMQ
    // before it costs memory.
    const socket = new Reply({ linger: 0, maxMessageSize: 1024 * 1024 });
    try {
      await socket.bind(endpoint);
    } catch (error) {
      socket.close();
      throw bindError('fedmsg replay REP socket', endpoint, 'RESULTSBUS_FEDMSG_REPLAY_ENDPOINT', error);
    }
    return new ReplayServer(socket, lookup, options);
  }

  /** The endpoint actually bound, with the port the OS chose for `*`. */
  get endpoint(): string {
    return this.socket.lastEndpoint ?? '';
  }

  private async serve(lookup: ReplayLookup, maxMessages: number, onError: ((error: unknown) => void) | undefined): Promise<void> {
    try {
      for await (const frames of this.socket) {
        let reply: Array<Buffer | string>;
        try {
          if (frames.length !== 1 || frames[0] === undefined) {
            throw new ReplayQueryError(`send the query as one frame, got ${frames.length}`);
          }
          const found = await lookup(parseReplayQuery(frames[0]), maxMessages);
          reply = found.length === 0 ? [errorFrame('no message matches the query')] : found;
        } catch (error) {
          if (error instanceof ReplayQueryError) {
            reply = [errorFrame(error.message)];
          } else {
            onError?.(error);
            reply = [errorFrame('the replay store cannot answer right now; try again')];
          }
        }
        try {
          await this.socket.send(reply);
        } catch (error) {
          if (this.socket.closed) return;
          // A REP socket that could not answer cannot take the next request
          // either; say so rather than go quiet.
          onError?.(error);
          return;
        }
      }
    } catch (error) {
      // Closing the socket ends the loop with an error; nothing to report.
      if (!this.socket.closed) onError?.(error);
    }
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.done;
  }
}

/** The endpoint answered with an error frame, or did not answer. */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

/**
 * Asks a replay endpoint (`request` is the JSON object of the contract) and
 * returns the envelopes' bytes; throws ReplayError with the endpoint's reason.
 */
export async function requestReplay(endpoint: string, request: Record<string, unknown>, timeoutMs = 10_000): Promise<Buffer[]> {
  const socket = new Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
  try {
    socket.connect(endpoint);
    await socket.send(JSON.stringify(request));
    let frames: Buffer[];
    try {
      frames = await socket.receive();
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EAGAIN') {
        throw new ReplayError(`the replay endpoint ${endpoint} did not answer within ${timeoutMs} ms`);
      }
      throw error;
    }
    const first = frames[0]?.toString() ?? '';
    if (frames.length === 1 && first.startsWith('error: ')) {
      throw new ReplayError(first.replace(/^error: '?/, '').replace(/'$/, ''));
    }
    return frames;
  } finally {
    socket.close();
  }
}
