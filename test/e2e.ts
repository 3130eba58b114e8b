/**
 * What the end-to-end workload tests share: the built CLI as a child process, a scratch store
 * removed after the file, the run a `zkcheck run` stored (its results and history), and the rule
 * that only outside CI may a test skip when Docker does not answer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { dockerAnswers } from '../harness/cluster/docker.js';

export const CLI = join(import.meta.dirname, '..', 'bin', 'zkcheck.js');

/** Under CI=true a test that needs Docker runs (and fails with the reason) rather than skipping. */
export const skipWithoutDocker = !dockerAnswers() && process.env.CI !== 'true';

/** A store dir for this test file, removed when the file's tests are done. */
export function scratchStore(name: string): string {
  const store = mkdtempSync(join(tmpdir(), `zkcheck-${name}-test-`));
  afterAll(() => rmSync(store, { recursive: true, force: true }));
  return store;
}

export function zkcheck(args: string[], timeoutMs = 240_000) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The run dir a `zkcheck run` printed ("stored in DIR"), if it got that far. */
export function runDirOf(stdout: string): string | undefined {
  return /stored in (\S+)/.exec(stdout)?.[1];
}

export interface ClaimLine {
  claim: string;
  valid: unknown;
  promised?: boolean;
  explanation?: string[];
}

/** results.json's claims of the run a `zkcheck run` printed. */
export function claimsOf(stdout: string): ClaimLine[] {
  return JSON.parse(readFileSync(join(runDirOf(stdout)!, 'results.json'), 'utf8')).claims as ClaimLine[];
}

/** A stored run's history.jsonl, one parsed op per line. */
export function historyOf<Op>(dir: string): Op[] {
  return readFileSync(join(dir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Op);
}

/** A config file in `store` holding a scripted fault schedule (`zkcheck run --config` reads it). */
export function scheduleConfig(store: string, steps: readonly object[]): string {
  const config = join(store, 'faults.json');
  writeFileSync(config, JSON.stringify({ nemesisSchedule: steps }));
  return config;
}

/**
 * The session recipes' faulted runs: every family on a script rather than drawn (a seeded draw of
 * three families can miss one): clients of nodes 1 and 2 cut past a 4 s session timeout, a
 * partition of the leader and a kill between the cuts.
 */
export const RECIPE_FAULTS = Object.freeze([
  { at: 2, fault: 'client-isolate', targets: [1], for: 6 },
  { at: 9, fault: 'partition', targets: 'leader', for: 4 },
  { at: 14, fault: 'kill', targets: 'one', for: 4 },
  { at: 19, fault: 'client-isolate', targets: [2], for: 6 },
]);

/** The fault ops that completed ok in a stored run (family-qualified: `kill:kill`). */
export function faultsStruck(dir: string): string[] {
  return historyOf<{ process: unknown; type: string; f: string }>(dir)
    .filter((op) => op.process === 'nemesis' && op.type === 'ok')
    .map((op) => op.f);
}

/** `zkcheck analyze --json` on a stored run: its exit status and each claim's verdict. */
export function reanalyzed(dir: string): { status: number | null; verdicts: [string, unknown][] } {
  const again = zkcheck(['analyze', dir, '--json']);
  const claims = (JSON.parse(again.stdout) as { claims: ClaimLine[] }).claims;
  return { status: again.status, verdicts: claims.map((c) => [c.claim, c.valid]) };
}
