/**
 * A broken claim drawn as a standalone SVG (and an HTML page embedding it, no external assets):
 * one row per process, each op a bar from invoke to completion coloured by outcome, the ops of
 * the cycle, conflict or counterexample outlined, the illegal step marked with ✗, and <title>
 * tooltips with each op's values. Under the chart: the text explanation, and for a search
 * counterexample the attempted orders with the state after each step. Pure strings, no DOM.
 */
import type { Operation } from '../history/types.js';
import type { ClaimResult } from '../consistency/types.js';
import { render } from '../models/values.js';
import { explainClaim, opLabel, type Clock } from './text.js';

export interface TimelineOptions {
  clock?: Clock;
  title?: string;
}

const COLOURS = { ok: '#4c9a5e', info: '#e0a030', fail: '#c0392b' } as const;
const ROW = 28;
const LEFT = 90;
const WIDTH = 900;
const LINE = 16;

export function renderTimelineSvg(
  ops: Operation[],
  result: ClaimResult,
  options: TimelineOptions = {},
): string {
  const processes = [...new Set(ops.map((op) => op.process))].sort((a, b) => a - b);
  const { involved, illegal } = evidenceOps(result);
  const finite = ops.flatMap((op) => (op.ret === Infinity ? [op.call] : [op.call, op.ret]));
  // The axis spans the ops drawn (a window deep into a long history is not squeezed to the edge).
  const start = finite.length > 0 ? Math.min(...finite) - 1 : 0;
  const end = Math.max(...finite, start + 1) + 1;
  const x = (position: number) =>
    LEFT + ((Math.min(position, end) - start) / (end - start)) * (WIDTH - LEFT - 20);
  const top = 40;
  const rows = processes.map((process, i) => row(process, top + i * ROW));
  const bars = ops.map((op) =>
    bar(op, top + processes.indexOf(op.process) * ROW, x, involved, illegal, options),
  );
  const notes = [...explainClaim(result, { clock: options.clock }), ...attemptedOrders(result)];
  const notesTop = top + processes.length * ROW + 30;
  const height = notesTop + notes.length * LINE + 20;
  const title = options.title ?? `${result.title}: ${verdictWord(result)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    legend(),
    ...rows,
    ...bars,
    ...notes.map(
      (text, i) =>
        `<text class="note" x="10" y="${notesTop + i * LINE}" xml:space="preserve">${escapeXml(text)}</text>`,
    ),
    '</svg>',
  ].join('\n');
}

/** The SVG in a self-contained HTML page. */
export function renderTimelineHtml(
  ops: Operation[],
  result: ClaimResult,
  options: TimelineOptions = {},
): string {
  const title = options.title ?? `${result.title}: ${verdictWord(result)}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:1em}svg .bar:hover{opacity:.75}</style>',
    '</head><body>',
    renderTimelineSvg(ops, result, options),
    '</body></html>',
  ].join('\n');
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function verdictWord(result: ClaimResult): string {
  return result.valid === true ? 'valid' : result.valid === false ? 'INVALID' : 'unknown';
}

/** The ops the evidence names, and the one whose step is illegal. */
/** The history (invoke) indices of the ops a broken claim rests on, and the one that is illegal. */
export function evidenceOps(result: ClaimResult): { involved: Set<number>; illegal?: number } {
  if (result.cycle) {
    const steps = result.cycle.steps;
    // The read that must precede the overwrite of what it read is where the order breaks.
    const read = steps.find((step) => step.edge === 'rw') ?? steps[0];
    return { involved: new Set(steps.map((step) => step.op.invokeIndex)), illegal: read.op.invokeIndex };
  }
  if (result.conflict) {
    const ops = result.conflict.ops;
    return { involved: new Set(ops.map((op) => op.invokeIndex)), illegal: ops.at(-1)?.invokeIndex };
  }
  if (result.evidence) {
    const ops = result.evidence;
    return { involved: new Set(ops.map((op) => op.invokeIndex)), illegal: ops[0]?.invokeIndex };
  }
  const example = result.counterexample;
  if (example) {
    const ops = [example.op, ...(example.previousOk ? [example.previousOk] : [])];
    return { involved: new Set(ops.map((op) => op.invokeIndex)), illegal: example.op.invokeIndex };
  }
  return { involved: new Set() };
}

function row(process: number, y: number): string {
  return (
    `<g class="row" data-process="${process}"><line x1="${LEFT}" x2="${WIDTH - 10}" y1="${y + ROW / 2}" y2="${y + ROW / 2}" stroke="#ddd"/>` +
    `<text x="10" y="${y + ROW / 2 + 4}">process ${process}</text></g>`
  );
}

function bar(
  op: Operation,
  y: number,
  x: (position: number) => number,
  involved: Set<number>,
  illegal: number | undefined,
  options: TimelineOptions,
): string {
  const left = x(op.call);
  const right = op.ret === Infinity ? x(Infinity) : Math.max(x(op.ret), left + 4);
  const marked = involved.has(op.invokeIndex);
  const stroke = marked ? ' stroke="#111" stroke-width="2.5"' : '';
  const dashed = op.status === 'info' ? ' stroke-dasharray="4 2" fill-opacity="0.6"' : '';
  const tooltip = `${opLabel(op, { clock: options.clock })}\ninput ${render(op.input, 200)}\noutput ${
    op.status === 'info' ? 'unknown (info)' : render(op.output, 200)
  }`;
  const label = `${op.f} ${render(op.f === 'read' ? readShown(op.output) : op.input, 16)}`;
  const parts = [
    `<g class="bar${marked ? ' involved' : ''}${op.invokeIndex === illegal ? ' illegal' : ''}" data-op="${op.invokeIndex}" data-status="${op.status}">`,
    `<title>${escapeXml(tooltip)}</title>`,
    `<rect x="${left.toFixed(1)}" y="${y + 5}" width="${(right - left).toFixed(1)}" height="${ROW - 10}" rx="3" fill="${COLOURS[op.status]}"${stroke}${dashed}/>`,
    `<text x="${(left + 3).toFixed(1)}" y="${y + ROW / 2 + 4}" font-size="10" fill="#fff">${escapeXml(label)}</text>`,
  ];
  if (op.invokeIndex === illegal)
    parts.push(
      `<text class="mark" x="${(right + 3).toFixed(1)}" y="${y + ROW / 2 + 5}" fill="#c0392b" font-size="16">✗</text>`,
    );
  parts.push('</g>');
  return parts.join('');
}

function readShown(output: unknown): unknown {
  return output !== null && typeof output === 'object' && 'value' in output
    ? (output as { value: unknown }).value
    : output;
}

function legend(): string {
  return Object.entries(COLOURS)
    .map(
      ([status, colour], i) =>
        `<g class="legend"><rect x="${WIDTH - 240 + i * 75}" y="10" width="12" height="12" fill="${colour}"/>` +
        `<text x="${WIDTH - 224 + i * 75}" y="20">${status}</text></g>`,
    )
    .join('');
}

/** A search counterexample's attempted orders: each step with the state after it. */
function attemptedOrders(result: ClaimResult): string[] {
  const paths = result.counterexample?.finalPaths ?? [];
  if (paths.length === 0) return [];
  const lines = ['attempted orders (state after each step):'];
  for (const path of paths.slice(0, 3)) {
    for (const step of path) {
      const after = step.inconsistency ? `✗ ${step.inconsistency}` : `→ ${step.state ?? '?'}`;
      lines.push(`  ${opLabel(step.op)} ${after}`);
    }
    lines.push('');
  }
  return lines;
}
