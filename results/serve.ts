/**
 * `zkcheck serve`: a read-only web page over a run store, on Node's own http.
 *
 *   const { url, close } = await startServe({ store: 'runs', port: 8080 });
 *
 * Routes: `/` the runs list (filters as query parameters), `/compare?run=<id>&run=<id>` two or
 * more runs side by side, `/runs/<path in the store>` a run's files (report.html among them) and
 * directory listings.
 *
 * Read-only and local by default: binds 127.0.0.1 unless told; answers GET and HEAD only (405
 * otherwise); refuses `.`/`..` segments, encoded slashes, empty segments (`//etc`), and anything
 * whose real path (symlinks followed) leaves the store (403); hides dot-files (a writer's temp
 * files); bound to loopback, it answers only requests addressed to a loopback name (a DNS
 * rebinding page cannot read it). Files are streamed with the length they had when the request
 * came, so a history still being written is served as far as it was.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { compareCharts } from './serve-compare.js';
import { comparePage, dirPage, errorPage, runsPage, type DirEntry } from './serve-pages.js';
import { filterRows, filtersFrom, runRows } from './serve-runs.js';

export interface ServeOptions {
  store: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface Serving {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/** A server that cannot start (port taken, host not here): one line for the user. */
export class ServeError extends Error {
  override name = 'ServeError';
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.edn': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Pages may run their own inline scripts and styles (report.html does) and load only from this
 * server: nothing a stored page holds can make the browser reach elsewhere.
 */
const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export async function startServe(options: ServeOptions): Promise<Serving> {
  const host = options.host ?? DEFAULT_HOST;
  const store = resolve(options.store);
  let storeReal: string;
  try {
    storeReal = await realpath(store);
    if (!(await stat(storeReal)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new ServeError(`no run store at ${store}: ${(error as Error).message.split('\n')[0]}`);
  }
  const loopbackOnly = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const server = createServer((req, res) => {
    handle(req, res, { store, storeReal, loopbackOnly }).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, req, 500, errorPage(500, `internal error: ${(error as Error).message}`));
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ServeError(
          error.code === 'EADDRINUSE'
            ? `port ${options.port ?? DEFAULT_PORT} on ${host} is in use: choose another with --port`
            : `cannot listen on ${host}:${options.port ?? DEFAULT_PORT}: ${error.message}`,
        ),
      ),
    );
    server.listen(options.port ?? DEFAULT_PORT, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

interface Context {
  store: string;
  storeReal: string;
  loopbackOnly: boolean;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(
      res,
      req,
      405,
      errorPage(405, `${req.method ?? '?'} refused: zkcheck serve is read-only (GET and HEAD only)`),
    );
  }
  if (ctx.loopbackOnly) {
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!LOOPBACK_NAMES.has(hostName)) {
      return send(res, req, 403, errorPage(403, `refused: Host ${hostName} is not this machine's loopback`));
    }
  }
  const target = req.url ?? '/';
  if (!target.startsWith('/'))
    return send(res, req, 400, errorPage(400, 'refused: an absolute request target'));
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
  const segments = parseSegments(rawPath);
  if (typeof segments === 'string')
    return send(
      res,
      req,
      segments.startsWith('bad') ? 400 : 403,
      errorPage(segments.startsWith('bad') ? 400 : 403, segments),
    );

  if (segments.length === 1 && segments[0] === '') {
    const all = runRows(ctx.store);
    const filters = filtersFrom(query);
    return send(res, req, 200, runsPage(ctx.store, all, filterRows(all, filters), filters));
  }
  if (segments.length === 1 && segments[0] === 'compare') return compare(req, res, ctx, query);
  if (segments.length === 1 && segments[0] === 'favicon.ico') return send(res, req, 404, '');
  if (segments[0] === 'runs') return storeFile(req, res, ctx, segments.slice(1), rawPath);
  return send(res, req, 404, errorPage(404, `nothing at ${rawPath}`));
}

/**
 * The decoded path segments, or why the path is refused. The trailing '' of a path ending in
 * '/' is kept (a directory); any other empty segment is refused: `//etc/passwd` is an absolute
 * path in disguise.
 */
function parseSegments(rawPath: string): string[] | string {
  const parts = rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (const [i, part] of parts.entries()) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return `bad request: ${rawPath} is not a valid URL path`;
    }
    if (segment === '' && i !== parts.length - 1)
      return `refused: ${rawPath} has an empty segment (an absolute path?)`;
    if (segment === '.' || segment === '..') return `refused: ${rawPath} steps out with '${segment}'`;
    if (/[/\\\0]/.test(segment)) return `refused: ${rawPath} hides a separator in a segment`;
    segments.push(segment);
  }
  return segments;
}

async function storeFile(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  rest: string[],
  rawPath: string,
): Promise<void> {
  const wantsDir = rest.length === 0 || rest[rest.length - 1] === '';
  const names = rest.filter((name) => name !== '');
  if (names.some((name) => name.startsWith('.')))
    return send(res, req, 404, errorPage(404, `nothing at ${rawPath}`));
  let real: string;
  try {
    real = await realpath(join(ctx.storeReal, ...names));
  } catch {
    return send(res, req, 404, errorPage(404, `nothing at ${rawPath}`));
  }
  if (real !== ctx.storeReal && !real.startsWith(ctx.storeReal + sep)) {
    return send(res, req, 403, errorPage(403, `refused: ${rawPath} leads out of the store`));
  }
  const info = await stat(real);
  if (info.isDirectory()) {
    if (!wantsDir) {
      res.setHeader('Location', `${rawPath}/`);
      return send(res, req, 301, '');
    }
    const dirents = await readdir(real, { withFileTypes: true });
    const entries: DirEntry[] = [];
    for (const entry of dirents
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => a.name.localeCompare(b.name))) {
      try {
        const entryInfo = await stat(join(real, entry.name));
        entries.push({ name: entry.name, dir: entryInfo.isDirectory(), size: entryInfo.size });
      } catch {
        // Removed while listing, or a dangling link: not shown.
      }
    }
    const id = names.length === 2 ? `${names[0]}/${names[1]}` : undefined;
    const run = id ? runRows(ctx.store).find((row) => row.id === id) : undefined;
    return send(res, req, 200, dirPage(rawPath, entries, run));
  }
  if (!info.isFile()) return send(res, req, 403, errorPage(403, `refused: ${rawPath} is not a regular file`));
  res.statusCode = 200;
  setCommonHeaders(res, TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', info.size);
  if (req.method === 'HEAD' || info.size === 0) {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(real, { start: 0, end: info.size - 1 });
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
}

async function compare(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  query: URLSearchParams,
): Promise<void> {
  const ids = [...new Set(query.getAll('run'))];
  const all = runRows(ctx.store);
  // Ids are looked up among the stored runs, never joined to a path.
  const unknown = ids.filter((id) => !all.some((row) => row.id === id));
  if (unknown.length > 0) return send(res, req, 404, errorPage(404, `no such run: ${unknown.join(', ')}`));
  if (ids.length < 2)
    return send(res, req, 400, errorPage(400, 'tick two or more runs on the runs page to compare them'));
  const runs = ids.map((id) => all.find((row) => row.id === id)!);
  const { charts, notes } = await compareCharts(runs);
  return send(res, req, 200, comparePage(runs, charts, notes));
}

function setCommonHeaders(res: ServerResponse, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', CSP);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, html: string): void {
  res.statusCode = status;
  setCommonHeaders(res, 'text/html; charset=utf-8');
  const body = Buffer.from(html);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}
