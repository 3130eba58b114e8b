import { describe, expect, it } from 'vitest';
import type { History, Op } from '../checker/history/types.js';
import { faultWindows } from './fault-windows.js';
import {
  PAGE_OPS,
  renderTimelinePage,
  TIMELINE_MAX_OPS,
  TIMELINE_PAGER_JS,
  timelineData,
} from './report-timeline.js';

type Step = [ms: number, process: Op['process'], type: Op['type'], f: string, value: unknown];

function history(...steps: Step[]): History {
  return historyOf(steps);
}

/** The same, from an array: a long history is too many arguments for a call. */
function historyOf(steps: Step[]): History {
  return steps.map(([ms, process, type, f, value], index) => ({
    index,
    time: ms * 1e6,
    process,
    type,
    f,
    value,
  }));
}

/** `n` reads, one after another on process `n mod 3`, 10 ms apart, each taking 4 ms. */
function reads(n: number): History {
  const steps: Step[] = [];
  for (let i = 0; i < n; i++) {
    steps.push([i * 10, i % 3, 'invoke', 'read', null], [i * 10 + 4, i % 3, 'ok', 'read', i]);
  }
  return historyOf(steps);
}

const bars = (svg: string) => [...svg.matchAll(/<rect class="op (ok|fail|info)"/g)].map((m) => m[1]);

describe('timeline', () => {
  it('draws a row per process and a bar per op, coloured by outcome', () => {
    const h = history(
      [0, 0, 'invoke', 'write', 1],
      [1, 1, 'invoke', 'read', null],
      [3, 0, 'ok', 'write', 1],
      [4, 1, 'fail', 'read', null],
      [5, 2, 'invoke', 'cas', [1, 2]],
      [9, 0, 'invoke', 'read', null],
      [10, 0, 'ok', 'read', 1],
    );
    const svg = renderTimelinePage(timelineData(h, []), 0);
    expect(bars(svg)).toEqual(['ok', 'fail', 'info', 'ok']);
    expect(svg).toContain('>p 0</text>');
    expect(svg).toContain('>p 2</text>');
    // The cas never completed: faded, and its tooltip says so.
    expect(svg).toMatch(
      /class="op info"[^>]*fill-opacity="0.5"><title>process 2 cas \[1,2\] → never completed/,
    );
  });

  it('pages a long history by time, each page holding at most PAGE_OPS invokes', () => {
    const data = timelineData(reads(PAGE_OPS * 2 + 5), []);
    expect(data.pages).toHaveLength(3);
    expect(bars(renderTimelinePage(data, 0))).toHaveLength(PAGE_OPS);
    expect(bars(renderTimelinePage(data, 2))).toHaveLength(5);
  });

  it('shades fault windows with their labels, only on the pages they cover', () => {
    const h = reads(PAGE_OPS * 2);
    const late = (PAGE_OPS + 10) * 10;
    const faults = history(
      [late, 'nemesis', 'invoke', 'kill', 2],
      [late + 1, 'nemesis', 'ok', 'kill', 2],
      [late + 50, 'nemesis', 'invoke', 'start', 2],
      [late + 51, 'nemesis', 'ok', 'start', 2],
    );
    const data = timelineData(h, faultWindows(faults));
    expect(renderTimelinePage(data, 0)).not.toContain('kill n2');
    expect(renderTimelinePage(data, 1)).toMatch(/<g class="fault"><title>kill n2<\/title>/);
  });

  it('escapes every value it draws', () => {
    const evil = '</title></svg><script>alert(1)</script>';
    const h = history([0, 0, 'invoke', 'write', evil], [1, 0, 'fail', 'write', null]);
    h[1].error = { name: '<img src=x onerror=alert(1)>' };
    const svg = renderTimelinePage(timelineData(h, []), 0);
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;/title&gt;&lt;/svg&gt;&lt;script&gt;');
  });

  it('leaves values out of the tooltips of a long history, and ops past TIMELINE_MAX_OPS out altogether', () => {
    const long = timelineData(reads(60_000), []);
    expect(long.ops.d.every((detail) => detail === '')).toBe(true);
    expect(long.omitted).toBe(0);
    const huge = timelineData(reads(TIMELINE_MAX_OPS + 7), []);
    expect(huge.ops.s).toHaveLength(TIMELINE_MAX_OPS);
    expect(huge.omitted).toBe(7);
  });

  it('ships a pager script a browser can parse', () => {
    expect(() => new Function(TIMELINE_PAGER_JS)).not.toThrow();
  });
});
