/**
 * Validation of X.509-signed fedmsg envelopes, with the checks of the
 * reference validator: the signature over the canonical JSON of the envelope
 * without `signature`/`certificate` must verify with the certificate's key,
 * and the certificate must be issued by the trusted CA, be inside its
 * validity period, and not be on the CA's CRL.
 *
 * A stream carries the same certificate in every message of an emitter, so
 * what can be decided once per certificate (parsing, issuer, CA signature,
 * revocation) is kept in a small cache on the trust store; only the clock
 * comparisons and the RSA verification run per message.
 */
import { Buffer } from 'node:buffer';
import { type KeyObject, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, type JsonValue } from './canonical.ts';
import { certificateNames, DerError, formatName, normaliseSerial, parseCrl, type RevocationList } from './der.ts';
import { describeFsError } from './signing.ts';

/** A CA certificate or CRL that cannot be trusted as given: unreadable, malformed, or not the CA's. */
export class TrustStoreError extends Error {
  override name = 'TrustStoreError';
}

/** Which check an envelope failed. */
export type ValidationCheck = 'shape' | 'signature' | 'chain' | 'revoked' | 'crl';

/** The verdict on one envelope; `reason` says in words what was wrong. */
export type ValidationResult =
  | { ok: true; subjectCN: string }
  | { ok: false; check: ValidationCheck; reason: string };

/** What a validator trusts: one CA, and optionally its CRL. */
export interface TrustStore {
  /** The CA that must have issued every emitter certificate. */
  readonly ca: X509Certificate;
  /** The CA's subject as people read it (`CN=Test Messaging CA`). */
  readonly caName: string;
  /** The CA's revocation list, verified against the CA; `undefined` when none was given. */
  readonly crl: RevocationList | undefined;
  /** Certificate checks already made, by `certificate` field. */
  readonly certificates: CertificateCache;
}

/** Options of {@link loadTrustStore} and {@link createTrustStore}. */
export interface TrustStoreOptions {
  /** How many distinct certificates to remember the checks of; 0 turns the cache off. @default 64 */
  cacheSize?: number;
}

/** Options of {@link validateEnvelope}. */
export interface ValidateOptions {
  /** The time to check validity periods and CRL freshness at. @default new Date() */
  now?: Date;
}

/**
 * Reads the CA certificate (PEM) and, when given, its CRL (PEM or DER). The
 * CRL must be issued and signed by that CA; one that is not is refused here
 * rather than silently trusted or ignored.
 *
 * @throws TrustStoreError naming the file at fault.
 */
export function loadTrustStore(caPath: string, crlPath?: string, options: TrustStoreOptions = {}): TrustStore {
  const caPem = readOrThrow(caPath, 'CA certificate');
  const crlBytes = crlPath === undefined ? undefined : readOrThrow(crlPath, 'CRL');
  return buildTrustStore(caPem, crlBytes, { ca: caPath, crl: crlPath ?? 'the CRL' }, options);
}

/** {@link loadTrustStore} from contents rather than paths. */
export function createTrustStore(caPem: string | Uint8Array, crl?: string | Uint8Array, options: TrustStoreOptions = {}): TrustStore {
  return buildTrustStore(caPem, crl, { ca: 'the CA certificate', crl: 'the CRL' }, options);
}

function readOrThrow(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TrustStoreError(`cannot read ${what} file ${path}: ${describeFsError(error)}`);
  }
}

/** Hash for node:crypto `verify` per CRL signature algorithm; `null` is for EdDSA, which hashes itself. */
const SIGNATURE_ALGORITHMS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, // Ed25519
  '1.3.101.113': null, // Ed448
};

/** A delta CRL lists only changes since a base CRL; read alone it would hide revocations. */
const DELTA_CRL_INDICATOR = '2.5.29.27';

