/**
 * Nothing left behind a dead harness: the built CLI (`zkcheck run`) is killed with SIGKILL during
 * the ensemble's start, mid-run and during the final phase, on each provider; within 10 s, with no
 * `zkcheck clean` and no new run, nothing of that run remains: no container, JVM, proxy server,
 * port lock, run record or temp dir, and its reaper has exited. A run whose reaper is killed too
 * leaves its things to the sweep. Only ever removes things of its own runs. Under CI=true nothing
 * skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dockerAnswers } from '../harness/cluster/docker.js';
import {
  readRunRecords,
  reaperLogFile,
  runsDir,
  sweepLeftovers,
  type RunRecord,
} from '../harness/cluster/hygiene.js';
import { portLockDir } from '../harness/cluster/ports.js';
import { findProcesses, isProcessAlive, isZombie } from '../harness/cluster/processes.js';
import { findReapers } from '../harness/cluster/reaper.js';
import { javaVersion } from '../harness/cluster/select.js';
import { eventually } from '../harness/cluster/testing.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'zkcheck.js');
const CI = process.env.CI === 'true';
const REAPED_WITHIN_MS = 10_000;
const store = mkdtempSync(join(tmpdir(), 'zkcheck-reaper-test-'));

const missing = {
  docker: dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)',
  local:
    javaVersion() && existsSync('/usr/share/java/zookeeper.jar')
      ? undefined
      : 'no Java or ZooKeeper (npm run setup)',
};

/** Runs this file started, swept (by run id) after each test whatever happened. */
const harnesses: ChildProcess[] = [];
const runIds: string[] = [];
afterEach(async () => {
  for (const child of harnesses.splice(0)) child.kill('SIGKILL');
  for (const runId of runIds.splice(0)) await sweepLeftovers({ runId });
}, 30_000);
afterAll(() => rmSync(store, { recursive: true, force: true }));

interface Harness {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output matches (rejects when the harness exits first). */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function startHarness(
  provider: 'docker' | 'local',
  timeLimit: number,
  recovery = 5,
  extra: string[] = [],
): Harness {
  const args = ['run', '--name', `reaper-${provider}`, '--provider', provider, '--store', store];
  args.push('--time-limit', String(timeLimit), '--recovery', String(recovery), ...extra);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  harnesses.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    printed: async (pattern, timeoutMs = 90_000) => {
      await eventually(`"${pattern.source}" in the output`, timeoutMs, async () => {
        if (pattern.test(output)) return true;
        if (child.exitCode !== null) throw new Error(`the harness exited (${child.exitCode}):\n${output}`);
        return undefined;
      });
    },
  };
}

/** The harness's run record: written before the run creates anything. */
async function recordOf(harness: Harness): Promise<RunRecord> {
  const record = await eventually('the run record', 60_000, async () =>
    readRunRecords().find((r) => r.pid === harness.child.pid),
  );
  runIds.push(record.runId);
  return record;
}

const runs = (pid: number) => isProcessAlive(pid) && !isZombie(pid);

/** Everything of one run, by run id and label; what other runs on the machine own is not looked at. */
function remainsOf(record: RunRecord): Record<string, number> {
  const { runId } = record;
  const processes = (match: (argv: string[]) => boolean) =>
    findProcesses(match).filter((p) => runs(p.pid)).length;
  const containers = spawnSync('docker', ['ps', '-aq', '--filter', `label=org.zkcheck.run=${runId}`], {
    encoding: 'utf8',
  });
  let portLocks = 0;
  for (const name of readdirSync(portLockDir())) {
    try {
      if (readFileSync(join(portLockDir(), name), 'utf8').includes(`"runId":"${runId}"`)) portLocks++;
    } catch {
      // released while we looked
    }
  }
  const remains: Record<string, number> = {
    containers: containers.stdout.split('\n').filter(Boolean).length,
    jvms: processes((argv) => argv.includes(`-Dzkcheck.run=${runId}`)),
    proxyServers: processes(
      (argv) => argv.includes('zkcheck-proxy') && argv.includes(`zkcheck-run=${runId}`),
    ),
    reapers: findReapers(runId).filter((r) => runs(r.pid)).length,
    portLocks,
    record: existsSync(join(runsDir(), `${runId}.json`)) ? 1 : 0,
    tempDir: existsSync(record.baseDir) ? 1 : 0,
  };
  return Object.fromEntries(Object.entries(remains).filter(([, count]) => count > 0));
}

/**
 * SIGKILLs the harness; resolves with how long until nothing of the run remains (its reaper
 * aside) and until its reaper has exited too, or throws after REAPED_WITHIN_MS.
 */
