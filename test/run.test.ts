/**
 * `zkcheck run` end to end, through the built CLI, on a real 3-node ensemble of each provider:
 * a healthy run with sync reads is valid; plain reads while a follower is cut off show the stale
 * reads ZooKeeper allows (whole-history linearizability broken, every promised claim kept); a run
 * killed with SIGKILL midway leaves a history that `zkcheck analyze` checks, and `zkcheck clean`
 * removes what the dead run left. Under CI=true nothing skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAnswers } from '../harness/cluster/docker.js';
import { listLeftovers } from '../harness/cluster/hygiene.js';
import { eventually } from '../harness/cluster/testing.js';
import { javaVersion } from '../harness/cluster/select.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'zkcheck.js');
const CI = process.env.CI === 'true';
const store = mkdtempSync(join(tmpdir(), 'zkcheck-run-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const missing = {
  docker: dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)',
  local:
    javaVersion() && existsSync('/usr/share/java/zookeeper.jar')
      ? undefined
      : 'no Java or ZooKeeper (npm run setup)',
};

interface Claim {
  claim: string;
  valid: boolean | 'unknown';
  promised: boolean;
  note?: string;
}
interface Results {
  valid: boolean | 'unknown';
  claims: Claim[];
  stats: {
    ops: number;
    byType: { ok: number; fail: number; info: number };
    byF: Record<string, { ok: number }>;
  };
  selfCheck: string[];
  ensembleRecovered?: boolean;
}

function zkcheck(
  args: string[],
  timeoutMs = 180_000,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, CI: 'true' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runDirOf(stdout: string): string {
  const match = /stored in (\S+)/.exec(stdout);
  if (!match) throw new Error(`no run dir in the output:\n${stdout}`);
  return match[1];
}

const readResults = (dir: string): Results =>
  JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
const claim = (results: Results, name: string): Claim => results.claims.find((c) => c.claim === name)!;

for (const provider of ['local', 'docker'] as const) {
  const skip = !CI && missing[provider] !== undefined;
  describe.skipIf(skip)(
    `zkcheck run on the ${provider} provider${skip ? ` (SKIPPED: ${missing[provider]})` : ''}`,
    () => {
      it('a healthy 12 s register run with sync reads is valid on every claim and stored whole', () => {
        const name = `healthy-${provider}`;
        const args = [
          'run',
          '--name',
          name,
          '--provider',
          provider,
          '--time-limit',
          '12',
          '--read-mode',
          'sync',
          '--store',
          store,
          '--seed',
          '11',
        ];
        const { status, stdout, stderr } = zkcheck(args);
        expect(stderr).toBe('');
        expect(status, stdout).toBe(0);
        expect(stdout).toMatch(/seed 11/);
        expect(stdout).toMatch(/verdict: valid/);
        const dir = runDirOf(stdout);
        const results = readResults(dir);
        expect(results.valid).toBe(true);
        expect(results.ensembleRecovered).toBe(true);
        for (const c of results.claims) expect([c.claim, c.valid]).toEqual([c.claim, true]);
        for (const f of ['read', 'write', 'cas']) expect(results.stats.byF[f].ok).toBeGreaterThan(10);
        expect(results.stats.ops).toBeGreaterThan(12 * 100); // the default rate is 200 ops/s
        const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as Record<string, unknown>;
        expect(test).toMatchObject({
          status: 'done',
          seed: 11,
          provider,
          nodes: 3,
          zookeeper: { version: expect.stringMatching(/^3\./) },
        });
        for (const file of ['history.jsonl', 'zkcheck.log', 'nodes/n1.log', 'nodes/n3.log'])
          expect(existsSync(join(dir, file)), file).toBe(true);
        expect(readlinkSync(join(store, name, 'latest'))).toBe(dir.split('/').at(-1));
        // The stored history is one `zkcheck check` reads too.
        const check = zkcheck([
          'check',
          join(dir, 'history.jsonl'),
          '--model',
          'zk-versioned-register',
          '--consistency',
          'all',
        ]);
        expect(check.status, check.stdout + check.stderr).toBe(0);
      }, 240_000);

      it("plain reads while a follower is cut off are stale: whole-history linearizability breaks, ZooKeeper's promises hold", () => {
        const args = [
          'run',
          '--name',
          `stale-${provider}`,
          '--provider',
          provider,
          '--time-limit',
          '25',
          '--nemesis',
          'partition-follower',
          // A follower's session stalls at its first write (forwarded to a leader it cannot
          // reach), so stale reads come from the reads before it: a read-heavy mix and many short
          // episodes make them near certain (seen: none in 1 of ~6 runs at half reads, 3 episodes).
          '--nemesis-interval',
          '1',
          '--nemesis-duration',
          '4',
          '--read-share',
          '0.9',
          '--read-mode',
          'plain',
          '--store',
          store,
        ];
        const { status, stdout } = zkcheck(args);
        expect(status, stdout).toBe(0);
        const results = readResults(runDirOf(stdout));
        expect(claim(results, 'linearizable')).toMatchObject({
          valid: false,
          promised: false,
          note: "allowed by ZooKeeper's documented guarantees",
        });
        // Every isolated follower rejoined once healed.
        expect(results.ensembleRecovered).toBe(true);
        for (const name of ['writes-linearizable', 'sequential', 'zookeeper']) {
          expect([name, claim(results, name).valid]).toEqual([name, true]);
        }
        expect(stdout).toMatch(
          /whole history linearizable\.* INVALID {2}\(allowed by ZooKeeper's documented guarantees\)/,
        );
        expect(readFileSync(join(runDirOf(stdout), 'nemesis.log'), 'utf8')).toMatch(
          /isolate \{"targets":"follower","order":\[[123,]+\]\} -> ok \{"targets":\[[123]\],"roles":\{"[123]":"follower"\}\}\n/,
        );
        // The stale read, explained and drawn: the cycle in the report, a timeline page in the run.
        expect(stdout).toMatch(/a cycle of \d+ ops, each of which must come before the next/);
        const page = readFileSync(join(runDirOf(stdout), 'counterexamples', 'linearizable.html'), 'utf8');
        expect(page).toMatch(/^<!doctype html>[\s\S]*<svg [\s\S]*class="bar[\s\S]*<\/svg>/);
      }, 240_000);

      it('a run killed with SIGKILL midway leaves a history that zkcheck analyze checks and calls cut short; its reaper sweeps the rest', async () => {
        const name = `killed-${provider}`;
        const child = spawn(
          process.execPath,
          // A partition that starts after 1 s and lasts past the kill: analyze must name it.
          [
            CLI,
            'run',
            '--name',
            name,
            '--provider',
            provider,
            '--time-limit',
            '60',
            '--nemesis',
            'partition',
            '--nemesis-interval',
            '1',
            '--nemesis-duration',
            '50',
            '--store',
            store,
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        const history = await new Promise<string>((resolve, reject) => {
          const deadline = Date.now() + 120_000;
          const poll = setInterval(() => {
            const dir = /stored in (\S+)/.exec(stdout)?.[1];
            const file = dir && join(dir, 'history.jsonl');
            const faults = dir ? join(dir, 'nemesis.log') : '';
            const isolated =
              faults && existsSync(faults) && / isolate .* -> ok /.test(readFileSync(faults, 'utf8'));
            if (isolated && file && existsSync(file) && readFileSync(file, 'utf8').split('\n').length > 600) {
              clearInterval(poll);
              resolve(file);
            } else if (Date.now() > deadline) {
              clearInterval(poll);
              reject(new Error(`no history after 120 s:\n${stdout}`));
            }
          }, 250);
        });
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
        const dir = join(history, '..');
        expect(existsSync(join(dir, 'results.json'))).toBe(false);

        // Every claim holds on what ran, but the run did not run as asked: unknown, exit 2, and why.
        const analyzed = zkcheck(['analyze', name, '--store', store]);
        expect(analyzed.stderr).toBe('');
        expect(analyzed.status, analyzed.stdout).toBe(2);
        expect(analyzed.stdout).toMatch(/reads sequentially consistent\.* valid/);
        expect(analyzed.stdout).toMatch(
          /verdict: unknown: the run was cut short at \d+ of 60 s; isolate n\d+ \((leader|follower)\) still active\n/,
        );
        const results = readResults(dir) as Results & { cutShort?: { plannedSeconds: number } };
        expect(results.valid).toBe('unknown');
        expect(results.cutShort?.plannedSeconds).toBe(60);
        expect(results.stats.ops).toBeGreaterThan(250);

        // The dead run's reaper removes its servers and proxies, with no clean and no new run.
        await eventually('the dead run swept by its reaper', 15_000, async () => {
          const left = await listLeftovers(child.pid);
          return left.containers.length + left.jvms.length + left.proxyServers.length === 0
            ? left
            : undefined;
        });
      }, 240_000);
    },
  );
}
