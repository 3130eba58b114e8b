/**
 * Runs the searches of several independent parts in turns of a fixed number of steps, so that the
 * first part to reach a verdict is found first whatever the order: one hard part cannot hide an
 * easy invalid one. Used by the main thread and by each worker thread.
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { startSearch, type ResumableSearch, type SearchLimits, type SearchResult } from './search.js';

/** Steps per turn: a few milliseconds, small enough to switch often, large enough to be cheap. */
const TURN = 16_384;
/** Parts searched at once by one thread; more wait their turn in the queue. */
export const ACTIVE_PARTS = 8;

export interface PartResult {
  index: number;
  result: SearchResult;
}

export class Interleaver {
  private readonly active: Array<{ index: number; search: ResumableSearch }> = [];

  constructor(
    private readonly model: Model<unknown>,
    private readonly limits: SearchLimits,
  ) {}

  get size(): number {
    return this.active.length;
  }

  add(index: number, ops: Operation[]): void {
    this.active.push({ index, search: startSearch(ops, this.model, this.limits) });
  }

  /** Gives every active part one turn; returns the parts that reached a verdict. */
  turn(): PartResult[] {
    const done: PartResult[] = [];
    for (let i = 0; i < this.active.length;) {
      const { index, search } = this.active[i];
      const result = search.run(TURN);
      if (result) {
        done.push({ index, result });
        this.active.splice(i, 1);
      } else i++;
    }
    return done;
  }
}

/** Whether a part's verdict ends the whole check: invalid, or out of time. */
export function isFinal(result: SearchResult): boolean {
  return result.valid === false || result.cause === 'timeout';
}

/** Checks parts in this thread, interleaved, stopping at the first invalid one. */
export function checkPartsInterleaved(
  parts: Operation[][],
  model: Model<unknown>,
  limits: SearchLimits,
): SearchResult[] {
  const interleaver = new Interleaver(model, { ...limits, meter: { bytes: 0 } });
  const results: SearchResult[] = [];
  let next = 0;
  while (next < parts.length || interleaver.size > 0) {
    while (interleaver.size < ACTIVE_PARTS && next < parts.length) interleaver.add(next, parts[next++]);
    for (const { result } of interleaver.turn()) {
      results.push(result);
      if (isFinal(result)) return results;
    }
  }
  return results;
}
