/**
 * Starts our Toxiproxy-compatible fault proxy (main.ts) as a child process and hands back its API URL.
 *
 * The child never outlives us: it watches its stdin (a pipe only we hold) and its parent pid, so even a
 * SIGKILLed harness leaves nothing behind. Its argv carries FAULT_PROXY_MARKER, `--label` and
 * `--parent-pid`, so leftovers can still be listed and swept (findFaultProxyProcesses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseListen } from './model.js';

/** An element of every fault proxy's argv. */
export const FAULT_PROXY_MARKER = 'zkcheck-proxy';
/** The stdout line the child prints once its API listens; JSON `{url, pid, label}` follows. */
export const READY_PREFIX = 'zkcheck-proxy ready ';
/** Also set in the child's environment. */
export const FAULT_PROXY_LABEL_ENV = 'ZKCHECK_PROXY_LABEL';

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;
const STDERR_TAIL_BYTES = 4_096;

export interface FaultProxyServer extends AsyncDisposable {
  /** The API base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

export interface FaultProxyServerOptions {
  /** API address; loopback only (default 127.0.0.1). */
  host?: string;
  /** API port; 0, the default, picks a free one. */
  port?: number;
  /** Shown in the child's argv (`--label`) and environment; default `zkcheck-<our pid>`. */
  label?: string;
}

export async function startFaultProxyServer(opts: FaultProxyServerOptions = {}): Promise<FaultProxyServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const label = opts.label ?? `zkcheck-${process.pid}`;
  try {
    parseListen(`${host}:${port}`);
  } catch {
    throw new Error(
      `fault proxy API address ${host}:${port} is not a loopback host:port: zkcheck only binds 127.0.0.0/8`,
    );
  }

  const { execArgv, entry } = childEntry();
  const args = [entry, FAULT_PROXY_MARKER, '--host', host, '--port', String(port), '--label', label];
  args.push('--parent-pid', String(process.pid), '--watch-parent');
  const child = spawn(process.execPath, [...execArgv, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, [FAULT_PROXY_LABEL_ENV]: label },
  });
  const stderr = tail(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    const url = await waitForReadyLine(child, stderr, deadline);
    await waitForVersion(url, deadline);
    return new RunningFaultProxy(child, url, label, exited, stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

class RunningFaultProxy implements FaultProxyServer {
  readonly pid: number;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    label: string,
    private readonly exited: Promise<void>,
    stderr: () => string,
  ) {
    this.pid = child.pid!;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      process.emitWarning(
        `fault proxy ${label} (pid ${this.pid}, ${url}) exited unexpectedly (${signal ?? `code ${code}`}); every proxied link is down. ${stderr()}`.trim(),
        { code: 'ZKCHECK_FAULT_PROXY_EXIT' },
      );
    });
    // Neither the child nor its pipes keep us alive: if we exit without stop(), its stdin closes and it follows.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async terminate(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
    });
    const timedOut = await Promise.race([this.exited.then(() => false), graceOver]);
    clearTimeout(timer);
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** The entry file and node flags: main.ts through tsx when we run from source, else the compiled main.js. */
function childEntry(): { execArgv: string[]; entry: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { execArgv: ['--import', tsx], entry: join(dirname(here), 'main.ts') };
  }
  return { execArgv: [], entry: join(dirname(here), 'main.js') };
}

function waitForReadyLine(child: ChildProcess, stderr: () => string, deadline: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => finish(new Error(`fault proxy did not start within ${START_TIMEOUT_MS} ms. ${stderr()}`.trim())),
      Math.max(0, deadline - Date.now()),
    );
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n').find((candidate) => candidate.startsWith(READY_PREFIX));
      if (line === undefined) return;
      try {
        const { url } = JSON.parse(line.slice(READY_PREFIX.length)) as { url: string };
        finish(undefined, url);
      } catch {
        finish(new Error(`fault proxy printed an unreadable ready line: ${line}`));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(
        new Error(`fault proxy exited (${signal ?? `code ${code}`}) before it was ready. ${stderr()}`.trim()),
      );
    const onError = (error: Error): void =>
      finish(new Error(`cannot start the fault proxy: ${error.message}`));
    function finish(error: Error | undefined, url?: string): void {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout!.resume(); // keep draining: a full pipe would block the child's writes
      if (error) reject(error);
      else resolve(url!);
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function waitForVersion(url: string, deadline: number): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2_000) });
      await response.text();
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fault proxy at ${url} did not answer GET /version: ${lastError}`);
}

/** Keeps the last few KB the child wrote to stderr, for error messages. */
function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  return () => (text.trim() === '' ? '' : `Its stderr: ${text.trim()}`);
}

export interface FaultProxyProcess {
  readonly pid: number;
  readonly label: string | undefined;
  /** The harness that started it (`--parent-pid`), if any. */
  readonly parentPid: number | undefined;
  /** Started by a harness that is gone (it should have exited by itself). */
  readonly orphaned: boolean;
}

/** Fault proxy processes on this machine, found by the marker in their argv (Linux /proc; else none). */
export function findFaultProxyProcesses(): FaultProxyProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: FaultProxyProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = readProc(entry, 'cmdline')?.split('\0');
    if (!args?.includes(FAULT_PROXY_MARKER)) continue;
    const stat = readStat(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    const flag = (name: string): string | undefined => {
      const index = args.indexOf(name);
      return index >= 0 ? args[index + 1] : undefined;
    };
    const parentText = flag('--parent-pid');
    const parentPid = parentText === undefined ? undefined : Number(parentText);
    found.push({
      pid: Number(entry),
      label: flag('--label'),
      parentPid,
      orphaned: parentPid !== undefined && stat.ppid !== parentPid,
    });
  }
  return found;
}

/** Kills fault proxies whose harness is gone (optionally only those with this label); returns their pids. */
export function sweepOrphanedFaultProxies(filter: { label?: string } = {}): number[] {
  const swept: number[] = [];
  for (const stray of findFaultProxyProcesses()) {
    if (!stray.orphaned || (filter.label !== undefined && stray.label !== filter.label)) continue;
    try {
      process.kill(stray.pid, 'SIGKILL');
      swept.push(stray.pid);
    } catch {
      // gone already
    }
  }
  return swept;
}

/** True while the process exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return readStat(pid)?.state !== 'Z';
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  const text = readProc(String(pid), 'stat');
  if (text === undefined) return undefined;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}
