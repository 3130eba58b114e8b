/**
 * checkClaims: each of ZooKeeper's consistency claims checked on its own, so a report can say
 * which one broke. Updates are the ops the model does not call read-only.
 * - writes linearizable: the updates alone (reads removed) are linearizable;
 * - sequential: a legal order keeping each session's order (whole history: not compositional);
 * - zookeeper: that, plus real-time order among updates;
 * - sync+read linearizable: updates and sync reads together are linearizable;
 * - linearizable: the whole history is.
 * Violations of the last two are allowed by ZooKeeper's documented guarantees and say so.
 *
 * Method: for models with the `versionGraph` capability (zk-versioned-register: every update
 * reports the version it made), the graph method (graph.ts) decides a claim exactly in
 * near-linear time; otherwise, or when an unknown-outcome update makes the versions ambiguous,
 * the general search decides it.
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { checkLinearizable, resolveModel, type CheckOptions } from '../linearizable/check.js';
import type { ModelSpec } from '../linearizable/types.js';
import { keyedModel } from './keyed.js';
import { checkGraph } from './graph.js';
import { searchSequential } from './sequential.js';
import {
  ALLOWED_NOTE,
  ALSO_BROKEN_NOTE,
  CLAIM_TITLES,
  PROMISED,
  type ClaimName,
  type ClaimResult,
  type ConsistencyClaimResult,
} from './types.js';
import { analyseVersions, type VersionAnalysis } from './versions.js';

export const ALL_CLAIMS: readonly ClaimName[] = [
  'writes-linearizable',
  'sequential',
  'zookeeper',
  'sync-reads-linearizable',
  'linearizable',
];

export interface ClaimsOptions extends Pick<CheckOptions, 'maxMemoryBytes' | 'workers'> {
  claims?: readonly ClaimName[];
  /** Budget for all the claims together, in ms (past it a claim is "unknown", cause timeout). */
  timeLimitMs?: number;
  /** The same as an absolute `performance.now()` time, shared with other checks (wins over timeLimitMs). */
  deadline?: number;
  /** Use the graph method where it applies (default true); false forces the search. */
  graph?: boolean;
}

const DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024;

type Outcome = Omit<ConsistencyClaimResult, 'claim' | 'title' | 'promised' | 'ms'>;

/** Which ops a claim is about, and which of them must also respect real time. */
interface ClaimScope {
  subset: 'all' | 'updates' | 'updates+sync';
  realtime: 'all' | 'updates' | 'none';
}

const SCOPES: Readonly<Record<ClaimName, ClaimScope>> = Object.freeze({
  'writes-linearizable': { subset: 'updates', realtime: 'all' },
  sequential: { subset: 'all', realtime: 'none' },
  zookeeper: { subset: 'all', realtime: 'updates' },
  'sync-reads-linearizable': { subset: 'updates+sync', realtime: 'all' },
  linearizable: { subset: 'all', realtime: 'all' },
});

export async function checkClaims(
  ops: Operation[],
  spec: ModelSpec,
  options: ClaimsOptions = {},
): Promise<ConsistencyClaimResult[]> {
  const deadline =
    options.deadline ??
    (options.timeLimitMs === undefined ? undefined : performance.now() + options.timeLimitMs);
  const context = new ClaimContext(ops, spec, { ...options, deadline });
  const results: ConsistencyClaimResult[] = [];
  for (const claim of options.claims ?? ALL_CLAIMS) {
    const started = performance.now();
    const outcome = await context.check(claim).catch((error: unknown): Outcome => ({
      valid: 'unknown',
      cause: `checker error: ${(error as Error).message}`,
      method: 'search',
    }));
    results.push({
      claim,
      title: CLAIM_TITLES[claim],
      promised: PROMISED.has(claim),
      ms: performance.now() - started,
      ...outcome,
    });
  }
  return annotate(results);
}

class ClaimContext {
  private readonly subsets = new Map<ClaimScope['subset'], Operation[]>();
  private readonly analyses = new Map<ClaimScope['subset'], VersionAnalysis>();
  private model?: Model<unknown>;

  constructor(
    private readonly ops: Operation[],
    private readonly spec: ModelSpec,
    private readonly options: ClaimsOptions,
  ) {}

