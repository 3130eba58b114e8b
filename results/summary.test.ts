import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCiOutputs } from './ci-outputs.js';
import { readCiRun } from './ci-run.js';
import { storeFixtureRun, tempDir, TESTDATA } from './ci-testing.js';
import { StoreError } from './store.js';
import { summaryMarkdown } from './summary.js';

const work = tempDir('summary');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The rows of the first markdown table after a heading, as cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  let i = lines.findIndex((line) => line.startsWith(heading));
  expect(i).toBeGreaterThanOrEqual(0);
  while (!lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith('|'); i++) {
    // Split on pipes that are not escaped.
    rows.push(lines[i]!.slice(2, -2).split(/(?<!\\) \| /));
  }
  return rows;
}

describe('summaryMarkdown', () => {
  it('renders a runs table with verdicts and report links, and a claims table per run', () => {
    const runs = ['run-partition-leader', 'run-partition-pause'].map((name) =>
      readCiRun(join(TESTDATA, name)),
    );
    const markdown = summaryMarkdown(runs, { linkFrom: TESTDATA });
    expect(markdown.startsWith('## zkcheck: 2 runs, 2 valid\n')).toBe(true);
    const table = tableAfter(markdown, '## zkcheck');
    expect(table[0]).toEqual([
      'run',
      'verdict',
      'workload',
      'nemesis',
      'ZooKeeper',
      'ops',
      'duration',
      'report',
    ]);
    expect(table[1]!.every((cell) => /^-+:?$|^---$|^---:$/.test(cell))).toBe(true);
    expect(table).toHaveLength(4);
    expect(table[2]!.slice(0, 4)).toEqual(['r-partition-leader', '✅ valid', 'register', 'partition-leader']);
    expect(table[2]![7]).toBe('[report.html](run-partition-leader/report.html)');
    expect(table[3]![3]).toBe('partition,pause');
    const claims = tableAfter(markdown, '### r-partition-leader');
    expect(claims).toHaveLength(7);
    expect(claims.find((row) => row[0] === 'whole history linearizable')).toEqual([
      'whole history linearizable',
      'INVALID (allowed)',
      'not promised',
      "allowed by ZooKeeper's documented guarantees",
    ]);
  });

  it('shows a broken promised claim and its explanation, escaping what would break the table', () => {
    const dir = storeFixtureRun(
      work,
      'run-partition-leader',
      { testName: 'x', timestamp: '20261205T130000.000Z' },
      {
        test: (t) => {
          t.name = 'a|b <script>';
        },
        results: (r) => {
          r.valid = false;
          const claim = (r.claims as Array<Record<string, unknown>>)[0]!;
          claim.valid = false;
          claim.explanation = ['process 1 read 2', 'a ``` fence in the text'];
        },
      },
    );
    const markdown = summaryMarkdown([readCiRun(dir)]);
    expect(markdown).toContain('## zkcheck: 1 run, 1 INVALID');
    const row = tableAfter(markdown, '## zkcheck')[2]!;
    expect(row).toHaveLength(8);
    expect(row[0]).toBe('a\\|b &lt;script&gt;');
    expect(row[1]).toBe('❌ INVALID');
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('<details><summary>why writes linearizable is INVALID</summary>');
    expect(markdown).toContain('````text\nprocess 1 read 2\na ``` fence in the text\n````');
  });
});

describe('writeCiOutputs', () => {
  it('writes the JUnit file and appends the summary, as $GITHUB_STEP_SUMMARY expects', () => {
    const junit = join(work, 'out', 'zkcheck.xml');
    const summary = join(work, 'out', 'summary.md');
    const runs = [join(TESTDATA, 'run-partition-leader')];
    expect(writeCiOutputs({ junit, summary }, runs)).toEqual([junit, summary]);
    writeCiOutputs({ junit, summary }, runs);
    expect(readFileSync(junit, 'utf8').match(/<testsuite /g)).toHaveLength(1);
    expect(readFileSync(summary, 'utf8').match(/^## zkcheck/gm)).toHaveLength(2);
  });

  it('refuses a dir that is not a run, in one line', () => {
    expect(() => writeCiOutputs({ junit: join(work, 'j.xml') }, [work])).toThrow(StoreError);
    expect(() => writeCiOutputs({ junit: join(work, 'j.xml') }, [work])).toThrow(
      /^no run at .*: it has no test\.json$/,
    );
  });
});
