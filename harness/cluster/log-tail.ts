/**
 * Tails a node's log file (both providers append the server's output to `EnsembleNode.logFile`,
 * across restarts) and hands each new complete line to the listeners whose pattern matches it.
 *
 * Only lines written after the tail starts are seen. New bytes are read as soon as inotify says
 * the file changed (fs.watch), with a short poll beside it in case an event is missed, so a
 * listener runs a few milliseconds after the server wrote the line.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';

/** A line seen in a node's log. */
export interface LogLine {
  text: string;
  /** When this process read it (ms since the epoch). */
  seenAt: number;
  /** The line's own timestamp (ms since the epoch), when it starts with LOG_PATTERN's date. */
  loggedAt?: number;
}

export type LogListener = (line: LogLine) => void;

/** The date LOG_PATTERN (zkconfig.ts) writes: `2026-12-05T14:08:32.123+0000`. */
const STAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{3})([+-]\d{2})(\d{2})/;

/** The line's own timestamp in ms since the epoch, or undefined when it has none. */
export function logTimestamp(line: string): number | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`);
  return Number.isNaN(ms) ? undefined : ms;
}

const POLL_MS = 20;
const CHUNK = 64 * 1024;

export class LogTail {
  private offset: number;
  private partial = '';
  private readonly listeners = new Set<{ pattern: RegExp; listener: LogListener }>();
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(readonly file: string) {
    this.offset = sizeOf(file);
  }

  /** Calls `listener` for every new line matching `pattern`; returns the unsubscribe. */
  on(pattern: RegExp, listener: LogListener): () => void {
    if (this.closed) throw new Error(`log tail of ${this.file} is closed`);
    const entry = { pattern, listener };
    this.listeners.add(entry);
    this.run();
    return () => {
      this.listeners.delete(entry);
      if (this.listeners.size === 0) this.idle();
    };
  }

  /** Stops reading; listeners are dropped. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.idle();
  }

  private run(): void {
    if (this.timer) return;
    // Lines written while nobody listened are not news: start from the end.
    this.offset = sizeOf(this.file);
    this.partial = '';
    try {
      this.watcher = watch(this.file, { persistent: false }, () => this.read());
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = undefined;
    }
    this.timer = setInterval(() => this.read(), POLL_MS);
    this.timer.unref();
  }

  private idle(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads what was appended since the last read and dispatches its complete lines. */
  private read(): void {
    if (this.listeners.size === 0) return;
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return;
    }
    const seenAt = Date.now();
    let text = '';
    try {
      const size = fstatSync(fd).size;
      // Truncated or replaced: start over from its beginning.
      if (size < this.offset) this.offset = 0;
      const buffer = Buffer.alloc(CHUNK);
      while (this.offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(CHUNK, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        text += buffer.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    if (text === '') return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      for (const { pattern, listener } of [...this.listeners]) {
        if (!pattern.test(line)) continue;
        try {
          listener({ text: line, seenAt, loggedAt: logTimestamp(line) });
        } catch {
          // A listener's failure is its own.
        }
      }
    }
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The first new line of `tail` matching `pattern`. Rejects after `timeoutMs` (an Error whose
 * message names the pattern) or with the signal's reason when `signal` aborts.
 */
export function waitForLine(
  tail: LogTail,
  pattern: RegExp,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<LogLine> {
  return new Promise<LogLine>((resolve, reject) => {
    opts.signal?.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      off();
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(opts.signal!.reason);
    };
    const off = tail.on(pattern, (line) => {
      done();
      resolve(line);
    });
    if (opts.timeoutMs !== undefined)
      timer = setTimeout(() => {
        done();
        reject(new Error(`no log line matching ${pattern} in ${tail.file} within ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
