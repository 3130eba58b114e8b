import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistoryFile } from '../checker/history/read.js';
import type { History } from '../checker/history/types.js';
import { renderSvg, svgToPng, writeCharts, type RenderedChart } from './chart-render.js';
import { latencyChart, POINTS_LIMIT } from './chart-specs.js';
import { chartContext, type ChartContribution } from './charts.js';

const FIXTURE = join(import.meta.dirname, 'testdata/run-partition-pause/history.jsonl');

/** The fixture's faults, as the bands label them (results/fault-windows.ts). */
const BAND_LABELS = ['isolate n2 (leader)', 'pause? leader', 'isolate n1 (follower)'];

let history: History;
let dir: string;
let charts: RenderedChart[];
let failures: string[];

const oneRow: ChartContribution = {
  name: 'session-count',
  title: 'A workload chart',
  spec: (h, context) => ({
    width: 300,
    height: 100,
    layer: [
      ...context.faultBands,
      {
        data: { values: [{ timeS: 1, sessions: h.length > 0 ? 3 : 0 }] },
        mark: 'bar',
        encoding: { x: context.timeAxis, y: { field: 'sessions', type: 'quantitative' } },
      },
    ],
  }),
};

beforeAll(async () => {
  history = await readHistoryFile(FIXTURE);
  dir = mkdtempSync(join(tmpdir(), 'zkcheck-charts-'));
  ({ charts, failures } = await writeCharts(dir, history, [oneRow]));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const chart = (name: string) => charts.find((c) => c.name === name)!;
const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

describe('charts of a recorded history', () => {
  it('draws every built-in chart and a contributed one, with no failures', () => {
    expect(failures).toEqual([]);
    expect(charts.map((c) => c.name)).toEqual([
      'latency',
      'latency-quantiles',
      'throughput',
      'session-count',
    ]);
  });

  it('saves each spec next to its SVG and PNG, the spec carrying its data', () => {
    for (const { name } of charts) {
      for (const ext of ['.vl.json', '.svg', '.png'])
        expect(existsSync(join(dir, 'charts', name + ext))).toBe(true);
    }
    const spec = JSON.parse(readFileSync(join(dir, 'charts/latency.vl.json'), 'utf8'));
    expect(spec.$schema).toMatch(/vega-lite\/v6/);
    const points = spec.layer.at(-1).data.values;
    expect(points.length).toBe(
      history.filter((op) => op.process !== 'nemesis' && op.type === 'invoke').length,
    );
  });

  it('latency: a symbol per op, coloured by outcome, shaped by op kind', () => {
    const svg = chart('latency').svg;
    const ops = history.filter((op) => op.process !== 'nemesis' && op.type === 'invoke').length;
    // Each symbol is its own path in vega's symbol group.
    const symbols = svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g) ?? [];
    expect(symbols.length).toBeGreaterThan(0);
    expect(count(symbols.join(''), /<path /g)).toBe(ops);
    for (const legend of ['ok', 'fail', 'info', 'read', 'write', 'cas'])
      expect(svg).toContain(`>${legend}</text>`);
  });

  it('quantiles and throughput: a line per quantile or outcome, in a panel per op kind', () => {
    const quantiles = chart('latency-quantiles').svg;
    for (const q of ['p50', 'p95', 'p99', 'max']) expect(quantiles).toContain(`>${q}</text>`);
    // vega draws each series as a mark group of its own: 3 panels of 4 quantiles.
    expect(count(quantiles, /class="mark-line role-mark/g)).toBe(3 * 4);
    const throughput = chart('throughput').svg;
    for (const f of ['read (ops/s)', 'write (ops/s)', 'cas (ops/s)'])
      expect(throughput).toContain(`>${f}</text>`);
  });

  it('shades and labels the same fault windows on every chart', () => {
    for (const { name, svg } of charts) {
      for (const label of BAND_LABELS) expect(svg, `${name}: ${label}`).toContain(`>${label}</text>`);
      expect(count(svg, /class="mark-rect role-mark/g), name).toBeGreaterThan(0);
    }
    // The contributed chart has one panel: one band per fault.
    const bands = chart('session-count').svg.match(
      /<g class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/,
    )![1];
    expect(count(bands, /<path /g)).toBe(BAND_LABELS.length);
  });

  it('writes PNGs whose text is drawn (the bundled font is loaded)', async () => {
    const svg = chart('latency').svg;
    const png = readFileSync(join(dir, 'charts/latency.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const withoutText = await svgToPng(stripText(svg));
    expect(textPixels(png, withoutText)).toBeGreaterThan(2000);
  });

  it('would notice text lost for want of a font (the check can fail)', () => {
    const svg = chart('latency').svg;
    const noFont = (text: string) =>
      new Resvg(text, {
        background: 'white',
        fitTo: { mode: 'zoom', value: 2 },
        font: { loadSystemFonts: false },
      })
        .render()
        .asPng();
    expect(textPixels(noFont(svg), noFont(stripText(svg)))).toBe(0);
  });

  it('bins a long history instead of drawing each op', () => {
    const ops: History = [];
    for (let i = 0; i < POINTS_LIMIT + 10; i++) {
      const time = i * 1e6;
      ops.push({ index: ops.length, time, process: i % 4, type: 'invoke', f: 'read', value: null });
      ops.push({
        index: ops.length,
        time: time + 5e5 + (i % 7) * 1e5,
        process: i % 4,
        type: 'ok',
        f: 'read',
        value: 1,
      });
    }
    const spec = latencyChart.spec(ops, chartContext(ops)) as {
      layer: Array<{ data: { values: unknown[] } }>;
    };
    const cells = spec.layer.at(-1)!.data.values as Array<{ count: number }>;
    expect(cells.length).toBeLessThan((POINTS_LIMIT + 10) / 10);
    expect(cells.reduce((sum, cell) => sum + cell.count, 0)).toBe(POINTS_LIMIT + 10);
  });

  it('renders a spec to SVG without a browser', async () => {
    const svg = await renderSvg({
      data: { values: [{ a: 1 }] },
      mark: 'bar',
      encoding: { y: { field: 'a' } },
    });
    expect(svg).toMatch(/^<svg[^>]+class="marks"/);
  });
});

function stripText(svg: string): string {
  return svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
}

/** Pixels that differ between two PNGs of one size (decoded by resvg, as an embedded image). */
function textPixels(withText: Buffer, withoutText: Buffer): number {
  const a = decode(withText);
  const b = decode(withoutText);
  expect(a.length).toBe(b.length);
  let differing = 0;
  for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i] - b[i]) > 64) differing++;
  return differing;
}

function decode(png: Buffer): Buffer {
  const size = (offset: number) => png.readUInt32BE(offset);
  const [width, height] = [size(16), size(20)];
  const wrapper =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">` +
    `<image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return new Resvg(wrapper).render().pixels;
}
