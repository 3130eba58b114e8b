import { describe, expect, it } from 'vitest';
import type { Op, OpType, Process } from '../checker/history/types.js';
import { errorName, runStats, selfCheck, type RunStats } from './stats.js';

const MS = 1e6;

/** Builds a history from [process, type, f, time in ms, error?] rows; indexes are positions. */
function history(rows: Array<[Process, OpType, string, number, unknown?]>): Op[] {
  return rows.map(([process, type, f, timeMs, error], index) => ({
    index,
    time: timeMs < 0 ? -1 : Math.round(timeMs * MS),
    process,
    type,
    f,
    key: 'k',
    value: null,
    ...(error === undefined ? {} : { error }),
  }));
}

/** A 20 ms run on three fs with every kind of outcome, a nemesis beside it and one op left open. */
const sample = history([
  [0, 'invoke', 'read', 0],
  [1, 'invoke', 'write', 1],
  [0, 'ok', 'read', 2],
  ['nemesis', 'info', 'start', 3],
  [0, 'invoke', 'cas', 3],
  ['nemesis', 'info', 'start', 3.5],
  [0, 'fail', 'cas', 4, { name: 'BAD_VERSION', code: -103 }],
  [2, 'invoke', 'write', 4],
  [1, 'ok', 'write', 6],
  [1, 'invoke', 'read', 7],
  [3, 'invoke', 'cas', 8],
  [1, 'ok', 'read', 8.5],
  [4, 'invoke', 'write', 9],
  [3, 'ok', 'cas', 9.0012345],
  [2, 'info', 'write', 10, 'timeout'],
  [0, 'invoke', 'read', 11],
  [0, 'fail', 'read', 12, { name: 'CONNECTION_LOSS' }],
  ['nemesis', 'invoke', 'stop', 12],
  ['nemesis', 'info', 'stop', 13],
  [5, 'invoke', 'write', 14],
  [5, 'ok', 'write', 20],
]);

describe('runStats', () => {
  it('counts client operations by f and by outcome, an open invoke as info', () => {
    const stats = runStats(sample);
    expect(stats.ops).toBe(9);
    expect(stats.byF).toEqual({
      read: { ok: 2, fail: 1, info: 0 },
      write: { ok: 2, fail: 0, info: 2 },
      cas: { ok: 1, fail: 1, info: 0 },
    });
    expect(stats.byType).toEqual({ ok: 5, fail: 2, info: 2 });
  });

  it('counts nemesis ops apart, as Jepsen info pairs or invoke/completion pairs', () => {
    expect(runStats(sample).nemesisOps).toBe(2);
    expect(runStats(sample.filter((op) => op.process !== 'nemesis')).byF).toEqual(runStats(sample).byF);
  });

  it('measures duration from the first invoke to the last completion, and throughput over it', () => {
    const stats = runStats(sample);
    expect(stats.durationSeconds).toBe(0.02);
    expect(stats.throughput).toEqual({ all: 450, ok: 250 });
  });

  it('reports nearest-rank latency quantiles of ok ops per f and overall, in ms to 0.001', () => {
    expect(runStats(sample).latencyMs).toEqual({
      read: { count: 2, p50: 1.5, p90: 2, p99: 2, max: 2 },
      write: { count: 2, p50: 5, p90: 6, p99: 6, max: 6 },
      cas: { count: 1, p50: 1.001, p90: 1.001, p99: 1.001, max: 1.001 },
      all: { count: 5, p50: 2, p90: 6, p99: 6, max: 6 },
    });
  });

  it('counts fail and info completions by error name', () => {
    expect(runStats(sample).errors).toEqual({ BAD_VERSION: 1, CONNECTION_LOSS: 1, timeout: 1 });
  });

  it('picks observed latencies by rank whatever the completion order', () => {
    // 100 sequential reads on one process taking 1..100 ms, in a scrambled order.
    const rows: Array<[Process, OpType, string, number]> = [];
    let now = 0;
    for (let i = 0; i < 100; i++) {
      const latency = ((i * 37) % 100) + 1;
      rows.push([0, 'invoke', 'read', now], [0, 'ok', 'read', now + latency]);
      now += latency;
    }
    expect(runStats(history(rows)).latencyMs.read).toEqual({
      count: 100,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
    });
    expect(runStats(history(rows.slice(0, 20))).latencyMs.read).toMatchObject({
      count: 10,
      p50: 38,
      p90: 86,
    });
    // With 7 samples p90 is rank ceil(6.3) = 7, the slowest: rounding the rank would pick the 6th.
    expect(runStats(history(rows.slice(0, 14))).latencyMs.read).toMatchObject({ count: 7, p50: 38, p90: 86 });
  });

  it('counts ops with unknown times but leaves them out of latency and duration', () => {
    const stats = runStats(
      history([
        [0, 'invoke', 'read', 1],
        [0, 'ok', 'read', 3],
        [1, 'invoke', 'read', -1],
        [1, 'ok', 'read', 500],
        [2, 'invoke', 'write', 2],
        [2, 'ok', 'write', -1],
      ]),
    );
    expect(stats.byType).toEqual({ ok: 3, fail: 0, info: 0 });
    expect(stats.latencyMs.all).toEqual({ count: 1, p50: 2, p90: 2, p99: 2, max: 2 });
    expect(stats.latencyMs.write).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
    expect(stats.durationSeconds).toBe(0.499);
  });

  it('treats a second invoke before a completion as leaving the first one open', () => {
    const stats = runStats(
      history([
        [0, 'invoke', 'write', 0],
        [0, 'invoke', 'read', 1],
        [0, 'ok', 'read', 2],
        [7, 'ok', 'read', 3],
      ]),
    );
    expect(stats.ops).toBe(2);
    expect(stats.byF).toEqual({ write: { ok: 0, fail: 0, info: 1 }, read: { ok: 1, fail: 0, info: 0 } });
  });

  it('gives zeros, not NaN, for an empty history', () => {
    expect(runStats([])).toEqual({
      ops: 0,
      byF: {},
      byType: { ok: 0, fail: 0, info: 0 },
      nemesisOps: 0,
      durationSeconds: 0,
      throughput: { all: 0, ok: 0 },
      latencyMs: { all: { count: 0, p50: 0, p90: 0, p99: 0, max: 0 } },
      errors: {},
    });
  });
});

