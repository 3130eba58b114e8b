/**
 * A run's reaper: a small process of our own (Ryuk cannot be pulled here) that removes what the
 * run created when the harness dies without tearing down (SIGKILL, the OOM killer, a native crash).
 *
 * The ensemble starts it right after writing the run record, before creating anything. It runs
 * detached, in a session of its own, so neither the harness's death nor a Ctrl-C to the harness's
 * process group reaches it. Its stdin is a pipe whose only writer is the harness: a clean stop
 * writes RELEASE and the reaper exits without touching anything; end of file without RELEASE means
 * the writer is gone (the kernel closes a dead process's descriptors). The reaper then confirms
 * that the owner (pid and start time, so a reused pid does not fool it) no longer runs, and sweeps
 * that one run with hygiene.ts's sweep: containers, JVMs, proxy server, port locks, record, temp
 * dir. It also polls the owner itself, in case the pipe's write end ever leaks into another process.
 *
 * This module stays light (node builtins and processes.ts): the reaper process loads hygiene.ts,
 * and with it Testcontainers, only when it has something to reap.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findProcesses, isProcessAlive, isZombie } from './processes.js';
import type { ProviderName } from './types.js';

/** An element of every reaper's argv, to find reapers in /proc. */
export const REAPER_MARKER = 'zkcheck-reaper';
/** What the harness writes when its own teardown is done. */
const RELEASE = 'release\n';

/** How often the reaper looks at its owner while the pipe is open, and once it has closed. */
const OWNER_POLL_MS = 250;
const CLOSED_POLL_MS = 20;
/** An owner gone this long while its pipe stays open: the pipe's write end leaked elsewhere. */
const PIPE_LEAK_MS = 1_000;
/** dockerd may still be finishing a container create or start the dead harness asked for. */
const SETTLE_MS = 3_000;
const PASS_GAP_MS = 1_000;
/** A reap that hangs (an engine that stopped answering) gives up; `zkcheck clean` remains. */
const REAP_DEADLINE_MS = 60_000;
/** The shared log is cut back to its newest half when it grows past this. */
const LOG_MAX_BYTES = 256 * 1024;

export interface ReaperOptions {
  runId: string;
  provider: ProviderName;
  ownerPid: number;
  /** The owner's start time (processes.ts), so a reused pid is not taken for the owner. */
  ownerStart: number | undefined;
  /** Where the reaper logs what it reaped (and where its stderr goes). */
  logFile: string;
}

export interface Reaper {
  readonly pid: number | undefined;
  /** False once the reaper process has exited (or never started). */
  running(): boolean;
  /** The run is torn down: the reaper exits without reaping. Idempotent; never throws. */
  release(): void;
}

/** Starts the reaper of a run whose record is written; `onError` hears if it cannot run. */
export function startReaper(
  opts: ReaperOptions,
  onError: (message: string) => void = () => undefined,
): Reaper {
  const { execArgv, entry } = reaperEntry();
  const stderr = openLog(opts.logFile);
  const args = [
    entry,
    REAPER_MARKER,
    '--run',
    opts.runId,
    '--provider',
    opts.provider,
    '--owner',
    `${opts.ownerPid}:${opts.ownerStart ?? ''}`,
    '--log',
    opts.logFile,
  ];
  // detached: setsid(), so the harness's process group (Ctrl-C) and its death leave it alone.
  const child = spawn(process.execPath, [...execArgv, ...args], {
    detached: true,
    stdio: ['pipe', 'ignore', stderr],
    cwd: '/',
  });
  if (typeof stderr === 'number') closeSync(stderr);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', (error) => {
    exited = true;
    onError(`cannot start the reaper of run ${opts.runId}: ${error.message}`);
  });
  // A reaper that died first turns our write into EPIPE: nothing to do about it then.
  child.stdin!.on('error', () => undefined);
  // Neither the reaper nor its pipe keeps the harness alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let released = false;
  return {
    pid: child.pid,
    running: () => !exited && child.exitCode === null && child.signalCode === null,
    release: () => {
      if (released) return;
      released = true;
      // A small write to an empty pipe goes out at once, also from an exit handler.
      child.stdin!.end(RELEASE);
    },
  };
}

/** The log as the reaper's stderr, so that even its failure to start is written down. */
function openLog(file: string): number | 'ignore' {
  try {
    return openSync(file, 'a');
  } catch {
    return 'ignore';
  }
}

/** The entry script and node flags: reaper-main.ts through tsx when we run from source, else the compiled .js. */
function reaperEntry(): { execArgv: string[]; entry: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { execArgv: ['--import', tsx], entry: join(dirname(here), 'reaper-main.ts') };
  }
  return { execArgv: [], entry: join(dirname(here), 'reaper-main.js') };
}

export interface ReaperProcess {
  pid: number;
  runId: string | undefined;
}

/** Reaper processes on this machine (optionally of one run), from /proc. */
export function findReapers(runId?: string): ReaperProcess[] {
  return findProcesses((argv) => argv.includes(REAPER_MARKER))
    .map(({ pid, argv }) => ({ pid, runId: argv[argv.indexOf('--run') + 1] }))
    .filter((reaper) => runId === undefined || reaper.runId === runId);
}

// --- the reaper process ---------------------------------------------------------------------------

