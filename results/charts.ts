/**
 * Charts of a run, as vega-lite specs. A chart is a `ChartContribution`: a name (its file name
 * under `charts/`), a title, and a function from the history to a vega-lite spec. The built-in
 * ones are in chart-specs.ts; a workload can add its own and results/ renders and lays them out
 * the same way (chart-render.ts).
 *
 * Each spec gets a `ChartContext`: the fault bands to layer under its marks and the time axis to
 * use, so every chart shades the same nemesis windows at the same place.
 */
import type { History } from '../checker/history/types.js';
import { faultWindows, historyEndNs, type FaultWindow } from './fault-windows.js';

/**
 * A vega-lite spec as plain JSON. Not vega-lite's own `TopLevelSpec` type: specs are put together
 * from parts (the fault bands below, a panel per op kind), which that type cannot follow; the
 * renderer's compile() checks every spec, and a spec it rejects costs only its own chart.
 */
export type VegaLiteSpec = Record<string, unknown>;

export interface ChartContribution {
  /** File name under charts/ (letters, digits, '-' and '_'). */
  name: string;
  title: string;
  spec(history: History, context: ChartContext): VegaLiteSpec;
}

export interface ChartContext {
  /** Seconds from the start to the end of the history: the domain of every time axis. */
  endS: number;
  windows: FaultWindow[];
  /** Layers that shade and label each fault window: put them first in a layer spec. */
  faultBands: Array<Record<string, unknown>>;
  /** The x encoding of a time field `timeS` (seconds), over [0, endS]. */
  timeAxis: Record<string, unknown>;
}

/** Plot width of every built-in chart, px. */
export const CHART_WIDTH = 760;

const NS_PER_S = 1e9;
/** Height of one line of band labels, px; overlapping labels go one line lower. */
const LABEL_LINE = 12;
/** Rough width of a label character at 10 px, for telling whether two labels would overlap. */
const LABEL_CHAR_PX = 6;

/** Fault colours, by the op that started it; others grey. */
const FAULT_COLOURS: Readonly<Record<string, string>> = {
  isolate: '#7b68ee',
  kill: '#d35400',
  pause: '#2e86c1',
};

export function faultColour(fault: string): string {
  return FAULT_COLOURS[fault] ?? '#777777';
}

export function chartContext(history: History): ChartContext {
  const endS = Math.max(historyEndNs(history) / NS_PER_S, 1e-3);
  const windows = faultWindows(history);
  const timeAxis = {
    field: 'timeS',
    type: 'quantitative',
    title: 'time since start (s)',
    scale: { domain: [0, round3(endS)], nice: false, zero: true },
  };
  return { endS, windows, faultBands: faultBands(windows, endS, timeAxis), timeAxis };
}

/**
 * A shaded rect per window and its label at the top, one label line per overlap. A label that
 * would run past the right edge ends at its window's end instead.
 */
function faultBands(
  windows: FaultWindow[],
  endS: number,
  timeAxis: Record<string, unknown>,
): Array<Record<string, unknown>> {
  if (windows.length === 0) return [];
  const placed = placeLabels(windows, CHART_WIDTH / endS);
  const values = windows.map((window, i) => ({
    timeS: round3(window.startNs / NS_PER_S),
    endS: round3(window.endNs / NS_PER_S),
    label: window.label,
    colour: faultColour(window.startOp),
    labelY: 2 + placed[i].lane * LABEL_LINE,
    anchor: placed[i].anchor,
  }));
  const label = (anchor: LabelAnchor, x: Record<string, unknown>) => ({
    data: { values },
    transform: [{ filter: { field: 'anchor', equal: anchor } }],
    mark: {
      type: 'text',
      align: anchor === 'start' ? 'left' : 'right',
      baseline: 'top',
      dx: anchor === 'start' ? 2 : -2,
      fontSize: 10,
    },
    encoding: {
      x,
      y: { field: 'labelY', type: 'quantitative', scale: null },
      text: { field: 'label', type: 'nominal' },
      fill: { field: 'colour', type: 'nominal', scale: null, legend: null },
    },
  });
  return [
    {
      data: { values },
      mark: { type: 'rect', opacity: 0.16 },
      encoding: {
        x: timeAxis,
        x2: { field: 'endS' },
        fill: { field: 'colour', type: 'nominal', scale: null, legend: null },
      },
    },
    label('start', timeAxis),
    label('end', { ...timeAxis, field: 'endS' }),
  ];
}

type LabelAnchor = 'start' | 'end';

/** Each label's side and line: the first line where it clears every earlier label. */
function placeLabels(
  windows: FaultWindow[],
  pxPerSecond: number,
): Array<{ lane: number; anchor: LabelAnchor }> {
  const laneEnds: number[] = [];
  return windows.map((window) => {
    const widthPx = window.label.length * LABEL_CHAR_PX;
    const startPx = (window.startNs / NS_PER_S) * pxPerSecond;
    const endPx = (window.endNs / NS_PER_S) * pxPerSecond;
    const anchor: LabelAnchor = startPx + widthPx > CHART_WIDTH && endPx - widthPx >= 0 ? 'end' : 'start';
    const from = anchor === 'start' ? startPx : endPx - widthPx;
    const to = anchor === 'start' ? Math.max(endPx, startPx + widthPx) : endPx;
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= from);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = to;
    return { lane, anchor };
  });
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
