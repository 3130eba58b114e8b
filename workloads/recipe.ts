/**
 * What the session recipes (lock, election, ephemeral) share: no workload of its own, so it has
 * no line in workloads/index.ts. Each recipe file keeps its own znode layout and ops; this holds
 * the pieces that are the same in all of them.
 */
import type { EventEmitter } from 'node:events';
import type { ZkSession } from '../harness/client/session.js';

export interface SessionEvent {
  event: 'disconnected' | 'reconnected' | 'expired';
  at: number;
}

/**
 * Connection events per session, drained into op outputs. ZkSession does not expose its
 * library client's events, so this listens on that (private) client directly.
 */
export class SessionEvents {
  private readonly pending = new WeakMap<ZkSession, SessionEvent[]>();

  constructor(private readonly now: () => number) {}

  watch(session: ZkSession): void {
    if (this.pending.has(session)) return;
    const list: SessionEvent[] = [];
    this.pending.set(session, list);
    const client = (session as unknown as { client?: EventEmitter }).client;
    if (!client || typeof client.on !== 'function') return;
    let down = false;
    client.on('disconnected', () => {
      down = true;
      list.push({ event: 'disconnected', at: this.now() });
    });
    client.on('connected', () => {
      if (!down) return;
      down = false;
      list.push({ event: 'reconnected', at: this.now() });
    });
    client.on('expired', () => list.push({ event: 'expired', at: this.now() }));
  }

  /** `{session, events}` for an output: the events since the last drain (none: just the id). */
  drain(session: ZkSession): { session: string; events?: SessionEvent[] } {
    const list = this.pending.get(session);
    if (!list || list.length === 0) return { session: session.sessionId };
    return { session: session.sessionId, events: list.splice(0, list.length) };
  }
}

export async function createIfMissing(session: ZkSession, path: string): Promise<void> {
  try {
    await session.create(path);
  } catch (error) {
    if ((error as { name?: string }).name !== 'NODE_EXISTS') throw error;
  }
}

/** The number ZooKeeper appended to a sequential node's name ("n-0000000042" -> 42). */
export const seqOf = (node: string): number => Number(node.slice(node.lastIndexOf('-') + 1));

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
