/**
 * Partition shapes, link faults and lag on a fake ensemble: which directed links each shape cuts,
 * what the grudge syntax accepts and refuses, what each family asks of the proxies, what the
 * history records, and lag following the leader.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type {
  CutDirection,
  CutMode,
  Ensemble,
  LinkRef,
  LinkToxic,
  NodeStatus,
  PeerLink,
  ZkMode,
} from '../harness/cluster/types.js';
import type { GenOp } from '../harness/generator/types.js';
import { simulate } from '../harness/generator/simulate.js';
import { nemesis } from '../harness/generator/threads.js';
import { NemesisError, type NemesisEntry, type PluginSettings } from '../harness/runner/spec.js';
import { bridge, describeLinks, halves, majoritiesRing, parseGrudge, type Directed } from './shapes.js';
import {
  clientCut,
  partitionBridge,
  partitionGrudge,
  partitionHalves,
  partitionRing,
} from './partition-shapes.js';
import { lag, latency, resetPeer, slowClose, bandwidth, LAG_FOLLOW_MS } from './link-faults.js';

const name = (l: LinkRef) => (typeof l === 'string' ? l : l.proxy);

/** The proxies of an ensemble of `size`, and every call the families make on them. */
class FakeEnsemble {
  readonly calls: string[] = [];
  readonly modes = new Map<number, ZkMode | undefined>();
  readonly all: PeerLink[] = [];

  constructor(readonly size: number) {
    for (let id = 1; id <= size; id++) this.modes.set(id, id === 1 ? 'leader' : 'follower');
    for (let from = 1; from <= size; from++)
      for (let to = 1; to <= size; to++)
        if (from !== to)
          for (const kind of ['quorum', 'election'] as const)
            this.all.push({ from, to, kind, proxy: `${kind}-${from}-${to}`, listen: '', port: 0 });
  }

  get nodes() {
    return Array.from({ length: this.size }, (_, i) => ({ id: i + 1 }));
  }

  readonly links = {
    all: this.all,
    between: (from: number, to: number) => this.all.filter((l) => l.from === from && l.to === to),
    of: (id: number) => this.all.filter((l) => l.from === id || l.to === id),
    client: (id: number) => `client-${id}`,
    cut: async (links: readonly LinkRef[], mode: CutMode, direction: CutDirection = 'both') => {
      this.calls.push(`cut ${mode} ${direction} ${links.map(name).join(' ')}`);
    },
    addToxics: async (links: readonly LinkRef[], toxics: readonly LinkToxic[]) => {
      this.calls.push(`toxics ${toxics.map((t) => t.name).join(',')} ${links.map(name).join(' ')}`);
    },
    heal: async (links: readonly LinkRef[], names?: readonly string[]) => {
      this.calls.push(`heal ${names ? `${names.join(',')} ` : ''}${links.map(name).join(' ')}`);
    },
    healAll: async () => {
      this.calls.push('healAll');
    },
  };

  status = async (): Promise<NodeStatus[]> =>
    this.nodes.map(({ id }) => {
      const mode = this.modes.get(id);
      return { id, state: 'running' as const, ...(mode ? { mode } : { error: 'not serving' }) };
    });

  asEnsemble(): Ensemble {
    return this as unknown as Ensemble;
  }
}

const invoke = (f: string, value: unknown): GenOp => ({
  type: 'invoke',
  f,
  value,
  process: 'nemesis',
  time: 0,
});

function create(entry: NemesisEntry, fake: FakeEnsemble, settings: PluginSettings = {}) {
  const defaults = Object.fromEntries(entry.settings.map((s) => [s.key, s.default]));
  return entry.create({
    ensemble: fake.asEnsemble(),
    intervalSeconds: 5,
    durationSeconds: 10,
    settings: { ...defaults, ...settings },
  });
}

/** Directed links as "a->b", sorted like the shapes sort them. */
const arrows = (links: readonly Directed[]) => describeLinks(links);

/** Who node x can reach (its own links towards them intact), x included. */
function views(size: number, links: readonly Directed[]): Map<number, number[]> {
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  return new Map(
    ids.map((x) => [x, ids.filter((y) => x === y || !links.some(([a, b]) => a === x && b === y))]),
  );
}

