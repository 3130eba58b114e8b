import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonTooDeep, parseExactJson, stringifyExactJson } from './exact-json.js';

const parse = (text: string) => parseExactJson(text, 256);

/** Whether `parse` throws a SyntaxError, and JSON.parse's verdict on the same text. */
function verdicts(text: string): { exact: boolean; native: boolean } {
  const accepts = (read: (t: string) => unknown) => {
    try {
      read(text);
      return true;
    } catch (error) {
      expect(error).toBeInstanceOf(SyntaxError);
      return false;
    }
  };
  return { exact: accepts(parse), native: accepts(JSON.parse) };
}

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 exact, as bigints', () => {
    expect(parse('9007199254740993')).toBe(9007199254740993n);
    expect(parse('9007199254740992')).toBe(9007199254740992n);
    expect(parse('-9007199254740993')).toBe(-9007199254740993n);
    expect(parse('1180591620717411303425')).toBe(2n ** 70n + 1n);
    expect(parse('[18446744073709551615,-9223372036854775808]')).toEqual([2n ** 64n - 1n, -(2n ** 63n)]);
  });

  it('gives safe integers and every float as numbers, as JSON.parse does', () => {
    expect(parse('9007199254740991')).toBe(9007199254740991);
    expect(parse('-9007199254740991')).toBe(-9007199254740991);
    expect(Object.is(parse('-0'), -0)).toBe(true);
    expect(parse('9007199254740993.0')).toBe(9007199254740992);
    expect(parse('1180591620717411303425e0')).toBe(2 ** 70);
    expect(parse('0.30000000000000004')).toBe(0.1 + 0.2);
  });

  it('reads every JSON text as JSON.parse does, except that integers it rounds are exact bigints', () => {
    /** The exact value as JSON.parse gives it: each bigint rounded to a double. */
    const rounded = (value: unknown): unknown => {
      if (typeof value === 'bigint') {
        expect(Number.isSafeInteger(Number(value))).toBe(false);
        return Number(value);
      }
      if (Array.isArray(value)) return value.map(rounded);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
      }
      return value;
    };
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(rounded(parse(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects exactly the texts JSON.parse rejects', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ...'{}[]:,"\\ \t\r\n-+.eE0123456789tfnul/bx'.split(''),
        '\\u00',
        'true',
        'null',
        '\u0001',
      ),
      fc.string({ maxLength: 2 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const { exact, native } = verdicts(pieces.join(''));
        expect(exact).toBe(native);
      }),
      { numRuns: 3000 },
    );
    for (const text of [
      '',
      '01',
      '1.',
      '.5',
      '+1',
      '-',
      '1e',
      '"\t"',
      '[1,]',
      '{"a":1,}',
      'nul',
      '1 2',
      '"\\x"',
    ]) {
      expect(verdicts(text)).toEqual({ exact: false, native: false });
    }
  });

  it('decodes string escapes and keeps a __proto__ key as data', () => {
    expect(parse(String.raw`"a\"b\\c\/\n\u00e9"`)).toBe('a"b\\c/\né');
    const record = parse('{"__proto__":{"x":1},"a":2,"a":3}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__', 'a']);
    expect(record.a).toBe(3);
  });

  it('bounds nesting: arrays and objects count, the limit itself is accepted', () => {
    expect(parseExactJson('[[1]]', 2)).toEqual([[1]]);
    expect(() => parseExactJson('[[{}]]', 2)).toThrow(new JsonTooDeep(2));
    expect(() => parseExactJson('{"a":{"b":[]}}', 2)).toThrow('values nested more than 2 levels deep');
  });
});

describe('stringifyExactJson', () => {
  it('writes bigints as exact integer literals', () => {
    expect(stringifyExactJson({ value: 9007199254740993n, list: [-(2n ** 70n), 1] })).toBe(
      '{"value":9007199254740993,"list":[-1180591620717411303424,1]}',
    );
  });

  it('writes a double beyond 2^53 so that it reads back as a double', () => {
    expect(stringifyExactJson([2 ** 60, -(2 ** 60), 1e21, 2 ** 53 - 1])).toBe(
      '[1152921504606847000.0,-1152921504606847000.0,1e+21,9007199254740991]',
    );
    expect(parse(stringifyExactJson(2 ** 60) as string)).toBe(2 ** 60);
  });

  it('leaves out what JSON.stringify leaves out, and rejects cycles', () => {
    expect(stringifyExactJson({ a: undefined, b: [undefined, 1n], c: () => 1 })).toBe('{"b":[null,1]}');
    expect(stringifyExactJson(undefined)).toBeUndefined();
    expect(stringifyExactJson({ when: new Date(0), n: 1n })).toBe(
      '{"when":"1970-01-01T00:00:00.000Z","n":1}',
    );
    const cycle: unknown[] = [1n];
    cycle.push(cycle);
    expect(() => stringifyExactJson(cycle)).toThrow(TypeError);
  });

  it('round-trips every JSON value with bigints through parseExactJson', () => {
    const unsafe = fc.oneof(fc.bigInt({ min: 2n ** 53n }), fc.bigInt({ max: -(2n ** 53n) }));
    const value = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        unsafe,
        fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
        fc.array(tie('value')),
        fc.dictionary(fc.string(), tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(value, (v) => {
        expect(parse(stringifyExactJson(v) as string)).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });
});
