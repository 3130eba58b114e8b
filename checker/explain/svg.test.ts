import { describe, expect, it } from 'vitest';
import { checkClaims } from '../consistency/claims.js';
import { history, read, VERSIONED, write } from '../consistency/testing.js';
import type { ClaimResult } from '../consistency/types.js';
import { escapeXml, renderTimelineHtml, renderTimelineSvg } from './svg.js';
import { explainClaim } from './text.js';

const backInTime = history(
  write(0, 3, 1, [0, 1]),
  write(0, 5, 2, [2, 3]),
  read(1, 5, 2, [4, 5]),
  read(1, 3, 1, [6, 7]),
  write(2, '<b>&"x"', 0, [8, Infinity]),
);
const sequential = async (ops = backInTime, graph = true): Promise<ClaimResult> =>
  (await checkClaims(ops, VERSIONED, { claims: ['sequential'], workers: 0, graph }))[0];
const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('explainClaim', () => {
  it('names the read, the overwrite and the session in one line, with times from the clock', async () => {
    const lines = explainClaim(await sequential(), { clock: (index) => index * 0.5e9 });
    expect(lines[0]).toBe(
      'process 1 read 3 (version 1) after the write of 5 (version 2) was already seen by the same session; no order allows it',
    );
    expect(lines).toContain('  process 1 read 3 (version 1) [ops 6→7, 3.00 s]');
  });

  it('explains a search counterexample and says nothing about a valid claim', async () => {
    const lines = explainClaim(await sequential(backInTime, false));
    expect(lines[0]).toMatch(/^no legal order can take next: process 1 read/);
    const valid = await sequential(history(write(0, 1, 1, [0, 1])));
    expect(explainClaim(valid)).toEqual([]);
  });
});

describe('renderTimelineSvg', () => {
  it('draws one row per process, one bar per op, and marks the illegal read', async () => {
    const svg = renderTimelineSvg(backInTime, await sequential());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(count(svg, /<g class="row"/g)).toBe(3);
    expect(count(svg, /<g class="bar/g)).toBe(5);
    expect(count(svg, /class="bar involved/g)).toBe(3);
    expect(svg).toMatch(/<g class="bar involved illegal" data-op="6"/);
    expect(count(svg, /class="mark"/g)).toBe(1);
    expect(svg).toContain('data-status="info"');
    expect(svg).toContain('fill="#e0a030"'); // the info bar's colour
  });

  it('escapes values in labels and tooltips', async () => {
    const svg = renderTimelineSvg(backInTime, await sequential());
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;&amp;\\&quot;x\\&quot;');
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('lists the attempted orders of a search counterexample with the state after each step', async () => {
    const svg = renderTimelineSvg(backInTime, await sequential(backInTime, false));
    expect(svg).toContain('attempted orders (state after each step):');
    expect(svg).toMatch(
      /\(state after each step\)[^]*→ ·: 5 at version 2[^]*✗ key ·: read 3 at version 1 but the node holds/,
    );
  });

  it('wraps the SVG in a self-contained HTML page', async () => {
    const html = renderTimelineHtml(backInTime, await sequential(), { title: 'run 7 & co' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>run 7 &amp; co</title>');
    expect(html).toContain('<svg ');
    expect(html).not.toMatch(/<script src|<link |url\(http/);
  });
});
