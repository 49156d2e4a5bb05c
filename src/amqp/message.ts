/**
 * An emission as fedora-messaging writes a message on the wire
 * (spec/fedora-messaging.md): routing key = topic, a JSON body in UTF-8,
 * and the properties and headers of `Message._build_properties`. Every part
 * is a pure function of the emission (and, for the ResultsDB topic, of the
 * result it points at, which never changes) and the settings: `sent-at` is
 * the emission's own time, not the clock at sending. So a re-send after a
 * lost confirm, a broker restart or a crash is the same bytes, and a
 * consumer de-duplicates it by `message_id`.
 */
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { canonicalJson, type JsonValue } from '../fedmsg/canonical.ts';
import type { EmissionForBus } from '../fedmsg/envelope.ts';
import { nameOfNvr, NVR_TYPE, packageOf } from '../items/package.ts';

/**
 * The schema consumers look up. ResultsDB publishes its messages as
 * fedora-messaging's own `Message` class, whose entry point is
 * `base.message`: there is no schema package for these topics.
 */
export const SCHEMA = 'base.message';
/**
 * The distribution the schema comes from: fedora-messaging (3.6 and later)
 * writes it beside the schema of every message whose class it found in an
 * installed package, `base.message` included, so a consumer that lacks a
 * schema can say what to install.
 */
export const SCHEMA_PACKAGE = 'fedora_messaging';
/** fedora-messaging's INFO: results are not problems by themselves. */
export const SEVERITY_INFO = 20;

/** The AMQP basic properties of a message, as amqplib takes them. */
export interface AmqpProperties {
  contentType: 'application/json';
  contentEncoding: 'utf-8';
  /** 2: persistent. */
  deliveryMode: 2;
  messageId: string;
  priority: number;
  headers: Record<string, string | number | boolean>;
}

/** One message to publish. */
export interface AmqpMessage {
  /** The seq of the emission it comes from. */
  seq: number;
  /** Routing key: the full topic. */
  routingKey: string;
  body: Buffer;
  properties: AmqpProperties;
}

export interface MessageSettings {
  /**
   * `priority`, property and header: one for every message, as
   * fedora-messaging's `publish_priority` setting gives it (ResultsDB sets
   * none of its own per message). @default 0
   */
  priority?: number;
}

/** `2026-12-01T19:22:59+00:00`: what Python's `isoformat()` writes for a UTC time with no microseconds. */
export function sentAt(timestamp: number): string {
  return `${new Date(timestamp * 1000).toISOString().slice(0, 19)}+00:00`;
}

/**
 * The filter header of a result's subject, `fedora_messaging_<kind>_<name>`
 * as fedora-messaging's `Message._filter_headers` writes them (FMN and other
 * consumers filter on them without reading the body), for the item types
 * whose names are N-V-Rs of one object of a kind it knows:
 *
 * - `koji_build`: the RPM package (`rpm`), the one rule of `Item.package`;
 * - `redhat-container-image`: the container (`container`), its N-V-R's name;
 * - `redhat-module`: the module (`module`), its N-S-V-C's name.
 *
 * A `bodhi_update` alias or a compose id names no package (an update's
 * builds are not in the result), nor does any other type: no header.
 */
export function filterHeaderOf(type: string, item: string): string | undefined {
  const kind = FILTER_KINDS.get(type);
  if (kind === undefined) return undefined;
  const name = kind === 'rpm' ? packageOf(type, item) : nameOfNvr(item);
  if (name === null) return undefined;
  const header = `fedora_messaging_${kind}_${name}`;
  // A header name is an AMQP short string (255 bytes at most).
  return Buffer.byteLength(header) <= 255 ? header : undefined;
}

const FILTER_KINDS = new Map<string, 'rpm' | 'container' | 'module'>([
  [NVR_TYPE, 'rpm'],
  ['redhat-container-image', 'container'],
  ['redhat-module', 'module'],
]);

/** The headers fedora-messaging writes, in its order, with the subject's filter header when it has one. */
function headersOf(timestamp: number, priority: number, subject: { item: string; type: string } | undefined): AmqpProperties['headers'] {
  const headers: AmqpProperties['headers'] = {
    fedora_messaging_schema: SCHEMA,
    fedora_messaging_schema_package: SCHEMA_PACKAGE,
    'sent-at': sentAt(timestamp),
    fedora_messaging_severity: SEVERITY_INFO,
    priority,
  };
  const filter = subject && filterHeaderOf(subject.type, subject.item);
  if (filter !== undefined) headers[filter] = true;
  return headers;
}

function subjectOf(body: JsonValue): { item: string; type: string } | undefined {
  const task = (body as { task?: { item?: unknown; type?: unknown } } | null)?.task;
  if (typeof task?.item !== 'string' || typeof task.type !== 'string') return undefined;
  return { item: task.item, type: task.type };
}

function message(seq: number, routingKey: string, body: Buffer, messageId: string, subject: { item: string; type: string } | undefined, timestamp: number, settings: MessageSettings): AmqpMessage {
  const priority = settings.priority ?? 0;
  return {
    seq,
    routingKey,
    body,
    properties: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      messageId,
      priority,
      headers: headersOf(timestamp, priority, subject),
    },
  };
}

/**
 * `<prefix>.<env>.taskotron.result.new`: the emission's topic, its
 * `msg_id`, and the body byte for byte as the fedmsg envelope's `msg`
 * (canonical JSON).
 */
export function taskotronMessage(emission: EmissionForBus, settings: MessageSettings = {}): AmqpMessage {
  const body = Buffer.from(canonicalJson(emission.body), 'utf8');
  return message(emission.seq, emission.topic, body, emission.msgId, subjectOf(emission.body), emission.timestamp, settings);
}

/**
 * The ResultsDB topic's message id: consumers (datanommer) keep one message
 * per id, so the second message of an emission needs an id of its own. It
 * is derived from the emission's, the same every time: `<year>-<uuid>`
 * like the emission's, the uuid made of SHA-1 of `msg_id` and topic (in the
 * way of a version-5 uuid).
 */
export function resultsdbMessageId(msgId: string, topic: string): string {
  const year = /^(\d{4})-/.exec(msgId)?.[1] ?? '0000';
  const hash = createHash('sha1').update(`${msgId}\n${topic}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${year}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * `<prefix>.<env>.resultsdb.result.new` for `emission`: `result` is the
 * result as the REST API v2.0 serialises it (hrefs on the configured public
 * URL), written as Flask's `jsonify` would: its keys sorted already.
 */
export function resultsdbMessage(emission: EmissionForBus, topic: string, result: Record<string, unknown>, settings: MessageSettings = {}): AmqpMessage {
  const body = Buffer.from(JSON.stringify(result), 'utf8');
  return message(emission.seq, topic, body, resultsdbMessageId(emission.msgId, topic), subjectOf(emission.body), emission.timestamp, settings);
}
