/**
 * Sequential consistency by search: is there a legal total order of the history that keeps each
 * process's ops in issue order? Optionally, a chosen subset of ops must also respect real time
 * among themselves — with the updates as that subset this is ZooKeeper's own model, ordered
 * sequential consistency. Unlike linearizability this is not compositional, so the whole history
 * is searched at once (use `keyedModel` for per-key models).
 *
 * A configuration is (how far each process has got, model state); each one is explored once
 * (memoised in the same packed set as the linearizability search). An op with an unknown outcome
 * is the last of its process and may take effect or not. A read-only op that is legal now is
 * taken at once and never postponed: it is its process's next op, every op that must precede it
 * is placed, and moving it earlier changes no state, so postponing it cannot help.
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { ConfigurationSet } from '../linearizable/memo.js';
import { StateTable } from '../linearizable/states.js';
import type { SearchLimits, SearchResult } from '../linearizable/search.js';
import type { Counterexample, PathStep } from '../linearizable/types.js';

export interface SequentialOptions extends SearchLimits {
  /** Ops that must respect real-time order among themselves (none: plain sequential consistency). */
  realtime?: (op: Operation) => boolean;
}

const CHECK_EVERY = 1024;
const PATH_TAIL = 8;

export function searchSequential<S>(
  ops: Operation[],
  model: Model<S>,
  options: SequentialOptions = {},
): SearchResult {
  const byProcess = groupByProcess(ops);
  const processCount = byProcess.length;
  const okCount = ops.filter((op) => op.status === 'ok').length;
  if (okCount === 0) return { valid: true, configurations: 0 };

  const index = new Map<Operation, number>(ops.map((op, i) => [op, i]));
  const realtime = realtimeOrder(ops, options.realtime);
  const readOnly = ops.map((op) => (model.readOnly ? model.readOnly(op) : false));
  const states = new StateTable(model, options.maxStates);
  const memo = new ConfigurationSet(processCount);
  const positions = new Uint32Array(processCount);

  // The stack of choices: process, whether the op was skipped (unknown outcome, never happened),
  // the state before, and whether it was forced (a legal read-only op: no alternatives).
  const stackProcess = new Int32Array(ops.length);
  const stackSkipped = new Uint8Array(ops.length);
  const stackState = new Int32Array(ops.length);
  const stackForced = new Uint8Array(ops.length);
  const stackOp = new Int32Array(ops.length);
  let depth = 0;
  let placedOk = 0;
  let hash = 0;
  let stateId = states.initial();
  let choice = 0; // next choice to try at this configuration: process * 2 + (skip ? 1 : 0)
  let iterations = 0;
  let deepest:
    { depth: number; stateId: number; positions: Uint32Array; tail: Array<[number, number]> } | undefined;

  const place = (p: number, skipped: boolean, next: number, op: Operation, forced: boolean) => {
    stackProcess[depth] = p;
    stackSkipped[depth] = skipped ? 1 : 0;
    stackState[depth] = stateId;
    stackForced[depth] = forced ? 1 : 0;
    stackOp[depth] = index.get(op)!;
    depth++;
    positions[p]++;
    hash = (hash ^ positionKey(p, positions[p] - 1) ^ positionKey(p, positions[p])) >>> 0;
    if (op.status === 'ok') placedOk++;
    realtime.place(index.get(op)!);
    stateId = next;
  };

  for (;;) {
    if (placedOk === okCount) return { valid: true, configurations: memo.size };
    if (++iterations % CHECK_EVERY === 0) {
      const exhausted = states.full ? 'memory' : checkBudget(options, memo);
      if (exhausted) return { valid: 'unknown', cause: exhausted, configurations: memo.size };
    }

    let moved = false;
    for (; choice < processCount * 2 && !moved; choice++) {
      const p = choice >> 1;
      const skip = (choice & 1) === 1;
      const op = byProcess[p][positions[p]];
      if (op === undefined || (skip && op.status !== 'info')) continue;
      const i = index.get(op)!;
      if (!realtime.ready(i)) continue;
      const next = skip ? stateId : states.step(stateId, op, i);
      if (next < 0) continue;
      const nextHash = (hash ^ positionKey(p, positions[p]) ^ positionKey(p, positions[p] + 1)) >>> 0;
      positions[p]++;
      const fresh = memo.add(mix(nextHash, next), positions, next);
      positions[p]--;
      const forced = !skip && readOnly[i];
      if (fresh) {
        place(p, skip, next, op, forced);
        moved = true;
      } else if (forced) {
        break; // a forced step into an explored configuration: this one fails too
      }
    }
    if (moved) {
      choice = 0;
      continue;
    }
    if (!deepest || depth > deepest.depth) deepest = snapshot();

    // Backtrack; forced steps have no alternatives, so undo through them.
    for (;;) {
      if (depth === 0) return { valid: false, configurations: memo.size, counterexample: explainStuck() };
      depth--;
      const p = stackProcess[depth];
      positions[p]--;
      hash = (hash ^ positionKey(p, positions[p] + 1) ^ positionKey(p, positions[p])) >>> 0;
      const op = byProcess[p][positions[p]];
      if (op.status === 'ok') placedOk--;
      realtime.unplace(index.get(op)!);
      stateId = stackState[depth];
      if (!stackForced[depth]) {
        choice = p * 2 + stackSkipped[depth] + 1;
        break;
      }
    }
  }

  function snapshot() {
    const tail: Array<[number, number]> = [];
    for (let d = Math.max(0, depth - PATH_TAIL); d < depth; d++) {
      const after = d + 1 < depth ? stackState[d + 1] : stateId;
      tail.push([stackOp[d], after]);
    }
    return { depth, stateId, positions: positions.slice(), tail };
  }

  function explainStuck(): Counterexample | undefined {
    if (!deepest) return undefined;
    const prefix: PathStep[] = deepest.tail.map(([i, after]) => ({
      op: ops[i],
      state: states.describe(after),
    }));
    const stuck = byProcess
      .map((sequence, p) => sequence[deepest!.positions[p]])
      .filter((op): op is Operation => !!op);
    const finalPaths = stuck.map((op) => {
      const i = index.get(op)!;
      const after = states.step(deepest!.stateId, op, i);
      const step: PathStep =
        after >= 0
          ? {
              op,
              state: states.describe(after),
              inconsistency: 'must wait for an op that real time orders first',
            }
          : { op, inconsistency: states.explain(deepest!.stateId, op) };
      return [...prefix, step];
    });
    const first = stuck.find((op) => op.status === 'ok') ?? stuck[0];
    const previous = deepest.tail.at(-1);
    return {
      ...(first?.key === undefined ? {} : { key: first.key }),
      op: first,
      ...(previous ? { previousOk: ops[previous[0]] } : {}),
      concurrent: stuck.filter((op) => op !== first),
      finalPaths,
      states: [states.describe(deepest.stateId)],
    };
  }
}

