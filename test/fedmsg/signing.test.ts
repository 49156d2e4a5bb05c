/**
 * Signing must reproduce the reference library's signed envelopes byte for
 * byte (PKCS#1 v1.5 is deterministic), and a misconfigured key pair must stop
 * the service with a message that names the file at fault.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from '../../src/fedmsg/canonical.ts';
import { createSigner, fold, loadSigner, SigningError, type UnsignedEnvelope } from '../../src/fedmsg/signing.ts';

const fixtures = fileURLToPath(new URL('../fixtures/fedmsg/', import.meta.url));
const pki = (name: string): string => join(fixtures, 'pki', name);

interface SigningCase {
  name: string;
  valid: boolean;
  unsigned?: UnsignedEnvelope;
  signed: { [key: string]: JsonValue | undefined; signature: string; certificate: string };
}
const vectors = JSON.parse(readFileSync(join(fixtures, 'signing.json'), 'utf8')) as { cases: SigningCase[] };
const validCases = vectors.cases.filter((c) => c.valid);

const scratch = mkdtempSync(join(tmpdir(), 'resultsbus-signing-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('signing envelopes', () => {
  it('has the two valid reference cases to compare with', () => {
    expect(validCases.map((c) => c.name)).toEqual(['plain', 'non-ascii note']);
  });

  it.each(validCases)('signs the $name envelope exactly as the reference library', async ({ unsigned, signed }) => {
    const signer = await loadSigner(pki('results-emitter.crt'), pki('results-emitter.key'));
    const result = signer.sign(unsigned as UnsignedEnvelope);
    expect(result.signature).toBe(signed.signature);
    expect(result.certificate).toBe(signed.certificate);
    expect(result.crypto).toBe('x509');
    expect(canonicalJson(result)).toBe(canonicalJson(signed));
  });

  it('tells who signs: the certificate subject CN and its PEM text', async () => {
    const signer = await loadSigner(pki('results-emitter.crt'), pki('results-emitter.key'));
    expect(signer.subjectCN).toBe('results-emitter.example.org');
    expect(signer.certificatePem).toBe(readFileSync(pki('results-emitter.crt'), 'utf8'));
  });

  it('leaves the envelope it was given unchanged', () => {
    const signer = createSigner(readFileSync(pki('results-emitter.crt'), 'utf8'), readFileSync(pki('results-emitter.key'), 'utf8'));
    const envelope = { topic: 't', msg: { a: 1 }, i: 1 };
    const copy = structuredClone(envelope);
    signer.sign(envelope);
    expect(envelope).toEqual(copy);
  });

  it('folds base64 into lines of 76 characters, each ending in a newline', () => {
    expect(fold('a'.repeat(76))).toBe(`${'a'.repeat(76)}\n`);
    expect(fold('a'.repeat(77))).toBe(`${'a'.repeat(76)}\na\n`);
    expect(fold('')).toBe('');
  });
});

describe('loading the emitter key pair', () => {
  async function failure(promise: Promise<unknown>): Promise<SigningError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SigningError);
    return error as SigningError;
  }

  it('refuses a private key that belongs to another certificate', async () => {
    const error = await failure(loadSigner(pki('results-emitter.crt'), pki('intruder.key')));
    expect(error.message).toBe(
      `the private key in ${pki('intruder.key')} does not belong to the certificate in ${pki('results-emitter.crt')}`,
    );
  });

  it('says which file cannot be read, and why', async () => {
    const missing = join(scratch, 'missing.crt');
    expect((await failure(loadSigner(missing, pki('results-emitter.key')))).message).toBe(
      `cannot read RESULTSBUS_FEDMSG_CERT file ${missing}: no such file`,
    );
    expect((await failure(loadSigner(pki('results-emitter.crt'), scratch))).message).toBe(
      `cannot read RESULTSBUS_FEDMSG_KEY file ${scratch}: it is a directory`,
    );
  });

  it('refuses a certificate file that is not PEM', async () => {
    const notPem = join(scratch, 'not-pem.crt');
    writeFileSync(notPem, 'hello\n');
    expect((await failure(loadSigner(notPem, pki('results-emitter.key')))).message).toBe(
      `the certificate in ${notPem} is not a PEM certificate: no '-----BEGIN CERTIFICATE-----' line`,
    );
  });

  it('notices when the certificate and key paths are swapped', async () => {
    const error = await failure(loadSigner(pki('results-emitter.key'), pki('results-emitter.crt')));
    expect(error.message).toMatch(/is not a PEM certificate: .*are the two paths swapped\?/);
  });

  it('refuses a key file that is not a PEM private key', async () => {
    const notPem = join(scratch, 'not-pem.key');
    writeFileSync(notPem, 'hello\n');
    expect((await failure(loadSigner(pki('results-emitter.crt'), notPem))).message).toBe(
      `the private key in ${notPem} is not a PEM private key: no '-----BEGIN PRIVATE KEY-----' line`,
    );
  });

  it('refuses a damaged PEM certificate', async () => {
    const damaged = join(scratch, 'damaged.crt');
    writeFileSync(damaged, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect((await failure(loadSigner(damaged, pki('results-emitter.key')))).message).toMatch(
      new RegExp(`^the certificate in ${damaged} is not a valid PEM certificate: `),
    );
  });

  it('without paths, says the key does not belong to the certificate', () => {
    const cert = readFileSync(pki('results-emitter.crt'), 'utf8');
    const key = readFileSync(pki('revoked-emitter.key'), 'utf8');
    expect(() => createSigner(cert, key)).toThrow(new SigningError('the private key does not belong to the certificate'));
  });
});
