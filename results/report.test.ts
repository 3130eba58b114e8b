import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunReport, type RunReport } from './report.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-report-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of a stored run to write into (the fixtures stay as they are). */
function copyOf(fixture: string, as: string): string {
  const dir = join(scratch, as);
  cpSync(join(TESTDATA, fixture), dir, { recursive: true });
  return dir;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('report.html of a stored run', () => {
  let dir: string;
  let written: RunReport;
  let html: string;

  beforeAll(async () => {
    dir = copyOf('run-partition-pause', 'plain');
    written = await writeRunReport(dir);
    html = readFileSync(written.report, 'utf8');
  }, 60_000);

  it('writes report.html and the charts into the run dir', () => {
    expect(written.report).toBe(join(dir, 'report.html'));
    expect(written.problems).toEqual([]);
    expect(written.charts).toHaveLength(9);
    for (const file of written.charts) expect(existsSync(file), file).toBe(true);
  });

  it("says each claim's verdict, and the note of each claim ZooKeeper does not promise", () => {
    const results = readJson(join(dir, 'results.json'));
    expect(html).toContain('<p class="banner valid">verdict: valid</p>');
    const rows = [
      ...html.matchAll(/<tr class="claim" data-claim="([^"]+)" data-valid="([^"]+)">([\s\S]*?)<\/tr>/g),
    ];
    expect(rows.map((row) => row[1])).toEqual(results.claims.map((claim: { claim: string }) => claim.claim));
    for (const claim of results.claims) {
      const row = rows.find((r) => r[1] === claim.claim)![3];
      const word = claim.valid === true ? 'valid' : claim.valid === false ? 'INVALID' : 'unknown';
      expect(row).toContain(`>${word}</span>`);
      expect(row).toContain(claim.promised ? '<td>promised</td>' : '<td>not promised</td>');
      if (claim.note) expect(row).toContain(claim.note.replace(/'/g, '&#39;'));
    }
  });

  it('shows the evidence of the broken claim: its explanation and its counterexample page', () => {
    const broken = readJson(join(dir, 'results.json')).claims.find(
      (c: { valid: unknown }) => c.valid === false,
    );
    const section = html.slice(html.indexOf(`<section class="evidence" id="claim-${broken.claim}">`));
    expect(section).toContain(escape(broken.explanation[0]));
    expect(section).toMatch(/<iframe class="counterexample" sandbox [^>]*srcdoc="&lt;!doctype html&gt;/);
    expect(section).toContain(`<a href="counterexamples/${broken.claim}.html">`);
  });

  it('gives the parameters, versions, seed and the command that runs the test again', () => {
    const test = readJson(join(dir, 'test.json'));
    expect(html).toContain(
      '<code>zkcheck run --name n-part-pause --nemesis partition,pause --concurrency 6 --rate 60 --time-limit 10 ' +
        '--nemesis-interval 1 --nemesis-duration 2 --recovery 2 --store /tmp/chart-new --read-mode plain ' +
        '--threads-per-key 5 --ops-per-key 300 --read-share 0.5 --partition-targets minority ' +
        `--pause-targets leader --seed ${test.seed}</code>`,
    );
    for (const fact of [test.zkcheckVersion, test.zookeeper.version, test.provider, test.zookeeper.source]) {
      expect(html).toContain(`<td>${escape(fact)}</td>`);
    }
  });

  it('inlines each chart as SVG, with the fault bands', () => {
    const figures = [...html.matchAll(/<figure class="chart" id="chart-([\w-]+)">\s*<svg[\s\S]*?<\/svg>/g)];
    expect(figures.map((figure) => figure[1])).toEqual(['latency', 'latency-quantiles', 'throughput']);
    for (const [figure] of figures) expect(figure).toContain('>isolate n2 (leader)</text>');
    // Vega numbers clip paths from 1 in every chart: inline, each must keep its own.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws the first timeline page, with the data for the rest inside the page', () => {
    const data = JSON.parse(
      /<script type="application\/json" id="timeline-data">([^<]*)<\/script>/.exec(html)![1],
    );
    const history = readFileSync(join(dir, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const invokes = history.filter((op) => op.process !== 'nemesis' && op.type === 'invoke');
    expect(data.ops.s).toHaveLength(invokes.length);
    const view = /<div id="timeline-view">([\s\S]*?)<\/div>/.exec(html)![1];
    expect(view).toMatch(/^<svg[^>]+class="timeline"/);
    expect(view.match(/<rect class="op /g)!.length).toBeGreaterThan(0);
  });

  it("pages the timeline with the page's own script", () => {
    const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
    const data = /<script type="application\/json" id="timeline-data">([^<]*)<\/script>/.exec(html)![1];
    const elements: Record<string, Record<string, unknown>> = {
      'timeline-data': { textContent: data },
      'timeline-view': {},
      'timeline-page': {},
      'timeline-where': {},
      'timeline-prev': {},
      'timeline-next': {},
    };
    new Function('document', script)({ getElementById: (id: string) => elements[id] ?? null });
    const pages = JSON.parse(data).pages.length;
    expect(elements['timeline-where'].textContent).toMatch(new RegExp(`^of ${pages}, `));
    const firstPage = elements['timeline-view'].innerHTML;
    (elements['timeline-next'].onclick as () => void)();
    expect(elements['timeline-page'].value).toBe(pages > 1 ? '2' : '1');
    if (pages > 1) expect(elements['timeline-view'].innerHTML).not.toBe(firstPage);
  });

  it('tabulates op counts and latencies from results.json', () => {
    const stats = readJson(join(dir, 'results.json')).stats;
    const read = stats.byF.read;
    expect(html).toContain(
      `<tr><td>read</td><td class="num">${read.ok}</td><td class="num">${read.fail}</td><td class="num">${read.info}</td>`,
    );
    expect(html).toContain(`<tr><td>all</td><td class="num">${stats.latencyMs.all.count}</td>`);
  });

  it('links the history, the logs and the other files by relative paths that exist', () => {
    for (const file of ['history.jsonl', 'nemesis.log', 'nodes/n1.log', 'nodes/n3.log', 'zkcheck.log']) {
      expect(html).toContain(`<a href="${file}">`);
    }
    for (const link of links(html)) {
      if (link.startsWith('#')) expect(html, link).toContain(`id="${link.slice(1)}"`);
      else expect(existsSync(join(dir, link)), link).toBe(true);
    }
  });

  it('loads nothing from outside the file', () => {
    expect(links(html).filter((link) => /^([a-z][a-z0-9+.-]*:|\/)/i.test(link))).toEqual([]);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*\shref=|@import|url\(\s*['"]?(https?:)?\/\//i);
    expect([...html.matchAll(/<script\b/g)]).toHaveLength(2);
  });

  it('is well-formed: every element closed, in order', () => {
    expect(unbalancedTags(html)).toEqual([]);
    // The check itself can fail.
    expect(unbalancedTags('<div><span></div>')).toEqual(['</div> closes <span> at 11', '<div> never closed']);
    expect(unbalancedTags('<svg><path d="M0,0"/><br></svg><p>')).toEqual(['<p> never closed']);
  });
});

describe('report.html of unusual runs', () => {
  it('escapes whatever the config, the history and the results hold', async () => {
    const dir = copyOf('run-partition-leader', 'hostile');
    const evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const test = readJson(join(dir, 'test.json'));
    test.name = evil;
    test.config.store = evil;
    writeFileSync(join(dir, 'test.json'), JSON.stringify(test));
    const results = readJson(join(dir, 'results.json'));
    results.claims[0].note = evil;
    results.stats.byF[evil] = { ok: 1, fail: 0, info: 0 };
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    const lines = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n');
    const first = JSON.parse(lines[0]);
    lines.push(
      JSON.stringify({ ...first, index: lines.length, type: 'invoke', process: 99, f: evil, value: evil }),
    );
    writeFileSync(join(dir, 'history.jsonl'), `${lines.join('\n')}\n`);

    const html = readFileSync((await writeRunReport(dir)).report, 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect([...html.matchAll(/<script\b/g)]).toHaveLength(2);
    expect(html).toContain('--store &#39;&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(unbalancedTags(html)).toEqual([]);
  }, 60_000);

  it('says a run without results.json was not checked, and still draws what it has', async () => {
    const dir = copyOf('run-partition-leader', 'unchecked');
    rmSync(join(dir, 'results.json'));
    rmSync(join(dir, 'counterexamples'), { recursive: true });
    const written = await writeRunReport(dir);
    const html = readFileSync(written.report, 'utf8');
    expect(html).toContain('Not checked: the run has no results.json');
    expect(html).toContain('>isolate? leader</text>');
    expect(unbalancedTags(html)).toEqual([]);
  }, 60_000);
});

function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Every src and href in the page (attribute values are quoted by the report). */
function links(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
}

const VOID = new Set([
  'meta',
  'link',
  'br',
  'hr',
  'img',
  'input',
  'col',
  'area',
  'base',
  'embed',
  'source',
  'wbr',
]);

/**
 * Tags left open or closed out of order, by a small tokenizer: script and style bodies are
 * skipped, `/>` closes an element (SVG), void elements need no end tag. Empty when balanced.
 */
function unbalancedTags(html: string): string[] {
  const body = html.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/g, '');
  const problems: string[] = [];
  const open: string[] = [];
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g)) {
    const [, closing, rawName, rest] = match;
    const name = rawName.toLowerCase();
    if (closing) {
      const top = open.pop();
      if (top !== name) problems.push(`</${name}> closes <${top ?? 'nothing'}> at ${match.index}`);
    } else if (!rest.trimEnd().endsWith('/') && !VOID.has(name)) {
      open.push(name);
    }
  }
  return [...problems, ...open.map((name) => `<${name}> never closed`)];
}
