/**
 * The report's timeline, like Jepsen's timeline.html turned on its side: a row per process, a bar
 * per op from invoke to completion coloured by outcome, and the fault windows shaded behind.
 * Long histories are paged by time, each page a slice holding at most PAGE_OPS invokes.
 *
 * The ops travel in the report as compact JSON; one small script draws a page as SVG. The same
 * script draws the first page when the report is written, so the report shows it even with
 * scripts off, and the tests read what a browser would draw.
 */
import type { History, Op } from '../checker/history/types.js';
import { faultColour } from './charts.js';
import type { FaultWindow } from './fault-windows.js';
import { errorName } from './stats.js';

/** Invokes per page: enough to see a fault's effect, few enough to tell the bars apart. */
export const PAGE_OPS = 400;
/** The timeline carries at most this many ops; the rest of the history is left to history.jsonl. */
export const TIMELINE_MAX_OPS = 200_000;
/** Past this many ops the tooltips lose the values, to keep the report small. */
const DETAIL_MAX_OPS = 50_000;
const DETAIL_CHARS = 80;
const NS_PER_MS = 1e6;

/** Columns, one entry per op: the report's JSON stays small for long histories. */
export interface TimelineData {
  /** Process labels, in row order. */
  processes: string[];
  fs: string[];
  ops: {
    /** Index into processes. */
    p: number[];
    /** Invoke time, ms since the start. */
    s: number[];
    /** Completion time, ms; -1 when the op never completed. */
    e: number[];
    /** 0 ok, 1 fail, 2 info. */
    o: number[];
    /** Index into fs. */
    f: number[];
    /** The invoke's index in the history. */
    i: number[];
    /** Values and error, for the tooltip ('' when left out). */
    d: string[];
  };
  /** [start, end] in ms of each page. */
  pages: Array<[number, number]>;
  windows: Array<{ s: number; e: number; colour: string; label: string }>;
  /** Ops in the history beyond TIMELINE_MAX_OPS, left out. */
  omitted: number;
}

interface PairedOp {
  invoke: Op;
  completion?: Op;
}

export function timelineData(history: History, windows: readonly FaultWindow[]): TimelineData {
  const all = pairClientOps(history);
  const paired = all.slice(0, TIMELINE_MAX_OPS);
  const processes = [...new Set(paired.map((op) => op.invoke.process as number))].sort((a, b) => a - b);
  const processRow = new Map(processes.map((process, row) => [process, row]));
  const fs = [...new Set(paired.map((op) => op.invoke.f))];
  const withDetail = paired.length <= DETAIL_MAX_OPS;
  const ops: TimelineData['ops'] = { p: [], s: [], e: [], o: [], f: [], i: [], d: [] };
  for (const { invoke, completion } of paired) {
    ops.p.push(processRow.get(invoke.process as number)!);
    ops.s.push(ms(invoke.time));
    ops.e.push(completion && completion.time >= 0 ? ms(completion.time) : -1);
    ops.o.push(completion?.type === 'ok' ? 0 : completion?.type === 'fail' ? 1 : 2);
    ops.f.push(fs.indexOf(invoke.f));
    ops.i.push(invoke.index);
    ops.d.push(withDetail ? detail(invoke, completion) : '');
  }
  return {
    processes: processes.map(String),
    fs,
    ops,
    pages: pagesOf(ops.s, ops.e),
    windows: windows.map((window) => ({
      s: ms(window.startNs),
      e: ms(window.endNs),
      colour: faultColour(window.startOp),
      label: window.label,
    })),
    omitted: all.length - paired.length,
  };
}

/** Each client invoke with the next completion of its process, in invoke order; timeless ops left out. */
function pairClientOps(history: History): PairedOp[] {
  const paired: PairedOp[] = [];
  const open = new Map<number, PairedOp>();
  for (const op of history) {
    if (op.process === 'nemesis' || op.time < 0) continue;
    if (op.type === 'invoke') {
      const entry = { invoke: op };
      open.set(op.process, entry);
      paired.push(entry);
      continue;
    }
    const entry = open.get(op.process);
    if (!entry) continue;
    entry.completion = op;
    open.delete(op.process);
  }
  return paired.sort((a, b) => a.invoke.time - b.invoke.time);
}

/** Time slices of at most PAGE_OPS invokes each, covering the first invoke to the last end. */
function pagesOf(starts: readonly number[], ends: readonly number[]): Array<[number, number]> {
  if (starts.length === 0) return [[0, 1]];
  let last = starts[starts.length - 1];
  for (const end of ends) if (end > last) last = end;
  const pages: Array<[number, number]> = [];
  for (let first = 0; first < starts.length; first += PAGE_OPS) {
    const next = first + PAGE_OPS;
    const pageEnd = next < starts.length ? starts[next] : last;
    pages.push([starts[first], Math.max(pageEnd, starts[first] + 1)]);
  }
  return pages;
}

function detail(invoke: Op, completion: Op | undefined): string {
  const input = text(invoke.value);
  if (!completion) return clip(`${input} → never completed`);
  if (completion.type === 'ok') return clip(`${input} → ${text(completion.value)}`);
  const error =
    completion.error === undefined || completion.error === null ? '' : ` ${errorName(completion.error)}`;
  return clip(`${input} → ${completion.type}${error}`);
}

