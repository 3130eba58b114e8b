/**
 * `durability`: every acknowledged update survives (issue 18). After the final phase (faults
 * healed, the ensemble recovered and quiet) every znode is read on every node through sync +
 * read; then, per znode:
 *
 *   - every acknowledged create or write still exists there, unless a delete may have removed it;
 *   - its data is at least its newest acknowledged version, and at that version holds the value
 *     the acknowledgement reported;
 *   - no two different values were ever recorded under one version (a forked history: one of them
 *     was lost), whatever the final reads say.
 *
 * What the history shows (the register workload's ops; versions are ZooKeeper's `stat.version`):
 *
 *   write   input v; ok output {value: v, version}
 *   cas     input [n, v]; ok output {value: v, version: n + 1}
 *   create  input v; ok: the znode exists with v at version 0
 *   delete  ok or unknown: the znode may be gone
 *   read    ok output {value, version}; a final read's output also has `final: true`, the `node`
 *           it was answered by, `exists: false` when the znode was missing there, and may have
 *           `servers`, the ensemble's server ids as that node knows them.
 *
 * An update whose outcome is unknown may or may not have happened: a final value it wrote is fine
 * and never a lost write, but it does not excuse a final version older than an acknowledged one.
 * Versions restart when a znode is deleted and made again, so only acknowledgements invoked after
 * every delete of the znode returned are judged (none, after a delete of unknown outcome).
 *
 * The nodes that must be read: `options.nodes` (a count: ids 1..n) when given, else every id a
 * final read's `servers` names, and every node that answered a final read. A node with no final
 * read of an acknowledged znode makes the claim unknown, unless a loss was found elsewhere.
 */
import type { Key, Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimChecker, type ClaimOutcome } from './types.js';

const METHOD = 'durability';
const SHOWN = 10;

type NodeId = number | string;

/** One acknowledged update: what the znode held once it returned. */
interface Ack {
  op: Operation;
  version: number;
  value: unknown;
}

/** One node's final read of one znode. */
interface FinalRead {
  op: Operation;
  node: NodeId;
  /** Undefined: the znode was missing on that node. */
  state?: { value: unknown; version: number };
}

interface Znode {
  key: Key;
  acks: Ack[];
  /** Completion position of the latest delete (Infinity: one of unknown outcome), or -Infinity. */
  lastDelete: number;
  /** Non-final observations by version: each value recorded there, with the first op that did. */
  recorded: Map<number, Map<string, { value: unknown; op: Operation }>>;
  finals: FinalRead[];
}

export const durability: ClaimChecker = (ops, options) => {
  const declared = options.nodes;
  if (declared !== undefined && !(Number.isSafeInteger(declared) && (declared as number) > 0))
    throw new ClaimSpecError(
      `durability: nodes must be a positive whole number, got ${JSON.stringify(declared)}`,
    );
  const { znodes, servers } = collect(ops);
  const judged = [...znodes.values()].map((z) => ({
    z,
    acks: z.acks.filter((a) => a.op.call > z.lastDelete),
  }));
  const ackCount = judged.reduce((n, { acks }) => n + acks.length, 0);

  const lines: string[] = [];
  const evidence = new Set<Operation>();
  for (const { z, acks } of judged) {
    lostIn(z.key, acks, z.finals, lines, evidence);
    if (z.lastDelete === -Infinity) forks(z, lines, evidence);
  }

  const finals = judged.flatMap(({ z }) => z.finals);
  const readNodes = new Set(finals.map((f) => f.node));
  const expected = new Set<NodeId>(readNodes);
  if (declared !== undefined) for (let id = 1; id <= (declared as number); id++) expected.add(id);
  else for (const id of servers) expected.add(id);
  const unread = missingReads(judged, expected);

  if (lines.length > 0) {
    const notes = unread.length > 0 ? [`also not read: ${unread.join('; ')}`] : [];
    return {
      valid: false,
      method: METHOD,
      explanation: [...listed(lines), ...notes],
      evidence: [...evidence].sort((a, b) => a.call - b.call),
    };
  }
  if (ackCount === 0)
    return unknown('no acknowledged create or write: there is nothing that could have been lost');
  if (finals.length === 0)
    return unknown('no final read succeeded: nothing shows what the ensemble kept after the faults');
  if (unread.length > 0) return unknown(`final reads missing: ${unread.join('; ')}`);
  return {
    valid: true,
    method: METHOD,
    explanation: [
      `${ackCount} acknowledged updates of ${judged.filter(({ acks }) => acks.length > 0).length} znodes, ` +
        `read finally on nodes ${sortedIds(readNodes).join(', ')}: none lost`,
    ],
  };
};

