/**
 * `election`: the leader election recipe's claims (workloads/election.ts). An election is a lock
 * nobody releases until its term ends, so the ownership, fencing and belief arguments are the
 * lock's (checker/claims/lock.ts): this checker renames the election's ops to the lock's
 * (elect -> acquire, lead -> incr-fenced, resign -> release), lets the lock checker decide, and
 * words the explanation as an election again. What it adds:
 *
 *   elect     ok output {node, seq, czxid, owner, session, at}: the candidate saw its node lowest
 *             and read its Stat (czxid: the creation zxid, `0x…`; owner: its ephemeralOwner).
 *   lead      input {node, seq}; ok output {applied, value?, version?, reason?, at, events?}
 *             (applied null: not tried, the session was disconnected).
 *   resign    input {node, seq}; ok output {deleted, reason?, at, events?}.
 *   read      the final read, ok output {fenced: {value, version}}.
 *
 * Properties (`property` option), one claim each:
 *
 *   uniqueness  (server's view) at most one leader per epoch: the leaders' czxid order agrees with
 *               their sequence order, no two leaders share a node, and a leader is elected only
 *               after the node below it is known gone (the lock's ownership, in czxid order).
 *   fenced      fenced leader writes never interleave and the counter counts them (the lock's),
 *               and no lead applies after its own session reported `expired` to an earlier op.
 *   belief      no two candidates believe they lead at once (the lock's). Not promised.
 *   leaderless  the time from each leader's loss (its resign, or its last reply when it lost its
 *               session) to the next leader's election: a distribution, over `boundMs` flagged.
 */
import type { Key, Operation } from '../history/types.js';
import { lockClaims } from './lock.js';
import { ClaimSpecError, type ClaimChecker, type ClaimOutcome } from './types.js';

const PROPERTIES = ['uniqueness', 'fenced', 'belief', 'leaderless'] as const;
type Property = (typeof PROPERTIES)[number];

const METHOD = 'election';
const SHOWN = 5;

const AS_LOCK: Readonly<Record<string, string>> = {
  elect: 'acquire',
  lead: 'incr-fenced',
  resign: 'release',
};
const LOCK_PROPERTY = { uniqueness: 'ownership', fenced: 'fenced', belief: 'belief' } as const;

export const electionClaims: ClaimChecker = async (ops, options, limits) => {
  const property = options.property as Property;
  if (!PROPERTIES.includes(property))
    throw new ClaimSpecError(
      `election: property must be one of ${PROPERTIES.join(', ')}, got ${JSON.stringify(property)}`,
    );
  if (property === 'leaderless') {
    const boundMs = options.boundMs;
    if (typeof boundMs !== 'number' || !(boundMs > 0))
      throw new ClaimSpecError(
        `election leaderless: boundMs must be a positive number, got ${JSON.stringify(boundMs)}`,
      );
    return leaderless(ops, boundMs);
  }
  const own = property === 'uniqueness' ? epochs(ops) : property === 'fenced' ? afterExpiry(ops) : [];
  const originals = new Map<Operation, Operation>();
  const renamed = ops.map((op) => {
    const f = AS_LOCK[op.f];
    if (f === undefined) return op;
    const copy = { ...op, f };
    originals.set(copy, op);
    return copy;
  });
  const outcome = await lockClaims(renamed, { property: LOCK_PROPERTY[property] }, limits);
  const lines = [...own.flatMap((v) => v.line), ...(outcome.explanation ?? []).map(asElection)];
  const evidence = [
    ...own.flatMap((v) => v.evidence),
    ...(outcome.evidence ?? []).map((op) => originals.get(op) ?? op),
  ];
  const valid = own.length > 0 ? false : outcome.valid;
  return {
    ...outcome,
    valid,
    method: METHOD,
    ...(lines.length > 0 ? { explanation: valid === false ? listed(lines) : lines } : {}),
    ...(evidence.length > 0 ? { evidence } : {}),
  };
};

