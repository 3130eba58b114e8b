/**
 * The reaper on real processes, with stand-ins for what a run creates: a fake owner (the harness,
 * test/fixtures/reaper-owner.ts), fake JVMs and proxy servers (processes whose argv carries our
 * labels), run records, port locks and temp dirs. Records and locks live under a private TMPDIR,
 * which the owner and its reaper inherit, so nothing here sees or touches other runs on the machine.
 * Containers and the real CLI are covered by test/reaper.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, isZombie, processStartTime } from './processes.js';
import { findReapers, parseReaperArgs, trimLog } from './reaper.js';
import { eventually } from './testing.js';

const OWNER_FIXTURE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'reaper-owner.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const privateTmp = mkdtempSync(join(tmpdir(), 'zkcheck-reaper-test-'));
const runsDir = join(privateTmp, 'zkcheck-runs');
const locksDir = join(privateTmp, 'zkcheck-ports');
const logFile = join(runsDir, 'reaper.log');
mkdirSync(runsDir, { recursive: true });
mkdirSync(locksDir, { recursive: true });

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(privateTmp, { recursive: true, force: true }));

interface Owner {
  pid: number;
  start: number | undefined;
  process: ChildProcess;
  reaperPid: number;
}

/** The fake harness: started in its own process group (a terminal's foreground job). */
async function startOwner(runId: string): Promise<Owner> {
  const child = spawn(process.execPath, ['--import', TSX, OWNER_FIXTURE, runId, logFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
    env: { ...process.env, TMPDIR: privateTmp },
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
    child.once('exit', (code) =>
      reject(new Error(`the fake owner exited (${code}) before it started a reaper`)),
    );
  });
  const { reaperPid } = JSON.parse(line) as { reaperPid: number };
  return { pid: child.pid!, start: processStartTime(child.pid!), process: child, reaperPid };
}

interface FakeRun {
  runId: string;
  baseDir: string;
  ports: number[];
  jvm?: ChildProcess;
  proxyServer?: ChildProcess;
}

let nextPort = 20_000 + Math.floor(Math.random() * 5000);

/**
 * What a run leaves on disk and in the process table, owned by `ownerPid`: a record, a temp dir,
 * port locks and, unless `processes` is false, a JVM and a proxy server (idle node processes
 * whose argv carries the labels hygiene.ts looks for).
 */
function fakeRun(runId: string, owner: { pid: number; start?: number }, processes = true): FakeRun {
  const baseDir = mkdtempSync(join(privateTmp, `zkcheck-${runId}-`));
  writeFileSync(join(baseDir, 'server.log'), 'a node wrote here\n');
  const record = { runId, pid: owner.pid, start: owner.start, provider: 'local', baseDir, tempBase: true };
  writeFileSync(
    join(runsDir, `${runId}.json`),
    JSON.stringify({ ...record, createdAt: new Date().toISOString() }),
  );
  const ports = [nextPort++, nextPort++, nextPort++];
  for (const port of ports)
    writeFileSync(
      join(locksDir, String(port)),
      JSON.stringify({ pid: owner.pid, start: owner.start, runId }),
    );
  const run: FakeRun = { runId, baseDir, ports };
  if (!processes) return run;
  const idle = (argv0: string, args: string[]) => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)', '--', ...args], {
      argv0,
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };
  run.jvm = idle('java', [`-Dzkcheck.run=${runId}`, `-Dzkcheck.owner=${owner.pid}:${owner.start ?? ''}`]);
  run.proxyServer = idle('node', [
    'zkcheck-proxy',
    '--label',
    `zkcheck-run=${runId}`,
    '--parent-pid',
    String(owner.pid),
  ]);
  return run;
}

function leftOf(run: FakeRun): string[] {
  const left: string[] = [];
  if (existsSync(join(runsDir, `${run.runId}.json`))) left.push('record');
  if (existsSync(run.baseDir)) left.push('dir');
  for (const port of run.ports) if (existsSync(join(locksDir, String(port)))) left.push(`lock ${port}`);
  if (run.jvm && running(run.jvm)) left.push('jvm');
  if (run.proxyServer && running(run.proxyServer)) left.push('proxy server');
  return left;
}

/** The reaper is not our child: once its owner is gone, init reaps it, maybe not at once. */
const stillRuns = (pid: number) => isProcessAlive(pid) && !isZombie(pid);
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

const runId = (name: string) => `${name}${Date.now().toString(36)}`;

const exited = (child: ChildProcess) =>
  running(child) ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve();

