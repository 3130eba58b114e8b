/**
 * Test helpers for ensemble tests: a bare node-zookeeper-client session on one server with
 * retries 0 and a deadline on every call (the library has none), and polling.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import zookeeper from 'node-zookeeper-client';

export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** Rejects with DeadlineError when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(`${what}: no answer within ${ms} ms`)), ms);
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

/** The ZooKeeper error name of a failed call (CONNECTION_LOSS, NO_NODE, ...) or DEADLINE. */
export function errorName(error: unknown): string {
  if (error instanceof DeadlineError) return 'DEADLINE';
  const named = error as { getName?: () => string; name?: string };
  return named.getName?.() ?? named.name ?? String(error);
}

export class TestClient {
  private constructor(
    private readonly client: zookeeper.Client,
    private readonly deadlineMs: number,
  ) {}

  static async connect(
    connectString: string,
    opts: { sessionTimeoutMs?: number; deadlineMs?: number } = {},
  ): Promise<TestClient> {
    const client = zookeeper.createClient(connectString, {
      sessionTimeout: opts.sessionTimeoutMs ?? 8000,
      retries: 0,
      spinDelay: 100,
    });
    const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    client.connect();
    try {
      await withDeadline(connected, 15_000, `connect to ${connectString}`);
    } catch (error) {
      client.close();
      throw error;
    }
    return new TestClient(client, opts.deadlineMs ?? 5000);
  }

  create(path: string, data: string, deadlineMs = this.deadlineMs): Promise<string> {
    return withDeadline(
      new Promise((resolve, reject) =>
        this.client.create(path, Buffer.from(data), (error, created) =>
          error ? reject(error) : resolve(created),
        ),
      ),
      deadlineMs,
      `create ${path}`,
    );
  }

  setData(path: string, data: string, deadlineMs = this.deadlineMs): Promise<number> {
    return withDeadline(
      new Promise((resolve, reject) =>
        this.client.setData(path, Buffer.from(data), -1, (error, stat) =>
          error ? reject(error) : resolve(stat.version),
        ),
      ),
      deadlineMs,
      `setData ${path}`,
    );
  }

  getData(path: string, deadlineMs = this.deadlineMs): Promise<string> {
    return withDeadline(
      new Promise((resolve, reject) =>
        this.client.getData(path, (error, data) => (error ? reject(error) : resolve(data?.toString() ?? ''))),
      ),
      deadlineMs,
      `getData ${path}`,
    );
  }

  close(): void {
    this.client.close();
  }
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or throws after `ms`. */
export async function eventually<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(
    `${what}: not within ${ms} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
  );
}

/** One-shot read through a fresh session (no cached state, no reused connection). */
export async function readOnce(connectString: string, path: string, deadlineMs = 5000): Promise<string> {
  const client = await TestClient.connect(connectString, { deadlineMs });
  try {
    return await client.getData(path);
  } finally {
    client.close();
  }
}

/** Established TCP connections (IPv4 and v4-mapped IPv6) from /proc/net, with their socket inodes. */
function establishedConnections(): Array<{ remoteHost: string; remotePort: number; inode: string }> {
  const result: Array<{ remoteHost: string; remotePort: number; inode: string }> = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '01') continue;
      const [hexHost, hexPort] = fields[2].split(':');
      // IPv4 is one little-endian word; v4-mapped IPv6 keeps it in the last word.
      const word = hexHost.slice(-8);
      const bytes = [6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16));
      result.push({ remoteHost: bytes.join('.'), remotePort: parseInt(hexPort, 16), inode: fields[9] });
    }
  }
  return result;
}

/** pid owning each socket inode, for processes whose argv matches. */
function socketOwners(match: (argv: string[]) => boolean): Map<string, number> {
  const owners = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!match(argv)) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const target = readlinkSafe(`/proc/${entry}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) owners.set(inode, Number(entry));
      }
    } catch {
      continue;
    }
  }
  return owners;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/**
 * Connections that a ZooKeeper JVM opened straight to a peer's real quorum or election port on
 * 127.0.0.1, bypassing the link proxies. Should always be empty.
 */
export function directPeerConnections(peerPorts: readonly number[]): Array<{ pid: number; port: number }> {
  const jvms = socketOwners((argv) => argv.some((a) => a.includes('QuorumPeerMain')));
  return establishedConnections()
    .filter((c) => c.remoteHost === '127.0.0.1' && peerPorts.includes(c.remotePort) && jvms.has(c.inode))
    .map((c) => ({ pid: jvms.get(c.inode)!, port: c.remotePort }));
}
