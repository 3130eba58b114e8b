/**
 * A stored run as the CI outputs read it (junit.ts, summary.ts): test.json, and results.json when
 * the run was checked. Shared by `--junit`/`--summary` (ci-outputs.ts) and `zkcheck serve`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredClaim, StoredResults, StoredTest } from './report-html.js';
import { readJson, runPaths, StoreError } from './store.js';

export interface CiRun {
  /** Absolute path of the run dir. */
  dir: string;
  test: StoredTest;
  /** Absent while the run has no results.json (running, crashed, or never checked). */
  results?: StoredResults;
}

/** Reads a run dir; a dir without test.json is bad input (StoreError, one line). */
export function readCiRun(dir: string): CiRun {
  const paths = runPaths(dir);
  if (!existsSync(paths.test)) throw new StoreError(`no run at ${paths.dir}: it has no test.json`);
  const test = readJson<StoredTest>(paths.test);
  const results = existsSync(paths.results) ? readJson<StoredResults>(paths.results) : undefined;
  return { dir: paths.dir, test, results };
}

/** How a claim counts for CI: exit codes fail only on promised claims, and so do these outputs. */
export type ClaimOutcome = 'passed' | 'broken' | 'unknown' | 'allowed-broken' | 'allowed-unknown';

export function claimOutcome(claim: StoredClaim): ClaimOutcome {
  const promised = claim.promised !== false;
  if (claim.valid === true) return 'passed';
  if (claim.valid === false) return promised ? 'broken' : 'allowed-broken';
  return promised ? 'unknown' : 'allowed-unknown';
}

/** The nemesis of a run as one word list ("none" when it had none). */
export function nemesisLabel(test: StoredTest): string {
  const nemesis = test.nemesis ?? test.config?.nemesis;
  if (Array.isArray(nemesis)) return nemesis.length > 0 ? nemesis.map(String).join(',') : 'none';
  if (typeof nemesis === 'string' && nemesis !== '') return nemesis;
  return 'none';
}

export function workloadLabel(test: StoredTest): string {
  const name = test.workload?.name ?? test.config?.workload;
  return typeof name === 'string' ? name : '';
}

/** `valid`, `INVALID`, `unknown`, or `running` / `not checked` for a run without results.json. */
export function runVerdict(run: Pick<CiRun, 'test' | 'results'>): string {
  if (!run.results) return run.test.status === 'running' ? 'running' : 'not checked';
  const valid = run.results.valid;
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown';
}

/** The counterexample page of a broken claim, relative to the run dir, when the run has one. */
export function counterexampleFile(dir: string, claim: StoredClaim): string | undefined {
  const file = join('counterexamples', `${claim.claim}.html`);
  return existsSync(join(dir, file)) ? file : undefined;
}
