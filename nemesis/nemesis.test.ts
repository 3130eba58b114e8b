import { describe, expect, it } from 'vitest';
import type { Ensemble, NodeState, NodeStatus, ZkMode } from '../harness/cluster/types.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { simulate } from '../harness/generator/simulate.js';
import { nemesis } from '../harness/generator/threads.js';
import type { Gen, GenEvent, GenOp } from '../harness/generator/types.js';
import { parseNemesisNames } from '../harness/config.js';
import { NEMESES } from './index.js';
import { nemesisPlan } from './compose.js';
import { planTargets, type TargetKind } from './targets.js';
import { upgradePackage } from './upgrade.js';
import { NemesisError, type RunFacts } from '../harness/runner/spec.js';
import type { ScheduleStep } from './schedule.js';
import { rngFromSeed } from '../harness/generator/rng.js';

/** Just what the nemesis packages call, recording every call. */
class FakeEnsemble {
  readonly calls: string[] = [];
  readonly states = new Map<number, NodeState>();
  readonly modes = new Map<number, ZkMode | undefined>();
  isolated = new Set<number>();
  /** Makes the named method throw once. */
  failNext?: string;

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
    isolate: (id: number) => this.act(`isolate ${id}`, () => this.isolated.add(id)),
    healAll: () => this.act('healAll', () => this.isolated.clear()),
  };

  kill = (id: number) => this.act(`kill ${id}`, () => this.states.set(id, 'killed'));
  start = (id: number) => this.act(`start ${id}`, () => this.states.set(id, 'running'));
  pause = (id: number) => this.act(`pause ${id}`, () => this.states.set(id, 'paused'));
  resume = (id: number) => this.act(`resume ${id}`, () => this.states.set(id, 'running'));
  state = (id: number): NodeState => this.states.get(id)!;

  status = async (): Promise<NodeStatus[]> => {
    await this.act('status', () => undefined);
    return this.nodes.map(({ id }) => {
      const mode = this.modes.get(id);
      return {
        id,
        state: this.state(id),
        ...(mode ? { mode } : { error: 'not currently serving requests' }),
      };
    });
  };

  private async act(call: string, effect: () => unknown): Promise<void> {
    await Promise.resolve();
    if (this.failNext !== undefined && call.startsWith(this.failNext)) {
      this.failNext = undefined;
      throw new Error(`${call} failed: proxy unreachable`);
    }
    this.calls.push(call);
    effect();
  }

  asEnsemble(): Ensemble {
    return this as unknown as Ensemble;
  }
}

const OPTIONS = {
  intervalSeconds: 5,
  durationSeconds: 10,
  settings: { partitionTargets: 'one', killTargets: 'one', pauseTargets: 'one' },
};
const CATALOG = { workloads: [], nemeses: NEMESES };

function compose(names: string[], fake = new FakeEnsemble(5), settings: Record<string, string> = {}) {
  const plan = nemesisPlan(parseNemesisNames(names.join(','), CATALOG), {
    ...OPTIONS,
    settings: { ...OPTIONS.settings, ...settings },
  });
  return { fake, plan, nem: plan.build(fake.asEnsemble()) };
}

/** The nemesis thread's ops (sleeps included), as the scheduler would start them. */
function nemesisOps(gen: Gen, seed: number, maxOps = 40): GenEvent[] {
  return simulate(nemesis(gen), { threads: 1, nemesis: true, seed, maxOps }).filter(
    (e) => e.type === 'invoke',
  );
}

const invoke = (f: string, value: unknown): GenOp => ({
  type: 'invoke',
  f,
  value,
  process: 'nemesis',
  time: 0,
});
/** A start's value: `kind`, with the random order of nodes fixed. */
const plan = (targets: TargetKind, ...order: number[]) => ({ targets, order });
const hit = (roles: Record<number, string>) => ({
  type: 'ok',
  value: { targets: Object.keys(roles).map(Number), roles },
});

