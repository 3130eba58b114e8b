/**
 * Jepsen's independent checker writes client op values as `[key value]` tuples. With
 * `--independent`, each such op gets `key` and the inner `value`.
 *
 * A completion takes its invoke's key when it carries no tuple itself (a `:fail` with `nil`, an
 * `:info` with `:timed-out`), and a read invoked with `nil` takes the key of the tuple its
 * completion returns. A client op whose key cannot be found either way is an error: checking it
 * against the wrong key, or dropping it, could change the verdict.
 */
import { describeValue, isKey } from './record.js';
import { HistoryError, type History, type Op } from './types.js';

export function splitIndependentKeys(history: History, file: string, lines: readonly number[]): void {
  for (const op of history) {
    if (op.process === 'nemesis' || op.key !== undefined) continue;
    const v = op.value;
    if (Array.isArray(v) && v.length === 2 && isKey(v[0])) {
      op.key = v[0];
      op.value = v[1];
    }
  }

  // Share keys between an invoke and its completion (the latest open invoke of the process).
  const open = new Map<number, Op>();
  for (const op of history) {
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      open.set(op.process, op);
      continue;
    }
    const invoke = open.get(op.process);
    open.delete(op.process);
    if (invoke === undefined) continue; // the well-formedness check reports it
    if (op.key === undefined && invoke.key !== undefined) op.key = invoke.key;
    else if (invoke.key === undefined && op.key !== undefined && invoke.value === null) invoke.key = op.key;
  }

  for (const op of history) {
    if (op.process !== 'nemesis' && op.key === undefined) {
      throw new HistoryError(
        `with --independent, a client op's value must be a [key value] tuple (got ${describeValue(op.value)}` +
          `${op.type === 'invoke' ? ', and no completion names the key' : ''})`,
        { file, line: lines[op.index] ?? op.index + 1 },
      );
    }
  }
}
