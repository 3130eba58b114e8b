/**
 * What a failed search shows a person: the deepest dead end it met (the last ops it could
 * linearize, the state then, and what each candidate next op would have done), or, where the
 * model proves the history impossible without a search, the op that shows it.
 */
import type { Operation } from '../history/types.js';
import type { Impossibility } from '../models/model.js';
import type { StateTable } from './states.js';
import type { Counterexample, PathStep } from './types.js';

/** How many ops of the deepest prefix a counterexample keeps, and how many candidates it tries. */
export const PATH_TAIL = 8;
export const MAX_CANDIDATES = 8;

interface DeadEnd {
  op: number;
  /** Linearized ops (ids) with the state id after each, last PATH_TAIL of them. */
  tail: Array<[number, number]>;
  stateId: number;
  depth: number;
  candidates: number[];
}

/**
 * The deepest dead end so far, kept in fixed arrays: a search meets a new deepest one at almost
 * every depth on its way down, so recording one must not allocate. Read out once, at the end.
 */
export class DeadEndRecord {
  depth = -1;
  op = -1;
  stateId = -1;
  tailLength = 0;
  readonly tailOps = new Int32Array(PATH_TAIL);
  readonly tailStates = new Int32Array(PATH_TAIL);
  candidateCount = 0;
  readonly candidates = new Int32Array(MAX_CANDIDATES);

  toDeadEnd(): DeadEnd | undefined {
    if (this.depth < 0) return undefined;
    const tail: Array<[number, number]> = [];
    for (let i = 0; i < this.tailLength; i++) tail.push([this.tailOps[i], this.tailStates[i]]);
    return {
      op: this.op,
      tail,
      stateId: this.stateId,
      depth: this.depth,
      candidates: Array.from(this.candidates.subarray(0, this.candidateCount)),
    };
  }
}

/** The other ops whose span overlaps `op`'s. */
function concurrentWith(ops: Operation[], op: Operation): Operation[] {
  return ops.filter((other) => other !== op && other.call < op.ret && op.call < other.ret);
}

/** A counterexample without a search: the op the model's `impossible` names, and why. */
export function impossibleCounterexample(ops: Operation[], { op, reason }: Impossibility): Counterexample {
  return {
    key: op.key,
    op,
    concurrent: concurrentWith(ops, op),
    finalPaths: [[{ op, inconsistency: reason }]],
    states: ['(any: no order of the ops can make it legal)'],
  };
}

export function buildCounterexample<S>(
  ops: Operation[],
  states: StateTable<S>,
  deadEnd: DeadEnd | undefined,
): Counterexample | undefined {
  if (deadEnd === undefined) return undefined;
  const op = ops[deadEnd.op];
  const describe = (id: number) => states.describe(id);
  const prefix: PathStep[] = deadEnd.tail.map(([id, after]) => ({ op: ops[id], state: describe(after) }));
  const finalPaths: PathStep[][] = [];
  const tried = deadEnd.candidates.includes(deadEnd.op)
    ? deadEnd.candidates
    : [deadEnd.op, ...deadEnd.candidates];
  for (const candidate of tried) {
    const after = states.step(deadEnd.stateId, ops[candidate], candidate);
    const step: PathStep =
      after >= 0
        ? { op: ops[candidate], state: describe(after) }
        : { op: ops[candidate], inconsistency: states.explain(deadEnd.stateId, ops[candidate]) };
    finalPaths.push([...prefix, step]);
  }
  const previous = deadEnd.tail.at(-1);
  return {
    key: op.key,
    op,
    ...(previous ? { previousOk: ops[previous[0]] } : {}),
    concurrent: concurrentWith(ops, op),
    finalPaths,
    states: [describe(deadEnd.stateId)],
  };
}
