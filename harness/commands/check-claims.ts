/**
 * Claims of one file, through the same declaration path as a run (results/analyze.ts): ZooKeeper's
 * consistency claims over a model (`--consistency`), or a queue history's (`--claims queue`); and
 * the smallest failing sub-history of each broken one (`--shrink`). Every checker is loaded here
 * on demand: a plain check does not pay for it.
 */
import { toOperations } from '../../checker/history/operations.js';
import type { ClaimName } from '../../checker/consistency/types.js';
import type { ClaimSpec } from '../../checker/claims/types.js';
import { HistoryError, type History, type Operation } from '../../checker/history/types.js';
import type { CheckFlags } from './check-flags.js';
import { roundMs, type FileVerdict, type Spec } from './check-verdict.js';

/** --consistency's claims over the model, as a declaration (all: every consistency claim). */
export async function consistencyDeclaration(
  spec: Spec,
  claims: readonly ClaimName[] | 'all',
): Promise<ClaimSpec[]> {
  const { consistencyClaims } = await import('../../checker/claims/evaluate.js');
  return claims === 'all' ? consistencyClaims(spec) : consistencyClaims(spec, claims);
}

/**
 * The queue claims for a file. A history without sync marks (Jepsen's) counts every "empty"
 * dequeue (and the end of every ok drain) as an observation; --drained makes its end one. FIFO by
 * sequence only where dequeues, or the elements of drains, report the sequence numbers they took
 * (zkcheck's queue workload).
 */
export async function queueDeclaration(
  operations: readonly Operation[],
  flags: CheckFlags,
  file: string,
): Promise<ClaimSpec[]> {
  const { queueClaimSpecs, queueNames, taken } = await import('../../checker/claims/queue-ops.js');
  const unsyncedEmpty = !operations.some((op) => op.sync === true);
  // With the names the declaration's checkers use (their defaults): drains read as they read them.
  const names = queueNames('queue', {});
  let withSeq = false;
  for (const op of operations) {
    if (op.status !== 'ok') continue;
    if (op.f !== names.drain) {
      withSeq ||= taken(op).seq !== undefined;
      continue;
    }
    // Bad input, said as such here, rather than as every queue claim's "checker error".
    if (!Array.isArray(op.output))
      throw new HistoryError(
        `${file}: ops ${op.invokeIndex}→${op.completeIndex} (process ${op.process} ${op.f}): an ok drain's value must be the list of elements it took, got ${JSON.stringify(op.output) ?? 'nothing'}`,
      );
    withSeq ||= op.output.some((v) => taken({ ...op, output: v }).seq !== undefined);
  }
  return queueClaimSpecs({
    fifoBySequence: withSeq,
    total: { ...(unsyncedEmpty ? { unsyncedEmpty } : {}), ...(flags.drained ? { drained: true } : {}) },
  });
}

/**
 * A workload's own claims, as a run of it with its default settings declares them (what
 * `zkcheck analyze` reads from test.json; a history file alone has no test.json).
 */
export async function workloadDeclaration(name: string): Promise<ClaimSpec[]> {
  const { WORKLOADS } = await import('../../workloads/index.js');
  const entry = WORKLOADS.find((e) => e.name === name);
  if (!entry) throw new Error(`no workload "${name}" (CLAIM_SETS names only registered ones)`);
  const settings = Object.fromEntries(entry.settings.map((s) => [s.key, s.default]));
  return [...entry.create({ concurrency: 10, rate: 0, timeLimitSeconds: 60, settings }).claims];
}

export async function checkFileClaims(
  file: string,
  history: History,
  claims: readonly ClaimSpec[],
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  const { analyzeHistory } = await import('../../results/analyze.js');
  const analyzed = await analyzeHistory(history, file, {
    claims,
    timeLimitMs,
    shrinkBudgetMs: 0,
  });
  const explanations = new Map<string, string[]>();
  for (const result of analyzed.claims)
    if (result.explanation) explanations.set(result.claim, result.explanation);
  return {
    file,
    valid: analyzed.valid,
    ...(analyzed.valid === 'unknown' && analyzed.cause ? { cause: analyzed.cause } : {}),
    ops: toOperations(history).length,
    ms: analyzed.checkMs,
    claims: analyzed.claims.map(({ explanation: _explanation, ...result }) => ({
      ...result,
      ms: roundMs(result.ms),
    })),
    explanations,
  };
}

/** The smallest failing sub-history for each broken claim (or the plain linearizability failure). */
export async function shrinkFile(
  operations: Operation[],
  verdict: FileVerdict,
  spec: Spec,
  claims: readonly ClaimName[] | 'all' | undefined,
): Promise<FileVerdict['shrunk']> {
  if (claims === undefined) {
    const [{ notLinearizableWitness }, { shrinkHistory }] = await Promise.all([
      import('../../checker/explain/witness.js'),
      import('../../checker/explain/shrink.js'),
    ]);
    const stillFails = await notLinearizableWitness(operations, spec);
    const shrunk = await shrinkHistory(operations, stillFails, { budgetMs: 5_000 });
    return [{ claim: '', ops: shrunk.ops, complete: shrunk.complete }];
  }
  const [{ consistencyClaims }, { shrinkClaim }] = await Promise.all([
    import('../../checker/claims/evaluate.js'),
    import('../../results/counterexamples.js'),
  ]);
  const broken = (verdict.claims ?? []).filter((claim) => claim.valid === false);
  const results = [];
  for (const claim of broken) {
    const [declared] = consistencyClaims(spec, [claim.claim as ClaimName]);
    const shrunk = await shrinkClaim(operations, declared, 5_000);
    if (shrunk) results.push({ claim: claim.claim, ops: shrunk.ops, complete: shrunk.complete });
  }
  return results;
}
