/**
 * `ephemeral`: the service registry's claims (workloads/ephemeral.ts), checked by ordering, per
 * node. What the history shows:
 *
 *   register  input {node}; ok output {node, at, session}: the owner created the ephemeral node.
 *   check     input {node}; ok output {exists: true | false | null, reason?, at, events?}: the
 *             owner's `exists` on its own session (null: not asked, the session is gone or the
 *             call failed, with the reason, e.g. "session expired").
 *   close     input {node}; ok output {closed, session, at}: the owner closed its session.
 *   read      ok output {children, startedAt, at}: a sync'd listing of the registry.
 *
 * `events` are the owner session's connection events ({event: 'disconnected' | 'reconnected' |
 * 'expired', at}). A node's session end is observed at the earliest of: its close's `at`, an
 * `expired` event, a check that found the session expired. Properties (`property` option):
 *
 *   live      a live session's ephemeral never vanishes: no read that starts after the register
 *             returned and ends before a later check found the node leaves it out, and no check
 *             on the owner's own (answering) session finds it gone.
 *   reappear  once a read or check, started after the register returned, found the node gone, no
 *             read or check started after that one returned finds it again.
 *   linger    no read that starts more than `boundMs` after the node's session end was observed
 *             lists it (a measure of how long ended sessions' nodes were still listed comes too).
 *             `via` picks the ends judged: `expired` (the server told the owner its session
 *             expired: the session is gone on the servers) or `closed` (the owner's close
 *             returned: it may not have reached a server cut off by a fault, and a leader
 *             election restarts session expiry clocks, so this one is a measure, not a promise).
 *
 * Only registers that returned ok are judged: an unknown create may apply at any time.
 */
import type { Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimChecker, type ClaimOutcome } from './types.js';

const PROPERTIES = ['live', 'reappear', 'linger'] as const;
const VIAS = ['expired', 'closed'] as const;
type Via = (typeof VIAS)[number];
type Property = (typeof PROPERTIES)[number];

const METHOD = 'ephemeral';
const SHOWN = 5;

export const ephemeralClaims: ClaimChecker = (ops, options) => {
  const property = options.property as Property;
  if (!PROPERTIES.includes(property))
    throw new ClaimSpecError(
      `ephemeral: property must be one of ${PROPERTIES.join(', ')}, got ${JSON.stringify(property)}`,
    );
  const registry = registryOf(ops);
  switch (property) {
    case 'live':
      return live(registry);
    case 'reappear':
      return reappear(registry);
    case 'linger': {
      const boundMs = options.boundMs;
      if (typeof boundMs !== 'number' || !(boundMs > 0))
        throw new ClaimSpecError(
          `ephemeral linger: boundMs must be a positive number, got ${JSON.stringify(boundMs)}`,
        );
      const via = options.via as Via;
      if (!VIAS.includes(via))
        throw new ClaimSpecError(
          `ephemeral linger: via must be one of ${VIAS.join(', ')}, got ${JSON.stringify(via)}`,
        );
      return linger(registry, boundMs, via);
    }
  }
};

// --- shapes ----------------------------------------------------------------------------------------

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function num(op: Operation, field: string): number | undefined {
  const value = record(op.output)?.[field];
  return typeof value === 'number' ? value : undefined;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 't=?' : `t=${(ms / 1000).toFixed(2)} s`;
}

function opLabel(op: Operation): string {
  return `${op.f} (process ${op.process}, op ${op.invokeIndex})`;
}

function listed(lines: string[]): string[] {
  return lines.length > SHOWN ? [...lines.slice(0, SHOWN), `... and ${lines.length - SHOWN} more`] : lines;
}

interface Node {
  name: string;
  register: Operation;
  /** The owner's later ops naming this node, in call order. */
  ops: Operation[];
  /** When its session's end was first observed, and by which op, by how it ended. */
  ends: Partial<Record<Via, { at: number; op: Operation }>>;
}

