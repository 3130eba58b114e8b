/**
 * Runs a generator instantly against imaginary workers on a simulated clock: each op takes a fixed
 * (or computed) time and completes as told. Deterministic; for tests and for previewing schedules.
 */
import { Scheduler, sleepNs, type Completion } from './scheduler.js';
import type { Gen, GenEvent, GenOp, Thread } from './types.js';

export interface SimulateOptions {
  /** Client threads. */
  threads: number;
  /** Include the nemesis thread (default true). */
  nemesis?: boolean;
  seed?: number;
  /** Time an op takes, ns (default 10). `sleep` ops take their own duration, `log` ops none. */
  latency?: number | ((op: GenOp) => number);
  /** How an op completes (default: `ok` with its own value). */
  complete?: (op: GenOp, thread: Thread) => Completion;
  /** Stop starting ops after this many (default 10 000); ops in flight still complete. */
  maxOps?: number;
  /** Clock reading at the start, ns (default 0). */
  start?: number;
}

interface Due {
  time: number;
  order: number;
  thread: Thread;
  completion: Completion;
}

/** Every invocation and completion, in the order the scheduler saw them. */
export function simulate(gen: Gen, options: SimulateOptions): GenEvent[] {
  const sched = new Scheduler(gen, {
    threads: options.threads,
    nemesis: options.nemesis,
    seed: options.seed ?? 0,
  });
  const latency = options.latency ?? 10;
  const complete = options.complete ?? ((op: GenOp) => ({ type: 'ok' as const, value: op.value }));
  const maxOps = options.maxOps ?? 10_000;
  const events: GenEvent[] = [];
  const due: Due[] = [];
  let now = options.start ?? 0;
  let started = 0;
  let order = 0;
  for (;;) {
    while (due.length > 0 && due[0].time <= now) {
      const next = due.shift() as Due;
      events.push(sched.complete(next.thread, next.completion, next.time));
    }
    const step =
      started < maxOps
        ? sched.poll(now)
        : sched.inFlight > 0
          ? { kind: 'wait' as const }
          : { kind: 'done' as const };
    if (step.kind === 'done') return events;
    if (step.kind === 'op') {
      events.push(step.event);
      started += 1;
      const { op, thread } = step;
      const took =
        op.type === 'sleep'
          ? sleepNs(op)
          : op.type === 'log'
            ? 0
            : typeof latency === 'number'
              ? latency
              : latency(op);
      const completion: Completion = op.type === 'invoke' ? complete(op, thread) : { type: 'ok' };
      insert(due, { time: now + took, order: order++, thread, completion });
      continue;
    }
    const until = Math.min(step.until ?? Infinity, due.length > 0 ? due[0].time : Infinity);
    if (until === Infinity) throw new Error('simulation stuck: nothing to wait for');
    now = until;
  }
}

/** Keeps `due` sorted by time, then by start order. */
function insert(due: Due[], item: Due): void {
  let i = due.length;
  while (
    i > 0 &&
    (due[i - 1].time > item.time || (due[i - 1].time === item.time && due[i - 1].order > item.order))
  )
    i--;
  due.splice(i, 0, item);
}

/** The invocations of a simulation as `[f, process, time]` triples, for compact assertions. */
export function invocations(events: readonly GenEvent[]): [string, GenEvent['process'], number][] {
  return events.filter((e) => e.type === 'invoke').map((e) => [e.f, e.process, e.time]);
}
