/**
 * `lock`: the lock recipe's claims (workloads/lock.ts), checked by counting and ordering, linear
 * after a sort. Each lock is a key; a lock is taken by creating an ephemeral sequential child of
 * the lock node, and the child with the lowest sequence number holds it. What the history shows:
 *
 *   acquire        ok output {node, seq, session, at}: the client saw its node lowest (granted).
 *                  An acquire that timed out (its node deleted) is a `fail` and is not here.
 *   incr-fenced    input {node, seq}; ok output {applied: true, value, version, at} when
 *                  multi([check(node), setData(counter, version)]) went through, or
 *                  {applied: false, reason, at} when it was refused (the node is gone, ...), or
 *                  {applied: null, reason: 'disconnected', at} when it was not sent: the holder
 *                  learned nothing and still believes (neither acknowledged nor unknown).
 *   incr-unfenced  input {node, seq}; ok output {applied, value?, reason?, at, via?}: a plain
 *                  setData (applied null likewise when not sent), `via` the session it went
 *                  through when that was not the holding one (a newer one of the same process).
 *   release        input {node, seq}; ok output {deleted: true | false, reason?, at}.
 *   read           the final read, ok output {fenced: {value, version}, unfenced: {value}}.
 *
 * Outputs may carry the session's connection events since the previous op of that process,
 * `events: [{event: 'disconnected' | 'reconnected' | 'expired', at}]`, and `session` (its id).
 * `at` is milliseconds on the workload's clock: explanations print it as "t=12.3 s".
 *
 * A holding is an acquire's grant and the later ops of the same process that name its node.
 * Properties (`property` option), one claim each:
 *
 *   ownership  (server's view) the node of a granted acquire exists from its grant until its
 *              release or its session's end, which happen at an unknown time. The latest moment
 *              node A is known to exist is the invoke of the last op that proves it (its own
 *              acquire, an applied fenced increment, a release that deleted it). A grant of a
 *              higher node B that returned before that moment is a double grant.
 *   fenced     applied fenced increments, in counter-version order, come from non-decreasing
 *              sequence numbers (they never interleave), each wrote value = version - c for one
 *              constant c (only they write the counter: each adds one to both), and the
 *              final counter lies between the acknowledged and the attempted count.
 *   belief     no two clients believe they hold the lock at once. A client believes from its
 *              acquire's reply until it invokes the op through which it lets go or learns it
 *              lost (its release, a refused or unknown protected op). Not promised.
 *   liveness   after a holder's session ends, the next grant comes within `boundMs` of the
 *              holder's last reply (to its holding session: unsent ops and unfenced ones `via`
 *              another session do not count). A measure with a threshold.
 */
import type { Key, Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimChecker, type ClaimOutcome } from './types.js';

const PROPERTIES = ['ownership', 'fenced', 'belief', 'liveness'] as const;
type Property = (typeof PROPERTIES)[number];

const METHOD = 'lock';
/** How many violations an explanation lists before "and N more". */
const SHOWN = 5;

interface SessionEvent {
  event: string;
  at: number;
}

interface Holding {
  key: Key | undefined;
  node: string;
  seq: number;
  acquire: Operation;
  /** Later ops of the same process naming this node, in call order. */
  ops: Operation[];
}

export const lockClaims: ClaimChecker = (ops, options) => {
  const property = options.property as Property;
  if (!PROPERTIES.includes(property))
    throw new ClaimSpecError(
      `lock: property must be one of ${PROPERTIES.join(', ')}, got ${JSON.stringify(property)}`,
    );
  const byKey = groupByKey(ops);
  switch (property) {
    case 'ownership':
      return ownership(byKey);
    case 'fenced':
      return fenced(byKey);
    case 'belief':
      return belief(byKey);
    case 'liveness': {
      const boundMs = options.boundMs;
      if (typeof boundMs !== 'number' || !(boundMs > 0))
        throw new ClaimSpecError(
          `lock liveness: boundMs must be a positive number, got ${JSON.stringify(boundMs)}`,
        );
      return liveness(byKey, boundMs);
    }
  }
};

// --- shapes ----------------------------------------------------------------------------------------

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function nodeOf(op: Operation): string | undefined {
  const node = record(op.input)?.node;
  return typeof node === 'string' ? node : undefined;
}