/** The lock checker's words, as an election's. */
function asElection(line: string): string {
  return line
    .replace(/\block (\S+?):/g, 'election $1:')
    .replace(/\bthe lock\b/g, 'the election')
    .replace(/\bacquire \(process/g, 'elect (process')
    .replace(/\bincr-fenced \(process/g, 'lead (process')
    .replace(/\brelease \(process/g, 'resign (process')
    .replace(/\bwas granted by op\b/g, 'was elected by op')
    .replace(/\bacquired node\b/g, 'was elected with node')
    .replace(/\bbelieved it held node\b/g, 'believed it led with node')
    .replace(/\bit released by\b/g, 'it resigned by')
    .replace(/\bfenced increments\b/g, 'fenced leader writes')
    .replace(
      /(\d+) grants, each after the node below it was gone/,
      '$1 elections, each after the node below it was gone',
    );
}

function listed(lines: string[]): string[] {
  return lines.length > SHOWN ? [...lines.slice(0, SHOWN), `... and ${lines.length - SHOWN} more`] : lines;
}

// --- shapes ----------------------------------------------------------------------------------------

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function at(op: Operation): number | undefined {
  const value = record(op.output)?.at;
  return typeof value === 'number' ? value : undefined;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 't=?' : `t=${(ms / 1000).toFixed(2)} s`;
}

function label(key: Key | undefined): string {
  return key === undefined ? 'the election' : `election ${key}`;
}

function opLabel(op: Operation): string {
  return `${op.f} (process ${op.process}, op ${op.invokeIndex})`;
}

/** An elected candidate: its elect op and the later ops of the same process naming its node. */
interface Leader {
  key: Key | undefined;
  node: string;
  seq: number;
  czxid?: bigint;
  elect: Operation;
  ops: Operation[];
}

function leadersByKey(ops: Operation[]): Map<Key | undefined, Leader[]> {
  const keys = new Map<Key | undefined, Leader[]>();
  const byNode = new Map<string, Leader>();
  for (const op of [...ops].sort((a, b) => a.call - b.call)) {
    if (op.f === 'elect') {
      const out = record(op.output);
      if (op.status !== 'ok' || typeof out?.node !== 'string' || typeof out.seq !== 'number') continue;
      let czxid: bigint | undefined;
      try {
        if (typeof out.czxid === 'string' || typeof out.czxid === 'number') czxid = BigInt(out.czxid);
      } catch {
        czxid = undefined;
      }
      const leader: Leader = { key: op.key, node: out.node, seq: out.seq, czxid, elect: op, ops: [] };
      const list = keys.get(op.key) ?? [];
      list.push(leader);
      keys.set(op.key, list);
      byNode.set(`${String(op.key)}\u0000${out.node}`, leader);
      continue;
    }
    const node = record(op.input)?.node;
    if (typeof node !== 'string') continue;
    const leader = byNode.get(`${String(op.key)}\u0000${node}`);
    if (leader && leader.elect.process === op.process) leader.ops.push(op);
  }
  return keys;
}

interface Violation {
  line: string;
  evidence: Operation[];
}

// --- uniqueness: epochs --------------------------------------------------------------------------------

/** The leaders' czxid order against their sequence order, and no node led twice. */
function epochs(ops: Operation[]): Violation[] {
  const found: Violation[] = [];
  for (const [key, leaders] of leadersByKey(ops)) {
    const bySeq = [...leaders].sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < bySeq.length; i++) {
      const a = bySeq[i - 1];
      const b = bySeq[i];
      if (a.node === b.node) {
        found.push({
          line: `${label(key)}: node ${a.node} was elected twice, by process ${a.elect.process} and process ${b.elect.process}`,
          evidence: [a.elect, b.elect],
        });
      } else if (a.czxid !== undefined && b.czxid !== undefined && a.czxid >= b.czxid) {
        found.push({
          line: `${label(key)}: leader ${a.node} (czxid 0x${a.czxid.toString(16)}) sorts before ${b.node} (czxid 0x${b.czxid.toString(16)}) by sequence but not by creation: two leaders in one epoch`,
          evidence: [a.elect, b.elect],
        });
      }
    }
  }
  return found;
}

// --- fenced: nothing applies after the session is gone ---------------------------------------------

function expiredAt(op: Operation): number | undefined {
  const events = record(op.output)?.events;
  if (!Array.isArray(events)) return undefined;
  for (const item of events) {
    const event = record(item);
    if (event?.event === 'expired' && typeof event.at === 'number') return event.at;
  }
  return undefined;
}

function afterExpiry(ops: Operation[]): Violation[] {
  const found: Violation[] = [];
  for (const [key, leaders] of leadersByKey(ops))
    for (const leader of leaders) {
      let expired: { op: Operation; at: number } | undefined;
      for (const op of [leader.elect, ...leader.ops]) {
        if (expired && op.f === 'lead' && op.status === 'ok' && record(op.output)?.applied === true)
          found.push({
            line: `${label(key)}: ${opLabel(op)} applied a fenced write at ${seconds(at(op))} though its session reported expired at ${seconds(expired.at)} to ${opLabel(expired.op)}`,
            evidence: [expired.op, op],
          });
        const when = expiredAt(op);
        if (!expired && when !== undefined) expired = { op, at: when };
      }
    }
  return found;
}

// --- leaderless time -----------------------------------------------------------------------------------

/** An ok op that heard nothing from a server that counts: refused, or not tried (disconnected). */
function refused(op: Operation): boolean {
  const out = record(op.output);
  return out?.applied === false || out?.applied === null || out?.deleted === false;
}

/** When a leader stopped leading as far as the history shows, and how. */
function lossOf(leader: Leader): { at: number; how: string } | undefined {
  for (const op of leader.ops)
    if (op.f === 'resign' && op.status === 'ok' && record(op.output)?.deleted === true) {
      const when = at(op);
      return when === undefined ? undefined : { at: when, how: 'resigned' };
    }
  const replies = [leader.elect, ...leader.ops]
    .filter((op) => op.status === 'ok' && !refused(op))
    .map((op) => at(op) ?? -Infinity);
  const last = Math.max(...replies);
  return Number.isFinite(last) ? { at: last, how: 'last heard of' } : undefined;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function leaderless(ops: Operation[], boundMs: number): ClaimOutcome {
  const gaps: number[] = [];
  const late: string[] = [];
  const evidence: Operation[] = [];
  for (const [key, leaders] of leadersByKey(ops)) {
    const bySeq = [...leaders].sort((a, b) => a.seq - b.seq);
    for (let i = 0; i + 1 < bySeq.length; i++) {
      const loss = lossOf(bySeq[i]);
      const elected = at(bySeq[i + 1].elect);
      if (!loss || elected === undefined) continue;
      const gap = Math.max(0, elected - loss.at);
      gaps.push(gap);
      if (gap > boundMs) {
        late.push(
          `${label(key)}: leader ${bySeq[i].node} ${loss.how} at ${seconds(loss.at)}, next leader ${bySeq[i + 1].node} elected at ${seconds(elected)}: ${(gap / 1000).toFixed(2)} s leaderless > ${(boundMs / 1000).toFixed(2)} s`,
        );
        evidence.push(bySeq[i].elect, bySeq[i + 1].elect);
      }
    }
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const measure =
    sorted.length === 0
      ? 'no leader was followed by another: nothing to measure'
      : `${sorted.length} leader changes: leaderless median ${s(percentile(sorted, 0.5))}, p90 ${s(percentile(sorted, 0.9))}, max ${s(sorted[sorted.length - 1])} (bound ${s(boundMs)})`;
  const shown = gaps.slice(0, 200).map((g) => Math.round(g));
  const more = gaps.length > shown.length ? ` ... and ${gaps.length - shown.length} more` : '';
  const distribution = sorted.length === 0 ? [] : [`leaderless ms, in order: ${shown.join(' ')}${more}`];
  if (late.length === 0) return { valid: true, method: METHOD, explanation: [measure, ...distribution] };
  return { valid: false, method: METHOD, explanation: [measure, ...listed(late)], evidence };
}