interface Read {
  op: Operation;
  children: Set<string>;
}

interface Registry {
  nodes: Node[];
  reads: Read[];
}

function registryOf(ops: Operation[]): Registry {
  const byName = new Map<string, Node>();
  const nodes: Node[] = [];
  const reads: Read[] = [];
  for (const op of [...ops].sort((a, b) => a.call - b.call)) {
    if (op.f === 'read') {
      const children = record(op.output)?.children;
      if (op.status === 'ok' && Array.isArray(children))
        reads.push({ op, children: new Set(children.filter((c): c is string => typeof c === 'string')) });
      continue;
    }
    const name = record(op.input)?.node;
    if (typeof name !== 'string') continue;
    if (op.f === 'register') {
      if (op.status !== 'ok' || byName.has(name)) continue;
      const node: Node = { name, register: op, ops: [], ends: {} };
      byName.set(name, node);
      nodes.push(node);
      continue;
    }
    const node = byName.get(name);
    if (!node || node.register.process !== op.process) continue;
    node.ops.push(op);
    const end = endObserved(op);
    const known = end ? node.ends[end.how] : undefined;
    if (end && (!known || end.at < known.at)) node.ends[end.how] = { at: end.at, op };
  }
  return { nodes, reads };
}

/** The end of the owner's session as this op observed it, if it did. */
function endObserved(op: Operation): { at: number; how: Via } | undefined {
  if (op.status !== 'ok') return undefined;
  const out = record(op.output);
  const at = num(op, 'at');
  if (op.f === 'close' && at !== undefined) return { at, how: 'closed' };
  let found: { at: number; how: Via } | undefined;
  if (Array.isArray(out?.events))
    for (const item of out.events) {
      const event = record(item);
      if (event?.event === 'expired' && typeof event.at === 'number') {
        found = { at: event.at, how: 'expired' };
        break;
      }
    }
  if (
    !found &&
    op.f === 'check' &&
    out?.exists === null &&
    out.reason === 'session expired' &&
    at !== undefined
  )
    found = { at, how: 'expired' };
  return found;
}

/** What an op says about a node: present, absent, or nothing. */
function sighting(node: Node, op: Operation, read?: Read): boolean | undefined {
  if (read) return read.children.has(node.name);
  if (op.f !== 'check' || op.status !== 'ok') return undefined;
  const exists = record(op.output)?.exists;
  return typeof exists === 'boolean' ? exists : undefined;
}

interface Sighting {
  op: Operation;
  present: boolean;
}

/** Every read and check of `node` that started after its register returned, in call order. */
function sightings(node: Node, reads: Read[]): Sighting[] {
  const found: Sighting[] = [];
  for (const read of reads)
    if (read.op.call > node.register.ret)
      found.push({ op: read.op, present: sighting(node, read.op, read)! });
  for (const op of node.ops) {
    const present = sighting(node, op);
    if (present !== undefined && op.call > node.register.ret) found.push({ op, present });
  }
  return found.sort((a, b) => a.op.call - b.op.call);
}

function hasExpiredEvent(op: Operation): boolean {
  const events = record(op.output)?.events;
  return Array.isArray(events) && events.some((e) => record(e)?.event === 'expired');
}

// --- live ------------------------------------------------------------------------------------------

