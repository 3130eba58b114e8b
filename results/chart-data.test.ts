import { describe, expect, it } from 'vitest';
import type { History, Op } from '../checker/history/types.js';
import {
  latencyCells,
  niceBinSeconds,
  quantileBins,
  throughputBins,
  timedOps,
  type TimedOp,
} from './chart-data.js';

type Step = [ms: number, process: Op['process'], type: Op['type'], f: string];

function history(...steps: Step[]): History {
  return steps.map(([ms, process, type, f], index) => ({
    index,
    time: ms * 1e6,
    process,
    type,
    f,
    value: null,
  }));
}

const op = (startS: number, latencyMs: number, f = 'read', outcome: TimedOp['outcome'] = 'ok'): TimedOp => ({
  f,
  outcome,
  startS,
  latencyMs,
});

describe('timedOps', () => {
  it('pairs each invoke with the next completion of its process, skipping nemesis ops', () => {
    const ops = timedOps(
      history(
        [0, 0, 'invoke', 'read'],
        [1, 1, 'invoke', 'write'],
        [2, 'nemesis', 'invoke', 'kill'],
        [3, 1, 'fail', 'write'],
        [5, 0, 'ok', 'read'],
        [6, 'nemesis', 'ok', 'kill'],
      ),
    );
    expect(ops).toEqual([
      { f: 'read', outcome: 'ok', startS: 0, latencyMs: 5 },
      { f: 'write', outcome: 'fail', startS: 0.001, latencyMs: 2 },
    ]);
  });

  it('counts an op that never completed as info, open until the end of the history', () => {
    const ops = timedOps(history([0, 0, 'invoke', 'cas'], [2, 1, 'invoke', 'read'], [10, 1, 'ok', 'read']));
    expect(ops).toContainEqual({ f: 'cas', outcome: 'info', startS: 0, latencyMs: 10 });
  });
});

describe('niceBinSeconds', () => {
  it('picks 1, 2 or 5 times a power of ten, giving about the asked number of bins', () => {
    expect(niceBinSeconds(600, 120)).toBe(5);
    expect(niceBinSeconds(25, 120)).toBe(0.2);
    expect(niceBinSeconds(25, 60)).toBe(0.5);
    expect(niceBinSeconds(3600, 100)).toBe(50);
  });
});

describe('binned views', () => {
  const ops = [op(0.1, 1), op(0.2, 3), op(0.4, 100, 'read', 'info'), op(1.5, 2), op(1.6, 2, 'write')];

  it('throughput: ops per second in each bin, by kind and outcome', () => {
    expect(throughputBins(ops, 0.5)).toEqual([
      { timeS: 0, f: 'read', outcome: 'ok', opsPerSecond: 4 },
      { timeS: 0, f: 'read', outcome: 'info', opsPerSecond: 2 },
      { timeS: 1.5, f: 'read', outcome: 'ok', opsPerSecond: 2 },
      { timeS: 1.5, f: 'write', outcome: 'ok', opsPerSecond: 2 },
    ]);
  });

  it('quantiles: nearest rank over the ok ops of each bin, per kind', () => {
    const many = Array.from({ length: 100 }, (_, i) => op(0.01 * i, i + 1));
    const points = quantileBins([...many, op(0.5, 5000, 'read', 'fail')], 1);
    expect(points.map((p) => [p.quantile, p.latencyMs])).toEqual([
      ['p50', 50],
      ['p95', 95],
      ['p99', 99],
      ['max', 100],
    ]);
  });

  it('latency cells: every op in exactly one cell, at its log-scale bin', () => {
    const cells = latencyCells(ops, 1, 10);
    expect(cells.reduce((sum, cell) => sum + cell.count, 0)).toBe(ops.length);
    const slow = cells.find((cell) => cell.outcome === 'info')!;
    // 100 ms falls in the bin [10^2, 10^2.1), drawn at its geometric middle.
    expect(slow.latencyMs).toBeCloseTo(10 ** 2.05, 1);
  });
});
