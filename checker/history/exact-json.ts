/**
 * JSON that keeps integers exact, for the few lines of a history that need it.
 *
 * `JSON.parse` turns every number into a double, so 9007199254740993 (2^53 + 1) reads as
 * 9007199254740992 and a checker would find two different values equal. Here an integer literal
 * that a double cannot hold becomes a `bigint`, as in the EDN reader; every other number stays
 * what `JSON.parse` gives:
 *
 * - Integers within ±(2^53 − 1) are numbers, so 5 and 5n never both come out of a reader.
 * - Literals with a fraction or an exponent stay doubles. Whoever wrote them held a double
 *   (JavaScript, Jackson, Go's float64 and Clojure all print floats from one), and those writers
 *   print the shortest text that reads back as the same double, so two different doubles never
 *   come back equal. Integers are different: writers hold 64-bit integers (Java longs, Go int64,
 *   ZooKeeper ids) whose text a double cannot hold.
 *
 * Parsing is linear but much slower than `JSON.parse`: the JSONL reader uses it only for the lines
 * where `JSON.parse` gave a number beyond ±(2^53 − 1), which every integer literal a double cannot
 * hold becomes.
 */

/** The input nests deeper than the limit given to {@link parseExactJson}. */
export class JsonTooDeep extends Error {
  constructor(readonly limit: number) {
    super(`values nested more than ${limit} levels deep`);
    this.name = 'JsonTooDeep';
  }
}

/** An integer literal's value: a number when a double holds it exactly, else a bigint. */
export function exactInteger(literal: string): number | bigint {
  const n = Number(literal);
  return Number.isSafeInteger(n) ? n : BigInt(literal);
}

/**
 * Parses one JSON text like `JSON.parse` (no reviver), but with integers kept exact (see the file
 * comment). Arrays and objects nested more than `maxDepth` deep throw {@link JsonTooDeep}; any
 * other malformed input throws a SyntaxError.
 */
export function parseExactJson(text: string, maxDepth: number): unknown {
  const parser = new ExactJsonParser(text, maxDepth);
  const value = parser.value(0);
  parser.expectEnd();
  return value;
}

/** A JSON number; groups 1 and 2 are its fraction and exponent. */
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
/** The rest of a JSON string after its opening quote, closing quote included. */
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: the class must name them
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class ExactJsonParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  value(depth: number): unknown {
    const c = this.skipSpace();
    switch (c) {
      case 0x7b /* { */:
        return this.object(depth + 1);
      case 0x5b /* [ */:
        return this.array(depth + 1);
      case 0x22 /* " */:
        return this.string();
      case 0x74 /* t */:
        return this.literal('true', true);
      case 0x66 /* f */:
        return this.literal('false', false);
      case 0x6e /* n */:
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  expectEnd(): void {
    if (this.skipSpace() !== -1) this.fail('unexpected data after the JSON value');
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) throw new JsonTooDeep(this.maxDepth);
    this.pos++;
    const out: Record<string, unknown> = {};
    if (this.skipSpace() === 0x7d /* } */) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.skipSpace() !== 0x22) this.fail('expected a property name in double quotes');
      const key = this.string();
      if (this.skipSpace() !== 0x3a /* : */) this.fail("expected ':' after a property name");
      this.pos++;
      const value = this.value(depth);
      // A `__proto__` property is data, as JSON.parse makes it: assigning it would set the prototype.
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
      if (this.separator(0x7d /* } */)) return out;
    }
  }

  private array(depth: number): unknown[] {
    if (depth > this.maxDepth) throw new JsonTooDeep(this.maxDepth);
    this.pos++;
    const out: unknown[] = [];
    if (this.skipSpace() === 0x5d /* ] */) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      if (this.separator(0x5d /* ] */)) return out;
    }
  }

  /** After an element: true at the closing bracket (consumed), false after a comma. */
  private separator(close: number): boolean {
    const c = this.skipSpace();
    this.pos++;
    if (c === close) return true;
    if (c !== 0x2c /* , */) this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
    return false;
  }

  private string(): string {
    const start = this.pos;
    STRING_BODY.lastIndex = start + 1;
    if (!STRING_BODY.test(this.text)) this.fail('bad string');
    this.pos = STRING_BODY.lastIndex;
    const body = this.text.slice(start + 1, this.pos - 1);
    // Escapes are decoded by JSON.parse itself: the body was checked to be a valid JSON string.
    return body.includes('\\') ? (JSON.parse(this.text.slice(start, this.pos)) as string) : body;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('unexpected character');
    this.pos = NUMBER.lastIndex;
    const literal = match[0];
    const isInteger = match[1] === undefined && match[2] === undefined;
    return isInteger ? exactInteger(literal) : Number(literal);
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('unexpected character');
    this.pos += word.length;
    return value;
  }

  /** Skips JSON whitespace; the next char code, or -1 at the end. */
  private skipSpace(): number {
    const text = this.text;
    for (; this.pos < text.length; this.pos++) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
    }
    return -1;
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.pos}`);
  }
}

/**
 * `JSON.stringify` for history values that may hold bigints: each is written as an integer
 * literal, which {@link parseExactJson} reads back as the same bigint. A double that is an integer
 * beyond ±(2^53 − 1) is written with `.0` (`1152921504606847000.0`) so that it reads back as the
 * same double rather than as a bigint of its printed digits. Undefined, functions and symbols are
 * left out of objects and written as null in arrays, as JSON.stringify does; a cycle throws a
 * TypeError. Returns undefined for a value JSON has no text for (undefined itself).
 */
export function stringifyExactJson(value: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return exactText(value, new Set());
  }
  // A double beyond 2^53 − 1 that JSON.stringify wrote as an integer has 16 digits or more.
  return text !== undefined && /\d{16}/.test(text) ? exactText(value, new Set()) : text;
}

function exactText(value: unknown, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isInteger(value) && !Number.isSafeInteger(value) && Number.isFinite(value)
        ? unsafeDoubleText(value)
        : JSON.stringify(value);
    case 'object':
      return value === null ? 'null' : compositeText(value, ancestors);
    default:
      return JSON.stringify(value);
  }
}

function unsafeDoubleText(value: number): string {
  const text = JSON.stringify(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function compositeText(value: object, ancestors: Set<object>): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return exactText(toJSON.call(value), ancestors);
  if (ancestors.has(value)) throw new TypeError('cannot write a cyclic value as JSON');
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((element: unknown) => exactText(element, ancestors) ?? 'null').join(',')}]`;
  } else {
    const fields: string[] = [];
    for (const key of Object.keys(value)) {
      const field = exactText((value as Record<string, unknown>)[key], ancestors);
      if (field !== undefined) fields.push(`${JSON.stringify(key)}:${field}`);
    }
    text = `{${fields.join(',')}}`;
  }
  ancestors.delete(value);
  return text;
}
