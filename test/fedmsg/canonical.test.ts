/**
 * Canonical JSON must equal the reference library's output byte for byte, or
 * every signature we make is rejected. The vectors were produced by it; the
 * other cases pin the rules the vectors do not reach.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from '../../src/fedmsg/canonical.ts';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/fedmsg/encoding.json', import.meta.url), 'utf8')) as {
  wire: string;
  canonical: string;
}[];

describe('canonical JSON', () => {
  for (const [index, { wire, canonical }] of vectors.entries()) {
    it(`writes vector ${index + 1} (${wire.length > 40 ? `${wire.slice(0, 40)}...` : wire}) exactly as the reference library does`, () => {
      expect(canonicalJson(JSON.parse(wire) as JsonValue)).toBe(canonical);
    });
  }

  it('sorts keys by code point, so U+FFFF comes before an emoji and lone surrogates before U+E000', () => {
    expect(canonicalJson({ '\u{1F600}': 1, '\uffff': 2, '\ue000': 3, '\ud800': 4, a: 5 })).toBe(
      '{"a":5,"\\ud800":4,"\\ue000":3,"\\uffff":2,"\\ud83d\\ude00":1}',
    );
    expect(canonicalJson({ x: { '\u{1F601}': 1, '\u{1F600}': 2, '\u{10000}': 3 } })).toBe(
      '{"x":{"\\ud800\\udc00":3,"\\ud83d\\ude00":2,"\\ud83d\\ude01":1}}',
    );
  });

  it('escapes DEL, control characters and non-ASCII with lowercase \\u escapes, but not /', () => {
    expect(canonicalJson('\x7f\x00\x1b\u0080\u00ff\u0100\u0fff\u1000\uabcd/')).toBe(
      '"\\u007f\\u0000\\u001b\\u0080\\u00ff\\u0100\\u0fff\\u1000\\uabcd/"',
    );
    expect(canonicalJson('\b\f\n\r\t"\\')).toBe('"\\b\\f\\n\\r\\t\\"\\\\"');
    expect(canonicalJson({ 'k"\n': 'é' })).toBe('{"k\\"\\n":"\\u00e9"}');
  });

  it('writes integers as integers: safe numbers, -0, and bigints beyond 2^53', () => {
    expect(canonicalJson([0, -0, 123.0, -42, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])).toBe(
      '[0,0,123,-42,9007199254740991,-9007199254740991]',
    );
    expect(canonicalJson({ big: 12345678901234567890123n, negative: -9007199254740993n })).toBe(
      '{"big":12345678901234567890123,"negative":-9007199254740993}',
    );
  });

  it("writes other numbers the way Python's float repr does", () => {
    const cases: [number, string][] = [
      [1.5, '1.5'],
      [0.1, '0.1'],
      [-2.25, '-2.25'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-1.5e-7, '-1.5e-07'],
      [1.25e-10, '1.25e-10'],
      [5e-324, '5e-324'],
      [9007199254740992, '9007199254740992.0'],
      [9999999999999998, '9999999999999998.0'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [1e21, '1e+21'],
      [-2.5e25, '-2.5e+25'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [123456789.125, '123456789.125'],
    ];
    for (const [value, written] of cases) expect(canonicalJson(value), String(value)).toBe(written);
  });

  it('refuses NaN and Infinity, which JSON cannot carry', () => {
    expect(() => canonicalJson({ score: Number.NaN })).toThrow(new TypeError('JSON cannot carry NaN: fedmsg consumers reject NaN and Infinity'));
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/JSON cannot carry Infinity/);
    expect(() => canonicalJson(Number.NEGATIVE_INFINITY)).toThrow(TypeError);
  });

  it('skips object members that are undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ b: undefined, a: 1, c: { d: undefined } })).toBe('{"a":1,"c":{}}');
  });

  it('refuses undefined inside an array and objects that are not plain', () => {
    expect(() => canonicalJson([1, undefined as unknown as JsonValue])).toThrow(/undefined \(array index 1\)/);
    expect(() => canonicalJson({ at: new Date(0) as unknown as JsonValue })).toThrow(/plain objects only, not \[object Date\]/);
  });

  it('writes nested arrays and objects without whitespace', () => {
    expect(canonicalJson([[], [[]], [1, [2, [3, {}]]], { z: [{ b: [true, false, null] , a: '' }] }])).toBe(
      '[[],[[]],[1,[2,[3,{}]]],{"z":[{"a":"","b":[true,false,null]}]}]',
    );
  });

  it('keeps a __proto__ key that JSON.parse made an own property', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}') as JsonValue)).toBe('{"__proto__":{"x":1},"a":2}');
  });
});
