/** `resultsbus replay ...`: asks a fedmsg replay endpoint for past messages and prints their bytes. */
import { loadConfig } from '../config.ts';
import { ReplayError, requestReplay } from '../fedmsg/replay.ts';
import { CliError, parse } from './args.ts';

/** What `resultsbus replay --help` prints. */
export const usage = `Usage: resultsbus replay (--seq N | --from N --to M | --msg-id ID | --query JSON)
                         [--endpoint tcp://HOST:PORT] [--timeout MS]

Asks a fedmsg replay endpoint (ZeroMQ REQ/REP) for past messages and prints
each as it was published: the envelope's exact JSON bytes, one message a
line, in seq_id order, signature included. Give exactly one query form.

An endpoint caps what one reply carries (RESULTSBUS_FEDMSG_REPLAY_MAX on a
resultsbus bridge, the first messages in seq order); for --from/--to this
command asks again from the last one received until the range is covered.

Options:
  --endpoint URL    the replay endpoint (default RESULTSBUS_FEDMSG_REPLAY_ENDPOINT,
                    tcp://127.0.0.1:9941)
  --seq N           the message with seq_id N
  --from N --to M   the messages with seq_id N to M, inclusive (N <= M)
  --msg-id ID       the message with this msg_id
  --query JSON      a request object of the wire contract as it is, for the
                    other forms: seq_ids, msg_ids, time ([start, end] in epoch
                    seconds), or several keys for their union
  --timeout MS      how long to wait for each reply (default 10000)

Exit status: 0 when messages were printed; 1 when the endpoint answered with
an error (the reason is printed: no message matches, a refused query) or did
not answer in time; 2 for a usage error.

Examples:
  resultsbus replay --from 120 --to 130 | jq -c '.msg.result'
  resultsbus replay --query '{"time": [1715728000, 1715731600]}'`;

/** Default wait for one reply, in ms. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * What `connect` accepts: a concrete address (no `*` port, which only a bind
 * can choose). Checked up front so a typo is a usage error, not a hang.
 */
const CONNECT_ENDPOINT = /^(tcp:\/\/[^\s:/]+:\d{1,5}|tcp:\/\/\[[0-9a-fA-F:.]+\]:\d{1,5}|ipc:\/\/\S+|inproc:\/\/\S+)$/;

/**
 * Checks an endpoint a command connects to.
 *
 * @param option the option or setting it came from, named in the error.
 * @throws CliError (exit 2) saying what is accepted.
 */
export function checkEndpoint(value: string, option: string): string {
  const endpoint = value.trim();
  const port = /^tcp:.*:(\d+)$/.exec(endpoint)?.[1];
  if (!CONNECT_ENDPOINT.test(endpoint) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    throw new CliError(`${option} must be a ZeroMQ endpoint to connect to, such as tcp://127.0.0.1:9941 (or ipc://PATH); got ${JSON.stringify(value)}`);
  }
  return endpoint;
}

/**
 * Reads a whole number option.
 *
 * @throws CliError (exit 2) naming the option and the accepted range.
 */
