/**
 * Run statistics for results.json: what happened besides the verdicts (op counts, throughput, latency,
 * errors), and a self-check that flags runs too thin to prove anything.
 */
import type { Op } from '../checker/history/types.js';

export interface Outcomes {
  ok: number;
  fail: number;
  info: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RunStats {
  /** Client operations (invocations); nemesis ops excluded. */
  ops: number;
  /** Outcomes per f; an invoke that never completed counts as info. */
  byF: Record<string, Outcomes>;
  byType: Outcomes;
  nemesisOps: number;
  /** First client invoke to last client completion. */
  durationSeconds: number;
  /** Operations per second over durationSeconds. */
  throughput: { all: number; ok: number };
  /** Per f seen (count 0 when none succeeded) and 'all'; ok ops only, in milliseconds. */
  latencyMs: Record<string, LatencySummary>;
  /** fail and info completions by error name. */
  errors: Record<string, number>;
}

/** The key under which latencyMs summarises every f together. */
export const ALL_FS = 'all';

const NS_PER_MS = 1e6;
const NS_PER_S = 1e9;

interface Tally {
  ops: number;
  byF: Record<string, Outcomes>;
  byType: Outcomes;
  latencies: Record<string, number[]>;
  errors: Record<string, number>;
  firstInvoke: number;
  lastCompletion: number;
}

export function runStats(history: readonly Op[]): RunStats {
  const tally = tallyClientOps(history);
  const durationSeconds = durationOf(tally);
  const latencyMs: Record<string, LatencySummary> = {};
  for (const f of Object.keys(tally.byF)) latencyMs[f] = summarise(tally.latencies[f] ?? []);
  latencyMs[ALL_FS] = summarise(Object.values(tally.latencies).flat());
  return {
    ops: tally.ops,
    byF: tally.byF,
    byType: tally.byType,
    nemesisOps: countNemesisOps(history),
    durationSeconds,
    throughput: {
      all: perSecond(tally.ops, durationSeconds),
      ok: perSecond(tally.byType.ok, durationSeconds),
    },
    latencyMs,
    errors: tally.errors,
  };
}

/** Pairs each client invoke with the next completion of its process (one outstanding op per process). */
function tallyClientOps(history: readonly Op[]): Tally {
  const tally: Tally = {
    ops: 0,
    byF: {},
    byType: { ok: 0, fail: 0, info: 0 },
    latencies: {},
    errors: {},
    firstInvoke: Infinity,
    lastCompletion: -Infinity,
  };
  const open = new Map<number, Op>();
  for (const op of history) {
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      // A second invoke before a completion is malformed; the earlier one stays unknown (open).
      const earlier = open.get(op.process);
      if (earlier) countOutcome(tally, earlier.f, 'info');
      open.set(op.process, op);
      tally.ops++;
      if (op.time >= 0) tally.firstInvoke = Math.min(tally.firstInvoke, op.time);
      continue;
    }
    const invoke = open.get(op.process);
    // A completion without an invoke is not an operation this run can count.
    if (!invoke) continue;
    open.delete(op.process);
    recordCompletion(tally, invoke, op);
  }
  for (const invoke of open.values()) countOutcome(tally, invoke.f, 'info');
  return tally;
}

function recordCompletion(tally: Tally, invoke: Op, completion: Op): void {
  const type = completion.type as keyof Outcomes;
  countOutcome(tally, invoke.f, type);
  if (completion.time >= 0) tally.lastCompletion = Math.max(tally.lastCompletion, completion.time);
  if (type === 'ok' && invoke.time >= 0 && completion.time >= 0) {
    (tally.latencies[invoke.f] ??= []).push(roundTo3((completion.time - invoke.time) / NS_PER_MS));
  }
  if (type !== 'ok' && completion.error !== undefined && completion.error !== null) {
    const name = errorName(completion.error);
    tally.errors[name] = (tally.errors[name] ?? 0) + 1;
  }
}

function countOutcome(tally: Tally, f: string, type: keyof Outcomes): void {
  const outcomes = (tally.byF[f] ??= { ok: 0, fail: 0, info: 0 });
  outcomes[type]++;
  tally.byType[type]++;
}

/** error.name when the client recorded an error object; otherwise the error itself as text. */
export function errorName(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
    // String() would turn every object into "[object Object]", which tells a reader nothing.
    return JSON.stringify(error);
  }
  return String(error);
}

/**
 * Fault-injection ops are either invoke/completion pairs or, as Jepsen records them, info/info pairs:
 * an op starts with an invoke or with any record while none is open, and the next record closes it.
 */
function countNemesisOps(history: readonly Op[]): number {
  let count = 0;
  let openOp = false;
  for (const op of history) {
    if (op.process !== 'nemesis') continue;
    if (op.type === 'invoke' || !openOp) {
      count++;
      openOp = true;
    } else {
      openOp = false;
    }
  }
  return count;
}

function durationOf(tally: Tally): number {
  if (tally.lastCompletion <= tally.firstInvoke) return 0;
  return roundTo3((tally.lastCompletion - tally.firstInvoke) / NS_PER_S);
}

function perSecond(count: number, seconds: number): number {
  return seconds > 0 ? roundTo3(count / seconds) : 0;
}

/** Nearest-rank quantiles: each one is a latency that was actually observed. */
function summarise(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
    p99: nearestRank(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

/** Integer percent keeps the rank exact: a float quantile times n can land just above an integer. */
function nearestRank(sorted: readonly number[], percent: number): number {
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[rank - 1];
}

function roundTo3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Problems that make a run prove nothing (the runner marks such a run unknown); empty when fine. */
export function selfCheck(
  stats: RunStats,
  opts: { minOpsPerSecond: number; requiredFs: readonly string[] },
): string[] {
  const problems: string[] = [];
  if (stats.throughput.all < opts.minOpsPerSecond) {
    problems.push(
      `throughput ${formatRate(stats.throughput.all)} ops/s is under the floor of ${opts.minOpsPerSecond} ops/s`,
    );
  }
  for (const f of opts.requiredFs) {
    if ((stats.byF[f]?.ok ?? 0) === 0) problems.push(`no ${f} ever succeeded`);
  }
  return problems;
}

/** Rounded down to 0.1, so a rate just under the floor never prints as the floor itself. */
function formatRate(rate: number): string {
  return String(Math.floor(rate * 10 + 1e-9) / 10);
}
