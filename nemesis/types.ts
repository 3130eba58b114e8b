/**
 * Nemeses: faults as packages, in the spirit of Jepsen's nemesis/combined. A package bundles what
 * performs its ops on the ensemble, the schedule of those ops, and a final generator that heals
 * every fault it can cause, so a run's final phase can restore the ensemble before it ends.
 */
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import type { Ensemble } from '../harness/cluster/types.js';

export interface NemesisOptions {
  ensemble: Ensemble;
  /** Quiet time between two faults, seconds. */
  intervalSeconds: number;
  /** How long each fault lasts, seconds. */
  durationSeconds: number;
}

export interface NemesisPackage {
  readonly name: string;
  /** The f values this package performs. */
  readonly fs: readonly string[];
  /** One fault episode: quiet, start, hold, stop, on a node drawn from the context's RNG. */
  episode(ctx: Context): Gen;
  /** Heals every fault of this family, whatever state the run left it in. */
  readonly finalGenerator: Gen;
  /** Performs one of this package's ops. Never rejects. */
  invoke(op: GenOp): Promise<Completion>;
  /** Faults in force now, for progress lines ("node 2 isolated"). */
  active(): string[];
}

export class NemesisError extends Error {
  override name = 'NemesisError';
}