function live({ nodes, reads }: Registry): ClaimOutcome {
  const lines: string[] = [];
  const evidence: Operation[] = [];
  for (const node of nodes) {
    const seen = sightings(node, reads);
    // The latest check on the owner's session that found the node: it lived until then.
    const proof = [...seen].reverse().find((s) => s.present && s.op.f === 'check');
    for (const s of seen) {
      if (s.present) continue;
      if (s.op.f === 'check' && !hasExpiredEvent(s.op)) {
        lines.push(
          `node ${node.name}: its owner's ${opLabel(s.op)} found it gone at ${seconds(num(s.op, 'at'))} on its own session, which still answered (registered by ${opLabel(node.register)})`,
        );
        evidence.push(node.register, s.op);
      } else if (s.op.f === 'read' && proof && s.op.ret < proof.op.call) {
        lines.push(
          `node ${node.name}: ${opLabel(s.op)} (${seconds(num(s.op, 'startedAt'))} to ${seconds(num(s.op, 'at'))}) did not list it, yet its session lived: the owner's ${opLabel(proof.op)} found it later, at ${seconds(num(proof.op, 'at'))}`,
        );
        evidence.push(node.register, s.op, proof.op);
      }
    }
  }
  if (lines.length === 0)
    return {
      valid: true,
      method: METHOD,
      explanation: [`${nodes.length} ephemerals, ${reads.length} reads: no live session's ephemeral missing`],
    };
  return { valid: false, method: METHOD, explanation: listed(lines), evidence };
}

// --- reappear --------------------------------------------------------------------------------------

function reappear({ nodes, reads }: Registry): ClaimOutcome {
  const lines: string[] = [];
  const evidence: Operation[] = [];
  let gone = 0;
  for (const node of nodes) {
    const seen = sightings(node, reads);
    // The absence that returned first: every sighting started after it must be an absence too.
    let first: Sighting | undefined;
    for (const s of seen) if (!s.present && (!first || s.op.ret < first.op.ret)) first = s;
    if (!first) continue;
    gone++;
    const back = seen.find((s) => s.present && s.op.call > first.op.ret);
    if (back) {
      lines.push(
        `node ${node.name}: gone for ${opLabel(first.op)} at ${seconds(num(first.op, 'at'))}, then back for ${opLabel(back.op)} at ${seconds(num(back.op, 'at'))}`,
      );
      evidence.push(node.register, first.op, back.op);
    }
  }
  if (lines.length === 0)
    return {
      valid: true,
      method: METHOD,
      explanation: [`${gone} of ${nodes.length} ephemerals seen gone; none seen again`],
    };
  return { valid: false, method: METHOD, explanation: listed(lines), evidence };
}

// --- linger ----------------------------------------------------------------------------------------

function linger({ nodes, reads }: Registry, boundMs: number, via: Via): ClaimOutcome {
  const lines: string[] = [];
  const evidence: Operation[] = [];
  const lingered: number[] = [];
  for (const node of nodes) {
    const end = node.ends[via];
    if (!end) continue;
    let latest = 0;
    let late: Read | undefined;
    for (const read of reads) {
      if (!read.children.has(node.name)) continue;
      const startedAt = num(read.op, 'startedAt');
      if (startedAt === undefined || startedAt < end.at) continue;
      latest = Math.max(latest, startedAt - end.at);
      if (startedAt - end.at > boundMs && !late) late = read;
    }
    lingered.push(latest);
    if (late) {
      lines.push(
        `node ${node.name}: its session ${via} at ${seconds(end.at)} (${opLabel(end.op)}), yet ${opLabel(late.op)} started at ${seconds(num(late.op, 'startedAt'))} still listed it: ${((num(late.op, 'startedAt')! - end.at) / 1000).toFixed(2)} s > ${(boundMs / 1000).toFixed(2)} s`,
      );
      evidence.push(node.register, end.op, late.op);
    }
  }
  const max = lingered.length === 0 ? 0 : Math.max(...lingered);
  const measure =
    lingered.length === 0
      ? `no session ${via}: nothing to measure`
      : `${lingered.length} sessions ${via}: their ephemerals were listed up to ${(max / 1000).toFixed(2)} s after the end was observed (bound ${(boundMs / 1000).toFixed(2)} s)`;
  if (lines.length === 0) return { valid: true, method: METHOD, explanation: [measure] };
  return { valid: false, method: METHOD, explanation: [measure, ...listed(lines)], evidence };
}
