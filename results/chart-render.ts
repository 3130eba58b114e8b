/**
 * Chart specs to files: vega-lite compiled to vega, rendered server-side to SVG (no canvas, no
 * browser), and the SVG to PNG with resvg. resvg draws text only with a font it can load, and
 * machines without fonts exist: the DejaVu Sans shipped in the `dejavu-fonts-ttf` package is
 * loaded by path, so a PNG never loses its text.
 *
 * Each chart is saved as `charts/<name>.vl.json` (the spec with its data, to open in the vega
 * editor), `.svg` and `.png`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { History } from '../checker/history/types.js';
import { BUILT_IN_CHARTS } from './chart-specs.js';
import { chartContext, type ChartContribution, type VegaLiteSpec } from './charts.js';

export interface RenderedChart {
  name: string;
  title: string;
  spec: VegaLiteSpec;
  svg: string;
  /** Absolute paths of the .vl.json, .svg and .png written. */
  files: string[];
}

const CHART_NAME = /^[A-Za-z0-9_-]+$/;
/** PNGs at twice the SVG's size: sharp on high-density screens and in documents. */
const PNG_SCALE = 2;

/** SVG markup of a vega-lite spec, rendered without a browser. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // vega and vega-lite are ESM with top-level await, and heavy: loaded on first use only.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A PNG of an SVG, its text drawn in the bundled DejaVu Sans (system fonts are not consulted). */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: {
      fontFiles: [bundledFont()],
      loadSystemFonts: false,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}

/** The path of DejaVuSans.ttf inside node_modules. */
export function bundledFont(): string {
  return createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
}

/**
 * Renders every chart of a history into `<runDir>/charts/`: the built-in ones, then `extra`
 * (a workload's own). A chart whose spec throws or does not render is skipped and reported in
 * `failures`, so one bad contribution never costs the run its other charts.
 */
export async function writeCharts(
  runDir: string,
  history: History,
  extra: readonly ChartContribution[] = [],
): Promise<{ charts: RenderedChart[]; failures: string[] }> {
  const dir = join(runDir, 'charts');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    // Something else holds the name (a file called charts): the report goes out without charts.
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { charts: [], failures: [`charts: cannot make ${dir} (${code})`] };
  }
  const context = chartContext(history);
  const charts: RenderedChart[] = [];
  const failures: string[] = [];
  for (const contribution of [...BUILT_IN_CHARTS, ...extra]) {
    try {
      if (!CHART_NAME.test(contribution.name)) throw new Error('a chart name may hold only A-Z a-z 0-9 _ -');
      const spec = contribution.spec(history, context);
      const svg = await renderSvg(spec);
      const files = [
        `${contribution.name}.vl.json`,
        `${contribution.name}.svg`,
        `${contribution.name}.png`,
      ].map((file) => join(dir, file));
      writeFileSync(files[0], `${JSON.stringify(spec, null, 1)}\n`);
      writeFileSync(files[1], svg);
      writeFileSync(files[2], await svgToPng(svg));
      charts.push({ name: contribution.name, title: contribution.title, spec, svg, files });
    } catch (error) {
      failures.push(`chart ${JSON.stringify(contribution.name)}: ${(error as Error).message}`);
    }
  }
  return { charts, failures };
}
