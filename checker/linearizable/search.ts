/**
 * Wing–Gong linearizability search with Lowe's memoisation, over one independent part of a
 * history. The history is a doubly linked list of call and return entries in real-time order; the
 * search repeatedly picks a pending call (one before the first return still in the list) whose
 * model step is legal, "lifts" it out of the list, and backtracks when it meets the return of an
 * operation it has not linearized. A configuration (set of linearized ops, model state) already
 * visited is never explored twice.
 *
 * Two facts keep it fast:
 * - Read-only operations (the model's `readOnly`: they never change any state) are linearized as
 *   soon as they are legal and never postponed: any order that linearizes such an op later can
 *   linearize it now instead, since it is pending (every op that must precede it is already
 *   linearized) and moving it changes no other op's state. So a failure after it is a failure of
 *   the configuration before it, and the search backtracks past it. This holds only where the
 *   step leaves the state as it was: a search model whose states stand for sets (kv-appends.ts)
 *   may let a read narrow the set, and such a step is searched like any other. Nor is it sound
 *   for an op that merely leaves the current state unchanged (a write of the value already
 *   held): moving it would drop its effect from the later point.
 * - Operations with an unknown outcome (`info`) have their return at infinity and need never be
 *   linearized: the search succeeds once every `ok` operation is. Those the model's `prune` shows
 *   no linearization needs (register.ts: crashed writes whose value nothing observes) are left
 *   out before the search starts.
 * - Interchangeable unknown-outcome ops (the model's `interchangeable`: in one class, each is
 *   legal where another is and leads to a state no later op can tell apart) are linearized in
 *   the order of their calls only: a member waits until every earlier member is linearized.
 *   Proof: take a linearization that places a member j while an earlier member i is not yet
 *   placed. i is pending there (members are ranked by call, so i was called before j), and its
 *   return is at infinity, so i may stand where j stands and j where i stood, later, or nowhere
 *   if i was nowhere; by the class's promise every op in between sees a state it cannot tell
 *   apart, so it stays legal. Repeating this sorts the placed members into a prefix of the class
 *   in order. So among k crashed writes the search tries "how many took effect" (k + 1 ways),
 *   not every ordered subset, at each point.
 */
import type { Operation } from '../history/types.js';
import { StepBudgetExceeded, type Model } from '../models/model.js';
import {
  buildCounterexample,
  DeadEndRecord,
  impossibleCounterexample,
  MAX_CANDIDATES,
  PATH_TAIL,
} from './counterexample.js';
import { buildEntryList, HEAD_ENTRY, isCall, NIL } from './entries.js';
import { ConfigurationSet } from './memo.js';
import { StateTable } from './states.js';
import type { Counterexample, Validity } from './types.js';

export interface SearchLimits {
  /** performance.now() value after which the search gives up with "timeout". */
  deadline?: number;
  /** Bytes the configuration set may hold before the search gives up with "memory". */
  maxMemoryBytes?: number;
  /** Configurations the search may store before giving up with "memory". */
  maxConfigurations?: number;
  /** Distinct model states the search may meet before giving up with "memory" (MAX_STATES). */
  maxStates?: number;
  /**
   * Shared by the searches of one thread, so that maxMemoryBytes bounds them together: each
   * search adds what its configuration set grows by, and gives it back when it ends.
   */
  meter?: { bytes: number };
}

export interface SearchResult {
  valid: Validity;
  cause?: 'timeout' | 'memory';
  configurations: number;
  counterexample?: Counterexample;
}

const CHECK_EVERY = 1024;

/** Checks one part to the end (or to a budget). */
export function searchLinearization<S>(
  ops: Operation[],
  model: Model<S>,
  limits: SearchLimits = {},
): SearchResult {
  return startSearch(ops, model, limits).run(Infinity) as SearchResult;
}

/**
 * A search that runs in slices: `run(n)` does at most about n steps and returns the result, or
 * undefined when it needs more. Callers interleave the parts of a history this way, so an easy
 * invalid part is found before a hard one is exhausted (as Porcupine's concurrent partitions do).
 */
export interface ResumableSearch {
  run(maxIterations: number): SearchResult | undefined;
}

