/**
 * checkLinearizable: split a history into independent parts (P-compositionality: the history is
 * linearizable iff every part is), check the parts, in parallel on worker threads when it pays,
 * and merge the verdicts (false > unknown > true). Budgets end the check with "unknown" and a
 * cause instead of hanging or running out of memory.
 */
import { availableParallelism } from 'node:os';
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { defaultPartition, getModel, ModelError } from '../models/index.js';
import { determinize } from './determinize.js';
import type { SearchResult } from './search.js';
import { checkPartsInterleaved } from './interleave.js';
import { mergeValidity, type CheckResult, type ModelSpec, type Validity } from './types.js';

export type { ModelSpec } from './types.js';

export interface CheckOptions {
  /** Wall-clock budget for the whole check, in ms. */
  timeLimitMs?: number;
  /** Memory the memo tables may use in all, in bytes (default 1 GiB). */
  maxMemoryBytes?: number;
  /** Configurations one part may store. */
  maxConfigurations?: number;
  /** Worker threads: 0 = check in this thread; default: cores, when the history is large enough. */
  workers?: number;
}

const DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024;
/** Below this many operations, starting workers costs more than it saves. */
const PARALLEL_THRESHOLD = 20_000;

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
    model = resolveModel(spec);
    validateOperations(ops, model);
  } catch (error) {
    return unknownResult(ops.length, 0, started, `bad input: ${(error as Error).message}`);
  }
  // Smallest first: with interleaving, small parts settle quickly and free their slot.
  const parts = partitionOperations(ops, model).sort((a, b) => a.length - b.length);
  const deadline = options.timeLimitMs === undefined ? undefined : started + options.timeLimitMs;
  const workers = chooseWorkers(options.workers, ops.length, parts.length, spec);
  const memoryPerThread = Math.floor((options.maxMemoryBytes ?? DEFAULT_MEMORY_BYTES) / Math.max(1, workers));
  const limits = { deadline, maxMemoryBytes: memoryPerThread, maxConfigurations: options.maxConfigurations };

  let results: SearchResult[];
  try {
    results =
      workers > 0
        ? // Loaded only here: most checks run in this thread, and worker_threads costs start-up time.
          await (await import('./pool.js')).runOnWorkers(parts, spec as ModelSpec, limits, workers)
        : checkPartsInterleaved(parts, searchModelOf(model), limits);
  } catch (error) {
    return unknownResult(ops.length, parts.length, started, `checker error: ${(error as Error).message}`);
  }
  return mergeResults(results, ops.length, parts.length, started);
}

function chooseWorkers(
  requested: number | undefined,
  opCount: number,
  partCount: number,
  spec: ModelSpec | Model<unknown>,
): number {
  if ('init' in spec) return 0; // a model object cannot cross to a worker thread
  if (requested !== undefined) return Math.min(requested, partCount);
  if (opCount < PARALLEL_THRESHOLD || partCount < 2) return 0;
  return Math.min(availableParallelism(), partCount);
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