async function killAndTimeReaping(
  harness: Harness,
  record: RunRecord,
): Promise<{ thingsMs: number; reaperMs: number }> {
  harness.child.kill('SIGKILL');
  const killedAt = Date.now();
  const nothingLeft = async (what: string, ignoreReaper: boolean): Promise<number> => {
    const left = () => Object.keys(remainsOf(record)).filter((key) => !ignoreReaper || key !== 'reapers');
    const done = async () => (left().length === 0 ? true : undefined);
    await eventually(what, killedAt + REAPED_WITHIN_MS - Date.now(), done, 100).catch((error: Error) => {
      throw new Error(`${error.message}; left: ${JSON.stringify(remainsOf(record))}`);
    });
    return Date.now() - killedAt;
  };
  const thingsMs = await nothingLeft(`nothing of run ${record.runId} left`, true);
  const reaperMs = await nothingLeft(`the reaper of run ${record.runId} gone`, false);
  // The reaper has exited, so nothing it could have missed (a late container) appears after this.
  expect(remainsOf(record)).toEqual({});
  const log = readFileSync(reaperLogFile(), 'utf8');
  expect(log).toMatch(new RegExp(`run ${record.runId}: owner ${harness.child.pid} died \\(pipe closed\\)`));
  return { thingsMs, reaperMs };
}

const report = (provider: string, moment: string, times: { thingsMs: number; reaperMs: number }) =>
  console.log(
    `[reaper] ${provider}, killed ${moment}: nothing left after ${times.thingsMs} ms, reaper gone after ${times.reaperMs} ms`,
  );

const servers = (remains: Record<string, number>) => (remains.containers ?? 0) + (remains.jvms ?? 0);

for (const provider of ['local', 'docker'] as const) {
  const skip = !CI && missing[provider] !== undefined;
  describe.skipIf(skip)(
    `a SIGKILLed zkcheck run on the ${provider} provider${skip ? ` (SKIPPED: ${missing[provider]})` : ''}`,
    () => {
      it('during the ensemble start: its reaper removes the proxy server, port locks, record, dir and the servers being started', async () => {
        const harness = startHarness(provider, 30);
        await harness.printed(/proxies on /);
        const record = await recordOf(harness);
        expect(remainsOf(record)).toMatchObject({ proxyServers: 1, reapers: 1, record: 1, tempDir: 1 });
        report(provider, 'during start', await killAndTimeReaping(harness, record));
      }, 120_000);

      it('mid-run: its reaper removes the three servers and everything else of the run', async () => {
        const harness = startHarness(provider, 30);
        const record = await recordOf(harness);
        const history = join(/stored in (\S+)/.exec(harness.output())![1], 'history.jsonl');
        await eventually('ops in the history', 90_000, async () =>
          existsSync(history) && readFileSync(history, 'utf8').split('\n').length > 100 ? true : undefined,
        );
        const before = remainsOf(record);
        expect(servers(before)).toBe(3);
        expect(before.portLocks).toBeGreaterThanOrEqual(9);
        report(provider, 'mid-run', await killAndTimeReaping(harness, record));
      }, 120_000);

      it('during the final phase: its reaper removes everything of the run', async () => {
        // A nemesis, so the final phase heals and waits (a run without one has nothing to recover
        // from); its first fault is due long after the run's 2 s.
        const harness = startHarness(provider, 2, 10, ['--nemesis', 'pause', '--nemesis-interval', '600']);
        const record = await recordOf(harness);
        await harness.printed(/final phase: waiting 10 s for recovery/);
        expect(servers(remainsOf(record))).toBe(3);
        report(provider, 'in the final phase', await killAndTimeReaping(harness, record));
      }, 120_000);
    },
  );
}

const skipLocal = !CI && missing.local !== undefined;
describe.skipIf(skipLocal)('a run whose reaper is killed too', () => {
  it('leaves its servers, locks and record to the sweep, which removes them', async () => {
    const harness = startHarness('local', 30);
    const record = await recordOf(harness);
    await harness.printed(/proxies on /);
    await eventually('three servers', 60_000, async () =>
      servers(remainsOf(record)) === 3 ? true : undefined,
    );
    for (const reaper of findReapers(record.runId)) process.kill(reaper.pid, 'SIGKILL');
    harness.child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // The proxy server follows its parent out by itself; the rest stays for `zkcheck clean`.
    expect(remainsOf(record)).toMatchObject({ jvms: 3, record: 1, tempDir: 1 });
    // What `zkcheck clean` runs, for this run only (a test must not sweep other people's runs).
    const report = await sweepLeftovers({ runId: record.runId, docker: false });
    expect(report).toMatchObject({ runs: [record.runId], processes: 3, dirs: 1 });
    expect(remainsOf(record)).toEqual({});
  }, 120_000);
});
