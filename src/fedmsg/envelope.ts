/**
 * The fedmsg envelope of an emission (spec/fedmsg.md, "Envelope"). A pure
 * function of the emission row and the options: every field comes from the
 * row (`i` and `seq_id` are its seq, `msg_id` and `timestamp` were fixed when
 * it was stored), the wire form is canonical JSON, and PKCS#1 v1.5 signatures
 * are deterministic. So a re-send, a replay and the first publication of one
 * emission are the same bytes.
 */
import { Buffer } from 'node:buffer';
import { canonicalJson, type JsonValue } from './canonical.ts';
import type { Signer } from './signing.ts';

/** What the bus needs of an emission. */
export interface EmissionForBus {
  /** The emission's place in the gap-free sequence; becomes `i` and `seq_id`. */
  seq: number;
  /** `<year>-<uuid4>`, fixed when the emission was stored. */
  msgId: string;
  /** The full topic, e.g. `org.fedoraproject.prod.taskotron.result.new`. */
  topic: string;
  /** Seconds since the epoch when the emission was created (an integer). */
  timestamp: number;
  /** The message body (`msg`). */
  body: JsonValue;
}

/** How envelopes are made. */
export interface EnvelopeOptions {
  /** The account the emitter runs as (`username`). */
  username: string;
  /** Signs every envelope when given; unsigned envelopes otherwise. @default undefined */
  signer?: Signer;
}

/**
 * A fedmsg envelope, the JSON of frame 2. A type alias rather than an
 * interface so that it is a {@link JsonValue} (interfaces have no implicit
 * index signature).
 */
export type FedmsgEnvelope = {
  topic: string;
  msg: JsonValue;
  timestamp: number;
  msg_id: string;
  i: number;
  username: string;
  seq_id: number;
  /** `"x509"` when signed, absent otherwise. */
  crypto?: 'x509';
  /** base64 of the signature, folded into lines of 76 characters. */
  signature?: string;
  /** base64 of the emitter's PEM certificate, folded. */
  certificate?: string;
};

/**
 * The envelope of `emission`, signed when `options.signer` is set.
 *
 * @throws TypeError when `seq` or `timestamp` is not an integer: consumers
 * compare them as ints.
 */
export function buildEnvelope(emission: EmissionForBus, options: EnvelopeOptions): FedmsgEnvelope {
  const envelope = unsignedEnvelope(emission, options.username);
  return options.signer === undefined ? envelope : options.signer.sign(envelope);
}

/** The envelope's fields before signing. */
type PlainEnvelope = Omit<FedmsgEnvelope, 'crypto' | 'signature' | 'certificate'>;

function unsignedEnvelope(emission: EmissionForBus, username: string): PlainEnvelope {
  if (!Number.isSafeInteger(emission.seq) || emission.seq < 1) {
    throw new TypeError(`emission seq must be a positive integer, got ${emission.seq}`);
  }
  if (!Number.isSafeInteger(emission.timestamp)) {
    throw new TypeError(`emission ${emission.seq}: timestamp must be integer seconds, got ${emission.timestamp}`);
  }
  return {
    topic: emission.topic,
    msg: emission.body,
    timestamp: emission.timestamp,
    msg_id: emission.msgId,
    i: emission.seq,
    username,
    seq_id: emission.seq,
  };
}

/** The two frames of the published message: the topic, and the envelope as UTF-8 canonical JSON. */
export function encodeEnvelope(emission: EmissionForBus, options: EnvelopeOptions): { topic: string; bytes: Buffer } {
  return { topic: emission.topic, bytes: Buffer.from(canonicalJson(buildEnvelope(emission, options)), 'utf8') };
}

/**
 * `encodeEnvelope` with the signature made on libuv's thread pool (see
 * `Signer.signAsync`): the same bytes, without holding the event loop.
 */
export async function encodeEnvelopeAsync(emission: EmissionForBus, options: EnvelopeOptions): Promise<{ topic: string; bytes: Buffer }> {
  const envelope = unsignedEnvelope(emission, options.username);
  const signed = options.signer === undefined ? envelope : await options.signer.signAsync(envelope);
  return { topic: emission.topic, bytes: Buffer.from(canonicalJson(signed), 'utf8') };
}
