/**
 * Test helpers for ensemble tests: one-shot reads through the client wrapper (ZkSession: one
 * server, retries 0, a deadline on every call), polling, and a check that no peer connection
 * bypasses the proxies.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ZkSession } from '../client/session.js';

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined, or throws after
 * `ms`, naming `what` (a function: asked at the end, so it can tell what was last seen).
 */
export async function eventually<T>(
  what: string | (() => string),
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
    `${typeof what === 'function' ? what() : what}: not within ${ms} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
  );
}

/** One-shot read through a fresh session (no cached state, no reused connection). */
export async function readOnce(connectString: string, path: string, deadlineMs = 5000): Promise<string> {
  const session = await ZkSession.connect(connectString, { operationTimeoutMs: deadlineMs });
  try {
    return (await session.getData(path)).value ?? '';
  } finally {
    await session.close();
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
