/**
 * The HTTP API of our fault proxy (a child process): Toxiproxy 2.x routes, status codes and JSON, checked
 * through toxiproxy-node-client and, where the client drops the body or status, with plain fetch.
 */
import { Toxiproxy, type ICreateToxicBody } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxyServer, type FaultProxyServer } from './server.js';
import { connectPeer, roundTrip, TestServer } from './test-support.js';

let server: FaultProxyServer;
let toxiproxy: Toxiproxy;
let echo: TestServer;
let upstream: string;

beforeAll(async () => {
  server = await startFaultProxyServer({ label: 'api-test' });
  toxiproxy = new Toxiproxy(server.url);
  echo = await TestServer.start('echo');
  upstream = `127.0.0.1:${echo.port}`;
});

afterAll(async () => {
  await server?.stop();
  await echo?.close();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

function latency(ms: number, extra: Partial<ICreateToxicBody<unknown>> = {}): ICreateToxicBody<unknown> {
  return { type: 'latency', attributes: { latency: ms }, ...extra } as ICreateToxicBody<unknown>;
}

describe('proxies', () => {
  it('GET /version answers the API version', async () => {
    expect(JSON.parse(await toxiproxy.getVersion())).toEqual({ version: expect.stringMatching(/^2\./) });
  });

  it('creates a proxy on a free port (201) and shows the real port', async () => {
    const created = await api('POST', '/proxies', { name: 'create', listen: '127.0.0.1:0', upstream });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      name: 'create',
      listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream,
      enabled: true,
      toxics: [],
    });
    const port = Number(String(created.json!.listen).split(':')[1]);
    expect(port).toBeGreaterThan(0);
    const client = await connectPeer(port);
    expect(await roundTrip(client, 'through')).toBeLessThan(1_000);
    client.destroy();
  });

  it('refuses a duplicate name with 409', async () => {
    await toxiproxy.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream });
    await expect(toxiproxy.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream })).rejects.toThrow(
      'status code 409',
    );
    expect(await api('POST', '/proxies', { name: 'dup', upstream })).toEqual({
      status: 409,
      json: { error: 'proxy already exists', status: 409 },
    });
  });

  it('refuses bad bodies with 400 and says why', async () => {
    const cases: [unknown, string][] = [
      ['{not json', 'bad request body'],
      ['', 'bad request body: EOF'],
      [[], 'bad request body'],
      [{ upstream }, 'missing required field: name'],
      [{ name: 'x' }, 'missing required field: upstream'],
      [{ name: 'x', upstream, enabled: 'yes' }, 'enabled must be true or false'],
      [{ name: 'x', upstream, listen: '0.0.0.0:0' }, 'not a loopback address'],
      [{ name: 'x', upstream: '10.1.2.3:2181' }, 'not a loopback address'],
      [{ name: 'x', upstream: '127.0.0.1' }, 'is not host:port'],
    ];
    for (const [body, message] of cases) {
      const reply = await api('POST', '/proxies', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json).toEqual({ error: expect.stringContaining(message), status: 400 });
    }
    expect((await api('GET', '/proxies/x')).status).toBe(404);
  });

  it('reports a taken listen port as a server error and creates nothing', async () => {
    const reply = await api('POST', '/proxies', {
      name: 'taken',
      listen: `127.0.0.1:${echo.port}`,
      upstream,
    });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ error: expect.stringContaining('EADDRINUSE'), status: 500 });
    expect((await api('GET', '/proxies/taken')).status).toBe(404);
  });

  it('gets one proxy (200, 404 unknown) and lists all by name', async () => {
    const created = await toxiproxy.createProxy({ name: 'listed', listen: '127.0.0.1:0', upstream });
    const got = await toxiproxy.get('listed');
    expect(got.toJson()).toEqual(created.toJson());
    await expect(toxiproxy.get('nope')).rejects.toThrow('status code 404');
    expect(await api('GET', '/proxies/nope')).toEqual({
      status: 404,
      json: { error: 'proxy not found', status: 404 },
    });
    const all = await api('GET', '/proxies');
    expect(all.status).toBe(200);
    expect(all.json!['listed']).toEqual({ ...created.toJson(), toxics: [] });
  });

  it('updates enabled, listen and upstream with POST or PATCH, keeping what the body leaves out', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'upd', listen: '127.0.0.1:0', upstream });
    const off = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(off.toJson()).toEqual({ ...proxy.toJson(), enabled: false });
    const on = await api('PATCH', '/proxies/upd', { enabled: true });
    expect(on).toEqual({ status: 200, json: { ...proxy.toJson(), enabled: true, toxics: [] } });
    const moved = await api('POST', '/proxies/upd', { listen: '127.0.0.1:0' });
    expect(moved.status).toBe(200);
    expect(moved.json!.listen).not.toBe(proxy.listen);
    expect((await api('PATCH', '/proxies/upd', { upstream: '8.8.8.8:53' })).status).toBe(400);
    expect((await api('PATCH', '/proxies/ghost', { enabled: true })).status).toBe(404);
  });

  it('deletes a proxy (204, then 404) and closes its port', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'gone', listen: '127.0.0.1:0', upstream });
    const port = Number(proxy.listen.split(':')[1]);
    const client = await connectPeer(port);
    expect(await api('DELETE', '/proxies/gone')).toEqual({ status: 204, json: undefined });
    await client.waitForClose(1_000);
    await expect(connectPeer(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await api('DELETE', '/proxies/gone')).toEqual({
      status: 404,
      json: { error: 'proxy not found', status: 404 },
    });
  });

  it('populates proxies (201): keeps an unchanged one, replaces a changed one', async () => {
    const first = await toxiproxy.populate([
      { name: 'pop-a', listen: '127.0.0.1:0', upstream },
      { name: 'pop-b', listen: '127.0.0.1:0', upstream, enabled: false },
    ]);
    expect(first['pop-a']!.enabled).toBe(true);
    expect(first['pop-b']!.enabled).toBe(false);
    const again = await api('POST', '/populate', [
      { name: 'pop-a', listen: first['pop-a']!.listen, upstream },
      { name: 'pop-b', listen: '127.0.0.1:0', upstream: `localhost:${echo.port}` },
    ]);
    expect(again.status).toBe(201);
    const proxies = again.json!.proxies as {
      name: string;
      listen: string;
      upstream: string;
      enabled: boolean;
    }[];
    expect(proxies[0]).toMatchObject({ name: 'pop-a', listen: first['pop-a']!.listen });
    expect(proxies[1]).toMatchObject({ name: 'pop-b', upstream: `localhost:${echo.port}`, enabled: true });
    const bad = await api('POST', '/populate', [{ name: 'pop-c', upstream }, { name: 'pop-d' }]);
    expect(bad).toEqual({
      status: 400,
      json: { error: 'missing required field: upstream at proxy 2', status: 400 },
    });
    expect((await api('GET', '/proxies/pop-c')).status).toBe(404);
  });
});

