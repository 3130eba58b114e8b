/**
 * A reader for EDN (https://github.com/edn-format/edn), the format Jepsen and Knossos write
 * histories in. It maps EDN onto JSON-compatible JavaScript values:
 *
 * | EDN                              | JavaScript                                            |
 * | -------------------------------- | ----------------------------------------------------- |
 * | `nil`, `true`, `false`           | `null`, `true`, `false`                               |
 * | integers (`42`, `-7`, `42N`)     | numbers; beyond ±(2^53−1): bigints                    |
 * | floats (`1.5`, `1e3`, `1.5M`)    | numbers (`##Inf`, `##-Inf`, `##NaN` too)              |
 * | ratios (`1/2`)                   | numbers                                               |
 * | strings, characters (`\a`)       | strings                                               |
 * | keywords (`:read`, `:ns/name`)   | strings without the leading colon                     |
 * | symbols (`foo`)                  | strings                                               |
 * | vectors, lists, sets             | arrays                                                |
 * | maps                             | plain objects; keys that are not strings (numbers,    |
 * |                                  | nil, vectors…) become their EDN text (`1`, `nil`, `[1 2]`) |
 * | tagged literals (`#inst "…"`, `#jepsen.history.Op{…}`) | the tagged value, tag ignored   |
 *
 * Integers too large for a double stay exact, as bigints, rather than silently rounding: two
 * different values must never compare equal in a checker. Not as strings: the string "12" and
 * the integer 12 are different values, and writers must give integers back as integers. The JSON
 * reader does the same (exact-json.ts).
 *
 * `;` comments, commas (whitespace), `#_` (discard the next form) and `#!` lines are skipped.
 * Nesting is bounded by {@link MAX_EDN_DEPTH} so hostile input cannot overflow the stack.
 * Every problem is a {@link HistoryError} naming the file and the 1-based line.
 */
import { printable } from './record.js';
import { HistoryError } from './types.js';

/** Deepest nesting of collections accepted; real histories nest a handful of levels. */
export const MAX_EDN_DEPTH = 256;

/** A parsed top-level form and the line it starts on. */
export interface EdnForm {
  value: unknown;
  line: number;
}

/** Returned by `readForm` for a `#_`-discarded form; callers skip it. */
const DISCARDED: unique symbol = Symbol('discarded');
type Read = unknown | typeof DISCARDED;

// Character codes used by the scanner.
const TAB = 9;
const LF = 10;
const VT = 11;
const FF = 12;
const CR = 13;
const SPACE = 32;
const QUOTE = 34; // "
const HASH = 35; // #
const LPAREN = 40;
const RPAREN = 41;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const COLON = 58;
const SEMICOLON = 59;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const UNDERSCORE = 95;
const LBRACE = 123;
const RBRACE = 125;
const BOM = 0xfeff;

const CLOSER_NAME: Record<number, string> = { [RPAREN]: "')'", [RBRACKET]: "']'", [RBRACE]: "'}'" };

/**
 * Character classes of ASCII codes, looked up rather than compared one by one: the scanner asks
 * for every character of every token, and a table load is what keeps a cold (not yet optimized)
 * scanner fast, where a call with nine comparisons is not.
 */
const WHITESPACE_CLASS = 1;
const DELIMITER_CLASS = 2;
const CLASS_OF = new Uint8Array(128);
for (const c of [SPACE, COMMA, LF, TAB, CR, FF, VT]) CLASS_OF[c] = WHITESPACE_CLASS | DELIMITER_CLASS;
for (const c of [LPAREN, RPAREN, LBRACKET, RBRACKET, LBRACE, RBRACE, QUOTE, SEMICOLON])
  CLASS_OF[c] = DELIMITER_CLASS;

/** Characters that end a token (symbol, keyword, number, tag). NaN (past the end) is none. */
function isDelimiter(c: number): boolean {
  return c < 128 ? (CLASS_OF[c] & DELIMITER_CLASS) !== 0 : c === BOM;
}

