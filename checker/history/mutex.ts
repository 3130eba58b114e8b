/**
 * A lock workload's history as Knossos's `mutex` history: `:acquire` and `:release` ops with nil
 * values, per lock (`key`), which `writeEdn` writes as Jepsen EDN and `zkcheck check --model
 * mutex` (or Knossos itself) checks for linearizability.
 *
 * What maps to what (workloads/lock.ts; election histories too, with elect/resign):
 *
 *   acquire (elect)     invoke, then ok (granted), fail (timed out, its node deleted) or info.
 *   release (resign)    an ok `{deleted: true}` stays an ok release. Any other end of a grant
 *                       (refused, unknown, no release at all: the session ended) becomes the
 *                       session's release at an unknown time: an `:info` release invoked by a
 *                       process of its own right after the last op that proved the node alive
 *                       (the grant's reply, an applied fenced write, ...), never completed.
 *   acquire info        its node may have been created and granted; the session's end releases
 *                       it: an `:info` release invoked right after the acquire, likewise.
 *   anything else       (increments, reads, nemesis ops) is left out.
 *
 * The synthetic processes come after the history's highest, one per release, so no process
 * invokes after an `:info` (Knossos's rule). Values become nil: the mutex knows no owners.
 */
import type { History, Op } from './types.js';

const ACQUIRE = new Set(['acquire', 'elect']);
const RELEASE = new Set(['release', 'resign']);
/** Ops on a held node whose success proves the node was still there when they were invoked. */
const PROOF = new Set(['incr-fenced', 'lead']);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

interface Grant {
  /** Position after which the session's release may come. */
  after: number;
  released: boolean;
  key: Op['key'];
  time: number;
}

export function lockHistoryToMutex(history: History): History {
  /** process -> position of its open invoke. */
  const open = new Map<number, number>();
  /** process -> node -> its grant. */
  const grants = new Map<number, Map<string, Grant>>();
  /** Positions of invokes and completions to keep, and their mutex f. */
  const keep = new Map<number, 'acquire' | 'release'>();
  const unknownAcquires: { at: number; key: Op['key']; time: number }[] = [];
  let highest = -1;
  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos];
    if (op.process === 'nemesis') continue;
    const process = op.process;
    highest = Math.max(highest, process);
    if (op.type === 'invoke') {
      open.set(process, pos);
      continue;
    }
    const start = open.get(process);
    open.delete(process);
    if (start === undefined) continue;
    const invoke = history[start];
    const node = record(invoke.value)?.node;
    if (ACQUIRE.has(invoke.f)) {
      keep.set(start, 'acquire');
      keep.set(pos, 'acquire');
      const granted = record(op.value)?.node;
      if (op.type === 'ok' && typeof granted === 'string') {
        const mine = grants.get(process) ?? new Map<string, Grant>();
        grants.set(process, mine);
        mine.set(granted, { after: pos, released: false, key: invoke.key, time: op.time });
      } else if (op.type === 'info') unknownAcquires.push({ at: pos, key: invoke.key, time: op.time });
      continue;
    }
    const grant = typeof node === 'string' ? grants.get(process)?.get(node) : undefined;
    if (!grant || grant.released) continue;
    const out = record(op.value);
    if (RELEASE.has(invoke.f) && op.type === 'ok' && out?.deleted === true) {
      keep.set(start, 'release');
      keep.set(pos, 'release');
      grant.released = true;
    } else if (PROOF.has(invoke.f) && op.type === 'ok' && out?.applied === true) {
      grant.after = Math.max(grant.after, start);
    }
  }
  // Invokes with no completion: an acquire among them is unknown too.
  for (const [process, start] of open) {
    const invoke = history[start];
    if (!ACQUIRE.has(invoke.f)) continue;
    keep.set(start, 'acquire');
    unknownAcquires.push({ at: start, key: invoke.key, time: invoke.time });
    highest = Math.max(highest, process);
  }
  /** position -> synthetic release invokes to emit right after it. */
  const releases = new Map<number, { key: Op['key']; time: number }[]>();
  const addRelease = (after: number, key: Op['key'], time: number) => {
    const list = releases.get(after) ?? [];
    list.push({ key, time });
    releases.set(after, list);
  };
  for (const mine of grants.values())
    for (const grant of mine.values()) if (!grant.released) addRelease(grant.after, grant.key, grant.time);
  for (const unknown of unknownAcquires) addRelease(unknown.at, unknown.key, unknown.time);

  const out: History = [];
  let next = highest + 1;
  const push = (op: Omit<Op, 'index'>) => out.push({ ...op, index: out.length } as Op);
  for (let pos = 0; pos < history.length; pos++) {
    const f = keep.get(pos);
    const op = history[pos];
    if (f !== undefined)
      push({
        time: op.time,
        process: op.process,
        type: op.type,
        f,
        value: null,
        ...(op.key !== undefined ? { key: op.key } : {}),
      });
    for (const release of releases.get(pos) ?? [])
      push({
        time: release.time,
        process: next++,
        type: 'invoke',
        f: 'release',
        value: null,
        ...(release.key !== undefined ? { key: release.key } : {}),
      });
  }
  return out;
}
