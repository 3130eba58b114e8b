/**
 * A check no search is needed for: a queue cannot hand out an element more often than it was put
 * in. Each dequeue that returned v removes one v that the initial contents or an enqueue that
 * took effect put there, and each enqueue takes effect at most once; so more `ok` dequeues of v
 * than initial copies plus enqueues of v (ok or unknown) is a violation in every order. The
 * search can take a very long time to exhaust every order of a long queue history before it
 * reaches the same verdict, and a duplicate dequeue is exactly the anomaly queue tests look for.
 */
import type { Operation } from '../history/types.js';
import type { Impossibility } from './model.js';
import { canonicalKey, knownOutput, render } from './values.js';

export function overDequeued(
  ops: readonly Operation[],
  initial: readonly unknown[],
): Impossibility | undefined {
  const supply = new Map<string, number>();
  const add = (value: unknown) => {
    const key = canonicalKey(value);
    supply.set(key, (supply.get(key) ?? 0) + 1);
  };
  initial.forEach(add);
  const dequeues: Operation[] = [];
  for (const op of ops) {
    if (op.f === 'enqueue') add(op.input);
    else if (op.f === 'dequeue' && op.status === 'ok') {
      const output = knownOutput(op);
      if (output !== null && output !== undefined) dequeues.push(op);
    }
  }
  dequeues.sort((a, b) => a.ret - b.ret);
  const taken = new Map<string, number>();
  for (const op of dequeues) {
    const key = canonicalKey(knownOutput(op));
    const count = (taken.get(key) ?? 0) + 1;
    taken.set(key, count);
    const available = supply.get(key) ?? 0;
    if (count > available) {
      const times = available === 1 ? 'once' : `${available} times`;
      return {
        op,
        reason:
          available === 0
            ? `dequeue returned ${render(op.output)}, which was never enqueued`
            : `dequeue returned ${render(op.output)} for the ${ordinal(count)} time, but it was enqueued at most ${times}`,
      };
    }
  }
  return undefined;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
