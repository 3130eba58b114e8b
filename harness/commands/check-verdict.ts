/**
 * What `zkcheck check` says of one file: the verdict, as a JSON line (--json) or as text lines
 * (the verdict, each claim, the evidence, the shrunk history).
 */
import { basename } from 'node:path';
import { stringifyExactJson } from '../../checker/history/exact-json.js';
import type { CheckResult, Validity } from '../../checker/linearizable/types.js';
import { describeCounterexample } from '../../checker/linearizable/describe.js';
import type { ClaimResult } from '../../checker/consistency/types.js';
import type { Operation } from '../../checker/history/types.js';
import { verdictLabel } from '../../results/verdict.js';

export interface FileVerdict {
  file: string;
  valid: Validity;
  ops: number;
  ms: number;
  cause?: string;
  /** Said beside a valid verdict that holds vacuously (no op succeeded: check-file.ts). */
  note?: string;
  /** Plain linearizability: how it was decided, graph or search. */
  method?: 'graph' | 'search';
  partitions?: number;
  counterexample?: CheckResult['counterexample'];
  /** With --consistency other than linearizable: every claim checked, in order. */
  claims?: ClaimResult[];
  /** Text explanations of the broken claims, by claim (not in JSON). */
  explanations?: Map<string, string[]>;
  /** Text explanation of a broken linearizability verdict decided by the graph method. */
  explanation?: string[];
  /** With --shrink: the smallest history found that still fails, per broken claim ('' for plain linearizability). */
  shrunk?: Array<{ claim: string; ops: Operation[]; complete: boolean }>;
  /** Set when the file's history was converted before checking: what it was read as. */
  converted?: 'lock workload → mutex' | 'election workload → mutex';
}

/** A model by name, with its options (--init). */
export type Spec = { name: string; options: { init?: unknown } };

export const roundMs = (ms: number) => Math.round(ms * 10) / 10;

export function toJson(verdict: FileVerdict): string {
  const { explanations, ...rest } = verdict;
  if (!rest.claims) return stringifyExactJson(rest)!;
  const claims = rest.claims.map((result) => ({
    ...result,
    ...(explanations?.has(result.claim) ? { explanation: explanations.get(result.claim) } : {}),
  }));
  return stringifyExactJson({ ...rest, claims })!;
}

export async function formatVerdict(verdict: FileVerdict): Promise<string> {
  const name = basename(verdict.file);
  const opLabel = verdict.shrunk?.length
    ? (await import('../../checker/explain/text.js')).opLabel
    : undefined;
  const shrunk = (verdict.shrunk ?? []).map(({ claim, ops, complete }) =>
    [
      `${name}: shrunk${claim ? ` (${claim})` : ''} to ${ops.length} ops that still fail${complete ? '' : ' (out of time before a minimum)'}:\n`,
      ...ops.map((op) => `  ${opLabel!(op)}\n`),
    ].join(''),
  );
  const converted = verdict.converted
    ? `  checked as the mutex ops of ${verdict.converted.startsWith('lock') ? 'a lock' : 'an election'} workload history (${verdict.ops} ops; positions are the converted history's)\n`
    : '';
  if (verdict.claims) {
    const { formatClaimLines } = await import('../../results/claims-report.js');
    const claims = verdict.claims.map((claim) => ({
      ...claim,
      explanation: verdict.explanations?.get(claim.claim),
    }));
    // The file's own verdict, where the claims' lines do not say it: unknown with no claim
    // unknown (nothing was checked), or valid only vacuously.
    const overall =
      verdict.valid === 'unknown' && !claims.some((c) => c.valid === 'unknown')
        ? `${name}: unknown (${verdict.cause})\n`
        : verdict.note
          ? `${name}: valid (${verdict.note})\n`
          : '';
    return converted + formatClaimLines(claims, { style: 'file', file: name }) + overall + shrunk.join('');
  }
  const label = verdictLabel(verdict.valid, verdict.cause) + (verdict.note ? ` (${verdict.note})` : '');
  const line = `${name}: ${label}  ${verdict.ops} ops  ${verdict.ms} ms\n`;
  const evidence = verdict.counterexample
    ? describeCounterexample(verdict.counterexample)
    : (verdict.explanation ?? []);
  return line + converted + evidence.map((text) => `  ${text}\n`).join('') + shrunk.join('');
}
