/**
 * The known-bug catalogue: every scenario says what it is and where it is fixed, its config builds
 * a run (schedule checked against the registry), and `run --scenario` takes it as the base that a
 * config file and flags override. No ensemble starts here: the scenario itself is a long run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../harness/cli.js';
import { KNOWN_ZOOKEEPER_VERSIONS } from '../harness/cluster/versions.js';
import { ConfigError, mergeConfig } from '../harness/config.js';
import { buildTestSpec, CATALOG } from '../harness/test-spec.js';
import { NEMESES } from './index.js';
import { parseSchedule, type PhaseStep, type TimedStep } from './schedule.js';
import { findScenario, SCENARIOS, scenarioConfig, scenarioHelp } from './scenarios.js';

async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(['node', 'zkcheck', ...args]), stderr: err.join('') };
  } finally {
    errSpy.mockRestore();
    outSpy.mockRestore();
    process.exitCode = undefined;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-scenarios-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('scenario catalogue', () => {
  it('declares, for each scenario, its bug, the versions it affects and fixes, and an outcome per known version', () => {
    expect(SCENARIOS.map((s) => s.name)).toContain('zk-4643');
    for (const s of SCENARIOS) {
      expect(s.name).toMatch(/^zk-\d+$/);
      expect(s.jira).toBe(`https://issues.apache.org/jira/browse/ZOOKEEPER-${s.name.slice(3)}`);
      expect(s.summary.length).toBeGreaterThan(20);
      expect(s.how.length).toBeGreaterThan(0);
      expect(s.affects.length).toBeGreaterThan(0);
      expect(s.fixedIn.length).toBeGreaterThan(0);
      expect(Object.keys(s.expected).sort()).toEqual([...KNOWN_ZOOKEEPER_VERSIONS].sort());
      // The version a scenario runs by default is one it reproduces on.
      expect(s.expected[s.config.zookeeper!]).toBe('lost-writes');
    }
  });

  it('builds each scenario into a run whose schedule the nemesis accepts', () => {
    for (const s of SCENARIOS) {
      const config = mergeConfig(scenarioConfig(s.name), {}, CATALOG);
      expect(config.name).toBe(s.name);
      const steps = parseSchedule(config.nemesisSchedule, {
        nemeses: NEMESES,
        nodes: config.nodes,
        timeLimit: config.timeLimit,
        duration: config.nemesisDuration,
      });
      expect(steps.length).toBe(config.nemesisSchedule!.length);
      expect(() => buildTestSpec(config, CATALOG)).not.toThrow();
    }
  });

  it('zk-4643: kills the syncing follower and the node that led its sync on its NEWLEADER line, after the old leader', () => {
    const config = mergeConfig(scenarioConfig('zk-4643'), {}, CATALOG);
    const steps = parseSchedule(config.nemesisSchedule, {
      nemeses: NEMESES,
      nodes: 3,
      timeLimit: config.timeLimit,
      duration: config.nemesisDuration,
    });
    const timed = steps.filter((s): s is TimedStep => s.kind === 'timed');
    const armed = steps.filter((s): s is PhaseStep => s.kind === 'phase');
    expect(timed.map((s) => [s.at, s.targets])).toEqual([
      [5, [1]],
      [12.5, [3]],
    ]);
    // Node 1's trigger is armed while it is still down (its first start's NEWLEADER does not count).
    expect(timed[0].at + timed[0].for).toBeGreaterThan(armed[0].at);
    expect(armed.map((s) => [s.on, s.node, s.targets])).toEqual([
      ['newleader', 1, [1]],
      ['newleader', 1, [2]],
    ]);
    // Node 3 (old epoch, every write) is back before node 2 (new epoch, every write) is.
    expect(timed[1].at + timed[1].for).toBeLessThan(armed[0].at + armed[1].for);
  });

  it('hands out a copy: changing one run’s config leaves the catalogue alone', () => {
    const config = scenarioConfig('zk-4643');
    (config.nemesisSchedule as unknown[]).pop();
    config.timeLimit = 1;
    expect(findScenario('zk-4643').config.nemesisSchedule).toHaveLength(4);
    expect(scenarioConfig('zk-4643').timeLimit).toBe(45);
  });

  it('lays a config file or per-try settings over the scenario: keys replace, plug-in settings join', () => {
    const base = findScenario('zk-4643').config;
    const over = scenarioConfig('zk-4643', { timeLimit: 60, settings: { recovery: 9 } });
    expect(over.timeLimit).toBe(60);
    expect(over.nemesisSchedule).toEqual(base.nemesisSchedule);
    expect(over.settings).toEqual({ ...base.settings, recovery: 9 });
    expect(scenarioConfig('zk-4643', { nemesisSchedule: [] }).nemesisSchedule).toEqual([]);
  });

  it('refuses an unknown name in one line that lists the known ones', () => {
    expect(() => scenarioConfig('zk-1')).toThrow(ConfigError);
    expect(() => scenarioConfig('zk-1')).toThrow(
      `--scenario: unknown scenario "zk-1" (scenarios: ${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  });

  it('lists each scenario with its expected outcomes for run --help', () => {
    expect(scenarioHelp()).toContain('zk-4643');
    expect(scenarioHelp()).toContain('lost-writes on 3.8.0');
    expect(scenarioHelp().split('\n')).toHaveLength(SCENARIOS.length);
  });
});

describe('zkcheck run --scenario', () => {
  it('exits 254 with one line for an unknown scenario, before anything starts', async () => {
    const { code, stderr } = await cli('run', '--scenario', 'nope', '--store', join(scratch, 'runs'));
    expect(code).toBe(254);
    expect(stderr).toBe('zkcheck: --scenario: unknown scenario "nope" (scenarios: zk-4643)\n');
  });

  it('lets flags and a config file override the scenario (a bad override is refused as usual)', async () => {
    // A store no run can use: were --scenario ignored, the run would stop there, not start.
    const blocked = join(scratch, 'a-file');
    writeFileSync(blocked, '');
    const store = ['--store', join(blocked, 'runs')];
    // --nemesis next to the scenario's schedule: the schedule came through, and the flag wins the merge.
    const both = await cli('run', '--scenario', 'zk-4643', '--nemesis', 'pause', ...store);
    expect(both.code).toBe(254);
    expect(both.stderr).toMatch(/^zkcheck: --nemesis pause: the config's nemesisSchedule names the faults/);
    // A config file's schedule replaces the scenario's, over the scenario's --time-limit (45 s).
    const file = join(scratch, 'override.json');
    writeFileSync(
      file,
      JSON.stringify({ nemesisSchedule: [{ at: 50, fault: 'kill', targets: [1], for: 1 }] }),
    );
    const over = await cli('run', '--scenario', 'zk-4643', '--config', file, ...store);
    expect(over.code).toBe(254);
    expect(over.stderr).toBe('zkcheck: nemesisSchedule step 1: at: 50 s is not before --time-limit 45 s\n');
  });

  it('names the scenarios in run --help', async () => {
    const out: string[] = [];
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await main(['node', 'zkcheck', 'run', '--help']);
    } catch {
      // commander may exit through an exception after printing help
    } finally {
      outSpy.mockRestore();
      process.exitCode = undefined;
    }
    const help = out.join('');
    expect(help).toContain('--scenario <name>');
    expect(help).toContain('zk-4643');
  });
});
