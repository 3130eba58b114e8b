/**
 * checkClaims: each of ZooKeeper's consistency claims checked on its own, so a report can say
 * which one broke. Updates are the ops the model does not call read-only. By search:
 * - writes linearizable: the updates alone (reads removed) are linearizable;
 * - sequential: a legal order keeping each session's order (whole history: not compositional);
 * - zookeeper: that, plus real-time order among updates;
 * - sync+read linearizable: updates and sync reads together are linearizable;
 * - linearizable: the whole history is.
 * Violations of the last two are allowed by ZooKeeper's documented guarantees and say so.
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { checkLinearizable, resolveModel, type CheckOptions, type ModelSpec } from '../linearizable/check.js';
import type { CheckResult } from '../linearizable/types.js';
import { keyedModel } from './keyed.js';
import { searchSequential } from './sequential.js';
import { ALLOWED_NOTE, CLAIM_TITLES, PROMISED, type ClaimName, type ClaimResult } from './types.js';

export const ALL_CLAIMS: readonly ClaimName[] = [
  'writes-linearizable',
  'sequential',
  'zookeeper',
  'sync-reads-linearizable',
  'linearizable',
];

export interface ClaimsOptions extends Pick<CheckOptions, 'timeLimitMs' | 'maxMemoryBytes' | 'workers'> {
  claims?: readonly ClaimName[];
}

export async function checkClaims(
  ops: Operation[],
  spec: ModelSpec,
  options: ClaimsOptions = {},
): Promise<ClaimResult[]> {
  const model = resolveModel(spec);
  const isUpdate = (op: Operation) => !(model.readOnly?.(op) ?? false);
  const results: ClaimResult[] = [];
  for (const claim of options.claims ?? ALL_CLAIMS) {
    const started = performance.now();
    const outcome = await checkClaim(claim, ops, spec, model, isUpdate, options);
    results.push(finish(claim, outcome, performance.now() - started));
  }
  return results;
}

type Outcome = Pick<CheckResult, 'valid' | 'cause' | 'counterexample'> & { note?: string };

async function checkClaim(
  claim: ClaimName,
  ops: Operation[],
  spec: ModelSpec,
  model: Model<unknown>,
  isUpdate: (op: Operation) => boolean,
  options: ClaimsOptions,
): Promise<Outcome> {
  const limits = { timeLimitMs: options.timeLimitMs, maxMemoryBytes: options.maxMemoryBytes, workers: options.workers };
  switch (claim) {
    case 'linearizable':
      return checkLinearizable(ops, spec, limits);
    case 'writes-linearizable':
      return checkLinearizable(ops.filter(isUpdate), spec, limits);
    case 'sync-reads-linearizable': {
      const syncReads = ops.filter((op) => op.sync === true);
      const result = await checkLinearizable(ops.filter((op) => isUpdate(op) || op.sync === true), spec, limits);
      return syncReads.length > 0 ? result : { ...result, note: 'no sync reads in this history' };
    }
    case 'sequential':
    case 'zookeeper': {
      // Sequential consistency is not compositional: one search over every key at once.
      const whole = model.partition ? model : (keyedModel(model) as Model<unknown>);
      const deadline = options.timeLimitMs === undefined ? undefined : performance.now() + options.timeLimitMs;
      return searchSequential(ops, whole, {
        deadline,
        maxMemoryBytes: options.maxMemoryBytes ?? 1024 * 1024 * 1024,
        ...(claim === 'zookeeper' ? { realtime: isUpdate } : {}),
      });
    }
  }
}

function finish(claim: ClaimName, outcome: Outcome, ms: number): ClaimResult {
  const promised = PROMISED.has(claim);
  const note = outcome.valid === false && !promised ? ALLOWED_NOTE : outcome.note;
  return {
    claim,
    title: CLAIM_TITLES[claim],
    valid: outcome.valid,
    ...(outcome.cause ? { cause: outcome.cause } : {}),
    promised,
    ...(note ? { note } : {}),
    method: 'search',
    ms,
    ...(outcome.counterexample ? { counterexample: outcome.counterexample } : {}),
  };
}

/**
 * The verdict a run gets from its claims: a broken promise is invalid; a violation ZooKeeper
 * does not promise against is not a failure. Unknown promised claims make it unknown.
 */
export function claimsVerdict(results: readonly ClaimResult[]): true | false | 'unknown' {
  const promised = results.filter((result) => result.promised);
  if (promised.some((result) => result.valid === false)) return false;
  if (promised.some((result) => result.valid === 'unknown')) return 'unknown';
  return true;
}
