/**
 * Readers for the two history formats of Porcupine's test data.
 *
 * `porcupine-etcd`: Jepsen log files. Only lines matching `INFO jepsen.util - ` carry ops, as
 * `PROCESS TYPE F VALUE` separated by tabs or runs of spaces, each an EDN value
 * (`4	:invoke	:cas	[1 2]`); every other line is log noise and skipped.
 *
 * `porcupine-kv`: one EDN op map per line (`{:process 0, :type :invoke, :f :get, :key "1", :value nil}`).
 */
import { EdnParser, parseEdnValue } from './edn.js';
import type { ParsedHistory } from './jsonl.js';
import { describeValue, opFromRecord } from './record.js';
import { HistoryError, type History } from './types.js';

/** A Jepsen log line that carries an op; the op's fields follow the match. */
export const JEPSEN_LOG_OP = /INFO\s+jepsen\.util\s+-\s+/;

export function readPorcupineEtcd(text: string, file: string): ParsedHistory {
  const history: History = [];
  const lines: number[] = [];
  forEachLine(text, (line, lineNo) => {
    const match = JEPSEN_LOG_OP.exec(line);
    if (!match) return;
    const fields = line.slice(match.index + match[0].length);
    const parts = /^(\S+)\s+(\S+)\s+(\S+)(?:\s+([\s\S]*))?$/.exec(fields.trim());
    if (!parts || parts[4] === undefined) {
      throw new HistoryError(
        `expected "PROCESS TYPE F VALUE" after "jepsen.util - ", got ${describeValue(fields.trim())}`,
        { file, line: lineNo },
      );
    }
    const record = {
      process: ednToken(parts[1], file, lineNo),
      type: ednToken(parts[2], file, lineNo),
      f: ednToken(parts[3], file, lineNo),
      value: parseEdnValue(parts[4], file, lineNo),
    };
    history.push(opFromRecord(record, history.length, 'edn', file, lineNo));
    lines.push(lineNo);
  });
  return { history, lines };
}

export function readPorcupineKv(text: string, file: string): ParsedHistory {
  const history: History = [];
  const lines: number[] = [];
  forEachLine(text, (line, lineNo) => {
    const parser = new EdnParser(line, file, lineNo);
    const first = parser.next();
    if (first.done) return; // blank or comment-only
    if (!parser.next().done) throw new HistoryError('expected one op map per line', { file, line: lineNo });
    const value = first.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new HistoryError(`expected an op map, got ${describeValue(value)}`, { file, line: lineNo });
    }
    history.push(opFromRecord(value as Record<string, unknown>, history.length, 'edn', file, lineNo));
    lines.push(lineNo);
  });
  return { history, lines };
}

/** A whitespace-free field: plain integers and keywords directly, anything else through the EDN reader. */
function ednToken(token: string, file: string, line: number): unknown {
  if (/^(?:0|[1-9]\d{0,14})$/.test(token)) return Number(token);
  if (/^:[A-Za-z][\w.*+!?<>=-]*$/.test(token)) return token.slice(1);
  return parseEdnValue(token, file, line);
}

function forEachLine(text: string, visit: (line: string, lineNo: number) => void): void {
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    visit(text.slice(start, end), lineNo);
    start = end + 1;
  }
}
