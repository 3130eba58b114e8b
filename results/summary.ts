/**
 * Markdown for a CI job summary (`--summary FILE`, e.g. `$GITHUB_STEP_SUMMARY`): a table of runs
 * with their verdicts and report links, then per run a table of claims and, for each broken
 * promised claim, its explanation folded in a `<details>`. GitHub renders the summary as
 * GitHub-flavoured markdown with HTML allowed, so every stored string is escaped for both.
 */
import { join, relative } from 'node:path';
import type { StoredClaim } from './report-html.js';
import { claimOutcome, nemesisLabel, runVerdict, workloadLabel, type CiRun } from './ci-run.js';

export interface SummaryOptions {
  /** Where report links are relative to (the summary file's dir); absent: absolute paths. */
  linkFrom?: string;
  /** A page holding the run dirs, e.g. the workflow run's artifacts; shown under the table. */
  artifactsUrl?: string;
}

const VERDICT_MARK: Readonly<Record<string, string>> = {
  valid: '✅ valid',
  INVALID: '❌ INVALID',
  unknown: '❔ unknown',
  running: '⏳ running',
  'not checked': '❔ not checked',
};

export function summaryMarkdown(runs: readonly CiRun[], options: SummaryOptions = {}): string {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(runVerdict(run), (counts.get(runVerdict(run)) ?? 0) + 1);
  const tally = [...counts].map(([verdict, n]) => `${n} ${verdict}`).join(', ');
  const lines = [
    `## zkcheck: ${runs.length} run${runs.length === 1 ? '' : 's'}${tally ? `, ${tally}` : ''}`,
    '',
    '| run | verdict | workload | nemesis | ZooKeeper | ops | duration | report |',
    '| --- | --- | --- | --- | --- | ---: | ---: | --- |',
    ...runs.map((run) => runRow(run, options)),
    '',
  ];
  if (options.artifactsUrl)
    lines.push(`Run directories (reports, histories, logs): ${options.artifactsUrl}`, '');
  for (const run of runs) lines.push(...claimsBlock(run));
  return lines.join('\n');
}

function runRow(run: CiRun, options: SummaryOptions): string {
  const { test, results } = run;
  const report = join(run.dir, 'report.html');
  const link = options.linkFrom !== undefined ? relative(options.linkFrom, report) : report;
  const duration = results?.stats?.durationSeconds;
  return row([
    md(test.name ?? 'run'),
    VERDICT_MARK[runVerdict(run)] ?? md(runVerdict(run)),
    md(workloadLabel(test)),
    md(nemesisLabel(test)),
    md(test.zookeeper?.version ?? ''),
    results?.stats?.ops === undefined ? '' : String(results.stats.ops),
    typeof duration === 'number' ? `${duration.toFixed(1)} s` : '',
    `[report.html](${encodeURI(link).replace(/[()]/g, (c) => encodeURIComponent(c))})`,
  ]);
}

function claimsBlock(run: CiRun): string[] {
  const claims = run.results?.claims ?? [];
  if (claims.length === 0) return [];
  const lines = [
    `### ${md(run.test.name ?? 'run')}: ${VERDICT_MARK[runVerdict(run)] ?? md(runVerdict(run))}`,
    '',
    '| claim | verdict | ZooKeeper | note |',
    '| --- | --- | --- | --- |',
    ...claims.map((claim) =>
      row([
        md(claim.title ?? claim.claim),
        claimVerdict(claim),
        claim.promised === false ? 'not promised' : 'promised',
        md([claim.note, claim.cause].filter(Boolean).join('; ')),
      ]),
    ),
    '',
  ];
  for (const claim of claims.filter((c) => claimOutcome(c) === 'broken')) {
    const explanation = (claim.explanation ?? []).join('\n');
    if (explanation === '') continue;
    lines.push(
      `<details><summary>why ${md(claim.title ?? claim.claim)} is INVALID</summary>`,
      '',
      // A fence longer than any run of backticks in the text, so the text cannot close it.
      fence(explanation),
      '',
      '</details>',
      '',
    );
  }
  return lines;
}

function claimVerdict(claim: StoredClaim): string {
  switch (claimOutcome(claim)) {
    case 'passed':
      return '✅ valid';
    case 'broken':
      return '❌ INVALID';
    case 'unknown':
      return '❔ unknown';
    case 'allowed-broken':
      return 'INVALID (allowed)';
    case 'allowed-unknown':
      return 'unknown (allowed)';
  }
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Table cell text: HTML escaped (GitHub renders HTML), markdown punctuation and pipes neutralised, one line. */
function md(value: string): string {
  return value
    .replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/\s*[\r\n]+\s*/g, ' ');
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}text\n${text}\n${marks}`;
}
