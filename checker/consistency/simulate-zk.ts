/**
 * Histories from a simulated ZooKeeper that serves stale follower reads, for property tests and
 * `bench:consistency`. A leader log orders every update; each session is attached to a follower
 * that has applied a prefix of that log, lagging by a random number of writes. Reads return the
 * follower's state (stale, but never going back: the follower only moves forward); an update is
 * applied at the leader when it completes, and the session's follower has applied it before the
 * reply arrives. So every history is valid under ZooKeeper's model and usually not linearizable.
 * Writes write unique values; replies carry {value, version} as the register workload records.
 */
import type { History, Op } from '../history/types.js';
import { seededRandom } from '../testing/simulate.js';

export interface ZooKeeperSimulation {
  seed: number;
  /** Concurrent sessions (process ids; a session that ends info is replaced by a new id). */
  processes: number;
  keys: number;
  /** Operations to invoke in all. */
  ops: number;
  /** How far a follower may lag behind the leader, in applied writes. */
  maxLag?: number;
  /** Share of ops that are updates (the rest are reads). */
  updateRate?: number;
  /** Share of updates that are cas (on the version the session last read). */
  casRate?: number;
  /** Share of reads preceded by sync() (the follower catches up first). */
  syncRate?: number;
  /** Share of updates whose outcome is unknown (half of them take effect). */
  infoRate?: number;
}

interface Entry {
  key: number;
  value: number;
}

interface Pending {
  process: number;
  f: 'read' | 'write' | 'cas';
  key: number;
  input: unknown;
  sync: boolean;
}

interface Follower {
  applied: number;
  state: Array<{ value: number; version: number }>;
}

export function simulateZooKeeper(options: ZooKeeperSimulation): History {
  const random = seededRandom(options.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const maxLag = options.maxLag ?? 5;
  const log: Entry[] = [];
  const leader = Array.from({ length: options.keys }, () => ({ value: 0, version: 0 }));
  const followers: Follower[] = Array.from({ length: options.processes }, () => ({
    applied: 0,
    state: leader.map((state) => ({ ...state })),
  }));
  const processOf = Array.from({ length: options.processes }, (_, session) => session);
  const lastSeen = Array.from({ length: options.processes }, () => new Array<number>(options.keys).fill(0));
  const pending: Array<Pending | undefined> = new Array(options.processes);
  const history: History = [];
  let invoked = 0;
  let unique = 1;

  const emit = (process: number, type: Op['type'], f: string, key: number, value: unknown, sync = false) => {
    const op: Op = { index: history.length, time: history.length * 1000, process, type, f, key, value };
    if (sync) op.sync = true;
    history.push(op);
  };
  const catchUp = (follower: Follower, upTo: number) => {
    for (; follower.applied < upTo; follower.applied++) {
      const entry = log[follower.applied];
      const state = follower.state[entry.key];
      follower.state[entry.key] = { value: entry.value, version: state.version + 1 };
    }
  };

  while (invoked < options.ops || pending.some((op) => op !== undefined)) {
    // Followers drift forward, but never fall more than maxLag writes behind.
    for (const follower of followers) {
      const behind = log.length - follower.applied;
      if (behind > maxLag || (behind > 0 && random() < 0.3))
        catchUp(follower, log.length - pick(Math.min(behind, maxLag)));
    }
    const session = pick(options.processes);
    const op = pending[session];
    if (op === undefined) {
      if (invoked >= options.ops) continue;
      pending[session] = invoke(session);
      invoked++;
    } else {
      complete(session, op);
      pending[session] = undefined;
    }
  }
  return history;

  function invoke(session: number): Pending {
    const process = processOf[session];
    const key = pick(options.keys);
    if (random() >= (options.updateRate ?? 0.5)) {
      const sync = random() < (options.syncRate ?? 0);
      emit(process, 'invoke', 'read', key, null, sync);
      return { process, f: 'read', key, input: null, sync };
    }
    const value = unique++;
    const isCas = random() < (options.casRate ?? 0);
    const input = isCas ? [lastSeen[session][key], value] : value;
    emit(process, 'invoke', isCas ? 'cas' : 'write', key, input);
    return { process, f: isCas ? 'cas' : 'write', key, input, sync: false };
  }

  function complete(session: number, op: Pending): void {
    const follower = followers[session];
    if (op.f === 'read') {
      if (op.sync) catchUp(follower, log.length);
      const state = follower.state[op.key];
      lastSeen[session][op.key] = state.version;
      emit(op.process, 'ok', 'read', op.key, { value: state.value, version: state.version });
      return;
    }
    const value = op.f === 'cas' ? (op.input as [number, number])[1] : (op.input as number);
    const applies = op.f === 'write' || leader[op.key].version === (op.input as [number, number])[0];
    if (random() < (options.infoRate ?? 0)) {
      if (applies && random() < 0.5) apply(op.key, value);
      emit(op.process, 'info', op.f, op.key, null);
      processOf[session] += options.processes; // a session whose op ended info never returns
      return;
    }
    if (!applies) {
      emit(op.process, 'fail', op.f, op.key, null);
      return;
    }
    apply(op.key, value);
    catchUp(follower, log.length); // the session sees its own write before the reply
    lastSeen[session][op.key] = leader[op.key].version;
    emit(op.process, 'ok', op.f, op.key, { value, version: leader[op.key].version });
  }

  function apply(key: number, value: number): void {
    log.push({ key, value });
    leader[key] = { value, version: leader[key].version + 1 };
  }
}
