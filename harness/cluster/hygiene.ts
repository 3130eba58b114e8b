/**
 * Nothing of ours outlives its run. Every run writes a record (owner pid + start time, dirs, proxy
 * server pid, Toxiproxy URL) *before* it creates anything, and labels what it creates: containers
 * with `org.zkcheck.run`, JVMs with `-Dzkcheck.run=`, proxies with the `zk-<run>-` name prefix, the
 * proxy server with its label argument. A sweep removes everything belonging to runs whose owner is
 * gone (or to every run, with `all`), including labelled things whose record is missing.
 *
 * Each run's reaper (reaper.ts) sweeps that one run within seconds of the harness's death; the
 * sweep at the next run's start and `zkcheck clean` remain for what outlives even the reaper.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  isProcessAlive,
  findProcesses,
  killHard,
  waitForExit,
  processStartTime,
  type ProcessInfo,
} from './processes.js';
import { sweepPortLocks } from './ports.js';
import { removeProxies, proxyPrefix } from './links.js';
import { LABEL_OWNER, LABEL_RUN, dockerAnswers, dockerClient } from './docker.js';
import { OWNER_PROPERTY, RUN_PROPERTY } from './local.js';
import { FAULT_PROXY_MARKER } from '../proxy/server.js';

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

/** What the runs' reapers did, one shared file that each reaper keeps bounded. */
export function reaperLogFile(): string {
  return join(runsDir(), 'reaper.log');
}

const PROCESS_LABEL_PREFIX = 'zkcheck-run=';

/** A label string that processes we start carry in their argv. */
export function processLabel(runId: string): string {
  return `${PROCESS_LABEL_PREFIX}${runId}`;
}

/**
 * A process of a run, by its whole argv: a ZooKeeper JVM (java with our run and owner properties)
 * or our proxy server (its marker and label). A process that merely mentions a label, such as
 * `grep zkcheck-run=…`, is not ours and is never killed.
 */
interface RunProcess extends ProcessInfo {
  kind: 'jvm' | 'proxy-server';
  runId: string;
  /** The harness that started it, as its argv says: `<pid>:<start>` (JVMs) or `<pid>` (proxy servers). */
  owner?: string;
}

function runProcessOf({ pid, argv }: ProcessInfo): RunProcess | undefined {
  const property = (prefix: string) => argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  const jvmRun = property(RUN_PROPERTY);
  if (basename(argv[0] ?? '') === 'java' && jvmRun && property(OWNER_PROPERTY) !== undefined)
    return { pid, argv, kind: 'jvm', runId: jvmRun, owner: property(OWNER_PROPERTY) };
  const label = argv[argv.indexOf('--label') + 1];
  if (
    argv.includes(FAULT_PROXY_MARKER) &&
    argv.includes('--label') &&
    label?.startsWith(PROCESS_LABEL_PREFIX)
  ) {
    const parent = argv[argv.indexOf('--parent-pid') + 1];
    const owner = argv.includes('--parent-pid') ? parent : undefined;
    return { pid, argv, kind: 'proxy-server', runId: label.slice(PROCESS_LABEL_PREFIX.length), owner };
  }
  return undefined;
}

/** Every JVM and proxy server of ours on this machine. */
function findRunProcesses(): RunProcess[] {
  return findProcesses((argv) =>
    argv.some((a) => a.includes(PROCESS_LABEL_PREFIX) || a.startsWith(RUN_PROPERTY)),
  )
    .map(runProcessOf)
    .filter((proc) => proc !== undefined);
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
  /** Only this run, whether its owner lives or not (its reaper, once the owner is dead). */
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

  // JVMs (local provider), by their command-line labels; all at once: a reaper has seconds, not
  // seconds per node.
  const doomedJvms = findRunProcesses().filter((p) => p.kind === 'jvm' && doomed(p.runId, p.owner));
  await killAll(doomedJvms);
  report.processes += doomedJvms.length;

  // Containers (docker provider), by label.
  if (opts.docker !== false && dockerAnswers(3000)) {
    try {
      const client = await dockerClient();
      const containers = await client.container.dockerode.listContainers({
        all: true,
        filters: { label: [LABEL_RUN] },
      });
      const doomedContainers = containers.filter((info) =>
        doomed(info.Labels[LABEL_RUN], info.Labels[LABEL_OWNER]),
      );
      await Promise.all(
        doomedContainers.map((info) =>
          client.container
            .getById(info.Id)
            .remove({ force: true, v: true })
            .catch(() => undefined),
        ),
      );
      report.containers += doomedContainers.length;
    } catch {
      // Docker went away mid-sweep: nothing more to do there.
    }
  }

  for (const record of records) {
    if (!doomed(record.runId, `${record.pid}:${record.start ?? ''}`)) continue;
    report.runs.push(record.runId);
    if (record.toxiproxyUrl && !record.proxyPid) {
      report.proxies += await withTimeout(
        removeProxies(record.toxiproxyUrl, (name) => name.startsWith(proxyPrefix(record.runId))),
        3000,
      ).catch(() => 0);
    }
    if (record.tempBase && removeDir(record.baseDir)) report.dirs++;
    report.portLocks += sweepPortLocks(record.runId);
    removeRunRecord(record.runId);
  }

  // Proxy servers of doomed runs, found by label (so a reused record.proxyPid is never hit); one
  // whose harness lives is not doomed even if that harness keeps its records elsewhere (TMPDIR).
  const doomedProxyServers = findRunProcesses().filter(
    (p) => p.kind === 'proxy-server' && doomed(p.runId, p.owner),
  );
  await killAll(doomedProxyServers);
  report.proxyServers += doomedProxyServers.length;

  // Locks of dead owners whose record is gone; a single run's sweep leaves other runs alone.
  report.portLocks += sweepPortLocks(opts.runId);
  return report;
}

async function killAll(processes: readonly ProcessInfo[]): Promise<void> {
  for (const { pid } of processes) killHard(pid);
  await Promise.all(processes.map(({ pid }) => waitForExit(pid, 3000)));
}

/** True if the dir is gone now (files a container wrote as another user may refuse). */
function removeDir(dir: string): boolean {
  try {
    rmSync(dir, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
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
  for (const proc of findRunProcesses()) {
    if (proc.kind === 'jvm' && mine(proc.owner)) result.jvms.push(proc.pid);
    const parent = proc.owner;
    if (
      proc.kind === 'proxy-server' &&
      (ownerPid === undefined || parent === String(ownerPid) || runsOfOwner.has(proc.runId))
    )
      result.proxyServers.push(proc.pid);
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
