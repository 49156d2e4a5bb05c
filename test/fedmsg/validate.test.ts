/**
 * What a consumer's validator decides about each reference envelope, and why:
 * the reason is what `resultsbus tail` shows a user next to a rejected message.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/fedmsg/canonical.ts';
import { parseCrl } from '../../src/fedmsg/der.ts';
import { fold } from '../../src/fedmsg/signing.ts';
import {
  checkCertificate,
  createTrustStore,
  loadTrustStore,
  TrustStoreError,
  type ValidationCheck,
  validateEnvelope,
} from '../../src/fedmsg/validate.ts';

const fixtures = fileURLToPath(new URL('../fixtures/fedmsg/', import.meta.url));
const pki = (name: string): string => join(fixtures, 'pki', name);

type Envelope = { [key: string]: JsonValue | undefined; signature: string; certificate: string };
interface SigningCase {
  name: string;
  valid: boolean;
  signed: Envelope;
}
const vectors = JSON.parse(readFileSync(join(fixtures, 'signing.json'), 'utf8')) as { cases: SigningCase[] };
const byName = (name: string): Envelope => {
  const found = vectors.cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no vector named ${name}`);
  return structuredClone(found.signed);
};

/** The check each rejected reference case must fail, by its name. */
const expectedCheck: Record<string, ValidationCheck> = {
  'cert from another CA': 'chain',
  'revoked cert': 'revoked',
  'body changed after signing': 'signature',
};

const trust = loadTrustStore(pki('ca.crt'), pki('crl.pem'));

/** A PEM certificate with its last signature byte changed. */
function forgedCertificateField(): string {
  const pem = readFileSync(pki('results-emitter.crt'), 'utf8');
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  der[der.length - 1] = (der[der.length - 1] as number) ^ 0xff;
  const body = (der.toString('base64').match(/.{1,64}/g) ?? []).join('\n');
  const forged = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  return fold(Buffer.from(forged).toString('base64'));
}

describe('validating signed envelopes', () => {
  it.each(vectors.cases.filter((c) => c.valid))('accepts the reference $name envelope', ({ signed }) => {
    expect(validateEnvelope(structuredClone(signed), trust)).toEqual({ ok: true, subjectCN: 'results-emitter.example.org' });
  });

  it.each(vectors.cases.filter((c) => !c.valid))('rejects the reference $name envelope', ({ name, signed }) => {
    const result = validateEnvelope(structuredClone(signed), trust);
    expect(result).toMatchObject({ ok: false, check: expectedCheck[name] });
  });

  it('says a certificate from another CA is not issued by the trusted CA', () => {
    expect(validateEnvelope(byName('cert from another CA'), trust)).toEqual({
      ok: false,
      check: 'chain',
      reason: 'the certificate is not issued by the trusted CA (issuer CN=Rogue CA; trusted CA CN=Test Messaging CA)',
    });
  });

  it('says which serial the CRL revokes', () => {
    expect(validateEnvelope(byName('revoked cert'), trust)).toEqual({
      ok: false,
      check: 'revoked',
      reason: 'the certificate serial 0x1 (CN=revoked-emitter.example.org) is revoked by the CRL',
    });
  });

  it('says a changed body no longer matches its signature', () => {
    expect(validateEnvelope(byName('body changed after signing'), trust)).toEqual({
      ok: false,
      check: 'signature',
      reason: 'the signature does not match the message: it was changed after signing or signed by another key',
    });
  });

  it('rejects a certificate that names the trusted CA but is not signed by it', () => {
    const envelope = { ...byName('plain'), certificate: forgedCertificateField() };
    expect(validateEnvelope(envelope, trust)).toEqual({
      ok: false,
      check: 'chain',
      reason: 'the certificate names the trusted CA (CN=Test Messaging CA) as issuer but is not signed by it: it is forged',
    });
  });

  it('accepts the revoked certificate when no CRL is configured', () => {
    const withoutCrl = loadTrustStore(pki('ca.crt'));
    expect(validateEnvelope(byName('revoked cert'), withoutCrl)).toEqual({ ok: true, subjectCN: 'revoked-emitter.example.org' });
  });

  it('rejects every envelope once the CRL is past its next update', () => {
    const later = { now: new Date('2126-11-01T00:00:00Z') };
    expect(validateEnvelope(byName('plain'), trust, later)).toEqual({
      ok: false,
      check: 'crl',
      reason: 'the CRL expired on 2126-10-31T20:50:00.000Z; a fresh one is needed',
    });
    // Without a CRL the certificate's own end date is what fails.
    expect(validateEnvelope(byName('plain'), loadTrustStore(pki('ca.crt')), later)).toEqual({
      ok: false,
      check: 'chain',
      reason: 'the certificate (CN=results-emitter.example.org) expired on 2126-10-31T20:49:57.000Z',
    });
  });

  it('rejects a certificate that is not valid yet', () => {
    const before = { now: new Date('2026-11-01T00:00:00Z') };
    expect(validateEnvelope(byName('plain'), loadTrustStore(pki('ca.crt')), before)).toMatchObject({
      ok: false,
      check: 'chain',
      reason: 'the certificate (CN=results-emitter.example.org) is not valid before 2026-11-24T20:49:57.000Z',
    });
  });
});

