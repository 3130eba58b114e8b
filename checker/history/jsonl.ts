/**
 * Reader for zkcheck's own history format: JSON Lines, one op per line (see `types.ts`).
 *
 * The harness appends one line per op while it runs, so a crash can leave the last line cut
 * short: a final line with no newline that is not valid JSON is dropped with a warning. Any
 * other bad line is an error naming file and line.
 */
import { MAX_EDN_DEPTH } from './edn.js';
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
    checkDepth(record as Record<string, unknown>, file, lineNo);
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
 * JSON.parse accepts any depth, but everything downstream (checkers, writers) recurses: reject
 * absurd nesting here, without recursion. Flat values, the common case, cost one type check.
 */
function checkDepth(record: Record<string, unknown>, file: string, line: number): void {
  let stack: [unknown, number][] | undefined;
  for (const k in record) {
    const v = record[k];
    if (v !== null && typeof v === 'object') (stack ??= []).push([v, 2]);
  }
  while (stack !== undefined && stack.length > 0) {
    const [value, depth] = stack.pop() as [Record<string, unknown>, number];
    if (depth > MAX_JSON_DEPTH) {
      throw new HistoryError(`values nested more than ${MAX_JSON_DEPTH} levels deep`, { file, line });
    }
    for (const k in value) {
      const v = value[k];
      if (v !== null && typeof v === 'object') stack.push([v, depth + 1]);
    }
  }
}
