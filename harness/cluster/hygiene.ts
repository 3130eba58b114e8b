/**
 * Nothing of ours outlives its run. Every run writes a record (owner pid + start time, dirs, proxy
 * server pid, Toxiproxy URL) *before* it creates anything, and labels what it creates: containers
 * with `org.zkcheck.run`, JVMs with `-Dzkcheck.run=`, proxies with the `zk-<run>-` name prefix, the
 * proxy server with its label argument. A sweep removes everything belonging to runs whose owner is
 * gone (or to every run, with `all`), including labelled things whose record is missing.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, findProcesses, killHard, waitForExit, processStartTime } from './processes.js';
import { sweepPortLocks } from './ports.js';
import { removeProxies, proxyPrefix } from './links.js';
import { LABEL_OWNER, LABEL_RUN, dockerAnswers, dockerClient } from './docker.js';
import { OWNER_PROPERTY, RUN_PROPERTY } from './local.js';

export interface RunRecord {
  runId: string;
  pid: number;
  start?: number;
  provider: string;
  baseDir: string;
  /** baseDir was created by us and is removed with the run */
  tempBase: boolean;
  toxiproxyUrl?: string;
  /** pid of the proxy server child we started, if any */
  proxyPid?: number;
  createdAt: string;
}

export function runsDir(): string {
  return join(tmpdir(), 'zkcheck-runs');
}

/** A label string that processes we start carry in their argv. */
export function processLabel(runId: string): string {
  return `zkcheck-run=${runId}`;
}

export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

export function writeRunRecord(record: RunRecord): void {
  mkdirSync(runsDir(), { recursive: true });
  writeFileSync(join(runsDir(), `${record.runId}.json`), JSON.stringify(record, null, 2));
}

export function removeRunRecord(runId: string): void {
  try {
    unlinkSync(join(runsDir(), `${runId}.json`));
  } catch {
    // gone
  }
}

export function readRunRecords(): RunRecord[] {
  let names: string[] = [];
  try {
    names = readdirSync(runsDir()).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const records: RunRecord[] = [];
  for (const name of names) {
    try {
      records.push(JSON.parse(readFileSync(join(runsDir(), name), 'utf8')) as RunRecord);
    } catch {
      // a record being written right now, or garbage: skip
    }
  }
  return records;
}

export function ownerRecord(): { pid: number; start: number | undefined } {
  return { pid: process.pid, start: processStartTime(process.pid) };
}

function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [pid, start] = owner.split(':');
  return isProcessAlive(Number(pid), start ? Number(start) : undefined);
}

export interface SweepReport {
  runs: string[];
  containers: number;
  processes: number;
  proxyServers: number;
  proxies: number;
  dirs: number;
  portLocks: number;
}

export function describeSweep(report: SweepReport): string {
  const parts = [
    `${report.runs.length} run(s)`,
    `${report.containers} container(s)`,
    `${report.processes} JVM(s)`,
    `${report.proxyServers} proxy server(s)`,
    `${report.proxies} proxy(ies)`,
    `${report.dirs} dir(s)`,
    `${report.portLocks} port lock(s)`,
  ];
  return parts.join(', ');
}

export interface SweepOptions {
  /** Also sweep runs whose owner is alive (`zkcheck clean --all`). */
  all?: boolean;
  /** Only this run (used by a run's own teardown as a last check). */
  runId?: string;
  /** Skip Docker (no engine, or the caller knows it is not used). */
  docker?: boolean;
}

