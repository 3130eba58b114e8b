/**
 * The test spec (Jepsen's test map) and the plug-in contract. `zkcheck run` builds a `TestSpec`
 * from the config and the registries (workloads/index.ts, nemesis/index.ts); `runTest(spec)` only
 * drives its lifecycle. Workloads and nemeses are plug-ins: a registry entry declares a name, a
 * line of help, its own settings (as data) and a factory. The runner knows none of them by name.
 */
import type { ClaimSpec } from '../../checker/claims/types.js';
import type { ZkSession } from '../client/session.js';
import type { Ensemble, EnsembleOptions } from '../cluster/types.js';
import type { Completion } from '../generator/scheduler.js';
import type { Context, Gen, GenOp } from '../generator/types.js';
import type { TestConfig } from '../config.js';

// --- settings, declared as data -----------------------------------------------------------------

export type SettingKind = 'int' | 'number' | 'string' | 'boolean';

/** One setting: the CLI builds its flag, config files are checked against it, test.json stores it. */
export interface Setting {
  /** The config-file key and the camelCase of the flag's long name. */
  key: string;
  /** The CLI flag, e.g. `--time-limit <seconds>`. */
  flag: string;
  kind: SettingKind;
  help: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
}

/** A registry entry's own settings, coerced and with defaults filled in, by key. */
export type PluginSettings = Readonly<Record<string, string | number | boolean | undefined>>;

// --- workloads ------------------------------------------------------------------------------------

/** What a workload factory gets: the run's shape and its own settings. */
export interface WorkloadOptions {
  /** Client threads of the run (each its own session). */
  concurrency: number;
  /** Ops per second the run aims for, all clients together (0: as fast as replies come). */
  rate: number;
  timeLimitSeconds: number;
  settings: PluginSettings;
  /**
   * Servers in the ensemble, when known. Client thread t talks to node (t mod nodes) + 1 (see
   * runner/clients.ts), so with fewer threads than nodes some nodes have no client.
   */
  nodes?: number;
}

export interface WorkloadEntry {
  readonly name: string;
  /** One line for `--help`. */
  readonly help: string;
  readonly settings: readonly Setting[];
  /** Builds the workload; throws WorkloadError for settings that do not fit together. */
  create(options: WorkloadOptions): Workload;
}

export interface Workload {
  readonly name: string;
  /** The claims its history is checked for (stored in test.json; analyze evaluates the same). */
  readonly claims: readonly ClaimSpec[];
  /** Ops that must succeed at least once for a run to prove anything (the self-check). */
  readonly requiredFs: readonly string[];
  /** Creates what the ops need, through one session, before any op runs. */
  setup(session: ZkSession): Promise<void>;
  /** The client schedule, unlimited in time: the runner adds rate and time limits. */
  generator(): Gen;
  /** Ops after the faults are healed and the ensemble recovered (final reads, a drain). */
  finalGenerator?(): Gen;
  /** Performs one op. Never rejects: every outcome is a completion (ok, fail or info). */
  invoke(session: ZkSession, op: GenOp): Promise<Completion>;
  /** Fields recorded on the op's invoke besides f, key and value (e.g. `sync: true`). */
  invokeFields?(op: GenOp): Record<string, unknown>;
  /** Settings and facts to store with the run (test.json). */
  describe(): Record<string, unknown>;
}

/** A workload's settings are wrong: the message names the setting (CLI exit 254). */
export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

// --- nemeses --------------------------------------------------------------------------------------

/** What a fault family's factory gets: the running ensemble, the schedule's timing, its settings. */
export interface NemesisOptions {
  ensemble: Ensemble;
  /** Quiet time between two faults, seconds. */
  intervalSeconds: number;
  /** How long each fault lasts, seconds. */
  durationSeconds: number;
  settings: PluginSettings;
}

/** What a fault family's check knows of the run before the ensemble exists. */
export interface RunFacts {
  /** The provider asked for (`auto` until the ensemble starts). */
  provider?: 'auto' | 'docker' | 'local';
  /** `--zookeeper`: a docker image of that release runs the ensemble. */
  zookeeper?: string;
}

export interface NemesisEntry {
  readonly name: string;
  readonly help: string;
  readonly settings: readonly Setting[];
  /**
   * Checks its settings against an ensemble of `nodes` before anything starts: the problem in
   * one line (the CLI exits 254), or undefined. `run` says what the run asked for where it
   * matters (a family that only docker can run). The run also builds every family once against
   * an ensemble that is only its size, so a factory that throws NemesisError is checked as well.
   */
  validate?(settings: PluginSettings, nodes: number, run?: RunFacts): string | undefined;
  create(options: NemesisOptions): NemesisPackage;
}

/** One fault family, bound to an ensemble (Jepsen's nemesis package). */
export interface NemesisPackage {
  readonly name: string;
  /** The f values this package performs. */
  readonly fs: readonly string[];
  /** One fault episode: quiet, start, hold, stop, with targets drawn from the context's RNG. */
  episode(ctx: Context): Gen;
  /** Heals every fault of this family, whatever state the run left it in. */
  readonly finalGenerator: Gen;
  /** Performs one of this package's ops. Never rejects. */
  invoke(op: GenOp): Promise<Completion>;
  /** Faults in force now, for progress lines ("node 2 isolated"). */
  active(): string[];
}

/** The faults of a run, before the ensemble exists; `build` binds them to it. */
export interface NemesisPlan {
  /** The fault families, for the banner and test.json ([] for none). */
  readonly names: readonly string[];
  build(ensemble: Ensemble): Nemesis;
}

/** The composed faults the runner drives on the nemesis thread. */
export interface Nemesis {
  /** Fault episodes forever (the runner's time limit ends them); null without faults. */
  readonly generator: Gen;
  /** Heals every fault the packages can cause; null without faults. */
  readonly finalGenerator: Gen;
  invoke(op: GenOp): Promise<Completion>;
  active(): string[];
}

export class NemesisError extends Error {
  override name = 'NemesisError';
}

// --- the spec -------------------------------------------------------------------------------------

/** How a run's history is judged: the claims, and the self-check's floors. */
export interface RunChecks {
  claims: readonly ClaimSpec[];
  /** Ops that must succeed at least once. */
  requiredFs: readonly string[];
  /** Throughput under this proves nothing (self-check). */
  minOpsPerSecond: number;
  /** Budget of the whole check, ms. */
  timeLimitMs: number;
}

export interface TestSpec {
  /** The validated settings (stored in test.json as they are). */
  config: TestConfig;
  seed: number;
  workload: Workload;
  nemesis: NemesisPlan;
  /** How to start the ensemble (ignored when the hooks bring a running one). */
  ensemble: EnsembleOptions;
  /** A ZooKeeper version to run: its official image, else the local Debian one, built on demand. */
  zookeeperVersion?: string;
  checks: RunChecks;
  /** Every setting declaration (the run's and the plug-ins'): the report's reproduce command reads them. */
  settings?: readonly Setting[];
}