function buildTrustStore(
  caInput: string | Uint8Array,
  crlInput: string | Uint8Array | undefined,
  names: { ca: string; crl: string },
  options: TrustStoreOptions,
): TrustStore {
  let ca: X509Certificate;
  try {
    ca = new X509Certificate(caInput);
  } catch (error) {
    throw new TrustStoreError(`${names.ca} is not a PEM certificate: ${message(error)}`);
  }
  const caNames = certificateNames(ca.raw);
  const caName = formatName(caNames.subject);

  let crl: RevocationList | undefined;
  if (crlInput !== undefined) {
    try {
      crl = parseCrl(crlInput);
    } catch (error) {
      throw new TrustStoreError(`${names.crl} is not an X.509 CRL: ${message(error)}`);
    }
    const issuer = formatName(crl.issuer);
    if (!crl.issuerDer.equals(caNames.subjectDer)) {
      throw new TrustStoreError(`${names.crl} is not issued by the CA in ${names.ca} (CRL issuer ${issuer}, CA ${caName})`);
    }
    const hash = SIGNATURE_ALGORITHMS[crl.signatureAlgorithm];
    if (hash === undefined) {
      throw new TrustStoreError(`${names.crl} is signed with algorithm ${crl.signatureAlgorithm}, which is not supported`);
    }
    let valid: boolean;
    try {
      valid = verify(hash, crl.tbsDer, ca.publicKey, crl.signature);
    } catch (error) {
      throw new TrustStoreError(`${names.crl}: its signature cannot be checked with the CA's key: ${message(error)}`);
    }
    if (!valid) {
      throw new TrustStoreError(`${names.crl} names ${issuer} as issuer but is not signed by the key of the CA in ${names.ca}`);
    }
    if (crl.extensions.some((e) => e.oid === DELTA_CRL_INDICATOR)) {
      throw new TrustStoreError(`${names.crl} is a delta CRL; give the full CRL`);
    }
  }

  return { ca, caName, crl, certificates: new CertificateCache(options.cacheSize ?? 64) };
}

/** What is known of one `certificate` field once parsed and checked against the trust store. */
export type CertificateCheck =
  | { ok: false; check: 'shape' | 'chain' | 'revoked'; reason: string }
  | {
      ok: true;
      certificate: X509Certificate;
      /** The key the envelope's signature must verify with. */
      publicKey: KeyObject;
      /** The subject CN, for routing policies. */
      subjectCN: string;
      /** Validity period, in ms since the epoch. */
      notBefore: number;
      notAfter: number;
    };

/**
 * Remembers certificate checks by `certificate` field, the most recently
 * added `size` of them (a flood of distinct certificates costs re-parsing,
 * not memory).
 */
export class CertificateCache {
  private readonly entries = new Map<string, CertificateCheck>();

  constructor(
    /** The most entries kept. */
    readonly size: number,
  ) {}

  /** The cached check of `field`, if any. */
  get(field: string): CertificateCheck | undefined {
    return this.entries.get(field);
  }

