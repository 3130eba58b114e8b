/**
 * The well-formedness check: the rules a history must follow before a checker can trust it.
 *
 * - Every op has a valid `type`, `process`, `f`, `time`, `key`, and `index` equal to its position.
 * - A process has at most one outstanding op: it invokes, then completes, then may invoke again.
 * - A completion matches the process's open invoke: same `f`, and the same `key` when it names one.
 * - A completion with no open invoke is an error.
 * - A process whose op ended `info` never invokes again (its fate is unknown; a new process
 *   id takes over).
 * - Invokes never completed are fine: they are open to the end of the history, like `info`.
 * - Nemesis ops follow none of these rules and are skipped.
 */
import { describeValue, isKey, isOpType, isProcess, printable } from './record.js';
import { historySource } from './source.js';
import { HistoryError, type History, type Op } from './types.js';

/**
 * Throws a {@link HistoryError} at the first violation, naming the file and line of the op
 * (when a reader recorded them, else its position as "op N"). `file` defaults to the file the
 * history was read from.
 */
export function checkWellFormed(history: History, file?: string): void {
  const source = historySource(history);
  const fileName = file ?? source?.file ?? 'history';
  const lines = source?.lines;
  const where = (i: number) => (lines?.[i] !== undefined ? `line ${lines[i]}` : `op ${i}`);
  const fail = (i: number, message: string): never => {
    const line = lines?.[i];
    throw line !== undefined
      ? new HistoryError(message, { file: fileName, line })
      : new HistoryError(`${fileName}: op ${i}: ${message}`);
  };

  const open = new Map<number, number>(); // process -> position of its open invoke
  const crashed = new Map<number, number>(); // process -> position of its `info` completion
  for (let i = 0; i < history.length; i++) {
    const op = history[i];
    checkFields(op, i, fail);
    if (op.process === 'nemesis') continue;
    const p = op.process;
    const pending = open.get(p);
    if (op.type === 'invoke') {
      if (pending !== undefined) {
        fail(
          i,
          `process ${p} invokes ${printable(op.f)} while its ${printable(history[pending].f)} invoked at ${where(pending)} is still ` +
            'outstanding (a process runs one op at a time)',
        );
      }
      const crash = crashed.get(p);
      if (crash !== undefined) {
        fail(
          i,
          `process ${p} invokes ${printable(op.f)} after its ${printable(history[crash].f)} ended info at ${where(crash)} ` +
            '(a process whose op ended info must never invoke again)',
        );
      }
      open.set(p, i);
      continue;
    }
    if (pending === undefined) {
      const crash = crashed.get(p);
      fail(
        i,
        `${op.type} ${printable(op.f)} of process ${p} has no invoke` +
          (crash !== undefined ? ` (the process's last op already ended info at ${where(crash)})` : ''),
      );
      continue;
    }
    const invoke = history[pending];
    if (invoke.f !== op.f) {
      fail(
        i,
        `${op.type} ${printable(op.f)} of process ${p} does not match its invoke of ${printable(invoke.f)} at ${where(pending)}`,
      );
    }
    if (op.key !== undefined && op.key !== invoke.key) {
      fail(
        i,
        `${op.type} ${printable(op.f)} of process ${p} has key ${describeValue(op.key)} but its invoke at ${where(pending)} ` +
          (invoke.key === undefined ? 'has no key' : `has key ${describeValue(invoke.key)}`),
      );
    }
    open.delete(p);
    if (op.type === 'info') crashed.set(p, i);
  }
}

function checkFields(op: Op, i: number, fail: (i: number, message: string) => never): void {
  if (op === null || typeof op !== 'object') fail(i, `expected an op object, got ${describeValue(op)}`);
  if (op.index !== i) fail(i, `index is ${describeValue(op.index)} but the op is at position ${i}`);
  if (!isOpType(op.type))
    fail(i, `type must be one of invoke, ok, fail, info (got ${describeValue(op.type)})`);
  if (!isProcess(op.process)) {
    fail(i, `process must be a non-negative integer or "nemesis" (got ${describeValue(op.process)})`);
  }
  if (typeof op.f !== 'string' || (op.f === '' && op.process !== 'nemesis')) {
    fail(i, `f must be a non-empty string (got ${describeValue(op.f)})`);
  }
  if (typeof op.time !== 'number' || !Number.isFinite(op.time)) {
    fail(i, `time must be a number of nanoseconds or -1 (got ${describeValue(op.time)})`);
  }
  if (op.key !== undefined && !isKey(op.key)) {
    fail(i, `key must be a string or a number (got ${describeValue(op.key)})`);
  }
}
