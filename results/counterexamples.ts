/**
 * Counterexample pages: for every broken claim, `counterexamples/<claim>.html`, a standalone page
 * with the window of the history the violation rests on (checker/explain/window.ts) and, beside
 * it, that window shrunk to a smaller history that still breaks the claim (delta debugging,
 * checker/explain/shrink.ts), each drawn as a timeline with its explanation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateClaims } from '../checker/claims/evaluate.js';
import type { ClaimResult, ClaimSpec } from '../checker/claims/types.js';
import { shrinkHistory } from '../checker/explain/shrink.js';
import { escapeXml, renderTimelineSvg } from '../checker/explain/svg.js';
import type { Clock } from '../checker/explain/text.js';
import { evidenceWindow } from '../checker/explain/window.js';
import type { Operation } from '../checker/history/types.js';
import { verdictLabel } from './verdict.js';

/** A broken claim drawn as a standalone HTML page. */
export interface Counterexample {
  claim: string;
  html: string;
  /** Ops in the window drawn, and in its shrunk form (undefined: it could not be shrunk). */
  windowOps: number;
  shrunkOps?: number;
}

export interface ShrunkClaim {
  ops: Operation[];
  result: ClaimResult;
  /** False when the budget ran out before a minimum was reached. */
  complete: boolean;
}

/**
 * The smallest history found, within the budget, that still breaks `spec` (its own verdict and
 * evidence); undefined when no smaller one does.
 */
export async function shrinkClaim(
  ops: Operation[],
  spec: ClaimSpec,
  budgetMs = 2_000,
): Promise<ShrunkClaim | undefined> {
  const broken = async (candidate: Operation[]) =>
    (await evaluateClaims(candidate, [spec], { timeLimitMs: 500 }))[0];
  const shrunk = await shrinkHistory(ops, async (candidate) => (await broken(candidate)).valid === false, {
    budgetMs,
  });
  if (shrunk.ops.length >= ops.length) return undefined;
  const result = await broken(shrunk.ops);
  return result.valid === false ? { ops: shrunk.ops, result, complete: shrunk.complete } : undefined;
}

/** One page per broken claim of `claims` (declared by `specs`). */
export async function counterexamplePages(
  ops: readonly Operation[],
  claims: readonly ClaimResult[],
  specs: readonly ClaimSpec[],
  options: { clock?: Clock; shrinkBudgetMs?: number } = {},
): Promise<Counterexample[]> {
  const pages: Counterexample[] = [];
  for (const claim of claims) {
    if (claim.valid !== false) continue;
    const window = evidenceWindow(ops, claim);
    const spec = specs.find((s) => s.name === claim.claim);
    const shrunk =
      spec && window.length > 1
        ? await shrinkClaim(window, spec, options.shrinkBudgetMs).catch(() => undefined)
        : undefined;
    pages.push({
      claim: claim.claim,
      html: pageHtml(claim, window, shrunk, options.clock),
      windowOps: window.length,
      shrunkOps: shrunk?.ops.length,
    });
  }
  return pages;
}

/** `<run>/counterexamples/<claim>.html`. */
export function writeCounterexamples(dir: string, pages: readonly Counterexample[]): void {
  if (pages.length === 0) return;
  mkdirSync(join(dir, 'counterexamples'), { recursive: true });
  for (const { claim, html } of pages) writeFileSync(join(dir, 'counterexamples', `${claim}.html`), html);
}

function pageHtml(
  claim: ClaimResult,
  window: Operation[],
  shrunk: ShrunkClaim | undefined,
  clock?: Clock,
): string {
  const title = `${claim.title}: ${verdictLabel(claim.valid, claim.cause)}`;
  const original =
    window.length > 0
      ? renderTimelineSvg(window, claim, {
          clock,
          title: `${title} (${window.length} ops around the evidence)`,
        })
      : '';
  const small = shrunk
    ? renderTimelineSvg(shrunk.ops, shrunk.result, {
        title: `shrunk: ${shrunk.ops.length} ops that still break it${shrunk.complete ? '' : ' (shrinking ran out of time)'}`,
      })
    : '<p>No smaller history breaks the claim: the window is already minimal (or could not be shrunk).</p>';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:1em}svg .bar:hover{opacity:.75}.pair{display:flex;flex-wrap:wrap;gap:1em}</style>',
    '</head><body>',
    `<h1>${escapeXml(title)}</h1>`,
    '<div class="pair">',
    `<section><h2>the history around the evidence</h2>${original}</section>`,
    `<section><h2>shrunk</h2>${small}</section>`,
    '</div>',
    '</body></html>',
  ].join('\n');
}
