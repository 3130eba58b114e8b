import { describe, expect, it } from 'vitest';
import { mergeConfig, validateSettings } from '../harness/config.js';
import { buildTestSpec, CATALOG } from '../harness/test-spec.js';
import {
  aggregateCoverage,
  aggregateSeen,
  formatCoverage,
  markersSeen,
  huntRun,
  parseBudget,
  phaseHits,
  runCoverage,
  HUNT_WORKLOADS,
} from './hunt.js';
import { SYNC_PHASES } from './sync-kill.js';

describe('huntRun', () => {
  it('draws the same run configs from the same seed, and other ones from another seed', () => {
    const runs = (seed: number) =>
      Array.from({ length: 30 }, (_, i) => huntRun({ seed, runSeconds: 20 }, i + 1));
    expect(runs(7)).toEqual(runs(7));
    expect(JSON.stringify(runs(8))).not.toEqual(JSON.stringify(runs(7)));
  });

  it('draws run n from the seed and n alone', () => {
    expect(huntRun({ seed: 7, runSeconds: 20 }, 12)).toEqual(huntRun({ seed: 7, runSeconds: 20 }, 12));
    expect(huntRun({ seed: 7, runSeconds: 20 }, 12)).not.toEqual(huntRun({ seed: 7, runSeconds: 20 }, 13));
  });

  it('draws configs the registry accepts, as `run --config FILE --seed N` would load them', () => {
    for (const seed of [1, 2, 99])
      for (let n = 1; n <= 60; n++) {
        const run = huntRun({ seed, runSeconds: 20 }, n);
        // Through JSON, as the hunt writes the config file and loadConfigFile reads it back.
        const file = validateSettings(JSON.parse(JSON.stringify(run.config)), `run-${n}.json`, CATALOG);
        const config = mergeConfig(file, { seed: run.seed, zookeeper: '3.8.0' }, CATALOG);
        const spec = buildTestSpec(config, CATALOG); // parses the schedule against the ensemble
        expect(spec.seed).toBe(run.seed);
        expect(spec.nemesis.names).toContain('kill');
      }
  });

  it('uses every workload, template and marker it lists, and only promised-claim workloads', () => {
    const runs = Array.from({ length: 300 }, (_, i) => huntRun({ seed: 5, runSeconds: 20 }, i + 1));
    expect(new Set(runs.map((r) => r.workload))).toEqual(new Set(HUNT_WORKLOADS.map((w) => w.name)));
    expect(new Set(runs.map((r) => r.template))).toEqual(new Set(['lag', 'two-down', 'leader']));
    const markers = new Set(runs.flatMap((r) => r.tries.map((t) => t.marker)));
    expect(markers).toEqual(new Set(Object.keys(SYNC_PHASES)));
    for (const name of new Set(runs.map((r) => r.workload))) {
      const spec = buildTestSpec(mergeConfig({ workload: name }, {}, CATALOG), CATALOG);
      expect(
        spec.workload.claims.some((c) => c.promised),
        name,
      ).toBe(true);
    }
  });

  it("lists a try for every `on` step of the schedule, at the step's index", () => {
    for (let n = 1; n <= 50; n++) {
      const run = huntRun({ seed: 3, runSeconds: 30 }, n);
      const schedule = run.config.nemesisSchedule as Array<Record<string, unknown>>;
      const onSteps = schedule.flatMap((s, i) => ('on' in s ? [i + 1] : []));
      expect(run.tries.map((t) => t.step)).toEqual(onSteps);
      for (const t of run.tries) expect(schedule[t.step - 1]).toMatchObject({ on: t.marker, node: t.node });
      for (const s of schedule) expect(s.at as number).toBeLessThan(30);
    }
  });

  it('brings the two nodes that were down back first in most two-down runs', () => {
    const runs = Array.from({ length: 300 }, (_, i) => huntRun({ seed: 4, runSeconds: 20 }, i + 1));
    const twoDown = runs.filter((r) => r.template === 'two-down');
    expect(twoDown.length).toBeGreaterThan(120);
    const staleFirst = twoDown.filter((r) => {
      const [, x, y] = /kill n(\d) .*kill n(\d) before it returns/.exec(r.describe)!;
      const back = /back: (.*)$/.exec(r.describe)![1].split(',').slice(0, 2);
      return new Set(back).size === 2 && back.includes(`n${x}`) && back.includes(`n${y}`);
    }).length;
    // 2/3 by design, plus 1/3 of the drawn orders.
    expect(staleFirst / twoDown.length).toBeGreaterThan(0.65);
    expect(staleFirst / twoDown.length).toBeLessThan(0.9);
  });

  it('faults at once after the marker in about half the runs, 20-300 ms after it in the others', () => {
    const afters = Array.from({ length: 200 }, (_, i) => {
      const schedule = huntRun({ seed: 11, runSeconds: 20 }, i + 1).config.nemesisSchedule as Array<
        Record<string, unknown>
      >;
      const values = new Set(schedule.filter((s) => 'on' in s).map((s) => s.after ?? 0));
      expect(values.size).toBe(1); // one offset per run, for every `on` step
      return [...values][0] as number;
    });
    const atOnce = afters.filter((a) => a === 0).length;
    expect(atOnce).toBeGreaterThan(70);
    expect(atOnce).toBeLessThan(130);
    for (const a of afters.filter((a) => a > 0)) {
      expect(a).toBeGreaterThanOrEqual(0.02);
      expect(a).toBeLessThanOrEqual(0.3);
    }
  });
});