describe('shapes, as directed links', () => {
  it('halves: the first ⌊n/2⌋ of the order against the rest, both ways', () => {
    expect(halves([3, 1, 2])).toEqual({
      links: [
        [1, 3],
        [2, 3],
        [3, 1],
        [3, 2],
      ],
      groups: [[3], [1, 2]],
    });
    const five = halves([5, 2, 4, 1, 3]);
    expect(five.groups).toEqual([
      [2, 5],
      [1, 3, 4],
    ]);
    expect(five.links).toHaveLength(2 * 2 * 3);
    expect(arrows(five.links)).toContain('5->1');
    expect(arrows(five.links)).toContain('1->5');
    expect(arrows(five.links)).not.toContain('2->5');
  });

  it('bridge: the first node of the order talks to both halves, which cannot talk to each other', () => {
    expect(bridge([2, 1, 3])).toEqual({
      links: [
        [1, 3],
        [3, 1],
      ],
      groups: [[1], [2], [3]],
    });
    const five = bridge([4, 5, 1, 2, 3]);
    expect(five.groups).toEqual([[1, 5], [4], [2, 3]]);
    expect(arrows(five.links)).toEqual(['1->2', '1->3', '2->1', '2->5', '3->1', '3->5', '5->2', '5->3']);
    // Every majority of 5 that can talk among itself holds the bridge.
    const seen = views(5, five.links);
    expect(seen.get(4)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.get(5)).toEqual([1, 4, 5]);
  });

  it('majorities ring: each node reaches a majority, no two the same, for 3 to 7 nodes', () => {
    for (const size of [3, 4, 5, 6, 7]) {
      const order = Array.from({ length: size }, (_, i) => ((i * 3) % size) + 1);
      if (new Set(order).size !== size) order.splice(0, size, ...order.map((_, i) => i + 1));
      const ring = majoritiesRing(order);
      const seen = views(size, ring.links);
      const majority = Math.floor(size / 2) + 1;
      for (const [, view] of seen) {
        expect(view.length, `size ${size}`).toBeGreaterThanOrEqual(majority);
        expect(view.length, `size ${size}`).toBeLessThan(size);
      }
      expect(new Set([...seen.values()].map((v) => v.join())).size, `size ${size}`).toBe(size);
      expect(ring.groups.map((g) => g.join())).toEqual(order.map((x) => seen.get(x)!.join()));
    }
  });

  it('majorities ring of 5 is symmetric (each node keeps its two ring neighbours), of 3 one-way', () => {
    const five = majoritiesRing([1, 2, 3, 4, 5]);
    expect(five.groups).toEqual([
      [1, 2, 5],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 5],
      [1, 4, 5],
    ]);
    for (const [a, b] of five.links) expect(five.links).toContainEqual([b, a]);
    const three = majoritiesRing([1, 2, 3]);
    expect(arrows(three.links)).toEqual(['1->3', '2->1', '3->2']);
  });
});

describe('the grudge syntax', () => {
  it('reads groups: nodes in different groups are cut both ways, nodes in none keep their links', () => {
    expect(arrows(parseGrudge('1,2|3,4,5', 5).links)).toEqual([
      '1->3',
      '1->4',
      '1->5',
      '2->3',
      '2->4',
      '2->5',
      '3->1',
      '3->2',
      '4->1',
      '4->2',
      '5->1',
      '5->2',
    ]);
    expect(parseGrudge(' 1 | 3 ', 3)).toEqual({
      links: [
        [1, 3],
        [3, 1],
      ],
      groups: [[1], [3]],
    });
    expect(arrows(parseGrudge('1|2|3', 3).links)).toHaveLength(6);
  });

  it('reads links: a-b both ways, a>b only a towards b, duplicates once', () => {
    expect(arrows(parseGrudge('1-3,2>4', 5).links)).toEqual(['1->3', '2->4', '3->1']);
    expect(arrows(parseGrudge('2>1,1-2', 3).links)).toEqual(['1->2', '2->1']);
  });

  it('refuses bad input with one line naming it', () => {
    const cases: Array<[string, string]> = [
      ['', 'empty'],
      ['1,2|', 'an empty group'],
      ['1,2|2,3', 'node 2 is named twice'],
      ['1|4', 'no node 4 in an ensemble of 3'],
      ['0-1', 'no node 0 in an ensemble of 3'],
      ['1-x', '"x" is not a node id'],
      ['1-2-3', '"1-2-3" is not a-b or a>b'],
      ['1,2', '"1" is not a-b or a>b'],
      ['2>2', 'cuts node 2 from itself'],
      ['1|2-3', 'mixes groups'],
    ];
    for (const [text, why] of cases) {
      const attempt = () => parseGrudge(text, 3);
      expect(attempt, text).toThrow(NemesisError);
      expect(attempt, text).toThrow(why);
      try {
        attempt();
      } catch (error) {
        expect((error as Error).message).not.toContain('\n');
        expect((error as Error).message).toMatch(/^--partition-grudge ".*": /);
      }
    }
  });

  it('is checked when the family is created, before any fault', () => {
    const fake = new FakeEnsemble(3);
    expect(() => create(partitionGrudge, fake, { partitionGrudge: '1|7' })).toThrow(
      new NemesisError(
        '--partition-grudge "1|7": no node 7 in an ensemble of 3 (e.g. "1,2|3,4,5" or "1-3,2>4")',
      ),
    );
    expect(() => create(partitionGrudge, fake, {})).toThrow(/needs --partition-grudge/);
    expect(() => create(partitionGrudge, fake, { partitionGrudge: '1,2,3' })).toThrow(NemesisError);
    expect(() => create(partitionGrudge, fake, { partitionGrudge: '1,2|3' })).not.toThrow();
  });
});

