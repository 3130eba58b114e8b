import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkSession } from '../harness/client/session.js';
import {
  startStandaloneZooKeeper,
  standaloneUnavailableReason,
  type StandaloneZooKeeper,
} from '../harness/client/testing/standalone-zookeeper.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { limit } from '../harness/generator/combinators.js';
import { simulate } from '../harness/generator/simulate.js';
import type { GenEvent, GenOp } from '../harness/generator/types.js';
import { coerceSetting, ConfigError } from '../harness/config.js';
import { WorkloadError, type WorkloadOptions } from '../harness/runner/spec.js';
import { DURABILITY_CLAIM, register, registerWorkload as buildRegister, serverIdOf } from './register.js';

/** Flat options as a test writes them: the run's shape and register settings, defaults from the declaration. */
type FlatOptions = Omit<WorkloadOptions, 'settings'> & Record<string, unknown>;
const DEFAULTS = Object.fromEntries(register.settings.map((s) => [s.key, s.default]));
function registerWorkload(flat: FlatOptions) {
  const { concurrency, rate, timeLimitSeconds, nodes, ...settings } = flat;
  return buildRegister({
    concurrency,
    rate,
    timeLimitSeconds,
    ...(nodes === undefined ? {} : { nodes }),
    settings: { ...DEFAULTS, ...settings } as WorkloadOptions['settings'],
  });
}
const declared = (key: string) => register.settings.find((s) => s.key === key)!;

const BASE: FlatOptions = {
  concurrency: 4,
  rate: 1,
  timeLimitSeconds: 10,
  threadsPerKey: 2,
  opsPerKey: 5,
};

/** An instant, sequential register per key: what completions a correct ZooKeeper would give. */
function registerStore(): (op: GenOp) => Completion {
  const store = new Map<unknown, { value: number | null; version: number }>();
  return (op) => {
    const current = store.get(op.key) ?? { value: null, version: 0 };
    switch (op.f) {
      case 'read':
        return { type: 'ok', value: { ...current } };
      case 'write': {
        const next = { value: op.value as number, version: current.version + 1 };
        store.set(op.key, next);
        return { type: 'ok', value: next };
      }
      case 'cas': {
        const [expected, value] = op.value as [number, number];
        if (expected !== current.version) {
          return { type: 'fail', error: { name: 'BAD_VERSION', message: 'version mismatch' } };
        }
        const next = { value, version: current.version + 1 };
        store.set(op.key, next);
        return { type: 'ok', value: next };
      }
      default:
        throw new Error(`unexpected op ${op.f}`);
    }
  };
}

/** The first `ops` ops of the (unbounded) schedule, completed by `registerStore`. */
function run(options: FlatOptions = BASE, seed = 7, ops = 200): { events: GenEvent[]; invokes: GenEvent[] } {
  const workload = registerWorkload(options);
  const events = simulate(limit(ops, workload.generator()), {
    threads: options.concurrency,
    nemesis: false,
    seed,
    complete: registerStore(),
  });
  return { events, invokes: events.filter((e) => e.type === 'invoke') };
}

const written = (e: GenEvent): number | undefined =>
  e.f === 'write' ? (e.value as number) : e.f === 'cas' ? (e.value as [number, number])[1] : undefined;

