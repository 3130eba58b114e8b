/**
 * The HTTP API: the subset of Toxiproxy 2.x that zkcheck and `toxiproxy-node-client` use, with the same
 * routes, status codes and JSON. Requests that change state run one at a time, in arrival order.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { PopulateError, type ProxyCollection } from './collection.js';
import { ApiError, parseJsonBody } from './model.js';

/** What `GET /version` reports: the Toxiproxy API level we follow, marked as ours. */
export const API_VERSION = '2.12.0-zkcheck';
const MAX_BODY_BYTES = 1024 * 1024;

interface Reply {
  status: number;
  body?: unknown;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Handler = (params: string[], body: () => unknown) => Reply | Promise<Reply>;
interface Route {
  pattern: RegExp;
  methods: Partial<Record<Method, Handler>>;
}

export function createApiHandler(collection: ProxyCollection): RequestListener {
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const noContent: Reply = { status: 204 };
  const toxicRoute: Handler = (params, body) =>
    ok(collection.get(params[0]!).updateToxic(params[1]!, body()));
  const proxyUpdate: Handler = async (params, body) => ok(await collection.update(params[0]!, body()));

  const routes: Route[] = [
    { pattern: /^\/version$/, methods: { GET: () => ok({ version: API_VERSION }) } },
    {
      pattern: /^\/reset$/,
      methods: {
        POST: async () => {
          await collection.reset();
          return noContent;
        },
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async (_params, body) => ({
          status: 201,
          body: { proxies: await collection.populate(body()) },
        }),
      },
    },
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: () => ok(Object.fromEntries(collection.list().map((proxy) => [proxy.name, proxy]))),
        POST: async (_params, body) => ({ status: 201, body: await collection.create(body()) }),
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: (params) => ok(collection.get(params[0]!)),
        POST: proxyUpdate,
        PATCH: proxyUpdate,
        DELETE: (params) => {
          collection.remove(params[0]!);
          return noContent;
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: (params) => ok(collection.get(params[0]!).listToxics()),
        POST: (params, body) => ok(collection.get(params[0]!).addToxic(body())),
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: (params) => ok(collection.get(params[0]!).getToxic(params[1]!)),
        POST: toxicRoute,
        PATCH: toxicRoute,
        DELETE: (params) => {
          collection.get(params[0]!).removeToxic(params[1]!);
          return noContent;
        },
      },
    },
  ];

  let queue: Promise<void> = Promise.resolve();

  return (request, response) => {
    // Read the body first, concurrently; then take a turn, so one slow client cannot stall the API.
    void readBody(request).then(
      (text) => {
        queue = queue.then(() => serve(routes, request, text, response));
      },
      (error: unknown) =>
        send(response, { status: 400, body: new ApiError(`bad request body: ${String(error)}`, 400) }),
    );
  };
}

async function serve(
  routes: Route[],
  request: IncomingMessage,
  text: string,
  response: ServerResponse,
): Promise<void> {
  try {
    send(response, await route(routes, request, text));
  } catch (error) {
    send(response, errorReply(error));
  }
}

async function route(routes: Route[], request: IncomingMessage, text: string): Promise<Reply> {
  // Toxiproxy refuses browsers, so a web page cannot drive the proxies of the machine it runs on.
  if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
    return { status: 403, body: new ApiError('User agent not allowed', 403) };
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  for (const { pattern, methods } of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    const handler = methods[request.method as Method];
    if (!handler)
      return { status: 405, body: new ApiError(`method ${request.method} not allowed on ${path}`, 405) };
    const params = match.slice(1).map(decodePathSegment);
    return handler(params, () => parseJsonBody(text));
  }
  return { status: 404, body: new ApiError(`no route for ${path}`, 404) };
}

function errorReply(error: unknown): Reply {
  if (error instanceof PopulateError) {
    return { status: error.status, body: { ...error.toJSON(), proxies: error.proxies } };
  }
  if (error instanceof ApiError) return { status: error.status, body: error };
  return {
    status: 500,
    body: new ApiError(`internal error: ${(error as Error)?.message ?? String(error)}`, 500),
  };
}

function send(response: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    response.writeHead(reply.status).end();
    return;
  }
  const text = `${JSON.stringify(reply.body)}\n`;
  response
    .writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(`bad path segment ${JSON.stringify(segment)}`, 400);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
