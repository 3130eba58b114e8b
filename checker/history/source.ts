/**
 * Where each op of a history was read from. Readers record it beside the history (not on the
 * ops, which stay plain data), so the well-formedness check and reports can name the file and
 * line of an op. A history built in code, or a copy made with `filter`/`slice`, has no source.
 */
import type { History } from './types.js';

export interface HistorySource {
  file: string;
  /** `lines[i]` is the 1-based line on which op `i` starts. */
  lines: readonly number[];
}

const sources = new WeakMap<History, HistorySource>();

export function recordHistorySource(history: History, source: HistorySource): void {
  sources.set(history, source);
}

/** The file and per-op lines a reader recorded for this exact history array, if any. */
export function historySource(history: History): HistorySource | undefined {
  return sources.get(history);
}
