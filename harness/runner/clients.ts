/**
 * One ZooKeeper session per logical process, each on a single server (thread t talks to node
 * (t mod N) + 1, through that node's client proxy). A process keeps its session until the
 * session breaks or an op ends `info`; then its thread continues as a new process with a fresh
 * session, so nothing the old one left in flight can be mistaken for the new one's doing.
 */
import { ZkSession, type ZkSessionOptions } from '../client/session.js';
import type { Ensemble } from '../cluster/types.js';
import type { Process, Thread } from '../generator/types.js';

export class ClientPool {
  private readonly sessions = new Map<Process, Promise<ZkSession>>();
  /** The sessions that have connected, for the fast path of `session`. */
  private readonly connected = new Map<Process, ZkSession>();

  constructor(
    private readonly ensemble: Ensemble,
    private readonly options: ZkSessionOptions,
  ) {}

  /** The node a client thread talks to. */
  nodeOf(thread: Thread): number {
    const index = typeof thread === 'number' ? thread : 0;
    return (index % this.ensemble.nodes.length) + 1;
  }

  /** The process's session, connected on first use (and again if it broke). Rejects if it cannot connect. */
  session(process: Process, thread: Thread): ZkSession | Promise<ZkSession> {
    // Nearly every op finds its session connected: answer without a promise (a reply's way back
    // to the next request is the harness's hot path).
    const ready = this.connected.get(process);
    if (ready?.usable) return ready;
    return this.connect(process, thread);
  }

  private async connect(process: Process, thread: Thread): Promise<ZkSession> {
    this.connected.delete(process);
    const existing = this.sessions.get(process);
    if (existing) {
      const session = await existing.catch(() => undefined);
      if (session?.usable) return session;
      this.sessions.delete(process);
      void session?.close();
    }
    const connecting = ZkSession.connect(this.ensemble.connectString(this.nodeOf(thread)), this.options);
    this.sessions.set(process, connecting);
    connecting.then(
      (session) => {
        if (this.sessions.get(process) === connecting) this.connected.set(process, session);
      },
      () => this.sessions.delete(process),
    );
    return connecting;
  }

  /** Closes a process's session: it ended with an unknown outcome and never acts again. */
  retire(process: Process): void {
    const session = this.sessions.get(process);
    this.sessions.delete(process);
    this.connected.delete(process);
    void session?.then((s) => s.close()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.connected.clear();
    await Promise.all(all.map((s) => s.then((session) => session.close()).catch(() => undefined)));
  }
}
