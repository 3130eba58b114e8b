/**
 * The sections of report.html, each a pure function from what the run stored to HTML. Every
 * string that comes from the run (config, history values, claim texts, file names) is escaped
 * here; nothing in the page points outside the run dir.
 */
import { escapeHtml as esc } from './html.js';

/** test.json as the report reads it: every field may be missing in an older or crashed run. */
export interface StoredTest {
  name?: string;
  status?: string;
  zkcheckVersion?: string;
  seed?: number;
  config?: Record<string, unknown>;
  workload?: Record<string, unknown>;
  nemesis?: unknown;
  startedAt?: string;
  endedAt?: string;
  provider?: string;
  providerReason?: string;
  zookeeper?: { source?: string; version?: string };
  nodes?: number;
}

export interface StoredClaim {
  claim: string;
  title?: string;
  valid: unknown;
  cause?: string;
  promised?: boolean;
  note?: string;
  method?: string;
  ms?: number;
  explanation?: string[];
}

interface Outcomes {
  ok: number;
  fail: number;
  info: number;
}

export interface StoredResults {
  valid?: unknown;
  cause?: string;
  claims?: StoredClaim[];
  stats?: {
    ops?: number;
    byF?: Record<string, Outcomes>;
    byType?: Outcomes;
    nemesisOps?: number;
    durationSeconds?: number;
    throughput?: { all?: number; ok?: number };
    latencyMs?: Record<string, { count: number; p50: number; p90: number; p99: number; max: number }>;
    errors?: Record<string, number>;
  };
  selfCheck?: string[];
  aborted?: boolean;
  harnessError?: string;
  ensembleRecovered?: boolean;
  checkedAt?: string;
}

export function verdictWord(valid: unknown): string {
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown';
}

function verdictBadge(valid: unknown): string {
  const word = verdictWord(valid);
  return `<span class="verdict ${word.toLowerCase()}">${word}</span>`;
}

/** The run's verdict and what qualifies it: the first thing a reader sees. */
export function summarySection(test: StoredTest, results: StoredResults | undefined): string {
  const name = test.name ?? 'run';
  if (!results) {
    return `<header><h1>zkcheck run ${esc(name)}</h1><p class="banner unknown">Not checked: the run has no results.json (status ${esc(String(test.status ?? 'unknown'))}).</p></header>`;
  }
  const notes: string[] = [];
  if (results.cause) notes.push(`why unknown: ${results.cause}`);
  for (const problem of results.selfCheck ?? []) notes.push(`self-check: ${problem}`);
  if (results.aborted) notes.push('the run was interrupted: the history stops early');
  if (results.harnessError) notes.push(`harness error: ${results.harnessError}`);
  if (results.ensembleRecovered === false) notes.push('the ensemble did not recover after the final phase');
  const word = verdictWord(results.valid);
  return [
    `<header><h1>zkcheck run ${esc(name)}</h1>`,
    `<p class="banner ${word.toLowerCase()}">verdict: ${word}</p>`,
    notes.length > 0 ? `<ul class="notes">${notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>` : '',
    '</header>',
  ].join('\n');
}

/** A row per claim: verdict, whether ZooKeeper promises it, its note, how and how fast it was checked. */
export function claimsTable(claims: readonly StoredClaim[]): string {
  if (claims.length === 0) return '<p>No claims were checked.</p>';
  const rows = claims.map((claim) => {
    const verdict = claim.valid === 'unknown' && claim.cause ? ` (${esc(claim.cause)})` : '';
    const link = claim.valid === false ? ` <a href="#claim-${esc(claim.claim)}">evidence</a>` : '';
    return (
      `<tr class="claim" data-claim="${esc(claim.claim)}" data-valid="${esc(String(claim.valid))}">` +
      `<td>${esc(claim.title ?? claim.claim)}</td><td>${verdictBadge(claim.valid)}${verdict}${link}</td>` +
      `<td>${claim.promised === false ? 'not promised' : 'promised'}</td><td>${esc(claim.note ?? '')}</td>` +
      `<td>${esc(claim.method ?? '')}</td>${numberCell(typeof claim.ms === 'number' ? Math.round(claim.ms) : '')}</tr>`
    );
  });
  return table(['claim', 'verdict', 'ZooKeeper', 'note', 'method', 'ms'], rows);
}

/** A broken claim's explanation and its counterexample page, embedded in a sandboxed frame. */
export function evidenceSection(
  claim: StoredClaim,
  counterexample: { file: string; html?: string } | undefined,
): string {
  const lines = claim.explanation ?? [];
  const parts = [
    `<section class="evidence" id="claim-${esc(claim.claim)}">`,
    `<h3>${esc(claim.title ?? claim.claim)}: ${verdictBadge(claim.valid)}${claim.note ? ` <span class="note">(${esc(claim.note)})</span>` : ''}</h3>`,
    lines.length > 0 ? `<pre class="explanation">${esc(lines.join('\n'))}</pre>` : '',
  ];
  if (counterexample?.html !== undefined) {
    // srcdoc keeps the page inside this file; the sandbox (no scripts) keeps it from touching ours.
    const height = Math.min(900, Math.max(200, svgHeight(counterexample.html) + 40));
    parts.push(
      `<iframe class="counterexample" sandbox title="counterexample: ${esc(claim.claim)}" height="${height}" srcdoc="${esc(counterexample.html)}"></iframe>`,
    );
  }
  if (counterexample)
    parts.push(`<p><a href="${esc(counterexample.file)}">${esc(counterexample.file)}</a></p>`);
  parts.push('</section>');
  return parts.join('\n');
}