const ok = (value: unknown) => ({ process: 'nemesis', type: 'ok', f: 'kill:kill', value });

describe('coverage', () => {
  const history = [
    { process: 0, type: 'ok', f: 'write', value: 1 },
    ok({ targets: [1], roles: { 1: 'follower' } }),
    { process: 'nemesis', type: 'invoke', f: 'kill:kill', value: { phase: { line: 'x' } } },
    ok({ targets: [1], phase: { on: 'newleader', node: 1, line: 'x' }, delayMs: 120 }),
    ok({ targets: [2], phase: { on: 'newleader', node: 1, line: 'x' }, delayMs: 300 }),
  ];

  it('reads the fired `on` steps from the nemesis completions', () => {
    expect(phaseHits(history)).toEqual([
      { on: 'newleader', node: 1, delayMs: 120, targets: [1] },
      { on: 'newleader', node: 1, delayMs: 300, targets: [2] },
    ]);
  });

  it('pairs tries with hits in schedule order, and counts an unfired try as a miss', () => {
    const tries = [
      { step: 2, marker: 'newleader', node: 1, fault: 'kill self' },
      { step: 3, marker: 'newleader', node: 1, fault: 'kill other' },
      { step: 4, marker: 'diff', node: 2, fault: 'kill leader' },
    ];
    expect(runCoverage(tries, phaseHits(history))).toEqual([
      { marker: 'newleader', fault: 'kill self', hit: true, delayMs: 120 },
      { marker: 'newleader', fault: 'kill other', hit: true, delayMs: 300 },
      { marker: 'diff', fault: 'kill leader', hit: false },
    ]);
  });

  it('aggregates marker x fault into tries, hits and offsets, in SYNC_PHASES order', () => {
    const rows = aggregateCoverage([
      [
        { marker: 'newleader', fault: 'kill self', hit: true, delayMs: 120 },
        { marker: 'diff', fault: 'kill leader', hit: false },
      ],
      [
        { marker: 'newleader', fault: 'kill self', hit: true, delayMs: 40 },
        { marker: 'newleader', fault: 'kill self', hit: false },
        { marker: 'newleader', fault: 'kill self', hit: true, delayMs: 500 },
      ],
      [],
    ]);
    expect(rows).toEqual([
      { marker: 'diff', fault: 'kill leader', tries: 1, hits: 0 },
      {
        marker: 'newleader',
        fault: 'kill self',
        tries: 4,
        hits: 3,
        offsetMs: { min: 40, median: 120, max: 500 },
      },
    ]);
    const table = formatCoverage(rows).split('\n');
    expect(table[0]).toMatch(/^ {2}marker +fault +tries +hits +offset ms/);
    expect(table[1]).toMatch(/^ {2}diff +kill leader +1 +0 +-$/);
    expect(table[2]).toMatch(/^ {2}newleader +kill self +4 +3 +40\/120\/500$/);
    expect(formatCoverage([])).toContain('no sync-marker steps were tried');
  });
});

describe('parseBudget', () => {
  it('reads seconds, minutes and hours, and refuses anything else', () => {
    expect(parseBudget('90s')).toBe(90);
    expect(parseBudget('30m')).toBe(1800);
    expect(parseBudget('1h')).toBe(3600);
    expect(parseBudget('1.5m')).toBe(90);
    expect(parseBudget('45')).toBe(45);
    for (const bad of ['', '0m', '30x', 'm', '-5m', '1h30m', 'Infinity'])
      expect(parseBudget(bad), bad).toBeUndefined();
  });
});

describe('markersSeen', () => {
  it("counts each sync marker's lines in the node logs, a leader's per peer", () => {
    const logs = new Map([
      [1, 'INFO Learner received NEWLEADER message\nINFO Getting a diff from the leader 0x200000010\n'],
      [
        2,
        'INFO Sending DIFF zxid=0x200000010  for peer sid: 1\nINFO Sending DIFF zxid=0x2 for peer sid: 9\n',
      ],
      [3, 'INFO Learner received NEWLEADER message\nINFO nothing else\n'],
    ]);
    expect(markersSeen(logs)).toEqual({ diff: 1, newleader: 2, 'sending-diff': 1 });
    expect(aggregateSeen([markersSeen(logs), { newleader: 1 }, {}])).toEqual({
      diff: 1,
      newleader: 2,
      'sending-diff': 1,
    });
  });
});
