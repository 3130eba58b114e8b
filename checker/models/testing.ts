/**
 * Operation builders for model tests: an op the model sees, without a history around it. Real-time
 * fields (`call`, `ret`) are placeholders; models never read them.
 */
import type { Key, Operation } from '../history/types.js';
import type { Model } from './model.js';

let nextId = 0;

export interface OpExtras {
  process?: number;
  key?: Key;
}

/** A completed op: `f` invoked with `input`, returning `output`. */
export function ok(f: string, input: unknown, output: unknown, extras: OpExtras = {}): Operation {
  const id = nextId++;
  return {
    id,
    process: extras.process ?? 0,
    f,
    ...keyOf(extras),
    input,
    output,
    status: 'ok',
    call: id,
    ret: id + 1,
    invokeIndex: id,
    completeIndex: id + 1,
  };
}

/** An op with an unknown outcome: invoked with `input`, may or may not have happened. */
export function info(f: string, input: unknown, extras: OpExtras = {}): Operation {
  const id = nextId++;
  return {
    id,
    process: extras.process ?? 0,
    f,
    ...keyOf(extras),
    input,
    output: undefined,
    status: 'info',
    call: id,
    ret: Infinity,
    invokeIndex: id,
  };
}

const keyOf = (extras: OpExtras) => (extras.key === undefined ? {} : { key: extras.key });

/** Steps `ops` in order from the model's initial state; throws with the model's explanation if one is illegal. */
export function runOps<S>(model: Model<S>, ops: Operation[]): S {
  return ops.reduce((state, op) => {
    const next = model.step(state, op);
    if (next === undefined) throw new Error(`illegal ${op.f}: ${model.explain?.(state, op)}`);
    return next;
  }, model.init());
}
