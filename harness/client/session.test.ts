/**
 * ZkSession against a real standalone ZooKeeper (Debian's package, a JVM on 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, complete, ZkError } from './outcome.js';
import { ZkSession } from './session.js';
import {
  startStandaloneZooKeeper,
  standaloneUnavailableReason,
  type StandaloneZooKeeper,
} from './testing/standalone-zookeeper.js';

const unavailable = standaloneUnavailableReason();
// Outside CI a machine without the zookeeper package skips; under CI=true this must run.
const skip = unavailable !== null && process.env.CI !== 'true';

describe.skipIf(skip)('ZkSession on a real ZooKeeper', () => {
  let zk: StandaloneZooKeeper;
  const sessions: ZkSession[] = [];
  let root = '';

  async function open(): Promise<ZkSession> {
    const session = await ZkSession.connect(zk.connectString, {
      sessionTimeoutMs: 4_000,
      operationTimeoutMs: 5_000,
    });
    sessions.push(session);
    return session;
  }

  async function failure(call: Promise<unknown>): Promise<ZkError> {
    const error = await call.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ZkError);
    return error as ZkError;
  }

  beforeAll(async () => {
    zk = await startStandaloneZooKeeper();
    const setup = await open();
    root = (await setup.create('/session-test', 'root')).path;
  });

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    if (!zk) return;
    const pid = zk.pid;
    await zk.stop();
    // No JVM left behind.
    expect(zk.isRunning()).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('opens a session with the timeout the server granted', async () => {
    const session = await open();
    expect(session.usable).toBe(true);
    expect(session.connected).toBe(true);
    expect(session.sessionId).toMatch(/^0x[0-9a-f]+$/);
    expect(session.negotiatedTimeoutMs).toBe(4_000);
  });

  it('round-trips create, getData, setData, exists, getChildren and delete with plain-JSON stats', async () => {
    const session = await open();
    const path = `${root}/round-trip`;
    const created = await session.create(path, 'v0');
    expect(created.path).toBe(path);

    const read = await session.getData(path);
    expect(read.value).toBe('v0');
    expect(read.version).toBe(0);
    expect(Object.keys(read.stat).sort()).toEqual([
      'aversion',
      'ctime',
      'cversion',
      'czxid',
      'dataLength',
      'ephemeralOwner',
      'mtime',
      'mzxid',
      'numChildren',
      'pzxid',
      'version',
    ]);
    expect(read.stat.czxid).toBe(created.zxid); // the create's reply header carries its own zxid
    expect(read.stat.ephemeralOwner).toBe('0x0');
    expect(read.stat.dataLength).toBe(2);
    expect(Math.abs(read.stat.ctime - Date.now())).toBeLessThan(60_000);
    expect(JSON.parse(JSON.stringify(read.stat))).toEqual(read.stat);

    const written = await session.setData(path, 'v1', 0);
    expect(written.version).toBe(1);
    expect(written.stat.mzxid).toBe(written.zxid);
    expect(BigInt(written.zxid ?? 0)).toBeGreaterThan(BigInt(created.zxid ?? 0));

    const again = await session.getData(path);
    expect(again).toMatchObject({ value: 'v1', version: 1 });
    expect(again.stat.mzxid).toBe(written.zxid);
    expect(BigInt(again.zxid ?? 0)).toBeGreaterThanOrEqual(BigInt(written.zxid ?? 0));

    expect((await session.exists(path)).stat?.version).toBe(1);
    expect((await session.exists(`${path}-absent`)).stat).toBeNull();

    await session.create(`${path}/b`);
    await session.create(`${path}/a`, Buffer.from([0xff]));
    expect((await session.getChildren(path)).children).toEqual(['a', 'b']);
    expect((await session.getData(`${path}/b`)).data).toBeNull();

    await session.delete(`${path}/a`);
    await session.delete(`${path}/b`, 0);
    await session.delete(path, 1);
    expect((await session.exists(path)).stat).toBeNull();
    expect(session.usable).toBe(true);
  });

  it('syncs and returns the path, at a zxid no older than the last write', async () => {
    const session = await open();
    const { zxid: written } = await session.create(`${root}/sync`, 'x');
    const synced = await session.sync(`${root}/sync`);
    expect(synced.path).toBe(`${root}/sync`);
    expect(BigInt(synced.zxid ?? 0)).toBeGreaterThanOrEqual(BigInt(written ?? 0));
    expect((await session.getData(`${root}/sync`)).value).toBe('x');
  });

  it('records BAD_VERSION on setData as fail and keeps the session', async () => {
    const session = await open();
    const path = `${root}/bad-version`;
    await session.create(path, 'a');
    const error = await failure(session.setData(path, 'b', 5));
    expect(error).toMatchObject({ name: 'BAD_VERSION', code: -103, path });
    expect(classify(error, 'write')).toBe('fail');
    expect(session.usable).toBe(true);
    expect((await session.getData(path)).value).toBe('a');
    await expect(complete('write', session.setData(path, 'c', 7))).resolves.toEqual({
      type: 'fail',
      error: { name: 'BAD_VERSION', code: -103, message: `setData ${path}: BAD_VERSION [-103]` },
    });
  });

  it('records NODE_EXISTS on create as fail', async () => {
    const session = await open();
    await session.create(`${root}/exists`);
    const error = await failure(session.create(`${root}/exists`));
    expect(error).toMatchObject({ name: 'NODE_EXISTS', code: -110 });
    expect(classify(error, 'write')).toBe('fail');
    expect(session.usable).toBe(true);
  });

  it('records NO_NODE reads and NOT_EMPTY deletes as fail', async () => {
    const session = await open();
    const missing = await failure(session.getData(`${root}/missing`));
    expect(missing.name).toBe('NO_NODE');
    expect(classify(missing, 'read')).toBe('fail');
    await session.create(`${root}/parent`);
    await session.create(`${root}/parent/child`);
    const notEmpty = await failure(session.delete(`${root}/parent`));
    expect(notEmpty.name).toBe('NOT_EMPTY');
    expect(classify(notEmpty, 'write')).toBe('fail');
    expect(session.usable).toBe(true);
  });

  it('checks version 0 in a multi (BAD_VERSION once the version is 1) and applies it atomically', async () => {
    const session = await open();
    const path = `${root}/multi`;
    await session.create(path, 'v0');
    const ok = await session.multi([
      { op: 'check', path, version: 0 },
      { op: 'setData', path, data: 'v1', version: 0 },
      { op: 'create', path: `${path}/child`, data: 'c' },
    ]);
    expect(ok.results.map((r) => r.op)).toEqual(['check', 'setData', 'create']);
    expect(ok.results[1]).toMatchObject({ op: 'setData', stat: { version: 1 } });
    expect(ok.results[2]).toEqual({ op: 'create', path: `${path}/child` });

    // The node is at version 1 now: version 0 must be refused, in every op kind, and nothing applied.
    for (const stale of [
      [{ op: 'setData', path, data: 'v2', version: 0 }],
      [
        { op: 'check', path, version: 0 },
        { op: 'setData', path, data: 'v2' },
      ],
      [
        { op: 'setData', path: `${path}/child`, data: 'c2' },
        { op: 'delete', path, version: 0 },
      ],
    ] as const) {
      const error = await failure(session.multi(stale));
      expect(error.name).toBe('BAD_VERSION');
      expect(classify(error, 'write')).toBe('fail');
    }
    expect(await session.getData(path)).toMatchObject({ value: 'v1', version: 1 });
    expect(await session.getData(`${path}/child`)).toMatchObject({ value: 'c', version: 0 });
  });

  it('refuses an invalid path before sending it, as a definite fail', async () => {
    const session = await open();
    const error = await failure(session.create('no-leading-slash'));
    expect(error.name).toBe('INVALID_REQUEST');
    expect(classify(error, 'write')).toBe('fail');
    expect(session.usable).toBe(true);
  });

  it('closes: the server forgets the session and later calls are refused unsent', async () => {
    const session = await ZkSession.connect(zk.connectString);
    const id = session.sessionId;
    expect(await zk.fourLetter('cons')).toContain(`sid=${id}`);
    await session.close();
    await session.close(); // idempotent
    expect(session.usable).toBe(false);
    expect(session.brokenReason).toBe('closed');
    expect(session.connected).toBe(false);
    expect(await zk.fourLetter('cons')).not.toContain(`sid=${id}`);
    const error = await failure(session.getData(root));
    expect(error.name).toBe('NOT_SENT');
  });

  it('rejects a connect string with more than one server', async () => {
    await expect(ZkSession.connect(`${zk.connectString},127.0.0.1:2`)).rejects.toThrow(/exactly one server/);
  });
});
