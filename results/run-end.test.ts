import { describe, expect, it } from 'vitest';
import type { History } from '../checker/history/types.js';
import { cutShort, runEndOp } from './run-end.js';

const s = 1e9;
const ops: History = [
  { index: 0, time: 0, process: 0, type: 'invoke', f: 'write', key: 0, value: 1 },
  { index: 1, time: 1 * s, process: 0, type: 'ok', f: 'write', key: 0, value: 1 },
  {
    index: 2,
    time: 2 * s,
    process: 'nemesis',
    type: 'invoke',
    f: 'isolate',
    value: { targets: 'one', order: [2, 1, 3] },
  },
  {
    index: 3,
    time: 2.1 * s,
    process: 'nemesis',
    type: 'ok',
    f: 'isolate',
    value: { targets: [2], roles: { 2: 'follower' } },
  },
  { index: 4, time: 10 * s, process: 0, type: 'invoke', f: 'read', key: 0, value: null },
];

describe('how a run ended', () => {
  it('says how far a history without its end marker got, and which faults were still on', () => {
    const cut = cutShort(ops, 60)!;
    expect(cut.ranSeconds).toBe(10);
    expect(cut.activeFaults).toHaveLength(1);
    expect(cut.activeFaults[0]).toMatch(/^isolate n2 \(follower\)/);
    expect(cut.summary).toMatch(/^cut short at 10 of 60 s; isolate n2 \(follower\)[^;]* still active$/);
  });

  it('knows a history that ends with the marker is whole', () => {
    const marker = { index: 5, time: 11 * s, ...runEndOp(11) } as History[number];
    expect(cutShort([...ops, marker], 60)).toBeUndefined();
  });

  it('says nothing of faults when none was on', () => {
    expect(cutShort(ops.slice(0, 2))!.summary).toBe('cut short at 1 s');
  });
});
