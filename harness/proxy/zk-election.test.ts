/**
 * The election-address rewrite: byte-exact on the message format, split across reads, and on the
 * wire through our fault proxy created with `zk_advertise` by toxiproxy-node-client.
 */
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxyServer, type FaultProxyServer } from './server.js';
import { connectPeer, TestServer } from './test-support.js';
import { initialMessageRewriter, rewriteInitialMessage } from './zk-election.js';

/** QuorumCnxManager's first message: version, server id, address length, address. */
function initialMessage(sid: number, address: string, version = -65535n): Buffer {
  const head = Buffer.alloc(20);
  head.writeBigInt64BE(version, 0);
  head.writeBigInt64BE(BigInt(sid), 8);
  head.writeInt32BE(Buffer.byteLength(address), 16);
  return Buffer.concat([head, Buffer.from(address)]);
}

describe('rewriteInitialMessage', () => {
  it('replaces the advertised address and keeps the version, the id and what follows', () => {
    const notification = Buffer.from([1, 2, 3, 4]);
    const out = rewriteInitialMessage(
      Buffer.concat([initialMessage(1, '127.0.0.1:3888'), notification]),
      '127.0.3.1:40001',
    );
    expect(out).toEqual(Buffer.concat([initialMessage(1, '127.0.3.1:40001'), notification]));
  });

  it('replaces every address of a multi-address message by the one to advertise', () => {
    const out = rewriteInitialMessage(
      initialMessage(2, '127.0.0.1:3888|10.0.0.2:3888', -65535n),
      '127.0.1.2:5',
    );
    expect(out).toEqual(initialMessage(2, '127.0.1.2:5', -65535n));
  });

  it('asks for more bytes until the whole message is there', () => {
    const message = initialMessage(1, '127.0.0.1:3888');
    for (const cut of [0, 7, 8, 19, 20, message.length - 1]) {
      expect(rewriteInitialMessage(message.subarray(0, cut), 'x:1')).toBe('incomplete');
    }
  });

  it('passes through the old protocol (no version, the first int64 is the id) and absurd lengths', () => {
    const old = Buffer.alloc(8);
    old.writeBigInt64BE(3n, 0);
    expect(rewriteInitialMessage(old, 'x:1')).toBe(old);
    const absurd = initialMessage(1, 'a');
    absurd.writeInt32BE(1 << 30, 16);
    expect(rewriteInitialMessage(absurd, 'x:1')).toBe(absurd);
  });

  it('rewrites a message that arrives one byte at a time, then passes later bytes untouched', () => {
    const rewrite = initialMessageRewriter('127.0.2.1:7');
    const message = initialMessage(1, '127.0.0.1:3888');
    const forwarded = [...message].map((byte) => rewrite(Buffer.from([byte])));
    expect(Buffer.concat(forwarded)).toEqual(initialMessage(1, '127.0.2.1:7'));
    const later = initialMessage(9, 'not rewritten:1');
    expect(rewrite(later)).toBe(later);
  });
});

describe('an election proxy with zk_advertise', () => {
  let server: FaultProxyServer;
  let recorder: TestServer;
  beforeAll(async () => {
    server = await startFaultProxyServer({ label: 'zk-election-test' });
    recorder = await TestServer.start('record');
  });
  afterAll(async () => {
    await server?.stop();
    await recorder?.close();
  });

  it('delivers the rewritten message upstream, in two writes, and shows the field in its JSON', async () => {
    const toxiproxy = new Toxiproxy(server.url);
    const proxies = await toxiproxy.populate([
      {
        name: 'election-1-3',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${recorder.port}`,
        enabled: true,
        zk_advertise: '127.0.3.1:41000',
      },
    ] as never);
    const proxy = proxies['election-1-3'];
    const { data } = await toxiproxy.api.get<{ zk_advertise?: string }>(proxy.getPath());
    expect(data.zk_advertise).toBe('127.0.3.1:41000');

    const client = await connectPeer(Number(proxy.listen.split(':')[1]));
    const message = initialMessage(1, '[::1]:3888');
    client.write(message.subarray(0, 12));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.write(Buffer.concat([message.subarray(12), Buffer.from('after')]));
    const expected = Buffer.concat([initialMessage(1, '127.0.3.1:41000'), Buffer.from('after')]);
    const upstream = await recorder.peer(0);
    expect(await upstream.waitForBytes(expected.length)).toEqual(expected);
    client.destroy();
  });

  it('refuses a zk_advertise that is not a loopback host:port', async () => {
    const toxiproxy = new Toxiproxy(server.url);
    await expect(
      toxiproxy.createProxy({
        name: 'bad',
        listen: '127.0.0.1:0',
        upstream: '127.0.0.1:1',
        zk_advertise: '10.0.0.1:3888',
      } as never),
    ).rejects.toThrow(/status code 400/);
  });
});