function at(op: Operation): number | undefined {
  const value = record(op.output)?.at;
  return typeof value === 'number' ? value : undefined;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 't=?' : `t=${(ms / 1000).toFixed(2)} s`;
}

function keyLabel(key: Key | undefined): string {
  return key === undefined ? 'the lock' : `lock ${key}`;
}

function opLabel(op: Operation): string {
  return `${op.f} (process ${op.process}, op ${op.invokeIndex})`;
}

interface KeyHistory {
  holdings: Holding[];
  fencedWrites: Operation[];
  fencedAttempts: Operation[];
  finalRead?: Operation;
}

function groupByKey(ops: Operation[]): Map<Key | undefined, KeyHistory> {
  const keys = new Map<Key | undefined, KeyHistory>();
  const of = (key: Key | undefined): KeyHistory => {
    let entry = keys.get(key);
    if (!entry) keys.set(key, (entry = { holdings: [], fencedWrites: [], fencedAttempts: [] }));
    return entry;
  };
  const byNode = new Map<string, Holding>();
  const sorted = [...ops].sort((a, b) => a.call - b.call);
  for (const op of sorted) {
    const entry = of(op.key);
    if (op.f === 'acquire') {
      const out = record(op.output);
      if (op.status !== 'ok' || typeof out?.node !== 'string' || typeof out.seq !== 'number') continue;
      const holding: Holding = { key: op.key, node: out.node, seq: out.seq, acquire: op, ops: [] };
      entry.holdings.push(holding);
      byNode.set(`${String(op.key)}\u0000${out.node}`, holding);
      continue;
    }
    if (op.f === 'read') {
      if (op.status === 'ok' && record(op.output) && (!entry.finalRead || op.ret > entry.finalRead.ret))
        entry.finalRead = op;
      continue;
    }
    const node = nodeOf(op);
    if (node === undefined) continue;
    const holding = byNode.get(`${String(op.key)}\u0000${node}`);
    if (holding && holding.acquire.process === op.process) holding.ops.push(op);
    if (op.f === 'incr-fenced') {
      entry.fencedAttempts.push(op);
      if (applied(op)) entry.fencedWrites.push(op);
    }
  }
  return keys;
}

function applied(op: Operation): boolean {
  return op.status === 'ok' && record(op.output)?.applied === true;
}

/** An ok op that did not do its work: a refused increment, a release that found nothing to delete. */
function refused(op: Operation): boolean {
  const out = record(op.output);
  return out?.applied === false || out?.deleted === false;
}

/**
 * An op whose `at` is no reply to the holding session: not sent (its session was disconnected),
 * or an unfenced increment through a newer session (`via`).
 */
function notHoldingReply(op: Operation): boolean {
  const out = record(op.output);
  return out?.applied === null || typeof out?.via === 'string';
}

function deleted(op: Operation): boolean {
  return op.status === 'ok' && record(op.output)?.deleted === true;
}

/** Connection events a holding's ops reported, in order. */
function eventsOf(holding: Holding): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (const op of [holding.acquire, ...holding.ops]) {
    const list = record(op.output)?.events;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const event = record(item);
      if (typeof event?.event === 'string' && typeof event.at === 'number')
        events.push({ event: event.event, at: event.at });
    }
  }
  return events;
}

function listed(lines: string[]): string[] {
  return lines.length > SHOWN ? [...lines.slice(0, SHOWN), `... and ${lines.length - SHOWN} more`] : lines;
}

// --- ownership ---------------------------------------------------------------------------------------

/** The op whose invoke is the latest moment the holding's node is known to exist. */
function lastProofOfLife(holding: Holding): Operation {
  let proof = holding.acquire;
  for (const op of holding.ops)
    if ((op.f === 'incr-fenced' && applied(op)) || (op.f === 'release' && deleted(op)))
      if (op.call > proof.call) proof = op;
  return proof;
}

