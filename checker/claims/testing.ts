/**
 * For claim checker tests: operations built in history order, as toOperations would give them
 * (call and ret are positions; an op left open is info with ret Infinity).
 */
import type { Key, Operation } from '../history/types.js';

export interface OperationsBuilder {
  ops: Operation[];
  invoke(process: number, f: string, input: unknown): void;
  /** Completes the process's open op ok with this output. */
  ok(process: number, output: unknown): void;
}

export function operationsBuilder(opts: { key?: Key } = {}): OperationsBuilder {
  let pos = 0;
  const ops: Operation[] = [];
  const open = new Map<number, Operation>();
  return {
    ops,
    invoke(process, f, input) {
      const op: Operation = {
        id: ops.length,
        process,
        f,
        ...('key' in opts ? { key: opts.key } : {}),
        input,
        output: undefined,
        status: 'info',
        call: pos,
        ret: Infinity,
        invokeIndex: pos++,
      };
      ops.push(op);
      open.set(process, op);
    },
    ok(process, output) {
      const op = open.get(process)!;
      open.delete(process);
      op.status = 'ok';
      op.output = output;
      op.ret = pos;
      op.completeIndex = pos++;
    },
  };
}
