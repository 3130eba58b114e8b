/**
 * The pages of `zkcheck serve`, each a pure function to HTML: the runs list with its filters, a
 * directory listing of a run's files, the compare view and error pages. Everything from the store
 * is escaped; links are to this server only; the one script (the filters submit on change) is
 * inline and optional: the form works without it.
 */
import { escapeHtml as esc } from './html.js';
import { FILTERS, type Filters, type RunRow } from './serve-runs.js';

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600}.v-valid{color:#1a7f37}.v-INVALID{color:#cf222e}.v-unknown,.v-unreadable{color:#9a6700}
.v-running,.v-starting{color:#0969da}
form.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin:.5em 0}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#555}
nav a{margin-right:1em}
.chart svg{max-width:100%;height:auto}
`;

export function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${CSS}</style></head>`,
    `<body><nav><a href="/">runs</a></nav>${body}</body></html>`,
  ].join('\n');
}

export function runUrl(id: string): string {
  return `/runs/${id.split('/').map(encodeURIComponent).join('/')}/`;
}

function verdictSpan(verdict: string): string {
  return `<span class="verdict v-${esc(verdict.replace(/\s+/g, '-'))}">${esc(verdict)}</span>`;
}

function options(values: readonly string[], chosen: string | undefined): string {
  const unique = [...new Set(values.filter((v) => v !== ''))].sort();
  return [
    '<option value="">any</option>',
    ...unique.map((v) => `<option${v === chosen ? ' selected' : ''}>${esc(v)}</option>`),
  ].join('');
}

const FILTER_LABELS: Record<(typeof FILTERS)[number], string> = {
  name: 'name',
  workload: 'workload',
  nemesis: 'nemesis',
  zookeeper: 'ZooKeeper',
  verdict: 'verdict',
  time: 'time (starts with)',
  minOps: 'ops ≥',
  minDuration: 'duration ≥ (s)',
};

/** The runs list: filters, then a row per run, newest first; tick two or more to compare. */
export function runsPage(
  store: string,
  all: readonly RunRow[],
  shown: readonly RunRow[],
  filters: Filters,
): string {
  const select = (key: 'name' | 'workload' | 'nemesis' | 'zookeeper' | 'verdict') =>
    `<label>${FILTER_LABELS[key]}<select name="${key}">${options(
      all.map((row) => row[key]),
      filters[key],
    )}</select></label>`;
  const input = (key: 'time' | 'minOps' | 'minDuration', type: string) =>
    `<label>${FILTER_LABELS[key]}<input name="${key}" type="${type}" size="12" value="${esc(filters[key] ?? '')}"></label>`;
  const form = [
    '<form class="filters" method="get" action="/">',
    select('name'),
    select('workload'),
    select('nemesis'),
    select('zookeeper'),
    select('verdict'),
    input('time', 'text'),
    input('minOps', 'number'),
    input('minDuration', 'number'),
    '<button type="submit">filter</button> <a href="/">clear</a></form>',
  ].join('');
  const rows = shown.map(
    (row) =>
      `<tr class="run" data-run="${esc(row.id)}" data-verdict="${esc(row.verdict)}">` +
      `<td><input type="checkbox" name="run" value="${esc(row.id)}" form="compare" aria-label="compare ${esc(row.id)}"></td>` +
      `<td><a href="${esc(runUrl(row.id))}">${esc(row.name)}</a></td><td>${esc(row.time)}</td>` +
      `<td>${esc(row.workload)}</td><td>${esc(row.nemesis)}</td><td>${esc(row.zookeeper)}</td>` +
      `<td>${verdictSpan(row.verdict)}</td><td class="num">${row.ops ?? ''}</td>` +
      `<td class="num">${row.durationS === undefined ? '' : `${row.durationS.toFixed(1)} s`}</td>` +
      `<td>${row.hasReport ? `<a class="report" href="${esc(runUrl(row.id))}report.html">report</a>` : ''} <a href="${esc(runUrl(row.id))}">files</a></td></tr>`,
  );
  const body = [
    `<h1>zkcheck runs</h1><p>Store: <code>${esc(store)}</code>. ${shown.length} of ${all.length} runs, newest first.</p>`,
    form,
    '<form id="compare" method="get" action="/compare"><button type="submit">compare ticked runs</button></form>',
    '<table class="runs"><thead><tr><th></th><th>name</th><th>time</th><th>workload</th><th>nemesis</th><th>ZooKeeper</th><th>verdict</th><th>ops</th><th>duration</th><th></th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
    shown.length === 0 ? '<p class="empty">No runs match.</p>' : '',
    // Optional: the filter form also works by its button.
    "<script>for(const el of document.querySelectorAll('form.filters select'))el.addEventListener('change',()=>el.form.submit());</script>",
  ];
  return page('zkcheck runs', body.join('\n'));
}

