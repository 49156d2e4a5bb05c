/**
 * Just enough DER (ASN.1) to read what node:crypto does not: X.509 CRLs
 * (RFC 5280 §5), and the raw subject/issuer names of a certificate so a CRL's
 * issuer can be compared with its CA byte for byte.
 *
 * Strict on purpose: definite lengths only, no high tag numbers, every
 * element inside its parent. Anything else is not DER from a CA and is refused
 * with a `DerError` that says where.
 */
import { Buffer } from 'node:buffer';

/** A CRL or certificate that is not well-formed DER, or not the structure expected. */
export class DerError extends Error {
  override name = 'DerError';
}

/** Universal tags used here (class, constructed bit and number in one byte). */
export const Tag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** `[0]` constructed, context-specific: CRL extensions, certificate version. */
  CONTEXT_0: 0xa0,
} as const;

/** One element: its tag and where its header, content and end are in the buffer. */
export interface DerElement {
  /** The identifier octet. */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

/** Reads the element at `offset`, which must end at or before `limit`. */
export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DerError(`truncated element at byte ${offset}`);
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at byte ${offset}`);
  let length = bytes[offset + 1] as number;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; 4 octets is 4 GiB.
    if (count === 0 || count > 4) throw new DerError(`unsupported length form at byte ${offset}`);
    if (contentStart + count > limit) throw new DerError(`truncated length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[contentStart + i] as number);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError(`element at byte ${offset} runs past its container`);
  return { tag, start: offset, contentStart, end };
}

/** The elements directly inside a constructed element, in order. */
export function children(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const element = readElement(bytes, offset, parent.end);
    out.push(element);
    offset = element.end;
  }
  return out;
}

