import { describe, expect, it } from 'vitest';
import { MAX_EDN_DEPTH, parseEdnValue, readEdnForms } from './edn.js';
import { HistoryError } from './types.js';

const edn = (text: string) => parseEdnValue(text, 'test.edn');

function ednError(text: string): string {
  try {
    parseEdnValue(text, 'test.edn');
  } catch (e) {
    expect(e).toBeInstanceOf(HistoryError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('EDN scalars', () => {
  it('reads nil, booleans and symbols', () => {
    expect(edn('nil')).toBe(null);
    expect(edn('true')).toBe(true);
    expect(edn('false')).toBe(false);
    expect(edn('foo.bar/baz')).toBe('foo.bar/baz');
    expect(edn('-')).toBe('-');
    expect(edn('nilly')).toBe('nilly');
  });

  it('reads integers, with sign and N suffix', () => {
    expect(edn('0')).toBe(0);
    expect(edn('42')).toBe(42);
    expect(edn('-7')).toBe(-7);
    expect(edn('+7')).toBe(7);
    expect(edn('-0')).toBe(0);
    expect(Object.is(edn('-0'), 0)).toBe(true);
    expect(edn('42N')).toBe(42);
    expect(edn('9007199254740991')).toBe(9007199254740991);
    expect(edn('0x1F')).toBe(31);
  });

  it('keeps integers beyond 2^53 exact, as bigints', () => {
    expect(edn('9007199254740993')).toBe(9007199254740993n);
    expect(edn('-9007199254740993')).toBe(-9007199254740993n);
    expect(edn('-123456789012345678901234567890N')).toBe(-123456789012345678901234567890n);
    expect(edn('0x20000000000001')).toBe(9007199254740993n);
    // Up to 2^53 − 1 an integer is a number, so equal values have one representation.
    expect(edn('9007199254740991N')).toBe(9007199254740991);
    expect(edn('-9007199254740991')).toBe(-9007199254740991);
    expect(edn('9007199254740992')).toBe(9007199254740992n);
    // A float stays a double even when it is integral.
    expect(edn('9007199254740993.0')).toBe(9007199254740992);
  });

  it('reads floats and ratios', () => {
    expect(edn('1.5')).toBe(1.5);
    expect(edn('-2.25e2')).toBe(-225);
    expect(edn('1e3')).toBe(1000);
    expect(edn('1.5M')).toBe(1.5);
    expect(edn('3.')).toBe(3);
    expect(edn('1/4')).toBe(0.25);
    expect(edn('##Inf')).toBe(Infinity);
    expect(edn('##-Inf')).toBe(-Infinity);
    expect(edn('##NaN')).toBeNaN();
  });

  it('reads strings with escapes, including newlines', () => {
    expect(edn('"plain"')).toBe('plain');
    expect(edn('""')).toBe('');
    expect(edn(String.raw`"a\"b\\c\nd\te\rf\u00e9\101"`)).toBe('a"b\\c\nd\te\rf\u00e9A');
    expect(edn('"two\nlines"')).toBe('two\nlines');
  });

  it('reads characters', () => {
    expect(edn('\\a')).toBe('a');
    expect(edn('\\newline')).toBe('\n');
    expect(edn('\\space')).toBe(' ');
    expect(edn('\\tab')).toBe('\t');
    expect(edn('\\u0041')).toBe('A');
    expect(edn('[\\( \\)]')).toEqual(['(', ')']);
  });

  it('reads keywords as strings without the colon', () => {
    expect(edn(':read')).toBe('read');
    expect(edn(':timed-out')).toBe('timed-out');
    expect(edn(':jepsen.history/op')).toBe('jepsen.history/op');
  });
});

describe('EDN collections', () => {
  it('reads vectors, lists and sets as arrays', () => {
    expect(edn('[1 2 [3]]')).toEqual([1, 2, [3]]);
    expect(edn('(1 :a "b")')).toEqual([1, 'a', 'b']);
    expect(edn('#{1 2}')).toEqual([1, 2]);
    expect(edn('[]')).toEqual([]);
    expect(edn('#{}')).toEqual([]);
  });

  it('reads maps with keyword keys as plain objects', () => {
    expect(edn('{:process 4, :type :invoke, :f :cas, :value [2 4]}')).toEqual({
      process: 4,
      type: 'invoke',
      f: 'cas',
      value: [2, 4],
    });
    expect(edn('{}')).toEqual({});
  });

  it('turns other map keys into their EDN text', () => {
    expect(edn('{"s" 1, 2 :two, nil 3, [1 2] 4, true 5}')).toEqual({
      s: 1,
      '2': 'two',
      nil: 3,
      '[1 2]': 4,
      true: 5,
    });
  });

  it('keeps a __proto__ key as data instead of changing the prototype', () => {
    const value = edn('{"__proto__" {:polluted true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips comments, commas, #_ discards and #! lines', () => {
    expect(edn('; comment\n[1, ; inline\n 2 #_ 3 #_[4 5] 6] ; after')).toEqual([1, 2, 6]);
    expect(edn('{:a 1 #_ :b #_ 2 :c 3}')).toEqual({ a: 1, c: 3 });
    expect(edn('[#_ #_ 1 2 3]')).toEqual([3]);
    expect(edn('#!shebang\n7')).toBe(7);
  });

  it('reads tagged literals as their value', () => {
    expect(edn('#inst "2015-01-01T00:00:00Z"')).toBe('2015-01-01T00:00:00Z');
    expect(edn('#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"')).toBe('f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(edn('#jepsen.history.Op{:index 3, :type :ok}')).toEqual({ index: 3, type: 'ok' });
    expect(edn('#:user{:a 1}')).toEqual({ a: 1 });
    expect(edn(String.raw`#"a\d+"`)).toBe(String.raw`a\d+`);
  });

  it('reads every top-level form with its line', () => {
    expect(readEdnForms('1\n\n{:a\n 2}\n; c\n[3]', 'f.edn')).toEqual([
      { value: 1, line: 1 },
      { value: { a: 2 }, line: 3 },
      { value: [3], line: 6 },
    ]);
  });
});

describe('EDN errors name file and line', () => {
  it.each([
    ['[1 2', 'test.edn:1: unexpected end of input: the vector opened on line 1 is never closed'],
    ['\n[1 2)', "test.edn:2: unexpected ')': the vector opened on line 2 must be closed by ']'"],
    ['(1 2]', "test.edn:1: unexpected ']': the list opened on line 1 must be closed by ')'"],
    [']', "test.edn:1: unexpected ']' with nothing open"],
    ['{:a 1 :b}', 'test.edn:1: the map opened on line 1 has a key (b) with no value'],
    ['"abc', 'test.edn:1: unexpected end of input: the string starting on line 1 is never closed'],
    ['"a\\qb"', "test.edn:1: invalid escape '\\q' in a string"],
    ['"\\u12"', "test.edn:1: invalid unicode escape '\\u12\"' in a string"],
    ['12abc', "test.edn:1: invalid number '12abc'"],
    ['1/0', "test.edn:1: invalid ratio '1/0' (division by zero)"],
    [':', "test.edn:1: invalid keyword ':'"],
    ['\\foo', "test.edn:1: invalid character literal '\\foo'"],
    ['#_', 'test.edn:1: #_ at the end of input has no form to discard'],
    ['#inst', 'test.edn:1: tag #inst has no value'],
    ['##Foo', "test.edn:1: invalid symbolic value '##Foo'"],
    ['# 1', "test.edn:1: unsupported dispatch '# '"],
    ["'a", "test.edn:1: unsupported syntax ''' (not EDN)"],
    ['', 'test.edn:1: expected an EDN value, found nothing'],
    ['1\n2', 'test.edn:2: expected one EDN value, found more after it'],
  ])('rejects %j', (text, message) => {
    expect(ednError(text)).toBe(message);
  });

  it('counts lines inside multi-line strings and comments', () => {
    expect(ednError('[";\n\n" ; x\n "a" b ]]')).toBe("test.edn:4: unexpected ']' with nothing open");
  });

  it(`bounds nesting at ${MAX_EDN_DEPTH} levels instead of overflowing the stack`, () => {
    const ok = '['.repeat(MAX_EDN_DEPTH) + ']'.repeat(MAX_EDN_DEPTH);
    expect(() => edn(ok)).not.toThrow();
    const deep = '['.repeat(1_000_000);
    expect(ednError(deep)).toBe(`test.edn:1: collections nested more than ${MAX_EDN_DEPTH} levels deep`);
    expect(ednError('{:a '.repeat(100_000))).toMatch(/nested more than/);
    expect(ednError('#{'.repeat(100_000))).toMatch(/nested more than/);
  });

  it('handles long runs of discards and tags without recursion trouble', () => {
    expect(edn(`${'#_ 1 '.repeat(100_000)}2`)).toBe(2);
    expect(ednError(`${'#t '.repeat(100_000)}2`)).toMatch(/nested more than/);
    expect(ednError(`${'#_ '.repeat(100_000)}${'1 '.repeat(100_000)}2`)).toMatch(/nested more than/);
    expect(edn(`${'#_ '.repeat(100)}${'1 '.repeat(100)}2`)).toBe(2);
  });
});
