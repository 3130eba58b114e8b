/**
 * The history recorder: every op is appended to history.jsonl the moment it is invoked or
 * completes, one JSON object per line, with synchronous writes. A harness crash (even SIGKILL)
 * loses at most the line being written, and the history readers take a cut last line as the end
 * of the history, so `zkcheck check` / `zkcheck analyze` can always read what was recorded.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Process } from '../../checker/history/types.js';

export interface RecordedOp {
  process: Process;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  key?: string | number;
  value: unknown;
  error?: unknown;
  /** Anything else worth keeping: the node a client talked to, `sync: true`, ... */
  [extra: string]: unknown;
}

export class HistoryRecorder {
  private readonly fd: number;
  private index = 0;
  private closed = false;

  /** `time` is the clock every op is stamped with (ns since the run's origin). */
  constructor(
    readonly path: string,
    private readonly time: () => number,
  ) {
    // 'wx': a run never appends to someone else's history.
    this.fd = openSync(path, 'wx');
  }

  get count(): number {
    return this.index;
  }

  /** Appends one op (index and time are ours); returns its index. */
  record(op: RecordedOp): number {
    if (this.closed) throw new Error(`history ${this.path} is closed`);
    const { process, type, f, key, value, error, ...extra } = op;
    const line: Record<string, unknown> = { index: this.index, time: this.time(), process, type, f };
    if (key !== undefined) line.key = key;
    line.value = value ?? null;
    if (error !== undefined) line.error = error;
    Object.assign(line, extra);
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    return this.index++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
