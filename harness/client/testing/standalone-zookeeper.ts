/**
 * Test helper: one standalone ZooKeeper JVM on 127.0.0.1, from Debian's `zookeeper` package, with a
 * free client port, a temporary data dir and every four-letter word enabled. Independent of
 * harness/cluster on purpose: client tests need one plain server, fast.
 *
 *   const zk = await startStandaloneZooKeeper();
 *   ... zk.connectString ...
 *   await zk.stop(); // SIGTERM, then SIGKILL; removes the temp dir
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const JAVA_DIR = '/usr/share/java';
/** zookeeper.jar's manifest Class-Path names its dependencies; slf4j-simple makes it log. */
const CLASSPATH = [`${JAVA_DIR}/zookeeper.jar`, `${JAVA_DIR}/slf4j-simple.jar`];

export const INSTALL_HINT = 'apt-get -o DPkg::Lock::Timeout=600 install -y zookeeper openjdk-17-jre-headless';

/** Null when a standalone server can be started here, else why not. */
export function standaloneUnavailableReason(): string | null {
  for (const jar of CLASSPATH) {
    if (!existsSync(jar)) return `${jar} is missing (install with: ${INSTALL_HINT})`;
  }
  if (!existsSync('/usr/bin/java')) return `java is missing (install with: ${INSTALL_HINT})`;
  return null;
}

export interface StandaloneOptions {
  /** Ticks drive session expiry checks; sessions are clamped to [min, max]. Default 200 ms. */
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  startTimeoutMs?: number;
}

export interface StandaloneZooKeeper {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly connectString: string;
  readonly pid: number;
  readonly dataDir: string;
  /** The server's stdout and stderr so far (its log). */
  log(): string;
  /** Sends a four-letter word (ruok, srvr, cons, ...) and returns the answer. */
  fourLetter(word: string): Promise<string>;
  /** True while the JVM process exists. */
  isRunning(): boolean;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function fourLetterWord(port: number, word: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`${word}: no answer within ${timeoutMs} ms`)),
    );
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const running = new Set<ChildProcess>();
// Last resort if a test process exits without stop(): never leave a JVM behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startStandaloneZooKeeper(
  options: StandaloneOptions = {},
): Promise<StandaloneZooKeeper> {
  const unavailable = standaloneUnavailableReason();
  if (unavailable) throw new Error(`cannot start ZooKeeper: ${unavailable}`);
  const tickTime = options.tickTimeMs ?? 200;
  const startTimeout = options.startTimeoutMs ?? 30_000;
  let lastError: unknown;
  // The port may be taken between freePort() and the JVM's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    try {
      return await launch(port, tickTime, options, startTimeout);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(
  port: number,
  tickTime: number,
  options: StandaloneOptions,
  startTimeout: number,
): Promise<StandaloneZooKeeper> {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-zk-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'zoo.cfg');
  const logFile = join(dir, 'server.log');
  writeFileSync(
    configFile,
    [
      `tickTime=${tickTime}`,
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      `minSessionTimeout=${options.minSessionTimeoutMs ?? tickTime * 2}`,
      `maxSessionTimeout=${options.maxSessionTimeoutMs ?? 60_000}`,
      '4lw.commands.whitelist=*',
      'admin.enableServer=false',
      'maxClientCnxns=0',
      '',
    ].join('\n'),
  );
  writeFileSync(logFile, '');
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    '/usr/bin/java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Dzookeeper.admin.enableServer=false',
      '-cp',
      CLASSPATH.join(':'),
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      configFile,
    ],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  running.add(child);
  const pid = child.pid;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const server: StandaloneZooKeeper = {
    host: '127.0.0.1',
    port,
    connectString: `127.0.0.1:${port}`,
    pid: pid ?? -1,
    dataDir,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    fourLetter: (word) => fourLetterWord(port, word),
    isRunning: () => !exited && pid !== undefined && processExists(pid),
    stop,
    [Symbol.asyncDispose]: stop,
  };

  const deadline = Date.now() + startTimeout;
  while (Date.now() < deadline) {
    if (exited) {
      const log = server.log();
      await stop();
      throw new Error(`ZooKeeper exited during start on port ${port}:\n${log.slice(-2_000)}`);
    }
    try {
      // `srvr` answers with the server's mode only once it is serving requests.
      if ((await fourLetterWord(port, 'srvr', 1_000)).includes('Mode: standalone')) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = server.log();
  await stop();
  throw new Error(`ZooKeeper did not serve on port ${port} within ${startTimeout} ms:\n${log.slice(-2_000)}`);
}