describe('registerWorkload settings', () => {
  it('describes its settings, groups and the keys used so far', () => {
    expect(registerWorkload(BASE).describe()).toEqual({
      readMode: 'plain',
      threadsPerKey: 2,
      opsPerKey: 5,
      readShare: 0.5,
      writeShare: 0.25,
      groups: 2,
      root: '/registers',
      model: { name: 'zk-versioned-register' },
      keysUsed: 0,
    });
  });

  it('uses the defaults when no settings are given', () => {
    const workload = registerWorkload({ concurrency: 10, rate: 200, timeLimitSeconds: 60 });
    expect(workload.describe()).toMatchObject({
      readMode: 'plain',
      threadsPerKey: 5,
      opsPerKey: 300,
      groups: 2,
    });
    expect(workload.claims.map((c) => c.name)).toEqual([
      'writes-linearizable',
      'sequential',
      'zookeeper',
      'sync-reads-linearizable',
      'linearizable',
      'durability',
    ]);
    expect(workload.requiredFs).toEqual(['read', 'write', 'cas']);
  });

  it('takes a read share, writes and cas splitting the rest', () => {
    const { invokes } = run({ ...BASE, readShare: 0.9 }, 7, 1000);
    const reads = invokes.filter((e) => e.f === 'read').length;
    expect(reads).toBeGreaterThan(850);
    expect(reads).toBeLessThan(950);
    expect(invokes.filter((e) => e.f === 'cas').length).toBeGreaterThan(20);
    const described = registerWorkload({ ...BASE, readShare: 0.9 }).describe();
    expect(described.readShare).toBe(0.9);
    expect(described.writeShare).toBeCloseTo(0.05, 12);
    expect(() => coerceSetting(declared('readShare'), 1.5, 'flag')).toThrow(
      new ConfigError('--read-share: expected from 0 to 1, got 1.5'),
    );
  });

  it('refuses an unknown read mode, listing the modes', () => {
    expect(() => registerWorkload({ ...BASE, readMode: 'strong' })).toThrow(
      new WorkloadError('read mode must be one of plain, sync, got "strong"'),
    );
  });

  it('declares threads per key and ops per key as whole numbers >= 1', () => {
    const cases: [string, unknown, string][] = [
      ['threadsPerKey', 0, '--threads-per-key: expected from 1 to 2147483647, got 0'],
      ['threadsPerKey', 'x', '--threads-per-key: expected a whole number, got "x"'],
      ['opsPerKey', 1.5, '--ops-per-key: expected a whole number, got 1.5'],
      ['opsPerKey', -3, '--ops-per-key: expected from 1 to 2147483647, got -3'],
    ];
    for (const [name, value, message] of cases)
      expect(() => coerceSetting(declared(name), value, 'flag')).toThrow(new ConfigError(message));
  });

  it('marks reads as sync only in sync mode, and nothing else', () => {
    const op = (f: string): GenOp => ({ type: 'invoke', f, key: 0, value: null, process: 0, time: 0 });
    const sync = registerWorkload({ ...BASE, readMode: 'sync' });
    expect(sync.invokeFields?.(op('read'))).toEqual({ sync: true });
    expect(sync.invokeFields?.(op('write'))).toEqual({});
    expect(sync.invokeFields?.(op('cas'))).toEqual({});
    const plain = registerWorkload({ ...BASE, readMode: 'plain' });
    expect(plain.invokeFields?.(op('read'))).toEqual({});
    // A final read always syncs first, in either mode, and says it is final.
    expect(plain.invokeFields?.({ ...op('read'), final: true })).toEqual({ sync: true, final: true });
  });

  it('declares the durability claim, promised, beside the five consistency claims', () => {
    const { claims } = registerWorkload(BASE);
    expect(claims.map((c) => c.name)).toEqual([
      'writes-linearizable',
      'sequential',
      'zookeeper',
      'sync-reads-linearizable',
      'linearizable',
      'durability',
    ]);
    expect(claims.at(-1)).toEqual(DURABILITY_CLAIM);
    expect(DURABILITY_CLAIM).toMatchObject({ checker: 'durability', promised: true });
  });

  it('expects final reads only on the nodes that have a client when there are fewer clients than nodes', () => {
    expect(registerWorkload({ ...BASE, concurrency: 3, nodes: 3 }).claims.at(-1)).toEqual(DURABILITY_CLAIM);
    const few = registerWorkload({ ...BASE, concurrency: 2, nodes: 5 }).claims.at(-1)!;
    expect(few).toMatchObject({ name: 'durability', promised: true, options: { nodes: 2 } });
    expect(few.title).toBe(
      'acknowledged writes survive (final sync reads on nodes 1-2 of 5: fewer clients than nodes)',
    );
  });

  it('reads the server id from the top byte of a session id', () => {
    expect(serverIdOf('0x300005f3a2b0001')).toBe(3);
    expect(serverIdOf('0x10000abcdef0000')).toBe(1);
    expect(serverIdOf('0x5f3a2b0001')).toBeUndefined(); // no server id in it
    expect(serverIdOf('not hex')).toBeUndefined();
  });

  it('has no final reads before any znode was made', () => {
    const events = simulate(registerWorkload(BASE).finalGenerator!(), { threads: 3, nemesis: false });
    expect(events).toEqual([]);
  });
});