export function startSearch<S>(
  allOps: Operation[],
  model: Model<S>,
  limits: SearchLimits = {},
): ResumableSearch {
  // Unknown-outcome ops no linearization needs (the model's proof) are not searched at all.
  const ops = model.prune?.(allOps) ?? allOps;
  const n = ops.length;
  let okCount = 0;
  for (const op of ops) if (op.status === 'ok') okCount++;
  if (okCount === 0) return { run: () => ({ valid: true, configurations: 0 }) };
  const impossible = model.impossible?.(ops);
  if (impossible) {
    const counterexample = impossibleCounterexample(ops, impossible);
    return { run: () => ({ valid: false, configurations: 0, counterexample }) };
  }

  const classes = classOrder(ops, model.interchangeable?.(ops));
  const list = buildEntryList(ops);
  const { next, prev } = list;
  let head = list.head;
  const states = new StateTable(model, limits.maxStates);
  const readOnly = new Uint8Array(n);
  if (model.readOnly) for (let i = 0; i < n; i++) readOnly[i] = model.readOnly(ops[i]) ? 1 : 0;
  const zobrist = zobristKeys(n);
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const memo = new ConfigurationSet(words);

  // The stack of linearized entries, with the state before each and whether it was forced.
  const stackEntry = new Int32Array(n);
  const stackState = new Int32Array(n);
  const stackForced = new Uint8Array(n);
  let depth = 0;
  let linearizedOk = 0;
  let hash = 0;
  let stateId = states.initial();
  let entry = head;
  let iterations = 0;
  const deadEnd = new DeadEndRecord();

  const lift = (call: number) => {
    const ret = call + 1;
    unlinkEntry(call);
    unlinkEntry(ret);
  };
  const unlinkEntry = (e: number) => {
    const p = prev[e];
    const q = next[e];
    if (p === HEAD_ENTRY) head = q;
    else next[p] = q;
    if (q !== NIL) prev[q] = p;
  };
  const unlift = (call: number) => {
    relinkEntry(call + 1);
    relinkEntry(call);
  };
  const relinkEntry = (e: number) => {
    const p = prev[e];
    const q = next[e];
    if (p === HEAD_ENTRY) head = e;
    else next[p] = e;
    if (q !== NIL) prev[q] = e;
  };

  const recordDeadEnd = (op: number) => {
    if (deadEnd.depth >= depth) return;
    let length = 0;
    for (let i = Math.max(0, depth - PATH_TAIL); i < depth; i++) {
      deadEnd.tailOps[length] = stackEntry[i] >>> 1;
      deadEnd.tailStates[length++] = i + 1 < depth ? stackState[i + 1] : stateId;
    }
    let count = 0;
    for (let e = head; e !== NIL && count < MAX_CANDIDATES; e = next[e]) {
      if (isCall(e)) deadEnd.candidates[count++] = e >>> 1;
      else if (e >>> 1 === op) break;
    }
    deadEnd.depth = depth;
    deadEnd.op = op;
    deadEnd.stateId = stateId;
    deadEnd.tailLength = length;
    deadEnd.candidateCount = count;
  };

  // Bytes of this search already added to the shared meter.
  const accounted = { bytes: 0 };
  const finish = (result: SearchResult): SearchResult => {
    if (limits.meter) limits.meter.bytes -= accounted.bytes;
    accounted.bytes = 0;
    return result;
  };
  const run = (maxIterations: number): SearchResult | undefined => {
    let result: SearchResult | undefined;
    try {
      result = runSlice(maxIterations);
    } catch (error) {
      if (!(error instanceof StepBudgetExceeded)) throw error;
      result = { valid: 'unknown', cause: 'memory', configurations: memo.size };
    }
    return result && finish(result);
  };
  const runSlice = (maxIterations: number): SearchResult | undefined => {
    const stop = iterations + maxIterations;
    for (;;) {
      if (linearizedOk === okCount) return { valid: true, configurations: memo.size };
      if (++iterations % CHECK_EVERY === 0) {
        const exhausted = states.full ? 'memory' : checkLimits(limits, memo, accounted);
        if (exhausted) return { valid: 'unknown', cause: exhausted, configurations: memo.size };
        if (iterations >= stop) return undefined;
      }

      let backtrack = false;
      if (entry !== NIL && isCall(entry)) {
        const op = entry >>> 1;
        const cls = classes === undefined ? -1 : classes.classOf[op];
        if (cls >= 0 && classes!.rank[op] !== classes!.taken[cls]) {
          // An earlier member of its class is not linearized yet: this one waits (see above).
          entry = next[entry];
          continue;
        }
        const nextState = states.step(stateId, ops[op], op);
        if (nextState >= 0) {
          // Forced only where the step left this very state: see "Read-only operations" above.
          const forced = readOnly[op] === 1 && nextState === stateId;
          const word = op >>> 5;
          const bit = 1 << (op & 31);
          bits[word] |= bit;
          const nextHash = (hash ^ zobrist[op]) >>> 0;
          if (memo.add(mix(nextHash, nextState), bits, nextState)) {
            stackEntry[depth] = entry;
            stackState[depth] = stateId;
            stackForced[depth] = forced ? 1 : 0;
            depth++;
            if (ops[op].status === 'ok') linearizedOk++;
            if (cls >= 0) classes!.taken[cls]++;
            hash = nextHash;
            stateId = nextState;
            lift(entry);
            entry = head;
            continue;
          }
          bits[word] &= ~bit;
          // A legal read-only op leading to an explored configuration: this one fails too (see above).
          backtrack = forced;
        }
        if (!backtrack) {
          entry = next[entry];
          continue;
        }
      } else if (entry !== NIL) {
        recordDeadEnd(entry >>> 1);
      }

      // Backtrack: undo the last linearization and try the entry after it; forced ones undo further.
      for (;;) {
        if (depth === 0) {
          return {
            valid: false,
            configurations: memo.size,
            counterexample: buildCounterexample(ops, states, deadEnd.toDeadEnd()),
          };
        }
        depth--;
        const call = stackEntry[depth];
        const op = call >>> 1;
        bits[op >>> 5] &= ~(1 << (op & 31));
        hash = (hash ^ zobrist[op]) >>> 0;
        stateId = stackState[depth];
        if (ops[op].status === 'ok') linearizedOk--;
        if (classes !== undefined && classes.classOf[op] >= 0) classes.taken[classes.classOf[op]]--;
        unlift(call);
        if (!stackForced[depth]) {
          entry = next[call];
          break;
        }
      }
    }
  };
  return { run };
}

