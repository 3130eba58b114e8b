import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOperations } from '../history/operations.js';
import { checkWellFormed } from '../history/wellformed.js';
import type { Operation } from '../history/types.js';
import { checkClaims } from './claims.js';
import { Digraph } from './digraph.js';
import { simulateZooKeeper } from './simulate-zk.js';
import { VERSIONED } from './testing.js';
import type { ClaimName } from './types.js';

/** Breaks a history in one of a few ways; the result may or may not stay valid. */
function perturb(ops: Operation[], kind: number, choice: number, shift: number): Operation[] {
  const pick = <T>(items: T[]) => items[choice % items.length];
  const reads = ops.filter((op) => op.f === 'read' && op.status === 'ok');
  const updates = ops.filter((op) => op.f !== 'read' && op.status === 'ok');
  const replace = (target: Operation, changed: Partial<Operation>) =>
    ops.map((op) => (op === target ? { ...op, ...changed } : op));
  switch (kind) {
    case 0: {
      // A read returns another update's reply (or the initial state): a stale or future read.
      if (reads.length === 0) return ops;
      const source = [{ value: 0, version: 0 }, ...updates.map((op) => op.output)];
      const target = pick(reads);
      const sameKey = source.filter((_, i) => i === 0 || updates[i - 1].key === target.key);
      return replace(target, { output: sameKey[shift % sameKey.length] });
    }
    case 1: {
      // Two updates of one key trade places in the version order.
      const target = pick(updates);
      const other = updates.filter((op) => op.key === target.key && op !== target)[shift % updates.length];
      if (!other) return ops;
      return ops.map((op) =>
        op === target
          ? { ...op, input: other.input, output: other.output, f: other.f }
          : op === other
            ? { ...op, input: target.input, output: target.output, f: target.f }
            : op,
      );
    }
    case 2:
      // An update vanishes: its version becomes a gap.
      return updates.length === 0 ? ops : ops.filter((op) => op !== pick(updates));
    default: {
      // A read reports a neighbouring version of the value it saw.
      if (reads.length === 0) return ops;
      const target = pick(reads);
      const output = target.output as { value: unknown; version: number };
      return replace(target, {
        output: { ...output, version: Math.max(0, output.version + (shift % 2 ? 1 : -1)) },
      });
    }
  }
}

const renumber = (ops: Operation[]) => ops.map((op, id) => ({ ...op, id }));

describe('the graph method agrees with the search', () => {
  it('on random small versioned histories, valid and invalid, claim by claim', async () => {
    const tally = { graph: 0, search: 0, valid: 0, invalid: 0 };
    const perClaim = new Map<ClaimName, Set<unknown>>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          processes: fc.integer({ min: 1, max: 4 }),
          keys: fc.integer({ min: 1, max: 2 }),
          ops: fc.integer({ min: 2, max: 10 }),
          maxLag: fc.integer({ min: 0, max: 3 }),
          casRate: fc.constantFrom(0, 0.3),
          syncRate: fc.constantFrom(0, 0.3),
          infoRate: fc.constantFrom(0, 0.2, 0.6),
        }),
        fc.integer({ min: -1, max: 3 }),
        fc.nat(),
        fc.nat(),
        async (simulation, kind, choice, shift) => {
          const history = simulateZooKeeper(simulation);
          checkWellFormed(history);
          const clean = toOperations(history);
          const ops = kind < 0 ? clean : renumber(perturb(clean, kind, choice, shift));
          const byGraph = await checkClaims(ops, VERSIONED, { workers: 0 });
          const bySearch = await checkClaims(ops, VERSIONED, { workers: 0, graph: false });
          for (const [i, result] of byGraph.entries()) {
            expect(result.valid, `${result.claim} (${result.method})`).toBe(bySearch[i].valid);
            tally[result.method]++;
            tally[result.valid === true ? 'valid' : 'invalid']++;
            perClaim.set(result.claim, (perClaim.get(result.claim) ?? new Set()).add(result.valid));
          }
          if (kind < 0) expect(byGraph.find((result) => result.claim === 'zookeeper')?.valid).toBe(true);
        },
      ),
      { numRuns: 6_000 },
    );
    // The test means something only if the graph decided most cases and verdicts vary per claim.
    expect(tally.graph).toBeGreaterThan(tally.search * 4);
    for (const [claim, seen] of perClaim) expect([claim, seen.size]).toEqual([claim, 2]);
  }, 60_000);
});

describe('Digraph.findCycle', () => {
  it('finds no cycle in a long chain and a real one in a 200,000-node ring without recursion', () => {
    const n = 200_000;
    const chain = new Digraph(n);
    for (let i = 0; i + 1 < n; i++) chain.addEdge(i, i + 1, 0);
    expect(chain.findCycle()).toBeUndefined();
    chain.addEdge(n - 1, 0, 1);
    const cycle = chain.findCycle()!;
    expect(cycle).toHaveLength(n);
    expect(cycle.filter(([, label]) => label === 1)).toEqual([[n - 1, 1]]);
  });

  it('returns the shortest cycle through the node it lands on, with each edge label', () => {
    const graph = new Digraph(5);
    graph.addEdge(0, 1, 0);
    graph.addEdge(1, 2, 1);
    graph.addEdge(2, 0, 2);
    graph.addEdge(1, 3, 0);
    graph.addEdge(3, 4, 0);
    graph.addEdge(4, 0, 0);
    const cycle = graph.findCycle()!;
    expect(cycle).toHaveLength(3);
    const labels = new Map(cycle);
    expect(labels).toEqual(
      new Map([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    );
  });
});
