/**
 * `startEnsemble()`: an N-node ZooKeeper ensemble on 127.0.0.1 with every link behind a proxy.
 *
 * Lifecycle, in order (teardown runs in reverse on success, error, Ctrl-C and process exit):
 *   1. sweep leftovers of dead runs; choose the provider (and say why);
 *   2. write the run record (before anything is created, so a crash is always sweepable) and
 *      start the run's reaper, which removes everything below if this process dies without
 *      tearing down (reaper.ts);
 *   3. reserve 3 ports per node (client, quorum, election) and one per peer proxy, below the
 *      ephemeral range;
 *   4. start the Toxiproxy-API server (or use the user's) and create, in one call, a client proxy
 *      per node and a proxy per directed peer link i->j per port kind;
 *   5. write each node's zoo.cfg (server.j -> the i->j proxies; its own line with real ports) and myid;
 *   6. start every server (containers or JVMs) and wait until one leads and all serve.
 *
 * `signal` (Ctrl-C) stops the start between steps and while waiting for quorum: what was created
 * is torn down and the start rejects with the signal's reason. Server starts already asked for are
 * let finish first, so that teardown knows every container or JVM it has to remove.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { clockFileOf, writeClockFile } from './clock.js';
import { DockerRuntime, dockerClient } from './docker.js';
import { fourLetterWord, parseMntr, parseSrvr } from './fourlw.js';
import {
  newRunId,
  ownerRecord,
  reaperLogFile,
  removeRunRecord,
  sweepLeftovers,
  writeRunRecord,
  type RunRecord,
} from './hygiene.js';
import { createLinks, peerProxyPortCount, type CreatedLinks } from './links.js';
import { LocalRuntime } from './local.js';
import { LogTail, waitForLine, type LogLine } from './log-tail.js';
import { PortReservation } from './ports.js';
import { startReaper, type Reaper } from './reaper.js';
import { DEFAULT_JVM_FLAGS, type NodeRuntime } from './runtime.js';
import { chooseProvider } from './select.js';
import { startToxiproxyHost, type ToxiproxyHost } from './toxiproxy.js';
import {
  EnsembleError,
  type Ensemble,
  type EnsembleLinks,
  type EnsembleNode,
  type EnsembleOptions,
  type NodeState,
  type NodeStatus,
  type ProviderName,
} from './types.js';
import {
  DEFAULT_TIMING,
  UNDIALABLE_SELF_HOST,
  renderZooCfg,
  type ServerAddress,
  type ZkTiming,
} from './zkconfig.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEnsemble(opts: EnsembleOptions = {}): Promise<Ensemble> {
  const size = opts.size ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 15)
    throw new EnsembleError(`ensemble size must be 1..15, got ${size}`);
  const log = opts.log ?? (() => undefined);
  const signal = opts.signal;
  signal?.throwIfAborted();
  // Neither step creates anything of ours: on abort, let them finish in the background.
  await unlessAborted(signal, sweepLeftovers()).then((report) => {
    if (report.runs.length + report.containers + report.processes > 0)
      log(`swept leftovers of dead runs: ${report.runs.join(', ')}`);
  });
  const choice = await unlessAborted(
    signal,
    chooseProvider({ provider: opts.provider, image: opts.image, zkHome: opts.zkHome }),
  );
  log(`provider ${choice.provider}: ${choice.reason}`);

  const runId = newRunId();
  const owner = ownerRecord();
  const labels = { runId, ownerPid: owner.pid, ownerStart: owner.start };
  const jvmFlags = [DEFAULT_JVM_FLAGS, opts.jvmFlags ?? ''].join(' ').trim();
  // Before the record: from the record on, nothing may fail without the ensemble's teardown.
  const runtime: NodeRuntime =
    choice.provider === 'docker'
      ? new DockerRuntime(await unlessAborted(signal, dockerClient()), choice.image!, labels, jvmFlags)
      : new LocalRuntime(choice.install!, labels, jvmFlags);
  signal?.throwIfAborted();

  const tempBase = opts.baseDir === undefined;
  const baseDir = tempBase ? mkdtempSync(join(tmpdir(), `zkcheck-${runId}-`)) : resolve(opts.baseDir!);
  const record: RunRecord = {
    runId,
    pid: owner.pid,
    start: owner.start,
    provider: choice.provider,
    baseDir,
    tempBase: tempBase && !opts.keepDirs,
    toxiproxyUrl: opts.toxiproxyUrl,
    createdAt: new Date().toISOString(),
  };
  writeRunRecord(record);
  const reaper = startReaper(
    {
      runId,
      provider: choice.provider,
      ownerPid: owner.pid,
      ownerStart: owner.start,
      logFile: reaperLogFile(),
    },
    (message) => log(`warning: ${message}; after a crash, \`zkcheck clean\` removes this run's leftovers`),
  );

  const ensemble = new RunningEnsemble(choice.provider, choice.reason, runtime, record, reaper, opts);
  await ensemble.boot(size, {
    tickTimeMs: opts.tickTimeMs ?? DEFAULT_TIMING.tickTimeMs,
    initLimit: opts.initLimit ?? DEFAULT_TIMING.initLimit,
    syncLimit: opts.syncLimit ?? DEFAULT_TIMING.syncLimit,
    cnxTimeoutMs: DEFAULT_TIMING.cnxTimeoutMs,
  });
  return ensemble;
}

class RunningEnsemble implements Ensemble {
  /** Whether a signal tears this ensemble down (else its owner handles signals). */
  get stopsOnSignal(): boolean {
    return this.opts.stopOnSignal !== false;
  }
  readonly runId: string;
  readonly source: string;
  nodes: EnsembleNode[] = [];
  private readonly states = new Map<number, NodeState>();
  private readonly offsets = new Map<number, number>();
  private readonly tails = new Map<number, LogTail>();
  private readonly reservation: PortReservation;
  private host?: ToxiproxyHost;
  private created?: CreatedLinks;
  private stopping?: Promise<void>;

  constructor(
    readonly provider: ProviderName,
    readonly reason: string,
    private readonly runtime: NodeRuntime,
    private readonly record: RunRecord,
    private readonly reaper: Reaper,
    private readonly opts: EnsembleOptions,
  ) {
    this.runId = record.runId;
    this.source = runtime.source;
    this.reservation = new PortReservation(record.runId);
  }

  get links(): EnsembleLinks {
    if (!this.created) throw new EnsembleError('ensemble has no links yet');
    return this.created.links;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  async boot(size: number, timing: ZkTiming): Promise<void> {
    registerActive(this);
    const signal = this.opts.signal;
    try {
      const ports = await this.reservation.take(3 * size + peerProxyPortCount(size));
      signal?.throwIfAborted();
      const plan = Array.from({ length: size }, (_, i) => ({
        id: i + 1,
        clientPort: ports[3 * i],
        quorumPort: ports[3 * i + 1],
        electionPort: ports[3 * i + 2],
      }));
      this.host = await startToxiproxyHost(this.runId, this.opts.toxiproxyUrl);
      if (this.host.pid)
        writeRunRecord({ ...this.record, proxyPid: this.host.pid, toxiproxyUrl: this.host.url });
      this.log(`proxies on ${this.host.description}`);
      if (!this.host.pid) {
        // A real Toxiproxy ignores zk_advertise and redial_refused_ms (harness/proxy/zk-election.ts, link.ts).
        this.log(
          'warning: on a real Toxiproxy, election dial-backs cannot be routed through the proxies; after a healed ' +
            'partition a node may rejoin a higher-id leader only once that leader dials it; and a follower that ' +
            "dials its new leader before it listens gives up and re-elects (zkcheck's own proxy has neither limit)",
        );
      }
      signal?.throwIfAborted();
      this.created = await createLinks(
        this.host.url,
        this.runId,
        plan,
        ports.slice(3 * size),
        timing.initLimit * timing.tickTimeMs,
      );
      signal?.throwIfAborted();
      this.nodes = plan.map((p) => {
        const dir = join(this.record.baseDir, `n${p.id}`);
        const node: EnsembleNode = {
          ...p,
          proxyClientPort: this.created!.clientProxyPort.get(p.id)!,
          dataDir: join(dir, 'data'),
          dataLogDir: join(dir, 'datalog'),
          configFile: join(dir, 'conf', 'zoo.cfg'),
          logFile: join(dir, 'server.log'),
          clockFile: clockFileOf(join(dir, 'conf', 'zoo.cfg')),
        };
        return node;
      });
      for (const node of this.nodes) this.writeConfig(node, timing);
      // Not raced with the signal: a container being created must be known to be removed.
      await Promise.all(this.nodes.map((node) => this.start(node.id)));
      signal?.throwIfAborted();
      if (this.opts.waitForQuorum !== false)
        await this.waitForQuorum({ timeoutMs: this.opts.quorumTimeoutMs ?? 60_000, signal });
      if (!this.reaper.running())
        this.log(
          `warning: the reaper of run ${this.runId} is not running; after a crash, \`zkcheck clean\` removes what is left`,
        );
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  private writeConfig(node: EnsembleNode, timing: ZkTiming): void {
    for (const dir of [node.dataDir, node.dataLogDir, dirname(node.configFile)])
      mkdirSync(dir, { recursive: true });
    const servers = this.nodes.map((peer) => this.serverAddress(node.id, peer));
    const paths = this.runtime.serverPaths(node);
    writeFileSync(
      node.configFile,
      renderZooCfg({
        id: node.id,
        clientPort: node.clientPort,
        dataDir: paths.dataDir,
        dataLogDir: paths.dataLogDir,
        servers,
        timing,
      }),
    );
    writeFileSync(join(node.dataDir, 'myid'), `${node.id}\n`);
    writeFileSync(node.logFile, '', { flag: 'a' });
    // Before the server starts: libfaketime reads real time from it until a nemesis rewrites it.
    writeClockFile(node.clockFile, 0);
  }

  /** How node `from` reaches `to`: its own real ports, or the i->k link proxies. */
  private serverAddress(from: number, to: EnsembleNode): ServerAddress {
    if (from === to.id)
      return {
        id: to.id,
        host: UNDIALABLE_SELF_HOST,
        quorumPort: to.quorumPort,
        electionPort: to.electionPort,
      };
    const link = (kind: 'quorum' | 'election') =>
      this.links.between(from, to.id).find((l) => l.kind === kind)!;
    const host = link('quorum').listen.slice(0, link('quorum').listen.lastIndexOf(':'));
    return { id: to.id, host, quorumPort: link('quorum').port, electionPort: link('election').port };
  }

  node(id: number): EnsembleNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new EnsembleError(`no node ${id} (nodes are 1..${this.nodes.length})`);
    return node;
  }

  connectString(id: number): string {
    return `127.0.0.1:${this.node(id).proxyClientPort}`;
  }

  state(id: number): NodeState {
    this.node(id);
    return this.states.get(id) ?? 'stopped';
  }

  private assertLive(): void {
    if (this.stopping) throw new EnsembleError(`ensemble ${this.runId} is stopped`);
  }

  async start(id: number): Promise<void> {
    this.assertLive();
    const state = this.state(id);
    if (state === 'running' || state === 'paused') throw new EnsembleError(`node ${id} is already ${state}`);
    await this.runtime.start(this.node(id));
    this.states.set(id, 'running');
  }

  async kill(id: number): Promise<number | undefined> {
    this.assertLive();
    if (this.state(id) === 'killed' || this.state(id) === 'stopped') return undefined;
    const landedAt = await this.runtime.kill(this.node(id));
    this.states.set(id, 'killed');
    return landedAt;
  }

  async replaceNode(id: number, source: string): Promise<void> {
    this.assertLive();
    this.node(id);
    if (!this.runtime.replace)
      throw new EnsembleError(`the ${this.provider} provider cannot run a node from another release`);
    if (this.state(id) === 'paused') await this.resume(id);
    this.states.set(id, 'killed');
    await this.runtime.replace(this.node(id), source);
    this.states.set(id, 'running');
  }

  async restart(id: number): Promise<void> {
    await this.kill(id);
    await this.start(id);
  }

  async pause(id: number): Promise<void> {
    this.assertLive();
    if (this.state(id) === 'paused') return;
    if (this.state(id) !== 'running')
      throw new EnsembleError(`node ${id} is ${this.state(id)}, cannot pause it`);
    await this.runtime.pause(this.node(id));
    this.states.set(id, 'paused');
  }

  async resume(id: number): Promise<void> {
    this.assertLive();
    if (this.state(id) !== 'paused') return;
    await this.runtime.resume(this.node(id));
    this.states.set(id, 'running');
  }

  async setClock(id: number, offsetSeconds: number): Promise<void> {
    this.assertLive();
    const node = this.node(id);
    const why = await this.runtime.clockSupport();
    if (why !== undefined) throw new EnsembleError(`cannot set node ${id}'s clock: ${why}`);
    writeClockFile(node.clockFile, offsetSeconds);
    this.offsets.set(id, offsetSeconds);
  }

  clockOffset(id: number): number {
    this.node(id);
    return this.offsets.get(id) ?? 0;
  }

  async status(ids?: readonly number[]): Promise<NodeStatus[]> {
    const nodes = ids === undefined ? this.nodes : ids.map((id) => this.node(id));
    return Promise.all(nodes.map((node) => this.nodeStatus(node)));
  }

  private async nodeStatus(node: EnsembleNode): Promise<NodeStatus> {
    const state = this.state(node.id);
    if (state !== 'running') return { id: node.id, state, error: state };
    try {
      // Both asked at once: a fault aimed at a node waits for its role (nemesis/targets.ts).
      const mntrText = fourLetterWord(node.clientPort, 'mntr', 1000).catch(() => '');
      const srvr = parseSrvr(await fourLetterWord(node.clientPort, 'srvr', 1000));
      if (!srvr.mode) return { id: node.id, state, error: srvr.notServing };
      const mntr = parseMntr(await mntrText);
      return { id: node.id, state, mode: srvr.mode, zxid: srvr.zxid, mntr };
    } catch (error) {
      return { id: node.id, state, error: (error as Error).message };
    }
  }

  async leader(): Promise<number | undefined> {
    const leaders = (await this.status()).filter((s) => s.mode === 'leader' || s.mode === 'standalone');
    return leaders.length === 1 ? leaders[0].id : undefined;
  }

  async waitForQuorum(
    opts: { timeoutMs?: number; nodes?: readonly number[]; signal?: AbortSignal } = {},
  ): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    const wanted = opts.nodes ?? this.nodes.map((n) => n.id).filter((id) => this.state(id) === 'running');
    let last: NodeStatus[] = [];
    while (Date.now() < deadline) {
      this.assertLive();
      // A node that does not answer holds a status call for up to its timeout: do not wait for it.
      last = (await unlessAborted(opts.signal, this.status())).filter((s) => wanted.includes(s.id));
      const leaders = last.filter((s) => s.mode === 'leader' || s.mode === 'standalone');
      if (leaders.length === 1 && last.every((s) => s.mode !== undefined)) return;
      await unlessAborted(opts.signal, sleep(100));
    }
    const detail = last.map((s) => `${s.id}:${s.mode ?? s.error ?? s.state}`).join(', ');
    throw new EnsembleError(
      `no quorum within ${opts.timeoutMs ?? 60_000} ms (${detail}); node logs in ${this.record.baseDir}`,
    );
  }

  async logs(id: number): Promise<string> {
    return readFile(this.node(id).logFile, 'utf8').catch(() => '');
  }

  private tail(id: number): LogTail {
    this.assertLive();
    let tail = this.tails.get(id);
    if (!tail) {
      tail = new LogTail(this.node(id).logFile);
      this.tails.set(id, tail);
    }
    return tail;
  }

  onLogLine(id: number, pattern: RegExp, listener: (line: LogLine) => void): () => void {
    return this.tail(id).on(pattern, listener);
  }

  waitForLog(
    id: number,
    pattern: RegExp,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<LogLine> {
    return waitForLine(this.tail(id), pattern, opts);
  }

  stop(): Promise<void> {
    for (const tail of this.tails.values()) tail.close();
    this.tails.clear();
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async teardown(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    };
    await attempt(() => this.runtime.dispose());
    for (const id of this.states.keys()) this.states.set(id, 'stopped');
    // Our own server dies with its proxies; on a user's Toxiproxy, delete ours by name.
    if (this.created && !this.host?.pid) await attempt(() => this.created!.remove());
    if (this.host) await attempt(() => this.host!.stop());
    this.reservation.release();
    if (this.record.tempBase) rmSync(this.record.baseDir, { recursive: true, force: true });
    removeRunRecord(this.runId);
    // Last: if we die during teardown, the reaper finishes it.
    this.reaper.release();
    unregisterActive(this);
    if (errors.length > 0)
      throw new EnsembleError(
        `teardown of ${this.runId}: ${errors.map((e) => (e as Error).message).join('; ')}`,
      );
  }

  /** Exit-handler teardown: no awaiting possible, so signal and `docker rm -f` synchronously. */
  stopSync(): void {
    this.runtime.disposeSync();
    this.host?.stopSync();
    this.reservation.release();
    if (this.record.tempBase) rmSync(this.record.baseDir, { recursive: true, force: true });
    removeRunRecord(this.runId);
    this.reaper.release();
  }
}

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts (`work` then goes on
 * unobserved: use it only for work that creates nothing that would need removing).
 */
function unlessAborted<T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

// --- teardown on Ctrl-C, SIGTERM and exit -------------------------------------------------------

const active = new Set<RunningEnsemble>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let handlersInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  const mine = [...active].filter((ensemble) => ensemble.stopsOnSignal);
  if (mine.length === 0) return; // their owners handle signals themselves
  const stops = mine.map((ensemble) => ensemble.stop().catch(() => undefined));
  void Promise.all(stops).then(() => {
    // If nobody else handles the signal, behave as if we had not caught it: die by it.
    if (process.listenerCount(signal) === 1) {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    }
  });
}

function onExit(): void {
  for (const ensemble of active) ensemble.stopSync();
}

function registerActive(ensemble: RunningEnsemble): void {
  active.add(ensemble);
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', onExit);
}

function unregisterActive(ensemble: RunningEnsemble): void {
  active.delete(ensemble);
  if (active.size > 0 || !handlersInstalled) return;
  handlersInstalled = false;
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  process.removeListener('exit', onExit);
}

/** For tests: the config a node runs with. */
export function readNodeConfig(node: EnsembleNode): string {
  return readFileSync(node.configFile, 'utf8');
}