function want(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined) throw new DerError(`${what} is missing`);
  if (element.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`);
  }
  return element;
}

/** Dotted form of an OBJECT IDENTIFIER's content. */
export function decodeOid(bytes: Uint8Array, element: DerElement): string {
  const arcs: number[] = [];
  let value = 0;
  for (let i = element.contentStart; i < element.end; i++) {
    const octet = bytes[i] as number;
    value = value * 128 + (octet & 0x7f);
    if (!(octet & 0x80)) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  return arcs.join('.');
}

/**
 * A serial number as uppercase hex without leading zeros ("0" for zero), the
 * form in which CRL entries and `X509Certificate.serialNumber` are compared.
 */
export function normaliseSerial(hex: string): string {
  const trimmed = hex.toUpperCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

function decodeTime(bytes: Uint8Array, element: DerElement, what: string): Date {
  const text = Buffer.from(bytes.subarray(element.contentStart, element.end)).toString('latin1');
  // RFC 5280 fixes both forms to UTC with seconds: YYMMDDHHMMSSZ, YYYYMMDDHHMMSSZ.
  const match =
    element.tag === Tag.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : element.tag === Tag.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (match === null) throw new DerError(`${what} is not a UTCTime or GeneralizedTime in UTC`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  // UTCTime years 50..99 are 1950..1999 (RFC 5280 §4.1.2.5.1).
  const year = element.tag === Tag.UTC_TIME ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

const NAME_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
};

function decodeString(bytes: Uint8Array, element: DerElement): string {
  const content = Buffer.from(bytes.subarray(element.contentStart, element.end));
  switch (element.tag) {
    case Tag.BMP_STRING:
      return content.swap16().toString('utf16le');
    case Tag.UNIVERSAL_STRING: {
      let out = '';
      for (let i = 0; i + 3 < content.length; i += 4) out += String.fromCodePoint(content.readUInt32BE(i));
      return out;
    }
    case Tag.T61_STRING:
      return content.toString('latin1');
    default:
      return content.toString('utf8');
  }
}

/** One attribute of a distinguished name, e.g. `{ type: 'CN', value: 'Test Messaging CA' }`. */
export interface NameAttribute {
  /** Short name (`CN`, `O`, ...) or the dotted OID when it has none here. */
  type: string;
  /** The value, decoded from its ASN.1 string type. */
  value: string;
}

/** The attributes of a DER `Name`, in order. */
export function decodeName(bytes: Uint8Array, name: DerElement): NameAttribute[] {
  want(name, Tag.SEQUENCE, 'Name');
  const out: NameAttribute[] = [];
  for (const rdn of children(bytes, name)) {
    want(rdn, Tag.SET, 'RelativeDistinguishedName');
    for (const pair of children(bytes, rdn)) {
      const [type, value] = children(bytes, want(pair, Tag.SEQUENCE, 'AttributeTypeAndValue'));
      const oid = decodeOid(bytes, want(type, Tag.OID, 'attribute type'));
      if (value === undefined) throw new DerError('attribute value is missing');
      out.push({ type: NAME_ATTRIBUTES[oid] ?? oid, value: decodeString(bytes, value) });
    }
  }
  return out;
}

/** A name as people read it: `CN=Test Messaging CA, O=Example`. */
export function formatName(attributes: readonly NameAttribute[]): string {
  return attributes.length === 0 ? '(empty name)' : attributes.map((a) => `${a.type}=${a.value}`).join(', ');
}

/** The subject and issuer of a certificate, as raw DER and as attributes. */
export interface CertificateNames {
  /** Raw DER of the subject `Name`. */
  subjectDer: Buffer;
  subject: NameAttribute[];
  /** Raw DER of the issuer `Name`. */
  issuerDer: Buffer;
  issuer: NameAttribute[];
}

/** Reads the names out of a DER certificate (`X509Certificate.raw`). */
export function certificateNames(der: Uint8Array): CertificateNames {
  const certificate = want(readElement(der, 0), Tag.SEQUENCE, 'Certificate');
  const tbs = want(children(der, certificate)[0], Tag.SEQUENCE, 'tbsCertificate');
  const fields = children(der, tbs);
  // [0] version is optional; serialNumber, signature, issuer, validity, subject follow.
  const at = fields[0]?.tag === Tag.CONTEXT_0 ? 1 : 0;
  const issuer = want(fields[at + 2], Tag.SEQUENCE, 'certificate issuer');
  const subject = want(fields[at + 4], Tag.SEQUENCE, 'certificate subject');
  return {
    subjectDer: Buffer.from(der.subarray(subject.start, subject.end)),
    subject: decodeName(der, subject),
    issuerDer: Buffer.from(der.subarray(issuer.start, issuer.end)),
    issuer: decodeName(der, issuer),
  };
}

/** A parsed X.509 certificate revocation list. */
export interface RevocationList {
  /** 1 for v1, 2 for v2. */
  version: number;
  /** The raw DER of `tbsCertList`: what the CRL's signature covers. */
  tbsDer: Buffer;
  /** OID of the signature algorithm, e.g. `1.2.840.113549.1.1.11`. */
  signatureAlgorithm: string;
  /** The signature octets (the BIT STRING without its unused-bits octet). */
  signature: Buffer;
  /** Raw DER of the issuer `Name`, to compare with the CA's subject. */
  issuerDer: Buffer;
  /** The issuer's attributes, for messages. */
  issuer: NameAttribute[];
  /** When the CRL was issued; it is not to be used before. */
  thisUpdate: Date;
  /** When a fresher CRL is due; `undefined` when the CRL does not say. */
  nextUpdate: Date | undefined;
  /** Revoked serial numbers in {@link normaliseSerial} form. */
  revokedSerials: Set<string>;
  /** OIDs of the CRL's own extensions, with whether each is critical. */
  extensions: { oid: string; critical: boolean }[];
}

/** PEM label of a CRL (`openssl crl -outform PEM`). */
const CRL_PEM = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]*)-----END X509 CRL-----/;

function crlDer(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string' && input[0] === Tag.SEQUENCE) return input;
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const match = CRL_PEM.exec(text);
  if (match === null) throw new DerError("not a CRL: no '-----BEGIN X509 CRL-----' block and not DER");
  return Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64');
}

/** Parses a CRL from PEM text (the first `X509 CRL` block) or DER bytes. */
export function parseCrl(input: string | Uint8Array): RevocationList {
  const der = crlDer(input);
  const list = want(readElement(der, 0), Tag.SEQUENCE, 'CertificateList');
  if (list.end !== der.length) throw new DerError('trailing bytes after the CertificateList');
  const [tbsElement, outerAlgorithm, signatureValue] = children(der, list);
  const tbs = want(tbsElement, Tag.SEQUENCE, 'tbsCertList');
  const fields = children(der, tbs);
  let i = 0;
  let version = 1;
  const versionElement = fields[i];
  if (versionElement?.tag === Tag.INTEGER) {
    version = (der[versionElement.end - 1] as number) + 1;
    i++;
  }
  const innerAlgorithm = want(fields[i++], Tag.SEQUENCE, 'tbsCertList signature');
  const issuer = want(fields[i++], Tag.SEQUENCE, 'CRL issuer');
  const thisUpdateElement = fields[i++];
  if (thisUpdateElement === undefined) throw new DerError('thisUpdate is missing');
  const thisUpdate = decodeTime(der, thisUpdateElement, 'thisUpdate');
  let nextUpdate: Date | undefined;
  const maybeNext = fields[i];
  if (maybeNext !== undefined && (maybeNext.tag === Tag.UTC_TIME || maybeNext.tag === Tag.GENERALIZED_TIME)) {
    nextUpdate = decodeTime(der, maybeNext, 'nextUpdate');
    i++;
  }

  const revokedSerials = new Set<string>();
  const revoked = fields[i];
  if (revoked?.tag === Tag.SEQUENCE) {
    for (const entry of children(der, revoked)) {
      const [serial] = children(der, want(entry, Tag.SEQUENCE, 'revoked certificate entry'));
      const s = want(serial, Tag.INTEGER, 'revoked serial number');
      revokedSerials.add(normaliseSerial(Buffer.from(der.subarray(s.contentStart, s.end)).toString('hex')));
    }
    i++;
  }

  const extensions: { oid: string; critical: boolean }[] = [];
  const extensionsElement = fields[i];
  if (extensionsElement?.tag === Tag.CONTEXT_0) {
    const wrapper = children(der, extensionsElement)[0];
    for (const extension of children(der, want(wrapper, Tag.SEQUENCE, 'crlExtensions'))) {
      const parts = children(der, want(extension, Tag.SEQUENCE, 'Extension'));
      const oid = decodeOid(der, want(parts[0], Tag.OID, 'extension id'));
      // critical BOOLEAN DEFAULT FALSE: present only when true.
      const critical = parts[1]?.tag === 0x01 && der[parts[1].contentStart] !== 0;
      extensions.push({ oid, critical });
    }
    i++;
  }
  if (i !== fields.length) throw new DerError('unexpected fields at the end of tbsCertList');

  const algorithm = want(outerAlgorithm, Tag.SEQUENCE, 'CRL signatureAlgorithm');
  // RFC 5280 §5.1.1.2: the two algorithm fields must be identical.
  if (!Buffer.from(der.subarray(algorithm.start, algorithm.end)).equals(der.subarray(innerAlgorithm.start, innerAlgorithm.end))) {
    throw new DerError('the signature algorithm inside the CRL differs from the one outside it');
  }
  const algorithmOid = decodeOid(der, want(children(der, algorithm)[0], Tag.OID, 'signature algorithm id'));
  const bits = want(signatureValue, Tag.BIT_STRING, 'CRL signatureValue');
  if (bits.end - bits.contentStart < 2) throw new DerError('the CRL signature is empty');
  if (der[bits.contentStart] !== 0) throw new DerError('the CRL signature has unused bits');

  return {
    version,
    tbsDer: Buffer.from(der.subarray(tbs.start, tbs.end)),
    signatureAlgorithm: algorithmOid,
    signature: Buffer.from(der.subarray(bits.contentStart + 1, bits.end)),
    issuerDer: Buffer.from(der.subarray(issuer.start, issuer.end)),
    issuer: decodeName(der, issuer),
    thisUpdate,
    nextUpdate,
    revokedSerials,
    extensions,
  };
}
