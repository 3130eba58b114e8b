/**
 * `report.html`: one self-contained page per run that opens from disk and works offline (Porcupine's
 * visualizer is the model): the verdict per claim, the test's parameters and the command that runs
 * it again, the charts as inline SVG, the evidence of each broken claim, a paged per-process
 * timeline, op counts and latencies, and relative links to the run's own files. Its styles,
 * script and data are inside the page; nothing it loads comes from elsewhere.
 *
 *   const { report, charts } = await writeRunReport(runDir);
 *
 * reads test.json, results.json (absent: the page says the run was not checked), history.jsonl
 * and counterexamples/, writes charts/ (chart-render.ts) and report.html.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readHistoryFile } from '../checker/history/read.js';
import { writeCharts, type RenderedChart } from './chart-render.js';
import type { ChartContribution } from './charts.js';
import { faultWindows } from './fault-windows.js';
import { escapeHtml as esc, jsonForScript, scopeSvgIds } from './html.js';
import {
  claimsTable,
  evidenceSection,
  filesSection,
  parametersSection,
  statsSection,
  summarySection,
  type StoredResults,
  type StoredTest,
} from './report-html.js';
import { REPORT_CSS } from './report-style.js';
import {
  renderTimelinePage,
  TIMELINE_PAGER_JS,
  TIMELINE_SVG_JS,
  timelineData,
  type TimelineData,
} from './report-timeline.js';
import { reproduceCommand, type FlagSetting } from './reproduce.js';
import { readJson, runPaths, StoreError } from './store.js';

export interface ReportOptions {
  /** A workload's own charts, drawn after the built-in ones. */
  charts?: readonly ChartContribution[];
  /** Setting declarations for the reproduce command (default: the run's own settings). */
  settings?: readonly FlagSetting[];
}

export interface RunReport {
  /** Absolute path of report.html. */
  report: string;
  /** Absolute paths of the chart files written (.vl.json, .svg, .png of each chart). */
  charts: string[];
  /** Charts that could not be drawn, one line each; the report shows the rest. */
  problems: string[];
}

export async function writeRunReport(runDir: string, options: ReportOptions = {}): Promise<RunReport> {
  const paths = runPaths(runDir);
  const test = recordIn<StoredTest>(paths.test) ?? {};
  const results = recordIn<StoredResults>(paths.results);
  const history = await readHistoryFile(paths.history, { format: 'jsonl' });
  const { charts, failures } = await writeCharts(paths.dir, history, options.charts);
  const command = reproduceCommand(test.config ?? {}, { seed: test.seed, settings: options.settings });
  const html = reportPage({
    test,
    results,
    command,
    charts,
    chartFailures: failures,
    evidence: evidenceOf(paths.dir, results),
    timeline: timelineData(history, faultWindows(history)),
    files: runFiles(paths.dir, charts),
  });
  const report = join(paths.dir, 'report.html');
  // Written whole, then renamed: a reader never opens half a report.
  const partial = join(paths.dir, `.report.html.${process.pid}.tmp`);
  try {
    writeFileSync(partial, html);
    renameSync(partial, report);
  } catch (error) {
    rmSync(partial, { force: true });
    // Something in the run dir that zkcheck did not put there (a directory named report.html).
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StoreError(`cannot write ${report} (${code}): it is not a file zkcheck can replace`);
  }
  return { report, charts: charts.flatMap((chart) => chart.files), problems: failures };
}

/**
 * A stored JSON record, or undefined when the file is missing. A file that holds no object
 * (`null`, a list: edited by hand, or damaged) is refused in one line, like one that is not JSON.
 */
function recordIn<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  const value = readJson<unknown>(file);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new StoreError(
      `${file}: expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`,
    );
  return value as T;
}

interface PageParts {
  test: StoredTest;
  results: StoredResults | undefined;
  command: string;
  charts: RenderedChart[];
  chartFailures: string[];
  evidence: string[];
  timeline: TimelineData;
  files: Array<{ path: string; what: string }>;
}

