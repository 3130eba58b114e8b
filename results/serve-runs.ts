/**
 * The stored runs as `zkcheck serve` lists them: one row per run dir, read afresh on each request
 * and never trusted to be complete. A run being written has test.json (status "running") and no
 * results.json yet; one just created may have neither; a file mid-rename or cut short makes the
 * row say so instead of failing the page.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nemesisLabel, workloadLabel } from './ci-run.js';
import type { StoredClaim, StoredResults, StoredTest } from './report-html.js';
import { listRuns, readJson } from './store.js';

export interface RunRow {
  /** `<test-name>/<timestamp>`: the run's path in the store, and its id in URLs. */
  id: string;
  dir: string;
  name: string;
  /** ISO time the run started (from test.json, else from its dir name). */
  time: string;
  workload: string;
  nemesis: string;
  zookeeper: string;
  /** valid, INVALID, unknown, running, not checked, starting or unreadable. */
  verdict: string;
  ops?: number;
  durationS?: number;
  hasReport: boolean;
  claims: StoredClaim[];
}

export function runRows(store: string, now: Date = new Date()): RunRow[] {
  return listRuns(store).map((run) => {
    const dir = run.dir;
    const id = `${run.testName}/${run.timestamp}`;
    const fromName = timeFromDirName(run.timestamp);
    const row: RunRow = {
      id,
      dir,
      name: run.testName,
      time: fromName,
      workload: '',
      nemesis: '',
      zookeeper: '',
      verdict: 'starting',
      hasReport: existsSync(join(dir, 'report.html')),
      claims: [],
    };
    const test = readQuietly<StoredTest>(join(dir, 'test.json'));
    const results = readQuietly<StoredResults>(join(dir, 'results.json'));
    if (test === 'unreadable' || results === 'unreadable') row.verdict = 'unreadable';
    if (test && test !== 'unreadable') {
      row.name = test.name ?? row.name;
      row.time = test.startedAt ?? fromName;
      row.workload = workloadLabel(test);
      row.nemesis = nemesisLabel(test);
      row.zookeeper = test.zookeeper?.version ?? '';
      if (results === undefined) row.verdict = test.status === 'running' ? 'running' : 'not checked';
      const start = Date.parse(test.startedAt ?? '');
      const end = test.endedAt ? Date.parse(test.endedAt) : test.status === 'running' ? now.getTime() : NaN;
      if (Number.isFinite(start) && Number.isFinite(end)) row.durationS = Math.max(0, (end - start) / 1000);
    }
    if (results && results !== 'unreadable') {
      row.verdict = results.valid === true ? 'valid' : results.valid === false ? 'INVALID' : 'unknown';
      row.ops = results.stats?.ops;
      row.durationS = results.stats?.durationSeconds ?? row.durationS;
      row.claims = results.claims ?? [];
    }
    return row;
  });
}

/** undefined when absent, 'unreadable' when present but not (yet) JSON. */
function readQuietly<T>(path: string): T | 'unreadable' | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readJson<T>(path);
  } catch {
    return 'unreadable';
  }
}

/** `20261205T130348.071Z` → `2026-12-05T13:03:48.071Z`. */
function timeFromDirName(name: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : name;
}

/** The filters of the runs page, as query parameters; each empty one matches everything. */
export const FILTERS = [
  'name',
  'workload',
  'nemesis',
  'zookeeper',
  'verdict',
  'time',
  'minOps',
  'minDuration',
] as const;
export type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function filtersFrom(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const key of FILTERS) {
    const value = query.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** Exact match for the columns chosen from a list, a prefix for time, a minimum for ops and duration. */
export function filterRows(rows: readonly RunRow[], filters: Filters): RunRow[] {
  const minOps = Number(filters.minOps ?? 0);
  const minDuration = Number(filters.minDuration ?? 0);
  return rows.filter(
    (row) =>
      (!filters.name || row.name === filters.name) &&
      (!filters.workload || row.workload === filters.workload) &&
      (!filters.nemesis || row.nemesis === filters.nemesis) &&
      (!filters.zookeeper || row.zookeeper === filters.zookeeper) &&
      (!filters.verdict || row.verdict === filters.verdict) &&
      (!filters.time || row.time.startsWith(filters.time)) &&
      (!(minOps > 0) || (row.ops ?? 0) >= minOps) &&
      (!(minDuration > 0) || (row.durationS ?? 0) >= minDuration),
  );
}