export interface DirEntry {
  name: string;
  dir: boolean;
  size: number;
}

/** A directory under the store, read-only; a run dir gets its verdict and report link on top. */
export function dirPage(urlPath: string, entries: readonly DirEntry[], run: RunRow | undefined): string {
  const head = run
    ? `<h1>${esc(run.name)} ${verdictSpan(run.verdict)}</h1><p>${esc(run.time)} · ${esc(run.workload)} · nemesis ${esc(run.nemesis)} · ZooKeeper ${esc(run.zookeeper)}</p>` +
      (run.hasReport
        ? '<p><a class="report" href="report.html">report.html</a></p>'
        : `<p>No report.html yet${run.verdict === 'running' ? ': the run is still running' : ''} (<code>zkcheck report ${esc(run.dir)}</code> writes it).</p>`)
    : `<h1>${esc(decodeURIComponent(urlPath))}</h1>`;
  const rows = entries.map(
    (entry) =>
      `<tr><td><a href="${esc(encodeURIComponent(entry.name))}${entry.dir ? '/' : ''}">${esc(entry.name)}${entry.dir ? '/' : ''}</a></td>` +
      `<td class="num">${entry.dir ? '' : entry.size}</td></tr>`,
  );
  return page(
    run ? `run ${run.name}` : urlPath,
    `${head}<table class="files"><tbody><tr><td><a href="../">../</a></td><td></td></tr>${rows.join('')}</tbody></table>`,
  );
}

export interface CompareChart {
  title: string;
  svg?: string;
  problem?: string;
}

/** Claims side by side (a column per run), then the overlaid charts. */
export function comparePage(
  runs: readonly RunRow[],
  charts: readonly CompareChart[],
  notes: readonly string[],
): string {
  const claimNames: string[] = [];
  const titles = new Map<string, string>();
  for (const run of runs) {
    for (const claim of run.claims) {
      if (!titles.has(claim.claim)) claimNames.push(claim.claim);
      titles.set(claim.claim, claim.title ?? claim.claim);
    }
  }
  const header = `<tr><th>claim</th>${runs.map((run) => `<th><a href="${esc(runUrl(run.id))}">${esc(run.name)}</a><br><small>${esc(run.time)}</small></th>`).join('')}</tr>`;
  const verdictRow = `<tr class="run-verdict"><td>run</td>${runs.map((run) => `<td>${verdictSpan(run.verdict)}</td>`).join('')}</tr>`;
  const facts = (label: string, value: (run: RunRow) => string) =>
    `<tr><td>${label}</td>${runs.map((run) => `<td>${esc(value(run))}</td>`).join('')}</tr>`;
  const claimRows = claimNames.map((name) => {
    const cells = runs.map((run) => {
      const claim = run.claims.find((c) => c.claim === name);
      if (!claim) return '<td>—</td>';
      const word = claim.valid === true ? 'valid' : claim.valid === false ? 'INVALID' : 'unknown';
      return `<td>${verdictSpan(word)}${claim.promised === false ? ' <small>(not promised)</small>' : ''}</td>`;
    });
    return `<tr class="claim" data-claim="${esc(name)}"><td>${esc(titles.get(name) ?? name)}</td>${cells.join('')}</tr>`;
  });
  const chartHtml = charts.map(
    (chart) =>
      `<section class="chart"><h2>${esc(chart.title)}</h2>${chart.svg ?? `<p class="problem">${esc(chart.problem ?? 'not drawn')}</p>`}</section>`,
  );
  const body = [
    `<h1>Compare ${runs.length} runs</h1>`,
    `<table class="compare"><thead>${header}</thead><tbody>${verdictRow}`,
    facts('workload', (r) => r.workload),
    facts('nemesis', (r) => r.nemesis),
    facts('ZooKeeper', (r) => r.zookeeper),
    facts('ops', (r) => String(r.ops ?? '')),
    facts('duration', (r) => (r.durationS === undefined ? '' : `${r.durationS.toFixed(1)} s`)),
    `${claimRows.join('\n')}</tbody></table>`,
    ...notes.map((note) => `<p class="note">${esc(note)}</p>`),
    ...chartHtml,
  ];
  return page(`compare ${runs.map((r) => r.name).join(', ')}`, body.join('\n'));
}

export function errorPage(status: number, message: string): string {
  return page(`${status}`, `<h1>${status}</h1><p class="error">${esc(message)}</p>`);
}
