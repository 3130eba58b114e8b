/**
 * Measures what one hop through the fault proxy costs on loopback: added round-trip latency (small
 * ping-pong messages, one and many connections) and one-way throughput. Direct and proxied runs alternate
 * against the same servers. Run: npm run bench:proxy -- [--seconds N]
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startFaultProxyServer } from '../harness/proxy/server.js';

const MESSAGE_BYTES = 64;
const THROUGHPUT_BYTES = 512 * 1024 * 1024;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sequential 64-byte request/response pairs on one connection for `ms`; returns each round trip in µs. */
async function pingPong(port: number, ms: number): Promise<number[]> {
  const socket = await open(port);
  const message = Buffer.alloc(MESSAGE_BYTES, 7);
  const samples: number[] = [];
  const end = performance.now() + ms;
  await new Promise<void>((resolve) => {
    let received = 0;
    let start = 0;
    const send = (): void => {
      start = performance.now();
      socket.write(message);
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received < MESSAGE_BYTES) return;
      received -= MESSAGE_BYTES;
      const now = performance.now();
      samples.push((now - start) * 1000);
      if (now < end) send();
      else resolve();
    });
    send();
  });
  socket.destroy();
  return samples;
}

async function oneWay(port: number): Promise<number> {
  const socket = await open(port);
  const block = Buffer.alloc(1024 * 1024);
  const start = performance.now();
  for (let sent = 0; sent < THROUGHPUT_BYTES; sent += block.length) {
    if (!socket.write(block)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
  await new Promise((resolve) => socket.once('close', resolve));
  return THROUGHPUT_BYTES / 1e6 / ((performance.now() - start) / 1000);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(samples: number[]): { n: number; p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean };
}

async function main(): Promise<void> {
  const secondsFlag = process.argv.indexOf('--seconds');
  const seconds = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : 3;
  const echo = createServer({ noDelay: true }, (socket) => socket.pipe(socket));
  const sink = createServer((socket) => {
    socket.resume();
    socket.on('end', () => socket.end());
  });
  const echoPort = await listen(echo);
  const sinkPort = await listen(sink);
  const server = await startFaultProxyServer({ label: 'measure-overhead' });
  try {
    const toxiproxy = new Toxiproxy(server.url);
    const proxyPort = async (name: string, upstream: number) =>
      Number(
        (
          await toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstream}` })
        ).listen
          .split(':')
          .at(-1),
      );
    const echoProxy = await proxyPort('echo', echoPort);
    const sinkProxy = await proxyPort('sink', sinkPort);
    await pingPong(echoProxy, 300); // warm up both processes
    await pingPong(echoPort, 300);

    const rows: string[] = [];
    const micro = (value: number): string => `${value.toFixed(0)} µs`;
    for (const concurrency of [1, 32]) {
      const run = async (port: number) =>
        summary(
          (
            await Promise.all(Array.from({ length: concurrency }, () => pingPong(port, seconds * 1000)))
          ).flat(),
        );
      const direct = await run(echoPort);
      const proxied = await run(echoProxy);
      rows.push(
        `round trip, ${concurrency} connection(s): direct p50 ${micro(direct.p50)} p99 ${micro(direct.p99)} (${(direct.n / seconds).toFixed(0)}/s); ` +
          `proxied p50 ${micro(proxied.p50)} p99 ${micro(proxied.p99)} (${(proxied.n / seconds).toFixed(0)}/s); ` +
          `added p50 ${micro(proxied.p50 - direct.p50)}, mean ${micro(proxied.mean - direct.mean)}`,
      );
    }
    const direct = await oneWay(sinkPort);
    const proxied = await oneWay(sinkProxy);
    rows.push(
      `throughput, one connection, ${THROUGHPUT_BYTES / 1024 / 1024} MiB: direct ${direct.toFixed(0)} MB/s, proxied ${proxied.toFixed(0)} MB/s`,
    );
    console.log(rows.join('\n'));
  } finally {
    await server.stop();
    echo.close();
    sink.close();
  }
}

await main();