function ownership(byKey: Map<Key | undefined, KeyHistory>): ClaimOutcome {
  const lines: string[] = [];
  const evidence: Operation[] = [];
  let grants = 0;
  for (const [key, entry] of byKey) {
    const holdings = [...entry.holdings].sort((a, b) => a.seq - b.seq);
    grants += holdings.length;
    let latest: { holding: Holding; proof: Operation } | undefined;
    for (const holding of holdings) {
      if (latest && holding.acquire.ret < latest.proof.call) {
        const a = latest.holding;
        lines.push(
          `${keyLabel(key)}: node ${holding.node} (process ${holding.acquire.process}) was granted by op ${holding.acquire.completeIndex} while the lower node ${a.node} (process ${a.acquire.process}) still existed: its ${opLabel(latest.proof)}, invoked after that grant, shows it held`,
        );
        evidence.push(a.acquire, latest.proof, holding.acquire);
      }
      const proof = lastProofOfLife(holding);
      if (!latest || proof.call > latest.proof.call) latest = { holding, proof };
    }
  }
  if (lines.length === 0)
    return {
      valid: true,
      method: METHOD,
      explanation: [`${grants} grants, each after the node below it was gone`],
    };
  return { valid: false, method: METHOD, explanation: listed(lines), evidence };
}

// --- fenced increments -------------------------------------------------------------------------------

function fenced(byKey: Map<Key | undefined, KeyHistory>): ClaimOutcome {
  const lines: string[] = [];
  const evidence: Operation[] = [];
  const summary: string[] = [];
  for (const [key, entry] of byKey) {
    if (entry.fencedAttempts.length === 0 && !entry.finalRead) continue;
    const writes = entry.fencedWrites
      .map((op) => ({ op, out: record(op.output)!, seq: record(op.input)?.seq }))
      .sort((a, b) => Number(a.out.version) - Number(b.out.version));
    let previous: (typeof writes)[number] | undefined;
    /** version - value: the same for every fenced write (the counter's setup may have set it). */
    let firstOffset: number | undefined;
    for (const write of writes) {
      const offset = Number(write.out.version) - Number(write.out.value);
      if (firstOffset === undefined) firstOffset = offset;
      else if (offset !== firstOffset) {
        lines.push(
          `${keyLabel(key)}: ${opLabel(write.op)} wrote ${String(write.out.value)} as version ${String(write.out.version)}, ${offset - firstOffset} off the count: a fenced increment was lost or repeated`,
        );
        evidence.push(write.op);
      }
      if (previous && previous.out.version === write.out.version) {
        lines.push(
          `${keyLabel(key)}: ${opLabel(previous.op)} and ${opLabel(write.op)} both made version ${String(write.out.version)}`,
        );
        evidence.push(previous.op, write.op);
      } else if (
        previous &&
        typeof previous.seq === 'number' &&
        typeof write.seq === 'number' &&
        write.seq < previous.seq
      ) {
        lines.push(
          `${keyLabel(key)}: fenced writes interleave: version ${String(previous.out.version)} by node seq ${previous.seq} (${opLabel(previous.op)}), then version ${String(write.out.version)} by the lower seq ${write.seq} (${opLabel(write.op)})`,
        );
        evidence.push(previous.op, write.op);
      }
      previous = write;
    }
    const acknowledged = writes.length;
    const unknown = entry.fencedAttempts.filter((op) => op.status === 'info').length;
    const read = entry.finalRead;
    const counter = record(record(read?.output)?.fenced);
    if (read && counter) {
      const value = counter.value;
      if (typeof value !== 'number' || value < acknowledged || value > acknowledged + unknown) {
        lines.push(
          `${keyLabel(key)}: the final counter is ${String(value)}, but ${acknowledged} fenced increments were acknowledged and ${unknown} more are unknown`,
        );
        evidence.push(read);
      }
      summary.push(
        `${keyLabel(key)}: counter ${String(value)}, ${acknowledged} acknowledged, ${unknown} unknown`,
      );
    } else summary.push(`${keyLabel(key)}: ${acknowledged} acknowledged, no final read to count`);
  }
  if (lines.length === 0) return { valid: true, method: METHOD, explanation: summary };
  return { valid: false, method: METHOD, explanation: listed(lines), evidence };
}

// --- double belief -----------------------------------------------------------------------------------

/** The op through which the holder lets go or learns it lost, if any. */
function beliefEnd(holding: Holding): Operation | undefined {
  for (const op of holding.ops) {
    if (op.f === 'release' || op.status !== 'ok') return op;
    if (record(op.output)?.applied === false) return op;
  }
  return undefined;
}