describe('shape families on the proxies', () => {
  it('cut exactly the quorum and election proxies of each directed link, record them, heal those', async () => {
    const fake = new FakeEnsemble(3);
    const pkg = create(partitionBridge, fake);
    const started = await pkg.invoke(invoke('cut-bridge', { targets: 'bridge', order: [2, 1, 3] }));
    expect(started).toEqual({
      type: 'ok',
      value: {
        fault: 'partition-bridge',
        targets: [1, 3],
        roles: { 1: 'leader', 3: 'follower' },
        cut: ['1->3', '3->1'],
        groups: [[1], [2], [3]],
        mode: 'blackhole',
        direction: 'both',
      },
    });
    expect(pkg.active()).toEqual(['bridge (1 | 2 | 3) cut']);
    expect(await pkg.invoke(invoke('heal-bridge', { targets: 'bridge' }))).toEqual({
      type: 'ok',
      value: { targets: [1, 3] },
    });
    expect(pkg.active()).toEqual([]);
    expect(fake.calls).toEqual([
      'cut blackhole both quorum-1-3 election-1-3 quorum-3-1 election-3-1',
      'heal quorum-1-3 election-1-3 quorum-3-1 election-3-1',
    ]);
    expect(await pkg.invoke(invoke('heal-all-bridge', null))).toEqual({ type: 'ok', value: null });
    expect(fake.calls.at(-1)).toBe('healAll');
  });

  it('pass --cut-mode and --cut-direction to the proxies', async () => {
    const fake = new FakeEnsemble(3);
    const pkg = create(partitionHalves, fake, { cutMode: 'reset', cutDirection: 'one-way' });
    await pkg.invoke(invoke('cut-halves', { targets: 'halves', order: [3, 1, 2] }));
    expect(fake.calls).toEqual([
      'cut reset one-way quorum-1-3 election-1-3 quorum-2-3 election-2-3 quorum-3-1 election-3-1 quorum-3-2 election-3-2',
    ]);
    expect(pkg.active()).toEqual(['halves (3 | 1,2) reset one way']);
  });

  it('plan a seeded random order per episode, quiet then cut then hold then heal', () => {
    const fake = new FakeEnsemble(5);
    for (const [entry, start, stop] of [
      [partitionHalves, 'cut-halves', 'heal-halves'],
      [partitionRing, 'cut-ring', 'heal-ring'],
      [partitionBridge, 'cut-bridge', 'heal-bridge'],
      [lag, 'lag', 'heal-lag'],
      [latency, 'latency', 'heal-latency'],
    ] as const) {
      const ops = (seed: number) =>
        simulate(nemesis(create(entry, fake).episode), { threads: 1, nemesis: true, seed, maxOps: 8 }).filter(
          (e) => e.type === 'invoke',
        );
      const run = ops(4);
      expect(run.map((e) => e.special ?? e.f)).toEqual([
        'sleep',
        start,
        'sleep',
        stop,
        'sleep',
        start,
        'sleep',
        stop,
      ]);
      expect([...(run[1].value as { order: number[] }).order].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(ops(4).map((e) => e.value)).toEqual(run.map((e) => e.value));
    }
  });

  it('record info and cut nothing when a shape has no link to cut', async () => {
    const fake = new FakeEnsemble(2);
    const pkg = create(partitionRing, fake);
    expect(await pkg.invoke(invoke('cut-ring', { targets: 'ring', order: [1, 2] }))).toMatchObject({
      type: 'info',
      error: { message: 'partition-ring: no link to cut in an ensemble of 2' },
    });
    expect(await pkg.invoke(invoke('heal-ring', { targets: 'ring' }))).toEqual({
      type: 'ok',
      value: { targets: [] },
    });
    expect(fake.calls).toEqual([]);
  });

  it("client-cut loses the replies on the targets' client proxies only", async () => {
    const fake = new FakeEnsemble(5);
    const pkg = create(clientCut, fake, { clientCutTargets: 'minority' });
    expect(await pkg.invoke(invoke('cut-clients', { targets: 'minority', order: [4, 2, 1, 3, 5] }))).toEqual({
      type: 'ok',
      value: {
        fault: 'client-cut',
        targets: [2, 4],
        roles: { 2: 'follower', 4: 'follower' },
        mode: 'blackhole',
        direction: 'one-way',
      },
    });
    await pkg.invoke(invoke('heal-clients', { targets: 'minority' }));
    expect(fake.calls).toEqual(['cut blackhole one-way client-2 client-4', 'heal client-2 client-4']);
  });
});

describe('link toxics', () => {
  it('add their toxics on every peer link of the targets (or their client proxies) and remove only those', async () => {
    const fake = new FakeEnsemble(3);
    const pkg = create(latency, fake, { latencyMs: 300, latencyJitterMs: 50 });
    const started = await pkg.invoke(invoke('latency', { targets: 'one', order: [2, 1, 3] }));
    expect(started).toMatchObject({
      type: 'ok',
      value: {
        fault: 'latency',
        targets: [2],
        links: 'peer',
        toxics: [
          {
            name: 'latency_upstream',
            type: 'latency',
            stream: 'upstream',
            attributes: { latency: 300, jitter: 50 },
          },
          {
            name: 'latency_downstream',
            type: 'latency',
            stream: 'downstream',
            attributes: { latency: 300, jitter: 50 },
          },
        ],
      },
    });
    expect(pkg.active()).toEqual(['node 2: latency 300±50 ms on peer links']);
    await pkg.invoke(invoke('heal-latency', { targets: 'one' }));
    const peerOf2 =
      'quorum-1-2 election-1-2 quorum-2-1 election-2-1 quorum-2-3 election-2-3 quorum-3-2 election-3-2';
    expect(fake.calls.map((c) => c.split(' ').sort().join(' '))).toEqual([
      `toxics latency_upstream,latency_downstream ${peerOf2}`.split(' ').sort().join(' '),
      `heal latency_upstream,latency_downstream ${peerOf2}`.split(' ').sort().join(' '),
    ]);

    const clients = new FakeEnsemble(3);
    for (const [entry, settings] of [
      [bandwidth, { bandwidthLinks: 'client', bandwidthRate: 5 }],
      [resetPeer, { resetPeerLinks: 'client' }],
      [slowClose, { slowCloseLinks: 'client' }],
    ] as const) {
      const p = create(entry, clients, settings);
      await p.invoke(invoke(entry.name, { targets: 'one', order: [3, 1, 2] }));
      await p.invoke(invoke(`heal-${entry.name}`, { targets: 'one' }));
    }
    expect(clients.calls).toEqual([
      'toxics bandwidth_upstream,bandwidth_downstream client-3',
      'heal bandwidth_upstream,bandwidth_downstream client-3',
      'toxics reset_peer_upstream client-3',
      'heal reset_peer_upstream client-3',
      'toxics slow_close_upstream,slow_close_downstream client-3',
      'heal slow_close_upstream,slow_close_downstream client-3',
    ]);
  });

  it('have help and settings that read as one line each, with defaults', () => {
    for (const entry of [
      partitionHalves,
      partitionBridge,
      partitionRing,
      partitionGrudge,
      clientCut,
      latency,
      bandwidth,
      resetPeer,
      slowClose,
      lag,
    ]) {
      expect(entry.help.length, entry.name).toBeGreaterThan(20);
      expect(entry.help, entry.name).not.toContain('\n');
      for (const s of entry.settings) {
        expect(s.flag.startsWith('--'), s.key).toBe(true);
        // The CLI reads --client-cut-targets as clientCutTargets: the key must be that.
        const long = s.flag.split(' ')[0].slice(2);
        expect(s.key).toBe(long.replace(/-(.)/g, (_, c: string) => c.toUpperCase()));
        expect(s.help.length, s.key).toBeGreaterThan(10);
        if (s.key !== 'partitionGrudge') expect(s.default, s.key).toBeDefined();
      }
    }
  });
});

describe('lag', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("delays the leader's quorum traffic to one follower, and follows the leader when it changes", async () => {
    vi.useFakeTimers();
    const fake = new FakeEnsemble(3);
    const pkg = create(lag, fake, { lagMs: 800 });
    expect(await pkg.invoke(invoke('lag', { targets: 'follower', order: [1, 3, 2] }))).toEqual({
      type: 'ok',
      value: {
        fault: 'lag',
        targets: [1, 3],
        roles: { 1: 'leader', 3: 'follower' },
        leader: 1,
        follower: 3,
        lagMs: 800,
      },
    });
    // Node 3 dials leader 1: the leader's bytes are the replies of 3->1, the requests of 1->3.
    expect(fake.calls).toEqual(['toxics lag_downstream quorum-3-1', 'toxics lag_upstream quorum-1-3']);
    expect(pkg.active()).toEqual(['node 3 lags 800 ms behind leader 1']);

    // Same leader: nothing moves.
    await vi.advanceTimersByTimeAsync(LAG_FOLLOW_MS);
    expect(fake.calls).toHaveLength(2);

    // Node 2 now leads: the lag moves to 2's links to node 3, which still follows.
    fake.modes.set(1, 'follower');
    fake.modes.set(2, 'leader');
    await vi.advanceTimersByTimeAsync(LAG_FOLLOW_MS);
    expect(fake.calls.slice(2)).toEqual([
      'heal lag_upstream,lag_downstream quorum-3-1 quorum-1-3',
      'toxics lag_downstream quorum-3-2',
      'toxics lag_upstream quorum-2-3',
    ]);
    expect(pkg.active()).toEqual(['node 3 lags 800 ms behind leader 2']);

    // Node 3 leads: another follower lags behind it.
    fake.modes.set(2, 'follower');
    fake.modes.set(3, 'leader');
    await vi.advanceTimersByTimeAsync(LAG_FOLLOW_MS);
    expect(pkg.active()).toEqual(['node 1 lags 800 ms behind leader 3']);

    // No leader at all: the lag stays where it is.
    fake.modes.set(3, undefined);
    await vi.advanceTimersByTimeAsync(LAG_FOLLOW_MS);
    expect(pkg.active()).toEqual(['node 1 lags 800 ms behind leader 3']);

    const stopped = await pkg.invoke(invoke('heal-lag', { targets: 'follower' }));
    expect(stopped).toEqual({
      type: 'ok',
      value: {
        targets: [1, 2, 3],
        moves: [
          { afterMs: 2 * LAG_FOLLOW_MS, targets: [2, 3], roles: { 2: 'leader', 3: 'follower' } },
          { afterMs: 3 * LAG_FOLLOW_MS, targets: [1, 3], roles: { 1: 'follower', 3: 'leader' } },
        ],
      },
    });
    expect(fake.calls.at(-1)).toBe('heal lag_upstream,lag_downstream quorum-1-3 quorum-3-1');
    // Stopped: no more moves.
    const count = fake.calls.length;
    fake.modes.set(2, 'leader');
    await vi.advanceTimersByTimeAsync(3 * LAG_FOLLOW_MS);
    expect(fake.calls).toHaveLength(count);
  });

  it('records info when nobody leads or nobody follows', async () => {
    const fake = new FakeEnsemble(3);
    fake.modes.set(1, undefined);
    expect(
      await create(lag, fake).invoke(invoke('lag', { targets: 'follower', order: [1, 2, 3] })),
    ).toMatchObject({
      type: 'info',
      error: { message: expect.stringContaining('no leader right now') },
    });
  });
});