/** Where the token starting at `pos` ends: the first delimiter, or the end of the text. */
function tokenEnd(text: string, pos: number): number {
  const n = text.length;
  for (; pos < n; pos++) {
    const c = text.charCodeAt(pos);
    if (c < 128 ? (CLASS_OF[c] & DELIMITER_CLASS) !== 0 : c === BOM) break;
  }
  return pos;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** Keywords of Jepsen op maps, by length, returned as constants by the keyword reader. */
const COMMON_KEYWORDS: (readonly string[] | undefined)[] = [];
for (const keyword of [
  'process',
  'type',
  'f',
  'value',
  'time',
  'index',
  'error',
  'key',
  'invoke',
  'ok',
  'fail',
  'info',
  'read',
  'write',
  'cas',
  'nemesis',
  'txn',
  'timed-out',
  'get',
  'put',
  'append',
  'acquire',
  'release',
]) {
  COMMON_KEYWORDS[keyword.length] = [...(COMMON_KEYWORDS[keyword.length] ?? []), keyword];
}

const INTEGER = /^[+-]?\d+N?$/;
const FLOAT = /^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?M?$/;
const RATIO = /^([+-]?\d+)\/(\d+)$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+)N?$/;

const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  backspace: '\b',
  formfeed: '\f',
};

const STRING_ESCAPES: Record<number, string> = {
  [QUOTE]: '"',
  [BACKSLASH]: '\\',
  [39]: "'", // \'
  [98]: '\b', // \b
  [102]: '\f', // \f
  [110]: '\n', // \n
  [114]: '\r', // \r
  [116]: '\t', // \t
};

/** A short, single-line rendering of a piece of input for error messages. */
function excerpt(s: string): string {
  return printable(s, 30);
}

/**
 * A cursor over EDN text. Use {@link readEdnForms} or {@link parseEdnValue} for whole inputs; the
 * history readers drive the cursor directly to learn the line each op starts on.
 */
export class EdnParser {
  pos = 0;
  line: number;

  constructor(
    readonly text: string,
    readonly file: string,
    firstLine = 1,
  ) {
    this.line = firstLine;
  }

  fail(message: string, line = this.line): never {
    throw new HistoryError(message, { file: this.file, line });
  }

