/**
 * The history recorder: every op is appended to history.jsonl as it is invoked and as it
 * completes, one JSON object per line. Lines are written in batches (every 10 ms, or at 512 ops)
 * rather than one system call each, which on a 2-core machine gives the servers back the time;
 * a batch is flushed synchronously on close and on process exit. So a crash loses at most the
 * last few milliseconds of ops (SIGKILL: the last batch), never a line in the middle, and the
 * history readers take a cut last line as the end of the history: `zkcheck check` and
 * `zkcheck analyze` can always read what was recorded.
 */
import { stringifyExactJson } from '../../checker/history/exact-json.js';
import { closeSync, openSync, writeSync } from 'node:fs';

import type { Process } from '../../checker/history/types.js';

const FLUSH_EVERY_MS = 10;
/** About 64 KiB of lines: a batch this large is written at once. */
const FLUSH_AT_OPS = 512;
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
  /**
   * Ops recorded and not yet written, with their index and time. They are encoded when written,
   * not when recorded: record() sits between a reply and the next request, and every µs there
   * is a µs the servers wait. Recorded ops are never mutated afterwards (ops, replies and errors
   * are fresh objects), so encoding later writes what was recorded.
   */
  private pending: Array<{ index: number; time: number; op: RecordedOp }> = [];
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
   * ignored); fields that are undefined are left out, as JSON.stringify leaves them out.
   */
  record(op: RecordedOp): number {
    if (this.closed) throw new Error(`history ${this.path} is closed`);
    this.pending.push({ index: this.index, time: this.time(), op });
    if (this.pending.length >= FLUSH_AT_OPS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS);
    return this.index++;
  }

  /** Writes every recorded line to the file now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.closed) return;
    let text = '';
    for (const { index, time, op } of this.pending) text += lineOf(index, time, op);
    this.pending = [];
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

/** Names and keys repeat on every line: each string is encoded once. */
const encodedStrings = new Map<string, string>();

function encodeAtom(value: string | number): string {
  if (typeof value === 'number') return JSON.stringify(value);
  let encoded = encodedStrings.get(value);
  if (encoded === undefined) {
    encoded = JSON.stringify(value);
    if (encodedStrings.size < 10_000) encodedStrings.set(value, encoded);
  }
  return encoded;
}

/**
 * The line for an op. A value JSON cannot encode (a BigInt, a cycle) must not lose the line, or
 * the history would have an invoke without its completion: such values are written as strings.
 */
function lineOf(index: number, time: number, op: RecordedOp): string {
  try {
    return encodeLine(index, time, op);
  } catch {
    const safe: RecordedOp = { process: op.process, type: op.type, f: op.f, value: null };
    for (const name in op) safe[name] = encodable(op[name]) ? op[name] : `unencodable: ${String(op[name])}`;
    return encodeLine(index, time, safe);
  }
}

function encodable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

/** One history line, field by field (cheaper than stringifying a copy of `op`). */
function encodeLine(index: number, time: number, op: RecordedOp): string {
  let text = `{"index":${index},"time":${time},"process":${encodeAtom(op.process)},"type":${encodeAtom(op.type)},"f":${encodeAtom(op.f)}`;
  if (op.key !== undefined) text += `,"key":${encodeAtom(op.key)}`;
  // Exact: an integer beyond 2^53 (a bigint) is written as its digits, which the reader reads back.
  text += `,"value":${stringifyExactJson(op.value ?? null) ?? 'null'}`;
  if (op.error !== undefined) text += `,"error":${JSON.stringify(op.error)}`;
  for (const name in op) {
    if (OWN_FIELDS.has(name)) continue;
    const encoded = JSON.stringify(op[name]);
    if (encoded !== undefined) text += `,${JSON.stringify(name)}:${encoded}`;
  }
  return `${text}}\n`;
}
