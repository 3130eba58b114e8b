/**
 * The patched library and ZkSession against a scriptable fake server (real sockets on
 * 127.0.0.1), for the cases a real ZooKeeper will not produce on demand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { zookeeper, type LibraryClient, type LibraryException } from './library.js';
import { classify, ZkError } from './outcome.js';
import { ZkSession } from './session.js';
import {
  juteStat,
  juteString,
  OP,
  startFakeZooKeeper,
  type FakeZooKeeper,
} from './testing/fake-zookeeper.js';

let fake: FakeZooKeeper | undefined;
const sessions: ZkSession[] = [];
const rawClients: LibraryClient[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const client of rawClients.splice(0)) client.close();
  if (fake) {
    // Every client connection must be gone: nothing may leak from a test.
    await waitFor(() => fake?.openConnections() === 0, 2_000);
    await fake.stop();
    fake = undefined;
  }
});

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rawClient(connectString: string): Promise<LibraryClient> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 4_000, spinDelay: 100, retries: 0 });
  rawClients.push(client);
  await new Promise<void>((resolve) => {
    client.on('connected', () => resolve());
    client.connect();
  });
  return client;
}

function getData(
  client: LibraryClient,
  path: string,
): Promise<{ error: LibraryException | Error | null; version?: number }> {
  return new Promise((resolve) =>
    client.getData(path, (error, _data, stat) => resolve({ error, version: stat?.version })),
  );
}

async function connect(connectString: string, options = {}): Promise<ZkSession> {
  const session = await ZkSession.connect(connectString, { operationTimeoutMs: 2_000, ...options });
  sessions.push(session);
  return session;
}

describe('patched node-zookeeper-client: error codes', () => {
  it('turns a code it does not know into an Exception and keeps the connection', async () => {
    let answered = 0;
    fake = await startFakeZooKeeper({
      onRequest: (connection, request) => {
        answered += 1;
        if (answered === 1) connection.reply(request.xid, -126);
        else connection.reply(request.xid, 0, Buffer.concat([juteString('v'), juteStat(7, 3n)]), 3n);
      },
    });
    const client = await rawClient(fake.connectString);
    const first = await getData(client, '/k');
    expect(first.error).toMatchObject({ code: -126, name: 'UNKNOWN' });
    const second = await getData(client, '/k');
    expect(second.error).toBeNull();
    expect(second.version).toBe(7);
    expect(fake.connections).toHaveLength(1); // no reconnect: the socket survived
  });

  it('names the codes ZooKeeper 3.5–3.9 can send', async () => {
    const expected: Record<number, string> = {
      [-12]: 'UNKNOWN_SESSION',
      [-13]: 'NEW_CONFIG_NO_QUORUM',
      [-14]: 'RECONFIG_IN_PROGRESS',
      [-118]: 'SESSION_MOVED',
      [-119]: 'NOT_READ_ONLY',
      [-120]: 'EPHEMERAL_ON_LOCAL_SESSION',
      [-121]: 'NO_WATCHER',
      [-122]: 'REQUEST_TIMEOUT',
      [-123]: 'RECONFIG_DISABLED',
      [-124]: 'SESSION_CLOSED_REQUIRE_SASL_AUTH',
      [-125]: 'QUOTA_EXCEEDED',
      [-127]: 'THROTTLED_OP',
    };
    const codes = Object.keys(expected).map(Number);
    let next = 0;
    fake = await startFakeZooKeeper({
      onRequest: (connection, request) => connection.reply(request.xid, codes[next++]),
    });
    const client = await rawClient(fake.connectString);
    const seen: Record<number, string> = {};
    for (const _code of codes) {
      const { error } = await getData(client, '/k');
      const exception = error as LibraryException;
      seen[exception.code] = exception.name;
    }
    expect(seen).toEqual(expected);
  });

  it('records a write answered with SESSION_MOVED or an unknown code as info and retires the session', async () => {
    const answers = [-118, -126];
    fake = await startFakeZooKeeper({
      onRequest: (connection, request) => connection.reply(request.xid, answers.shift() ?? 0),
    });
    for (const name of ['SESSION_MOVED', 'UNKNOWN']) {
      const session = await connect(fake.connectString);
      const error = await session.setData('/k', 'v', 0).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZkError);
      expect((error as ZkError).name).toBe(name);
      expect(classify(error, 'write')).toBe('info');
      expect(session.usable).toBe(false);
      expect(session.brokenReason).toBe(`setData /k: ${name}`);
    }
  });
});

describe('patched node-zookeeper-client: sync', () => {
  it('sends a SyncRequest with the path and reads the SyncResponse', async () => {
    const requests: { type: number; body: Buffer }[] = [];
    fake = await startFakeZooKeeper({
      onRequest: (connection, request) => {
        requests.push(request);
        connection.reply(request.xid, 0, juteString('/register/1'), 0x42n);
      },
    });
    const session = await connect(fake.connectString);
    await expect(session.sync('/register/1')).resolves.toEqual({ path: '/register/1', zxid: '0x42' });
    expect(requests).toEqual([{ xid: expect.any(Number), type: OP.SYNC, body: juteString('/register/1') }]);
  });
});

describe('ZkSession: no call hangs', () => {
  it('ends a read with no reply at its deadline as fail, retires the session, and closes anyway', async () => {
    fake = await startFakeZooKeeper({ onRequest: () => undefined, answerClose: false }); // a black hole
    const session = await connect(fake.connectString, { operationTimeoutMs: 300, closeTimeoutMs: 200 });
    const started = Date.now();
    const error = await session.getData('/k').catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect((error as ZkError).name).toBe('DEADLINE');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
    expect(classify(error, 'read')).toBe('fail');
    expect(classify(error, 'write')).toBe('info');
    expect(session.usable).toBe(false);
    await expect(session.getData('/k')).rejects.toMatchObject({ name: 'NOT_SENT' });
    expect(classify(await session.setData('/k', 'x').catch((e: unknown) => e), 'write')).toBe('fail');

    // The server never answers closeSession either: close() must still finish, promptly.
    const closeStarted = Date.now();
    await session.close();
    expect(Date.now() - closeStarted).toBeLessThan(2_500);
    await waitFor(() => fake?.openConnections() === 0, 1_000);
  });

  it('gives up connecting at the connect deadline when the server never answers', async () => {
    fake = await startFakeZooKeeper({ onConnect: () => undefined });
    const started = Date.now();
    await expect(
      ZkSession.connect(fake.connectString, { connectTimeoutMs: 400, closeTimeoutMs: 200 }),
    ).rejects.toMatchObject({ name: 'CONNECT_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitFor(() => fake?.openConnections() === 0, 1_000);
  });

  it('gives up connecting to a closed port and stops reconnecting', async () => {
    const probe = await startFakeZooKeeper();
    const port = probe.port;
    await probe.stop(); // nothing listens on `port` now
    await expect(
      ZkSession.connect(`127.0.0.1:${port}`, {
        connectTimeoutMs: 400,
        reconnectDelayMs: 50,
        closeTimeoutMs: 200,
      }),
    ).rejects.toMatchObject({ name: 'CONNECT_TIMEOUT' });
    // If the library were still reconnecting, a server appearing on the port would see it.
    fake = await startFakeZooKeeper({}, port);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.connections).toHaveLength(0);
  });

  it('calls back requests queued while disconnected when the session turns out expired', async () => {
    fake = await startFakeZooKeeper({
      onConnect: (connection, timeout) => {
        // First connection: a live session. The reconnect: held until the test says so.
        if (connection.index === 0) connection.acceptSession(timeout);
      },
    });
    const session = await connect(fake.connectString, { operationTimeoutMs: 5_000, reconnectDelayMs: 10 });
    fake.connections[0].destroy(); // the connection drops; the library reconnects
    await waitFor(() => fake?.connections.length === 2, 2_000);
    // The library is CONNECTING: this request waits in its queue, unsent.
    const queued = session.getData('/k').catch((e: unknown) => e);
    const started = Date.now();
    fake.connections[1].acceptSession(0); // the session expired while we were away
    const error = await queued;
    expect((error as ZkError).name).toBe('SESSION_EXPIRED');
    expect(Date.now() - started).toBeLessThan(3_000); // called back, not left to the deadline
    expect(session.usable).toBe(false);
    expect(session.brokenReason).toBe('session expired');
  });
});
