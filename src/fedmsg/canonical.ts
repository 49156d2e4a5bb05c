/**
 * fedmsg's canonical JSON: the bytes a signature covers, so they must equal
 * what the reference Python library writes with
 * `json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=True)`
 * for the same data. The vectors in `test/fixtures/fedmsg/encoding.json` were
 * made with it.
 *
 * Where JavaScript differs from Python, and what this module does:
 *
 * - Key order. Python sorts `str` keys by code point; JavaScript compares
 *   UTF-16 code units, which puts a surrogate pair (U+10000 and up) before
 *   U+E000..U+FFFF. Keys are sorted by code point here.
 * - Strings. Only printable ASCII (U+0020..U+007E) is written as is, so DEL
 *   and everything above it become `\uXXXX` (lowercase hex), one escape per
 *   UTF-16 unit, which is exactly Python's surrogate-pair output. `"` `\` and
 *   `\n \r \t \b \f` use the short escapes, other control characters
 *   `\u00XX`, and `/` is not escaped.
 * - Numbers. Python keeps ints and floats apart; JavaScript has one number
 *   type, so the rule is: a safe integer (`Number.isSafeInteger`, -0
 *   included, written `0`) is an int, and so is a `bigint` (the way to carry
 *   integers beyond 2^53 exactly); any other finite number is a float, written
 *   as Python's `repr` writes it: the shortest digits that round-trip (the
 *   same digits JavaScript picks), in exponent form when the decimal exponent
 *   is below -4 or at least 16 (`1e-05`, `1e+16`, `2.5e+25`, sign and at least
 *   two exponent digits), positional otherwise with `.0` added to an integral
 *   value (`9007199254740992.0`). A float that holds an integer, like Python's
 *   `123.0`, cannot be told from the int `123` in JavaScript, so integers win:
 *   it is written `123`.
 * - NaN and Infinity are refused: JSON cannot carry them (Python would write
 *   the non-JSON tokens `NaN`/`Infinity`, which consumers reject).
 * - Object members whose value is `undefined` are skipped, as
 *   `JSON.stringify` does.
 *
 * This runs for every published message, so the common case is kept cheap:
 * a string that needs no escape (one regular-expression test) is copied
 * whole, and keys are sorted natively unless one of them holds a surrogate.
 */

/** A value canonical JSON can carry. `undefined` members of objects are skipped. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/** One JSON object, as carried by {@link JsonValue}. */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** Any UTF-16 unit that is not written as is: outside U+0020..U+007E, or `"`, or `\`. */
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
/** A surrogate unit: the only case where code-unit order differs from code-point order. */
const SURROGATE = /[\ud800-\udfff]/;

/** Escapes for U+0000..U+007F, `undefined` where the character is written as is. */
const ASCII_ESCAPES: (string | undefined)[] = (() => {
  const table: (string | undefined)[] = [];
  for (let c = 0; c < 0x80; c++) {
    table.push(c < 0x20 || c === 0x7f ? `\\u${c.toString(16).padStart(4, '0')}` : undefined);
  }
  table[0x22] = '\\"';
  table[0x5c] = '\\\\';
  table[0x08] = '\\b';
  table[0x09] = '\\t';
  table[0x0a] = '\\n';
  table[0x0c] = '\\f';
  table[0x0d] = '\\r';
  return table;
})();

/**
 * Serialises `value` as fedmsg's canonical JSON (see the module comment for
 * the exact rules).
 *
 * @throws TypeError for NaN, Infinity, and values JSON has no form for
 * (functions, symbols, `undefined` outside an object member, class instances
 * such as `Date`).
 */
export function canonicalJson(value: JsonValue): string {
  return write(value);
}

function write(value: JsonValue): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return writeNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return writeArray(value);
      return writeObject(value);
    default:
      throw new TypeError(`canonical JSON cannot carry a value of type ${typeof value}`);
  }
}

function writeArray(items: JsonValue[]): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    // JSON.stringify would quietly write null; a signed message should not
    // carry a value nobody chose.
    if (item === undefined) throw new TypeError(`canonical JSON cannot carry undefined (array index ${i})`);
    out += i === 0 ? write(item) : ',' + write(item);
  }
  return out + ']';
}

function writeObject(object: JsonObject): string {
  const proto: unknown = Object.getPrototypeOf(object);
  // A Date or Map would otherwise become `{}` and be signed as such.
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`canonical JSON carries plain objects only, not ${Object.prototype.toString.call(object)}`);
  }
  const keys = Object.keys(object);
  let surrogates = false;
  for (let i = 0; i < keys.length; i++) {
    if (SURROGATE.test(keys[i] as string)) {
      surrogates = true;
      break;
    }
  }
  if (surrogates) keys.sort(compareCodePoints);
  else keys.sort();

  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const member = object[key];
    if (member === undefined) continue;
    out += (first ? '' : ',') + quote(key) + ':' + write(member);
    first = false;
  }
  return out + '}';
}

/**
 * Orders strings by Unicode code point, as Python sorts `str`. Only the first
 * differing position matters; when it falls on the low half of a surrogate
 * pair both strings share the high half, so the whole pair is compared.
 * Lone surrogates count as their own code point, as in Python.
 */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === length) return a.length - b.length;
  const previous = i > 0 ? a.charCodeAt(i - 1) : 0;
  const at = previous >= 0xd800 && previous <= 0xdbff ? i - 1 : i;
  return (a.codePointAt(at) as number) - (b.codePointAt(at) as number);
}

function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return '"' + text + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escape: string | undefined;
    if (c < 0x80) {
      escape = ASCII_ESCAPES[c];
      if (escape === undefined) continue;
    } else {
      escape = `\\u${c.toString(16).padStart(4, '0')}`;
    }
    if (start < i) out += text.slice(start, i);
    out += escape;
    start = i + 1;
  }
  if (start < text.length) out += text.slice(start);
  return out + '"';
}

function writeNumber(n: number): string {
  // String(-0) is "0", which is what Python writes for the int it parsed.
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n)) {
    throw new TypeError(`JSON cannot carry ${n}: fedmsg consumers reject NaN and Infinity`);
  }
  return pythonFloatRepr(n);
}

/**
 * Python's `repr(float)`. Both languages pick the same shortest round-trip
 * digits; only the layout differs. Comparing the magnitude against the double
 * nearest 1e-4 and 1e16 is exact: a shortest representation always rounds
 * back to its own double, so it lies on the same side of those bounds.
 */
function pythonFloatRepr(n: number): string {
  const magnitude = Math.abs(n);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    // JavaScript is positional over this whole range, like Python; Python
    // marks an integral float with ".0" (only non-safe integers reach here).
    const text = String(n);
    return text.includes('.') ? text : text + '.0';
  }
  // toExponential() without an argument gives the shortest round-trip digits.
  const text = n.toExponential();
  const e = text.indexOf('e');
  const mantissa = text.slice(0, e);
  const sign = text[e + 1] as string;
  const digits = text.slice(e + 2);
  return `${mantissa}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}
