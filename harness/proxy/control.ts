/**
 * A small typed facade over `toxiproxy-node-client` for the rest of zkcheck. It speaks the Toxiproxy
 * HTTP API, so it drives our own fault proxy (server.ts) and a real Toxiproxy alike.
 *
 * The client reports every failure as "Request failed with status code N" and drops the body; here each
 * failure becomes a FaultProxyError that names the operation, the proxy or toxic, the HTTP status and
 * what it means. Calls the client lacks (listing toxics) use plain fetch.
 */
import {
  Proxy as ClientProxy,
  Toxic as ClientToxic,
  Toxiproxy,
  type ICreateToxicBody,
} from 'toxiproxy-node-client';

export type ToxicStream = 'upstream' | 'downstream';

/** The toxic types and attributes zkcheck uses (Toxiproxy's names and units). */
export type ToxicSpec =
  | { type: 'latency'; attributes: { latency: number; jitter?: number } } // ms
  | { type: 'bandwidth'; attributes: { rate: number } } // KB/s
  | { type: 'timeout'; attributes: { timeout: number } } // ms; 0 = drop everything until removed
  | { type: 'reset_peer'; attributes: { timeout: number } } // ms
  | { type: 'slow_close'; attributes: { delay: number } } // ms
  | { type: 'limit_data'; attributes: { bytes: number } }
  | { type: 'slicer'; attributes: { average_size: number; size_variation?: number; delay?: number } }; // delay in µs

export type NewToxic = ToxicSpec & {
  /** Default `<type>_<stream>`. */
  name?: string;
  /** Default downstream (server → client). */
  stream?: ToxicStream;
  /** Probability that the toxic applies to a connection; default 1. */
  toxicity?: number;
};

export interface ToxicInfo {
  readonly name: string;
  readonly type: string;
  readonly stream: ToxicStream;
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

export interface ProxyInfo {
  readonly name: string;
  /** `host:port` the proxy listens on. */
  readonly listen: string;
  readonly listenPort: number;
  readonly upstream: string;
  readonly enabled: boolean;
}

export interface NewProxy {
  readonly name: string;
  /** `host:port` of the real server. */
  readonly upstream: string;
  /** Default `127.0.0.1:0`: a free port, reported back in `listenPort`. */
  readonly listen?: string;
  readonly enabled?: boolean;
}

export class FaultProxyError extends Error {
  override name = 'FaultProxyError';
  constructor(
    message: string,
    /** The HTTP status, when the API answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class FaultProxyControl {
  private readonly client: Toxiproxy;

  /** `url` is the API base, e.g. `http://127.0.0.1:8474` (a trailing slash is ignored). */
  constructor(readonly url: string) {
    this.url = url.replace(/\/+$/, '');
    this.client = new Toxiproxy(this.url);
  }

  version(): Promise<string> {
    return this.call('reading the version', () => this.client.getVersion());
  }

  /** Creates a proxy (on a free loopback port unless `listen` says otherwise) and returns where it listens. */
  async createProxy(spec: NewProxy): Promise<ProxyInfo> {
    checkName('proxy', spec.name);
    const body = {
      name: spec.name,
      upstream: spec.upstream,
      listen: spec.listen ?? '127.0.0.1:0',
      enabled: spec.enabled ?? true,
    };
    const created = await this.call(
      `creating proxy "${spec.name}" to ${spec.upstream}`,
      () => this.client.createProxy(body),
      {
        409: 'a proxy with this name already exists (delete it, or call reset between runs)',
      },
    );
    return proxyInfo(created);
  }

  async getProxy(name: string): Promise<ProxyInfo> {
    checkName('proxy', name);
    return proxyInfo(await this.call(`reading proxy "${name}"`, () => this.client.get(name)));
  }

  async listProxies(): Promise<ProxyInfo[]> {
    const proxies = await this.call('listing proxies', () => this.client.getAll());
    return Object.values(proxies).map(proxyInfo);
  }

  /** false closes every connection through the proxy at once and refuses new ones; true listens again on the same port. */
  async setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    checkName('proxy', name);
    // Toxiproxy keeps listen and upstream when the body leaves them out: one request, no read first.
    const body = { enabled } as Parameters<ClientProxy['update']>[0];
    const updated = await this.call(`${enabled ? 'enabling' : 'disabling'} proxy "${name}"`, () =>
      this.handle(name).update(body),
    );
    return proxyInfo(updated);
  }

  async deleteProxy(name: string): Promise<void> {
    checkName('proxy', name);
    await this.call(`deleting proxy "${name}"`, () => this.handle(name).remove());
  }

  async deleteAllProxies(): Promise<void> {
    for (const proxy of await this.listProxies()) await this.deleteProxy(proxy.name);
  }