describe('the reaper', () => {
  it('reaps exactly the run of an owner killed with SIGKILL, and leaves a live run and a dead one alone', async () => {
    const victimId = runId('victim');
    const owner = await startOwner(victimId);
    const victim = fakeRun(victimId, owner);
    const live = fakeRun(runId('live'), { pid: process.pid, start: processStartTime(process.pid) });
    const deadPid = spawn(process.execPath, ['-e', '0']);
    await exited(deadPid);
    const dead = fakeRun(runId('dead'), { pid: deadPid.pid!, start: 1 }, false);
    const [victimBefore, liveBefore, deadBefore] = [victim, live, dead].map(leftOf);
    expect(victimBefore).toHaveLength(7);
    expect(liveBefore).toHaveLength(7);
    expect(deadBefore).toHaveLength(5);
    expect(findReapers(victimId).map((r) => r.pid)).toEqual([owner.reaperPid]);

    owner.process.kill('SIGKILL');
    const t0 = Date.now();
    await eventually(
      'the victim run reaped',
      10_000,
      async () => (leftOf(victim).length === 0 ? true : undefined),
      50,
    );
    const reapMs = Date.now() - t0;
    console.log(`[reaper] fake local run reaped ${reapMs} ms after the owner's SIGKILL`);

    expect(leftOf(live)).toEqual(liveBefore);
    expect(leftOf(dead)).toEqual(deadBefore);
    // The reaper makes a few more passes (dockerd may still be creating a container), then exits.
    await eventually('the reaper exits', 10_000, async () => (stillRuns(owner.reaperPid) ? undefined : true));
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(new RegExp(`run ${victimId}: owner ${owner.pid} died \\(pipe closed\\)`));
    // Only the record is certainly the reaper's doing: someone else's sweep may beat it to the
    // processes of a dead owner.
    expect(log).toMatch(new RegExp(`run ${victimId}: pass 1 at \\d+ ms: removed 1 run\\(s\\)`));
    expect(log).not.toContain(live.runId);
    expect(leftOf(live)).toEqual(liveBefore);
    expect(leftOf(dead)).toEqual(deadBefore);
  }, 30_000);

  it('a released reaper exits without reaping, and the owner then dies without anything reaped', async () => {
    const id = runId('released');
    const owner = await startOwner(id);
    const run = fakeRun(id, owner, false);
    const before = leftOf(run);
    expect(before).toHaveLength(5);
    owner.process.stdin!.write('release\n');
    await exited(owner.process);
    // A reaper exits only after reaping: once it is gone, nothing more can happen to the run.
    await eventually('the reaper exits', 5_000, async () => (stillRuns(owner.reaperPid) ? undefined : true));
    expect(leftOf(run)).toEqual(before);
    expect(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '').not.toContain(id);
  }, 30_000);

  it("a Ctrl-C to the owner's process group does not reach the reaper, which reaps after the owner dies of it", async () => {
    const id = runId('ctrlc');
    const owner = await startOwner(id);
    const run = fakeRun(id, owner, false);
    expect(leftOf(run)).toHaveLength(5);
    process.kill(-owner.pid, 'SIGINT');
    await exited(owner.process);
    expect(owner.process.signalCode).toBe('SIGINT');
    await eventually('the run reaped', 10_000, async () => (leftOf(run).length === 0 ? true : undefined), 50);
    expect(readFileSync(logFile, 'utf8')).toMatch(new RegExp(`run ${id}: owner ${owner.pid} died`));
  }, 30_000);
});

describe('the reaper log', () => {
  it('is cut back to its newest lines once it passes the bound', () => {
    const file = join(privateTmp, 'bounded.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    trimLog(file, 64 * 1024);
    const text = readFileSync(file, 'utf8');
    expect(statSync(file).size).toBeLessThanOrEqual(32 * 1024);
    expect(text.startsWith('line ')).toBe(true);
    expect(text.endsWith(`line 4999 ${'x'.repeat(60)}\n`)).toBe(true);
    trimLog(file, 64 * 1024);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('the reaper arguments', () => {
  it('are read back as written, and anything else is refused with the usage', () => {
    expect(
      parseReaperArgs([
        'zkcheck-reaper',
        '--run',
        'abc',
        '--provider',
        'docker',
        '--owner',
        '12:345',
        '--log',
        '/l',
      ]),
    ).toEqual({ runId: 'abc', provider: 'docker', ownerPid: 12, ownerStart: 345, logFile: '/l' });
    expect(
      parseReaperArgs(['--run', 'a', '--provider', 'local', '--owner', '7:', '--log', '/l']).ownerStart,
    ).toBe(undefined);
    expect(() =>
      parseReaperArgs(['--run', 'a', '--provider', 'podman', '--owner', '7:', '--log', '/l']),
    ).toThrow(/usage: zkcheck-reaper --run ID/);
    expect(() => parseReaperArgs(['--run', 'a', '--all'])).toThrow('unexpected argument --all');
  });
});
