/**
 * `queue-total`: Jepsen's total-queue, with unknown outcomes and "empty" observations taken into
 * account. Elements are unique (each enqueue has its own), so it is checked by counting, in time
 * linear in the history. It fails when the history shows any of:
 *
 *   duplicate   an element taken by two ok dequeues (also: one enqueue that appeared twice);
 *   phantom     an ok dequeue of an element no enqueue (ok or unknown) tried, or that completed
 *               before the enqueue of its element was invoked;
 *   false empty an ok dequeue that observed the queue empty while some element was certainly in
 *               it: its enqueue was acknowledged before the dequeue began, and the ok dequeue that
 *               took it began after the "empty" dequeue ended. Only dequeues whose listing
 *               follows a sync() (the op is marked `sync`) are linearizable observations; others
 *               count only with the option `unsyncedEmpty: true` (e.g. a Jepsen history);
 *   lost        acknowledged enqueues that no ok dequeue took, though the queue was observed empty
 *               after they were acknowledged (the drain's last "empty"), outnumbering the dequeues
 *               of unknown outcome that began before it: each of those may have removed one
 *               element, any element, so only a surplus proves a loss.
 *
 * An enqueue of unknown outcome may be taken once or never. An acknowledged element that nobody
 * took and that no later "empty" observation covers cannot be judged: then, if nothing else is
 * wrong, the claim is "unknown" (the drain did not finish). With the option `drained: true` the
 * end of the history counts as an "empty" observation of every queue (Jepsen's total-queue
 * assumes its history ends with the queue drained): every acknowledged element nobody took is
 * judged, against every dequeue of unknown outcome of its queue.
 *
 * Drains (queue-ops.ts): an ok drain is its dequeues and, at its end, an "empty" observation. A
 * drain of unknown outcome may have taken any number of elements, any of them, before it
 * crashed. Counting it as one unknown dequeue would call the others lost though it may have
 * taken them: wrong. Counting it as having taken them all would be sound but say "valid" on a
 * history whose loss check (the drain) never finished, an assurance it cannot give (Jepsen's
 * total-queue refuses such a history outright). So elements that only such a drain (begun before
 * the "empty" observation that covers them) could have taken make the claim "unknown", naming the
 * drain: no false alarm and no false assurance. Everything else is still judged.
 */
import type { Operation } from '../history/types.js';
import type { ClaimChecker, ClaimOutcome } from './types.js';
import {
  describeOp,
  elementKey,
  listed,
  queueNames,
  queueOf,
  queueOps,
  render,
  SHOWN,
  taken,
} from './queue-ops.js';

const METHOD = 'queue-total';

interface Element {
  enqueue?: Operation;
  taker?: Operation;
}

