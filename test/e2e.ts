/**
 * What the end-to-end workload tests share: the built CLI as a child process, a scratch store
 * removed after the file, the run a `zkcheck run` stored (its results and history), and the rule
 * that only outside CI may a test skip when Docker does not answer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
