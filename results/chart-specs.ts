/**
 * The charts every run gets, as vega-lite specs built from a history: latency over time, latency
 * quantiles over time and throughput over time. Each is a `ChartContribution`, the same interface
 * a workload uses to add its own charts (see charts.ts). Every chart shares one time axis and the
 * same fault bands (chart-bands.ts), so a fault lines up across them.
 */
import type { History } from '../checker/history/types.js';
import {
  MIN_LATENCY_MS,
  OUTCOMES,
  QUANTILES,
  latencyCells,
  niceBinSeconds,
  opKinds,
  quantileBins,
  throughputBins,
  timedOps,
  type TimedOp,
} from './chart-data.js';
import { CHART_WIDTH, type ChartContext, type ChartContribution, type VegaLiteSpec } from './charts.js';

/** Up to this many ops the latency chart draws each op; past it, binned cells. */
export const POINTS_LIMIT = 4000;
/**
 * Time bins, at most: enough to see a fault's edges, few enough to stay small. Rates need more
 * ops per bin than a scatter does before they stop jumping about.
 */
const SCATTER_TIME_BINS = 120;
const QUANTILE_TIME_BINS = 80;
const THROUGHPUT_TIME_BINS = 60;
const LATENCY_BINS_PER_DECADE = 8;
const PANEL_HEIGHT = 130;

/** Outcome colours, as in the counterexample timelines (checker/explain/svg.ts). */
export const OUTCOME_COLOURS: Readonly<Record<string, string>> = {
  ok: '#4c9a5e',
  fail: '#c0392b',
  info: '#e0a030',
};

const outcomeColour = {
  field: 'outcome',
  type: 'nominal',
  title: 'outcome',
  scale: { domain: [...OUTCOMES], range: OUTCOMES.map((o) => OUTCOME_COLOURS[o]) },
} as const;

/** One chart's ops, paired once per history however many charts ask. */
const pairedOps = new WeakMap<History, TimedOp[]>();

function opsOf(history: History): TimedOp[] {
  let ops = pairedOps.get(history);
  if (!ops) {
    ops = timedOps(history);
    pairedOps.set(history, ops);
  }
  return ops;
}

export const latencyChart: ChartContribution = {
  name: 'latency',
  title: 'Latency of each op over time',
  spec(history, context) {
    const ops = opsOf(history);
    const binned = ops.length > POINTS_LIMIT;
    const binS = niceBinSeconds(context.endS, SCATTER_TIME_BINS);
    const values = binned
      ? latencyCells(ops, binS, LATENCY_BINS_PER_DECADE)
      : ops.map((op) => ({
          timeS: round3(op.startS),
          latencyMs: round3(Math.max(op.latencyMs, MIN_LATENCY_MS)),
          f: op.f,
          outcome: op.outcome,
        }));
    const subtitle = binned
      ? `${ops.length} ops binned by ${binS} s and ${LATENCY_BINS_PER_DECADE} latency steps per decade; size: ops in the cell`
      : `${ops.length} ops, one point each`;
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: { text: this.title, subtitle },
      width: CHART_WIDTH,
      height: 280,
      layer: [
        ...context.faultBands,
        {
          data: { values },
          mark: { type: 'point', filled: true, opacity: binned ? 0.7 : 0.55, clip: true },
          encoding: {
            x: context.timeAxis,
            y: {
              field: 'latencyMs',
              type: 'quantitative',
              title: 'latency (ms, log scale)',
              scale: { type: 'log' },
            },
            color: outcomeColour,
            shape: { field: 'f', type: 'nominal', title: 'op' },
            ...(binned
              ? { size: { field: 'count', type: 'quantitative', title: 'ops', scale: { range: [6, 160] } } }
              : { size: { value: 14 } }),
          },
        },
      ],
    };
  },
};

