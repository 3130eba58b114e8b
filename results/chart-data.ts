/**
 * The numbers behind the charts: client ops as (start, latency, outcome) and the binned views of
 * them that keep a chart's size bounded however long the history is. Times are seconds since the
 * start of the test, latencies milliseconds.
 */
import type { History, Op } from '../checker/history/types.js';

export type Outcome = 'ok' | 'fail' | 'info';

export const OUTCOMES: readonly Outcome[] = ['ok', 'fail', 'info'];

/** One client op: its invoke paired with its completion. */
export interface TimedOp {
  f: string;
  outcome: Outcome;
  /** When it was invoked, seconds since the start. */
  startS: number;
  /** Invoke to completion, ms; for an op that never completed, to the end of the history. */
  latencyMs: number;
}

const NS_PER_S = 1e9;
const NS_PER_MS = 1e6;

/**
 * Pairs each client invoke with the next completion of its process. An invoke with no completion
 * counts as info, its latency running to the end of the history (it was still open then), as
 * results/stats.ts counts it. Ops with an unknown time (-1) are left out: they have no place on
 * a time axis.
 */
export function timedOps(history: History): TimedOp[] {
  const ops: TimedOp[] = [];
  const open = new Map<number, Op>();
  let lastNs = 0;
  for (const op of history) {
    if (op.time > lastNs) lastNs = op.time;
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      const earlier = open.get(op.process);
      if (earlier) ops.push(unfinished(earlier, op.time));
      open.set(op.process, op);
      continue;
    }
    const invoke = open.get(op.process);
    if (!invoke) continue;
    open.delete(op.process);
    if (invoke.time < 0 || op.time < 0) continue;
    ops.push({
      f: invoke.f,
      outcome: op.type,
      startS: invoke.time / NS_PER_S,
      latencyMs: Math.max(0, op.time - invoke.time) / NS_PER_MS,
    });
  }
  for (const invoke of open.values()) ops.push(unfinished(invoke, lastNs));
  return ops.filter((op) => op.startS >= 0).sort((a, b) => a.startS - b.startS);
}

function unfinished(invoke: Op, untilNs: number): TimedOp {
  return {
    f: invoke.f,
    outcome: 'info',
    startS: invoke.time < 0 ? -1 : invoke.time / NS_PER_S,
    latencyMs: Math.max(0, untilNs - invoke.time) / NS_PER_MS,
  };
}

/** The op kinds in the order they first appear. */
export function opKinds(ops: readonly TimedOp[]): string[] {
  return [...new Set(ops.map((op) => op.f))];
}

/**
 * A bin width for `durationS` that gives at most about `maxBins` bins and reads well on an axis:
 * 1, 2 or 5 times a power of ten seconds.
 */
export function niceBinSeconds(durationS: number, maxBins: number): number {
  const raw = Math.max(durationS, 1e-3) / maxBins;
  const power = 10 ** Math.floor(Math.log10(raw));
  // 5% slack: 600.1 s in 120 bins is 5 s bins (121 of them), not 10 s bins.
  for (const step of [1, 2, 5, 10]) if (step * power * 1.05 >= raw) return step * power;
  return 10 * power;
}

/** Throughput: completions per second in each time bin, per op kind and outcome. */
export interface RatePoint {
  timeS: number;
  f: string;
  outcome: Outcome;
  opsPerSecond: number;
}

export function throughputBins(ops: readonly TimedOp[], binS: number): RatePoint[] {
  const counts = new Map<string, { timeS: number; f: string; outcome: Outcome; count: number }>();
  for (const op of ops) {
    const bin = Math.floor(op.startS / binS);
    const id = `${bin}\u0000${op.f}\u0000${op.outcome}`;
    const cell = counts.get(id);
    if (cell) cell.count++;
    else counts.set(id, { timeS: bin * binS, f: op.f, outcome: op.outcome, count: 1 });
  }
  return [...counts.values()]
    .map(({ count, ...cell }) => ({ ...cell, opsPerSecond: round3(count / binS) }))
    .sort((a, b) => a.timeS - b.timeS);
}

export const QUANTILES = ['p50', 'p95', 'p99', 'max'] as const;
export type Quantile = (typeof QUANTILES)[number];

export interface QuantilePoint {
  timeS: number;
  f: string;
  quantile: Quantile;
  latencyMs: number;
}

/**
 * Latency quantiles of ok ops per time bin and op kind (nearest rank, as in results/stats.ts:
 * each value is a latency that was observed). Ok ops only: a failed or unknown op's latency is
 * mostly its timeout, which says nothing about how fast ZooKeeper answered.
 */
export function quantileBins(ops: readonly TimedOp[], binS: number): QuantilePoint[] {
  const groups = new Map<string, { timeS: number; f: string; latencies: number[] }>();
  for (const op of ops) {
    if (op.outcome !== 'ok') continue;
    const bin = Math.floor(op.startS / binS);
    const id = `${bin}\u0000${op.f}`;
    const group = groups.get(id) ?? { timeS: bin * binS, f: op.f, latencies: [] };
    group.latencies.push(op.latencyMs);
    groups.set(id, group);
  }
  const points: QuantilePoint[] = [];
  for (const { timeS, f, latencies } of groups.values()) {
    latencies.sort((a, b) => a - b);
    for (const quantile of QUANTILES) {
      points.push({ timeS, f, quantile, latencyMs: round3(quantileOf(latencies, quantile)) });
    }
  }
  return points.sort((a, b) => a.timeS - b.timeS);
}

function quantileOf(sorted: readonly number[], quantile: Quantile): number {
  if (quantile === 'max') return sorted[sorted.length - 1];
  const percent = Number(quantile.slice(1));
  return sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1];
}

/** A cell of the latency scatter when there are too many ops to draw one by one. */
export interface LatencyCell {
  timeS: number;
  latencyMs: number;
  f: string;
  outcome: Outcome;
  count: number;
}

/**
 * The latency scatter, aggregated: ops grouped by time bin, by latency bin on a log scale
 * (`perDecade` bins per factor of ten) and by kind and outcome; each cell sits at its bin's
 * start and its latency bin's geometric middle and counts its ops.
 */
export function latencyCells(ops: readonly TimedOp[], binS: number, perDecade: number): LatencyCell[] {
  const cells = new Map<string, LatencyCell>();
  for (const op of ops) {
    const timeBin = Math.floor(op.startS / binS);
    const latencyBin = Math.floor(Math.log10(Math.max(op.latencyMs, MIN_LATENCY_MS)) * perDecade);
    const id = `${timeBin}\u0000${latencyBin}\u0000${op.f}\u0000${op.outcome}`;
    const cell = cells.get(id);
    if (cell) {
      cell.count++;
      continue;
    }
    cells.set(id, {
      timeS: round3(timeBin * binS),
      latencyMs: round3(10 ** ((latencyBin + 0.5) / perDecade)),
      f: op.f,
      outcome: op.outcome,
      count: 1,
    });
  }
  return [...cells.values()];
}

/** The floor of the log-scale latency axis: a 0 ms op is drawn here (log 0 has no place). */
export const MIN_LATENCY_MS = 0.01;

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