describe('toxics', () => {
  it('adds a toxic (200) with Toxiproxy defaults and shows it on the proxy', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream });
    const added = await proxy.addToxic(latency(50));
    expect(added.toJson()).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 50, jitter: 0 },
    });
    const shown = await api('GET', '/proxies/tox');
    expect(shown.json!.toxics).toEqual([added.toJson()]);
    expect((await proxy.getToxic('latency_downstream')).toJson()).toEqual(added.toJson());
  });

  it('lists toxics upstream first, then downstream, each in order of addition', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'order', listen: '127.0.0.1:0', upstream });
    await proxy.addToxic(latency(1, { name: 'd1' }));
    await proxy.addToxic(latency(2, { name: 'u1', stream: 'upstream' }));
    await proxy.addToxic({
      type: 'timeout',
      name: 'd2',
      attributes: { timeout: 0 },
    } as ICreateToxicBody<unknown>);
    await proxy.addToxic({
      type: 'bandwidth',
      stream: 'upstream',
      attributes: { rate: 5 },
    } as ICreateToxicBody<unknown>);
    const listed = await api('GET', '/proxies/order/toxics');
    expect(listed.status).toBe(200);
    expect((listed.json as unknown as { name: string }[]).map((toxic) => toxic.name)).toEqual([
      'u1',
      'bandwidth_upstream',
      'd1',
      'd2',
    ]);
  });

  it('updates attributes (merged) and toxicity, nothing else', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'tupd', listen: '127.0.0.1:0', upstream });
    const added = await proxy.addToxic(latency(50, { attributes: { latency: 50, jitter: 5 } }));
    const updated = await added.update({
      ...added.toJson(),
      toxicity: 0.5,
      attributes: { latency: 70 } as never,
    });
    expect(updated.toJson()).toEqual({
      ...added.toJson(),
      toxicity: 0.5,
      attributes: { latency: 70, jitter: 5 },
    });
    const patched = await api('PATCH', '/proxies/tupd/toxics/latency_downstream', {
      stream: 'upstream',
      type: 'timeout',
      attributes: { jitter: 0 },
    });
    expect(patched.json).toEqual({ ...updated.toJson(), attributes: { latency: 70, jitter: 0 } });
    expect((await api('PATCH', '/proxies/tupd/toxics/latency_downstream', { toxicity: 3 })).status).toBe(400);
    expect(await api('POST', '/proxies/tupd/toxics/none', { toxicity: 1 })).toEqual({
      status: 404,
      json: { error: 'toxic not found', status: 404 },
    });
  });

  it('refuses duplicates (409), unknown types, streams and bad attributes (400)', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'tbad', listen: '127.0.0.1:0', upstream });
    await proxy.addToxic(latency(10));
    await expect(proxy.addToxic(latency(10))).rejects.toThrow('status code 409');
    const cases: [unknown, number, string][] = [
      [{ type: 'latency' }, 409, 'toxic already exists'],
      [{ type: 'lag', name: 'x' }, 400, 'invalid toxic type'],
      [{ name: 'x' }, 400, 'invalid toxic type'],
      [
        { type: 'latency', name: 'x', stream: 'sideways' },
        400,
        'stream was invalid, can be either upstream or downstream',
      ],
      [{ type: 'latency', name: 'x', attributes: { latency: -1 } }, 400, 'non-negative integer'],
      [{ type: 'latency', name: 'x', attributes: { latency: '5' } }, 400, 'non-negative integer'],
      [{ type: 'latency', name: 'x', toxicity: 1.5 }, 400, 'toxicity must be a number from 0 to 1'],
      ['[', 400, 'bad request body'],
    ];
    for (const [body, status, message] of cases) {
      const reply = await api('POST', '/proxies/tbad/toxics', body);
      expect(reply, JSON.stringify(body)).toEqual({
        status,
        json: { error: expect.stringContaining(message), status },
      });
    }
    expect((await api('POST', '/proxies/ghost/toxics', { type: 'latency' })).status).toBe(404);
    expect((await api('GET', '/proxies/ghost/toxics')).status).toBe(404);
  });

  it('deletes a toxic (204, then 404)', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'tdel', listen: '127.0.0.1:0', upstream });
    const added = await proxy.addToxic(latency(10));
    await added.remove();
    expect(await api('GET', '/proxies/tdel/toxics')).toEqual({ status: 200, json: [] });
    expect(await api('DELETE', '/proxies/tdel/toxics/latency_downstream')).toEqual({
      status: 404,
      json: { error: 'toxic not found', status: 404 },
    });
  });
});

describe('the rest of the API', () => {
  it('POST /reset answers 204 and clears toxics', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'rst', listen: '127.0.0.1:0', upstream });
    await proxy.addToxic(latency(10));
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(await api('POST', '/reset')).toEqual({ status: 204, json: undefined });
    expect((await api('GET', '/proxies/rst')).json).toMatchObject({ enabled: true, toxics: [] });
  });

  it('answers unknown routes with 404, wrong methods with 405 and browsers with 403', async () => {
    expect((await api('GET', '/nothing')).status).toBe(404);
    expect((await api('PUT', '/proxies')).status).toBe(405);
    expect((await api('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0' })).status).toBe(403);
  });
});
