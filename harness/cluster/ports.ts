/**
 * Port reservation that does not collide with other runs on the machine.
 *
 * Why not "bind port 0 and close": the OS hands out ports from the ephemeral range, which outgoing
 * connections (ZooKeeper's own peer dials, clients, proxies) also draw source ports from, and a
 * released port can be handed to anyone before the server binds it. Instead we pick random ports
 * *below* the ephemeral range (never used for source ports), claim each with an exclusive lock file
 * shared by every zkcheck process (O_EXCL create is atomic), and check it is bindable on 127.0.0.1.
 * A lock whose owner process is gone is stale and reclaimed.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, processStartTime } from './processes.js';

export function portLockDir(): string {
  return join(tmpdir(), 'zkcheck-ports');
}

/** [low, high): below the kernel's ephemeral range and above common services. */
export function reservablePortRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    // not Linux: keep the IANA-ish default
  }
  const high = Math.min(ephemeralLow, 32768);
  return [Math.min(20000, high - 2000), high];
}

interface LockOwner {
  pid: number;
  start?: number;
  runId: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function ownerAlive(owner: LockOwner | undefined): boolean {
  if (!owner) return false;
  return isProcessAlive(owner.pid, owner.start);
}

function tryLock(port: number, runId: string): boolean {
  const dir = portLockDir();
  const file = join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid), runId }));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      // An unreadable lock may be mid-write by its owner: treat it as held.
      if (owner === undefined || ownerAlive(owner)) return false;
      try {
        unlinkSync(file);
      } catch {
        return false;
      }
    }
  }
  return false;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export class PortReservation {
  private readonly ports = new Set<number>();
  constructor(readonly runId: string) {
    mkdirSync(portLockDir(), { recursive: true });
  }

  /** Claims `count` distinct ports; throws after many failed attempts (a full range). */
  async take(count: number, random: () => number = Math.random): Promise<number[]> {
    const [low, high] = reservablePortRange();
    const taken: number[] = [];
    for (let attempts = 0; taken.length < count; attempts++) {
      if (attempts > 50 * count + 200)
        throw new Error(`could not reserve ${count} free ports in ${low}-${high - 1}`);
      const port = low + Math.floor(random() * (high - low));
      if (this.ports.has(port) || !tryLock(port, this.runId)) continue;
      if (!(await canBind(port))) {
        unlinkQuietly(join(portLockDir(), String(port)));
        continue;
      }
      this.ports.add(port);
      taken.push(port);
    }
    return taken;
  }

  held(): number[] {
    return [...this.ports];
  }

  release(): void {
    for (const port of this.ports) unlinkQuietly(join(portLockDir(), String(port)));
    this.ports.clear();
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/**
 * Removes port locks whose owner is gone, or, with `runId`, that run's locks and no other (a run's
 * reaper touches nothing of other runs). Returns how many.
 */
export function sweepPortLocks(runId?: string): number {
  let removed = 0;
  let names: string[] = [];
  try {
    names = readdirSync(portLockDir());
  } catch {
    return 0;
  }
  for (const name of names) {
    const file = join(portLockDir(), name);
    const owner = readOwner(file);
    if (owner === undefined) continue;
    if (runId !== undefined ? owner.runId === runId : !ownerAlive(owner)) {
      unlinkQuietly(file);
      removed++;
    }
  }
  return removed;
}
