/**
 * checkLinearizable: split a history into independent parts (P-compositionality: the history is
 * linearizable iff every part is), check the parts, in parallel on worker threads when it pays,
 * and merge the verdicts (false > unknown > true). Budgets end the check with "unknown" and a
 * cause instead of hanging or running out of memory.
 *
 * When it pays is learnt, not guessed: a worker costs ~50-100 ms to start (a fresh JavaScript
 * runtime that loads the checker and compiles it again), and on two cores its start and its cold
 * code take CPU from this thread too; most histories, even of tens of thousands of ops over many
 * keys, are decided here in less. So the check starts here, and only once it has run
 * PARALLEL_AFTER_MS with parts not yet begun do workers start, taking those parts from the same
 * queue while this thread goes on with its own. Measured on the 2-core machine (fresh processes):
 * 240k simulated ops on 40 keys, 313-372 ms alone, 448-502 with a worker from 100 ms, 564-619 with
 * two from the start (the old rule above 20k ops); 8 hard keys that end at the memory budget,
 * 11.3-14.2 s alone, 7.5-8.1 s with a worker from 100 or 500 ms.
 */
import { availableParallelism } from 'node:os';
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { defaultPartition, getModel, ModelError } from '../models/index.js';
import { determinize } from './determinize.js';
import type { SearchLimits, SearchResult } from './search.js';
import { ACTIVE_PARTS, checkPartsInterleaved, Interleaver, isFinal } from './interleave.js';
import type { PartQueue, RunningPool } from './pool.js';
import { mergeValidity, type CheckResult, type ModelSpec, type Validity } from './types.js';

export type { ModelSpec } from './types.js';

export interface CheckOptions {
  /** Wall-clock budget for the whole check, in ms. */
  timeLimitMs?: number;
  /** Memory the memo tables may use in all, in bytes (default 1 GiB). */
  maxMemoryBytes?: number;
  /** Configurations one part may store. */
  maxConfigurations?: number;
  /**
   * Worker threads: 0 = check in this thread, n = on n workers from the start; default: in this
   * thread, and once the check has run `parallelAfterMs`, on workers too (see above).
   */
  workers?: number;
  /** With the default `workers`: how long this thread checks alone (default PARALLEL_AFTER_MS). */
  parallelAfterMs?: number;
  /** The caller has run validateOperations on these ops with this model: not again. */
  validated?: boolean;
  /** `spec` resolved by the caller already (for its own use): not again. Workers resolve `spec`. */
  model?: Model<unknown>;
}

const DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024;
/** How long a check runs in this thread before parts not yet begun go to workers too. */
const PARALLEL_AFTER_MS = 500;

export function resolveModel(spec: ModelSpec | Model<unknown>): Model<unknown> {
  const model = 'init' in spec ? spec : getModel(spec.name, spec.options ?? {});
  return model.stepAll ? (determinize(model) as Model<unknown>) : model;
}

/** The model the linearizability search runs: the model's own `searchModel` where it has one. */
export function searchModelOf(model: Model<unknown>): Model<unknown> {
  return model.searchModel ? resolveModel(model.searchModel()) : model;
}

/**
 * Checks that the model can read every op (known `f`, well-shaped values) before any search, so
 * that bad input is reported as such, naming the op, rather than as an inconsistency.
 */
export function validateOperations(ops: Operation[], model: Model<unknown>): void {
  if (!model.validate) return;
  for (const op of ops) {
    const problem = model.validate(op);
    if (problem !== undefined) {
      const where =
        op.completeIndex === undefined ? `op ${op.invokeIndex}` : `ops ${op.invokeIndex}→${op.completeIndex}`;
      throw new ModelError(`${where} (process ${op.process} ${op.f}): ${problem}`);
    }
  }
}

/** Splits operations into independent parts with the model's partition, else by key. */
export function partitionOperations(ops: Operation[], model: Model<unknown>): Operation[][] {
  return model.partition ? model.partition(ops) : defaultPartition(ops);
}

