/** `resultsbus tail ...`: prints the fedmsgs on a bus as they arrive, like fedmsg-tail, filling gaps from replay; `--amqp` the fedora-messaging bus. */
import { Subscriber } from 'zeromq';
import { loadConfig } from '../config.ts';
import { loadTrustStore, type TrustStore, TrustStoreError, validateEnvelope, type ValidationResult } from '../fedmsg/validate.ts';
import { CliError, parse } from './args.ts';
import { checkEndpoint, replayRange, wholeNumber } from './replay.ts';

/** What `resultsbus tail --help` prints. */
export const usage = `Usage: resultsbus tail [--endpoint tcp://HOST:PORT] [--topic PREFIX]
                       [--validate --ca FILE [--crl FILE]]
                       [--replay-endpoint tcp://HOST:PORT | --replay-endpoint off]
                       [--replay-timeout MS] [--json] [--count N]
       resultsbus tail --amqp URL [--exchange NAME] [--topic PREFIX|PATTERN]
                       [--json] [--count N]

Connects a ZeroMQ SUB socket to a fedmsg bus and prints every message whose
topic starts with PREFIX, one line each:

  <topic> <testcase> <OUTCOME> for <item> (seq <seq_id>)[ forced][ [replayed]]

A message that fails --validate is printed too, prefixed with
INVALID (<check>: <reason>). Says on stderr when it is connected, and
when the endpoint cannot be reached (it keeps trying).

seq_id is dense, so a jump from a to b means messages were dropped: tail asks
the replay endpoint for a+1..b-1 (again from the last one received while the
endpoint caps its replies) and prints them, marked [replayed], before the
message that revealed the gap; what cannot be filled is said on stderr. A
message printed already (a re-send after the emitter restarted) is skipped.

Options:
  --endpoint URL         the bus (default RESULTSBUS_FEDMSG_ENDPOINT, tcp://127.0.0.1:9940)
  --topic PREFIX         only topics starting with PREFIX (default: all), e.g.
                         org.fedoraproject.prod.taskotron
  --validate             check each message's X.509 signature and certificate
  --ca FILE              the CA certificate (PEM) emitters must be issued by
  --crl FILE             that CA's revocation list (PEM or DER)
  --replay-endpoint URL  where to fill gaps (default RESULTSBUS_FEDMSG_REPLAY_ENDPOINT,
                         tcp://127.0.0.1:9941); "off" fills none
  --replay-timeout MS    how long to wait for each replay reply (default 5000)
  --json                 one JSON object a line instead (below)
  --count N              exit 0 after printing N messages (replayed ones count)

With --json each line is
  {"topic": <frame 1>, "envelope": <frame 2 parsed, or null when it is not JSON>,
   "replayed": <true when it came from the replay endpoint>,
   "validation": null without --validate, else {"ok": true, "subjectCN": CN}
                 or {"ok": false, "check": CHECK, "reason": TEXT}}
plus "text" (frame 2 as text) when frame 2 is not JSON.

With --amqp, reads the fedora-messaging bus instead: a queue of its own
(exclusive, gone with tail) bound to --exchange (default amq.topic) for
--topic (a prefix: the topic and everything under it; or an AMQP pattern
with * or #; default: all), one line per message:

  <routing key> <testcase> <OUTCOME> for <item> (message_id <id>)[ forced]

for both the Taskotron and the ResultsDB topics; a message printed already
(a re-send) is skipped. With --json each line is {"topic": <routing key>,
"properties": <AMQP properties, headers included>, "body": <parsed>}.
A lost connection is said on stderr and tried again every second.

Stops on SIGINT or SIGTERM, exit status 0.

Examples:
  resultsbus tail --amqp amqp://guest:guest@127.0.0.1:5672/%2F --topic org.fedoraproject.prod
  resultsbus tail --endpoint tcp://bus.example.org:9940 --topic org.fedoraproject.prod \\
    --validate --ca /etc/pki/fedmsg/ca.crt --crl /etc/pki/fedmsg/crl.pem`;

