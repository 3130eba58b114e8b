/**
 * The `local` provider: each node is a JVM running QuorumPeerMain from a ZooKeeper install on this
 * machine (`--zk-home` with lib/*.jar, or Debian's `zookeeper` package in /usr/share/java). Kill is
 * SIGKILL, pause is SIGSTOP/SIGCONT. Every JVM carries `-Dzkcheck.run=<run>` and
 * `-Dzkcheck.owner=<pid>:<start>` on its command line so sweeps find it after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeRuntime, RunLabels, ServerPaths } from './runtime.js';
import { DEFAULT_JVM_FLAGS } from './runtime.js';
import { killHard, waitForExit } from './processes.js';
import { EnsembleError, type EnsembleNode } from './types.js';

export const DEBIAN_JAVA_DIR = '/usr/share/java';

export interface ZooKeeperInstall {
  /** Class path for QuorumPeerMain, SLF4J binding included. */
  classpath: string[];
  /** Extra JVM properties the install needs (e.g. its logback config). */
  properties: string[];
  version?: string;
  description: string;
}

/** Finds a ZooKeeper install, or explains what is missing. */
export function findZooKeeperInstall(zkHome?: string): ZooKeeperInstall {
  if (zkHome) {
    const lib = join(zkHome, 'lib');
    if (!existsSync(lib))
      throw new EnsembleError(`--zk-home ${zkHome}: no lib/ folder (expected a ZooKeeper binary release)`);
    const jars = readdirSync(lib).filter((name) => name.endsWith('.jar'));
    const main = jars.find((name) => /^zookeeper-\d[\w.-]*\.jar$/.test(name));
    if (!main) throw new EnsembleError(`--zk-home ${zkHome}: no zookeeper-<version>.jar in lib/`);
    const logback = join(zkHome, 'conf', 'logback.xml');
    return {
      classpath: jars.map((name) => join(lib, name)),
      properties: existsSync(logback) ? [`-Dlogback.configurationFile=${logback}`] : [],
      version: /^zookeeper-(\d[\w.]*?)\.jar$/.exec(main)?.[1],
      description: zkHome,
    };
  }
  const jar = join(DEBIAN_JAVA_DIR, 'zookeeper.jar');
  if (!existsSync(jar)) {
    throw new EnsembleError(
      `no ZooKeeper install: ${jar} is missing (apt-get install zookeeper, or give --zk-home <release dir>)`,
    );
  }
  const versioned = readdirSync(DEBIAN_JAVA_DIR).find((name) => /^zookeeper-\d[\d.]*\.jar$/.test(name));
  const version = versioned ? /^zookeeper-([\d.]+)\.jar$/.exec(versioned)?.[1] : undefined;
  // Debian's jar lists its dependencies in its manifest; it ships no SLF4J binding (the server would
  // log nothing), so add slf4j-simple, writing to stdout with timestamps.
  const binding = join(DEBIAN_JAVA_DIR, 'slf4j-simple.jar');
  return {
    classpath: existsSync(binding) ? [jar, binding] : [jar],
    properties: [
      '-Dorg.slf4j.simpleLogger.logFile=System.out',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
    ],
    version,
    description: `${DEBIAN_JAVA_DIR} (Debian zookeeper${version ? ` ${version}` : ''})`,
  };
}

export function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export const RUN_PROPERTY = '-Dzkcheck.run=';
export const OWNER_PROPERTY = '-Dzkcheck.owner=';

export class LocalRuntime implements NodeRuntime {
  readonly provider = 'local' as const;
  readonly source: string;
  private readonly processes = new Map<number, ChildProcess>();

  constructor(
    private readonly install: ZooKeeperInstall,
    private readonly labels: RunLabels,
    private readonly jvmFlags = DEFAULT_JVM_FLAGS,
  ) {
    this.source = install.description;
  }

  serverPaths(node: EnsembleNode): ServerPaths {
    return { dataDir: node.dataDir, dataLogDir: node.dataLogDir };
  }

  async start(node: EnsembleNode): Promise<void> {
    const running = this.processes.get(node.id);
    if (running && running.exitCode === null && running.signalCode === null) {
      throw new EnsembleError(`node ${node.id} is already running (pid ${running.pid})`);
    }
    const log = openSync(node.logFile, 'a');
    writeSync(log, `--- zkcheck: starting node ${node.id} at ${new Date().toISOString()}\n`);
    const args = [
      ...this.jvmFlags.split(/\s+/).filter(Boolean),
      ...this.install.properties,
      `${RUN_PROPERTY}${this.labels.runId}`,
      `${OWNER_PROPERTY}${this.labels.ownerPid}:${this.labels.ownerStart ?? ''}`,
      `-Dzkcheck.node=${node.id}`,
      `-Dzookeeper.log.dir=${node.dataLogDir}`,
      '-cp',
      this.install.classpath.join(':'),
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      node.configFile,
    ];
    // Own process group: a Ctrl-C on the terminal reaches us, and we tear down in order.
    const child = spawn(javaBinary(), args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(
          new EnsembleError(
            `cannot start java for node ${node.id}: ${error.message} (install openjdk-17-jre-headless)`,
          ),
        ),
      );
    });
    child.unref();
    this.processes.set(node.id, child);
  }

  private pid(node: EnsembleNode): number {
    const child = this.processes.get(node.id);
    if (!child?.pid) throw new EnsembleError(`node ${node.id} has no process`);
    return child.pid;
  }

  async kill(node: EnsembleNode): Promise<void> {
    const pid = this.pid(node);
    killHard(pid);
    await this.reap(node.id, pid);
  }

  private async reap(id: number, pid: number): Promise<void> {
    const child = this.processes.get(id);
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await waitForExit(pid, 1000);
  }

  async pause(node: EnsembleNode): Promise<void> {
    process.kill(this.pid(node), 'SIGSTOP');
  }

  async resume(node: EnsembleNode): Promise<void> {
    process.kill(this.pid(node), 'SIGCONT');
  }

  async dispose(): Promise<void> {
    await Promise.all(
      [...this.processes.entries()].map(async ([id, child]) => {
        if (child.pid) {
          killHard(child.pid);
          await this.reap(id, child.pid);
        }
      }),
    );
    this.processes.clear();
  }

  disposeSync(): void {
    for (const child of this.processes.values()) if (child.pid) killHard(child.pid);
    this.processes.clear();
  }
}
