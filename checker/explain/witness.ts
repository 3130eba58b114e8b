/**
 * What "still fails" should mean when shrinking for a reader. Dropping ops can make a history
 * fail for a silly reason — a read whose write was dropped — and the shrink then ends at one
 * unexplained read. So a candidate counts only if it still breaks the claim while the next weaker
 * guarantee still holds: a linearizability violation stays sequentially consistent when the
 * original was (a real-time anomaly), and a sequential-consistency violation stays explainable by
 * some order of its ops at all (every value read was written).
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { checkLinearizable, resolveModel, type ModelSpec } from '../linearizable/check.js';
import { keyedModel } from '../consistency/keyed.js';
import { searchSequential } from '../consistency/sequential.js';
import type { StillFails } from './shrink.js';

export interface WitnessOptions {
  /** Budget for each check of a candidate, in ms (a check that runs out counts as passing). */
  checkMs?: number;
}

type Level = 'none' | 'any-order' | 'sequential' | 'linearizable';

/** A predicate for shrinking a history that is not linearizable (see the module comment). */
export async function notLinearizableWitness(
  ops: Operation[],
  spec: ModelSpec,
  options: WitnessOptions = {},
): Promise<StillFails> {
  const checkMs = options.checkMs ?? 1_000;
  const model = resolveModel(spec);
  const whole = model.partition ? model : (keyedModel(model) as Model<unknown>);
  const holds = async (level: Level, candidate: Operation[]): Promise<boolean | 'unknown'> => {
    if (level === 'none') return true;
    if (level === 'linearizable') {
      const result = await checkLinearizable(candidate, spec, { timeLimitMs: checkMs, workers: 0 });
      return result.valid;
    }
    // Any order: every op its own process, so nothing but the model constrains the order.
    const subject = level === 'sequential' ? candidate : candidate.map((op, i) => ({ ...op, process: i }));
    return searchSequential(subject, whole, { deadline: performance.now() + checkMs }).valid;
  };
  // The strongest guarantee below linearizability that the original keeps (none: plain failure);
  // a check that runs out of time is given the benefit of the doubt.
  const floor: Level =
    (await holds('sequential', ops)) !== false
      ? 'sequential'
      : (await holds('any-order', ops)) !== false
        ? 'any-order'
        : 'none';
  const claim: Level = floor === 'sequential' ? 'linearizable' : 'sequential';
  return async (candidate) =>
    (await holds(claim, candidate)) === false && (await holds(floor, candidate)) !== false;
}
