/** Every proxy of one fault-proxy server, by name, with the collection-wide operations of the API. */
import { ApiError, Errors, parseProxyRequest, parseProxyUpdate, type ProxyRequest } from './model.js';
import { TcpProxy } from './proxy.js';

/** `/populate` failed part-way: Toxiproxy reports the error together with the proxies it did apply. */
export class PopulateError extends ApiError {
  constructor(
    cause: ApiError,
    readonly proxies: TcpProxy[],
  ) {
    super(cause.message, cause.status);
  }
}

export class ProxyCollection {
  private readonly proxies = new Map<string, TcpProxy>();

  list(): TcpProxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): TcpProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw Errors.proxyNotFound();
    return proxy;
  }

  async create(body: unknown): Promise<TcpProxy> {
    const request = parseProxyRequest(body);
    if (this.proxies.has(request.name)) throw Errors.proxyExists();
    return this.add(request);
  }

  /**
   * `POST /populate`: an array of proxies, all checked before any is applied. A proxy whose name exists
   * with the same listen and upstream is kept (its connections survive); otherwise it is replaced.
   */
  async populate(body: unknown): Promise<TcpProxy[]> {
    if (!Array.isArray(body)) throw Errors.badBody('populate takes a JSON array of proxies');
    const requests = body.map((item, index) => parseProxyRequest(item, ` at proxy ${index + 1}`));
    const names = new Set<string>();
    for (const request of requests) {
      if (names.has(request.name))
        throw Errors.badBody(`duplicate proxy name ${JSON.stringify(request.name)}`);
      names.add(request.name);
    }
    const applied: TcpProxy[] = [];
    try {
      for (const request of requests) {
        const existing = this.proxies.get(request.name);
        if (existing?.hasSameAddresses(request.listen, request.upstream)) {
          await existing.update(request);
          applied.push(existing);
          continue;
        }
        if (existing) this.remove(request.name);
        applied.push(await this.add(request));
      }
    } catch (error) {
      if (error instanceof ApiError) throw new PopulateError(error, applied);
      throw error;
    }
    return applied;
  }

  async update(name: string, body: unknown): Promise<TcpProxy> {
    const proxy = this.get(name);
    await proxy.update(parseProxyUpdate(body, proxy.settings()));
    return proxy;
  }

  remove(name: string): void {
    this.get(name).stop();
    this.proxies.delete(name);
  }

  /** `POST /reset`: every proxy enabled again and every toxic removed. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      await proxy.start();
      proxy.removeAllToxics();
    }
  }

  /** Shutdown: every listener and connection closed. */
  stopAll(): void {
    for (const proxy of this.proxies.values()) proxy.stop();
  }

  private async add(request: ProxyRequest): Promise<TcpProxy> {
    const proxy = new TcpProxy(request);
    if (request.enabled) await proxy.start();
    this.proxies.set(request.name, proxy);
    return proxy;
  }
}