describe('the fault registry', () => {
  it('lists every family with help, and parses none or a comma-separated list', () => {
    expect(NEMESES.map((e) => e.name)).toEqual([
      'partition',
      'partition-leader',
      'partition-follower',
      'partition-halves',
      'partition-bridge',
      'partition-ring',
      'partition-grudge',
      'client-cut',
      'latency',
      'bandwidth',
      'reset-peer',
      'slow-close',
      'lag',
      'kill',
      'pause',
      'sync-kill',
      'disk',
      'client-isolate',
      'clock',
      'upgrade',
    ]);
    for (const entry of NEMESES) expect(entry.help.length).toBeGreaterThan(10);
    expect(parseNemesisNames('none', CATALOG)).toEqual([]);
    expect(parseNemesisNames('kill, pause,kill', CATALOG).map((e) => e.name)).toEqual(['kill', 'pause']);
  });
});

describe('target sets', () => {
  it('plans every node in a seeded random order', () => {
    const a = planTargets('minority', 5, rngFromSeed(3));
    expect([...a.order].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(planTargets('minority', 5, rngFromSeed(3))).toEqual(a);
  });

  it('resolves one, minority, majority, all, leader, follower and followers when the fault starts', async () => {
    const cases: Array<[TargetKind, number[]]> = [
      ['one', [4]],
      ['minority', [4, 2]],
      ['majority', [4, 2, 5]],
      ['all', [1, 2, 3, 4, 5]],
      ['leader', [1]],
      ['follower', [4]],
      ['followers', [4, 2, 5, 3]],
    ];
    for (const [kind, nodes] of cases) {
      const { fake, nem } = compose(['kill'], new FakeEnsemble(5));
      const done = await nem.invoke(invoke('kill', plan(kind, 4, 2, 5, 1, 3)));
      expect(done).toMatchObject({ type: 'ok', value: { targets: nodes } });
      expect(fake.calls.filter((c) => c.startsWith('kill'))).toEqual(nodes.map((n) => `kill ${n}`));
    }
  });

  it('records a role as one word: the mode, or not-serving for a node between elections', async () => {
    const fake = new FakeEnsemble(5);
    fake.modes.set(5, undefined); // it answers "not currently serving requests"
    const { nem } = compose(['kill'], fake);
    const done = await nem.invoke(invoke('kill', plan('majority', 4, 2, 5, 1, 3)));
    expect(done).toMatchObject({ value: { roles: { 4: 'follower', 2: 'follower', 5: 'not-serving' } } });
  });
});

describe('composed schedules', () => {
  it('has no schedule and no faults with no packages', () => {
    const { nem, plan } = compose([]);
    expect(plan.names).toEqual([]);
    expect(nem.generator).toBeNull();
    expect(nem.finalGenerator).toBeNull();
    expect(nem.active()).toEqual([]);
  });

  it('runs episodes on the nemesis thread: quiet, kill a planned target, hold, start what was hit', () => {
    const { nem } = compose(['kill'], new FakeEnsemble(5), { killTargets: 'minority' });
    const ops = nemesisOps(nem.generator, 1);
    expect(ops.every((e) => e.thread === 'nemesis' && e.process === 'nemesis')).toBe(true);
    for (let i = 0; i + 3 < ops.length; i += 4) {
      const [quiet, kill, hold, start] = ops.slice(i, i + 4);
      expect([quiet.special, quiet.value]).toEqual(['sleep', 5]);
      expect(kill.f).toBe('kill');
      expect((kill.value as { targets: string }).targets).toBe('minority');
      expect([...(kill.value as { order: number[] }).order].sort()).toEqual([1, 2, 3, 4, 5]);
      expect([hold.special, hold.value]).toEqual(['sleep', 10]);
      expect(start.f).toBe('start');
    }
    expect(ops[1].time).toBe(5e9);
  });

  it('pairs pause with resume and isolate with heal', () => {
    for (const [name, start, stop] of [
      ['pause', 'pause', 'resume'],
      ['partition', 'isolate', 'heal'],
    ] as const) {
      const ops = nemesisOps(compose([name]).nem.generator, 2).filter((e) => e.special === undefined);
      expect(ops.map((e) => e.f).slice(0, 4)).toEqual([start, stop, start, stop]);
    }
  });

  it('replays the same targets from the same seed, and covers every node across seeds', () => {
    const firsts = (seed: number) =>
      nemesisOps(compose(['kill', 'pause']).nem.generator, seed, 200)
        .filter((e) => e.f === 'kill' || e.f === 'pause')
        .map((e) => `${e.f} ${(e.value as { order: number[] }).order[0]}`);
    expect(firsts(11)).toEqual(firsts(11));
    expect(firsts(11)).not.toEqual(firsts(12));
    const all = [1, 2, 3, 4, 5, 6].flatMap(firsts);
    expect(new Set(all.map((n) => Number(n.split(' ')[1])))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(new Set(all.map((n) => n.split(' ')[0]))).toEqual(new Set(['kill', 'pause']));
  });

  it('ends with one heal per package', () => {
    const { nem } = compose(['partition', 'kill', 'pause']);
    expect(nemesisOps(nem.finalGenerator, 0).map((e) => [e.f, e.value])).toEqual([
      ['heal-all', null],
      ['start-all', null],
      ['resume-all', null],
    ]);
  });
});

describe('performing faults', () => {
  it('kills and starts the nodes it hit, recording their roles and listing the fault while it lasts', async () => {
    const { fake, nem } = compose(['kill']);
    expect(await nem.invoke(invoke('kill', plan('one', 2, 1, 3, 4, 5)))).toEqual(hit({ 2: 'follower' }));
    expect(fake.state(2)).toBe('killed');
    expect(nem.active()).toEqual(['node 2 killed']);
    expect(await nem.invoke(invoke('start', { targets: 'one' }))).toEqual({
      type: 'ok',
      value: { targets: [2] },
    });
    expect(fake.state(2)).toBe('running');
    expect(nem.active()).toEqual([]);
    expect(fake.calls).toEqual(['status', 'kill 2', 'start 2']);
  });

  it('lists every fault in force across packages', async () => {
    const { nem } = compose(['partition', 'kill', 'pause']);
    await nem.invoke(invoke('pause', plan('one', 4)));
    await nem.invoke(invoke('kill', plan('minority', 3, 1, 2, 4, 5)));
    await nem.invoke(invoke('isolate', plan('one', 5)));
    expect(nem.active()).toEqual(['node 5 isolated', 'nodes 1, 3 killed', 'node 4 paused']);
  });

  it('isolates the node that leads when the fault starts, and heals that node later', async () => {
    const { fake, nem } = compose(['partition-leader']);
    fake.modes.set(1, 'follower');
    fake.modes.set(3, 'leader');
    const episode = nemesisOps(nem.generator, 1).filter((e) => e.special === undefined);
    expect((episode[0].value as { targets: string }).targets).toBe('leader');
    expect(await nem.invoke(invoke('isolate', plan('leader', 1, 2, 3, 4, 5)))).toEqual(hit({ 3: 'leader' }));
    expect(nem.active()).toEqual(['node 3 isolated']);
    // A new leader is elected meanwhile: the stop still undoes the fault on node 3.
    fake.modes.set(3, 'follower');
    fake.modes.set(2, 'leader');
    expect(await nem.invoke(invoke('heal', { targets: 'leader' }))).toEqual({
      type: 'ok',
      value: { targets: [3] },
    });
    expect(nem.active()).toEqual([]);
    expect(fake.calls).toEqual(['status', 'isolate 3', 'healAll']);
  });

  it('records an info naming every node when no node has the role', async () => {
    const fake = new FakeEnsemble(3);
    for (const id of [1, 2, 3]) fake.modes.set(id, undefined);
    const { nem } = compose(['partition-leader'], fake);
    expect(await nem.invoke(invoke('isolate', plan('leader', 1, 2, 3)))).toEqual({
      type: 'info',
      error: {
        name: 'Error',
        message:
          'no leader right now (1:not currently serving requests, 2:not currently serving requests, 3:not currently serving requests)',
      },
    });
    expect(nem.active()).toEqual([]);
    expect(fake.calls).toEqual(['status']);
  });

  it('still heals after an isolation that failed half-way', async () => {
    const { fake, nem } = compose(['partition-leader']);
    fake.failNext = 'isolate';
    expect((await nem.invoke(invoke('isolate', plan('leader', 1, 2, 3, 4, 5)))).type).toBe('info');
    expect(await nem.invoke(invoke('heal', { targets: 'leader' }))).toEqual({
      type: 'ok',
      value: { targets: [1] },
    });
    expect(fake.calls).toEqual(['status', 'healAll']);
  });

  it('claims no node for a stop whose start never resolved', async () => {
    const { fake, nem } = compose(['partition-leader']);
    fake.failNext = 'status';
    expect((await nem.invoke(invoke('isolate', plan('leader', 1, 2, 3, 4, 5)))).type).toBe('info');
    expect(await nem.invoke(invoke('heal', { targets: 'leader' }))).toEqual({
      type: 'ok',
      value: { targets: [] },
    });
    expect(fake.calls).toEqual([]);
  });

  it('heals every fault in the final phase, whatever the episodes left', async () => {
    const { fake, nem } = compose(['partition', 'kill', 'pause']);
    await nem.invoke(invoke('kill', plan('one', 1)));
    await nem.invoke(invoke('pause', plan('one', 3)));
    await nem.invoke(invoke('isolate', plan('one', 2)));
    fake.calls.length = 0;
    for (const e of nemesisOps(nem.finalGenerator, 0)) {
      expect(await nem.invoke(invoke(e.f, e.value))).toEqual({ type: 'ok', value: null });
    }
    expect(fake.calls).toEqual(['healAll', 'start 1', 'resume 3']);
    expect([...fake.states.values()]).toEqual(['running', 'running', 'running', 'running', 'running']);
    expect(fake.isolated.size).toBe(0);
    expect(nem.active()).toEqual([]);
  });

  it('fails an op no package performs', async () => {
    const { fake, nem } = compose(['kill']);
    expect(await nem.invoke(invoke('pause', plan('one', 1)))).toEqual({
      type: 'fail',
      error: { name: 'UNSUPPORTED', message: 'no nemesis performs "pause"' },
    });
    expect(fake.calls).toEqual([]);
  });

  it('records a throwing ensemble call as info', async () => {
    const { fake, nem } = compose(['pause']);
    fake.failNext = 'pause';
    const completion: Completion = await nem.invoke(invoke('pause', plan('one', 2)));
    expect(completion).toEqual({
      type: 'info',
      error: { name: 'Error', message: 'pause 2 failed: proxy unreachable' },
    });
    expect(fake.state(2)).toBe('running');
  });
});

describe('upgrade', () => {
  /** A docker-like ensemble: replaceNode swaps a node's image, and the node reports its version. */
  function upgradable(size: number, leader: number, provider = 'docker') {
    const images = new Map(Array.from({ length: size }, (_, i) => [i + 1, 'zkcheck/zookeeper:3.8.0-debian']));
    const calls: string[] = [];
    const ensemble = {
      provider,
      nodes: [...images.keys()].map((id) => ({ id })),
      leader: async () => leader,
      replaceNode: async (id: number, source: string) => {
        calls.push(`replace ${id} ${source}`);
        images.set(id, source);
      },
      waitForQuorum: async () => {
        calls.push('quorum');
      },
      status: async () =>
        [...images].map(([id, image]) => ({
          id,
          state: 'running',
          mntr: { zk_version: `${/:(\d[\d.]*)/.exec(image)![1]}-1, built on 2026-01-01` },
        })),
    };
    return { calls, ensemble: ensemble as unknown as Ensemble };
  }
  const settings = { upgradeTo: '3.9.6' };
  const image = async (version: string) => `zkcheck/zookeeper:${version}-debian`;

  it('is checked before the ensemble exists, and refuses one that cannot run another release', () => {
    const entries = parseNemesisNames('upgrade', CATALOG);
    // The dry build (an ensemble that is only its size) lets it through: the provider is unknown there.
    const plan = nemesisPlan(entries, { ...OPTIONS, settings, nodes: 3 });
    expect(() => plan.build(upgradable(3, 1, 'local').ensemble)).toThrow(
      new NemesisError(
        '--nemesis upgrade: the local provider cannot run a node from another release; run on docker (--provider docker, or --zookeeper VERSION)',
      ),
    );
    const { ensemble } = upgradable(3, 1);
    const withoutReplace = { ...ensemble, replaceNode: undefined } as unknown as Ensemble;
    expect(() => plan.build(withoutReplace)).toThrow(/the docker provider cannot run a node/);
    expect(() => plan.build(ensemble)).not.toThrow();
  });

  it('refuses --provider local before anything starts, in one line, also as a scripted step', () => {
    const entries = parseNemesisNames('upgrade', CATALOG);
    const message =
      'the local provider cannot run a node from another release; run on docker (--provider docker, or --zookeeper VERSION)';
    const plan = (run: RunFacts, schedule?: ScheduleStep[]) => () =>
      nemesisPlan(entries, { ...OPTIONS, settings, nodes: 3, run, ...(schedule ? { schedule } : {}) });
    expect(plan({ provider: 'local' })).toThrow(new NemesisError(`--nemesis upgrade: ${message}`));
    const step: ScheduleStep = { kind: 'timed', index: 1, fault: 'upgrade', at: 2, for: 5 };
    expect(plan({ provider: 'local' }, [step])).toThrow(
      new NemesisError(`nemesisSchedule step 1 (upgrade): ${message}`),
    );
    expect(plan({ provider: 'docker' })).not.toThrow();
    expect(plan({ provider: 'auto', zookeeper: '3.8.0' })).not.toThrow();
  });

  it('offers only releases newer than the oldest known as targets, the newest by default', () => {
    const setting = NEMESES.find((e) => e.name === 'upgrade')!.settings[0];
    expect(setting.choices).not.toContain('3.8.0');
    expect(setting.choices).toContain('3.9.6');
    expect(setting.default).toBe('3.9.6');
  });

  it('upgrades one node per op, followers first and the leader last, then does nothing', async () => {
    const { calls, ensemble } = upgradable(3, 2);
    const pkg = upgradePackage({ ...OPTIONS, settings, ensemble }, image);
    const values: unknown[] = [];
    for (let i = 0; i < 4; i++) values.push((await pkg.invoke(invoke('upgrade', { to: '3.9.6' }))).value);
    expect(values).toEqual([
      {
        targets: [1],
        roles: { 1: 'follower' },
        to: '3.9.6',
        image: 'zkcheck/zookeeper:3.9.6-debian',
        reported: '3.9.6-1',
      },
      {
        targets: [3],
        roles: { 3: 'follower' },
        to: '3.9.6',
        image: 'zkcheck/zookeeper:3.9.6-debian',
        reported: '3.9.6-1',
      },
      {
        targets: [2],
        roles: { 2: 'leader' },
        to: '3.9.6',
        image: 'zkcheck/zookeeper:3.9.6-debian',
        reported: '3.9.6-1',
      },
      { targets: [], done: true },
    ]);
    expect(calls.filter((c) => c !== 'quorum')).toEqual([
      'replace 1 zkcheck/zookeeper:3.9.6-debian',
      'replace 3 zkcheck/zookeeper:3.9.6-debian',
      'replace 2 zkcheck/zookeeper:3.9.6-debian',
    ]);
  });

  it('lists mixed versions while they last, and the final phase upgrades every node left', async () => {
    const { ensemble } = upgradable(3, 1);
    const pkg = upgradePackage({ ...OPTIONS, settings, ensemble }, image);
    expect(pkg.active()).toEqual([]);
    await pkg.invoke(invoke('upgrade', { to: '3.9.6' }));
    expect(pkg.active()).toEqual(['node 2 on 3.9.6 (mixed versions)']);
    const rest = await pkg.invoke(invoke('upgrade-rest', { to: '3.9.6' }));
    expect((rest.value as { steps: Array<{ targets: number[] }> }).steps.map((s) => s.targets)).toEqual([
      [3],
      [1],
    ]);
    expect(pkg.active()).toEqual([]);
  });

  it('records a failed replacement as info, and tries that node again next time', async () => {
    const { ensemble } = upgradable(3, 1);
    let failures = 1;
    const flaky = {
      ...ensemble,
      replaceNode: async (id: number, source: string) => {
        if (failures-- > 0) throw new Error('image pull failed');
        await ensemble.replaceNode!(id, source);
      },
    } as unknown as Ensemble;
    const pkg = upgradePackage({ ...OPTIONS, settings, ensemble: flaky }, image);
    expect(await pkg.invoke(invoke('upgrade', { to: '3.9.6' }))).toEqual({
      type: 'info',
      error: { name: 'Error', message: 'image pull failed' },
    });
    expect(pkg.active()).toEqual([]);
    const retried = await pkg.invoke(invoke('upgrade', { to: '3.9.6' }));
    expect(retried).toMatchObject({ type: 'ok', value: { targets: [2], reported: '3.9.6-1' } });
  });
});