// --- reading the history ---------------------------------------------------------------------------

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function versionOf(output: unknown): number | undefined {
  const version = record(output)?.version;
  return Number.isSafeInteger(version) ? (version as number) : undefined;
}

function collect(ops: Operation[]): { znodes: Map<string, Znode>; servers: Set<NodeId> } {
  const znodes = new Map<string, Znode>();
  const servers = new Set<NodeId>();
  const znodeOf = (key: Key): Znode => {
    let z = znodes.get(String(key));
    if (!z) {
      z = { key, acks: [], lastDelete: -Infinity, recorded: new Map(), finals: [] };
      znodes.set(String(key), z);
    }
    return z;
  };
  for (const op of [...ops].sort((a, b) => a.call - b.call)) {
    if (op.key === undefined) continue;
    const z = znodeOf(op.key);
    const out = record(op.output);
    switch (op.f) {
      case 'delete':
        z.lastDelete = Math.max(z.lastDelete, op.ret);
        break;
      case 'create':
        if (op.status === 'ok') z.acks.push({ op, version: 0, value: op.input });
        break;
      case 'write':
      case 'cas': {
        const version = versionOf(op.output);
        if (op.status !== 'ok' || version === undefined) break;
        const value = out !== undefined && 'value' in out ? out.value : writtenValue(op);
        z.acks.push({ op, version, value });
        note(z, version, value, op);
        break;
      }
      case 'read': {
        if (op.status !== 'ok' || out === undefined) break;
        if (out.final !== true) {
          const version = versionOf(out);
          if (version !== undefined && 'value' in out) note(z, version, out.value, op);
          break;
        }
        const node = typeof out.node === 'number' || typeof out.node === 'string' ? out.node : '?';
        if (Array.isArray(out.servers))
          for (const id of out.servers) if (typeof id === 'number' || typeof id === 'string') servers.add(id);
        const version = versionOf(out);
        z.finals.push(
          out.exists === false || version === undefined
            ? { op, node }
            : { op, node, state: { value: out.value, version } },
        );
        break;
      }
    }
  }
  return { znodes, servers };
}

function writtenValue(op: Operation): unknown {
  return op.f === 'cas' && Array.isArray(op.input) ? op.input[1] : op.input;
}

function note(z: Znode, version: number, value: unknown, op: Operation): void {
  let values = z.recorded.get(version);
  if (!values) z.recorded.set(version, (values = new Map()));
  const id = JSON.stringify(value) ?? 'undefined';
  if (!values.has(id)) values.set(id, { value, op });
}

// --- judging -------------------------------------------------------------------------------------