function text(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

function clip(value: string): string {
  return value.length <= DETAIL_CHARS ? value : `${value.slice(0, DETAIL_CHARS - 1)}…`;
}

function ms(ns: number): number {
  return Math.round((ns / NS_PER_MS) * 10) / 10;
}

/**
 * `timelineSvg(data, page)`: one page of the timeline as SVG markup. Plain JavaScript (it runs in
 * the report as it stands), and every text it writes goes through `esc`.
 */
export const TIMELINE_SVG_JS = String.raw`
function timelineSvg(data, page) {
  var W = 1100, LEFT = 64, RIGHT = 12, TOP = 40, ROW = 18, AXIS = 28;
  var COLOURS = ['#4c9a5e', '#c0392b', '#e0a030'];
  var OUTCOMES = ['ok', 'fail', 'info'];
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  var range = data.pages[page], t0 = range[0], t1 = range[1];
  var ops = data.ops, shown = [], rowOf = {}, rows = [];
  for (var k = 0; k < ops.s.length; k++) {
    var end = ops.e[k] < 0 ? Infinity : ops.e[k];
    if (ops.s[k] < t1 && end >= t0) shown.push(k);
    else if (ops.s[k] >= t1) break;
  }
  shown.forEach(function (k) { if (!(ops.p[k] in rowOf)) { rowOf[ops.p[k]] = true; rows.push(ops.p[k]); } });
  rows.sort(function (a, b) { return a - b; });
  rows.forEach(function (p, r) { rowOf[p] = r; });
  var height = TOP + rows.length * ROW + AXIS;
  function x(t) { return LEFT + (Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0) * (W - LEFT - RIGHT); }
  var out = ['<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="' + W + '" height="' + height +
    '" viewBox="0 0 ' + W + ' ' + height + '" font-family="sans-serif" font-size="11">'];
  data.windows.forEach(function (w) {
    if (w.e < t0 || w.s > t1) return;
    var colour = w.colour;
    var left = x(w.s), right = Math.max(x(w.e), left + 2);
    out.push('<g class="fault"><title>' + esc(w.label) + '</title><rect x="' + left.toFixed(1) + '" y="' + (TOP - 22) +
      '" width="' + (right - left).toFixed(1) + '" height="' + (rows.length * ROW + 22) + '" fill="' + esc(colour) +
      '" fill-opacity="0.15"/><text x="' + (left + 2).toFixed(1) + '" y="' + (TOP - 10) + '" fill="' + esc(colour) + '">' +
      esc(w.label) + '</text></g>');
  });
  rows.forEach(function (p, r) {
    var y = TOP + r * ROW + ROW / 2;
    out.push('<line x1="' + LEFT + '" x2="' + (W - RIGHT) + '" y1="' + y + '" y2="' + y + '" stroke="#eee"/>' +
      '<text x="4" y="' + (y + 4) + '">p ' + esc(data.processes[p]) + '</text>');
  });
  shown.forEach(function (k) {
    var open = ops.e[k] < 0, left = x(ops.s[k]), right = open ? x(t1) : Math.max(x(ops.e[k]), left + 2);
    var y = TOP + rowOf[ops.p[k]] * ROW + 3, f = data.fs[ops.f[k]];
    var latency = open ? 'never completed' : (ops.e[k] - ops.s[k]).toFixed(1) + ' ms';
    var tip = 'process ' + data.processes[ops.p[k]] + ' ' + f + ' ' + ops.d[k] + '\n' + OUTCOMES[ops.o[k]] +
      ', op ' + ops.i[k] + ', at ' + (ops.s[k] / 1000).toFixed(3) + ' s, ' + latency;
    out.push('<rect class="op ' + OUTCOMES[ops.o[k]] + '" x="' + left.toFixed(1) + '" y="' + y + '" width="' +
      (right - left).toFixed(1) + '" height="' + (ROW - 6) + '" rx="2" fill="' + COLOURS[ops.o[k]] + '"' +
      (open ? ' fill-opacity="0.5"' : '') + '><title>' + esc(tip) + '</title></rect>');
  });
  var span = (t1 - t0) / 1000, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
  if (span / step > 20) step *= 5; else if (span / step > 8) step *= 2;
  var axisY = TOP + rows.length * ROW + 4;
  out.push('<line x1="' + LEFT + '" x2="' + (W - RIGHT) + '" y1="' + axisY + '" y2="' + axisY + '" stroke="#999"/>');
  for (var t = Math.ceil(t0 / 1000 / step) * step; t * 1000 <= t1; t += step) {
    var tx = x(t * 1000).toFixed(1);
    out.push('<line x1="' + tx + '" x2="' + tx + '" y1="' + axisY + '" y2="' + (axisY + 4) + '" stroke="#999"/>' +
      '<text x="' + tx + '" y="' + (axisY + 16) + '" text-anchor="middle">' + Number(t.toFixed(6)) + ' s</text>');
  }
  out.push('</svg>');
  return out.join('');
}
`;

/** The report's glue: buttons and a page number that redraw the view with timelineSvg. */
export const TIMELINE_PAGER_JS = String.raw`
(function () {
  var source = document.getElementById('timeline-data');
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var view = document.getElementById('timeline-view');
  var number = document.getElementById('timeline-page');
  var where = document.getElementById('timeline-where');
  var page = 0;
  function show(next) {
    page = Math.max(0, Math.min(data.pages.length - 1, next));
    view.innerHTML = timelineSvg(data, page);
    number.value = String(page + 1);
    var range = data.pages[page];
    where.textContent = 'of ' + data.pages.length + ', ' + (range[0] / 1000).toFixed(3) + '–' +
      (range[1] / 1000).toFixed(3) + ' s';
  }
  document.getElementById('timeline-prev').onclick = function () { show(page - 1); };
  document.getElementById('timeline-next').onclick = function () { show(page + 1); };
  number.onchange = function () { show(Number(number.value) - 1); };
  show(0);
})();
`;

type PageRenderer = (data: TimelineData, page: number) => string;

/** The browser's renderer, run here: the report's first page, drawn by the code that draws the rest. */
export const renderTimelinePage: PageRenderer = new Function(`${TIMELINE_SVG_JS}; return timelineSvg;`)();