  async addToxic(proxy: string, toxic: NewToxic): Promise<ToxicInfo> {
    checkName('proxy', proxy);
    const stream = toxic.stream ?? 'downstream';
    const name = toxic.name ?? `${toxic.type}_${stream}`;
    checkName('toxic', name);
    const body = {
      name,
      type: toxic.type,
      stream,
      toxicity: toxic.toxicity ?? 1,
      attributes: toxic.attributes,
    };
    const added = await this.call(
      `adding toxic "${name}" (${toxic.type} ${JSON.stringify(toxic.attributes)}, ${stream}) to proxy "${proxy}"`,
      () => this.handle(proxy).addToxic(body as ICreateToxicBody<unknown>),
      {
        409: 'a toxic with this name already exists on the proxy',
        400: 'the toxic type, stream, toxicity or attributes were refused',
      },
    );
    return toxicInfo(added);
  }

  /** Changes a toxic's attributes (merged with the current ones) and/or toxicity; open connections follow. */
  async updateToxic(
    proxy: string,
    name: string,
    change: { attributes?: Record<string, number>; toxicity?: number },
  ): Promise<ToxicInfo> {
    checkName('proxy', proxy);
    checkName('toxic', name);
    const toxic = this.toxicHandle(proxy, name);
    const body = { ...change } as Parameters<ClientToxic<unknown>['update']>[0];
    return toxicInfo(
      await this.call(`updating toxic "${name}" on proxy "${proxy}"`, () => toxic.update(body)),
    );
  }

  /** Removing a `timeout` toxic also closes the connections it held (Toxiproxy's semantics). */
  async removeToxic(proxy: string, name: string): Promise<void> {
    checkName('proxy', proxy);
    checkName('toxic', name);
    await this.call(`removing toxic "${name}" from proxy "${proxy}"`, () =>
      this.toxicHandle(proxy, name).remove(),
    );
  }

  async listToxics(proxy: string): Promise<ToxicInfo[]> {
    checkName('proxy', proxy);
    const what = `listing toxics of proxy "${proxy}"`;
    let response: Response;
    try {
      response = await fetch(`${this.url}/proxies/${proxy}/toxics`);
    } catch (error) {
      throw this.unreachable(what, error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw this.failed(what, response.status);
    }
    return ((await response.json()) as ToxicInfo[]).map(toxicInfo);
  }

  async removeAllToxics(proxy: string): Promise<void> {
    for (const toxic of await this.listToxics(proxy)) await this.removeToxic(proxy, toxic.name);
  }

  /** Every proxy enabled again and every toxic removed (`POST /reset`). */
  async reset(): Promise<void> {
    await this.call('resetting all proxies', () => this.client.reset());
  }

  /** A client-side handle for a proxy we know by name: saves reading it before every change. */
  private handle(name: string): ClientProxy {
    return new ClientProxy(this.client, { name, listen: '', upstream: '', enabled: true, toxics: [] });
  }

  private toxicHandle(proxy: string, name: string): ClientToxic<unknown> {
    const body = { name, type: 'latency', stream: 'downstream', toxicity: 1, attributes: {} } as const;
    return new ClientToxic(this.client.api, this.handle(proxy).getPath(), body);
  }

  private async call<T>(
    what: string,
    request: () => Promise<T>,
    meanings: Record<number, string> = {},
  ): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const status = /status code (\d{3})/.exec((error as Error).message)?.[1];
      if (status === undefined) throw this.unreachable(what, error);
      throw this.failed(what, Number(status), meanings[Number(status)]);
    }
  }

  private failed(what: string, status: number, meaning?: string): FaultProxyError {
    const explained = meaning ?? STATUS_MEANINGS[status] ?? 'unexpected answer';
    return new FaultProxyError(
      `${what} failed: HTTP ${status}, ${explained} (fault proxy API ${this.url})`,
      status,
    );
  }

  private unreachable(what: string, error: unknown): FaultProxyError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return new FaultProxyError(
      `${what} failed: cannot reach the fault proxy API at ${this.url} (${reason}); is the proxy server running?`,
    );
  }
}

const STATUS_MEANINGS: Record<number, string> = {
  400: 'the request was refused as malformed',
  404: 'no such proxy or toxic',
  409: 'it already exists',
  500: 'the proxy server failed (for a proxy: its listen port may be taken)',
};

function checkName(kind: 'proxy' | 'toxic', name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new FaultProxyError(
      `${kind} name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-' (it goes into URLs)`,
    );
  }
}

function proxyInfo(proxy: { name: string; listen: string; upstream: string; enabled: boolean }): ProxyInfo {
  const port = Number(/:(\d+)$/.exec(proxy.listen)?.[1]);
  return {
    name: proxy.name,
    listen: proxy.listen,
    listenPort: port,
    upstream: proxy.upstream,
    enabled: proxy.enabled,
  };
}

function toxicInfo(toxic: {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: unknown;
}): ToxicInfo {
  return {
    name: toxic.name,
    type: toxic.type,
    stream: toxic.stream as ToxicStream,
    toxicity: toxic.toxicity,
    attributes: { ...(toxic.attributes as Record<string, number>) },
  };
}
