/**
 * The bookkeeping between a generator and the workers that perform its ops, shared by the real-time
 * driver (`run.ts`) and the instant simulation (`simulate.ts`): which threads are free, each
 * thread's current process, the RNG stream, and when an op is ready. Synchronous and deterministic;
 * the caller owns the clock.
 */
import { compareThreads } from './context.js';
import { describe, op, update } from './core.js';
import { advance, rngFromSeed, type Rng } from './rng.js';
import {
  GeneratorError,
  type Context,
  type Gen,
  type GenEvent,
  type GenOp,
  type Process,
  type Thread,
} from './types.js';
import { NS_PER_SECOND } from './time.js';

/** How an op ended: `ok` (happened), `fail` (definitely did not), `info` (unknown). */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  error?: unknown;
  [extra: string]: unknown;
}

export interface SchedulerOptions {
  /** Number of client threads (>= 1). */
  threads: number;
  /** Add the `'nemesis'` thread beside the clients (default true). */
  nemesis?: boolean;
  seed: number;
}

/** What to do next: perform an op now, wait (for a completion, or until `until` ns), or stop. */
export type Step =
  | { kind: 'op'; op: GenOp; thread: Thread; event: GenEvent }
  | { kind: 'wait'; until?: number }
  | { kind: 'done' };

export class Scheduler {
  private gen: Gen;
  private rng: Rng;
  readonly seed: number;
  readonly threadCount: number;
  private readonly threads: readonly Thread[];
  /** Free threads in the order they became free (first = idle longest). */
  private readonly free = new Set<Thread>();
  private readonly processes = new Map<Thread, Process>();
  private readonly threadOf = new Map<Process, Thread>();
  private readonly running = new Map<Thread, GenOp>();
  /**
   * Copies of `free` and `processes` for contexts, each made once per change rather than once per
   * poll: contexts stay snapshots, and a busy run does not copy them on every ask. Processes
   * change only after an `info`.
   */
  private freeSnapshot: readonly Thread[] | undefined;
  private processesSnapshot: ReadonlyMap<Thread, Process> | undefined;

  constructor(gen: Gen, options: SchedulerOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new GeneratorError(`need at least 1 client thread, got ${options.threads}`);
    }
    this.gen = gen;
    this.seed = options.seed;
    this.rng = rngFromSeed(options.seed);
    this.threadCount = options.threads;
    const threads: Thread[] = Array.from({ length: options.threads }, (_, i) => i);
    if (options.nemesis ?? true) threads.push('nemesis');
    this.threads = threads.sort(compareThreads);
    for (const t of this.threads) {
      this.free.add(t);
      this.processes.set(t, t);
      this.threadOf.set(t, t);
    }
  }

  /** Ops started and not yet completed. */
  get inFlight(): number {
    return this.running.size;
  }

  /** The context generators see at `now` (a snapshot: later bookkeeping does not change it). */
  context(now: number): Context {
    this.freeSnapshot ??= [...this.free];
    this.processesSnapshot ??= new Map(this.processes);
    return {
      time: now,
      threads: this.threads,
      free: this.freeSnapshot,
      processes: this.processesSnapshot,
      threadCount: this.threadCount,
      rng: this.rng,
      seed: this.seed,
    };
  }

  /**
   * Asks the generator what to do at `now`. An op whose time has come is started: its thread becomes
   * busy and the generator is updated with the invocation. An op for later is not taken: the caller
   * waits until then (or a completion) and asks again, since the answer may change meanwhile.
   */
  poll(now: number): Step {
    // Every op needs a free thread: with none free the answer can only be "wait", and asking the
    // generator (a walk of its whole tree) after each dispatch of a saturated run is wasted.
    if (this.free.size === 0 && this.gen !== null) return { kind: 'wait' };
    const res = op(this.gen, this.context(now));
    if (res === null) {
      this.gen = null;
      return this.running.size > 0 ? { kind: 'wait' } : { kind: 'done' };
    }
    if (res === 'pending') {
      if (this.running.size === 0) {
        throw new GeneratorError(
          `generator ${describe(this.gen)} is pending with no op in flight: it would wait forever`,
        );
      }
      return { kind: 'wait' };
    }
    if (res.op.time > now) return { kind: 'wait', until: res.op.time };
    const thread = this.threadOf.get(res.op.process);
    if (thread === undefined || !this.free.has(thread) || this.processes.get(thread) !== res.op.process) {
      throw new GeneratorError(
        `generator emitted ${describe(res.op)} but process ${String(res.op.process)} is not free`,
      );
    }
    // Ops are values: copy one only to stamp it (most are asked for at `now` already).
    const started: GenOp = res.op.time === now ? res.op : { ...res.op, time: now };
    this.gen = res.gen;
    this.free.delete(thread);
    this.freeSnapshot = undefined;
    this.running.set(thread, started);
    this.rng = advance(this.rng);
    const event = eventOf(started, thread, 'invoke', now);
    this.gen = update(this.gen, this.context(now), event);
    return { kind: 'op', op: started, thread, event };
  }

  /**
   * Records that the op running on `thread` ended at `now`: frees the thread, updates the
   * generator, and after an `info` gives the thread a new process (p + threadCount), as the old one
   * may still be acting. Returns the completion event.
   */
  complete(thread: Thread, completion: Completion, now: number): GenEvent {
    const started = this.running.get(thread);
    if (!started) throw new GeneratorError(`completion for thread ${String(thread)}, which runs nothing`);
    this.running.delete(thread);
    this.free.add(thread);
    this.freeSnapshot = undefined;
    const event = eventOf(started, thread, completion.type, now);
    event.value = 'value' in completion ? completion.value : started.value;
    if (completion.error !== undefined) event.error = completion.error;
    this.gen = update(this.gen, this.context(now), event);
    if (completion.type === 'info' && started.type === 'invoke' && typeof started.process === 'number') {
      const next = started.process + this.threadCount;
      this.threadOf.delete(started.process);
      this.threadOf.set(next, thread);
      this.processes.set(thread, next);
      this.processesSnapshot = undefined;
    }
    return event;
  }
}

function eventOf(started: GenOp, thread: Thread, type: GenEvent['type'], time: number): GenEvent {
  const event: GenEvent = {
    type,
    f: started.f,
    value: started.value,
    process: started.process,
    thread,
    time,
  };
  if (started.key !== undefined) event.key = started.key;
  if (started.type !== 'invoke') event.special = started.type;
  return event;
}

/** How long a `sleep` op holds its thread, in ns. */
export function sleepNs(op: GenOp): number {
  const seconds = Number(op.value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * NS_PER_SECOND) : 0;
}