function svgHeight(page: string): number {
  const match = /<svg[^>]*\bheight="(\d+)"/.exec(page);
  return match ? Number(match[1]) : 400;
}

/** The test's parameters and versions, and the command that runs it again. */
export function parametersSection(test: StoredTest, command: string): string {
  const workload = test.workload ?? {};
  const nemesis = Array.isArray(test.nemesis) ? test.nemesis.join(', ') : String(test.nemesis ?? '');
  const image = test.config?.image ?? test.zookeeper?.source;
  const facts: Array<[string, unknown]> = [
    ['workload', workload.name ?? test.config?.workload],
    ['nemesis', nemesis || 'none'],
    ['seed', test.seed ?? test.config?.seed],
    ['zkcheck', test.zkcheckVersion],
    ['ZooKeeper', test.zookeeper?.version],
    ['provider', test.provider ?? test.config?.provider],
    ['provider choice', test.providerReason],
    ['image', image],
    ['nodes', test.nodes ?? test.config?.nodes],
    ['status', test.status],
    ['started', test.startedAt],
    ['ended', test.endedAt],
  ];
  const settings = Object.entries(test.config ?? {}).map(
    ([key, value]) => `<tr><td>${esc(key)}</td><td>${esc(describeValue(value))}</td></tr>`,
  );
  const workloadFacts = Object.entries(workload)
    .filter(([key]) => key !== 'name')
    .map(([key, value]) => `<tr><td>${esc(key)}</td><td>${esc(describeValue(value))}</td></tr>`);
  return [
    '<h2 id="parameters">Test</h2>',
    '<p>Run it again:</p>',
    `<pre class="command"><code>${esc(command)}</code></pre>`,
    keyValueTable(facts),
    '<details><summary>every setting (test.json)</summary>',
    table(['setting', 'value'], settings),
    workloadFacts.length > 0 ? `<h4>workload</h4>${table(['', ''], workloadFacts)}` : '',
    '</details>',
  ].join('\n');
}

/** Op counts by kind and outcome, latency quantiles, throughput and errors, from results.json. */
export function statsSection(stats: StoredResults['stats']): string {
  if (!stats) return '<h2 id="stats">Ops</h2><p>No statistics: the run has no results.json.</p>';
  const counts = Object.entries(stats.byF ?? {}).map(([f, o]) => countRow(f, o));
  if (stats.byType) counts.push(countRow('all', stats.byType, 'total'));
  const latency = Object.entries(stats.latencyMs ?? {}).map(
    ([f, l]) =>
      `<tr><td>${esc(f)}</td>${[l.count, l.p50, l.p90, l.p99, l.max].map(numberCell).join('')}</tr>`,
  );
  const errors = Object.entries(stats.errors ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `<tr><td>${esc(name)}</td>${numberCell(count)}</tr>`);
  return [
    '<h2 id="stats">Ops</h2>',
    `<p>${esc(
      `${stats.ops ?? 0} client ops and ${stats.nemesisOps ?? 0} nemesis ops in ${stats.durationSeconds ?? 0} s: ` +
        `${stats.throughput?.all ?? 0} ops/s, ${stats.throughput?.ok ?? 0} ok ops/s.`,
    )}</p>`,
    table(['op', 'ok', 'fail', 'info', 'total'], counts),
    '<h3>Latency of ok ops (ms)</h3>',
    table(['op', 'count', 'p50', 'p90', 'p99', 'max'], latency),
    errors.length > 0 ? `<h3>Errors (fail and info)</h3>${table(['error', 'count'], errors)}` : '',
  ].join('\n');
}

function countRow(f: string, o: Outcomes, className = ''): string {
  const cells = [o.ok, o.fail, o.info, o.ok + o.fail + o.info].map(numberCell).join('');
  return `<tr${className ? ` class="${className}"` : ''}><td>${esc(f)}</td>${cells}</tr>`;
}

/** Relative links to the run's own files. */
export function filesSection(files: ReadonlyArray<{ path: string; what: string }>): string {
  const items = files.map(
    (file) => `<li><a href="${esc(file.path)}">${esc(file.path)}</a> ${esc(file.what)}</li>`,
  );
  return `<h2 id="files">Files</h2>\n<ul class="files">${items.join('\n')}</ul>`;
}

/** A number from results.json: escaped like any stored text, since a file can hold anything. */
function numberCell(value: unknown): string {
  return `<td class="num">${esc(String(value))}</td>`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

function keyValueTable(rows: ReadonlyArray<[string, unknown]>): string {
  const shown = rows
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `<tr><th>${esc(key)}</th><td>${esc(describeValue(value))}</td></tr>`);
  return `<table class="facts">${shown.join('')}</table>`;
}

function table(headings: readonly string[], rows: readonly string[]): string {
  const head = headings.map((heading) => `<th>${esc(heading)}</th>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}
