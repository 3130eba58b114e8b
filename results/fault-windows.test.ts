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

  it('draws every family as windows: shapes, link faults, lag, sync-kill, disk, clock, and one named later', () => {
    const plan = (targets: string) => ({ targets, order: [2, 1, 3] });
    const h = history(
      [1, 'invoke', 'cut-halves', plan('halves')],
      [1.1, 'ok', 'cut-halves', { fault: 'partition-halves', targets: [1, 2, 3], roles: { '1': 'leader' } }],
      [2, 'invoke', 'heal-halves', { targets: 'halves' }],
      [2.1, 'ok', 'heal-halves', { targets: [1, 2, 3] }],
      [3, 'invoke', 'lag', plan('follower')],
      [3.1, 'ok', 'lag', { fault: 'lag', targets: [2], roles: { '2': 'follower' } }],
      [4, 'invoke', 'heal-lag', { targets: 'follower' }],
      [4.1, 'ok', 'heal-lag', { targets: [2], moves: [] }],
      [5, 'invoke', 'sync-kill', plan('follower')],
      [5.5, 'ok', 'sync-kill', { targets: [2], roles: { '2': 'follower' }, phase: 'newleader', fired: true }],
      [6, 'invoke', 'start', null],
      [6.5, 'ok', 'start', { targets: [2] }],
      [7, 'invoke', 'disk', plan('one')],
      [7.5, 'ok', 'disk', { targets: [2], roles: { '2': 'follower' } }],
      [8, 'invoke', 'start', null],
      [8.5, 'ok', 'start', { targets: [2], comebacks: [] }],
      [9, 'invoke', 'clock-start', plan('one')],
      [9.1, 'ok', 'clock-start', { targets: [3], roles: { '3': 'follower' } }],
      [10, 'invoke', 'clock-stop', { targets: 'one' }],
      [10.1, 'ok', 'clock-stop', { targets: [3] }],
      // A family whose names follow no convention: its stop pairs with its own start.
      [11, 'invoke', 'brownout', plan('one')],
      [11.1, 'ok', 'brownout', { targets: [1], roles: { '1': 'leader' } }],
      [12, 'invoke', 'lights-on', { targets: 'one' }],
      [12.1, 'ok', 'lights-on', { targets: [1] }],
      [13, 'invoke', 'cut-ring', plan('ring')],
      [13.1, 'ok', 'cut-ring', { fault: 'partition-ring', targets: [1, 2, 3], roles: {} }],
      [14, 'invoke', 'heal-all-ring', null],
      [14.1, 'ok', 'heal-all-ring', null],
    );
    expect(spans(h)).toEqual([
      ['partition-halves n1 (leader), n2, n3', 1, 2.1, true],
      ['lag n2 (follower)', 3, 4.1, true],
      ['sync-kill n2 (follower)', 5, 6.5, true],
      ['disk n2 (follower)', 7, 8.5, true],
      ['clock-start n3 (follower)', 9, 10.1, true],
      ['brownout n1 (leader)', 11, 12.1, true],
      ['partition-ring n1, n2, n3 (ring)', 13, 14.1, true],
    ]);
  });

  it('keeps overlapping faults of families that share op names apart by their qualified names', () => {
    const plan = (targets: string, ...order: number[]) => ({ targets, order });
    const h = history(
      [1, 'invoke', 'partition:isolate', plan('one', 2, 1, 3)],
      [1.1, 'ok', 'partition:isolate', { targets: [2], roles: { '2': 'follower' } }],
      [2, 'invoke', 'partition-leader:isolate', plan('leader', 1, 2, 3)],
      [2.1, 'ok', 'partition-leader:isolate', { targets: [1], roles: { '1': 'leader' } }],
      [3, 'invoke', 'kill:kill', plan('one', 2, 1, 3)],
      [3.1, 'ok', 'kill:kill', { targets: [2], roles: { '2': 'follower' } }],
      [4, 'invoke', 'pause:pause', plan('one', 2, 1, 3)],
      [4.1, 'ok', 'pause:pause', { targets: [2], roles: { '2': 'follower' } }],
      // partition-leader's heal ends its own window only, though it heals every link.
      [5, 'invoke', 'partition-leader:heal', { targets: 'leader' }],
      [5.1, 'ok', 'partition-leader:heal', { targets: [1] }],
      // kill's start on node 2 does not end the pause on node 2.
      [6, 'invoke', 'kill:start', { targets: 'one' }],
      [6.1, 'ok', 'kill:start', { targets: [2] }],
      [7, 'invoke', 'partition:heal', { targets: 'one' }],
      [7.1, 'ok', 'partition:heal', { targets: [2] }],
      [8, 'invoke', 'pause:resume-all', null],
      [8.1, 'ok', 'pause:resume-all', null],
    );
    expect(
      faultWindows(h).map((w) => [w.fault, w.startOp, w.family, w.targets, w.startNs / S, w.endNs / S]),
    ).toEqual([
      ['partition', 'isolate', 'partition', ['n2'], 1, 7.1],
      ['partition-leader', 'isolate', 'partition-leader', ['n1'], 2, 5.1],
      ['kill', 'kill', 'kill', ['n2'], 3, 6.1],
      ['pause', 'pause', 'pause', ['n2'], 4, 8.1],
    ]);
  });
});
