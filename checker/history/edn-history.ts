/**
 * Reader for Jepsen EDN histories: a vector `[...]`, a list `(...)`, or a bare sequence of op
 * maps, with `;` comments anywhere. `:process :nemesis` marks fault-injection ops.
 */
import { EdnParser } from './edn.js';
import type { ParsedHistory } from './jsonl.js';
import { describeValue, opFromRecord } from './record.js';
import type { History } from './types.js';

export function readEdnHistory(text: string, file: string): ParsedHistory {
  const parser = new EdnParser(text, file);
  const history: History = [];
  const lines: number[] = [];
  const addOp = (value: unknown, line: number) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      parser.fail(
        `expected an op map like {:process 0, :type :invoke, ...}, got ${describeValue(value)}`,
        line,
      );
    }
    history.push(opFromRecord(value as Record<string, unknown>, history.length, 'edn', file, line));
    lines.push(line);
  };

  const first = parser.skipWhitespace();
  if (first === 91 /* [ */ || first === 40 /* ( */) {
    const openLine = parser.line;
    parser.readSequenceElements(addOp);
    const after = parser.next();
    if (!after.done) {
      parser.fail(
        `unexpected data after the end of the history (the history opened on line ${openLine} is already closed)`,
        after.line,
      );
    }
  } else {
    // A bare sequence of op maps, one after another.
    for (let r = parser.next(); !r.done; r = parser.next()) addOp(r.value, r.line);
  }
  return { history, lines };
}