function groupByProcess(ops: Operation[]): Operation[][] {
  const byProcess = new Map<number, Operation[]>();
  for (const op of [...ops].sort((a, b) => a.call - b.call)) {
    const sequence = byProcess.get(op.process);
    if (sequence) sequence.push(op);
    else byProcess.set(op.process, [op]);
  }
  return [...byProcess.values()];
}

/**
 * Real-time order among the constrained ops: op b may be placed only once every constrained op
 * that completed before b was invoked is placed. Constrained ops sorted by completion; `prefix` is
 * how many of the first of them are all placed, kept exact as ops are placed and unplaced (in
 * stack order), so `ready` is O(1).
 */
function realtimeOrder(ops: Operation[], constrained?: (op: Operation) => boolean) {
  const n = ops.length;
  const byReturn = constrained
    ? ops
        .map((op, i) => i)
        .filter((i) => constrained(ops[i]) && ops[i].ret !== Infinity)
        .sort((a, b) => ops[a].ret - ops[b].ret)
    : [];
  const rank = new Int32Array(n).fill(-1);
  byReturn.forEach((i, r) => (rank[i] = r));
  // How many constrained ops completed before each op was invoked (only constrained ops wait).
  const required = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!constrained || !constrained(ops[i])) continue;
    let low = 0;
    let high = byReturn.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (ops[byReturn[mid]].ret < ops[i].call) low = mid + 1;
      else high = mid;
    }
    required[i] = low;
  }
  const placed = new Uint8Array(byReturn.length);
  let prefix = 0;
  return {
    ready: (i: number) => prefix >= required[i],
    place(i: number) {
      const r = rank[i];
      if (r < 0) return;
      placed[r] = 1;
      while (prefix < placed.length && placed[prefix]) prefix++;
    },
    unplace(i: number) {
      const r = rank[i];
      if (r < 0) return;
      placed[r] = 0;
      if (r < prefix) prefix = r;
    },
  };
}

function checkBudget(limits: SearchLimits, memo: ConfigurationSet): 'timeout' | 'memory' | undefined {
  if (limits.deadline !== undefined && performance.now() > limits.deadline) return 'timeout';
  if (limits.maxMemoryBytes !== undefined && memo.bytes > limits.maxMemoryBytes) return 'memory';
  if (limits.maxConfigurations !== undefined && memo.size > limits.maxConfigurations) return 'memory';
  return undefined;
}

/** A fixed pseudo-random 32-bit key for "process p is at position pos" (XOR-combined). */
function positionKey(p: number, pos: number): number {
  let x = Math.imul(p + 1, 0x9e3779b1) ^ Math.imul(pos + 1, 0x85ebca77);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return x >>> 0;
}

function mix(positionsHash: number, stateId: number): number {
  return (positionsHash ^ Math.imul(stateId + 1, 0x27d4eb2f)) >>> 0;
}
