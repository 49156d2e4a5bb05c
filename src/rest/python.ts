/**
 * What ResultsDB does to a `data` value that is not a string: Python's
 * `json.loads` reads the body (Flask's `request.get_json()`), and
 * `create_result` stores `str(value)` of it (`unicode(value)`), so a number,
 * a boolean, null, an object or a list inside a list is stored as the text
 * Python writes for it: `3`, `1.0`, `True`, `None`, `{'a': [1, 'b']}`.
 *
 * `JSON.parse` cannot tell `1.0` from `1`, keeps no digits of an integer
 * past 2^53, and puts integer-like keys of an object first; Python keeps
 * all three as sent. So these values are read again from the body's text,
 * by a reader that keeps what Python keeps. It also takes `NaN`,
 * `Infinity` and `-Infinity`, as `json.loads` does (and as Python clients'
 * `json.dumps` writes them).
 */

/** A JSON value as Python's `json.loads` gives it. */
export type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'int'; digits: string }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: PyValue[] }
  /** Insertion order, a repeated key keeping its first place and its last value (Python's `dict(pairs)`). */
  | { kind: 'dict'; entries: Map<string, PyValue> };

/** Python refuses to read an integer of more digits (`sys.int_info.default_max_str_digits`). */
const MAX_INT_DIGITS = 4300;
/** Deeper nesting than this is refused (Python's reader would stop at its recursion limit). */
const MAX_DEPTH = 500;

class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  read(): PyValue {
    const value = this.value(0);
    this.space();
    if (this.at !== this.text.length) this.fail('extra data');
    return value;
  }

  private fail(what: string): never {
    throw new SyntaxError(`${what} at character ${this.at}`);
  }

  private space(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.at++;
    }
  }

  private word(word: string): boolean {
    if (!this.text.startsWith(word, this.at)) return false;
    this.at += word.length;
    return true;
  }

  private value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.list(depth);
    if (c === '"') return { kind: 'str', value: this.string() };
    if (this.word('true')) return { kind: 'bool', value: true };
    if (this.word('false')) return { kind: 'bool', value: false };
    if (this.word('null')) return { kind: 'none' };
    if (this.word('NaN')) return { kind: 'float', value: Number.NaN };
    if (this.word('Infinity')) return { kind: 'float', value: Number.POSITIVE_INFINITY };
    if (this.word('-Infinity')) return { kind: 'float', value: Number.NEGATIVE_INFINITY };
    return this.number();
  }

  private number(): PyValue {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
    m.lastIndex = this.at;
    const found = m.exec(this.text);
    if (found === null) this.fail('expected a value');
    this.at += found[0].length;
    if (found[1] === undefined && found[2] === undefined) {
      const digits = found[0].replace(/^-0$/, '0');
      if (digits.replace('-', '').length > MAX_INT_DIGITS) this.fail('an integer of too many digits');
      return { kind: 'int', digits };
    }
    return { kind: 'float', value: Number(found[0]) };
  }

  private string(): string {
    this.at++; // the opening quote
    let out = '';
    let from = this.at;
    for (;;) {
      if (this.at >= this.text.length) this.fail('unterminated string');
      const c = this.text.charCodeAt(this.at);
      if (c === 0x22) {
        out += this.text.slice(from, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) this.fail('a control character in a string');
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += this.text.slice(from, this.at);
      const e = this.text[this.at + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        this.at += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) {
        out += String.fromCharCode(Number.parseInt(this.text.slice(this.at + 2, this.at + 6), 16));
        this.at += 6;
      } else {
        this.fail('a bad escape');
      }
      from = this.at;
    }
  }

  private list(depth: number): PyValue {
    this.at++;
    const items: PyValue[] = [];
    this.space();
    if (this.word(']')) return { kind: 'list', items };
    for (;;) {
      items.push(this.value(depth + 1));
      this.space();
      if (this.word(']')) return { kind: 'list', items };
      if (!this.word(',')) this.fail("expected ',' or ']'");
    }
  }

  private dict(depth: number): PyValue {
    this.at++;
    const entries = new Map<string, PyValue>();
    this.space();
    if (this.word('}')) return { kind: 'dict', entries };
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected a key');
      const key = this.string();
      this.space();
      if (!this.word(':')) this.fail("expected ':'");
      entries.set(key, this.value(depth + 1));
      this.space();
      if (this.word('}')) return { kind: 'dict', entries };
      if (!this.word(',')) this.fail("expected ',' or '}'");
    }
  }
}

/** Python's `json.loads(text)`; a SyntaxError where it raises. */
export function parsePython(text: string): PyValue {
  return new Reader(text).read();
}

/** The value as `JSON.parse` would give it (NaN and the infinities as numbers), for the fields that are not `data`. */
export function toPlain(value: PyValue): unknown {
  switch (value.kind) {
    case 'str':
    case 'float':
    case 'bool':
      return value.value;
    case 'int':
      return Number(value.digits);
    case 'none':
      return null;
    case 'list':
      return value.items.map(toPlain);
    case 'dict':
      // fromEntries defines own properties, `__proto__` included, as JSON.parse does.
      return Object.fromEntries([...value.entries].map(([k, v]) => [k, toPlain(v)]));
  }
}

/** Characters `str.isprintable()` says no to (but the space): escaped by `repr`. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Python's `repr` of a string: single quotes unless it holds `'` and no `"`, and its escapes. */
function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f || !UNPRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

/**
 * Python's `repr` of a float: the shortest digits that read back the same
 * (as JavaScript finds them), positional with at least one decimal from
 * 1e-4 up to 1e16, else `1e+16`, `1.5e-05`.
 */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', exp = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const point = Number(exp) + 1; // digits before the decimal point
  if (point > 16 || point < -3) {
    const e = point - 1;
    const rest = digits.slice(1);
    return `${sign}${digits[0] ?? ''}${rest === '' ? '' : `.${rest}`}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Python's `repr(value)`. */
export function pyRepr(value: PyValue): string {
  switch (value.kind) {
    case 'str':
      return strRepr(value.value);
    case 'int':
      return value.digits;
    case 'float':
      return floatRepr(value.value);
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return `[${value.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${[...value.entries].map(([k, v]) => `${strRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
}

/** Python's `str(value)`: a string as it is, anything else as its `repr`. */
export function pyStr(value: PyValue): string {
  return value.kind === 'str' ? value.value : pyRepr(value);
}
