/**
 * The headers of the fedora-messaging bus for each kind of subject, as a
 * consumer of the local RabbitMQ receives them: the schema and its package
 * as fedora-messaging writes them for `base.message`, and the one filter
 * header (`fedora_messaging_<kind>_<name>`) a subject gives, or none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpConsumer, AMQP_URL, brokerMissing, type Delivered, uniquePrefix } from '../helpers/amqp.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const missing = await brokerMissing();

const RECORD = `mutation Record($input: RecordResultInput!) { recordResult(input: $input) { emitted } }`;

/** One result per subject, each the first of its key, so each emits. */
const SUBJECTS = [
  { type: 'koji_build', item: 'python-requests-2.31.0-1.fc40', filter: 'fedora_messaging_rpm_python-requests' },
  { type: 'redhat-container-image', item: 'fedora-toolbox-40-1', filter: 'fedora_messaging_container_fedora-toolbox' },
  { type: 'redhat-module', item: 'nodejs-20-4020240101000000.abcdef12', filter: 'fedora_messaging_module_nodejs' },
  { type: 'bodhi_update', item: 'FEDORA-2026-0a1b2c3d4e', filter: undefined },
  { type: 'compose', item: 'Fedora-Rawhide-20261201.n.0', filter: undefined },
  // A koji_build whose name is no N-V-R names no package.
  { type: 'koji_build', item: 'notannvr', filter: undefined },
];

describe.skipIf(missing !== undefined)('the AMQP messages\' headers, per kind of subject', () => {
  const prefix = uniquePrefix();
  let server: TestServer;
  let consumer: AmqpConsumer;
  let delivered: Delivered[];

  beforeAll(async () => {
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    server = await startServer({
      env: {
        RESULTSBUS_BRIDGE: 'off',
        RESULTSBUS_TOPIC_PREFIX: prefix,
        RESULTSBUS_AMQP_URL: AMQP_URL,
        RESULTSBUS_AMQP_BRIDGE_NAME: `${prefix}-amqp`,
        RESULTSBUS_AMQP_PRIORITY: '3',
      },
    });
    for (const { type, item } of SUBJECTS) {
      const { recordResult } = await server.data<{ recordResult: { emitted: boolean } }>(RECORD, {
        input: { testcase: 'dist.rpmdeplint', item, type, outcome: 'PASSED' },
      });
      expect(recordResult.emitted).toBe(true);
    }
    delivered = await consumer.waitUntil((m) => m.length >= 2 * SUBJECTS.length);
  });
  afterAll(async () => {
    await server?.close();
    await consumer?.close();
  });

  it('gives each message the schema base.message with its package fedora_messaging, severity 20 and the configured priority, in fedora-messaging\'s order', () => {
    expect(delivered).toHaveLength(2 * SUBJECTS.length);
    for (const m of delivered) {
      expect(Object.keys(m.properties.headers ?? {}).slice(0, 5)).toEqual([
        'fedora_messaging_schema',
        'fedora_messaging_schema_package',
        'sent-at',
        'fedora_messaging_severity',
        'priority',
      ]);
      expect(m.properties.headers).toMatchObject({
        fedora_messaging_schema: 'base.message',
        fedora_messaging_schema_package: 'fedora_messaging',
        fedora_messaging_severity: 20,
        priority: 3,
      });
      expect(m.properties.priority).toBe(3);
    }
  });

  it('sets the filter header of the subject\'s kind: rpm for a koji_build, container for a container image, module for a module; none for an update, a compose or a name that is no N-V-R', () => {
    SUBJECTS.forEach(({ type, item, filter }, i) => {
      for (const m of delivered.slice(2 * i, 2 * i + 2)) {
        const filters = Object.keys(m.properties.headers ?? {}).filter((h) => /^fedora_messaging_(rpm|container|module|flatpak|user|group)_/.test(h));
        expect(filters, `${type} ${item} on ${m.routingKey}`).toEqual(filter === undefined ? [] : [filter]);
        if (filter !== undefined) expect(m.properties.headers?.[filter]).toBe(true);
      }
    });
  });
});