describe('the register schedule', () => {
  it('runs each key only on the threads of its group', () => {
    const { invokes } = run({ ...BASE, concurrency: 5 }); // groups of 2, 2 and 1 threads
    const groups = 3;
    expect(invokes.length).toBeGreaterThan(0);
    for (const e of invokes) {
      expect(Math.floor((e.thread as number) / 2)).toBe((e.key as number) % groups);
    }
    // Every thread works, the lone thread of the last group included.
    expect(new Set(invokes.map((e) => e.thread))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('never has more ops in flight on a key than threads per key', () => {
    const { events } = run({ ...BASE, concurrency: 6, threadsPerKey: 3 });
    const inFlight = new Map<unknown, number>();
    let most = 0;
    for (const e of events) {
      const n = (inFlight.get(e.key) ?? 0) + (e.type === 'invoke' ? 1 : -1);
      inFlight.set(e.key, n);
      most = Math.max(most, n);
    }
    expect(most).toBe(3);
  });

  it('gives each key exactly opsPerKey ops, then moves on, for as long as the run lasts', () => {
    const { invokes } = run(BASE, 7, 400);
    expect(invokes.length).toBe(400);
    const perKey = new Map<number, number>();
    for (const e of invokes) perKey.set(e.key as number, (perKey.get(e.key as number) ?? 0) + 1);
    // Each group's newest key may still be under way when the run stops; every other has all 5.
    const newest = [0, 1].map((g) => Math.max(...[...perKey.keys()].filter((k) => k % 2 === g)));
    for (const [key, count] of perKey) {
      if (newest.includes(key)) expect(count).toBeLessThanOrEqual(5);
      else expect([key, count]).toEqual([key, 5]);
    }
    expect(perKey.size).toBeGreaterThanOrEqual(80);
  });

  it('works on one key at a time per group, in order g, g + groups, ...', () => {
    const { invokes } = run();
    for (const group of [0, 1]) {
      const keys = invokes.filter((e) => Math.floor((e.thread as number) / 2) === group).map((e) => e.key);
      const order = keys.filter((k, i) => i === 0 || keys[i - 1] !== k);
      expect(order).toEqual(Array.from({ length: order.length }, (_, i) => group + 2 * i));
      expect(order.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('writes values unique per key, increasing from 1', () => {
    const { invokes } = run({ ...BASE, opsPerKey: 40 });
    const byKey = new Map<unknown, number[]>();
    for (const e of invokes) {
      const value = written(e);
      if (value !== undefined) byKey.set(e.key, [...(byKey.get(e.key) ?? []), value]);
    }
    expect(byKey.size).toBeGreaterThan(0);
    for (const values of byKey.values()) {
      expect(values).toEqual(Array.from({ length: values.length }, (_, i) => i + 1));
    }
  });

  it('issues reads, writes and cas, with reads carrying no value', () => {
    const { invokes } = run({ ...BASE, opsPerKey: 40 });
    const fs = new Set(invokes.map((e) => e.f));
    expect(fs).toEqual(new Set(['read', 'write', 'cas']));
    for (const e of invokes) if (e.f === 'read') expect(e.value).toBeNull();
    const reads = invokes.filter((e) => e.f === 'read').length;
    // Half the ops are reads, give or take.
    expect(reads / invokes.length).toBeGreaterThan(0.35);
    expect(reads / invokes.length).toBeLessThan(0.65);
  });

  it('has cas expect the latest version an ok reply on its key showed', () => {
    const { events } = run({ ...BASE, opsPerKey: 40 });
    const latest = new Map<unknown, number>();
    let checked = 0;
    for (const e of events) {
      if (e.type === 'invoke' && e.f === 'cas') {
        expect((e.value as [number, number])[0]).toBe(latest.get(e.key) ?? 0);
        checked++;
      }
      if (e.type === 'ok') {
        const version = (e.value as { version: number }).version;
        latest.set(e.key, Math.max(latest.get(e.key) ?? 0, version));
      }
    }
    expect(checked).toBeGreaterThan(20);
    // With versions fed back, some cas ops succeed.
    const casOk = events.filter((e) => e.type === 'ok' && e.f === 'cas').length;
    expect(casOk).toBeGreaterThan(0);
  });

  it('starts each key afresh at version 0', () => {
    const { events } = run();
    const firstCas = new Map<unknown, number>();
    for (const e of events) {
      if (e.type === 'invoke' && e.f === 'cas' && !firstCas.has(e.key)) {
        const before = events.slice(0, events.indexOf(e));
        const seen = before.some((b) => b.type === 'ok' && b.key === e.key);
        if (!seen) firstCas.set(e.key, (e.value as [number, number])[0]);
      }
    }
    for (const expected of firstCas.values()) expect(expected).toBe(0);
  });

  it('replays the same schedule from the same seed, and another from another', () => {
    const ops = (seed: number) => run(BASE, seed).invokes.map((e) => [e.f, e.key, e.value, e.thread]);
    expect(ops(3)).toEqual(ops(3));
    expect(ops(3)).not.toEqual(ops(4));
  });
});

// ZooKeeper itself: Debian's package, one standalone JVM for this file.
const unavailable = standaloneUnavailableReason();
const skip = unavailable !== null && process.env.CI !== 'true';

describe.skipIf(skip)('performing register ops on a real ZooKeeper', () => {
  let zk: StandaloneZooKeeper;
  let session: ZkSession;
  const big = registerWorkload({ concurrency: 5, rate: 1000, timeLimitSeconds: 100 });
  const sync = registerWorkload({ concurrency: 5, rate: 1000, timeLimitSeconds: 100, readMode: 'sync' });
  const op = (f: string, key: number, value: unknown = null): GenOp => ({
    type: 'invoke',
    f,
    key,
    value,
    process: 0,
    time: 0,
  });

  beforeAll(async () => {
    zk = await startStandaloneZooKeeper();
    session = await ZkSession.connect(zk.connectString, {
      sessionTimeoutMs: 4_000,
      operationTimeoutMs: 5_000,
    });
    await big.setup(session);
  });

  afterAll(async () => {
    await session?.close();
    await zk?.stop();
  });

  it('setup creates the root; the first op on a key creates its znode, once, and the next key of its group ahead', async () => {
    expect((await session.getChildren('/registers')).children).toEqual([]);
    await big.setup(session); // a retried setup finds the root made: fine
    expect(await big.invoke(session, op('read', 40))).toEqual({
      type: 'ok',
      value: { value: null, version: 0 },
    });
    expect(await big.invoke(session, op('read', 40))).toEqual({
      type: 'ok',
      value: { value: null, version: 0 },
    });
    // Another workload object (another run's client state) meets the znode and uses it as is.
    expect(await sync.invoke(session, op('read', 40))).toEqual({
      type: 'ok',
      value: { value: null, version: 0 },
    });
    expect((await session.getChildren('/registers')).children).toEqual(['40']);
    // One group here: after key 40 comes 41, made after a write on 40 (the same session's order
    // puts the create before this listing).
    expect(await big.invoke(session, op('write', 40, 7))).toEqual({
      type: 'ok',
      value: { value: 7, version: 1 },
    });
    expect((await session.getChildren('/registers')).children.sort()).toEqual(['40', '41']);
    expect(big.describe().keysUsed).toBe(1);
    // Now the root holds a register: a setup on this ensemble would start from the wrong state.
    await expect(sync.setup(session)).rejects.toThrow(
      new WorkloadError('/registers already holds 2 registers: the register workload needs a fresh ensemble'),
    );
  });

  it('threads meeting a new key at once share one create', async () => {
    const other = await ZkSession.connect(zk.connectString);
    const creates: string[] = [];
    const create = (s: ZkSession) => {
      const original = s.create.bind(s);
      s.create = (path, ...rest) => {
        creates.push(path);
        return original(path, ...rest);
      };
      return () => void Reflect.deleteProperty(s, 'create');
    };
    const unpatch = create(session);
    create(other);
    try {
      const results = await Promise.all([
        big.invoke(session, op('read', 90)),
        big.invoke(other, op('write', 90, 1)),
        big.invoke(other, op('read', 90)),
      ]);
      expect(results.map((r) => r.type)).toEqual(['ok', 'ok', 'ok']);
      expect(creates.filter((path) => path === '/registers/90')).toEqual(['/registers/90']);
    } finally {
      unpatch();
      await other.close();
    }
  });

  it('an op whose znode cannot be made is not sent: fail, NOT_SENT', async () => {
    const closed = await ZkSession.connect(zk.connectString);
    await closed.close();
    const result = await big.invoke(closed, op('write', 77, 1));
    expect(result).toMatchObject({ type: 'fail', error: { name: 'NOT_SENT' } });
    expect(String((result.error as { message: string }).message)).toMatch(/^creating \/registers\/77: /);
  });

  it('reads null at version 0 before any write, plain and after sync', async () => {
    expect(await big.invoke(session, op('read', 10))).toEqual({
      type: 'ok',
      value: { value: null, version: 0 },
    });
    expect(await sync.invoke(session, op('read', 10))).toEqual({
      type: 'ok',
      value: { value: null, version: 0 },
    });
  });

  it('writes at any version and reports the new version', async () => {
    expect(await big.invoke(session, op('write', 1, 7))).toEqual({
      type: 'ok',
      value: { value: 7, version: 1 },
    });
    expect(await big.invoke(session, op('write', 1, 8))).toEqual({
      type: 'ok',
      value: { value: 8, version: 2 },
    });
    expect(await big.invoke(session, op('read', 1))).toEqual({ type: 'ok', value: { value: 8, version: 2 } });
    expect(await sync.invoke(session, op('read', 1))).toEqual({
      type: 'ok',
      value: { value: 8, version: 2 },
    });
  });

  it('sets on a cas at the current version n and reports version n + 1', async () => {
    expect(await big.invoke(session, op('cas', 2, [0, 1]))).toEqual({
      type: 'ok',
      value: { value: 1, version: 1 },
    });
    expect(await big.invoke(session, op('cas', 2, [1, 2]))).toEqual({
      type: 'ok',
      value: { value: 2, version: 2 },
    });
    expect(await big.invoke(session, op('read', 2))).toEqual({ type: 'ok', value: { value: 2, version: 2 } });
  });

  it('fails a cas at another version with BAD_VERSION, changing nothing', async () => {
    await big.invoke(session, op('write', 3, 1));
    const completion = await big.invoke(session, op('cas', 3, [0, 2]));
    expect(completion.type).toBe('fail');
    expect((completion as { error: { name: string } }).error.name).toBe('BAD_VERSION');
    expect(await big.invoke(session, op('read', 3))).toEqual({ type: 'ok', value: { value: 1, version: 1 } });
  });

  it('final phase: every thread reads every znode made, in key order, again after a failure, never making one', async () => {
    const fin = registerWorkload({ concurrency: 5, rate: 1000, timeLimitSeconds: 100 });
    await fin.invoke(session, op('write', 500, 1));
    await fin.invoke(session, op('write', 500, 2)); // 501, the group's next key, is made behind it
    expect((await session.getChildren('/registers')).children).toContain('501');
    let failed = false;
    const events = simulate(fin.finalGenerator!(), {
      threads: 3,
      nemesis: false,
      complete: (o, thread) => {
        // Thread 1's first read of 501 fails once: it is read again.
        if (thread === 1 && o.key === 501 && !failed) {
          failed = true;
          return { type: 'fail', error: { name: 'CONNECTION_LOSS', message: 'lost' } };
        }
        return { type: 'ok', value: null };
      },
    });
    const reads = events.filter((e) => e.type === 'invoke');
    for (const thread of [0, 1, 2])
      expect(reads.filter((e) => e.thread === thread).map((e) => e.key)).toEqual(
        thread === 1 ? [500, 501, 501] : [500, 501],
      );
    expect(reads.every((e) => e.f === 'read')).toBe(true);

    const read = (key: number): GenOp => ({ ...op('read', key), final: true });
    // Standalone ZooKeeper makes its session ids as server 1; it has no ensemble in /zookeeper/config.
    expect(await fin.invoke(session, read(500))).toEqual({
      type: 'ok',
      value: { value: 2, version: 2, final: true, node: 1 },
    });
    await session.delete('/registers/501');
    expect(await fin.invoke(session, read(501))).toEqual({
      type: 'ok',
      value: { value: null, version: -1, exists: false, final: true, node: 1 },
    });
    expect((await session.exists('/registers/501')).stat).toBeNull();
  });

  it('fails an op it does not know, naming it', async () => {
    expect(await big.invoke(session, op('delete', 4))).toEqual({
      type: 'fail',
      error: { name: 'UNSUPPORTED', message: 'register workload has no op "delete"' },
    });
  });
});
