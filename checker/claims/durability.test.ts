/**
 * The durability claim on crafted register histories: a final read older than an acknowledged
 * write, a missing znode, and two values under one version are lost writes; an unknown-outcome
 * write in the final value, a delete before a missing znode, and a final read newer than every
 * acknowledgement are not; missing final reads and histories with nothing acknowledged are unknown.
 */
import { describe, expect, it } from 'vitest';
import { evaluateClaims } from './evaluate.js';
import { operationsBuilder } from './testing.js';
import type { ClaimSpec } from './types.js';

const claim = (options: Record<string, unknown> = {}): ClaimSpec[] => [
  {
    name: 'durability',
    title: 'acknowledged updates survive',
    promised: true,
    checker: 'durability',
    options,
  },
];

/** A register history on znode 7, with helpers for whole ops. */
function history() {
  const h = {
    ...operationsBuilder({ key: 7 }),
    write(process: number, value: number, version: number) {
      h.invoke(process, 'write', value);
      h.ok(process, { value, version });
    },
    read(process: number, value: number | null, version: number) {
      h.invoke(process, 'read', null);
      h.ok(process, { value, version });
    },
    final(node: number, state: { value: number | null; version: number } | 'missing', servers = [1, 2, 3]) {
      h.invoke(10 + node, 'read', null);
      h.ok(
        10 + node,
        state === 'missing'
          ? { value: null, version: -1, exists: false, final: true, node, servers }
          : { ...state, final: true, node, servers },
      );
    },
    /** Final reads on nodes 1..3, all holding the same state. */
    finals(state: { value: number | null; version: number } | 'missing') {
      for (const node of [1, 2, 3]) h.final(node, state);
    },
  };
  return h;
}

async function verdict(ops: ReturnType<typeof history>['ops'], options: Record<string, unknown> = {}) {
  const [result] = await evaluateClaims(ops, claim(options));
  return result;
}

