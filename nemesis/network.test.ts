/**
 * The network families on a real 3-node ensemble, driven op by op as the runner drives them:
 * halves with the leader alone (reset mode) elects a leader among the rest; a bridge keeps one
 * quorum; lag makes one follower's plain reads stale while the other follower's are fresh; a
 * one-way client cut (blackhole and reset) yields `info` writes that did happen; healing leaves
 * every proxy clean and every node serving. One ensemble start for all checks.
 * Under CI=true nothing skips.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startEnsemble } from '../harness/cluster/ensemble.js';
import { dockerAnswers } from '../harness/cluster/docker.js';
import { javaVersion } from '../harness/cluster/select.js';
import { eventually, readOnce } from '../harness/cluster/testing.js';
import type { Ensemble, NodeStatus } from '../harness/cluster/types.js';
import { ZkSession } from '../harness/client/session.js';
import { complete } from '../harness/client/outcome.js';
import type { GenOp } from '../harness/generator/types.js';
import type { NemesisEntry, NemesisPackage, PluginSettings } from '../harness/runner/spec.js';
import { clientCut, partitionBridge, partitionHalves } from './partition-shapes.js';
import { lag } from './link-faults.js';

const CI = process.env.CI === 'true';
const canRun =
  dockerAnswers() || (javaVersion() !== undefined && existsSync('/usr/share/java/zookeeper.jar'));

const invoke = (f: string, value: unknown): GenOp => ({
  type: 'invoke',
  f,
  value,
  process: 'nemesis',
  time: 0,
});

function create(entry: NemesisEntry, e: Ensemble, settings: PluginSettings = {}): NemesisPackage {
  const defaults = Object.fromEntries(entry.settings.map((s) => [s.key, s.default]));
  return entry.create({
    ensemble: e,
    intervalSeconds: 1,
    durationSeconds: 1,
    settings: { ...defaults, ...settings },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!CI && !canRun)('network faults on a real 3-node ensemble', () => {
  let e: Ensemble;
  /** A session per node, on its client proxy, opened before any fault. */
  const sessions = new Map<number, ZkSession>();

  const roles = async () => {
    const status = await e.status();
    const of = (mode: string) => status.filter((s) => s.mode === mode).map((s) => s.id);
    return { status, leader: of('leader'), followers: of('follower') };
  };
  const serving = (status: NodeStatus[]) => status.filter((s) => s.mode !== undefined).map((s) => s.id);

  async function healed(pkg: NemesisPackage, stop: string, value: unknown) {
    expect((await pkg.invoke(invoke(stop, value))).type).toBe('ok');
    await e.waitForQuorum({ timeoutMs: 45_000 });
  }

  beforeAll(async () => {
    e = await startEnsemble({ size: 3, quorumTimeoutMs: 90_000 });
    const writer = await ZkSession.connect(e.connectString(1));
    await writer.create('/net', 'v0');
    await writer.close();
  }, 150_000);

  // A failed check must not leave its fault to the next one.
  afterEach(async () => {
    await e?.links.healAll();
    await e?.waitForQuorum({ timeoutMs: 45_000 });
  }, 60_000);

  afterAll(async () => {
    for (const session of sessions.values()) await session.close().catch(() => undefined);
    await e?.stop();
  }, 60_000);

  it('halves with the leader alone, connections reset: the other two elect a leader; healing brings it back', async () => {
    const before = await roles();
    const [old] = before.leader;
    const pkg = create(partitionHalves, e, { cutMode: 'reset' });
    const started = await pkg.invoke(
      invoke('cut-halves', { targets: 'halves', order: [old, ...before.followers] }),
    );
    expect(started).toMatchObject({
      type: 'ok',
      value: {
        fault: 'partition-halves',
        groups: [[old], before.followers],
        mode: 'reset',
        roles: { [old]: 'leader' },
      },
    });
    expect((started as { value: { cut: string[] } }).value.cut).toHaveLength(4);
    const elected = await eventually('a leader among the other two', 30_000, async () => {
      const now = await roles();
      const leader = now.leader.find((id) => id !== old);
      return leader !== undefined && now.followers.length === 1 && !serving(now.status).includes(old)
        ? leader
        : undefined;
    });
    expect(before.followers).toContain(elected);
    // The majority side takes writes.
    const writer = await ZkSession.connect(e.connectString(elected));
    await writer.setData('/net', 'v1');
    await writer.close();
    await healed(pkg, 'heal-halves', { targets: 'halves' });
    expect(
      await eventually('the old leader serves v1', 20_000, async () => {
        const value = await readOnce(e.connectString(old), '/net').catch(() => undefined);
        return value === 'v1' ? value : undefined;
      }),
    ).toBe('v1');
  }, 120_000);

  it('a bridge keeps one quorum: the side cut from the leader never leads, writes go on', async () => {
    const {
      leader: [leader],
      followers: [bridgeNode, other],
    } = await roles();
    // The leader and `other` cannot talk; `bridgeNode` talks to both.
    const pkg = create(partitionBridge, e);
    const started = await pkg.invoke(
      invoke('cut-bridge', { targets: 'bridge', order: [bridgeNode, leader, other] }),
    );
    expect(started).toMatchObject({
      type: 'ok',
      value: {
        targets: [leader, other].sort(),
        groups: [[leader], [bridgeNode], [other]],
        cut: [`${leader}->${other}`, `${other}->${leader}`].sort(),
      },
    });
    const writer = await ZkSession.connect(e.connectString(bridgeNode));
    try {
      for (let i = 0; i < 12; i++) {
        const now = await roles();
        expect(now.leader.length, JSON.stringify(now.status)).toBeLessThanOrEqual(1);
        expect(now.leader).not.toContain(other);
        await writer.setData('/net', `bridge-${i}`);
        await sleep(500);
      }
      expect((await roles()).leader).toEqual([leader]);
    } finally {
      await writer.close();
    }
    await healed(pkg, 'heal-bridge', { targets: 'bridge' });
  }, 120_000);

  it("lag: one follower's plain reads are stale while the other's are fresh; sync catches up", async () => {
    const {
      leader: [leader],
      followers,
    } = await roles();
    for (const id of [1, 2, 3]) sessions.set(id, await ZkSession.connect(e.connectString(id)));
    const pkg = create(lag, e, { lagMs: 1200 });
    const started = await pkg.invoke(
      invoke('lag', { targets: 'follower', order: [followers[1], followers[0], leader] }),
    );
    expect(started).toMatchObject({ type: 'ok', value: { leader, follower: followers[1], lagMs: 1200 } });
    const lagging = followers[1];
    const fresh = followers[0];
    expect(pkg.active()).toEqual([`node ${lagging} lags 1200 ms behind leader ${leader}`]);
    await sleep(1500); // what was in flight before the lag arrives
    for (let i = 0; i < 3; i++) {
      const value = `lag-${i}`;
      await sessions.get(leader)!.setData('/net', value);
      const written = Date.now();
      // The other follower has it within a few hundred ms...
      const read = async (id: number) => (await sessions.get(id)!.getData('/net')).value;
      await eventually(
        'the other follower reads it',
        800,
        async () => ((await read(fresh)) === value ? true : undefined),
        20,
      );
      // ...while the lagging one still serves the old value.
      const stale = (await sessions.get(lagging)!.getData('/net')).value;
      expect(Date.now() - written).toBeLessThan(1000);
      expect(stale, `read on node ${lagging} ${Date.now() - written} ms after the write`).not.toBe(value);
      // A sync first makes it linearizable (it waits for the lagging leader's bytes).
      await sessions.get(lagging)!.sync('/net');
      expect((await sessions.get(lagging)!.getData('/net')).value).toBe(value);
    }
    const stopped = await pkg.invoke(invoke('heal-lag', { targets: 'follower' }));
    expect(stopped).toEqual({ type: 'ok', value: { targets: [leader, lagging].sort(), moves: [] } });
    // Healed: the follower is fresh again.
    await sessions.get(leader)!.setData('/net', 'after-lag');
    const caughtUp = async () => (await sessions.get(lagging)!.getData('/net')).value === 'after-lag';
    await eventually(
      'the lagging follower catches up',
      600,
      async () => ((await caughtUp()) ? true : undefined),
      20,
    );
  }, 120_000);

  it('a one-way client cut, blackhole or reset: the write is info, and it happened', async () => {
    for (const cutMode of ['blackhole', 'reset'] as const) {
      const node = 2;
      const session = await ZkSession.connect(e.connectString(node), {
        operationTimeoutMs: 3000,
        sessionTimeoutMs: 20_000,
      });
      try {
        await session.getData('/net');
        const pkg = create(clientCut, e, { cutMode });
        const started = await pkg.invoke(invoke('cut-clients', { targets: 'one', order: [node, 1, 3] }));
        expect(started).toMatchObject({
          type: 'ok',
          value: { targets: [node], mode: cutMode, direction: 'one-way' },
        });
        const value = `one-way-${cutMode}`;
        const outcome = await complete('write', session.setData('/net', value));
        expect(outcome.type, JSON.stringify(outcome)).toBe('info');
        expect((await pkg.invoke(invoke('heal-clients', { targets: 'one' }))).type).toBe('ok');
        // Read back through another node: the write did happen.
        expect(
          await eventually('the write is visible on node 3', 15_000, async () => {
            const read = await readOnce(e.connectString(3), '/net');
            return read === value ? read : undefined;
          }),
        ).toBe(value);
      } finally {
        await session.close().catch(() => undefined);
      }
    }
  }, 120_000);

  it('heal-all leaves every proxy enabled and clean, and every node serves the latest value', async () => {
    // Leave a mess: a bridge cut and a client cut, then heal with the final op of one family.
    const bridgePkg = create(partitionBridge, e, { cutMode: 'reset' });
    await bridgePkg.invoke(invoke('cut-bridge', { targets: 'bridge', order: [1, 2, 3] }));
    const clientPkg = create(clientCut, e);
    await clientPkg.invoke(invoke('cut-clients', { targets: 'one', order: [3, 1, 2] }));
    const proxies = Object.values(await new Toxiproxy(e.links.toxiproxyUrl).getAll());
    expect(proxies.some((p) => !p.enabled)).toBe(true);
    expect(await bridgePkg.invoke(invoke('heal-all-bridge', null))).toEqual({ type: 'ok', value: null });
    const data = (await (await fetch(`${e.links.toxiproxyUrl}/proxies`)).json()) as Record<
      string,
      { enabled: boolean; toxics: unknown[] }
    >;
    const ours = Object.entries(data).filter(([name]) => name.startsWith(`zk-${e.runId}-`));
    expect(ours).toHaveLength(3 + 12);
    for (const [name, proxy] of ours) expect([name, proxy.enabled, proxy.toxics]).toEqual([name, true, []]);
    await e.waitForQuorum({ timeoutMs: 45_000 });
    const writer = await ZkSession.connect(e.connectString(1));
    await writer.setData('/net', 'healed');
    await writer.close();
    for (const id of [1, 2, 3]) {
      const session = await ZkSession.connect(e.connectString(id));
      try {
        await session.sync('/net');
        expect((await session.getData('/net')).value).toBe('healed');
      } finally {
        await session.close();
      }
    }
  }, 120_000);
});
