/**
 * Live progress of a run: elapsed time, ops/s, ok / fail / info counts and the faults in force.
 * On a terminal one line is rewritten every second; elsewhere (CI logs) a plain line every ten.
 */

export interface ProgressOptions {
  out: (text: string) => void;
  tty: boolean;
  timeLimitSeconds: number;
  active: () => string[];
}

export class Progress {
  private readonly counts = { ok: 0, fail: 0, info: 0 };
  private started = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastTotal = 0;
  private lastAt = 0;

  constructor(private readonly options: ProgressOptions) {}

  count(type: 'ok' | 'fail' | 'info'): void {
    this.counts[type] += 1;
  }

  /** A message from the schedule (e.g. "final phase: healing"), on a line of its own. */
  note(message: string): void {
    this.options.out(`${this.options.tty ? '\r\x1b[K' : ''}  ${this.elapsed().toFixed(0)} s: ${message}\n`);
  }

  start(): void {
    this.started = performance.now();
    this.lastAt = this.started;
    this.timer = setInterval(() => this.tick(), this.options.tty ? 1000 : 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.tick();
    if (this.options.tty) this.options.out('\n');
  }

  line(): string {
    const total = this.counts.ok + this.counts.fail + this.counts.info;
    const now = performance.now();
    const rate = ((total - this.lastTotal) * 1000) / Math.max(1, now - this.lastAt);
    this.lastTotal = total;
    this.lastAt = now;
    const faults = this.options.active();
    return (
      `  ${this.clockText()}  ${rate.toFixed(0)} ops/s  ` +
      `ok ${this.counts.ok}  fail ${this.counts.fail}  info ${this.counts.info}` +
      (faults.length > 0 ? `  faults: ${faults.join(', ')}` : '')
    );
  }

  /** "12/60 s" while the clients run, then "63 s, final phase". */
  private clockText(): string {
    const elapsed = this.elapsed();
    const limit = this.options.timeLimitSeconds;
    return elapsed <= limit ? `${elapsed.toFixed(0)}/${limit} s` : `${elapsed.toFixed(0)} s, final phase`;
  }

  private elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  private tick(): void {
    this.options.out(this.options.tty ? `\r\x1b[K${this.line()}` : `${this.line()}\n`);
  }
}