describe('envelopes that are not signed envelopes', () => {
  const shape = (value: unknown): string => {
    const result = validateEnvelope(value, trust);
    if (result.ok || result.check !== 'shape') throw new Error(`expected a shape failure, got ${JSON.stringify(result)}`);
    return result.reason;
  };

  it('says an unsigned envelope is not signed', () => {
    const { crypto: _crypto, signature: _signature, certificate: _certificate, ...unsigned } = byName('plain');
    expect(shape(unsigned)).toBe('the envelope is not signed (crypto is missing)');
  });

  it('refuses garbage', () => {
    expect(shape(null)).toBe('the message is not a JSON object');
    expect(shape('hello')).toBe('the message is not a JSON object');
    expect(shape([1, 2])).toBe('the message is not a JSON object');
    expect(shape({ ...byName('plain'), crypto: 'gpg' })).toBe('crypto is "gpg"; only "x509" is supported');
    expect(shape({ ...byName('plain'), signature: 42 })).toBe('the envelope says crypto "x509" but has no signature string');
    expect(shape({ ...byName('plain'), certificate: undefined })).toBe('the envelope says crypto "x509" but has no certificate string');
    expect(shape({ ...byName('plain'), signature: 'not base64!' })).toBe('the signature field is not base64');
    expect(shape({ ...byName('plain'), certificate: '%%%' })).toBe('the certificate field is not base64');
    expect(shape({ ...byName('plain'), certificate: fold(Buffer.from('hello').toString('base64')) })).toMatch(
      /^the certificate field does not hold a PEM certificate: /,
    );
    const { crypto: _crypto, ...noCrypto } = byName('plain');
    expect(shape(noCrypto)).toBe('the envelope has a signature but no crypto field');
  });
});

describe('the certificate cache', () => {
  it('checks a certificate once and reuses the verdict for the next messages', () => {
    const store = loadTrustStore(pki('ca.crt'), pki('crl.pem'));
    const plain = byName('plain');
    expect(store.certificates.get(plain.certificate)).toBeUndefined();
    expect(validateEnvelope(plain, store).ok).toBe(true);
    const cached = store.certificates.get(plain.certificate);
    expect(cached).toMatchObject({ ok: true, subjectCN: 'results-emitter.example.org' });
    expect(checkCertificate(plain.certificate, store)).toBe(cached);
    // A cached certificate does not excuse a changed message.
    expect(validateEnvelope(byName('body changed after signing'), store)).toMatchObject({ ok: false, check: 'signature' });
    // Rejections are cached too.
    validateEnvelope(byName('revoked cert'), store);
    expect(store.certificates.get(byName('revoked cert').certificate)).toMatchObject({ ok: false, check: 'revoked' });
  });

  it('keeps at most cacheSize certificates', () => {
    const store = loadTrustStore(pki('ca.crt'), pki('crl.pem'), { cacheSize: 1 });
    validateEnvelope(byName('plain'), store);
    validateEnvelope(byName('revoked cert'), store);
    expect(store.certificates.get(byName('plain').certificate)).toBeUndefined();
    expect(store.certificates.get(byName('revoked cert').certificate)).toBeDefined();
  });
});

describe('loading the trust store', () => {
  it('reads the revoked serials and dates of the CRL', () => {
    const crl = parseCrl(readFileSync(pki('crl.pem'), 'utf8'));
    expect(crl.version).toBe(2);
    expect([...crl.revokedSerials]).toEqual(['1']);
    expect(crl.thisUpdate.toISOString()).toBe('2026-11-24T20:50:00.000Z');
    expect(crl.nextUpdate?.toISOString()).toBe('2126-10-31T20:50:00.000Z');
    expect(crl.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    expect(crl.issuer).toEqual([{ type: 'CN', value: 'Test Messaging CA' }]);
    // The same CRL as DER.
    const der = Buffer.from(readFileSync(pki('crl.pem'), 'utf8').replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64');
    expect([...parseCrl(der).revokedSerials]).toEqual(['1']);
  });

  it('refuses a CRL that another CA issued', () => {
    expect(() => loadTrustStore(pki('rogue-ca.crt'), pki('crl.pem'))).toThrow(
      new TrustStoreError(
        `${pki('crl.pem')} is not issued by the CA in ${pki('rogue-ca.crt')} (CRL issuer CN=Test Messaging CA, CA CN=Rogue CA)`,
      ),
    );
  });

  it('refuses a CRL whose signature is not the CA’s', () => {
    const pem = readFileSync(pki('crl.pem'), 'utf8');
    const der = Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64');
    der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01;
    expect(() => createTrustStore(readFileSync(pki('ca.crt')), der)).toThrow(
      new TrustStoreError('the CRL names CN=Test Messaging CA as issuer but is not signed by the key of the CA in the CA certificate'),
    );
  });

  it('says which file cannot be read or parsed', () => {
    const missing = pki('missing.crt');
    expect(() => loadTrustStore(missing)).toThrow(new TrustStoreError(`cannot read CA certificate file ${missing}: no such file`));
    expect(() => loadTrustStore(pki('ca.crt'), missing)).toThrow(new TrustStoreError(`cannot read CRL file ${missing}: no such file`));
    expect(() => loadTrustStore(pki('ca.crt'), pki('ca.crt'))).toThrow(
      new TrustStoreError(`${pki('ca.crt')} is not an X.509 CRL: not a CRL: no '-----BEGIN X509 CRL-----' block and not DER`),
    );
    expect(() => loadTrustStore(pki('crl.pem'))).toThrow(/crl\.pem is not a PEM certificate: /);
  });
});
