/** Process helpers over /proc: liveness that survives pid reuse, and finding our labelled processes. */
import { readdirSync, readFileSync } from 'node:fs';

/** Start time of a process in clock ticks since boot (/proc/PID/stat field 22), if readable. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and, if `startTime` is given, is the same process that had it then. */
export function isProcessAlive(pid: number, startTime?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

/** True for a zombie or a stopped-then-dead entry: the process no longer runs code. */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export interface ProcessInfo {
  pid: number;
  argv: string[];
}

/** Every process whose argv matches, via /proc (Linux). */
export function findProcesses(match: (argv: string[]) => boolean): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv.length > 0 && match(argv) && !isZombie(pid)) found.push({ pid, argv });
  }
  return found;
}

/** SIGCONT then SIGKILL (a stopped process still dies on SIGKILL, but continue it to be tidy). */
export function killHard(pid: number): void {
  for (const signal of ['SIGKILL', 'SIGCONT'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/** Waits until `pid` is gone (or a zombie), up to `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid) || isZombie(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
