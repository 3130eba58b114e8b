/**
 * Reader for zkcheck's own history format: JSON Lines, one op per line (see `types.ts`).
 *
 * The harness appends one line per op while it runs, so a crash can leave the last line cut
 * short: a final line with no newline that is not valid JSON is dropped with a warning. Any
 * other bad line is an error naming file and line.
 *
 * Integers beyond ±(2^53 − 1) are read exactly, as bigints (see exact-json.ts): only the lines
 * where JSON.parse gave such a number are parsed again, by that slower parser.
 */
import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { MAX_EDN_DEPTH } from './edn.js';
import { parseExactJson } from './exact-json.js';
import { opFromRecord } from './record.js';
import { HistoryError, type History } from './types.js';

export interface ParsedHistory {
  history: History;
  lines: number[];
}

/** Deepest nesting accepted in a JSON value, the same bound as for EDN. */
const MAX_JSON_DEPTH = MAX_EDN_DEPTH;

export function readJsonl(text: string, file: string, onWarning?: (message: string) => void): ParsedHistory {
  const reader = new JsonlLines(file, onWarning);
  let start = 0;
  while (start < text.length && !reader.done) {
    let end = text.indexOf('\n', start);
    const terminated = end !== -1;
    if (!terminated) end = text.length;
    reader.line(text.slice(start, end), terminated);
    start = end + 1;
  }
  return reader.parsed();
}

/** Bytes read per call by readJsonlFile: big enough for few calls, small enough to stay in cache. */
const CHUNK_BYTES = 64 << 10;

/**
 * Reads a JSONL history file a chunk at a time. A file of a million ops is ~100 MB: read whole,
 * it is first a 100 MB buffer, then a 100 MB string, and on this kind of machine touching that
 * much fresh memory took longer than parsing it (1.2 of 3 s). Chunks reuse one buffer, and each
 * chunk's string is garbage as soon as its lines are parsed. Same result as readJsonl.
 */
export function readJsonlFile(
  fd: number,
  file: string,
  onWarning?: (message: string) => void,
): ParsedHistory {
  const reader = new JsonlLines(file, onWarning);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let first = true;
  for (;;) {
    const bytes = readSync(fd, buffer, 0, CHUNK_BYTES, null);
    let text = carry + (bytes === 0 ? decoder.end() : decoder.write(buffer.subarray(0, bytes)));
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
    first = false;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      reader.line(text.slice(start, end), true);
      if (reader.done) return reader.parsed();
      start = end + 1;
    }
    carry = text.slice(start);
    if (bytes === 0) break;
  }
  if (carry !== '') reader.line(carry, false);
  return reader.parsed();
}

/** The JSONL rules, one line at a time: what readJsonl and readJsonlFile share. */
class JsonlLines {
  private readonly history: History = [];
  private readonly lines: number[] = [];
  private lineNo = 0;
  /** Set after a truncated last line: nothing after it is read. */
  done = false;

  constructor(
    private readonly file: string,
    private readonly onWarning?: (message: string) => void,
  ) {}

  line(line: string, terminated: boolean): void {
    const { file } = this;
    const lineNo = ++this.lineNo;
    if (isBlank(line)) return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      if (!terminated && line.trimStart().startsWith('{')) {
        this.onWarning?.(
          `${file}:${lineNo}: ignoring a truncated last line (the writer stopped mid-line): ${excerpt(line)}`,
        );
        this.done = true;
        return;
      }
      throw new HistoryError(`invalid JSON: ${(e as Error).message}`, { file, line: lineNo });
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new HistoryError('expected a JSON object (one op per line)', { file, line: lineNo });
    }
    // JSON.parse may have rounded an integer: read the line again, exactly (the rare, slow case).
    if (inspect(record as Record<string, unknown>, file, lineNo))
      record = parseExactJson(line, MAX_JSON_DEPTH);
    this.history.push(
      opFromRecord(record as Record<string, unknown>, this.history.length, 'json', file, lineNo),
    );
    this.lines.push(lineNo);
  }

  parsed(): ParsedHistory {
    return { history: this.history, lines: this.lines };
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function excerpt(line: string): string {
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}

/**
 * Walks the values of a record JSON.parse made, without recursion, for two things it cannot do:
 * - reject absurd nesting: JSON.parse accepts any depth, but everything downstream (checkers,
 *   writers) recurses;
 * - tell whether a number may have been rounded: true when one is beyond ±(2^53 − 1). Every
 *   integer literal a double cannot hold reads as such a number (2^53 + 1 as 2^53), so a record
 *   with none came out exact; one with some is read again by parseExactJson.
 * Flat records, the common case, cost a type check per field.
 */
function inspect(record: Record<string, unknown>, file: string, line: number): boolean {
  let beyondSafe = false;
  let stack: [unknown, number][] | undefined;
  for (const k in record) {
    const v = record[k];
    if (typeof v === 'number') beyondSafe ||= v > Number.MAX_SAFE_INTEGER || v < Number.MIN_SAFE_INTEGER;
    else if (v !== null && typeof v === 'object') (stack ??= []).push([v, 2]);
  }
  while (stack !== undefined && stack.length > 0) {
    const [value, depth] = stack.pop() as [Record<string, unknown>, number];
    if (depth > MAX_JSON_DEPTH) {
      throw new HistoryError(`values nested more than ${MAX_JSON_DEPTH} levels deep`, { file, line });
    }
    for (const k in value) {
      const v = value[k];
      if (typeof v === 'number') beyondSafe ||= v > Number.MAX_SAFE_INTEGER || v < Number.MIN_SAFE_INTEGER;
      else if (v !== null && typeof v === 'object') stack.push([v, depth + 1]);
    }
  }
  return beyondSafe;
}