export const quantilesChart: ChartContribution = {
  name: 'latency-quantiles',
  title: 'Latency quantiles over time (ok ops)',
  spec(history, context) {
    const ops = opsOf(history);
    const binS = niceBinSeconds(context.endS, QUANTILE_TIME_BINS);
    const points = quantileBins(ops, binS);
    return panelsPerOpKind({
      title: this.title,
      subtitle: `nearest-rank quantiles of each ${binS} s`,
      context,
      kinds: opKinds(ops),
      panel: (f) => ({
        data: { values: withGaps(points, f, binS, context.endS) },
        mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.5, clip: true },
        encoding: {
          x: context.timeAxis,
          y: { field: 'latencyMs', type: 'quantitative', title: `${f} (ms, log)`, scale: { type: 'log' } },
          color: { field: 'quantile', type: 'nominal', title: 'quantile', scale: { domain: [...QUANTILES] } },
        },
      }),
    });
  },
};

export const throughputChart: ChartContribution = {
  name: 'throughput',
  title: 'Throughput over time',
  spec(history, context) {
    const ops = opsOf(history);
    const binS = niceBinSeconds(context.endS, THROUGHPUT_TIME_BINS);
    const points = withZeros(throughputBins(ops, binS), binS, context.endS);
    return panelsPerOpKind({
      title: this.title,
      subtitle: `ops invoked per second in each ${binS} s, by outcome`,
      context,
      kinds: opKinds(ops),
      panel: (f) => ({
        data: { values: points.filter((point) => point.f === f) },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, clip: true },
        encoding: {
          x: context.timeAxis,
          y: { field: 'opsPerSecond', type: 'quantitative', title: `${f} (ops/s)` },
          color: outcomeColour,
        },
      }),
    });
  },
};

/** The built-in charts, in the order the report shows them. */
export const BUILT_IN_CHARTS: readonly ChartContribution[] = [latencyChart, quantilesChart, throughputChart];

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** A column of panels, one per op kind, each over the same fault bands and time axis. */
function panelsPerOpKind(opts: {
  title: string;
  subtitle: string;
  context: ChartContext;
  kinds: string[];
  panel: (f: string) => Record<string, unknown>;
}): VegaLiteSpec {
  const kinds = opts.kinds.length > 0 ? opts.kinds : ['(no ops)'];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: opts.title, subtitle: opts.subtitle },
    vconcat: kinds.map((f) => ({
      width: CHART_WIDTH,
      height: PANEL_HEIGHT,
      layer: [...opts.context.faultBands, opts.panel(f)],
    })),
  };
}

/**
 * A null point in each empty bin, so a line breaks where no op of its kind succeeded (vega-lite
 * breaks paths at invalid values) instead of drawing a slope across the gap.
 */
function withGaps(
  points: ReturnType<typeof quantileBins>,
  f: string,
  binS: number,
  endS: number,
): Array<{ timeS: number; quantile: string; latencyMs: number | null }> {
  const mine = points.filter((point) => point.f === f);
  const filled = new Set(mine.map((point) => binIndex(point.timeS, binS)));
  const gaps = [];
  for (let bin = 0; bin * binS <= endS; bin++) {
    if (filled.has(bin)) continue;
    for (const quantile of QUANTILES) gaps.push({ timeS: round3(bin * binS), quantile, latencyMs: null });
  }
  return [...mine, ...gaps].sort((a, b) => a.timeS - b.timeS);
}

/** A zero in each bin where a kind and outcome seen elsewhere had no ops: its rate was 0 there. */
function withZeros(points: ReturnType<typeof throughputBins>, binS: number, endS: number) {
  const series = new Map<string, { f: string; outcome: (typeof OUTCOMES)[number]; bins: Set<number> }>();
  for (const point of points) {
    const id = `${point.f}\u0000${point.outcome}`;
    const entry = series.get(id) ?? { f: point.f, outcome: point.outcome, bins: new Set<number>() };
    entry.bins.add(binIndex(point.timeS, binS));
    series.set(id, entry);
  }
  const zeros = [];
  for (const { f, outcome, bins } of series.values()) {
    for (let bin = 0; bin * binS <= endS; bin++) {
      if (!bins.has(bin)) zeros.push({ timeS: round3(bin * binS), f, outcome, opsPerSecond: 0 });
    }
  }
  return [...points, ...zeros]
    .map((point) => ({ ...point, timeS: round3(point.timeS) }))
    .sort((a, b) => a.timeS - b.timeS);
}

function binIndex(timeS: number, binS: number): number {
  return Math.round(timeS / binS);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