/** Interchangeable ops by class: each op's class (-1: none), its rank in it, members linearized. */
interface ClassOrder {
  classOf: Int32Array;
  rank: Int32Array;
  /** Per class, how many members are linearized: always the first `taken` of them. */
  taken: Int32Array;
}

/** Ranks each class's members by call (the proof above needs an earlier member called first). */
function classOrder(ops: Operation[], classOf: Int32Array | undefined): ClassOrder | undefined {
  if (classOf === undefined) return undefined;
  let classes = 0;
  for (const cls of classOf) if (cls >= classes) classes = cls + 1;
  if (classes === 0) return undefined;
  const members: number[] = [];
  for (let op = 0; op < classOf.length; op++) if (classOf[op] >= 0) members.push(op);
  members.sort((a, b) => ops[a].call - ops[b].call || a - b);
  const size = new Int32Array(classes);
  const rank = new Int32Array(classOf.length);
  for (const op of members) rank[op] = size[classOf[op]]++;
  return { classOf, rank, taken: new Int32Array(classes) };
}

function checkLimits(
  limits: SearchLimits,
  memo: ConfigurationSet,
  accounted: { bytes: number },
): 'timeout' | 'memory' | undefined {
  if (limits.deadline !== undefined && performance.now() > limits.deadline) return 'timeout';
  const meter = limits.meter ?? accounted;
  if (limits.meter) {
    limits.meter.bytes += memo.bytes - accounted.bytes;
    accounted.bytes = memo.bytes;
  } else accounted.bytes = memo.bytes;
  if (limits.maxMemoryBytes !== undefined && meter.bytes > limits.maxMemoryBytes) return 'memory';
  if (limits.maxConfigurations !== undefined && memo.size > limits.maxConfigurations) return 'memory';
  return undefined;
}

/** Mixes the linearized-set hash with the state id into the memo's 32-bit key. */
function mix(setHash: number, stateId: number): number {
  return (setHash ^ Math.imul(stateId + 1, 0x9e3779b1)) >>> 0;
}

/** Random 32-bit keys, one per op, XORed into the hash of the linearized set (Zobrist hashing). */
function zobristKeys(n: number): Uint32Array {
  const keys = new Uint32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    // xorshift32: deterministic, so a search is reproducible run to run.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = x >>> 0;
  }
  return keys;
}