  /** Stores a check, dropping the oldest one when full. */
  set(field: string, check: CertificateCheck): void {
    if (this.size <= 0) return;
    if (this.entries.size >= this.size) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(field, check);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Removes the line breaks of a folded base64 field; `undefined` if what remains is not base64. */
function unfold(field: string): Buffer | undefined {
  const compact = field.replace(/\r?\n/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

/**
 * The time-independent checks of a `certificate` field (base64 of a PEM
 * certificate): it parses, it is issued and signed by the trusted CA, and it
 * is not revoked. Cached on the trust store, so a stream of messages from one
 * emitter pays for them once; validity periods are left to the caller, who
 * knows the time.
 */
export function checkCertificate(field: string, trust: TrustStore): CertificateCheck {
  const cached = trust.certificates.get(field);
  if (cached !== undefined) return cached;
  const check = computeCertificateCheck(field, trust);
  trust.certificates.set(field, check);
  return check;
}

function computeCertificateCheck(field: string, trust: TrustStore): CertificateCheck {
  const pem = unfold(field);
  if (pem === undefined) return { ok: false, check: 'shape', reason: 'the certificate field is not base64' };
  let certificate: X509Certificate;
  let subjectCN: string | undefined;
  let issuer: string;
  try {
    certificate = new X509Certificate(pem);
    const names = certificateNames(certificate.raw);
    subjectCN = names.subject.find((a) => a.type === 'CN')?.value;
    issuer = formatName(names.issuer);
  } catch (error) {
    const why = error instanceof DerError ? error.message : message(error);
    return { ok: false, check: 'shape', reason: `the certificate field does not hold a PEM certificate: ${why}` };
  }
  const { ca, caName } = trust;
  if (!certificate.checkIssued(ca)) {
    return {
      ok: false,
      check: 'chain',
      reason: `the certificate is not issued by the trusted CA (issuer ${issuer}; trusted CA ${caName})`,
    };
  }
  if (!certificate.verify(ca.publicKey)) {
    return {
      ok: false,
      check: 'chain',
      reason: `the certificate names the trusted CA (${caName}) as issuer but is not signed by it: it is forged`,
    };
  }
  if (subjectCN === undefined) {
    return { ok: false, check: 'shape', reason: 'the certificate has no subject CN to route on' };
  }
  const serial = normaliseSerial(certificate.serialNumber);
  if (trust.crl?.revokedSerials.has(serial)) {
    return {
      ok: false,
      check: 'revoked',
      reason: `the certificate serial 0x${serial} (CN=${subjectCN}) is revoked by the CRL`,
    };
  }
  return {
    ok: true,
    certificate,
    publicKey: certificate.publicKey,
    subjectCN,
    notBefore: Date.parse(certificate.validFrom),
    notAfter: Date.parse(certificate.validTo),
  };
}

/**
 * Checks one received envelope (the parsed JSON of frame 2). Never throws:
 * anything wrong, including input that is not an envelope at all, is a
 * failed check with a reason.
 */
export function validateEnvelope(envelope: unknown, trust: TrustStore, options: ValidateOptions = {}): ValidationResult {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return { ok: false, check: 'shape', reason: 'the message is not a JSON object' };
  }
  const fields = envelope as { [key: string]: unknown };
  const { crypto, signature, certificate } = fields;
  if (crypto === undefined) {
    return {
      ok: false,
      check: 'shape',
      reason:
        signature === undefined
          ? 'the envelope is not signed (crypto is missing)'
          : 'the envelope has a signature but no crypto field',
    };
  }
  if (crypto !== 'x509') {
    return { ok: false, check: 'shape', reason: `crypto is ${JSON.stringify(crypto)}; only "x509" is supported` };
  }
  if (typeof signature !== 'string') {
    return { ok: false, check: 'shape', reason: 'the envelope says crypto "x509" but has no signature string' };
  }
  if (typeof certificate !== 'string') {
    return { ok: false, check: 'shape', reason: 'the envelope says crypto "x509" but has no certificate string' };
  }

  const cert = checkCertificate(certificate, trust);
  if (!cert.ok) return cert;

  const now = (options.now ?? new Date()).getTime();
  const { ca, crl } = trust;
  // Revocation before validity periods, as OpenSSL's verifier orders them:
  // a CRL we cannot rely on makes every certificate undecidable.
  if (crl !== undefined) {
    if (crl.nextUpdate !== undefined && now > crl.nextUpdate.getTime()) {
      return { ok: false, check: 'crl', reason: `the CRL expired on ${crl.nextUpdate.toISOString()}; a fresh one is needed` };
    }
    if (now < crl.thisUpdate.getTime()) {
      return { ok: false, check: 'crl', reason: `the CRL is not valid before ${crl.thisUpdate.toISOString()}` };
    }
  }
  if (now > cert.notAfter) {
    return { ok: false, check: 'chain', reason: `the certificate (CN=${cert.subjectCN}) expired on ${iso(cert.notAfter)}` };
  }
  if (now < cert.notBefore) {
    return { ok: false, check: 'chain', reason: `the certificate (CN=${cert.subjectCN}) is not valid before ${iso(cert.notBefore)}` };
  }
  const caNotAfter = Date.parse(ca.validTo);
  if (now > caNotAfter || now < Date.parse(ca.validFrom)) {
    return { ok: false, check: 'chain', reason: `the trusted CA certificate is outside its validity period (${ca.validFrom} to ${ca.validTo})` };
  }

  const signatureBytes = unfold(signature);
  if (signatureBytes === undefined) return { ok: false, check: 'shape', reason: 'the signature field is not base64' };
  let canonical: string;
  try {
    canonical = canonicalJson({ ...(fields as { [key: string]: JsonValue }), signature: undefined, certificate: undefined });
  } catch (error) {
    return { ok: false, check: 'shape', reason: `the envelope cannot be put in canonical form: ${message(error)}` };
  }
  let valid: boolean;
  try {
    valid = verify('sha1', Buffer.from(canonical, 'utf8'), cert.publicKey, signatureBytes);
  } catch (error) {
    return { ok: false, check: 'signature', reason: `the signature cannot be checked: ${message(error)}` };
  }
  if (!valid) {
    return {
      ok: false,
      check: 'signature',
      reason: 'the signature does not match the message: it was changed after signing or signed by another key',
    };
  }
  return { ok: true, subjectCN: cert.subjectCN };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
