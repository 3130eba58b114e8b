/**
 * The fault proxy as its own process: a Toxiproxy-compatible HTTP API plus the TCP proxies it manages.
 * It runs apart from the harness so that the harness's GC pauses never stall peer traffic.
 *
 *   node dist/harness/proxy/main.js zkcheck-proxy [--host 127.0.0.1] [--port 8474] [--label NAME]
 *
 * Started by `startFaultProxyServer` (server.ts) it also gets `--parent-pid PID --watch-parent`: it
 * then exits when its stdin closes or its parent changes, so it never outlives the harness.
 */
import { createServer } from 'node:http';
import { createApiHandler } from './api.js';
import { ProxyCollection } from './collection.js';
import { parseListen } from './model.js';
import { FAULT_PROXY_MARKER, READY_PREFIX } from './server.js';

const EXIT_BAD_INPUT = 254;
const PARENT_POLL_MS = 500;

const USAGE = `usage: main.js ${FAULT_PROXY_MARKER} [options]

A Toxiproxy-API-compatible TCP fault proxy (the subset zkcheck uses), bound to loopback only.

options:
  --host HOST        API address, a 127.0.0.0/8 address or localhost (default 127.0.0.1)
  --port PORT        API port; 0 picks a free one (default 8474, Toxiproxy's)
  --label NAME       a name for this instance, shown in ps and used to sweep leftovers
  --parent-pid PID   the process that owns this one
  --watch-parent     exit when stdin closes or the parent process is gone
  -h, --help         show this help`;

interface Options {
  host: string;
  port: number;
  label: string;
  parentPid: number | undefined;
  watchParent: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    host: '127.0.0.1',
    port: 8474,
    label: 'default',
    parentPid: undefined,
    watchParent: false,
  };
  const args = argv[0] === FAULT_PROXY_MARKER ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i += 1) {
    const flag = args[i]!;
    const value = (): string => {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--host':
        options.host = value();
        break;
      case '--port':
        options.port = integerFlag(flag, value(), 0, 65535);
        break;
      case '--label':
        options.label = value();
        break;
      case '--parent-pid':
        options.parentPid = integerFlag(flag, value(), 1, 2 ** 31);
        break;
      case '--watch-parent':
        options.watchParent = true;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag} (see --help)`);
    }
  }
  try {
    options.host = parseListen(`${options.host}:${options.port}`).host; // localhost binds 127.0.0.1
  } catch {
    throw new Error(`--host ${options.host} is not a loopback address: use 127.0.0.1`);
  }
  return options;
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new Error(`${flag} must be an integer from ${min} to ${max}, got ${text}`);
  return value;
}

function main(): void {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`zkcheck-proxy: ${(error as Error).message}\n`);
    process.exit(EXIT_BAD_INPUT);
  }
  const collection = new ProxyCollection();
  const api = createServer({ keepAliveTimeout: 5_000 }, createApiHandler(collection));
  let stopping = false;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    collection.stopAll();
    api.close();
    api.closeAllConnections();
    process.exit(code);
  };

  api.once('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(
      `zkcheck-proxy: cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}\n`,
    );
    process.exit(1);
  });
  api.listen({ host: options.host, port: options.port }, () => {
    const address = api.address();
    const port = address && typeof address === 'object' ? address.port : options.port;
    const url = `http://${options.host}:${port}`;
    process.stdout.write(
      `${READY_PREFIX}${JSON.stringify({ url, pid: process.pid, label: options.label })}\n`,
    );
  });

  process.on('SIGTERM', () => shutdown(0));
  // Under a harness, Ctrl-C is the harness's to handle: it tears down in order and we follow it out.
  process.on('SIGINT', () => (options.watchParent ? undefined : shutdown(130)));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`zkcheck-proxy: internal error, exiting: ${error.stack ?? String(error)}\n`);
    shutdown(70);
  });

  if (options.watchParent) {
    process.stdin.on('end', () => shutdown(0));
    process.stdin.on('error', () => shutdown(0));
    process.stdin.resume();
    const parentPid = options.parentPid ?? process.ppid;
    setInterval(() => {
      if (process.ppid !== parentPid) shutdown(0);
    }, PARENT_POLL_MS).unref();
  }
}

main();
