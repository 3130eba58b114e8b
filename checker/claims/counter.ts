/**
 * `counter-linearizable`: a counter of atomic increments is linearizable, decided exactly in
 * O(n log n). Ops named `next` (option `f`) each add one to a counter that starts at 0; an ok op's
 * output is the value it left, a positive integer. In the ids workload the counter is the data
 * version of `/ids/counter` (the setup leaves it at version 0), and an ok `next` is the setData
 * that wrote version v over v - 1. An op of unknown outcome (info) may have made one value, at any
 * point after its invoke; failed ops did nothing (they are not in the ops). Ops on different keys
 * are different counters.
 *
 * This is the version-graph method (graph.ts) specialised to a history of updates only: the
 * chain of versions is the whole order, so the graph's cycles reduce to three checks, and the
 * choice graph.ts can only guess (which unknown-outcome op filled a version gap) has a provably
 * best answer. The history is linearizable iff
 *
 *   (a) no two ok ops report the same value;
 *   (b) an ok op invoked after another ok op completed reports a larger value;
 *   (c) for every gap g (a value in 1..max that no ok op reports), at least as many info ops as
 *       there are gaps ≤ g have L < g, where L is the largest value acknowledged before the info
 *       op was invoked (0 if none).
 *
 * Why, with "linearizable" meaning: some set S of info ops and a total order of the ok ops and S
 * exist in which the op at position p leaves the value p, and x comes before y whenever x
 * completed before y was invoked.
 *
 * Only if. The ok op reporting v sits at position v, so two cannot report one value (a), and real
 * time gives (b). Position max is taken, so every position below it is too: each gap g by an op of
 * S, distinct ops for distinct gaps. An info op at position g comes after every op acknowledged
 * before its invoke, so those hold positions below g: L < g. The gaps ≤ g are therefore filled by
 * distinct info ops with L < g, which is (c).
 *
 * If. An info op that can fill gap g (L < g) can fill every larger gap too, so filling the gaps in
 * ascending order, each with any unused info op that can fill it, never blocks a later gap; (c)
 * says one is left at each step (at the k-th gap at most k - 1 are used, and at least k can fill
 * it). Put the ok op reporting v at position v and each chosen info op at its gap: positions
 * 1..max, each op leaving its position's value; info ops not chosen did not take effect. Real time
 * holds: only an ok op x can complete before another op y is invoked (info ops never complete),
 * and then x's position is below y's by (b) if y is ok, and because v(x) ≤ L(y) < g if y is an info
 * op at gap g. A process never invokes again after an info op and its ok ops are in real-time
 * order, so process order adds nothing.
 *
 * A broken claim names the ops: the pairs behind (a) and (b), and for (c) the first gap where it
 * fails, the ok op that needed it, the info ops that could have filled it, and one that could not
 * with the op acknowledged before it began.
 */
import type { Key, Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimChecker, type ClaimOutcome } from './types.js';
import { describeOp, listed, render, SHOWN } from './queue-ops.js';

const METHOD = 'counter-linearizable';

interface Counter {
  key: Key | undefined;
  /** The ok op that reported each value (the first, when several did). */
  made: Map<number, Operation>;
  /** Info ops with the ok op of the largest value acknowledged before each was invoked. */
  unknown: Array<{ op: Operation; after: Operation | undefined }>;
}

export const counterLinearizable: ClaimChecker = (ops, options) => {
  if (options.f !== undefined && typeof options.f !== 'string')
    throw new ClaimSpecError(`${METHOD}: f must be an op name, got ${JSON.stringify(options.f)}`);
  const f = options.f ?? 'next';
  const mine = ops.filter((op) => op.f === f);
  for (const op of mine) {
    if (op.status === 'ok' && !(Number.isSafeInteger(op.output) && (op.output as number) >= 1))
      throw new Error(
        `${describeOp(op)}: a counter value must be a positive integer, got ${render(op.output)}`,
      );
  }
  if (!mine.some((op) => op.status === 'ok'))
    return { valid: 'unknown', method: METHOD, cause: `no ${f} succeeded` };
  const found = new Anomalies(f);
  const counters = sweep(mine, found);
  for (const counter of counters.values()) uncovered(counter, found);
  return found.outcome();
};

const value = (op: Operation) => op.output as number;

/** What breaks the claim, as lines a person reads and the ops they name. */
class Anomalies {
  readonly duplicates: string[] = [];
  readonly inversions: string[] = [];
  readonly gaps: string[] = [];
  readonly evidence: Operation[] = [];

  constructor(readonly f: string) {}

  show(...ops: Operation[]): void {
    if (this.evidence.length < 3 * SHOWN) this.evidence.push(...ops);
  }