/** Default wait for one replay reply, in ms: short, as live messages queue up meanwhile. */
const DEFAULT_REPLAY_TIMEOUT_MS = 5000;

/** How many msg_ids are remembered to skip re-sends; a re-send comes soon after the original. */
const SEEN_MAX = 10_000;

/** One received message, decoded as far as it goes. */
interface Received {
  topic: string;
  /** Frame 2 parsed; `undefined` when it is not JSON. */
  envelope: unknown;
  /** Frame 2 as text. */
  text: string;
  seq: number | undefined;
  msgId: string | undefined;
  replayed: boolean;
}

/** A line of `--json` output. */
interface JsonLine {
  topic: string;
  envelope: unknown;
  replayed: boolean;
  validation: ValidationResult | null;
  text?: string;
}

function decode(topic: string, body: Buffer, replayed: boolean): Received {
  const text = body.toString('utf8');
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    envelope = undefined;
  }
  const fields = typeof envelope === 'object' && envelope !== null ? (envelope as Record<string, unknown>) : {};
  const seq = fields['seq_id'];
  const msgId = fields['msg_id'];
  return {
    topic,
    envelope,
    text,
    seq: typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined,
    msgId: typeof msgId === 'string' ? msgId : undefined,
    replayed,
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

function word(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : '?';
}

/** The readable line of one message. */
function readable(message: Received, validation: ValidationResult | null): string {
  const invalid = validation !== null && !validation.ok ? `INVALID (${validation.check}: ${validation.reason}) ` : '';
  const replayed = message.replayed ? ' [replayed]' : '';
  if (message.envelope === undefined) {
    const excerpt = message.text.length > 80 ? `${message.text.slice(0, 77)}...` : message.text;
    return `${invalid}${message.topic} (not a JSON envelope: ${JSON.stringify(excerpt)})${replayed}`;
  }
  const seq = `(seq ${message.seq ?? '?'})`;
  const msg = field(message.envelope, 'msg');
  const task = field(msg, 'task');
  const result = field(msg, 'result');
  if (task === undefined || result === undefined) {
    // Another kind of message on the same bus: say what it is without guessing at its body.
    return `${invalid}${message.topic} ${word(message.msgId)} ${seq}${replayed}`;
  }
  const forced = field(result, 'forced') === true ? ' forced' : '';
  return `${invalid}${message.topic} ${word(field(task, 'name'))} ${word(field(result, 'outcome'))} for ${word(field(task, 'item'))} ${seq}${forced}${replayed}`;
}

/** "3..4" or "3" or "3..4, 7" for the seq_ids in a list (sorted). */
function ranges(seqs: number[]): string {
  const parts: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  for (const seq of [...seqs, Number.NaN]) {
    if (start !== undefined && prev !== undefined && seq === prev + 1) {
      prev = seq;
      continue;
    }
    if (start !== undefined && prev !== undefined) parts.push(start === prev ? `${start}` : `${start}..${prev}`);
    start = prev = seq;
  }
  return parts.join(', ');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Insertion-ordered set that forgets its oldest entries past `max`. */
class RecentSet {
  private readonly entries = new Set<string>();

  constructor(private readonly max: number) {}

  has(value: string): boolean {
    return this.entries.has(value);
  }

  add(value: string): void {
    this.entries.add(value);
    if (this.entries.size > this.max) {
      const oldest = this.entries.values().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

/**
 * Runs `resultsbus tail`: follows the bus until --count messages are printed,
 * a signal arrives, or stdout is closed.
 *
 * @throws CliError (exit 2) for unusable options, endpoints or trust files.
 */
export async function tail(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      endpoint: { type: 'string' },
      topic: { type: 'string' },
      validate: { type: 'boolean' },
      ca: { type: 'string' },
      crl: { type: 'string' },
      'replay-endpoint': { type: 'string' },
      'replay-timeout': { type: 'string' },
      json: { type: 'boolean' },
      count: { type: 'string' },
      amqp: { type: 'string' },
      exchange: { type: 'string' },
    },
    usage,
  );
  if (values.help) {
    console.log(usage);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}\n\n${usage}`);

  const count = values.count === undefined ? undefined : wholeNumber(values.count, '--count', 1);
  if (values.amqp !== undefined) {
    for (const option of ['endpoint', 'validate', 'ca', 'crl', 'replay-endpoint', 'replay-timeout'] as const) {
      if (values[option] !== undefined) throw new CliError(`--${option} is for the fedmsg bus; --amqp reads the AMQP one (fedora-messaging has no signatures and no replay)`);
    }
    // Loaded only here: the fedmsg tail need not pay for the AMQP client at start.
    const { tailAmqp } = await import('./tail-amqp.ts');
    await tailAmqp({ url: values.amqp, exchange: values.exchange ?? 'amq.topic', topic: values.topic ?? '', json: values.json ?? false, count });
    return;
  }
  if (values.exchange !== undefined) throw new CliError('--exchange goes with --amqp URL');
  const replayTimeoutMs =
    values['replay-timeout'] === undefined ? DEFAULT_REPLAY_TIMEOUT_MS : wholeNumber(values['replay-timeout'], '--replay-timeout', 1, 3_600_000);
  const trust = trustStore(values.validate ?? false, values.ca, values.crl);
  // The configuration is read only for a default, so that an unrelated bad
  // setting does not stop a tail given its endpoints.
  const endpoint = values.endpoint !== undefined ? checkEndpoint(values.endpoint, '--endpoint') : checkEndpoint(loadConfig().fedmsgEndpoint, 'RESULTSBUS_FEDMSG_ENDPOINT');
  const replayOption = values['replay-endpoint'];
  const replayEndpoint =
    replayOption === undefined
      ? configuredReplayEndpoint()
      : replayOption.trim().toLowerCase() === 'off'
        ? undefined
        : checkEndpoint(replayOption, '--replay-endpoint');
  const topic = values.topic ?? '';

  // No linger: on exit, nothing is waiting to be sent on a SUB socket anyway.
  const socket = new Subscriber({ linger: 0 });
  // "connected" is what a script waits for before publishing: SUB misses
  // whatever was sent before it joined. The monitor starts with the first
  // listener, so it goes on before connect() or a quick connection is missed.
  // ZeroMQ retries an unreachable endpoint forever without a word; say so
  // once per outage, so that a wrong address does not look like a quiet bus.
  let retrying = false;
  socket.events.on('connect', (event) => {
    retrying = false;
    console.error(`resultsbus: tail: connected to ${event.address}`);
  });
  socket.events.on('connect:retry', (event) => {
    if (retrying) return;
    retrying = true;
    console.error(`resultsbus: tail: cannot reach ${event.address} yet; retrying`);
  });
  socket.events.on('disconnect', (event) => console.error(`resultsbus: tail: disconnected from ${event.address}; reconnecting`));
  socket.subscribe(topic);
  try {
    socket.connect(endpoint);
  } catch (error) {
    socket.close();
    throw new CliError(`cannot connect to --endpoint ${endpoint}: ${describe(error)}`);
  }

  let stopped = false;
  let wake: () => void = () => {};
  const stopping = new Promise<void>((resolve) => (wake = resolve));
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    socket.close();
    wake();
  };
  let replaying = false;
  const onSignal = (): void => {
    stop();
    // requestReplay cannot be cancelled: a reply still awaited would hold the
    // process until --replay-timeout. Nothing else is pending (stdout and
    // stderr writes to pipes and files are synchronous), so leave now.
    if (replaying) process.exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`| head`) ends the tail rather than crashing it.
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') stop();
    else throw error;
  };
  process.stdout.on('error', onStdoutError);

  const seen = new RecentSet(SEEN_MAX);
  let printed = 0;
  let lastSeq: number | undefined;

  /** Prints one message unless printed before; says whether tail is done (--count reached). */
  const print = (message: Received): boolean => {
    if (message.msgId !== undefined) {
      if (seen.has(message.msgId)) return false;
      seen.add(message.msgId);
    }
    const validation = trust === undefined ? null : judge(message, trust);
    if (values.json) {
      const line: JsonLine = { topic: message.topic, envelope: message.envelope ?? null, replayed: message.replayed, validation };
      if (message.envelope === undefined) line.text = message.text;
      console.log(JSON.stringify(line));
    } else {
      console.log(readable(message, validation));
    }
    printed++;
    return count !== undefined && printed >= count;
  };

  /** Replays first..last and prints what it gets; says whether tail is done. */
  const fillGap = async (first: number, last: number): Promise<boolean> => {
    const gap = first === last ? `${first}` : `${first}..${last}`;
    if (replayEndpoint === undefined) {
      console.error(`resultsbus: tail: missed seq ${gap}; no replay endpoint to fill the gap from (--replay-endpoint)`);
      return false;
    }
    const got = new Set<number>();
    let reason: string | undefined;
    const frames = replayRange(replayEndpoint, first, last, replayTimeoutMs);
    try {
      for (;;) {
        replaying = true;
        const next = await Promise.race([frames.next(), stopping.then(() => undefined)]).finally(() => (replaying = false));
        if (next === undefined || next.done) break;
        const { bytes, seq } = next.value;
        if (seq !== undefined) got.add(seq);
        // Replay answers by seq_id across every topic of the emitter; the
        // subscription's filter still applies.
        const replayedTopic = topicOf(bytes);
        if (!replayedTopic.startsWith(topic)) continue;
        if (print(decode(replayedTopic, bytes, true))) return true;
      }
    } catch (error) {
      reason = describe(error);
    }
    if (stopped) return true;
    const missing: number[] = [];
    for (let seq = first; seq <= last; seq++) if (!got.has(seq)) missing.push(seq);
    if (missing.length > 0) {
      const why = reason ?? 'the replay endpoint has no such messages';
      console.error(`resultsbus: tail: could not fill the gap at seq ${ranges(missing)} from ${replayEndpoint}: ${why}`);
    }
    return false;
  };

  try {
    for await (const frames of socket) {
      const [topicFrame, body] = frames;
      if (topicFrame === undefined || body === undefined) continue;
      const message = decode(topicFrame.toString('utf8'), body, false);
      if (message.seq !== undefined) {
        if (lastSeq !== undefined && message.seq > lastSeq + 1 && (await fillGap(lastSeq + 1, message.seq - 1))) break;
        // Also after a step back: an emitter that restarted re-sends from its
        // stored cursor, and gaps are counted from where it is now.
        lastSeq = message.seq;
      }
      if (stopped || print(message)) break;
    }
  } catch (error) {
    // Closing the socket on a signal may end the iteration with an error.
    if (!stopped) throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
    if (!socket.closed) socket.close();
  }
}

/** The topic of a replayed message: replay sends only frame 2, whose `topic` repeats frame 1. */
function topicOf(bytes: Buffer): string {
  try {
    const topic = field(JSON.parse(bytes.toString('utf8')), 'topic');
    return typeof topic === 'string' ? topic : '?';
  } catch {
    return '?';
  }
}

function judge(message: Received, trust: TrustStore): ValidationResult {
  if (message.envelope === undefined) return { ok: false, check: 'shape', reason: 'frame 2 is not JSON' };
  return validateEnvelope(message.envelope, trust);
}

function configuredReplayEndpoint(): string | undefined {
  const configured = loadConfig().fedmsgReplayEndpoint;
  return configured === undefined ? undefined : checkEndpoint(configured, 'RESULTSBUS_FEDMSG_REPLAY_ENDPOINT');
}

function trustStore(validate: boolean, ca: string | undefined, crl: string | undefined): TrustStore | undefined {
  if (!validate) {
    if (ca !== undefined || crl !== undefined) throw new CliError(`--ca and --crl are for --validate; add --validate to check signatures\n\n${usage}`);
    return undefined;
  }
  if (ca === undefined) throw new CliError(`--validate needs --ca FILE: the CA certificate (PEM) the emitters' certificates must be issued by\n\n${usage}`);
  try {
    return loadTrustStore(ca, crl);
  } catch (error) {
    if (error instanceof TrustStoreError) throw new CliError(`--validate: ${error.message}`);
    throw error;
  }
}