function describeEnd(end: Operation | undefined): string {
  if (!end) return 'it never learned before the history ended';
  const out = record(end.output);
  const reason = typeof out?.reason === 'string' ? ` (${out.reason})` : '';
  if (end.status !== 'ok') return `it gave up with an unknown ${opLabel(end)}`;
  if (end.f === 'release' && out?.deleted === true)
    return `it released by ${opLabel(end)} at ${seconds(at(end))}`;
  return `it learned at ${seconds(at(end))} from ${opLabel(end)}${reason}`;
}

function belief(byKey: Map<Key | undefined, KeyHistory>): ClaimOutcome {
  const lines: string[] = [];
  const evidence: Operation[] = [];
  for (const [key, entry] of byKey) {
    const holdings = [...entry.holdings].sort((a, b) => a.acquire.ret - b.acquire.ret);
    let believer: { holding: Holding; end: number; endOp?: Operation } | undefined;
    for (const holding of holdings) {
      if (believer && holding.acquire.ret < believer.end) {
        const a = believer.holding;
        const events = eventsOf(a)
          .map((e) => `${e.event} at ${seconds(e.at)}`)
          .join(', ');
        lines.push(
          `${keyLabel(key)}: process ${a.acquire.process} believed it held node ${a.node} from ${seconds(at(a.acquire))}` +
            `${events ? `; its session: ${events}` : ''}; process ${holding.acquire.process} acquired node ${holding.node} at ${seconds(at(holding.acquire))}; ` +
            `process ${a.acquire.process}: ${describeEnd(believer.endOp)}`,
        );
        evidence.push(a.acquire, holding.acquire, ...(believer.endOp ? [believer.endOp] : []));
      }
      const endOp = beliefEnd(holding);
      const end = endOp ? endOp.call : Infinity;
      if (!believer || end > believer.end) believer = { holding, end, endOp };
    }
  }
  if (lines.length === 0) return { valid: true, method: METHOD };
  return { valid: false, method: METHOD, explanation: listed(lines), evidence };
}

// --- liveness ----------------------------------------------------------------------------------------

/** Why a holding ended by its session's loss rather than a release, or undefined. */
function sessionLoss(holding: Holding): Operation | undefined {
  for (const op of holding.ops) {
    if (op.f === 'release' && deleted(op)) return undefined;
    if (op.status !== 'ok' || refused(op)) return op;
  }
  return undefined;
}

function liveness(byKey: Map<Key | undefined, KeyHistory>, boundMs: number): ClaimOutcome {
  const gaps: number[] = [];
  const late: string[] = [];
  const evidence: Operation[] = [];
  for (const [key, entry] of byKey) {
    const holdings = [...entry.holdings].sort((a, b) => a.seq - b.seq);
    holdings.forEach((holding, i) => {
      const next = holdings[i + 1];
      if (!next || !sessionLoss(holding)) return;
      const lastReply = Math.max(
        ...[holding.acquire, ...holding.ops]
          .filter((op) => op.status === 'ok' && !refused(op) && !notHoldingReply(op))
          .map((op) => at(op) ?? -Infinity),
      );
      const granted = at(next.acquire);
      if (!Number.isFinite(lastReply) || granted === undefined) return;
      const gap = granted - lastReply;
      gaps.push(gap);
      if (gap > boundMs) {
        late.push(
          `${keyLabel(key)}: node ${holding.node}'s last reply at ${seconds(lastReply)}, next grant (node ${next.node}) at ${seconds(granted)}: ${(gap / 1000).toFixed(2)} s > ${(boundMs / 1000).toFixed(2)} s`,
        );
        evidence.push(holding.acquire, next.acquire);
      }
    });
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const measure =
    sorted.length === 0
      ? 'no holder lost its session before another grant: nothing to measure'
      : `${sorted.length} handovers after a lost session: median ${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(2)} s, max ${(sorted[sorted.length - 1] / 1000).toFixed(2)} s (bound ${(boundMs / 1000).toFixed(2)} s)`;
  if (late.length === 0) return { valid: true, method: METHOD, explanation: [measure] };
  return { valid: false, method: METHOD, explanation: [measure, ...listed(late)], evidence };
}