/** Removes leftovers of dead runs. Never throws: hygiene must not mask the real error. */
export async function sweepLeftovers(opts: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = {
    runs: [],
    containers: 0,
    processes: 0,
    proxyServers: 0,
    proxies: 0,
    dirs: 0,
    portLocks: 0,
  };
  const records = readRunRecords();
  const liveRuns = new Set(records.filter((r) => isProcessAlive(r.pid, r.start)).map((r) => r.runId));
  const doomed = (runId: string, owner?: string) =>
    opts.runId !== undefined
      ? runId === opts.runId
      : opts.all || (!liveRuns.has(runId) && !ownerAlive(owner));

  // JVMs (local provider), by their command-line labels.
  const jvms = findProcesses((argv) => argv.some((a) => a.startsWith(RUN_PROPERTY)));
  for (const jvm of jvms) {
    const runId = jvm.argv.find((a) => a.startsWith(RUN_PROPERTY))!.slice(RUN_PROPERTY.length);
    const owner = jvm.argv.find((a) => a.startsWith(OWNER_PROPERTY))?.slice(OWNER_PROPERTY.length);
    if (!doomed(runId, owner)) continue;
    killHard(jvm.pid);
    await waitForExit(jvm.pid, 3000);
    report.processes++;
  }

  // Containers (docker provider), by label.
  if (opts.docker !== false && dockerAnswers(3000)) {
    try {
      const client = await dockerClient();
      const containers = await client.container.dockerode.listContainers({
        all: true,
        filters: { label: [LABEL_RUN] },
      });
      for (const info of containers) {
        const runId = info.Labels[LABEL_RUN];
        if (!doomed(runId, info.Labels[LABEL_OWNER])) continue;
        await client.container
          .getById(info.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
        report.containers++;
      }
    } catch {
      // Docker went away mid-sweep: nothing more to do there.
    }
  }

  for (const record of records) {
    if (!doomed(record.runId, `${record.pid}:${record.start ?? ''}`)) continue;
    report.runs.push(record.runId);
    if (record.proxyPid && isProcessAlive(record.proxyPid)) {
      // Only kill it if it is still the proxy server we started for that run (pid reuse).
      const argv = findProcesses(() => true).find((p) => p.pid === record.proxyPid)?.argv ?? [];
      if (argv.some((a) => a.includes(record.runId))) {
        killHard(record.proxyPid);
        await waitForExit(record.proxyPid, 3000);
        report.proxyServers++;
      }
    }
    if (record.toxiproxyUrl && !record.proxyPid) {
      report.proxies += await withTimeout(
        removeProxies(record.toxiproxyUrl, (name) => name.startsWith(proxyPrefix(record.runId))),
        3000,
      ).catch(() => 0);
    }
    if (record.tempBase) {
      rmSync(record.baseDir, { recursive: true, force: true });
      report.dirs++;
    }
    report.portLocks += sweepPortLocks(record.runId);
    removeRunRecord(record.runId);
  }

  // Proxy servers whose run record is gone (or doomed) but which still run.
  for (const proc of findProcesses((argv) => argv.some((a) => a.includes('zkcheck-run=')))) {
    if (jvms.some((j) => j.pid === proc.pid)) continue;
    const runId = /zkcheck-run=([0-9a-z]+)/.exec(proc.argv.join(' '))?.[1];
    if (!runId || !doomed(runId)) continue;
    killHard(proc.pid);
    await waitForExit(proc.pid, 3000);
    report.proxyServers++;
  }

  report.portLocks += sweepPortLocks();
  return report;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export interface Leftovers {
  containers: string[];
  networks: string[];
  jvms: number[];
  proxyServers: number[];
}

/**
 * What of ours is still running, optionally only what belongs to `ownerPid` (a test process
 * checks its own leftovers while other test files run their own ensembles).
 */
export async function listLeftovers(ownerPid?: number): Promise<Leftovers> {
  const mine = (owner: string | undefined) =>
    ownerPid === undefined || owner?.split(':')[0] === String(ownerPid);
  const result: Leftovers = { containers: [], networks: [], jvms: [], proxyServers: [] };
  const records = readRunRecords();
  const runsOfOwner = new Set(
    records.filter((r) => ownerPid === undefined || r.pid === ownerPid).map((r) => r.runId),
  );
  for (const proc of findProcesses((argv) => argv.some((a) => a.startsWith(RUN_PROPERTY)))) {
    const owner = proc.argv.find((a) => a.startsWith(OWNER_PROPERTY))?.slice(OWNER_PROPERTY.length);
    if (mine(owner)) result.jvms.push(proc.pid);
  }
  for (const proc of findProcesses((argv) => argv.some((a) => a.includes('zkcheck-run=')))) {
    if (result.jvms.includes(proc.pid) || proc.argv.some((a) => a.startsWith(RUN_PROPERTY))) continue;
    const runId = /zkcheck-run=([0-9a-z]+)/.exec(proc.argv.join(' '))?.[1];
    const parent = proc.argv[proc.argv.indexOf('--parent-pid') + 1];
    if (ownerPid === undefined || parent === String(ownerPid) || (runId && runsOfOwner.has(runId))) {
      result.proxyServers.push(proc.pid);
    }
  }
  if (dockerAnswers(3000)) {
    const client = await dockerClient();
    const containers = await client.container.dockerode.listContainers({
      all: true,
      filters: { label: [LABEL_RUN] },
    });
    result.containers = containers.filter((c) => mine(c.Labels[LABEL_OWNER])).map((c) => c.Names[0] ?? c.Id);
    const networks = await client.container.dockerode.listNetworks({ filters: { label: [LABEL_RUN] } });
    result.networks = networks.map((n) => n.Name);
  }
  return result;
}
