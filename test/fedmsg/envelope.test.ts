/**
 * The envelope of an emission: the same row always gives the same bytes (so a
 * replay matches the original), and a signed one validates, seq_id included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope, type EmissionForBus, encodeEnvelope, encodeEnvelopeAsync } from '../../src/fedmsg/envelope.ts';
import { loadSigner, type Signer } from '../../src/fedmsg/signing.ts';
import { loadTrustStore, validateEnvelope } from '../../src/fedmsg/validate.ts';

const fixtures = fileURLToPath(new URL('../fixtures/fedmsg/', import.meta.url));
const pki = (name: string): string => join(fixtures, 'pki', name);
const trust = loadTrustStore(pki('ca.crt'), pki('crl.pem'));

const emission: EmissionForBus = {
  seq: 7,
  msgId: '2026-9e4f0b0c-6a8e-4c39-9b5e-0b1b2f3a4c5d',
  topic: 'org.fedoraproject.prod.taskotron.result.new',
  timestamp: 1795553500,
  body: {
    task: { name: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', arch: 'x86_64' },
    result: {
      id: 42,
      submit_time: '2026-11-24 20:51:40 UTC',
      prev_outcome: null,
      outcome: 'PASSED',
      log_url: 'https://taskotron.example.org/artifacts/42/',
      forced: false,
      note: 'dépendance ☃',
    },
  },
};

let signer: Signer;
beforeAll(async () => {
  signer = await loadSigner(pki('results-emitter.crt'), pki('results-emitter.key'));
});

describe('the envelope of an emission', () => {
  it('carries the emission with i and seq_id set to its seq, and no crypto fields when unsigned', () => {
    const envelope = buildEnvelope(emission, { username: 'resultsbus' });
    expect(envelope).toEqual({
      topic: emission.topic,
      msg: emission.body,
      timestamp: 1795553500,
      msg_id: emission.msgId,
      i: 7,
      username: 'resultsbus',
      seq_id: 7,
    });
    expect(Object.keys(envelope)).not.toContain('crypto');
    expect(Object.keys(envelope)).not.toContain('signature');
    expect(Object.keys(envelope)).not.toContain('certificate');
  });

  it('publishes the topic and the canonical JSON of the envelope', () => {
    const { topic, bytes } = encodeEnvelope(emission, { username: 'resultsbus' });
    expect(topic).toBe('org.fedoraproject.prod.taskotron.result.new');
    const text = bytes.toString('utf8');
    expect(text.startsWith('{"i":7,"msg":{"result":{"forced":false,"id":42,')).toBe(true);
    expect(text).toContain('"note":"d\\u00e9pendance \\u2603"');
    expect(text.endsWith('"seq_id":7,"timestamp":1795553500,"topic":"org.fedoraproject.prod.taskotron.result.new","username":"resultsbus"}')).toBe(true);
    expect(JSON.parse(text)).toEqual(buildEnvelope(emission, { username: 'resultsbus' }));
  });

  it('gives identical bytes for the same emission, signed or not', () => {
    expect(encodeEnvelope(emission, { username: 'resultsbus' }).bytes.equals(encodeEnvelope(emission, { username: 'resultsbus' }).bytes)).toBe(true);
    const first = encodeEnvelope(emission, { username: 'resultsbus', signer }).bytes;
    const again = encodeEnvelope(structuredClone(emission), { username: 'resultsbus', signer }).bytes;
    expect(first.equals(again)).toBe(true);
  });

  it('gives the same bytes when signed on the thread pool', async () => {
    const emissions = Array.from({ length: 8 }, (_, i) => ({ ...emission, seq: i + 1, msgId: `2026-0000000${i}` }));
    // Started together, as the bridge does: each result belongs to its own emission.
    const pooled = await Promise.all(emissions.map((e) => encodeEnvelopeAsync(e, { username: 'resultsbus', signer })));
    pooled.forEach((frames, i) => {
      const e = emissions[i] ?? emission;
      expect(frames.topic).toBe(e.topic);
      expect(frames.bytes.toString('utf8')).toBe(encodeEnvelope(e, { username: 'resultsbus', signer }).bytes.toString('utf8'));
    });
    const unsigned = await encodeEnvelopeAsync(emission, { username: 'resultsbus' });
    expect(unsigned.bytes.equals(encodeEnvelope(emission, { username: 'resultsbus' }).bytes)).toBe(true);
    await expect(encodeEnvelopeAsync({ ...emission, seq: 0 }, { username: 'resultsbus', signer })).rejects.toThrow('emission seq must be a positive integer, got 0');
  });

  it('is accepted by a validator when signed', () => {
    const { bytes } = encodeEnvelope(emission, { username: 'resultsbus', signer });
    const received: unknown = JSON.parse(bytes.toString('utf8'));
    expect(received).toMatchObject({ crypto: 'x509', seq_id: 7 });
    expect(validateEnvelope(received, trust)).toEqual({ ok: true, subjectCN: 'results-emitter.example.org' });
  });

  it('covers seq_id with the signature: changing it afterwards fails validation', () => {
    const signed = buildEnvelope(emission, { username: 'resultsbus', signer });
    expect(validateEnvelope({ ...signed, seq_id: 8 }, trust)).toMatchObject({ ok: false, check: 'signature' });
    expect(validateEnvelope({ ...signed, i: 8 }, trust)).toMatchObject({ ok: false, check: 'signature' });
  });

  it('refuses a timestamp that is not integer seconds', () => {
    expect(() => buildEnvelope({ ...emission, timestamp: 1795553500.25 }, { username: 'resultsbus' })).toThrow(
      new TypeError('emission 7: timestamp must be integer seconds, got 1795553500.25'),
    );
  });
});