export function wholeNumber(value: string, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new CliError(`${option} must be a whole number ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The contract's error reason for an empty answer; other emitters may word it differently. */
const NO_MATCH = /no message matches/i;

/** Whether a replay failure only says that nothing matched (as opposed to a refused query or no answer). */
export function isNoMatch(error: unknown): boolean {
  return error instanceof ReplayError && NO_MATCH.test(error.message);
}

/** One replayed message: its exact bytes, and its seq_id when it has a usable one. */
export interface ReplayedFrame {
  /** The frame as received: the envelope's JSON as it was published. */
  bytes: Buffer;
  /** Its `seq_id`; `undefined` when the frame is not an envelope with an integer one. */
  seq: number | undefined;
}

function seqIdOf(bytes: Buffer): number | undefined {
  try {
    const envelope: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof envelope !== 'object' || envelope === null) return undefined;
    const seq = (envelope as { seq_id?: unknown }).seq_id;
    return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks for the seq_ids `first..last` (inclusive), as many times as the
 * endpoint's reply cap makes necessary: each request starts after the highest
 * seq_id received so far. Ends when the range is covered, when a follow-up
 * request matches nothing (the rest does not exist), or when a reply makes no
 * progress (an endpoint that ignores the range must not loop us forever).
 *
 * @throws ReplayError when the first request fails (its reason, no-match
 *   included) or a later one fails for any reason but no-match.
 */
export async function* replayRange(endpoint: string, first: number, last: number, timeoutMs: number): AsyncGenerator<ReplayedFrame> {
  let from = first;
  while (from <= last) {
    let frames: Buffer[];
    try {
      frames = await requestReplay(endpoint, { seq_id_range: [from, last] }, timeoutMs);
    } catch (error) {
      if (from > first && isNoMatch(error)) return;
      throw error;
    }
    let highest = from - 1;
    for (const bytes of frames) {
      const seq = seqIdOf(bytes);
      if (seq !== undefined && seq > highest) highest = seq;
      yield { bytes, seq };
    }
    if (highest < from) return;
    from = highest + 1;
  }
}

/** Writes bytes to stdout and waits until they are handed over, so a large reply is not cut off at exit. */
function writeOut(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(Buffer.concat([bytes, Buffer.from('\n')]), (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Runs `resultsbus replay`: one request (or, for --from/--to, as many as the
 * endpoint's cap needs), printing every returned envelope.
 *
 * @throws CliError exit 1 with the endpoint's reason or its silence, exit 2 for usage errors.
 */
export async function replay(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      endpoint: { type: 'string' },
      seq: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'msg-id': { type: 'string' },
      query: { type: 'string' },
      timeout: { type: 'string' },
    },
    usage,
  );
  if (values.help) {
    console.log(usage);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}\n\n${usage}`);

  const forms = [
    values.seq !== undefined ? '--seq' : undefined,
    values.from !== undefined || values.to !== undefined ? '--from/--to' : undefined,
    values['msg-id'] !== undefined ? '--msg-id' : undefined,
    values.query !== undefined ? '--query' : undefined,
  ].filter((form) => form !== undefined);
  if (forms.length === 0) throw new CliError(`say what to replay: one of --seq N, --from N --to M, --msg-id ID or --query JSON\n\n${usage}`);
  if (forms.length > 1) throw new CliError(`give one query form, not ${forms.join(' and ')}\n\n${usage}`);

  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : wholeNumber(values.timeout, '--timeout', 1, 3_600_000);
  const endpoint = values.endpoint !== undefined ? checkEndpoint(values.endpoint, '--endpoint') : defaultEndpoint();

  if (values.from !== undefined || values.to !== undefined) {
    if (values.from === undefined || values.to === undefined) {
      throw new CliError(`--from and --to go together: --from N --to M asks for seq_ids N to M\n\n${usage}`);
    }
    const from = wholeNumber(values.from, '--from', 1);
    const to = wholeNumber(values.to, '--to', 1);
    if (from > to) throw new CliError(`--from must not be after --to, got --from ${from} --to ${to}`);
    try {
      for await (const frame of replayRange(endpoint, from, to, timeoutMs)) await writeOut(frame.bytes);
    } catch (error) {
      throw failure(error);
    }
    return;
  }

  let request: Record<string, unknown>;
  if (values.seq !== undefined) request = { seq_id: wholeNumber(values.seq, '--seq', 1) };
  else if (values['msg-id'] !== undefined) {
    const msgId = values['msg-id'].trim();
    if (msgId === '') throw new CliError('--msg-id needs a msg_id, such as 2026-9e4f0b0c-8a1e-4c1b-9d35-0c8f3b8d2a11');
    request = { msg_id: msgId };
  } else request = queryObject(values.query ?? '');

  let frames: Buffer[];
  try {
    frames = await requestReplay(endpoint, request, timeoutMs);
  } catch (error) {
    throw failure(error);
  }
  for (const bytes of frames) await writeOut(bytes);
}

function defaultEndpoint(): string {
  const configured = loadConfig().fedmsgReplayEndpoint;
  if (configured === undefined) {
    throw new CliError('RESULTSBUS_FEDMSG_REPLAY_ENDPOINT is off; give the replay endpoint with --endpoint tcp://HOST:PORT');
  }
  return checkEndpoint(configured, 'RESULTSBUS_FEDMSG_REPLAY_ENDPOINT');
}

/**
 * The endpoint judges the keys and values (its reason comes back as exit 1);
 * here only what cannot be sent at all is refused.
 */
function queryObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`--query must be a JSON object such as '{"seq_ids": [3, 7]}', got ${JSON.stringify(text)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`--query must be a JSON object such as '{"seq_ids": [3, 7]}', got ${JSON.stringify(text)}`);
  }
  return parsed as Record<string, unknown>;
}

/** What the endpoint said (or that it did not answer) as exit 1; anything else as it is. */
function failure(error: unknown): unknown {
  if (error instanceof ReplayError) return new CliError(`replay: ${error.message}`, 1);
  // A malformed address zeromq only rejects at connect time.
  if (error instanceof Error && (error as { code?: unknown }).code === 'EINVAL') return new CliError(`replay: ${error.message}`, 2);
  return error;
}
