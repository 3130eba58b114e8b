import { describe, expect, it } from 'vitest';
import type { Ensemble, NodeState, NodeStatus, ZkMode } from '../harness/cluster/types.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { simulate } from '../harness/generator/simulate.js';
import { nemesis } from '../harness/generator/threads.js';
import type { Gen, GenEvent, GenOp } from '../harness/generator/types.js';
import { composeNemesis, NEMESIS_NAMES, parseNemesisNames } from './index.js';
import { NemesisError } from './types.js';

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

const OPTIONS = { intervalSeconds: 5, durationSeconds: 10 };

function compose(names: string[], fake = new FakeEnsemble(5)) {
  return { fake, nem: composeNemesis(names, { ensemble: fake.asEnsemble(), ...OPTIONS }) };
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

describe('parseNemesisNames', () => {
  it('reads none, or nothing, as no nemesis', () => {
    expect(parseNemesisNames('none')).toEqual([]);
    expect(parseNemesisNames('')).toEqual([]);
  });

  it('reads a comma-separated list, trimming spaces and dropping duplicates and none', () => {
    expect(parseNemesisNames('kill, pause')).toEqual(['kill', 'pause']);
    expect(parseNemesisNames('kill,pause,kill')).toEqual(['kill', 'pause']);
    expect(parseNemesisNames('none,partition-leader')).toEqual(['partition-leader']);
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(NEMESIS_NAMES).toEqual(['partition', 'partition-leader', 'partition-follower', 'kill', 'pause']);
    for (const text of ['kill,crash', 'Kill']) {
      const name = text.split(',').at(-1);
      expect(() => parseNemesisNames(text)).toThrow(
        new NemesisError(
          `unknown nemesis "${name}": use none or a comma-separated list of partition, partition-leader, partition-follower, kill, pause`,
        ),
      );
    }
  });
});

describe('composeNemesis schedules', () => {
  it('has no schedule and no faults with no packages', () => {
    const { nem } = compose([]);
    expect(nem.generator).toBeNull();
    expect(nem.finalGenerator).toBeNull();
    expect(nem.active()).toEqual([]);
  });

  it('runs episodes on the nemesis thread: quiet, kill a node, hold, start the same node', () => {
    const { nem } = compose(['kill']);
    const ops = nemesisOps(nem.generator, 1);
    expect(ops.every((e) => e.thread === 'nemesis' && e.process === 'nemesis')).toBe(true);
    for (let i = 0; i + 3 < ops.length; i += 4) {
      const [quiet, kill, hold, start] = ops.slice(i, i + 4);
      expect([quiet.special, quiet.value]).toEqual(['sleep', 5]);
      expect(kill.f).toBe('kill');
      expect(kill.special).toBeUndefined();
      expect([hold.special, hold.value]).toEqual(['sleep', 10]);
      expect(start.f).toBe('start');
      expect(start.value).toBe(kill.value);
      expect(kill.value).toBeGreaterThanOrEqual(1);
      expect(kill.value).toBeLessThanOrEqual(5);
      expect(Number.isInteger(kill.value)).toBe(true);
    }
    // The first fault starts after the quiet time, the stop after the fault's duration.
    expect(ops[1].time).toBe(5e9);
    expect(ops[3].time - ops[1].time).toBe(10e9 + 10); // the kill itself takes 10 simulated ns
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

  it('replays the same nodes from the same seed, and covers every node across seeds', () => {
    const nodes = (seed: number) =>
      nemesisOps(compose(['kill', 'pause']).nem.generator, seed, 200)
        .filter((e) => e.f === 'kill' || e.f === 'pause')
        .map((e) => `${e.f} ${String(e.value)}`);
    expect(nodes(11)).toEqual(nodes(11));
    expect(nodes(11)).not.toEqual(nodes(12));
    const all = [1, 2, 3, 4, 5, 6].flatMap(nodes);
    expect(new Set(all.map((n) => Number(n.split(' ')[1])))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(new Set(all.map((n) => n.split(' ')[0]))).toEqual(new Set(['kill', 'pause']));
  });

  it('draws each episode from one package, stopping what it started', () => {
    const ops = nemesisOps(compose(['kill', 'pause', 'partition']).nem.generator, 5, 200).filter(
      (e) => e.special === undefined,
    );
    const stopOf: Record<string, string> = { kill: 'start', pause: 'resume', isolate: 'heal' };
    for (let i = 0; i + 1 < ops.length; i += 2) {
      expect(ops[i + 1].f).toBe(stopOf[ops[i].f]);
      expect(ops[i + 1].value).toBe(ops[i].value);
    }
    expect(new Set(ops.map((e) => e.f))).toEqual(
      new Set(['kill', 'start', 'pause', 'resume', 'isolate', 'heal']),
    );
  });

  it('names the role, not a node, in leader and follower episodes', () => {
    for (const role of ['leader', 'follower']) {
      const ops = nemesisOps(compose([`partition-${role}`]).nem.generator, 3).filter(
        (e) => e.special === undefined,
      );
      expect(ops.slice(0, 2).map((e) => [e.f, e.value])).toEqual([
        ['isolate', role],
        ['heal', role],
      ]);
    }
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

describe('composeNemesis performing faults', () => {
  it('kills and starts the node it is given, listing the fault while it lasts', async () => {
    const { fake, nem } = compose(['kill']);
    expect(await nem.invoke(invoke('kill', 2))).toEqual({ type: 'ok', value: 2 });
    expect(fake.state(2)).toBe('killed');
    expect(nem.active()).toEqual(['node 2 killed']);
    expect(await nem.invoke(invoke('start', 2))).toEqual({ type: 'ok', value: 2 });
    expect(fake.state(2)).toBe('running');
    expect(nem.active()).toEqual([]);
    expect(fake.calls).toEqual(['kill 2', 'start 2']);
  });

  it('lists every fault in force across packages, in node order', async () => {
    const { nem } = compose(['partition', 'kill', 'pause']);
    await nem.invoke(invoke('pause', 4));
    await nem.invoke(invoke('kill', 3));
    await nem.invoke(invoke('kill', 1));
    await nem.invoke(invoke('isolate', 5));
    expect(nem.active()).toEqual(['node 5 isolated', 'node 1 killed', 'node 3 killed', 'node 4 paused']);
  });

  it('isolates the node that leads when the fault starts, and heals that node later', async () => {
    const { fake, nem } = compose(['partition-leader']);
    fake.modes.set(1, 'follower');
    fake.modes.set(3, 'leader');
    expect(await nem.invoke(invoke('isolate', 'leader'))).toEqual({ type: 'ok', value: 3 });
    expect(nem.active()).toEqual(['node 3 isolated']);
    // A new leader is elected meanwhile: the stop still undoes the fault on node 3.
    fake.modes.set(3, 'follower');
    fake.modes.set(2, 'leader');
    expect(await nem.invoke(invoke('heal', 'leader'))).toEqual({ type: 'ok', value: 3 });
    expect(nem.active()).toEqual([]);
    expect(fake.calls).toEqual(['status', 'isolate 3', 'healAll']);
  });

  it('isolates the lowest-numbered follower for partition-follower', async () => {
    const { fake, nem } = compose(['partition-follower']);
    fake.modes.set(2, undefined);
    expect(await nem.invoke(invoke('isolate', 'follower'))).toEqual({ type: 'ok', value: 3 });
    expect(fake.isolated).toEqual(new Set([3]));
    expect(await nem.invoke(invoke('heal', 'follower'))).toEqual({ type: 'ok', value: 3 });
    expect(fake.isolated).toEqual(new Set());
  });

  it('records an info naming every node when no node has the role', async () => {
    const fake = new FakeEnsemble(3);
    for (const id of [1, 2, 3]) fake.modes.set(id, undefined);
    const { nem } = compose(['partition-leader'], fake);
    expect(await nem.invoke(invoke('isolate', 'leader'))).toEqual({
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

  it('still heals after a leader isolation that failed half-way', async () => {
    const { fake, nem } = compose(['partition-leader']);
    fake.failNext = 'isolate';
    expect((await nem.invoke(invoke('isolate', 'leader'))).type).toBe('info');
    expect(await nem.invoke(invoke('heal', 'leader'))).toEqual({ type: 'ok', value: 1 });
    expect(fake.calls).toEqual(['status', 'healAll']);
  });

  it('claims no node for a stop whose role was never resolved', async () => {
    const { fake, nem } = compose(['partition-leader']);
    await nem.invoke(invoke('isolate', 'leader'));
    await nem.invoke(invoke('heal', 'leader'));
    fake.failNext = 'status';
    expect((await nem.invoke(invoke('isolate', 'leader'))).type).toBe('info');
    expect(await nem.invoke(invoke('heal', 'leader'))).toEqual({ type: 'ok', value: null });
    expect(fake.calls).toEqual(['status', 'isolate 1', 'healAll']);
  });

  it('works with several partition packages at once', async () => {
    const { fake, nem } = compose(['partition', 'partition-leader', 'partition-follower']);
    expect(await nem.invoke(invoke('isolate', 'leader'))).toEqual({ type: 'ok', value: 1 });
    expect(nem.active()).toEqual(['node 1 isolated']);
    expect(await nem.invoke(invoke('heal', 'leader'))).toEqual({ type: 'ok', value: 1 });
    expect(await nem.invoke(invoke('isolate', 4))).toEqual({ type: 'ok', value: 4 });
    expect(await nem.invoke(invoke('heal', 4))).toEqual({ type: 'ok', value: 4 });
    expect(nem.active()).toEqual([]);
    expect(fake.calls).toEqual(['status', 'isolate 1', 'healAll', 'isolate 4', 'healAll']);
  });

  it('heals every fault in the final phase, whatever the episodes left', async () => {
    const { fake, nem } = compose(['partition', 'kill', 'pause']);
    await nem.invoke(invoke('kill', 1));
    await nem.invoke(invoke('pause', 3));
    await nem.invoke(invoke('isolate', 2));
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
    expect(await nem.invoke(invoke('pause', 1))).toEqual({
      type: 'fail',
      error: { name: 'UNSUPPORTED', message: 'no nemesis performs "pause"' },
    });
    expect(fake.calls).toEqual([]);
  });

  it('records a throwing ensemble call as info, leaving the fault unlisted', async () => {
    const { fake, nem } = compose(['pause']);
    fake.failNext = 'pause';
    const completion: Completion = await nem.invoke(invoke('pause', 2));
    expect(completion).toEqual({
      type: 'info',
      error: { name: 'Error', message: 'pause 2 failed: proxy unreachable' },
    });
    expect(nem.active()).toEqual([]);
    expect(fake.state(2)).toBe('running');
  });
});