function render(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

function acked(ack: Ack): string {
  const { op } = ack;
  return `${op.f} of ${render(ack.value)} at version ${ack.version}, acknowledged at history index ${op.completeIndex ?? '?'} (process ${op.process})`;
}

function finalLabel(read: FinalRead): string {
  return `node ${read.node}'s final read (history index ${read.op.invokeIndex})`;
}

/**
 * The acknowledged updates the final reads show lost: one line per lost update, naming every
 * final read that misses it, grouped by what those reads hold (a loss is usually on every node).
 */
function lostIn(key: Key, acks: Ack[], finals: FinalRead[], lines: string[], evidence: Set<Operation>): void {
  if (acks.length === 0) return;
  const missing = finals.filter((read) => read.state === undefined);
  if (missing.length > 0) {
    const newest = acks.reduce((a, b) => (b.version > a.version ? b : a));
    const earlier = acks.length > 1 ? ` (and ${acks.length - 1} earlier acknowledged updates)` : '';
    lines.push(
      `znode ${render(key)}: lost ${acked(newest)}${earlier}: ${readsLabel(missing)} ${missing.length === 1 ? 'finds' : 'find'} no znode`,
    );
    evidence.add(newest.op);
    for (const read of missing) evidence.add(read.op);
  }
  // Consecutive lost updates that the same final reads miss in the same way (usually every
  // update after the point a node truncated to) make one line, so the reader sees the span.
  let run: { found: string; acks: Ack[] } | undefined;
  const flush = (): void => {
    if (!run) return;
    const [first, last] = [run.acks[0], run.acks[run.acks.length - 1]];
    lines.push(
      run.acks.length === 1
        ? `znode ${render(key)}: lost ${acked(first)}: ${run.found}`
        : `znode ${render(key)}: lost ${run.acks.length} acknowledged updates, versions ${first.version} to ${last.version}, the first ${acked(first)}, the last ${acked(last)}: ${run.found}`,
    );
    run = undefined;
  };
  for (const ack of acks) {
    const byFinding = new Map<string, FinalRead[]>();
    for (const read of finals) {
      if (read.state === undefined) continue;
      const { value, version } = read.state;
      const older = version < ack.version;
      const replaced = version === ack.version && render(value) !== render(ack.value);
      if (!older && !replaced) continue;
      const finding = `${render(value)} at version ${version}, ${older ? 'an older version' : 'another value under the same version'}`;
      byFinding.set(finding, [...(byFinding.get(finding) ?? []), read]);
    }
    if (byFinding.size === 0) {
      flush();
      continue;
    }
    const found = [...byFinding]
      .map(([finding, reads]) => `${readsLabel(reads)} ${reads.length === 1 ? 'holds' : 'hold'} ${finding}`)
      .join('; ');
    if (run?.found !== found) flush();
    run ??= { found, acks: [] };
    run.acks.push(ack);
    evidence.add(ack.op);
    for (const reads of byFinding.values()) for (const read of reads) evidence.add(read.op);
  }
  flush();
}

/** "node 2's final read (history index 6)", or for several "final reads on node 1 (history index 5), node 2 (6, 9)". */
function readsLabel(reads: FinalRead[]): string {
  if (reads.length === 1) return finalLabel(reads[0]);
  const byNode = new Map<NodeId, number[]>();
  for (const read of reads) byNode.set(read.node, [...(byNode.get(read.node) ?? []), read.op.invokeIndex]);
  const nodes = sortedIds(byNode.keys()).map(
    (node) => `node ${node} (history index ${byNode.get(node)!.join(', ')})`,
  );
  return `final reads on ${nodes.join(', ')}`;
}

/** Two different values recorded under one version of the znode (final reads are judged by lostAt). */
function forks(z: Znode, lines: string[], evidence: Set<Operation>): void {
  for (const [version, values] of [...z.recorded].sort((a, b) => a[0] - b[0])) {
    if (values.size < 2) continue;
    const seen = [...values.values()].map(
      ({ value, op }) =>
        `${render(value)} (${op.f}, ${op.f === 'read' ? 'returned' : 'acknowledged'} at history index ${op.completeIndex ?? '?'}, process ${op.process})`,
    );
    lines.push(
      `znode ${render(z.key)}: version ${version} recorded with ${values.size} different values, ${seen.join(' and ')}: a write under it was lost`,
    );
    for (const { op } of values.values()) evidence.add(op);
  }
}

/** Per expected node, the acknowledged znodes it has no final read of. */
function missingReads(judged: { z: Znode; acks: Ack[] }[], expected: Set<NodeId>): string[] {
  const missing: string[] = [];
  for (const node of sortedIds(expected)) {
    const unread = judged.filter(({ z, acks }) => acks.length > 0 && !z.finals.some((f) => f.node === node));
    if (unread.length === 0) continue;
    const some = unread.slice(0, 3).map(({ z }) => render(z.key));
    missing.push(
      `node ${node} has no final read of ${unread.length} acknowledged znodes (${some.join(', ')}${unread.length > 3 ? ', ...' : ''})`,
    );
  }
  return missing;
}

function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
  );
}

function listed(lines: string[]): string[] {
  return lines.length > SHOWN ? [...lines.slice(0, SHOWN), `... and ${lines.length - SHOWN} more`] : lines;
}

function unknown(cause: string): ClaimOutcome {
  return { valid: 'unknown', cause, method: METHOD, explanation: [cause] };
}