export async function checkLinearizable(
  ops: Operation[],
  spec: ModelSpec | Model<unknown>,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const started = performance.now();
  let model: Model<unknown>;
  try {
    model = options.model ?? resolveModel(spec);
    if (!options.validated) validateOperations(ops, model);
  } catch (error) {
    return unknownResult(ops.length, 0, started, `bad input: ${(error as Error).message}`);
  }
  // Smallest first: with interleaving, small parts settle quickly and free their slot.
  const parts = partitionOperations(ops, model).sort((a, b) => a.length - b.length);
  const deadline = options.timeLimitMs === undefined ? undefined : started + options.timeLimitMs;
  const plan = planThreads(options.workers, parts.length, spec);
  const threads = plan.workers + (plan.here ? 1 : 0);
  const memoryPerThread = Math.floor((options.maxMemoryBytes ?? DEFAULT_MEMORY_BYTES) / threads);
  const limits = { deadline, maxMemoryBytes: memoryPerThread, maxConfigurations: options.maxConfigurations };

  let results: SearchResult[];
  try {
    if (!plan.here)
      // Loaded only here: most checks run in this thread, and worker_threads costs start-up time.
      results = await (
        await import('./pool.js')
      ).runOnWorkers(parts, spec as ModelSpec, limits, plan.workers);
    else if (plan.workers === 0) results = checkPartsInterleaved(parts, searchModelOf(model), limits);
    else
      results = await checkHereThenParallel(parts, model, spec as ModelSpec, limits, {
        workers: plan.workers,
        afterMs: options.parallelAfterMs ?? PARALLEL_AFTER_MS,
      });
  } catch (error) {
    return unknownResult(ops.length, parts.length, started, `checker error: ${(error as Error).message}`);
  }
  return mergeResults(results, ops.length, parts.length, started);
}

/**
 * Where the parts are searched: in this thread (`here`), on `workers` threads, or here first and
 * on workers too once the check is long (both). A requested count is taken as asked, all on
 * workers (0: all here).
 */
function planThreads(
  requested: number | undefined,
  partCount: number,
  spec: ModelSpec | Model<unknown>,
): { here: boolean; workers: number } {
  if ('init' in spec) return { here: true, workers: 0 }; // a model object cannot cross to a worker thread
  if (requested !== undefined)
    return requested > 0
      ? { here: false, workers: Math.min(requested, partCount) }
      : { here: true, workers: 0 };
  if (partCount < 2) return { here: true, workers: 0 };
  // This thread keeps searching, so one core fewer.
  return { here: true, workers: Math.min(Math.max(1, availableParallelism() - 1), partCount - 1) };
}

/**
 * Searches the parts in this thread, interleaved (interleave.ts), and once it has run
 * `parallel.afterMs` with parts not yet begun, starts workers that take those parts from the same
 * queue. This thread then yields to the event loop after each turn, so the workers' messages are
 * handled; the first final verdict, from either side, ends the check.
 */
async function checkHereThenParallel(
  parts: Operation[][],
  model: Model<unknown>,
  spec: ModelSpec,
  limits: SearchLimits,
  parallel: { workers: number; afterMs: number },
): Promise<SearchResult[]> {
  const started = performance.now();
  const queue: PartQueue = { parts, next: 0 };
  const interleaver = new Interleaver(searchModelOf(model), { ...limits, meter: { bytes: 0 } });
  const results: SearchResult[] = [];
  let pool: RunningPool | undefined;
  try {
    while (queue.next < parts.length || interleaver.size > 0) {
      while (interleaver.size < ACTIVE_PARTS && queue.next < parts.length)
        interleaver.add(queue.next, parts[queue.next++]);
      for (const { result } of interleaver.turn()) {
        results.push(result);
        if (isFinal(result)) return results;
      }
      if (pool === undefined && queue.next < parts.length && performance.now() - started >= parallel.afterMs)
        pool = (await import('./pool.js')).startWorkers(queue, spec, limits, parallel.workers);
      if (pool !== undefined) {
        await new Promise((resolve) => setImmediate(resolve));
        if (pool.final) return [...results, ...(await pool.done)];
      }
    }
    return pool === undefined ? results : [...results, ...(await pool.finish())];
  } finally {
    await pool?.stop();
  }
}

function mergeResults(
  results: SearchResult[],
  opCount: number,
  partCount: number,
  started: number,
): CheckResult {
  let valid: Validity = true;
  for (const result of results) valid = mergeValidity(valid, result.valid);
  const merged: CheckResult = {
    valid,
    operations: opCount,
    partitions: partCount,
    ms: performance.now() - started,
  };
  if (valid === false) {
    merged.counterexample = results.find((result) => result.valid === false)?.counterexample;
  } else if (valid === 'unknown') {
    merged.cause = results.find((result) => result.valid === 'unknown')?.cause ?? 'unknown';
  }
  return merged;
}

function unknownResult(opCount: number, partCount: number, started: number, cause: string): CheckResult {
  return {
    valid: 'unknown',
    cause,
    operations: opCount,
    partitions: partCount,
    ms: performance.now() - started,
  };
}
