import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistoryFile } from '../checker/history/read.js';
import type { History, Op } from '../checker/history/types.js';
import { faultWindows } from './fault-windows.js';

const S = 1e9;

type Step = [seconds: number, type: Op['type'], f: string, value: unknown, process?: Op['process']];

/** Nemesis ops (and, with a process, client ops) at the given seconds. */
function history(...steps: Step[]): History {
  return steps.map(([seconds, type, f, value, process], index) => ({
    index,
    time: seconds * S,
    process: process ?? 'nemesis',
    type,
    f,
    value,
  }));
}

const spans = (h: History) =>
  faultWindows(h).map((w) => [w.label, w.startNs / S, w.endNs / S, w.healed] as const);

describe('faultWindows', () => {
  it('runs a window from the start invoke to the completion of the op that ends it', () => {
    const h = history(
      [1, 'invoke', 'kill', 2],
      [1.2, 'ok', 'kill', 2],
      [4, 'invoke', 'start', 2],
      [4.5, 'ok', 'start', 2],
    );
    expect(spans(h)).toEqual([['kill n2', 1, 4.5, true]]);
  });

  it('ends only the window on the node a start names, and every window on an -all op', () => {
    const h = history(
      [1, 'invoke', 'kill', 1],
      [1, 'ok', 'kill', 1],
      [2, 'invoke', 'kill', 3],
      [2, 'ok', 'kill', 3],
      [3, 'invoke', 'start', 3],
      [3.5, 'ok', 'start', 3],
      [5, 'invoke', 'pause', 2],
      [5, 'ok', 'pause', 2],
      [6, 'invoke', 'start-all', null],
      [6.5, 'ok', 'start-all', null],
      [7, 'invoke', 'resume-all', null],
      [7.5, 'ok', 'resume-all', null],
    );
    expect(spans(h)).toEqual([
      ['kill n1', 1, 6.5, true],
      ['kill n3', 2, 3.5, true],
      ['pause n2', 5, 7.5, true],
    ]);
  });

  it('runs a fault nothing ended to the end of the history and says so', () => {
    const h = history([1, 'invoke', 'isolate', 2], [1.1, 'ok', 'isolate', 2], [9, 'invoke', 'read', null, 0]);
    expect(spans(h)).toEqual([['isolate n2, never healed', 1, 9, false]]);
  });

  it('draws no window for a start that failed, and marks one whose outcome is unknown', () => {
    const h = history(
      [1, 'invoke', 'pause', 1],
      [1.1, 'fail', 'pause', 1],
      [2, 'invoke', 'pause', 'leader'],
      [2.1, 'info', 'pause', 'leader'],
      [3, 'invoke', 'resume', 'leader'],
      [3.1, 'ok', 'resume', null],
    );
    expect(spans(h)).toEqual([['pause? leader', 2, 3.1, true]]);
    expect(faultWindows(h)[0].uncertain).toBe(true);
  });

  it('reads target records: the nodes hit with their roles, and the nodes a stop names', () => {
    const h = history(
      [1, 'invoke', 'isolate', { targets: 'minority', order: [2, 1, 3] }],
      [1.3, 'ok', 'isolate', { targets: [2], roles: { '2': 'leader' } }],
      [3, 'invoke', 'heal', { targets: 'minority' }],
      [4, 'ok', 'heal', { targets: [2] }],
      [5, 'invoke', 'kill', { targets: 'majority', order: [3, 1, 2] }],
      [5.2, 'ok', 'kill', { targets: [3, 1], roles: { '1': 'follower', '3': 'leader' } }],
      [6, 'invoke', 'start', { targets: 'majority' }],
      [6.4, 'ok', 'start', { targets: [3, 1] }],
    );
    expect(spans(h)).toEqual([
      ['isolate n2 (leader)', 1, 4, true],
      ['kill n3 (leader), n1 (follower)', 5, 6.4, true],
    ]);
  });

  it('names the fault from a fault field when the op carries one', () => {
    const h = history(
      [1, 'invoke', 'isolate', { fault: 'bridge', targets: [1, 2] }],
      [1, 'ok', 'isolate', null],
    );
    expect(faultWindows(h)[0]).toMatchObject({ fault: 'bridge', startOp: 'isolate', targets: ['n1', 'n2'] });
  });

  it('pairs Jepsen-style info/info fault records', () => {
    const h = history(
      [1, 'info', 'kill', 3],
      [1.5, 'info', 'kill', 3],
      [4, 'info', 'start', 3],
      [4.5, 'info', 'start', 3],
    );
    expect(spans(h)).toEqual([['kill? n3', 1, 4.5, true]]);
  });

  it("derives a stored run's windows: role starts, an unknown start and heal-all", async () => {
    const h = await readHistoryFile(join(import.meta.dirname, 'testdata/run-partition-leader/history.jsonl'));
    const windows = faultWindows(h).map((w) => [
      w.label,
      +(w.startNs / S).toFixed(2),
      +(w.endNs / S).toFixed(2),
    ]);
    expect(windows).toEqual([
      ['isolate n3 (leader)', 3, 8.31],
      ['isolate n3 (leader)', 11.31, 16.46],
      ['isolate? leader', 19.46, 24.53],
    ]);
  });
});
