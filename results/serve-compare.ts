/**
 * The compare view's charts: throughput and latency of two or more runs on one time axis (seconds
 * since each run's start), a colour per run, drawn server-side to SVG like the report's charts
 * (chart-render.ts). Fault bands are left out here: each run has its own windows, and its report
 * shows them.
 */
import { join } from 'node:path';
import { readHistoryFile } from '../checker/history/read.js';
import { niceBinSeconds, quantileBins, throughputBins, timedOps, type TimedOp } from './chart-data.js';
import { renderSvg } from './chart-render.js';
import { VEGA_LITE_SCHEMA } from './chart-specs.js';
import { CHART_WIDTH } from './charts.js';
import { scopeSvgIds } from './html.js';
import type { CompareChart } from './serve-pages.js';
import type { RunRow } from './serve-runs.js';

const TIME_BINS = 60;

export async function compareCharts(
  runs: readonly RunRow[],
): Promise<{ charts: CompareChart[]; notes: string[] }> {
  const notes: string[] = [];
  const series: Array<{ label: string; ops: TimedOp[] }> = [];
  for (const run of runs) {
    try {
      const history = await readHistoryFile(join(run.dir, 'history.jsonl'), { format: 'jsonl' });
      series.push({ label: `${run.name} ${run.time}`, ops: timedOps(history) });
    } catch (error) {
      notes.push(`${run.id}: history not charted: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (series.length === 0) return { charts: [], notes };
  const endS = Math.max(1e-3, ...series.flatMap((s) => s.ops.map((op) => op.startS)));
  const binS = niceBinSeconds(endS, TIME_BINS);
  const throughput = series.flatMap(({ label, ops }) =>
    throughputBins(
      ops.filter((op) => op.outcome === 'ok').map((op) => ({ ...op, f: 'all' })),
      binS,
    ).map((point) => ({ run: label, timeS: point.timeS, opsPerSecond: point.opsPerSecond })),
  );
  const latency = series.flatMap(({ label, ops }) =>
    quantileBins(
      ops.map((op) => ({ ...op, f: 'all' })),
      binS,
    )
      .filter((point) => point.quantile === 'p50' || point.quantile === 'p99')
      .map((point) => ({
        run: label,
        timeS: point.timeS,
        quantile: point.quantile,
        latencyMs: Math.max(point.latencyMs, 0.01),
      })),
  );
  const x = {
    field: 'timeS',
    type: 'quantitative',
    title: 'seconds since the run started',
    scale: { domain: [0, endS] },
  };
  const colour = { field: 'run', type: 'nominal', title: 'run', legend: { orient: 'bottom', columns: 1 } };
  const specs = [
    {
      title: 'Throughput (ok ops/s)',
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        width: CHART_WIDTH,
        height: 220,
        data: { values: throughput },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'opsPerSecond', type: 'quantitative', title: `ok ops/s (${binS} s bins)` },
          color: colour,
        },
      },
    },
    {
      title: 'Latency of ok ops, p50 and p99 (ms, log)',
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        width: CHART_WIDTH,
        height: 220,
        data: { values: latency },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'latencyMs', type: 'quantitative', title: 'latency (ms, log)', scale: { type: 'log' } },
          color: colour,
          strokeDash: { field: 'quantile', type: 'nominal', title: 'quantile' },
          detail: { field: 'quantile' },
        },
      },
    },
  ];
  const charts: CompareChart[] = [];
  for (const [i, { title, spec }] of specs.entries()) {
    try {
      charts.push({ title, svg: scopeSvgIds(await renderSvg(spec), `compare-${i}`) });
    } catch (error) {
      charts.push({ title, problem: `not drawn: ${(error as Error).message}` });
    }
  }
  return { charts, notes };
}