describe('errorName', () => {
  it('uses the name of an error object, else the error as text', () => {
    expect(errorName({ name: 'SESSION_EXPIRED', code: -112 })).toBe('SESSION_EXPIRED');
    expect(errorName('timeout')).toBe('timeout');
    expect(errorName(-4)).toBe('-4');
    expect(errorName(['not-found', 'no such key'])).toBe('["not-found","no such key"]');
    expect(errorName({ code: -4 })).toBe('{"code":-4}');
  });
});

describe('selfCheck', () => {
  const floor = { minOpsPerSecond: 20, requiredFs: ['read', 'write', 'cas'] };

  function withStats(overrides: Partial<RunStats>): RunStats {
    return { ...runStats(sample), ...overrides };
  }

  it('finds nothing wrong with a healthy run', () => {
    expect(selfCheck(runStats(sample), floor)).toEqual([]);
  });

  it('flags throughput under the floor, rounded down so it never prints as the floor', () => {
    expect(selfCheck(withStats({ throughput: { all: 3.25, ok: 1 } }), floor)).toEqual([
      'throughput 3.2 ops/s is under the floor of 20 ops/s',
    ]);
    expect(selfCheck(withStats({ throughput: { all: 19.99, ok: 19 } }), floor)).toEqual([
      'throughput 19.9 ops/s is under the floor of 20 ops/s',
    ]);
    expect(selfCheck(withStats({ throughput: { all: 20, ok: 0 } }), floor)).toEqual([]);
  });

  it('flags each required f that never succeeded, attempted or not', () => {
    const stats = withStats({
      byF: { read: { ok: 4, fail: 0, info: 0 }, cas: { ok: 0, fail: 9, info: 1 } },
    });
    expect(selfCheck(stats, floor)).toEqual(['no write ever succeeded', 'no cas ever succeeded']);
  });

  it('reports every problem of an empty run', () => {
    expect(selfCheck(runStats([]), floor)).toEqual([
      'throughput 0 ops/s is under the floor of 20 ops/s',
      'no read ever succeeded',
      'no write ever succeeded',
      'no cas ever succeeded',
    ]);
  });
});