describe('durability claim', () => {
  it('passes when every node finally holds the newest acknowledged write', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.write(1, 2, 2);
    h.read(2, 2, 2);
    h.finals({ value: 2, version: 2 });
    const result = await verdict(h.ops);
    expect(result.valid).toBe(true);
    expect(result.promised).toBe(true);
    expect(result.explanation).toEqual([
      '2 acknowledged updates of 1 znodes, read finally on nodes 1, 2, 3: none lost',
    ]);
  });

  it('names a lost write when a node finally holds an older version', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.write(1, 2, 2);
    h.final(1, { value: 2, version: 2 });
    h.final(2, { value: 1, version: 1 });
    h.final(3, { value: 2, version: 2 });
    const result = await verdict(h.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      "znode 7: lost write of 2 at version 2, acknowledged at history index 3 (process 1): node 2's final read (history index 6) holds 1 at version 1, an older version",
    ]);
    expect(result.evidence?.map((op) => op.invokeIndex)).toEqual([2, 6]);
  });

  it('names each lost write once, with every final read that misses it grouped by what it holds', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.write(1, 2, 2);
    h.write(1, 3, 3);
    h.final(1, { value: 1, version: 1 });
    h.final(2, { value: 1, version: 1 });
    h.final(3, { value: 2, version: 2 });
    h.final(2, { value: 1, version: 1 });
    const result = await verdict(h.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      'znode 7: lost write of 2 at version 2, acknowledged at history index 3 (process 1): final reads on node 1 (history index 6), node 2 (history index 8, 12) hold 1 at version 1, an older version',
      "znode 7: lost write of 3 at version 3, acknowledged at history index 5 (process 1): final reads on node 1 (history index 6), node 2 (history index 8, 12) hold 1 at version 1, an older version; node 3's final read (history index 10) holds 2 at version 2, an older version",
    ]);
    expect(result.evidence?.map((op) => op.invokeIndex)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('folds consecutive lost writes that the same final reads miss the same way into one line', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.write(1, 2, 2);
    h.write(0, 3, 3);
    h.write(1, 4, 4);
    h.finals({ value: 1, version: 1 });
    const result = await verdict(h.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      'znode 7: lost 3 acknowledged updates, versions 2 to 4, the first write of 2 at version 2, acknowledged at history index 3 (process 1), the last write of 4 at version 4, acknowledged at history index 7 (process 1): final reads on node 1 (history index 8), node 2 (history index 10), node 3 (history index 12) hold 1 at version 1, an older version',
    ]);
    expect(result.evidence?.map((op) => op.invokeIndex)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('names a lost write when the znode is missing after acknowledged writes', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.write(0, 2, 2);
    h.final(1, { value: 2, version: 2 });
    h.final(2, 'missing');
    h.final(3, { value: 2, version: 2 });
    const result = await verdict(h.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      "znode 7: lost write of 2 at version 2, acknowledged at history index 3 (process 0) (and 1 earlier acknowledged updates): node 2's final read (history index 6) finds no znode",
    ]);
  });

  it('does not count an unknown-outcome write in the final value as lost, but a version older than an ack still is', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.invoke(1, 'write', 2); // unknown outcome: it may have happened
    h.finals({ value: 2, version: 2 });
    expect((await verdict(h.ops)).valid).toBe(true);

    const older = history();
    older.write(0, 1, 1);
    older.write(0, 2, 2);
    older.invoke(1, 'write', 3); // unknown outcome, yet it cannot excuse version 1
    older.finals({ value: 1, version: 1 });
    const result = await verdict(older.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(/^znode 7: lost write of 2 at version 2,/);
  });

  it('does not count a znode missing after an acknowledged or unknown-outcome delete as lost', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.invoke(0, 'delete', null);
    h.ok(0, null);
    h.finals('missing');
    expect((await verdict(h.ops)).valid).toBe('unknown'); // nothing acknowledged after the delete

    const unknownDelete = history();
    unknownDelete.write(0, 1, 1);
    unknownDelete.invoke(0, 'delete', null); // may have happened
    unknownDelete.write(1, 5, 2); // acknowledged before the delete could be known done
    unknownDelete.finals('missing');
    expect((await verdict(unknownDelete.ops)).valid).not.toBe(false);

    // But a create acknowledged after the delete returned must survive.
    const recreated = history();
    recreated.write(0, 1, 1);
    recreated.invoke(0, 'delete', null);
    recreated.ok(0, null);
    recreated.invoke(0, 'create', 9);
    recreated.ok(0, '/registers/7');
    recreated.finals('missing');
    const result = await verdict(recreated.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(/^znode 7: lost create of 9 at version 0,/);
  });

  it('detects two different values recorded under the same version', async () => {
    const h = history();
    h.write(0, 1, 1);
    h.read(1, 5, 1); // another value under version 1: the history forked
    h.write(0, 2, 2);
    h.finals({ value: 2, version: 2 });
    const result = await verdict(h.ops);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      'znode 7: version 1 recorded with 2 different values, 1 (write, acknowledged at history index 1, process 0) and 5 (read, returned at history index 3, process 1): a write under it was lost',
    ]);

    // A final read holding another value under the newest acknowledged version is a loss too.
    const replaced = history();
    replaced.write(0, 1, 1);
    replaced.invoke(1, 'write', 6); // unknown outcome: its value, but not under version 1
    replaced.finals({ value: 6, version: 1 });
    const lost = await verdict(replaced.ops);
    expect(lost.valid).toBe(false);
    expect(lost.explanation).toEqual([
      'znode 7: lost write of 1 at version 1, acknowledged at history index 1 (process 0): final reads on node 1 (history index 3), node 2 (history index 5), node 3 (history index 7) hold 6 at version 1, another value under the same version',
    ]);
  });

  it('is unknown without acknowledged writes, without final reads, or with a node not read', async () => {
    const none = history();
    none.invoke(0, 'write', 1);
    none.finals({ value: 1, version: 1 });
    expect(await verdict(none.ops)).toMatchObject({
      valid: 'unknown',
      cause: 'no acknowledged create or write: there is nothing that could have been lost',
    });

    const unread = history();
    unread.write(0, 1, 1);
    expect((await verdict(unread.ops)).cause).toMatch(/^no final read succeeded/);

    const partly = history();
    partly.write(0, 1, 1);
    partly.final(1, { value: 1, version: 1 });
    partly.final(3, { value: 1, version: 1 }); // node 2 is in the ensemble (servers) but not read
    expect(await verdict(partly.ops)).toMatchObject({
      valid: 'unknown',
      cause: 'final reads missing: node 2 has no final read of 1 acknowledged znodes (7)',
    });
    // The declared ensemble size counts too.
    const declared = await verdict(partly.ops, { nodes: 5 });
    expect(declared.cause).toMatch(/node 2 .*; node 4 .*; node 5 /);
  });

  it('refuses a bad node count', async () => {
    await expect(verdict(history().ops, { nodes: 0 })).rejects.toThrow(
      /nodes must be a positive whole number/,
    );
  });
});
