/**
 * The `local` provider: each node is a JVM running QuorumPeerMain from a ZooKeeper install on this
 * machine. Kill is SIGKILL, pause is SIGSTOP/SIGCONT. Every JVM carries `-Dzkcheck.run=<run>` and
 * `-Dzkcheck.owner=<pid>:<start>` on its command line so sweeps find it after a crash.
 *
 * Installs (`--zk-home DIR`, any version): a binary release (DIR/lib/*.jar), or Debian's layout:
 * DIR is a /usr/share/java (zookeeper.jar, whose manifest names its dependencies), or a root
 * filesystem holding one (DIR/usr/share/java). Without --zk-home: Debian's package here.
 * Whatever the install, the server logs in one format (zkconfig.ts LOG_PATTERN) to stdout, which
 * goes to the node's log file; its logging config is written beside the node's zoo.cfg.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { faketimeEnvironment, hostFaketimeLibrary } from './clock.js';
import { debianClasspath } from './jars.js';
import type { NodeRuntime, RunLabels, ServerPaths } from './runtime.js';
import { DEFAULT_JVM_FLAGS } from './runtime.js';
import { killHard, waitForExit } from './processes.js';
import { EnsembleError, type EnsembleNode } from './types.js';
import { renderLog4jProperties, renderLogbackXml } from './zkconfig.js';

export const DEBIAN_JAVA_DIR = '/usr/share/java';

/** Which SLF4J binding the class path carries, hence which config the server needs. */
export type ServerLogging = 'log4j' | 'logback' | 'simple' | 'none';

export interface ZooKeeperInstall {
  /** Class path for QuorumPeerMain, SLF4J binding included. */
  classpath: string[];
  /** The binding on the class path: which logging config each node gets. */
  logging: ServerLogging;
  version?: string;
  description: string;
}

/** Finds a ZooKeeper install, or explains what is missing. */
export function findZooKeeperInstall(zkHome?: string): ZooKeeperInstall {
  if (!zkHome) {
    if (!existsSync(join(DEBIAN_JAVA_DIR, 'zookeeper.jar'))) {
      throw new EnsembleError(
        `no ZooKeeper install: ${join(DEBIAN_JAVA_DIR, 'zookeeper.jar')} is missing (apt-get install zookeeper, or give --zk-home <release dir>)`,
      );
    }
    return debianInstall(DEBIAN_JAVA_DIR, `${DEBIAN_JAVA_DIR} (Debian zookeeper`);
  }
  if (existsSync(join(zkHome, 'lib'))) return releaseInstall(zkHome);
  for (const dir of [zkHome, join(zkHome, 'usr/share/java')]) {
    if (existsSync(join(dir, 'zookeeper.jar'))) return debianInstall(dir, `${dir} (Debian layout, zookeeper`);
  }
  throw new EnsembleError(
    `--zk-home ${zkHome}: neither a ZooKeeper binary release (lib/*.jar) nor Debian's layout (zookeeper.jar, or usr/share/java/zookeeper.jar)`,
  );
}

/** An unpacked binary release: every jar of lib/, whose logback (3.8+) or log4j binding logs. */
function releaseInstall(zkHome: string): ZooKeeperInstall {
  const lib = join(zkHome, 'lib');
  const jars = readdirSync(lib).filter((name) => name.endsWith('.jar'));
  const main = jars.find((name) => /^zookeeper-\d[\w.-]*\.jar$/.test(name));
  if (!main) throw new EnsembleError(`--zk-home ${zkHome}: no zookeeper-<version>.jar in lib/`);
  const has = (pattern: RegExp) => jars.some((name) => pattern.test(name));
  const logging: ServerLogging = has(/^logback-classic/)
    ? 'logback'
    : has(/^slf4j-(log4j12|reload4j)/)
      ? 'log4j'
      : has(/^slf4j-simple/)
        ? 'simple'
        : 'none';
  return {
    classpath: jars.map((name) => join(lib, name)),
    logging,
    version: /^zookeeper-(\d+\.\d+\.\d+)/.exec(main)?.[1],
    description: zkHome,
  };
}

/**
 * Debian's layout: zookeeper.jar and the jars its manifest names (see jars.ts), with the log4j 1.2
 * binding that every suite ships (slf4j-log4j12.jar; reload4j's binding behind that name in forky).
 * Debian's zookeeper.jar alone has no binding: the server would log nothing.
 */
function debianInstall(dir: string, description: string): ZooKeeperInstall {
  const versioned = readdirSync(dir).find((name) => /^zookeeper-\d+\.\d+\.\d+\.jar$/.test(name));
  const version = versioned ? /^zookeeper-([\d.]+)\.jar$/.exec(versioned)?.[1] : undefined;
  const log4j = ['slf4j-log4j12.jar', 'log4j-1.2.jar'].every((jar) => existsSync(join(dir, jar)));
  const simple = !log4j && existsSync(join(dir, 'slf4j-simple.jar'));
  const bindings = log4j ? ['slf4j-log4j12.jar', 'log4j-1.2.jar'] : simple ? ['slf4j-simple.jar'] : [];
  return {
    classpath: debianClasspath(dir, [...bindings, 'zookeeper.jar']),
    logging: log4j ? 'log4j' : simple ? 'simple' : 'none',
    version,
    description: `${description}${version ? ` ${version}` : ''})`,
  };
}

/** Writes the node's logging config beside its zoo.cfg; returns the JVM properties that load it. */
export function serverLoggingProperties(logging: ServerLogging, configFile: string): string[] {
  const confDir = dirname(configFile);
  switch (logging) {
    case 'log4j': {
      const file = join(confDir, 'log4j.properties');
      writeFileSync(file, renderLog4jProperties());
      return [`-Dlog4j.configuration=file:${file}`];
    }
    case 'logback': {
      const file = join(confDir, 'logback.xml');
      writeFileSync(file, renderLogbackXml());
      return [`-Dlogback.configurationFile=${file}`];
    }
    case 'simple':
      return [
        '-Dorg.slf4j.simpleLogger.logFile=System.out',
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
      ];
    case 'none':
      return [];
  }
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
  /** Preloaded into every server when installed, so that its clock can be set while it runs. */
  private readonly faketime = hostFaketimeLibrary();

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
      ...serverLoggingProperties(this.install.logging, node.configFile),
      `${RUN_PROPERTY}${this.labels.runId}`,
      `${OWNER_PROPERTY}${this.labels.ownerPid}:${this.labels.ownerStart ?? ''}`,
      `-Dzkcheck.node=${node.id}`,
      `-Dzookeeper.log.dir=${node.dataLogDir}`,
      '-cp',
      this.install.classpath.join(':'),
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      node.configFile,
    ];
    const env = this.faketime ? faketimeEnvironment(this.faketime, node.clockFile, process.env) : process.env;
    // Own process group: a Ctrl-C on the terminal reaches us, and we tear down in order.
    const child = spawn(javaBinary(), args, { detached: true, stdio: ['ignore', log, log], env });
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

  async kill(node: EnsembleNode): Promise<number> {
    const pid = this.pid(node);
    killHard(pid);
    // A SIGKILL takes effect when sent; the exit is noticed later.
    const landedAt = Date.now();
    await this.reap(node.id, pid);
    return landedAt;
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

  async clockSupport(): Promise<string | undefined> {
    return this.faketime
      ? undefined
      : 'libfaketime is not installed here (apt-get install faketime libfaketime, or `npm run setup`)';
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
