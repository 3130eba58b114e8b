/**
 * The driver: plays a generator in real time against an `invoke` callback, knowing nothing about
 * ZooKeeper. The runner plugs in the client, the nemesis and the history recorder through `invoke`.
 *
 * Loop: hand every ready op to its free thread; when nothing is ready, sleep until the next
 * completion (and the rest of that event-loop turn's) or the next op's scheduled time (never
 * poll); feed each completion back to the generator; after an `info` the thread continues under
 * a new process. It ends when the generator is exhausted and every op has completed.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from './clock.js';
import { Scheduler, sleepNs, type Completion } from './scheduler.js';
import { GeneratorError, type Gen, type GenOp, type Thread } from './types.js';

export type { Completion };

export interface DriverOptions {
  gen: Gen;
  /** Client threads (>= 1); the nemesis thread comes in addition unless `nemesis` is false. */
  threads: number;
  nemesis?: boolean;
  clock: Clock;
  /** Seed for the schedule's randomness; random when omitted (the result reports it). */
  seed?: number;
  /**
   * Performs one op (process `'nemesis'` for nemesis ops) and says how it ended. It should never
   * reject: a rejection is taken as `info` (the outcome is unknown), with the error attached.
   */
  invoke: (op: GenOp, thread: Thread) => Promise<Completion>;
  /** Receives the messages of `log` ops. */
  log?: (message: string) => void;
  /** Aborting stops new ops at once and cuts sleeps short; ops in flight still complete. */
  signal?: AbortSignal;
}

export interface DriverResult {
  seed: number;
  /** Client and nemesis ops handed to `invoke`. */
  invoked: number;
  completed: { ok: number; fail: number; info: number };
  aborted: boolean;
}

interface Arrival {
  thread: Thread;
  completion: Completion;
  /** A client or nemesis op (not the driver's own sleep or log). */
  counted: boolean;
}

/** Drives `gen` to exhaustion (or abort). Rejects if the generator throws, once in-flight ops end. */
export async function runGenerator(options: DriverOptions): Promise<DriverResult> {
  const { clock, signal } = options;
  const seed = options.seed ?? randomInt(0, 2 ** 47);
  const sched = new Scheduler(options.gen, { threads: options.threads, nemesis: options.nemesis, seed });
  const result: DriverResult = { seed, invoked: 0, completed: { ok: 0, fail: 0, info: 0 }, aborted: false };
  const inbox: Arrival[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const nextArrival = (orAbort: boolean): Promise<void> =>
    inbox.length > 0 || (orAbort && signal?.aborted)
      ? Promise.resolve()
      : new Promise((resolve) => (wake = resolve));
  signal?.addEventListener('abort', notify, { once: true });

  const perform = (op: GenOp, thread: Thread): Promise<Completion> => {
    if (op.type === 'sleep')
      return clock.sleepUntil(op.time + sleepNs(op), signal).then(() => ({ type: 'ok' }));
    if (op.type === 'log') {
      options.log?.(String(op.value));
      return Promise.resolve({ type: 'ok' });
    }
    result.invoked += 1;
    let call: Promise<Completion>;
    try {
      call = Promise.resolve(options.invoke(op, thread)); // the same promise when it is one
    } catch (error) {
      call = Promise.reject(error as Error);
    }
    return call.then(checkCompletion).then(undefined, asUnknownOutcome);
  };
  const dispatch = (op: GenOp, thread: Thread): void => {
    inFlight += 1;
    void perform(op, thread).then((completion) => {
      inbox.push({ thread, completion, counted: op.type === 'invoke' });
      notify();
    });
  };
  // Completions are counted here, before the generator sees them, so a generator error never loses one.
  const drain = (feed: boolean): void => {
    for (let a = inbox.shift(); a !== undefined; a = inbox.shift()) {
      inFlight -= 1;
      if (a.counted) result.completed[a.completion.type] += 1;
      if (feed) sched.complete(a.thread, a.completion, clock.now());
    }
  };

  try {
    for (;;) {
      drain(true);
      if (signal?.aborted) break;
      const step = sched.poll(clock.now());
      if (step.kind === 'done') break;
      if (step.kind === 'op') {
        dispatch(step.op, step.thread);
        continue;
      }
      if (step.until === undefined) {
        await nextArrival(true);
        // Let the rest of this event-loop turn's replies arrive first: one pass over the
        // generator then serves them all, and the harness code stays hot in the cache instead
        // of alternating with the client library's for every reply (on 2 shared cores, that
        // alternation costs more than the pass itself). The next requests leave in this same
        // turn, at its check phase.
        await nextTurnPhase();
      } else {
        const timer = new AbortController();
        await Promise.race([nextArrival(true), clock.sleepUntil(step.until, timer.signal)]);
        timer.abort();
      }
    }
  } catch (error) {
    await settle();
    throw error;
  } finally {
    signal?.removeEventListener('abort', notify);
  }
  await settle();
  result.aborted = signal?.aborted ?? false;
  return result;

  async function settle(): Promise<void> {
    while (inFlight > 0) {
      await nextArrival(false);
      // After an abort or a generator error the generator is no longer consulted.
      drain(false);
    }
  }
}

/** An invoke that rejected, or returned no completion: nobody knows whether the op happened. */
function asUnknownOutcome(error: unknown): Completion {
  return { type: 'info', error: error instanceof Error ? error.message : String(error) };
}

const nextTurnPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function checkCompletion(c: Completion): Completion {
  if (c === null || typeof c !== 'object' || (c.type !== 'ok' && c.type !== 'fail' && c.type !== 'info')) {
    throw new GeneratorError(
      `invoke returned ${JSON.stringify(c)}, not a completion of type ok, fail or info`,
    );
  }
  return c;
}
