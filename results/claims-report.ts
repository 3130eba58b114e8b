/**
 * Claims as a person reads them in a terminal: a line per claim (verdict, note, whether ZooKeeper
 * promises it, time), then the evidence of a broken one. `run` and `analyze` use the dotted run
 * style; `check` prefixes each line with the file's name and shows the method.
 */
import type { ClaimResult } from '../checker/claims/types.js';
import { verdictLabel } from './verdict.js';

export interface ClaimLinesOptions {
  /** `run`: dotted titles, "[not promised]", up to 8 evidence lines. `file`: `<file>: ` prefix, method, all evidence. */
  style: 'run' | 'file';
  /** The file name, for the `file` style. */
  file?: string;
}

/** One claim per line, each followed by its evidence (explanations already attached). */
export function formatClaimLines(
  claims: ReadonlyArray<ClaimResult & { explanation?: string[] }>,
  options: ClaimLinesOptions,
): string {
  if (claims.length === 0) return '';
  const width = Math.max(...claims.map((c) => c.title.length));
  const shown = new Set<string>();
  return claims
    .map((claim) => {
      const verdict = verdictLabel(claim.valid, claim.cause);
      const note = claim.note ? `  (${claim.note})` : '';
      const ms = Math.round(claim.ms * 10) / 10;
      if (options.style === 'run') {
        const promise = claim.promised ? '' : '  [not promised]';
        const line = `  ${claim.title.padEnd(width + 2, '.')} ${verdict}${note}${promise}  ${Math.round(claim.ms)} ms\n`;
        return (
          line +
          (claim.explanation ?? [])
            .slice(0, 8)
            .map((text) => `      ${text}\n`)
            .join('')
        );
      }
      const line = `${options.file}: ${claim.title.padEnd(width)}  ${verdict}${note}  ${ms} ms  ${claim.method}\n`;
      // Allowed violations get their evidence too: people ask why, but it does not fail the run.
      const text = (claim.explanation ?? []).map((evidence) => `  ${evidence}\n`).join('');
      if (text === '' || !shown.has(text)) {
        shown.add(text);
        return line + text;
      }
      return line + '  (the same evidence as above)\n';
    })
    .join('');
}

/** What `run` and `analyze` print at the end: the counts, a line per claim, the self-check, the verdict. */
export function formatRunReport(
  results: {
    valid: ClaimResult['valid'];
    cause?: string;
    claims: ReadonlyArray<ClaimResult & { explanation?: string[] }>;
    selfCheck: readonly string[];
    checkMs: number;
    stats: {
      ops: number;
      durationSeconds: number;
      throughput: { all: number };
      byType: { ok: number; fail: number; info: number };
    };
  },
  dir: string,
): string {
  const { stats } = results;
  return [
    `\n${stats.ops} ops in ${stats.durationSeconds.toFixed(1)} s (${stats.throughput.all.toFixed(0)} ops/s): ` +
      `ok ${stats.byType.ok}, fail ${stats.byType.fail}, info ${stats.byType.info}; checked in ${results.checkMs} ms\n`,
    formatClaimLines(results.claims, { style: 'run' }),
    ...results.selfCheck.map((problem) => `  self-check: ${problem}\n`),
    `verdict: ${results.valid === 'unknown' ? `unknown: ${results.cause ?? ''}` : verdictLabel(results.valid)}\n  ${dir}\n`,
  ].join('');
}
