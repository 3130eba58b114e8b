import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ensemble, LogLine, NodeState, NodeStatus, ZkMode } from '../harness/cluster/types.js';
import {
  ConfigError,
  loadConfigFile,
  mergeConfig,
  parseNemesisNames,
  type TestConfig,
} from '../harness/config.js';
import { FakeClock } from '../harness/generator/clock.js';
import { phases, repeat } from '../harness/generator/combinators.js';
import { runGenerator } from '../harness/generator/run.js';
import { clients, nemesis as onNemesisThread } from '../harness/generator/threads.js';
import { delay, timeLimit } from '../harness/generator/time.js';
import type { GenOp } from '../harness/generator/types.js';
import { NemesisError } from '../harness/runner/spec.js';
import { buildTestSpec, CATALOG } from '../harness/test-spec.js';
import { nemesisPlan, type ComposeOptions } from './compose.js';
import { NEMESES } from './index.js';
import { parseSchedule, stormSpans } from './schedule.js';
import { rngFromSeed } from '../harness/generator/rng.js';

/** What the families call, and the log lines a test makes nodes write. */
class FakeEnsemble {
  readonly calls: string[] = [];
  readonly states = new Map<number, NodeState>();
  readonly modes = new Map<number, ZkMode>();
  private readonly listeners: Array<{ id: number; pattern: RegExp; listener: (line: LogLine) => void }> = [];
  /** Called after each start of a node (a test makes it log a sync phase). */
  onStart?: (id: number) => void;

  constructor(size: number) {
    for (let id = 1; id <= size; id++) {
      this.states.set(id, 'running');
      this.modes.set(id, id === 1 ? 'leader' : 'follower');
    }
  }

  get nodes(): { id: number }[] {
    return [...this.states.keys()].map((id) => ({ id }));
  }

  readonly links = {
    isolate: (id: number) => this.act(`isolate ${id}`),
    healAll: () => this.act('healAll'),
  };

  kill = (id: number) => this.act(`kill ${id}`, () => this.states.set(id, 'killed'));
  start = (id: number) =>
    this.act(`start ${id}`, () => {
      this.states.set(id, 'running');
      this.onStart?.(id);
    });
  pause = (id: number) => this.act(`pause ${id}`, () => this.states.set(id, 'paused'));
  resume = (id: number) => this.act(`resume ${id}`, () => this.states.set(id, 'running'));
  state = (id: number): NodeState => this.states.get(id)!;
  status = async (): Promise<NodeStatus[]> =>
    this.nodes.map(({ id }) => ({ id, state: this.state(id), mode: this.modes.get(id) }));

