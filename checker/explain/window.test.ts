import { describe, expect, it } from 'vitest';
import { checkClaims } from '../consistency/claims.js';
import { VERSIONED, history, read, write } from '../consistency/testing.js';
import type { Operation } from '../history/types.js';
import { evidenceWindow } from './window.js';

/** A stale read on key 'a' at positions 1000.., among many ops on 'a' and 'b' before and after. */
function longHistory(): Operation[] {
  const drafts = [];
  let at = 0;
  for (let v = 1; v <= 300; v++, at += 10) {
    drafts.push(write(0, v, v, [at, at + 1], { key: 'a' }));
    drafts.push(write(1, v, v, [at + 2, at + 3], { key: 'b' }));
  }
  // Process 2 reads version 299 of 'a' after the write of version 300 completed: stale.
  drafts.push(read(2, 299, 299, [at + 5, at + 6], { key: 'a' }));
  return history(...drafts);
}

describe('evidenceWindow', () => {
  it('keeps the evidence ops and their nearest neighbours on the same key, within the bound', async () => {
    const ops = longHistory();
    const [result] = await checkClaims(ops, VERSIONED, { claims: ['linearizable'], workers: 0 });
    expect(result.valid).toBe(false);
    const window = evidenceWindow(ops, result, 10);
    // Bounded, and no farther than 4 spans of the evidence from it: here 8 ops.
    expect(window.length).toBe(8);
    expect(evidenceWindow(ops, result, 4).map((op) => op.invokeIndex)).toEqual([2970, 2980, 2990, 3005]);
    expect(window.every((op) => op.key === 'a')).toBe(true);
    const cycleOps = result.cycle!.steps.map((step) => step.op.invokeIndex);
    for (const index of cycleOps) expect(window.map((op) => op.invokeIndex)).toContain(index);
    // In call order, and the nearest ones: nothing from the start of the history.
    expect(window.map((op) => op.call)).toEqual([...window.map((op) => op.call)].sort((a, b) => a - b));
    expect(Math.min(...window.map((op) => op.call))).toBeGreaterThan(2900);
  });

  it('is empty for a claim that holds', async () => {
    const ops = longHistory();
    const [result] = await checkClaims(ops, VERSIONED, { claims: ['writes-linearizable'], workers: 0 });
    expect(result.valid).toBe(true);
    expect(evidenceWindow(ops, result)).toEqual([]);
  });
});