  /** Skips whitespace, commas and comments; returns the next char code, or -1 at the end. */
  skipWhitespace(): number {
    const text = this.text;
    const n = text.length;
    let pos = this.pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === LF) {
        this.line++;
        pos++;
      } else if (c < 128 ? (CLASS_OF[c] & WHITESPACE_CLASS) !== 0 : c === BOM) {
        pos++;
      } else if (c === SEMICOLON || (c === HASH && text.charCodeAt(pos + 1) === 33) /* #! */) {
        const eol = text.indexOf('\n', pos);
        pos = eol === -1 ? n : eol;
      } else {
        this.pos = pos;
        return c;
      }
    }
    this.pos = n;
    return -1;
  }

  /**
   * Reads the next form, skipping leading whitespace and discarded forms; returns `done` at the
   * end of input. A stray closing delimiter is an error.
   */
  next(): { done: true } | { done: false; value: unknown; line: number } {
    for (;;) {
      const c = this.skipWhitespace();
      if (c === -1) return { done: true };
      const line = this.line;
      const value = this.readForm(0);
      if (value !== DISCARDED) return { done: false, value, line };
    }
  }

  /**
   * Reads the sequence opened by the bracket at the cursor, reporting each element (skipping
   * discarded ones) with the line it starts on. Used for the top-level history vector.
   */
  readSequenceElements(onElement: (value: unknown, line: number) => void): void {
    const open = this.text.charCodeAt(this.pos);
    const close = open === LBRACKET ? RBRACKET : open === LPAREN ? RPAREN : -1;
    if (close === -1) this.fail('expected a vector or a list');
    const startLine = this.line;
    this.pos++;
    for (;;) {
      const c = this.skipWhitespace();
      if (c === close) {
        this.pos++;
        return;
      }
      this.checkSequenceContinues(c, close, startLine);
      const line = this.line;
      const value = this.readForm(1);
      if (value !== DISCARDED) onElement(value, line);
    }
  }

  private checkSequenceContinues(c: number, close: number, startLine: number): void {
    if (c !== -1 && c !== RPAREN && c !== RBRACKET && c !== RBRACE) return;
    const what = close === RBRACE ? 'map' : close === RBRACKET ? 'vector' : 'list';
    if (c === -1) {
      this.fail(`unexpected end of input: the ${what} opened on line ${startLine} is never closed`);
    }
    this.fail(
      `unexpected ${CLOSER_NAME[c]}: the ${what} opened on line ${startLine} must be closed by ${CLOSER_NAME[close]}`,
    );
  }

  /** Reads one form at the cursor (which must not be at whitespace or the end). */
  private readForm(depth: number): Read {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    switch (c) {
      case LBRACKET:
        return this.readSequence(RBRACKET, depth);
      case LPAREN:
        return this.readSequence(RPAREN, depth);
      case LBRACE:
        return this.readMap(depth);
      case QUOTE:
        return this.readString();
      case COLON:
        return this.readKeyword();
      case BACKSLASH:
        return this.readCharacter();
      case HASH:
        return this.readDispatch(depth);
      case RPAREN:
      case RBRACKET:
      case RBRACE:
        return this.fail(`unexpected ${CLOSER_NAME[c]} with nothing open`);
      default:
        if (isDigit(c) || ((c === MINUS || c === PLUS) && isDigit(text.charCodeAt(this.pos + 1)))) {
          return this.readNumber();
        }
        return this.readSymbol();
    }
  }

  private enter(depth: number): number {
    if (depth >= MAX_EDN_DEPTH) {
      this.fail(`collections nested more than ${MAX_EDN_DEPTH} levels deep`);
    }
    return depth + 1;
  }

  private readSequence(close: number, depth: number): unknown[] {
    const inner = this.enter(depth);
    const startLine = this.line;
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      const c = this.skipWhitespace();
      if (c === close) {
        this.pos++;
        return out;
      }
      this.checkSequenceContinues(c, close, startLine);
      const value = this.readForm(inner);
      if (value !== DISCARDED) out.push(value);
    }
  }

  private readSet(depth: number): unknown[] {
    // `#{` : the cursor is on '#'; step onto '{' and read it like a sequence closed by '}'.
    this.pos++;
    const inner = this.enter(depth);
    const startLine = this.line;
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      const c = this.skipWhitespace();
      if (c === RBRACE) {
        this.pos++;
        return out;
      }
      if (c === -1) this.fail(`unexpected end of input: the set opened on line ${startLine} is never closed`);
      if (c === RPAREN || c === RBRACKET) {
        this.fail(`unexpected ${CLOSER_NAME[c]}: the set opened on line ${startLine} must be closed by '}'`);
      }
      const value = this.readForm(inner);
      if (value !== DISCARDED) out.push(value);
    }
  }

  private readMap(depth: number): Record<string, unknown> {
    const inner = this.enter(depth);
    const startLine = this.line;
    this.pos++;
    const out: Record<string, unknown> = {};
    let key: Read = DISCARDED;
    for (;;) {
      const c = this.skipWhitespace();
      if (c === RBRACE) {
        if (key !== DISCARDED) {
          this.fail(
            `the map opened on line ${startLine} has a key (${excerpt(ednKeyString(key))}) with no value`,
          );
        }
        this.pos++;
        return out;
      }
      this.checkSequenceContinues(c, RBRACE, startLine);
      const form = this.readForm(inner);
      if (form === DISCARDED) continue;
      if (key === DISCARDED) {
        key = form;
      } else {
        setProperty(out, ednKeyString(key), form);
        key = DISCARDED;
      }
    }
  }

  private readString(): string {
    const text = this.text;
    const startLine = this.line;
    let pos = this.pos + 1;
    let chunkStart = pos;
    let result = '';
    for (;;) {
      if (pos >= text.length) {
        this.fail(`unexpected end of input: the string starting on line ${startLine} is never closed`);
      }
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        this.pos = pos + 1;
        return result + text.slice(chunkStart, pos);
      }
      if (c === LF) {
        this.line++;
        pos++;
      } else if (c === BACKSLASH) {
        result += text.slice(chunkStart, pos);
        pos = this.readStringEscape(pos + 1, (s) => (result += s));
        chunkStart = pos;
      } else {
        pos++;
      }
    }
  }

  /** Decodes the escape after a backslash at `pos`; returns the position after it. */
  private readStringEscape(pos: number, emit: (s: string) => void): number {
    const text = this.text;
    if (pos >= text.length) this.fail('unexpected end of input in a string escape');
    const c = text.charCodeAt(pos);
    const simple = STRING_ESCAPES[c];
    if (simple !== undefined) {
      emit(simple);
      return pos + 1;
    }
    if (c === 117 /* u */) {
      const hex = text.slice(pos + 1, pos + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`invalid unicode escape '\\u${excerpt(hex)}' in a string`);
      emit(String.fromCharCode(parseInt(hex, 16)));
      return pos + 5;
    }
    if (c >= DIGIT_0 && c <= 55 /* 7 */) {
      let end = pos;
      while (end < pos + 3 && text.charCodeAt(end) >= DIGIT_0 && text.charCodeAt(end) <= 55) end++;
      const code = parseInt(text.slice(pos, end), 8);
      if (code > 0o377) this.fail(`octal escape '\\${text.slice(pos, end)}' is out of range`);
      emit(String.fromCharCode(code));
      return end;
    }
    return this.fail(`invalid escape '\\${excerpt(text.slice(pos, pos + 1))}' in a string`);
  }

  /** Reads the characters of a token (symbol, keyword, number) starting at the cursor. */
  private readToken(): string {
    const start = this.pos;
    this.pos = tokenEnd(this.text, start);
    return this.text.slice(start, this.pos);
  }

  private readKeyword(): string {
    const text = this.text;
    const colon = this.pos;
    let start = colon + 1;
    const end = tokenEnd(text, start);
    this.pos = end;
    if (text.charCodeAt(start) === COLON) start++; // `::auto` as if `:auto`
    // The keywords of op maps come back as shared constants: no allocation, and objects keyed
    // by them stay fast (a 1M-op history has ~5M of these).
    const common = COMMON_KEYWORDS[end - start];
    if (common !== undefined) {
      const first = text.charCodeAt(start);
      for (let i = 0; i < common.length; i++) {
        const keyword = common[i];
        if (keyword.charCodeAt(0) === first && text.startsWith(keyword, start)) return keyword;
      }
    }
    const name = text.slice(start, end);
    if (name === '' || name.endsWith('/')) this.fail(`invalid keyword '${excerpt(text.slice(colon, end))}'`);
    return name;
  }

  private readSymbol(): unknown {
    const c = this.text.charCodeAt(this.pos);
    // Clojure reader macros are not EDN: say so rather than reading nonsense.
    if (c === 39 /* ' */ || c === 96 /* ` */ || c === 126 /* ~ */ || c === 64 /* @ */ || c === 94 /* ^ */) {
      this.fail(`unsupported syntax '${String.fromCharCode(c)}' (not EDN)`);
    }
    const token = this.readToken();
    switch (token) {
      case 'nil':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
      default:
        return token;
    }
  }

  private readNumber(): unknown {
    // Fast path: a plain decimal integer of up to 15 digits, computed without slicing.
    const text = this.text;
    let pos = this.pos;
    const sign = text.charCodeAt(pos);
    if (sign === MINUS || sign === PLUS) pos++;
    const digitsStart = pos;
    let n = 0;
    for (let c = text.charCodeAt(pos); c >= DIGIT_0 && c <= DIGIT_9; c = text.charCodeAt(++pos)) {
      n = n * 10 + (c - DIGIT_0);
    }
    const digits = pos - digitsStart;
    if (digits <= 15 && (pos >= text.length || isDelimiter(text.charCodeAt(pos)))) {
      this.pos = pos;
      return sign === MINUS && n !== 0 ? -n : n;
    }
    const token = this.readToken();
    if (INTEGER.test(token)) return integerValue(token.endsWith('N') ? token.slice(0, -1) : token);
    if (FLOAT.test(token)) return Number(token.endsWith('M') ? token.slice(0, -1) : token);
    const ratio = RATIO.exec(token);
    if (ratio) {
      const denominator = Number(ratio[2]);
      if (denominator === 0) this.fail(`invalid ratio '${token}' (division by zero)`);
      return Number(ratio[1]) / denominator;
    }
    const hex = HEX.exec(token);
    if (hex) return integerValue(`${hex[1]}${BigInt(`0x${hex[2]}`)}`);
    return this.fail(`invalid number '${excerpt(token)}'`);
  }

  private readCharacter(): string {
    const text = this.text;
    const start = this.pos + 1;
    if (start >= text.length) this.fail('unexpected end of input after \\');
    // The first character is taken whatever it is (`\(`, `\;`); letters may continue a name.
    const first = String.fromCodePoint(text.codePointAt(start) as number);
    this.pos = start + first.length;
    const rest = isDelimiter(text.charCodeAt(start)) ? '' : this.readToken();
    if (rest === '') {
      if (first === '\n') this.line++;
      return first;
    }
    const name = first + rest;
    const named = NAMED_CHARS[name];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return String.fromCharCode(parseInt(name.slice(1), 16));
    if (/^o[0-7]{1,3}$/.test(name) && parseInt(name.slice(1), 8) <= 0o377) {
      return String.fromCharCode(parseInt(name.slice(1), 8));
    }
    return this.fail(`invalid character literal '\\${excerpt(name)}'`);
  }

  private readDispatch(depth: number): Read {
    const text = this.text;
    const next = text.charCodeAt(this.pos + 1);
    if (next === LBRACE) return this.readSet(depth);
    if (next === UNDERSCORE) {
      this.pos += 2;
      if (this.skipWhitespace() === -1) this.fail('#_ at the end of input has no form to discard');
      // `#_ #_ a b` discards both a and b: keep reading until one real form is consumed.
      // Counted as nesting so that a long chain of `#_ #_ …` cannot overflow the stack.
      const inner = this.enter(depth);
      while (this.readForm(inner) === DISCARDED) {
        if (this.skipWhitespace() === -1) this.fail('#_ at the end of input has no form to discard');
      }
      return DISCARDED;
    }
    if (next === HASH) {
      this.pos += 2;
      const token = this.readToken();
      if (token === 'Inf') return Infinity;
      if (token === '-Inf') return -Infinity;
      if (token === 'NaN') return NaN;
      return this.fail(`invalid symbolic value '##${excerpt(token)}'`);
    }
    if (next === QUOTE) {
      this.pos++;
      return this.readRegexString();
    }
    if (Number.isNaN(next) || isDelimiter(next) || next === BACKSLASH) {
      return this.fail(
        `unsupported dispatch '#${Number.isNaN(next) ? '' : excerpt(String.fromCharCode(next))}'`,
      );
    }
    // A tagged literal `#tag value` (also `#:ns{…}` namespaced maps): read the value, drop the tag.
    const tagLine = this.line;
    const inner = this.enter(depth); // `#a #b #c … x` nests
    this.pos++;
    const tag = this.readToken();
    for (;;) {
      const c = this.skipWhitespace();
      if (c === -1 || c === RPAREN || c === RBRACKET || c === RBRACE) {
        this.fail(`tag #${excerpt(tag)} has no value`, tagLine);
      }
      const value = this.readForm(inner);
      if (value !== DISCARDED) return value;
    }
  }

  /** `#"..."`: a regular expression, kept as its source text (backslashes are literal). */
  private readRegexString(): string {
    const text = this.text;
    const startLine = this.line;
    let pos = this.pos + 1;
    for (;;) {
      if (pos >= text.length) {
        this.fail(`unexpected end of input: the regex starting on line ${startLine} is never closed`);
      }
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        const source = text.slice(this.pos + 1, pos);
        this.pos = pos + 1;
        return source;
      }
      if (c === LF) this.line++;
      pos += c === BACKSLASH ? 2 : 1;
    }
  }
}

