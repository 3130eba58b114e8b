/**
 * The `Workload` interface: what the runner needs from a family of operations. A workload owns
 * its schedule (a pure generator), how one op is performed on a ZooKeeper session, and the model
 * its history is checked against. It knows nothing about ensembles, nemeses or stores.
 */
import type { ZkSession } from '../harness/client/session.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Gen, GenOp } from '../harness/generator/types.js';
import type { ModelSpec } from '../checker/linearizable/check.js';

export interface WorkloadOptions {
  /** Client threads of the run (each its own session). */
  concurrency: number;
  /** Ops per second the run aims for, all clients together. */
  rate: number;
  timeLimitSeconds: number;
  /** Workload-specific settings (validated by the workload). */
  [setting: string]: unknown;
}

export interface Workload {
  readonly name: string;
  /** The sequential model each key's history is checked against. */
  readonly model: ModelSpec;
  /** Ops that must succeed at least once for a run to prove anything (the self-check). */
  readonly requiredFs: readonly string[];
  /** Creates what the ops need, through one session, before any op runs. */
  setup(session: ZkSession): Promise<void>;
  /** The client schedule, unlimited in time: the runner adds rate and time limits. */
  generator(): Gen;
  /** Performs one op. Never rejects: every outcome is a completion (ok, fail or info). */
  invoke(session: ZkSession, op: GenOp): Promise<Completion>;
  /** Fields recorded on the op's invoke besides f, key and value (e.g. `sync: true`). */
  invokeFields?(op: GenOp): Record<string, unknown>;
  /** Settings to store with the run (test.json). */
  describe(): Record<string, unknown>;
}

/** A workload's settings are wrong: the message names the setting (CLI exit 254). */
export class WorkloadError extends Error {
  override name = 'WorkloadError';
}
