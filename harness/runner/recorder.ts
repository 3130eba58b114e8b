/**
 * The history recorder: every op is appended to history.jsonl as it is invoked and as it
 * completes, one JSON object per line. Lines are written in batches (every 10 ms, or at 64 KiB)
 * rather than one system call each, which on a 2-core machine gives the servers back the time;
 * a batch is flushed synchronously on close and on process exit. So a crash loses at most the
 * last few milliseconds of ops (SIGKILL: the last batch), never a line in the middle, and the
 * history readers take a cut last line as the end of the history: `zkcheck check` and
 * `zkcheck analyze` can always read what was recorded.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

import type { Process } from '../../checker/history/types.js';

const FLUSH_EVERY_MS = 10;
const FLUSH_AT_BYTES = 64 * 1024;
/** Fields a line always has, written first and in this order; everything else follows. */
const OWN_FIELDS = new Set(['index', 'time', 'process', 'type', 'f', 'key', 'value', 'error']);

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
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly flushOnExit = (): void => this.flush();

  /** `time` is the clock every op is stamped with (ns since the run's origin). */
  constructor(
    readonly path: string,
    private readonly time: () => number,
  ) {
    // 'wx': a run never appends to someone else's history.
    this.fd = openSync(path, 'wx');
    process.on('exit', this.flushOnExit);
  }

  get count(): number {
    return this.index;
  }

  /**
   * Appends one op; returns its index. Index and time are ours (fields of those names in `op` are
   * ignored); fields that are undefined are left out, as JSON.stringify leaves them out. The line
   * is written field by field rather than by stringifying a copy of `op`: this runs twice per op.
   */
  record(op: RecordedOp): number {
    if (this.closed) throw new Error(`history ${this.path} is closed`);
    let text = `{"index":${this.index},"time":${this.time()},"process":${JSON.stringify(op.process)},"type":${JSON.stringify(op.type)},"f":${JSON.stringify(op.f)}`;
    if (op.key !== undefined) text += `,"key":${JSON.stringify(op.key)}`;
    text += `,"value":${JSON.stringify(op.value ?? null) ?? 'null'}`;
    if (op.error !== undefined) text += `,"error":${JSON.stringify(op.error)}`;
    for (const name in op) {
      if (OWN_FIELDS.has(name)) continue;
      const encoded = JSON.stringify(op[name]);
      if (encoded !== undefined) text += `,${JSON.stringify(name)}:${encoded}`;
    }
    text += '}\n';
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_AT_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS);
    return this.index++;
  }

  /** Writes every recorded line to the file now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    process.removeListener('exit', this.flushOnExit);
    closeSync(this.fd);
  }
}