  outcome(): ClaimOutcome {
    const explanation = [
      ...(this.duplicates.length > 0
        ? [`${this.duplicates.length} values made twice: ${listed(this.duplicates)}`]
        : []),
      ...(this.inversions.length > 0
        ? [`${this.inversions.length} values out of real-time order: ${listed(this.inversions)}`]
        : []),
      ...this.gaps,
    ];
    if (explanation.length === 0) return { valid: true, method: METHOD };
    return { valid: false, method: METHOD, explanation, evidence: [...new Set(this.evidence)] };
  }
}

/**
 * One pass over history positions: (a) as ok ops are met, (b) at each ok op's invoke against the
 * largest value acknowledged so far (the pair with the largest earlier value witnesses every
 * inversion of that op), and each info op's L at its invoke.
 */
function sweep(ops: Operation[], found: Anomalies): Map<string, Counter> {
  const events: Array<[number, Operation]> = [];
  for (const op of ops) {
    events.push([op.call, op]);
    if (op.status === 'ok') events.push([op.ret, op]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const counters = new Map<string, Counter>();
  const largest = new Map<Counter, Operation>();
  for (const [position, op] of events) {
    const id = op.key === undefined ? '' : JSON.stringify(op.key);
    let counter = counters.get(id);
    if (!counter) counters.set(id, (counter = { key: op.key, made: new Map(), unknown: [] }));
    const best = largest.get(counter);
    if (op.status === 'info') {
      counter.unknown.push({ op, after: best });
    } else if (position === op.call) {
      const earlier = counter.made.get(value(op));
      if (earlier) {
        found.duplicates.push(
          `${value(op)}${counterOf(counter)} (${describeOp(earlier)} and ${describeOp(op)})`,
        );
        found.show(earlier, op);
      } else counter.made.set(value(op), op);
      if (best && value(best) > value(op)) {
        found.inversions.push(
          `${describeOp(op)} made ${value(op)}${counterOf(counter)} though ${describeOp(best)} made ${value(best)} and was acknowledged before it began`,
        );
        found.show(best, op);
      }
    } else if (!best || value(best) < value(op)) largest.set(counter, op);
  }
  return counters;
}

type Unknown = Counter['unknown'][number];
/** L: the largest value acknowledged before the info op was invoked. */
const limit = (entry: Unknown) => (entry.after ? value(entry.after) : 0);

/**
 * (c): walks the values upward, counting gaps against the info ops that can fill them (sorted by
 * L). Each step is a reported value or a gap, and it stops one gap past the info ops' number, so
 * it takes O(n) steps however large the values are.
 */
function uncovered(counter: Counter, found: Anomalies): void {
  const unknown = [...counter.unknown].sort((a, b) => limit(a) - limit(b));
  let max = 0;
  for (const v of counter.made.keys()) max = Math.max(max, v);
  const gaps: number[] = [];
  let able = 0;
  for (let v = 1; v < max; v++) {
    if (counter.made.has(v)) continue;
    gaps.push(v);
    while (able < unknown.length && limit(unknown[able]) < v) able++;
    if (able < gaps.length) return explainGap(counter, gaps, unknown.slice(0, able), unknown[able], found);
  }
}

/**
 * The first gap (the last of `gaps`) that too few info ops could fill: the ok op that needed it,
 * the info ops that could have (`fillers`), and the first that could not, with its L's op.
 */
function explainGap(
  counter: Counter,
  gaps: number[],
  fillers: Unknown[],
  late: Unknown | undefined,
  found: Anomalies,
): void {
  const f = found.f;
  const v = gaps[gaps.length - 1];
  let needing = undefined as Operation | undefined;
  for (const op of counter.made.values())
    if (value(op) > v && (!needing || value(op) < value(needing))) needing = op;
  const one = gaps.length === 1;
  const missing = one ? `value ${v}` : `values ${listed(gaps.map(String))}`;
  const who = one ? `a ${f} of unknown outcome` : `${gaps.length} ${f} ops of unknown outcome`;
  const could = fillers.length === 0 ? 'none began' : `only ${fillers.length} began`;
  const which = fillers.length === 0 ? '' : `: ${listed(fillers.map(({ op }) => describeOp(op)))}`;
  const why = late
    ? `; ${describeOp(late.op)} began after ${describeOp(late.after!)} had made ${value(late.after!)}`
    : '';
  found.gaps.push(
    `${missing}${counterOf(counter)} must exist before ${describeOp(needing!)} made ${value(needing!)}, and no acknowledged ${f} made ${one ? 'it' : 'them'}, so ${who} must have; ${could} before a value above ${v} was acknowledged${which}${why}`,
  );
  found.show(
    needing!,
    ...fillers.slice(0, SHOWN).map(({ op }) => op),
    ...(late ? [late.op, late.after!] : []),
  );
}

function counterOf(counter: Counter): string {
  return counter.key === undefined ? '' : ` of counter ${JSON.stringify(counter.key)}`;
}
