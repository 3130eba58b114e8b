/**
 * Time for the driver: one monotonic nanosecond clock. The runner shares its clock with the history
 * recorder so op times and schedule times agree; tests use `FakeClock`, which jumps instead of
 * waiting.
 */
export interface Clock {
  /** Nanoseconds since the clock's origin, monotonic. */
  now(): number;
  /** Resolves once `now() >= time`, or as soon as `signal` aborts (never rejects). */
  sleepUntil(time: number, signal?: AbortSignal): Promise<void>;
}

/** The real monotonic clock, counting from its creation (process.hrtime). */
export function systemClock(): Clock {
  const origin = process.hrtime.bigint();
  const now = (): number => Number(process.hrtime.bigint() - origin);
  return {
    now,
    async sleepUntil(time, signal) {
      // Timers have millisecond resolution and may fire a little early or late: loop until due.
      while (now() < time && !signal?.aborted) {
        const ms = Math.max(1, Math.ceil((time - now()) / 1e6));
        await abortableTimeout(ms, signal);
      }
    },
  };
}

function abortableTimeout(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface Timer {
  time: number;
  order: number;
  resolve: () => void;
}

/**
 * A clock that never really waits: whenever the program has nothing left to do but wait (checked
 * with `setImmediate`, which runs after all pending promise callbacks), it jumps to the earliest
 * pending `sleepUntil` and wakes it. Aborted sleeps are forgotten at once, so they never move time.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers: Timer[] = [];
  private order = 0;
  private scheduled = false;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
    if (time <= this.current || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer: Timer = { time, order: this.order++, resolve };
      const onAbort = (): void => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        resolve();
      };
      timer.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.timers.sort((a, b) => a.time - b.time || a.order - b.order);
      this.schedule();
    });
  }

  /** Moves time forward by hand (wakes every sleep that falls due). */
  advance(ns: number): void {
    this.current += ns;
    while (this.timers.length > 0 && this.timers[0].time <= this.current)
      (this.timers.shift() as Timer).resolve();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.timers.shift();
      if (!next) return;
      this.current = Math.max(this.current, next.time);
      next.resolve();
      if (this.timers.length > 0) this.schedule();
    });
  }
}
