/** The typed facade zkcheck uses, against our fault proxy process: results on the wire, errors in words. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxyControl, FaultProxyError } from './control.js';
import { startFaultProxyServer, type FaultProxyServer } from './server.js';
import { connectPeer, roundTrip, sleep, TestServer } from './test-support.js';

let server: FaultProxyServer;
let control: FaultProxyControl;
let echo: TestServer;
let upstream: string;

beforeAll(async () => {
  server = await startFaultProxyServer({ label: 'control-test' });
  control = new FaultProxyControl(`${server.url}/`);
  echo = await TestServer.start('echo');
  upstream = `127.0.0.1:${echo.port}`;
});

afterAll(async () => {
  await server?.stop();
  await echo?.close();
});

describe('FaultProxyControl', () => {
  it('creates a proxy on a free port and reports it', async () => {
    const proxy = await control.createProxy({ name: 'zk1-client', upstream });
    expect(proxy).toEqual({
      name: 'zk1-client',
      listen: `127.0.0.1:${proxy.listenPort}`,
      listenPort: expect.any(Number),
      upstream,
      enabled: true,
    });
    const client = await connectPeer(proxy.listenPort);
    expect(await roundTrip(client, 'hello')).toBeLessThan(1_000);
    client.destroy();
    expect(await control.getProxy('zk1-client')).toEqual(proxy);
    expect(await control.listProxies()).toContainEqual(proxy);
    expect(await control.version()).toContain('version');
  });

  it('disables and re-enables a proxy on the same port', async () => {
    const proxy = await control.createProxy({ name: 'toggle', upstream });
    const client = await connectPeer(proxy.listenPort);
    expect(await control.setEnabled('toggle', false)).toEqual({ ...proxy, enabled: false });
    await client.waitForClose(1_000);
    await expect(connectPeer(proxy.listenPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await control.setEnabled('toggle', true)).toEqual(proxy);
    const again = await connectPeer(proxy.listenPort);
    expect(await roundTrip(again, 'back')).toBeLessThan(1_000);
    again.destroy();
  });

  it('adds, lists, updates and removes toxics', async () => {
    await control.createProxy({ name: 'faulty', upstream });
    const cut = await control.addToxic('faulty', {
      type: 'timeout',
      stream: 'upstream',
      attributes: { timeout: 0 },
    });
    expect(cut).toEqual({
      name: 'timeout_upstream',
      type: 'timeout',
      stream: 'upstream',
      toxicity: 1,
      attributes: { timeout: 0 },
    });
    const slow = await control.addToxic('faulty', {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 10 },
      toxicity: 0.5,
    });
    expect(slow).toEqual({
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 0.5,
      attributes: { latency: 10, jitter: 0 },
    });
    expect(await control.listToxics('faulty')).toEqual([cut, slow]);
    expect(await control.updateToxic('faulty', 'slow', { attributes: { jitter: 5 } })).toEqual({
      ...slow,
      attributes: { latency: 10, jitter: 5 },
    });
    await control.removeToxic('faulty', 'slow');
    expect(await control.listToxics('faulty')).toEqual([cut]);
    await control.removeAllToxics('faulty');
    expect(await control.listToxics('faulty')).toEqual([]);
  });

  it('a partition made through the facade holds bytes and healing closes the connection', async () => {
    const proxy = await control.createProxy({ name: 'link-1-2', upstream });
    const client = await connectPeer(proxy.listenPort);
    await control.addToxic('link-1-2', { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    await control.addToxic('link-1-2', { type: 'timeout', stream: 'downstream', attributes: { timeout: 0 } });
    client.write('lost');
    await sleep(200);
    expect(client.data.length).toBe(0);
    expect(client.open).toBe(true);
    await control.removeAllToxics('link-1-2');
    await client.waitForClose(2_000);
  });

  it('explains failures: status, operation and names', async () => {
    await control.createProxy({ name: 'twice', upstream });
    await expect(control.createProxy({ name: 'twice', upstream })).rejects.toThrow(
      new FaultProxyError(
        `creating proxy "twice" to ${upstream} failed: HTTP 409, a proxy with this name already exists (delete it, or call reset between runs) (fault proxy API ${server.url})`,
        409,
      ),
    );
    await expect(control.getProxy('missing')).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('reading proxy "missing" failed: HTTP 404, no such proxy or toxic'),
    });
    await expect(control.listToxics('missing')).rejects.toMatchObject({ status: 404 });
    await expect(control.removeToxic('twice', 'missing')).rejects.toMatchObject({ status: 404 });
    await expect(
      control.addToxic('twice', { type: 'latency', attributes: { latency: -5 } }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('the toxic type, stream, toxicity or attributes were refused'),
    });
    await expect(control.createProxy({ name: 'remote', upstream: '192.0.2.1:2181' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(control.deleteProxy('a/b')).rejects.toThrow('must be letters, digits');
  });

  it('says when the API cannot be reached', async () => {
    const closed = await TestServer.start('record');
    const port = closed.port;
    await closed.close();
    const nowhere = new FaultProxyControl(`http://127.0.0.1:${port}`);
    await expect(nowhere.listProxies()).rejects.toThrow(
      `cannot reach the fault proxy API at http://127.0.0.1:${port}`,
    );
    await expect(nowhere.listToxics('x')).rejects.toThrow('ECONNREFUSED');
  });

  it('resets and deletes everything', async () => {
    await control.createProxy({ name: 'off', upstream, enabled: false });
    await control.addToxic('off', { type: 'bandwidth', attributes: { rate: 1 } });
    await control.reset();
    expect(await control.getProxy('off')).toMatchObject({ enabled: true });
    expect(await control.listToxics('off')).toEqual([]);
    await control.deleteAllProxies();
    expect(await control.listProxies()).toEqual([]);
  });
});
