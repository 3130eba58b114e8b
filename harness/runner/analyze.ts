/**
 * From a recorded history to `results.json`: well-formedness, every one of ZooKeeper's claims
 * checked on its own (checker/consistency), run statistics and the self-check. Used at the end
 * of `zkcheck run` and by `zkcheck analyze`, so a re-check gives exactly what the run reported.
 *
 * The run's verdict: invalid if a claim ZooKeeper promises is broken; unknown if one could not
 * be decided, or if the self-check says the run proves nothing (too slow, an op kind that never
 * succeeded); valid otherwise. Violations ZooKeeper allows are reported but do not fail a run.
 */
import { toOperations } from '../../checker/history/operations.js';
import { readHistoryFile } from '../../checker/history/read.js';
import type { History } from '../../checker/history/types.js';
import { checkWellFormed } from '../../checker/history/wellformed.js';
import type { ModelSpec } from '../../checker/linearizable/check.js';
import type { Validity } from '../../checker/linearizable/types.js';
import { checkClaims, claimsVerdict } from '../../checker/consistency/claims.js';
import type { ClaimResult } from '../../checker/consistency/types.js';
import { explainClaim } from '../../checker/explain/text.js';
import { renderTimelineHtml } from '../../checker/explain/svg.js';
import { evidenceWindow } from '../../checker/explain/window.js';
import { runStats, selfCheck, type RunStats } from '../../results/stats.js';

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
}

export interface AnalyzeOptions {
  model: ModelSpec;
  requiredFs: readonly string[];
  minOpsPerSecond: number;
  timeLimitMs: number;
}

/** A broken claim drawn as a standalone HTML page (a timeline of the ops it rests on). */
export interface Counterexample {
  claim: string;
  html: string;
}

export type AnalyzedRun = RunResults & { counterexamples: Counterexample[] };

export async function analyzeHistoryFile(file: string, options: AnalyzeOptions): Promise<AnalyzedRun> {
  const history = await readHistoryFile(file, { format: 'jsonl' });
  return analyzeHistory(history, file, options);
}

export async function analyzeHistory(
  history: History,
  file: string,
  options: AnalyzeOptions,
): Promise<AnalyzedRun> {
  const started = performance.now();
  checkWellFormed(history, file);
  const operations = toOperations(history);
  const checked = await checkClaims(operations, options.model, { timeLimitMs: options.timeLimitMs });
  const clock = (index: number): number | undefined => {
    const time = history[index]?.time ?? -1;
    return time >= 0 ? time : undefined;
  };
  const broken = checked.filter((claim) => claim.valid === false);
  const claims = checked.map((claim) =>
    claim.valid === false ? { ...claim, explanation: explainClaim(claim, { clock }) } : claim,
  );
  const counterexamples = broken.map((claim) => ({
    claim: claim.claim,
    html: renderTimelineHtml(evidenceWindow(operations, claim), claim, { clock }),
  }));
  const stats = runStats(history);
  const problems = selfCheck(stats, {
    minOpsPerSecond: options.minOpsPerSecond,
    requiredFs: options.requiredFs,
  });
  let valid = claimsVerdict(claims);
  let cause: string | undefined;
  if (valid === 'unknown')
    cause = claims
      .filter((c) => c.valid === 'unknown')
      .map((c) => `${c.title}: ${c.cause}`)
      .join('; ');
  if (valid === true && problems.length > 0) {
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
    counterexamples,
  };
}

/** One line per claim, then the verdict: what a person reads at the end of a run. */
export function formatClaims(results: RunResults): string {
  const width = Math.max(...results.claims.map((c) => c.title.length)) + 2;
  const lines = results.claims.map((claim) => {
    const verdict =
      claim.valid === true ? 'valid' : claim.valid === false ? 'INVALID' : `unknown (${claim.cause})`;
    const note = claim.note ? `  (${claim.note})` : '';
    const promise = claim.promised ? '' : '  [not promised]';
    const line = `  ${claim.title.padEnd(width, '.')} ${verdict}${note}${promise}  ${Math.round(claim.ms)} ms`;
    const evidence = (claim.explanation ?? []).slice(0, 8).map((text) => `      ${text}`);
    return [line, ...evidence].join('\n');
  });
  for (const problem of results.selfCheck) lines.push(`  self-check: ${problem}`);
  return `${lines.join('\n')}\n`;
}
