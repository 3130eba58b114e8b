/**
 * The graph method: with every version known (versions.ts), a claim holds iff the graph of
 * "must come before" edges among the ops that took effect is acyclic — process order, per-key
 * version order (ww), reads-from (wr), read-before-overwrite (rw), plus real time among the ops
 * the claim constrains. A topological order of an acyclic graph is a legal order: each key's
 * updates run in version order and each read sits right after its version's producer, before the
 * next one. A cycle is the proof that none exists.
 *
 * Real time is added sparsely, through barrier nodes: sweeping invokes and completions in
 * history order, each completion leads into the current barrier (a new one when an invoke came
 * since), each invoke hangs off the current barrier, and barriers are chained. So a → … → b runs
 * through barriers exactly when a completed before b was invoked, with O(n) edges, not O(n²).
 */
import type { Operation } from '../history/types.js';
import { Digraph } from './digraph.js';
import type { Cycle, EdgeKind } from './types.js';
import type { VersionChains } from './versions.js';

const KINDS: readonly EdgeKind[] = ['process', 'ww', 'wr', 'rw', 'realtime'];
const PROCESS = 0;
const WW = 1;
const WR = 2;
const RW = 3;
const REALTIME = 4;

export interface GraphVerdict {
  /** 'unknown': the only cycle found leans on a guessed gap filler; the search must decide. */
  valid: boolean | 'unknown';
  cycle?: Cycle;
  nodes: number;
  edges: number;
}

/** `realtime`: the ops that must also respect real-time order among themselves. */
export function checkGraph(facts: VersionChains, realtime: (op: Operation) => boolean): GraphVerdict {
  const ops = facts.ops;
  const node = new Map<Operation, number>(ops.map((op, i) => [op, i]));
  const graph = new Digraph(ops.length);
  addProcessOrder(graph, ops, node);
  addVersionOrder(graph, facts, node);
  addRealTime(graph, ops.filter(realtime), node);
  const found = graph.findCycle();
  const verdict = { nodes: graph.nodeCount, edges: graph.edgeCount };
  if (!found) return { valid: true, ...verdict };
  const cycle = toCycle(found, ops);
  return { valid: leansOnGuess(cycle, facts.guessed) ? 'unknown' : false, cycle, ...verdict };
}

/**
 * A guessed gap filler's only outgoing edge is ww to the next version, and any other filler
 * would have the same edges in from the previous version (ww) and from its reads (rw). A cycle
 * entering a guess by process order or real time holds for that guess only.
 */
function leansOnGuess(cycle: Cycle, guessed: Set<Operation>): boolean {
  if (guessed.size === 0) return false;
  const steps = cycle.steps;
  return steps.some(
    (step, i) =>
      guessed.has(step.op) && !['ww', 'rw'].includes(steps[(i + steps.length - 1) % steps.length].edge),
  );
}

function addProcessOrder(graph: Digraph, ops: Operation[], node: Map<Operation, number>): void {
  const last = new Map<number, Operation>();
  for (const op of [...ops].sort((a, b) => a.call - b.call)) {
    const previous = last.get(op.process);
    if (previous) graph.addEdge(node.get(previous)!, node.get(op)!, PROCESS);
    last.set(op.process, op);
  }
}

function addVersionOrder(graph: Digraph, facts: VersionChains, node: Map<Operation, number>): void {
  for (const chain of facts.chains.values()) {
    for (let version = 1; version + 1 < chain.length; version++)
      graph.addEdge(node.get(chain[version])!, node.get(chain[version + 1])!, WW);
  }
  for (const [read, version] of facts.readVersion) {
    const chain = facts.chains.get(read.key)!;
    const id = node.get(read)!;
    if (version > 0) graph.addEdge(node.get(chain[version])!, id, WR);
    if (version + 1 < chain.length) graph.addEdge(id, node.get(chain[version + 1])!, RW);
  }
}

function addRealTime(graph: Digraph, constrained: Operation[], node: Map<Operation, number>): void {
  // Events in history order; calls and completions are distinct history positions.
  const events: Array<[number, Operation, boolean]> = [];
  for (const op of constrained) {
    events.push([op.call, op, false]);
    if (op.ret !== Infinity) events.push([op.ret, op, true]);
  }
  events.sort((a, b) => a[0] - b[0]);
  let barrier = -1;
  let invokedSince = true;
  for (const [, op, completes] of events) {
    const id = node.get(op)!;
    if (completes) {
      if (invokedSince) {
        const next = graph.addNode();
        if (barrier >= 0) graph.addEdge(barrier, next, REALTIME);
        barrier = next;
        invokedSince = false;
      }
      graph.addEdge(id, barrier, REALTIME);
    } else {
      if (barrier >= 0) graph.addEdge(barrier, id, REALTIME);
      invokedSince = true;
    }
  }
}

/** Drops barrier nodes: an op followed by barriers reaches the next op by real time. */
function toCycle(found: Array<[number, number]>, ops: Operation[]): Cycle {
  const first = found.findIndex(([id]) => id < ops.length);
  const rotated = [...found.slice(first), ...found.slice(0, first)];
  const steps: Cycle['steps'] = [];
  for (const [id, label] of rotated) {
    if (id < ops.length) steps.push({ op: ops[id], edge: KINDS[label] });
    else steps[steps.length - 1].edge = 'realtime';
  }
  return { steps };
}