/** Parses the reaper's argv (after the script); throws on anything unexpected. */
export function parseReaperArgs(argv: readonly string[]): ReaperOptions {
  const args = argv[0] === REAPER_MARKER ? argv.slice(1) : argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    if (!['--run', '--provider', '--owner', '--log'].includes(args[i]) || args[i + 1] === undefined)
      throw new Error(`unexpected argument ${args[i]}`);
    flags.set(args[i], args[i + 1]);
  }
  const [pid, start] = (flags.get('--owner') ?? '').split(':');
  const provider = flags.get('--provider');
  if (!flags.get('--run') || !/^\d+$/.test(pid) || (provider !== 'docker' && provider !== 'local'))
    throw new Error(`usage: ${REAPER_MARKER} --run ID --provider docker|local --owner PID:START --log FILE`);
  return {
    runId: flags.get('--run')!,
    provider,
    ownerPid: Number(pid),
    ownerStart: start ? Number(start) : undefined,
    logFile: flags.get('--log') ?? '/dev/null',
  };
}

/** Waits for the owner to release or die; reaps the run if it died. Returns the exit code. */
export async function runReaper(opts: ReaperOptions): Promise<number> {
  const log = reaperLog(opts);
  const ending = await ownerEnds(opts);
  if (ending === 'released') return 0;
  trimLog(opts.logFile);
  log(`owner ${opts.ownerPid} died (${ending}); reaping run ${opts.runId}`);
  const deadline = setTimeout(() => {
    log(`gave up after ${REAP_DEADLINE_MS} ms; \`zkcheck clean\` removes the rest`);
    process.exit(1);
  }, REAP_DEADLINE_MS);
  try {
    await reap(opts, log);
    return 0;
  } catch (error) {
    log(`reap failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    clearTimeout(deadline);
  }
}

type Ending = 'released' | 'pipe closed' | 'owner gone, pipe still open';

/**
 * Resolves when the owner writes RELEASE, or once it is certainly dead: gone and its pipe at end
 * of file (so a RELEASE still in the pipe is read first), or gone for PIPE_LEAK_MS with the pipe
 * still open (its write end leaked into a process that outlives the owner).
 */
function ownerEnds(opts: ReaperOptions): Promise<Ending> {
  return new Promise((resolve) => {
    let received = '';
    let pipeClosed = false;
    let goneSince: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (ending: Ending): void => {
      clearTimeout(timer);
      process.stdin.removeAllListeners();
      process.stdin.destroy();
      resolve(ending);
    };
    const look = (): void => {
      clearTimeout(timer);
      if (ownerGone(opts)) {
        if (pipeClosed) return finish('pipe closed');
        goneSince ??= Date.now();
        if (Date.now() - goneSince >= PIPE_LEAK_MS) return finish('owner gone, pipe still open');
      }
      // End of file alone is no proof (only a dead owner is), but it says to look closely now.
      timer = setTimeout(look, pipeClosed || goneSince ? CLOSED_POLL_MS : OWNER_POLL_MS);
    };
    const onClosed = (): void => {
      if (pipeClosed) return;
      pipeClosed = true;
      look();
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes(RELEASE)) finish('released');
    });
    process.stdin.on('end', onClosed);
    process.stdin.on('error', onClosed);
    look();
  });
}

/** The owner no longer runs code: exited, a zombie, its pid reused, or we were reparented. */
function ownerGone(opts: ReaperOptions): boolean {
  return (
    process.ppid !== opts.ownerPid ||
    !isProcessAlive(opts.ownerPid, opts.ownerStart) ||
    isZombie(opts.ownerPid)
  );
}

/**
 * Sweeps the run until a pass finds nothing, and at least until SETTLE_MS after the start: a
 * container the dead harness asked dockerd for may appear a moment after the first pass.
 */
async function reap(opts: ReaperOptions, log: (line: string) => void): Promise<void> {
  const { describeSweep, sweepLeftovers } = await import('./hygiene.js');
  const started = Date.now();
  for (let pass = 1; ; pass++) {
    const report = await sweepLeftovers({ runId: opts.runId, docker: opts.provider === 'docker' });
    const found = Object.values(report).some((value) => (Array.isArray(value) ? value.length : value) > 0);
    if (found || pass === 1)
      log(`pass ${pass} at ${Date.now() - started} ms: removed ${describeSweep(report)}`);
    if (!found && Date.now() - started >= SETTLE_MS) break;
    await new Promise((resolve) => setTimeout(resolve, PASS_GAP_MS));
  }
  log(`done in ${Date.now() - started} ms`);
}

function reaperLog(opts: ReaperOptions): (line: string) => void {
  return (line) => {
    try {
      appendFileSync(
        opts.logFile,
        `${new Date().toISOString()} reaper ${process.pid} run ${opts.runId}: ${line}\n`,
      );
    } catch {
      // a log we cannot write must not stop the reaping
    }
  };
}

/**
 * Keeps the shared log bounded: past LOG_MAX_BYTES it is rewritten in place with its newest half
 * (in place, so other reapers' stderr, open on the same file, keeps pointing at it).
 */
export function trimLog(file: string, maxBytes = LOG_MAX_BYTES): void {
  try {
    if (statSync(file).size <= maxBytes) return;
    const text = readFileSync(file, 'utf8');
    const tail = text.slice(-Math.floor(maxBytes / 2));
    writeFileSync(file, tail.slice(tail.indexOf('\n') + 1));
  } catch {
    // no log yet, or it went away
  }
}
