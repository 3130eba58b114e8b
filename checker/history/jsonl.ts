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
  const history: History = [];
  const lines: number[] = [];
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    const terminated = end !== -1;
    if (!terminated) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (isBlank(line)) continue;

    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      if (!terminated && line.trimStart().startsWith('{')) {
        onWarning?.(
          `${file}:${lineNo}: ignoring a truncated last line (the writer stopped mid-line): ${excerpt(line)}`,
        );
        break;
      }
      throw new HistoryError(`invalid JSON: ${(e as Error).message}`, { file, line: lineNo });
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new HistoryError('expected a JSON object (one op per line)', { file, line: lineNo });
    }
    // JSON.parse may have rounded an integer: read the line again, exactly (the rare, slow case).
    if (inspect(record as Record<string, unknown>, file, lineNo))
      record = parseExactJson(line, MAX_JSON_DEPTH);
    history.push(opFromRecord(record as Record<string, unknown>, history.length, 'json', file, lineNo));
    lines.push(lineNo);
  }
  return { history, lines };
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