function reportPage(parts: PageParts): string {
  const title = `zkcheck ${parts.test.name ?? 'run'}: ${verdictText(parts.results)}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head><body>',
    summarySection(parts.test, parts.results),
    navigation(),
    '<h2 id="claims">Claims</h2>',
    claimsTable(parts.results?.claims ?? []),
    ...parts.evidence,
    parametersSection(parts.test, parts.command),
    chartsSection(parts.charts, parts.chartFailures),
    timelineSection(parts.timeline),
    statsSection(parts.results?.stats),
    filesSection(parts.files),
    `<script>${TIMELINE_SVG_JS}\n${TIMELINE_PAGER_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function verdictText(results: StoredResults | undefined): string {
  if (!results) return 'not checked';
  return results.valid === true ? 'valid' : results.valid === false ? 'INVALID' : 'unknown';
}

function navigation(): string {
  const links: Array<[string, string]> = [
    ['claims', 'Claims'],
    ['parameters', 'Test'],
    ['charts', 'Charts'],
    ['timeline', 'Timeline'],
    ['stats', 'Ops'],
    ['files', 'Files'],
  ];
  return `<nav>${links.map(([id, text]) => `<a href="#${id}">${text}</a>`).join(' · ')}</nav>`;
}

/** The evidence of each broken claim, with its stored counterexample page when there is one. */
function evidenceOf(dir: string, results: StoredResults | undefined): string[] {
  return (results?.claims ?? [])
    .filter((claim) => claim.valid === false)
    .map((claim) => {
      const file = `counterexamples/${claim.claim}.html`;
      const path = join(dir, file);
      // A claim name is the checker's, but it is stored text: never follow it out of the dir.
      const inside = !relative(join(dir, 'counterexamples'), path).startsWith('..');
      const stored = inside && existsSync(path) ? { file, html: readFileSync(path, 'utf8') } : undefined;
      return evidenceSection(claim, stored);
    });
}

function chartsSection(charts: readonly RenderedChart[], failures: readonly string[]): string {
  const figures = charts.map((chart) => {
    const links = ['.svg', '.png', '.vl.json'].map(
      (ext) => `<a href="charts/${esc(chart.name)}${ext}">${ext.slice(1)}</a>`,
    );
    return [
      `<figure class="chart" id="chart-${esc(chart.name)}">`,
      scopeSvgIds(chart.svg, `chart-${chart.name}`),
      `<figcaption>${esc(chart.title)}: ${links.join(' ')}</figcaption>`,
      '</figure>',
    ].join('\n');
  });
  const problems = failures.map((failure) => `<p class="problem">${esc(failure)}</p>`);
  return ['<h2 id="charts">Charts</h2>', ...problems, ...figures].join('\n');
}

function timelineSection(timeline: TimelineData): string {
  const pages = timeline.pages.length;
  const omitted =
    timeline.omitted > 0
      ? `<p class="problem">The timeline shows the first ${timeline.ops.s.length} ops; ${timeline.omitted} more are in history.jsonl.</p>`
      : '';
  return [
    '<h2 id="timeline">Timeline</h2>',
    '<p>A row per process, a bar per op from invoke to completion (hover for values); faults shaded. ' +
      '<span class="key ok">ok</span> <span class="key fail">fail</span> <span class="key info">info</span> ' +
      '(faded: never completed)</p>',
    omitted,
    `<div class="pager"><button id="timeline-prev" type="button">◀ earlier</button> page ` +
      `<input id="timeline-page" type="number" min="1" max="${pages}" value="1"> ` +
      `<span id="timeline-where">of ${pages}</span> ` +
      `<button id="timeline-next" type="button">later ▶</button></div>`,
    `<div id="timeline-view">${renderTimelinePage(timeline, 0)}</div>`,
    `<script type="application/json" id="timeline-data">${jsonForScript(timeline)}</script>`,
  ].join('\n');
}

/** The run's files a reader may want, as paths relative to the run dir. */
function runFiles(dir: string, charts: readonly RenderedChart[]): Array<{ path: string; what: string }> {
  const files: Array<{ path: string; what: string }> = [];
  const add = (path: string, what: string) => {
    if (existsSync(join(dir, path))) files.push({ path, what });
  };
  add('history.jsonl', 'every op, one JSON object a line');
  add('test.json', 'the config, seed and versions');
  add('results.json', 'the verdicts and statistics');
  add('zkcheck.log', "zkcheck's log");
  add('nemesis.log', 'the faults injected');
  for (const log of listDir(join(dir, 'nodes')).filter((name) => name.endsWith('.log'))) {
    add(`nodes/${log}`, 'server log');
  }
  for (const page of listDir(join(dir, 'counterexamples')).filter((name) => name.endsWith('.html'))) {
    add(`counterexamples/${page}`, 'counterexample');
  }
  for (const chart of charts)
    add(`charts/${chart.name}.vl.json`, `${chart.title} (vega-lite spec with its data)`);
  return files;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
}
