/**
 * Pairing: from a history of invokes and completions to the operations checkers reason about.
 *
 * Each client invoke is paired with the next completion of the same process:
 * - `ok`: status 'ok', output = the completion's value, ret = the completion's position;
 * - `fail`: dropped, the op did not happen;
 * - `info`, or no completion at all: status 'info', output undefined, ret = Infinity (it may
 *   take effect at any point after its invoke, or never).
 * `call` is the invoke's position and `input` its value (a read invoked with nil has input
 * null and, when ok, output = the value read). An invoke marked `sync: true` (a read preceded
 * by sync()) gives an operation marked `sync`. Nemesis ops are never paired. Ids are dense,
 * 0..n-1 in call order. Run {@link checkWellFormed} first: this only rejects what it cannot pair.
 */
import { historySource } from './source.js';
import { HistoryError, type History, type Operation } from './types.js';

/** Why a history proves nothing whatever the claims say (no op at all, none succeeded), or undefined. */
export function nothingChecked(ops: readonly Operation[]): string | undefined {
  if (ops.length === 0) return 'the history has no operations: nothing was checked';
  if (!ops.some((op) => op.status === 'ok')) return 'no operation succeeded: nothing was checked';
  return undefined;
}

export function toOperations(history: History): Operation[] {
  const paired: (Operation | null)[] = [];
  const open = new Map<number, number>(); // process -> slot of its open operation
  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos];
    if (op.process === 'nemesis') continue;
    const p = op.process;
    if (op.type === 'invoke') {
      if (open.has(p)) throw notWellFormed(history, pos, `process ${p} invokes while an op is outstanding`);
      const operation: Operation = {
        id: -1,
        process: p,
        f: op.f,
        input: op.value,
        output: undefined,
        status: 'info',
        call: pos,
        ret: Infinity,
        invokeIndex: op.index,
      };
      if (op.key !== undefined) operation.key = op.key;
      if (op.sync === true) operation.sync = true;
      open.set(p, paired.length);
      paired.push(operation);
      continue;
    }
    const slot = open.get(p);
    if (slot === undefined) throw notWellFormed(history, pos, `${op.type} of process ${p} has no invoke`);
    open.delete(p);
    const operation = paired[slot] as Operation;
    if (op.type === 'fail') {
      paired[slot] = null;
      continue;
    }
    operation.completeIndex = op.index;
    if (operation.key === undefined && op.key !== undefined) operation.key = op.key;
    if (op.type === 'ok') {
      operation.status = 'ok';
      operation.output = op.value;
      operation.ret = pos;
    }
  }
  const operations: Operation[] = [];
  for (const operation of paired) {
    if (operation !== null) {
      operation.id = operations.length;
      operations.push(operation);
    }
  }
  return operations;
}

function notWellFormed(history: History, pos: number, message: string): HistoryError {
  const source = historySource(history);
  const line = source?.lines[pos];
  return line !== undefined
    ? new HistoryError(message, { file: source!.file, line })
    : new HistoryError(`${source?.file ?? 'history'}: op ${pos}: ${message}`);
}