  async check(claim: ClaimName): Promise<Outcome> {
    const scope = SCOPES[claim];
    const ops = this.subset(scope.subset);
    const note =
      claim === 'sync-reads-linearizable' && !this.ops.some((op) => op.sync === true)
        ? { note: 'no sync reads in this history' }
        : {};
    const analysis = this.analysis(scope.subset);
    if (analysis?.kind === 'conflict')
      return { valid: false, method: 'graph', conflict: analysis.conflict, ...note };
    if (analysis?.kind === 'chains') {
      const verdict = checkGraph(analysis, this.realtime(scope.realtime));
      if (verdict.valid !== 'unknown')
        return {
          valid: verdict.valid,
          method: 'graph',
          ...(verdict.cycle ? { cycle: verdict.cycle } : {}),
          ...note,
        };
    }
    const fallback =
      analysis?.kind === 'undecided'
        ? { fallback: analysis.reason }
        : analysis?.kind === 'chains'
          ? { fallback: 'the only cycle found depends on which unknown-outcome update filled a version gap' }
          : {};
    return { ...(await this.search(ops, scope)), ...fallback, ...note };
  }

  private async search(ops: Operation[], scope: ClaimScope): Promise<Outcome> {
    const { deadline, maxMemoryBytes, workers } = this.options;
    // What is left of the budget all claims share (at least a millisecond: then "timeout").
    const timeLimitMs = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
    if (scope.realtime === 'all') {
      const result = await checkLinearizable(ops, this.spec, { timeLimitMs, maxMemoryBytes, workers });
      return pickSearch(result);
    }
    // Sequential consistency is not compositional: one search over every key at once.
    const model = this.resolved();
    const whole = model.partition ? model : (keyedModel(model) as Model<unknown>);
    const result = searchSequential(ops, whole, {
      deadline: timeLimitMs === undefined ? undefined : performance.now() + timeLimitMs,
      maxMemoryBytes: maxMemoryBytes ?? DEFAULT_MEMORY_BYTES,
      ...(scope.realtime === 'updates' ? { realtime: this.realtime('updates') } : {}),
    });
    return pickSearch(result);
  }

  private resolved(): Model<unknown> {
    this.model ??= resolveModel(this.spec);
    return this.model;
  }

  private isUpdate = (op: Operation) => !(this.resolved().readOnly?.(op) ?? false);

  private realtime(which: ClaimScope['realtime']): (op: Operation) => boolean {
    if (which === 'all') return () => true;
    if (which === 'none') return () => false;
    return this.isUpdate;
  }

  private subset(which: ClaimScope['subset']): Operation[] {
    let ops = this.subsets.get(which);
    if (!ops) {
      ops =
        which === 'all'
          ? this.ops
          : this.ops.filter((op) => this.isUpdate(op) || (which === 'updates+sync' && op.sync === true));
      this.subsets.set(which, ops);
    }
    return ops;
  }

  private analysis(which: ClaimScope['subset']): VersionAnalysis | undefined {
    const capability = this.resolved().versionGraph;
    if (this.options.graph === false || !capability) return undefined;
    let analysis = this.analyses.get(which);
    if (!analysis) {
      analysis = analyseVersions(this.subset(which), capability.init);
      this.analyses.set(which, analysis);
    }
    return analysis;
  }
}

function pickSearch(result: {
  valid: ClaimResult['valid'];
  cause?: string;
  counterexample?: ClaimResult['counterexample'];
}): Outcome {
  return {
    valid: result.valid,
    method: 'search',
    ...(result.cause ? { cause: result.cause } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample } : {}),
  };
}

/**
 * Notes for broken claims ZooKeeper does not promise: allowed, unless a promised claim broke too
 * (then the same anomaly may be a real bug, and calling it allowed would mislead).
 */
export function annotate<R extends ClaimResult>(results: R[]): R[] {
  const promiseBroken = results.some((result) => result.promised && result.valid === false);
  return results.map((result) =>
    result.valid === false && !result.promised
      ? { ...result, note: promiseBroken ? ALSO_BROKEN_NOTE : ALLOWED_NOTE }
      : result,
  );
}

/**
 * The verdict a run gets from its claims: a broken promise is invalid; a violation ZooKeeper
 * does not promise against is not a failure. Unknown promised claims make it unknown. When only
 * unpromised claims were checked, they decide (someone asked for exactly those).
 */
export function claimsVerdict(results: readonly ClaimResult[]): true | false | 'unknown' {
  const promised = results.some((result) => result.promised)
    ? results.filter((result) => result.promised)
    : results;
  if (promised.some((result) => result.valid === false)) return false;
  if (promised.some((result) => result.valid === 'unknown')) return 'unknown';
  return true;
}