export const queueTotal: ClaimChecker = (history, options) => {
  const names = queueNames(METHOD, options);
  const { ops, unknownDrains } = queueOps(history, names);
  const unsyncedEmpty = options.unsyncedEmpty === true;
  const drained = options.drained === true;
  const elements = new Map<string | number, Element>();
  const element = (id: string | number): Element => {
    let found = elements.get(id);
    if (!found) elements.set(id, (found = {}));
    return found;
  };
  for (const op of ops) if (op.f === names.enqueue) element(elementKey(op.key, op.input)).enqueue = op;

  const explanation: string[] = [];
  const evidence: Operation[] = [];
  const duplicates: Operation[] = [];
  const phantoms: Operation[] = [];
  const empties: Operation[] = [];
  // Unknown-outcome dequeues, by queue: their invoke positions.
  const unknownDequeues = new Map<string | number, number[]>();
  let maxPosition = 0;
  for (const op of ops) {
    if (op.f !== names.dequeue) continue;
    if (op.status === 'info') {
      const queue = elementKey(op.key, null);
      const calls = unknownDequeues.get(queue) ?? [];
      calls.push(op.call);
      unknownDequeues.set(queue, calls);
      continue;
    }
    maxPosition = Math.max(maxPosition, op.ret);
    const got = taken(op);
    if (got.empty) {
      if (op.sync === true || unsyncedEmpty) empties.push(op);
      continue;
    }
    const it = element(elementKey(op.key, got.element));
    if (!it.enqueue || it.enqueue.call > op.ret) phantoms.push(op);
    else if (it.taker) duplicates.push(op);
    else it.taker = op;
  }

  if (duplicates.length > 0) {
    const lines = duplicates.map((op) => {
      const it = elements.get(elementKey(op.key, taken(op).element))!;
      return `${render(taken(op).element)}${queueOf(op.key)} (${describeOp(it.taker!)}, then ${describeOp(op)})`;
    });
    explanation.push(`${duplicates.length} elements dequeued twice: ${listed(lines)}`);
    for (const op of duplicates.slice(0, SHOWN))
      evidence.push(elements.get(elementKey(op.key, taken(op).element))!.taker!, op);
  }
  if (phantoms.length > 0) {
    const lines = phantoms.map((op) => {
      const it = elements.get(elementKey(op.key, taken(op).element));
      const why = it?.enqueue ? `before its enqueue (${describeOp(it.enqueue)}) began` : 'never enqueued';
      return `${render(taken(op).element)}${queueOf(op.key)} by ${describeOp(op)}, ${why}`;
    });
    explanation.push(`${phantoms.length} elements dequeued that were not enqueued: ${listed(lines)}`);
    evidence.push(...phantoms.slice(0, SHOWN));
  }

  // False empties: one sweep over history positions (each holds one event), keeping per queue
  // the element acknowledged so far whose taker began latest. Linear.
  if (empties.length > 0) {
    const events = new Array<Element | Operation | undefined>(maxPosition + 1);
    for (const it of elements.values())
      if (it.enqueue?.status === 'ok' && it.taker && it.enqueue.ret <= maxPosition)
        events[it.enqueue.ret] = it;
    for (const op of empties) events[op.call] = op;
    const latest = new Map<string | number, Element>();
    const found: [Operation, Element][] = [];
    for (const event of events) {
      if (event === undefined) continue;
      if ('taker' in event || 'enqueue' in event) {
        const it = event as Element;
        const queue = elementKey(it.enqueue!.key, null);
        const best = latest.get(queue);
        if (!best || best.taker!.call < it.taker!.call) latest.set(queue, it);
        continue;
      }
      const op = event as Operation;
      const best = latest.get(elementKey(op.key, null));
      if (best && best.taker!.call > op.ret) found.push([op, best]);
    }
    if (found.length > 0) {
      const lines = found.map(
        ([op, it]) =>
          `${describeOp(op)} found the queue${queueOf(op.key)} empty while ${render(it.enqueue!.input)} was in it (enqueued by ${describeOp(it.enqueue!)}, taken later by ${describeOp(it.taker!)})`,
      );
      explanation.push(`${found.length} "empty" observations while an element was present: ${listed(lines)}`);
      for (const [op, it] of found.slice(0, SHOWN)) evidence.push(it.enqueue!, op, it.taker!);
    }
  }

  // Lost: per queue, acknowledged elements nobody took that the last "empty" observation covers.
  const lastEmpty = new Map<string | number, Operation>();
  for (const op of empties) {
    const queue = elementKey(op.key, null);
    const last = lastEmpty.get(queue);
    if (!last || last.call < op.call) lastEmpty.set(queue, op);
  }
  const missing = new Map<string | number, Operation[]>();
  const unjudged: Operation[] = [];
  // Elements that only a drain of unknown outcome could have taken, and those drains.
  const drainable: Operation[] = [];
  const crashedDrains = new Set<Operation>();
  for (const it of elements.values()) {
    if (!it.enqueue || it.enqueue.status !== 'ok' || it.taker) continue;
    const queue = elementKey(it.enqueue.key, null);
    const last = lastEmpty.get(queue);
    if (!drained && (!last || it.enqueue.ret > last.call)) {
      unjudged.push(it.enqueue);
      continue;
    }
    const list = missing.get(queue) ?? [];
    list.push(it.enqueue);
    missing.set(queue, list);
  }
  for (const [queue, enqueues] of missing) {
    const last = drained ? undefined : lastEmpty.get(queue)!;
    const mayHaveTaken = (unknownDequeues.get(queue) ?? []).filter(
      (call) => last === undefined || call < last.ret,
    ).length;
    if (enqueues.length <= mayHaveTaken) continue;
    const drains = unknownDrains.filter(
      (drain) => elementKey(drain.key, null) === queue && (last === undefined || drain.call < last.ret),
    );
    if (drains.length > 0) {
      drainable.push(...enqueues);
      for (const drain of drains) crashedDrains.add(drain);
      continue;
    }
    const shown = enqueues.map((op) => render(op.input));
    const observed = last
      ? `${describeOp(last)} found the queue empty after them`
      : 'the history ends with the queue drained';
    explanation.push(
      `${enqueues.length} acknowledged enqueues${queueOf(enqueues[0].key)} were never dequeued, though ${observed} and only ${mayHaveTaken} dequeues of unknown outcome could have taken any: ${listed(shown)}`,
    );
    evidence.push(...(last ? [last] : []), ...enqueues.slice(0, SHOWN));
  }

  if (explanation.length > 0) return { valid: false, method: METHOD, explanation, evidence };
  const causes: string[] = [];
  if (drainable.length > 0)
    causes.push(
      `${drainable.length} acknowledged elements were never dequeued, but a drain of unknown outcome (${listed([...crashedDrains].map(describeOp))}) may have taken them: ${listed(drainable.map((op) => render(op.input)))}`,
    );
  if (unjudged.length > 0)
    causes.push(
      `${unjudged.length} acknowledged elements were never dequeued and no later "empty" observation shows the drain finished: ${listed(unjudged.map((op) => render(op.input)))}`,
    );
  if (causes.length > 0) return { valid: 'unknown', method: METHOD, cause: causes.join('; ') };
  return { valid: true, method: METHOD } satisfies ClaimOutcome;
};
