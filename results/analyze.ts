/**
 * From a recorded history to `results.json`: well-formedness, every declared claim checked on
 * its own (checker/claims), run statistics, the self-check and the counterexample pages. `zkcheck
 * run`, `analyze` and `check` all come through here, so a re-check gives exactly what the run
 * reported.
 *
 * The verdict: invalid if a claim ZooKeeper promises is broken; unknown if one could not be
 * decided, if nothing was checked (no op, none succeeded), or if the self-check says the run
 * proves nothing (too slow, an op kind that never succeeded); valid otherwise. Violations
 * ZooKeeper allows are reported but do not fail a run.
 */
import { evaluateClaims, nothingChecked } from '../checker/claims/evaluate.js';
import type { ClaimResult, ClaimSpec } from '../checker/claims/types.js';
import { toOperations } from '../checker/history/operations.js';
import { readHistoryFile } from '../checker/history/read.js';
import type { History } from '../checker/history/types.js';
import { checkWellFormed } from '../checker/history/wellformed.js';
import type { Validity } from '../checker/linearizable/types.js';
import { claimsVerdict } from '../checker/consistency/claims.js';
import { explainClaim } from '../checker/explain/text.js';
import { counterexamplePages, type Counterexample } from './counterexamples.js';
import { cutShort as whereCutShort, type CutShort } from './run-end.js';
import { runStats, selfCheck, type RunStats } from './stats.js';
import { nodeStory } from './node-story.js';
import { dirname } from 'node:path';

export type { Counterexample } from './counterexamples.js';

export interface RunResults {
  valid: Validity;
  /** Why the verdict is unknown, when it is. */
  cause?: string;
  /** Each claim's result; a broken one carries its explanation, a few lines a person can read. */
  claims: Array<ClaimResult & { explanation?: string[] }>;
  stats: RunStats;
  /** Reasons the run proves nothing (empty when it is fine). */
  selfCheck: string[];
  history: { file: string; ops: number };
  checkedAt: string;
  checkMs: number;
  /** Set when a run's history has no end marker: how far it got, and what was left broken. */
  cutShort?: CutShort;
}

export interface AnalyzeOptions {
  claims: readonly ClaimSpec[];
  /** Ops that must succeed at least once (self-check); none for a plain file check. */
  requiredFs?: readonly string[];
  /** Throughput floor (self-check); none for a plain file check. */
  minOpsPerSecond?: number;
  /** Budget of every claim together. */
  timeLimitMs?: number;
  /** Budget to shrink each broken claim's window; 0: no counterexample pages. */
  shrinkBudgetMs?: number;
  /**
   * A run's history, which must end with the end-of-run marker (run-end.ts): without it the run
   * was cut short and can be no better than unknown. Absent for plain history files.
   */
  run?: { plannedSeconds?: number };
}

export type AnalyzedRun = RunResults & { counterexamples: Counterexample[] };

export async function analyzeHistoryFile(file: string, options: AnalyzeOptions): Promise<AnalyzedRun> {
  const history = await readHistoryFile(file, { format: 'jsonl' });
  const analyzed = await analyzeHistory(history, file, options);
  // A run's dir also holds its node logs and nemesis.log: a broken promise's story is in them
  // (ZooKeeper truncating its log, the faults around it). It goes under each broken durability
  // claim, or, when none broke, under the first broken promised claim (lost writes show in other
  // workloads as ids handed out twice, elements lost, ...).
  const durability = new Set(options.claims.filter((c) => c.checker === 'durability').map((c) => c.name));
  const broken = analyzed.claims.filter((c) => c.valid === false && c.promised);
  const told = broken.filter((c) => durability.has(c.claim));
  const story = broken.length > 0 ? nodeStory(dirname(file)) : [];
  if (story.length > 0)
    for (const claim of told.length > 0 ? told : broken.slice(0, 1))
      claim.explanation = [...(claim.explanation ?? []), ...story];
  return analyzed;
}

export async function analyzeHistory(
  history: History,
  file: string,
  options: AnalyzeOptions,
): Promise<AnalyzedRun> {
  const started = performance.now();
  checkWellFormed(history, file);
  const operations = toOperations(history);
  const checked = await evaluateClaims(operations, options.claims, { timeLimitMs: options.timeLimitMs });
  const clock = (index: number): number | undefined => {
    const time = history[index]?.time ?? -1;
    return time >= 0 ? time : undefined;
  };
  const claims = checked.map((claim) =>
    claim.valid === false ? { ...claim, explanation: explainClaim(claim, { clock }) } : claim,
  );
  const counterexamples =
    options.shrinkBudgetMs === 0
      ? []
      : await counterexamplePages(operations, checked, options.claims, {
          clock,
          shrinkBudgetMs: options.shrinkBudgetMs,
        });
  const stats = runStats(history);
  const nothing = nothingChecked(operations);
  const problems = [
    ...(nothing === undefined ? [] : [nothing]),
    ...(options.minOpsPerSecond === undefined
      ? []
      : selfCheck(stats, { minOpsPerSecond: options.minOpsPerSecond, requiredFs: options.requiredFs ?? [] })),
  ];
  let valid = claimsVerdict(claims);
  let cause: string | undefined;
  if (valid === 'unknown')
    cause = claims
      .filter((c) => c.valid === 'unknown')
      .map((c) => `${c.title}: ${c.cause}`)
      .join('; ');
  const cutShort = options.run ? whereCutShort(history, options.run.plannedSeconds) : undefined;
  if (valid !== false && nothing !== undefined) {
    // No op, or none succeeded: that is the reason, whatever each claim made of no evidence.
    valid = 'unknown';
    cause = nothing;
  } else if (valid !== false && cutShort) {
    // Cut short: what it did not get to run (the final reads) is unknown anyway; say why.
    valid = 'unknown';
    cause = `the run was ${cutShort.summary}`;
  } else if (valid === true && problems.length > 0) {
    valid = 'unknown';
    cause = `self-check: ${problems.join('; ')}`;
  }
  return {
    valid,
    ...(cause ? { cause } : {}),
    claims,
    stats,
    selfCheck: problems,
    history: { file, ops: history.length },
    checkedAt: new Date().toISOString(),
    checkMs: Math.round(performance.now() - started),
    ...(cutShort ? { cutShort } : {}),
    counterexamples,
  };
}