  onLogLine(id: number, pattern: RegExp, listener: (line: LogLine) => void): () => void {
    const entry = { id, pattern, listener };
    this.listeners.push(entry);
    return () => {
      const i = this.listeners.indexOf(entry);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  log(id: number, text: string, loggedAt = Date.now()): void {
    for (const l of [...this.listeners])
      if (l.id === id && l.pattern.test(text)) l.listener({ text, seenAt: Date.now(), loggedAt });
  }

  private async act(call: string, effect: () => unknown = () => undefined): Promise<void> {
    await Promise.resolve();
    this.calls.push(call);
    effect();
  }

  asEnsemble(): Ensemble {
    return this as unknown as Ensemble;
  }
}

const S = 1e9;
const LIMITS = { nemeses: NEMESES, nodes: 3, timeLimit: 60, duration: 10 };

function scheduleError(raw: unknown, limits = LIMITS): string {
  try {
    parseSchedule(raw, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(NemesisError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

interface Recorded {
  t: number;
  f: string;
  value: unknown;
  type: string;
  done: unknown;
}

/** Plays a composed nemesis for `seconds` and its final phase on a fake clock; every op, in order. */
async function play(
  names: string,
  fake: FakeEnsemble,
  options: Partial<ComposeOptions>,
  seconds: number,
  seed = 1,
): Promise<Recorded[]> {
  const plan = nemesisPlan(parseNemesisNames(names, CATALOG), {
    intervalSeconds: 5,
    durationSeconds: 10,
    settings: { partitionTargets: 'one', killTargets: 'one', pauseTargets: 'one' },
    timeLimitSeconds: seconds,
    nodes: fake.nodes.length,
    ...options,
  });
  const nem = plan.build(fake.asEnsemble());
  const clock = new FakeClock();
  const ops: Recorded[] = [];
  await runGenerator({
    // As the runner does: clients (here a no-op each second) beside the faults, then the heal.
    gen: phases(
      timeLimit(seconds, clients(delay(1, repeat({ f: 'noop' })), nem.generator)),
      onNemesisThread(nem.finalGenerator),
    ),
    threads: 1,
    clock,
    seed,
    invoke: async (op: GenOp, thread) => {
      if (thread !== 'nemesis') return { type: 'ok' };
      const completion = await nem.invoke(op);
      ops.push({ t: op.time / S, f: op.f, value: op.value, type: completion.type, done: completion.value });
      return completion;
    },
  });
  return ops;
}

describe('scripted schedules: checked before anything starts', () => {
  it('names the step and the field of a missing or bad field, an unknown family, a node not in the ensemble', () => {
    expect(scheduleError([{ at: 5, fault: 'kill', targets: 'one' }])).toBe(
      'nemesisSchedule step 1: for: missing (seconds)',
    );
    expect(
      scheduleError([
        { at: 5, fault: 'kill', for: 2 },
        { fault: 'kill', for: 2 },
      ]),
    ).toBe('nemesisSchedule step 2: at: missing (seconds)');
    expect(scheduleError([{ at: '5s', fault: 'kill', for: 2 }])).toBe(
      'nemesisSchedule step 1: at: expected seconds >= 0, got "5s"',
    );
    expect(scheduleError([{ at: 5, for: 2 }])).toBe(
      'nemesisSchedule step 1: fault: missing (a fault family)',
    );
    expect(scheduleError([{ at: 5, fault: 'kil', for: 2 }])).toMatch(
      /^nemesisSchedule step 1: fault: unknown fault family "kil" \(families: partition, .*kill, pause/,
    );
    expect(scheduleError([{ at: 5, fault: 'kill', targets: [1, 7], for: 2 }])).toBe(
      'nemesisSchedule step 1: targets: node 7 is not in an ensemble of 3',
    );
    expect(scheduleError([{ at: 5, fault: 'kill', targets: [1, 2, 3, 1], for: 2 }])).toBe(
      'nemesisSchedule step 1: targets: a node is named twice in [1,2,3,1]',
    );
    expect(scheduleError([{ at: 5, fault: 'kill', targets: 'most', for: 2 }])).toBe(
      'nemesisSchedule step 1: targets: expected one of one, minority, majority, all, leader, follower, followers or a list of node ids, got "most"',
    );
    expect(scheduleError([{ at: 5, fault: 'partition-halves', targets: 'one', for: 2 }])).toBe(
      'nemesisSchedule step 1: targets: partition-halves picks its own nodes (it has no --partition-halves-targets)',
    );
    expect(scheduleError([{ at: 60, fault: 'kill', for: 2 }])).toBe(
      'nemesisSchedule step 1: at: 60 s is not before --time-limit 60 s',
    );
    expect(scheduleError([{ at: 5, fault: 'kill', for: 2, node: 2 }])).toBe(
      'nemesisSchedule step 1: node: unknown field (a step has at, fault, targets, for)',
    );
    expect(scheduleError([{ on: 'newleader', fault: 'kill' }])).toBe(
      'nemesisSchedule step 1: node: missing (a node id)',
    );
    expect(scheduleError([{ on: 'newleader', node: 7, fault: 'kill' }])).toBe(
      'nemesisSchedule step 1: node: node 7 is not in an ensemble of 3',
    );
    expect(scheduleError([{ on: 'elected', node: 2, fault: 'kill' }])).toMatch(
      /^nemesisSchedule step 1: on: expected a sync phase \(diff, snap, .*\), got "elected"$/,
    );
    expect(scheduleError([{ on: 'diff', node: 2, fault: 'kill', after: -0.1 }])).toBe(
      'nemesisSchedule step 1: after: expected seconds >= 0, got -0.1',
    );
    expect(scheduleError([{ at: 5, fault: 'kill', for: 2, after: 1 }])).toBe(
      'nemesisSchedule step 1: after: unknown field (a step has at, fault, targets, for)',
    );
    expect(scheduleError([])).toBe('nemesisSchedule: expected a non-empty list of steps');
    // A list of 2 of 5 nodes is a minority; 4 of 5 matches no kind that picks a plan's first nodes.
    expect(
      scheduleError([{ at: 1, fault: 'kill', targets: [1, 2, 3, 4], for: 2 }], { ...LIMITS, nodes: 5 }),
    ).toBe('nemesisSchedule step 1: targets: a list of 4 of 5 nodes: name 1, 2, 3, 5 nodes, or a kind');
  });

  it('takes good steps: kinds and node lists, an on step aimed at its node with the run duration', () => {
    expect(
      parseSchedule(
        [
          { at: 0, fault: 'kill', targets: 'majority', for: 3 },
          { at: 1.5, fault: 'pause', targets: '2', for: 1 },
          { on: 'newleader', node: 3, fault: 'kill' },
          { at: 2, fault: 'partition-halves', for: 4 },
        ],
        LIMITS,
      ),
    ).toEqual([
      { kind: 'timed', index: 1, fault: 'kill', at: 0, for: 3, targets: 'majority' },
      { kind: 'timed', index: 2, fault: 'pause', at: 1.5, for: 1, targets: [2] },
      {
        kind: 'phase',
        index: 3,
        fault: 'kill',
        at: 0,
        for: 10,
        on: 'newleader',
        node: 3,
        after: 0,
        targets: [3],
      },
      { kind: 'timed', index: 4, fault: 'partition-halves', at: 2, for: 4 },
    ]);
  });

  it('refuses bad input through the config and the spec builder, before any ensemble', () => {
    const build =
      (file: Partial<TestConfig>, flags: Partial<TestConfig> = {}) =>
      () =>
        buildTestSpec(mergeConfig(file, flags, CATALOG));
    expect(build({ nemesisSchedule: [{ at: 1, fault: 'kill', targets: [7], for: 1 }] })).toThrow(
      new NemesisError('nemesisSchedule step 1: targets: node 7 is not in an ensemble of 3'),
    );
    expect(build({ nemesis: 'partition-grudge', settings: { partitionGrudge: '1|7' } })).toThrow(
      NemesisError,
    );
    expect(build({ nemesis: 'partition-grudge', settings: { partitionGrudge: '1|7' } })).toThrow(/7/);
    expect(build({ nemesis: 'partition-grudge', settings: { partitionGrudge: '1|2' } })).not.toThrow();
    expect(
      build({ nemesis: 'partition-grudge', settings: { partitionGrudge: '1|2' }, nodes: 5 }),
    ).not.toThrow();
    expect(build({ nemesis: 'kill', settings: { killTargets: 'all' }, nodes: 1 })).not.toThrow();
    // A grudge in a scripted step is checked too.
    expect(
      build({
        nemesisSchedule: [{ at: 1, fault: 'partition-grudge', for: 1 }],
        settings: { partitionGrudge: '1,2|9' },
      }),
    ).toThrow(/^nemesisSchedule step 1 \(partition-grudge\): .*9/);
  });
});

describe('scripted schedules: played in time order on the nemesis thread', () => {
  it('runs overlapping steps, even of one family, each stopping its own fault; the final phase heals all', async () => {
    const fake = new FakeEnsemble(3);
    const schedule = parseSchedule(
      [
        { at: 1, fault: 'kill', targets: [3], for: 10 },
        { at: 3, fault: 'kill', targets: [2], for: 2 },
        { at: 4, fault: 'pause', targets: 'leader', for: 20 },
      ],
      LIMITS,
    );
    const ops = await play('kill,pause', fake, { schedule }, 30);
    expect(
      ops.map((o) => [o.t, o.f, o.type, (o.done as { targets?: number[] } | null)?.targets ?? null]),
    ).toEqual([
      [1, 'kill:kill', 'ok', [3]],
      [3, 'kill:kill', 'ok', [2]],
      [4, 'pause:pause', 'ok', [1]],
      [5, 'kill:start', 'ok', [2]],
      [11, 'kill:start', 'ok', [3]],
      [24, 'pause:resume', 'ok', [1]],
      // Final phase (after the clients' last op): every step's instance heals.
      [29, 'kill:start-all', 'ok', null],
      [29, 'kill:start-all', 'ok', null],
      [29, 'pause:resume-all', 'ok', null],
    ]);
    expect(fake.calls.filter((c) => c !== 'status')).toEqual([
      'kill 3',
      'kill 2',
      'pause 1',
      'start 2',
      'start 3',
      'resume 1',
    ]);
  });

  it('drops steps the time limit cuts off and heals what they left', async () => {
    const fake = new FakeEnsemble(3);
    const schedule = parseSchedule([{ at: 2, fault: 'pause', targets: [2], for: 50 }], LIMITS);
    const ops = await play('pause', fake, { schedule }, 10);
    expect(ops.map((o) => [o.t, o.f])).toEqual([
      [2, 'pause:pause'],
      [9, 'pause:resume-all'],
    ]);
    expect(fake.state(2)).toBe('running');
  });

  it('fires an on step when its phase begins on its node, recording the line and the delay', async () => {
    const fake = new FakeEnsemble(3);
    let restarts = 0;
    fake.onStart = (id) => {
      restarts += 1;
      // The restarted follower syncs: its log says so a moment later.
      fake.log(id, `2026-12-05 INFO [QuorumPeer] - Learner received NEWLEADER message`);
    };
    const schedule = parseSchedule(
      [
        { at: 2, fault: 'kill', targets: [2], for: 3 },
        { on: 'newleader', node: 2, fault: 'kill', for: 4 },
      ],
      LIMITS,
    );
    const ops = await play('kill', fake, { schedule }, 20);
    const fired = ops.find((o) => (o.done as { phase?: unknown } | null)?.phase !== undefined)!;
    expect(fired).toMatchObject({
      f: 'kill:kill',
      type: 'ok',
      done: {
        targets: [2],
        phase: {
          on: 'newleader',
          node: 2,
          line: expect.stringContaining('Learner received NEWLEADER message'),
        },
      },
    });
    expect((fired.done as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(0);
    // Killed at 2, started at 5, killed again on its NEWLEADER line, started 4 s later.
    expect(ops.filter((o) => o.f !== 'kill:start-all').map((o) => [o.f, Math.round(o.t)])).toEqual([
      ['kill:kill', 2],
      ['kill:start', 5],
      ['kill:kill', 5],
      ['kill:start', 9],
    ]);
    expect(restarts).toBe(2);
    expect(fake.state(2)).toBe('running');
  });

  it("fires an on step with `after` that long after its line, and records the step's offset", async () => {
    const fake = new FakeEnsemble(3);
    fake.onStart = (id) => fake.log(id, `2026-12-05 INFO [QuorumPeer] - Learner received NEWLEADER message`);
    const schedule = parseSchedule(
      [
        { at: 2, fault: 'kill', targets: [2], for: 3 },
        { on: 'newleader', node: 2, fault: 'kill', for: 4, after: 1.5 },
      ],
      LIMITS,
    );
    const ops = await play('kill', fake, { schedule }, 20);
    const fired = ops.find((o) => (o.done as { phase?: unknown } | null)?.phase !== undefined)!;
    expect(fired.done).toMatchObject({ phase: { on: 'newleader', node: 2, after: 1.5 } });
    // Started at 5, its line seen then; the kill 1.5 s later (on the run's clock), less the real
    // milliseconds the poll took to notice the line (noticeLine: never later, so a ms or two
    // early when this machine is busy), and the start 4 s on.
    const steps = ops.filter((o) => o.f !== 'kill:start-all');
    expect(steps.map((o) => o.f)).toEqual(['kill:kill', 'kill:start', 'kill:kill', 'kill:start']);
    expect(steps.slice(0, 2).map((o) => o.t)).toEqual([2, 5]);
    expect(steps[2].t).toBeLessThanOrEqual(6.5);
    expect(steps[2].t).toBeGreaterThan(6.45);
    expect(steps[3].t - steps[2].t).toBeCloseTo(4, 6);
  });
});

describe('storms', () => {
  it('plans alternating quiet and fault spans, seeded', () => {
    const a = stormSpans(rngFromSeed(4), 5, 10, 120 * S);
    expect(stormSpans(rngFromSeed(4), 5, 10, 120 * S)).toEqual(a);
    expect(stormSpans(rngFromSeed(5), 5, 10, 120 * S)).not.toEqual(a);
    for (const [i, span] of a.entries()) {
      expect(span.stopNs - span.startNs).toBeGreaterThanOrEqual(5 * S);
      expect(span.stopNs - span.startNs).toBeLessThanOrEqual(15 * S);
      if (i > 0) expect(span.startNs).toBeGreaterThanOrEqual(a[i - 1].stopNs);
    }
    expect(a[a.length - 1].startNs).toBeLessThan(120 * S);
  });

  it('overlaps the faults of several families, replays them from the seed, and heals all at the end', async () => {
    const run = async (seed: number) => {
      const fake = new FakeEnsemble(5);
      const ops = await play('partition,kill,pause', fake, { mode: 'storm' }, 60, seed);
      return { fake, ops };
    };
    const { fake, ops } = await run(7);
    expect((await run(7)).ops.map((o) => [o.t, o.f, o.value])).toEqual(ops.map((o) => [o.t, o.f, o.value]));
    expect((await run(8)).ops.map((o) => [o.t, o.f])).not.toEqual(ops.map((o) => [o.t, o.f]));
    // Most overlapping: how many faults were in force at once.
    let open = 0;
    let most = 0;
    for (const o of ops) {
      if (['partition:isolate', 'kill:kill', 'pause:pause'].includes(o.f)) open += 1;
      if (['partition:heal', 'kill:start', 'pause:resume'].includes(o.f)) open -= 1;
      most = Math.max(most, open);
    }
    expect(most).toBeGreaterThanOrEqual(2);
    expect(ops.slice(-3).map((o) => o.f)).toEqual([
      'partition:heal-all',
      'kill:start-all',
      'pause:resume-all',
    ]);
    expect([...fake.states.values()].every((s) => s === 'running')).toBe(true);
  });
});

describe('families that share op names', () => {
  it('qualifies the shared ones and routes each to its own family', async () => {
    const fake = new FakeEnsemble(3);
    fake.modes.set(1, 'follower');
    fake.modes.set(3, 'leader');
    const plan = nemesisPlan(parseNemesisNames('partition,partition-leader,kill,pause', CATALOG), {
      intervalSeconds: 1,
      durationSeconds: 1,
      settings: { partitionTargets: 'one', killTargets: 'one', pauseTargets: 'one' },
    });
    const nem = plan.build(fake.asEnsemble());
    const op = (f: string, value: unknown): GenOp => ({
      type: 'invoke',
      f,
      value,
      process: 'nemesis',
      time: 0,
    });
    expect(
      await nem.invoke(op('partition-leader:isolate', { targets: 'leader', order: [1, 2, 3] })),
    ).toMatchObject({ type: 'ok', value: { targets: [3], roles: { 3: 'leader' } } });
    expect(await nem.invoke(op('partition:isolate', { targets: 'one', order: [2, 1, 3] }))).toMatchObject({
      type: 'ok',
      value: { targets: [2] },
    });
    expect(nem.active()).toEqual(['node 2 isolated', 'node 3 isolated']);
    // Each heal undoes its own family's fault; the bare name is no longer anyone's.
    expect(await nem.invoke(op('partition-leader:heal', { targets: 'leader' }))).toEqual({
      type: 'ok',
      value: { targets: [3] },
    });
    expect(nem.active()).toEqual(['node 2 isolated']);
    expect((await nem.invoke(op('isolate', { targets: 'one', order: [1] }))).type).toBe('fail');
    // Families that share nothing keep their names.
    expect(await nem.invoke(op('kill', { targets: 'one', order: [1, 2, 3] }))).toMatchObject({ type: 'ok' });
    // The schedule names them the same way.
    const ops = await play('partition,partition-leader,kill', new FakeEnsemble(3), {}, 300);
    const fs = new Set(ops.map((o) => o.f));
    expect(
      [...fs].every(
        (f) => /^(partition|partition-leader):/.test(f) || ['kill', 'start', 'start-all'].includes(f),
      ),
    ).toBe(true);
    expect(fs.has('partition-leader:isolate') && fs.has('partition:isolate') && fs.has('kill')).toBe(true);
  });

  it('routes kill and sync-kill, which both start nodes, to the family whose fault it is', async () => {
    const fake = new FakeEnsemble(3);
    const plan = nemesisPlan(parseNemesisNames('kill,sync-kill', CATALOG), {
      intervalSeconds: 1,
      durationSeconds: 1,
      settings: {
        killTargets: 'one',
        syncKillPhase: 'newleader',
        syncKillForce: 'restart-follower',
        syncKillVictim: 'follower',
      },
    });
    const nem = plan.build(fake.asEnsemble());
    const op = (f: string, value: unknown): GenOp => ({
      type: 'invoke',
      f,
      value,
      process: 'nemesis',
      time: 0,
    });
    await nem.invoke(op('kill:kill', { targets: 'one', order: [3, 1, 2] }));
    // sync-kill's start has nothing of its own to start: node 3 stays down.
    expect(await nem.invoke(op('sync-kill:start', null))).toEqual({ type: 'ok', value: { targets: [] } });
    expect(fake.state(3)).toBe('killed');
    expect(await nem.invoke(op('kill:start', { targets: 'one' }))).toEqual({
      type: 'ok',
      value: { targets: [3] },
    });
    expect(fake.state(3)).toBe('running');
  });
});

describe('schedules in config files and on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-schedule-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it("reads a schedule from a file; its families are the run's, with their settings", async () => {
    const path = file('script.json', {
      nemesisSchedule: [
        { at: 5, fault: 'kill', targets: [2], for: 3 },
        { on: 'newleader', node: 2, fault: 'pause', for: 2 },
      ],
      pauseTargets: 'leader',
    });
    const config = mergeConfig(await loadConfigFile(path, CATALOG), {}, CATALOG);
    expect(config.settings).toMatchObject({ killTargets: 'one', pauseTargets: 'leader' });
    const spec = buildTestSpec(config);
    expect(spec.nemesis.names).toEqual(['kill', 'pause']);
  });

  it('refuses a schedule that is no list, names no family or an unknown one, or comes with --nemesis or storm', async () => {
    const error = async (value: unknown, flags: Partial<TestConfig> = {}) => {
      try {
        mergeConfig(await loadConfigFile(file('bad.json', value), CATALOG), flags, CATALOG);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message.replace(dir + '/', '');
      }
      throw new Error('no error');
    };
    expect(await error({ nemesisSchedule: { at: 1 } })).toBe(
      'bad.json: "nemesisSchedule": expected a non-empty list of steps, got {"at":1}',
    );
    expect(await error({ nemesisSchedule: [{ at: 1, fault: 'kill', for: 1 }, 'kill'] })).toBe(
      'bad.json: "nemesisSchedule" step 2: expected {at, fault, targets, for} or {on, node, fault}, got "kill"',
    );
    expect(await error({ nemesisSchedule: [{ at: 1, for: 1 }] })).toBe(
      'bad.json: "nemesisSchedule" step 1: fault: missing (a fault family)',
    );
    expect(await error({ nemesisSchedule: [{ at: 1, fault: 'explode', for: 1 }] })).toMatch(
      /^bad\.json: "nemesisSchedule" step 1: fault: unknown fault family "explode" \(families: partition, /,
    );
    expect(await error({ nemesisSchedule: [{ at: 1, fault: 'kill', for: 1 }] }, { nemesis: 'pause' })).toBe(
      "--nemesis pause: the config's nemesisSchedule names the faults; give --nemesis none or no schedule",
    );
    expect(await error({ nemesisSchedule: [{ at: 1, fault: 'kill', for: 1 }], nemesisMode: 'storm' })).toBe(
      "--nemesis-mode storm: the config's nemesisSchedule already sets when each fault runs",
    );
  });

  // Through the built CLI (npx tsc -p tsconfig.build.json first): one line, exit 254, no ensemble.
  const zkcheck = (args: string[]) =>
    spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'zkcheck.js'), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exits 254 with one line before any ensemble starts', () => {
    const store = join(dir, 'runs');
    const cases: Array<[string[], RegExp]> = [
      [['--nemesis', 'partition-grudge', '--partition-grudge', '1|7'], /^zkcheck: .*7.*\n$/],
      [['--nemesis', 'kill,explode'], /^zkcheck: --nemesis: unknown fault family "explode"/],
      [
        [
          '--config',
          file('node7.json', { nemesisSchedule: [{ at: 1, fault: 'kill', targets: [1, 7], for: 1 }] }),
        ],
        /^zkcheck: nemesisSchedule step 1: targets: node 7 is not in an ensemble of 3\n$/,
      ],
      [
        ['--config', file('nofor.json', { nemesisSchedule: [{ at: 1, fault: 'kill', targets: 'one' }] })],
        /^zkcheck: nemesisSchedule step 1: for: missing \(seconds\)\n$/,
      ],
      [['--nemesis', 'kill', '--nemesis-mode', 'gale'], /--nemesis-mode.*gale.*serial, storm/],
    ];
    for (const [args, message] of cases) {
      const started = Date.now();
      const result = zkcheck(['run', '--provider', 'local', '--store', store, ...args]);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), 254]);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).not.toMatch(/stored in/);
      expect(Date.now() - started).toBeLessThan(30_000);
    }
  }, 120_000);
});
