/**
 * Bytes on the wire: real sockets through our fault proxy (a child process), driven with
 * toxiproxy-node-client, against a loopback echo or recording server.
 */
import { randomBytes } from 'node:crypto';
import { Toxiproxy, type Proxy, type ICreateToxicBody } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxyServer, type FaultProxyServer } from './server.js';
import { connectPeer, roundTrip, sleep, TestServer } from './test-support.js';

let server: FaultProxyServer;
let toxiproxy: Toxiproxy;
let echo: TestServer;
let recorder: TestServer;
let proxyCount = 0;

beforeAll(async () => {
  server = await startFaultProxyServer({ label: 'toxics-test' });
  toxiproxy = new Toxiproxy(server.url);
  echo = await TestServer.start('echo');
  recorder = await TestServer.start('record');
});

afterAll(async () => {
  await server?.stop();
  await echo?.close();
  await recorder?.close();
});

async function proxyTo(upstream: TestServer | number): Promise<{ proxy: Proxy; port: number }> {
  proxyCount += 1;
  const port = typeof upstream === 'number' ? upstream : upstream.port;
  const proxy = await toxiproxy.createProxy({
    name: `p${proxyCount}`,
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${port}`,
  });
  return { proxy, port: Number(proxy.listen.split(':')[1]) };
}

function toxic<T>(
  type: string,
  stream: 'upstream' | 'downstream',
  attributes: T,
  toxicity = 1,
): ICreateToxicBody<T> {
  return { type, stream, attributes, toxicity } as ICreateToxicBody<T>;
}

describe('fault proxy on the wire', () => {
  it('passes bytes through unchanged in both directions', async () => {
    const { port } = await proxyTo(echo);
    const client = await connectPeer(port);
    const payload = randomBytes(1024 * 1024);
    client.write(payload);
    const back = await client.waitForBytes(payload.length);
    expect(back.equals(payload)).toBe(true);
    client.destroy();
  });

  it('closes the server side when the client closes', async () => {
    const { port } = await proxyTo(recorder);
    const before = recorder.peers.length;
    const client = await connectPeer(port);
    client.write('hi');
    const upstream = await recorder.peer(before);
    await upstream.waitForBytes(2);
    client.socket.end();
    await upstream.waitForClose(2_000);
    await client.waitForClose(2_000);
  });

  it('adds latency to a connection that is already open, and removing it restores speed', async () => {
    const { proxy, port } = await proxyTo(echo);
    const client = await connectPeer(port);
    // Thresholds far from scheduler stalls on a loaded 2-core machine: slow means >= 600 ms, fast < 600 ms.
    expect(await roundTrip(client, 'warm')).toBeLessThan(600);
    const latency = await proxy.addToxic(toxic('latency', 'downstream', { latency: 600, jitter: 0 }));
    expect(await roundTrip(client, 'slow')).toBeGreaterThanOrEqual(600);
    await latency.remove();
    expect(await roundTrip(client, 'fast')).toBeLessThan(600);
    client.destroy();
  });

  it('applies latency to new connections and updates it in place', async () => {
    const { proxy, port } = await proxyTo(echo);
    const latency = await proxy.addToxic(toxic('latency', 'upstream', { latency: 80, jitter: 0 }));
    const client = await connectPeer(port);
    expect(await roundTrip(client, 'a')).toBeGreaterThanOrEqual(80);
    await latency.update({ ...latency.toJson(), attributes: { latency: 250, jitter: 0 } });
    expect(await roundTrip(client, 'b')).toBeGreaterThanOrEqual(250);
    client.destroy();
  });

  it('keeps byte order under latency with jitter', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic(toxic('latency', 'downstream', { latency: 20, jitter: 20 }));
    const client = await connectPeer(port);
    const messages = Array.from({ length: 40 }, (_, i) => `<${i}>`);
    for (const message of messages) {
      client.write(message);
      await sleep(2);
    }
    const expected = messages.join('');
    await client.waitForBytes(expected.length);
    expect(client.text).toBe(expected);
    client.destroy();
  });

  it('limits bandwidth', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic(toxic('bandwidth', 'downstream', { rate: 100 })); // 100 KB/s = 100 bytes per ms
    const client = await connectPeer(port);
    const start = performance.now();
    client.write(randomBytes(50_000));
    await client.waitForBytes(50_000);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3_000);
    client.destroy();
  });

  it('stops reading from a fast sender instead of buffering without bound', async () => {
    const { proxy, port } = await proxyTo(recorder);
    await proxy.addToxic(toxic('bandwidth', 'upstream', { rate: 1_000 })); // 1 MB/s
    const before = recorder.peers.length;
    const client = await connectPeer(port);
    const upstream = await recorder.peer(before);
    const total = 32 * 1024 * 1024;
    client.write(Buffer.alloc(total));
    await sleep(500);
    // The proxy holds at most a few MB in its toxics, the kernel a few more: the rest waits in the sender.
    expect(upstream.data.length).toBeLessThan(2 * 1024 * 1024);
    expect(client.socket.writableLength).toBeGreaterThan(total / 4);
    client.destroy();
  });

  it('timeout 0 downstream: the server gets the request, the client gets nothing and stays connected; removal closes', async () => {
    const { proxy, port } = await proxyTo(recorder);
    const before = recorder.peers.length;
    const client = await connectPeer(port);
    const upstream = await recorder.peer(before);
    const blackhole = await proxy.addToxic(toxic('timeout', 'downstream', { timeout: 0 }));
    client.write('request');
    await upstream.waitForBytes(7);
    upstream.write('reply');
    await sleep(300);
    expect(client.data.length).toBe(0);
    expect(client.open).toBe(true);
    expect(upstream.open).toBe(true);
    await blackhole.remove();
    await client.waitForClose(2_000);
    await upstream.waitForClose(2_000);
    expect(client.data.length).toBe(0);
  });

  it('timeout 0 upstream: requests vanish, replies still arrive', async () => {
    const { proxy, port } = await proxyTo(recorder);
    const before = recorder.peers.length;
    const client = await connectPeer(port);
    const upstream = await recorder.peer(before);
    await proxy.addToxic(toxic('timeout', 'upstream', { timeout: 0 }));
    client.write('request');
    upstream.write('push');
    await client.waitForBytes(4);
    await sleep(300);
    expect(upstream.data.length).toBe(0);
    expect(client.text).toBe('push');
    expect(client.open).toBe(true);
    client.destroy();
  });

  it('a full partition (timeout on both streams) then heal: old connections close, new ones work', async () => {
    const { proxy, port } = await proxyTo(echo);
    const client = await connectPeer(port);
    const up = await proxy.addToxic(toxic('timeout', 'upstream', { timeout: 0 }));
    const down = await proxy.addToxic(toxic('timeout', 'downstream', { timeout: 0 }));
    client.write('lost');
    await sleep(200);
    expect(client.data.length).toBe(0);
    await up.remove();
    await down.remove();
    await client.waitForClose(2_000);
    const fresh = await connectPeer(port);
    expect(await roundTrip(fresh, 'healed')).toBeLessThan(1_000);
    fresh.destroy();
  });

  it('timeout > 0 drops bytes and closes the connection after the delay', async () => {
    const { proxy, port } = await proxyTo(echo);
    const client = await connectPeer(port);
    const start = performance.now();
    await proxy.addToxic(toxic('timeout', 'downstream', { timeout: 250 }));
    client.write('dropped');
    const ending = await client.waitForClose(3_000);
    expect(ending.at - start).toBeGreaterThanOrEqual(240);
    expect(ending.at - start).toBeLessThan(2_000);
    expect(client.data.length).toBe(0);
  });

  it('enabled:false closes open connections and refuses new ones; enabled:true listens again on the same port', async () => {
    const { proxy, port } = await proxyTo(echo);
    const client = await connectPeer(port);
    expect(await roundTrip(client, 'x')).toBeLessThan(1_000);
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(disabled.enabled).toBe(false);
    await client.waitForClose(1_000);
    await expect(connectPeer(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const enabled = await disabled.update({
      enabled: true,
      listen: disabled.listen,
      upstream: disabled.upstream,
    });
    expect(enabled.listen).toBe(`127.0.0.1:${port}`);
    const again = await connectPeer(port);
    expect(await roundTrip(again, 'back')).toBeLessThan(1_000);
    again.destroy();
  });

  it('reset_peer resets the client connection (ECONNRESET) after its timeout', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic(toxic('reset_peer', 'upstream', { timeout: 150 }));
    const client = await connectPeer(port);
    const start = performance.now();
    client.write('boom');
    const ending = await client.waitForClose(3_000);
    expect(ending.code).toBe('ECONNRESET');
    expect(ending.at - start).toBeGreaterThanOrEqual(140);
    expect(client.data.length).toBe(0);
  });

  it('limit_data closes the connection after exactly that many bytes', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic(toxic('limit_data', 'downstream', { bytes: 10 }));
    const client = await connectPeer(port);
    client.write('0123456789abcdefghijklmnopqrstuvwxyz');
    await client.waitForClose(2_000);
    expect(client.text).toBe('0123456789');
  });

  it('slow_close delays the close the server started', async () => {
    const { proxy, port } = await proxyTo(recorder);
    await proxy.addToxic(toxic('slow_close', 'downstream', { delay: 300 }));
    const before = recorder.peers.length;
    const client = await connectPeer(port);
    const upstream = await recorder.peer(before);
    upstream.write('bye');
    await client.waitForBytes(3);
    const start = performance.now();
    upstream.socket.end();
    const ending = await client.waitForClose(3_000);
    expect(ending.at - start).toBeGreaterThanOrEqual(290);
  });

  it('slicer cuts data into delayed pieces without changing it', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic(
      toxic('slicer', 'downstream', { average_size: 10, size_variation: 0, delay: 20_000 }),
    );
    const client = await connectPeer(port);
    const message = 'abcdefghij'.repeat(10);
    const elapsed = await roundTrip(client, message);
    expect(client.text).toBe(message);
    expect(elapsed).toBeGreaterThanOrEqual(170); // 10 pieces, 20 ms apart
  });

  it('toxicity 0 never applies a toxic, toxicity 1 always does', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic({
      ...toxic('latency', 'downstream', { latency: 5_000, jitter: 0 }, 0),
      name: 'never',
    });
    const first = await connectPeer(port);
    expect(await roundTrip(first, 'quick')).toBeLessThan(2_500);
    await proxy.addToxic({ ...toxic('latency', 'upstream', { latency: 120, jitter: 0 }, 1), name: 'always' });
    const second = await connectPeer(port);
    expect(await roundTrip(second, 'slow')).toBeGreaterThanOrEqual(120);
    first.destroy();
    second.destroy();
  });

  it('a client of a proxy whose upstream is down is closed at once', async () => {
    const closed = await TestServer.start('record');
    const deadPort = closed.port;
    await closed.close();
    const { port } = await proxyTo(deadPort);
    const client = await connectPeer(port);
    await client.waitForClose(2_000);
  });

  describe('redial_refused_ms (our extension): a refused upstream is dialled again before the client is closed', () => {
    /** A loopback port nothing listens on now (a server's, closed). */
    async function freedPort(): Promise<number> {
      const gone = await TestServer.start('record');
      await gone.close();
      return gone.port;
    }
    async function redialProxyTo(upstreamPort: number, redialMs: number) {
      proxyCount += 1;
      const proxy = await toxiproxy.createProxy({
        name: `p${proxyCount}`,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${upstreamPort}`,
        redial_refused_ms: redialMs,
      } as never);
      return { proxy, port: Number(proxy.listen.split(':')[1]) };
    }

    it('holds the client while the upstream refuses, then delivers its bytes once it listens', async () => {
      const upstreamPort = await freedPort();
      const { proxy, port } = await redialProxyTo(upstreamPort, 5_000);
      const { data } = await toxiproxy.api.get<{ redial_refused_ms?: number }>(proxy.getPath());
      expect(data.redial_refused_ms).toBe(5_000);
      const client = await connectPeer(port);
      client.write('sent before the server listened|');
      await sleep(400); // several refused dials
      expect(client.open).toBe(true);
      const late = await TestServer.start('echo', upstreamPort);
      try {
        await client.waitForBytes('sent before the server listened|'.length);
        expect(await roundTrip(client, 'and after')).toBeLessThan(2_500);
        expect(client.text).toBe('sent before the server listened|and after');
      } finally {
        client.destroy();
        await late.close();
      }
    });

    it('closes the client once the window has passed, not before', async () => {
      const { port } = await redialProxyTo(await freedPort(), 600);
      const started = performance.now();
      const client = await connectPeer(port);
      const ending = await client.waitForClose(3_000);
      expect(ending.at - started).toBeGreaterThanOrEqual(400);
    });

    it('disabling the proxy closes a held client at once, and the proxy serves again when enabled', async () => {
      const upstreamPort = await freedPort();
      const { proxy, port } = await redialProxyTo(upstreamPort, 30_000);
      const held = await connectPeer(port);
      await sleep(250);
      expect(held.open).toBe(true);
      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
      await held.waitForClose(2_000);
      const late = await TestServer.start('echo', upstreamPort);
      try {
        await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
        const client = await connectPeer(port);
        expect(await roundTrip(client, 'served')).toBeLessThan(2_500);
        client.destroy();
      } finally {
        await late.close();
      }
    });

    it('refuses a redial_refused_ms that is not a whole number of ms up to ten minutes', async () => {
      for (const bad of [-1, 1.5, 'soon', 600_001]) {
        await expect(
          toxiproxy.createProxy({
            name: `bad-redial-${String(bad)}`,
            listen: '127.0.0.1:0',
            upstream: '127.0.0.1:1',
            redial_refused_ms: bad,
          } as never),
        ).rejects.toThrow(/status code 400/);
      }
    });
  });

  it('POST /reset re-enables every proxy and removes every toxic', async () => {
    const { proxy, port } = await proxyTo(echo);
    await proxy.addToxic(toxic('latency', 'downstream', { latency: 5_000, jitter: 0 }));
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    await expect(connectPeer(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await toxiproxy.reset();
    const after = await toxiproxy.get(proxy.name);
    expect(after.enabled).toBe(true);
    const client = await connectPeer(port);
    expect(await roundTrip(client, 'clean')).toBeLessThan(2_500);
    const toxics = (await (await fetch(`${server.url}/proxies/${proxy.name}/toxics`)).json()) as unknown[];
    expect(toxics).toEqual([]);
    client.destroy();
  });
});