/** An integer token as a number when a double holds it exactly, else as a bigint. */
function integerValue(digits: string): number | bigint {
  const n = Number(digits);
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // no -0
  return BigInt(digits);
}

/** Sets a property even when the key is `__proto__` (plain assignment would change the prototype). */
export function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The object key for an EDN map key: strings (and keywords, symbols) as-is, others as EDN text. */
export function ednKeyString(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return String(key);
  return printEdnKey(key);
}

function printEdnKey(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(printEdnKey).join(' ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} ${printEdnKey(v)}`);
    return `{${parts.join(', ')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Reads every top-level form of `text`, with the line each starts on. */
export function readEdnForms(text: string, file: string, firstLine = 1): EdnForm[] {
  const parser = new EdnParser(text, file, firstLine);
  const forms: EdnForm[] = [];
  for (let r = parser.next(); !r.done; r = parser.next()) forms.push({ value: r.value, line: r.line });
  return forms;
}

/** Parses text holding exactly one EDN form (a value on the command line, a field of a log line). */
export function parseEdnValue(text: string, file = '<edn>', firstLine = 1): unknown {
  const parser = new EdnParser(text, file, firstLine);
  const first = parser.next();
  if (first.done) return parser.fail('expected an EDN value, found nothing');
  const second = parser.next();
  if (!second.done) parser.fail(`expected one EDN value, found more after it`, second.line);
  return first.value;
}
