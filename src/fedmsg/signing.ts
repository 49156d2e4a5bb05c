/**
 * X.509 signing of fedmsg envelopes, as the reference library does it
 * (`crypto: "x509"`): RSA PKCS#1 v1.5 with SHA-1 over the canonical JSON of
 * the envelope with `crypto` set and without `signature`/`certificate`.
 * SHA-1 is not our choice; it is what every deployed validator checks.
 *
 * The key and certificate are checked once, when the signer is made, so a
 * wrong path, a file that is not PEM or a key from another pair stops the
 * service at start with a message that says which file is at fault, instead
 * of every message being rejected by every consumer later.
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, type KeyObject, sign as signBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { canonicalJson, type JsonValue } from './canonical.ts';
import { certificateNames } from './der.ts';

/** A key or certificate that cannot be used to sign: unreadable, not PEM, or not a pair. */
export class SigningError extends Error {
  override name = 'SigningError';
}

/** What signing adds to an envelope. */
export interface SignedFields {
  crypto: 'x509';
  /** base64 of the signature, folded (see {@link fold}). */
  signature: string;
  /** base64 of the certificate's PEM text, folded. */
  certificate: string;
}

/**
 * An envelope before signing: any JSON object that does not already carry
 * the fields signing sets.
 */
export type UnsignedEnvelope = {
  [key: string]: JsonValue | undefined;
  crypto?: undefined;
  signature?: undefined;
  certificate?: undefined;
};

/** An envelope once signed: its own fields plus {@link SignedFields}. */
export type SignedEnvelope<E extends UnsignedEnvelope> = Omit<E, keyof SignedFields> & SignedFields;

/** Signs envelopes with one emitter key pair. */
export interface Signer {
  /** CN of the certificate's subject: what validators' routing policies name. */
  readonly subjectCN: string;
  /** The certificate as the PEM text it was read from. */
  readonly certificatePem: string;
  /**
   * A copy of `envelope` with `crypto: "x509"`, `signature` and
   * `certificate`. The signature covers every other field, `crypto` included.
   */
  sign<E extends UnsignedEnvelope>(envelope: E): SignedEnvelope<E>;
  /**
   * The same as `sign`, with the RSA operation on libuv's thread pool, so
   * that the event loop goes on serving while it runs (about 0.7 ms on this kind of
   * core). Same bytes.
   */
  signAsync<E extends UnsignedEnvelope>(envelope: E): Promise<SignedEnvelope<E>>;
}

/** Cuts base64 into lines of 76 characters, each ending in `\n`, as Python's `base64.encodebytes`. */
export function fold(base64: string): string {
  let out = '';
  for (let i = 0; i < base64.length; i += 76) out += base64.slice(i, i + 76) + '\n';
  return out;
}

/** Where a PEM text came from, for error messages. */
interface Sources {
  cert: string;
  key: string;
}

/**
 * A signer from PEM texts: the emitter's certificate and its unencrypted
 * private key (PKCS#8 or PKCS#1 RSA).
 *
 * @throws SigningError when either is not PEM, the key is not RSA, the
 * certificate is outside its validity period, or the key is not the
 * certificate's.
 */
export function createSigner(certPem: string, keyPem: string): Signer {
  return buildSigner(certPem, keyPem, { cert: 'the certificate', key: 'the private key' });
}

/**
 * A signer from the files named by RESULTSBUS_FEDMSG_CERT and
 * RESULTSBUS_FEDMSG_KEY.
 *
 * @throws SigningError naming the file at fault, as {@link createSigner}, and
 * when a file cannot be read.
 */
export async function loadSigner(certPath: string, keyPath: string): Promise<Signer> {
  const [certPem, keyPem] = await Promise.all([
    readText(certPath, 'RESULTSBUS_FEDMSG_CERT'),
    readText(keyPath, 'RESULTSBUS_FEDMSG_KEY'),
  ]);
  return buildSigner(certPem, keyPem, { cert: `the certificate in ${certPath}`, key: `the private key in ${keyPath}` });
}

async function readText(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new SigningError(`cannot read ${variable} file ${path}: ${describeFsError(error)}`);
  }
}

/** The reason a file could not be read, in words. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** PKCS#8, encrypted PKCS#8, and the older per-algorithm labels (`RSA PRIVATE KEY`). */
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The bytes a signature covers: the canonical JSON of the envelope with `crypto: "x509"`. */
function coveredBytes(envelope: UnsignedEnvelope): Buffer {
  // Undefined members are skipped by canonicalJson, so stray
  // signature/certificate keys cannot leak into what is signed.
  const covered = { ...envelope, crypto: 'x509' as const, signature: undefined, certificate: undefined };
  return Buffer.from(canonicalJson(covered), 'utf8');
}

function buildSigner(certPem: string, keyPem: string, from: Sources): Signer {
  if (!certPem.includes('-----BEGIN CERTIFICATE-----')) {
    const hint = PRIVATE_KEY_PEM.test(certPem) ? ' (it holds a private key: are the two paths swapped?)' : '';
    throw new SigningError(`${from.cert} is not a PEM certificate: no '-----BEGIN CERTIFICATE-----' line${hint}`);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch (error) {
    throw new SigningError(`${from.cert} is not a valid PEM certificate: ${reason(error)}`);
  }
  if (!PRIVATE_KEY_PEM.test(keyPem)) {
    throw new SigningError(`${from.key} is not a PEM private key: no '-----BEGIN PRIVATE KEY-----' line`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (error) {
    throw new SigningError(`${from.key} cannot be used: ${reason(error)} (an unencrypted PEM key is needed)`);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new SigningError(`${from.key} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; fedmsg signatures are RSA`);
  }
  const spki = { type: 'spki', format: 'der' } as const;
  if (!createPublicKey(privateKey).export(spki).equals(certificate.publicKey.export(spki))) {
    throw new SigningError(`${from.key} does not belong to ${from.cert}`);
  }

  const now = Date.now();
  const notAfter = Date.parse(certificate.validTo);
  const notBefore = Date.parse(certificate.validFrom);
  if (now > notAfter) throw new SigningError(`${from.cert} expired on ${certificate.validTo}; validators reject what it signs`);
  if (now < notBefore) {
    throw new SigningError(`${from.cert} is not valid before ${certificate.validFrom}; validators reject what it signs`);
  }

  const cn = certificateNames(certificate.raw).subject.find((a) => a.type === 'CN')?.value;
  if (cn === undefined) throw new SigningError(`${from.cert} has no subject CN; fedmsg validators route on it`);

  // The same for every message: encode once.
  const folded = fold(Buffer.from(certPem, 'utf8').toString('base64'));
  return {
    subjectCN: cn,
    certificatePem: certPem,
    sign<E extends UnsignedEnvelope>(envelope: E): SignedEnvelope<E> {
      const signature = signBytes('sha1', coveredBytes(envelope), privateKey).toString('base64');
      return { ...envelope, crypto: 'x509', signature: fold(signature), certificate: folded };
    },
    signAsync<E extends UnsignedEnvelope>(envelope: E): Promise<SignedEnvelope<E>> {
      const covered = coveredBytes(envelope);
      return new Promise((resolve, reject) => {
        signBytes('sha1', covered, privateKey, (error, signature) => {
          if (error) reject(error);
          else resolve({ ...envelope, crypto: 'x509', signature: fold(signature.toString('base64')), certificate: folded });
        });
      });
    },
  };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
