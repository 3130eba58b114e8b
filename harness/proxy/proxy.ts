/**
 * One named TCP proxy: a listener on loopback, the connections it accepted, and its toxics. Mirrors
 * Toxiproxy's Proxy + ToxicCollection: disabling closes the listener and every connection; toxics apply
 * to open connections at once and to new ones from the start.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Connection } from './link.js';
import { initialMessageRewriter } from './zk-election.js';
import {
  ApiError,
  Errors,
  formatAddress,
  parseNewToxic,
  parseToxicUpdate,
  type Address,
  type ProxyUpdate,
  type StreamDirection,
  type Toxic,
} from './model.js';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
  /** zkcheck's extension: the election address this proxy advertises (see zk-election.ts). */
  zk_advertise?: string;
  /** zkcheck's extension: how long a refused upstream is dialled again (see link.ts). */
  redial_refused_ms?: number;
}

export interface ProxyConfig {
  readonly name: string;
  readonly listen: Address;
  readonly upstream: string;
  readonly upstreamAddress: Address;
  readonly zkAdvertise?: string;
  readonly redialRefusedMs?: number;
}

export class TcpProxy {
  readonly name: string;
  private listenAddress: Address;
  private upstream: string;
  private upstreamAddress: Address;
  private server: Server | undefined;
  private readonly toxics: Toxic[] = [];
  private readonly connections = new Set<Connection>();
  private readonly zkAdvertise?: string;
  private readonly redialRefusedMs?: number;

  constructor(config: ProxyConfig) {
    this.name = config.name;
    this.zkAdvertise = config.zkAdvertise;
    this.redialRefusedMs = config.redialRefusedMs;
    this.listenAddress = config.listen;
    this.upstream = config.upstream;
    this.upstreamAddress = config.upstreamAddress;
  }

  get enabled(): boolean {
    return this.server !== undefined;
  }

  get listen(): string {
    return formatAddress(this.listenAddress);
  }

  /** Starts listening; port 0 becomes the free port the system picked, kept across disable/enable. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) =>
      this.accept(socket),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.listenAddress.host, port: this.listenAddress.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new ApiError(`listen tcp ${this.listen}: ${error.code ?? error.message}`, 500);
    });
    server.on('error', () => {}); // after listening only accept errors can come; they drop that client
    const bound = server.address();
    if (bound && typeof bound === 'object')
      this.listenAddress = { host: this.listenAddress.host, port: bound.port };
    this.server = server;
  }

  /** Stops listening (new clients are refused) and closes every open connection at once. */
  stop(): void {
    if (!this.server) return;
    this.server.close();
    this.server = undefined;
    for (const connection of this.connections) connection.destroy();
  }

  /** Toxiproxy's Proxy.Update: a new address restarts the proxy; `enabled` starts or stops it. */
  async update(update: ProxyUpdate): Promise<void> {
    const moved =
      update.listen.host !== this.listenAddress.host ||
      update.listen.port !== this.listenAddress.port ||
      update.upstream !== this.upstream;
    if (moved) {
      this.stop();
      this.listenAddress = update.listen;
      this.upstream = update.upstream;
      this.upstreamAddress = update.upstreamAddress;
    }
    if (update.enabled) await this.start();
    else this.stop();
  }

  /** The fields an update starts from. */
  settings(): { listen: Address; upstream: string; enabled: boolean } {
    return { listen: this.listenAddress, upstream: this.upstream, enabled: this.enabled };
  }

  hasSameAddresses(listen: Address, upstream: string): boolean {
    return (
      listen.host === this.listenAddress.host &&
      listen.port === this.listenAddress.port &&
      upstream === this.upstream
    );
  }

  listToxics(): Toxic[] {
    // Toxiproxy lists the upstream chain first, then the downstream one, each in order of addition.
    return [...this.toxicsFor('upstream'), ...this.toxicsFor('downstream')];
  }

  getToxic(name: string): Toxic {
    const toxic = this.toxics.find((candidate) => candidate.name === name);
    if (!toxic) throw Errors.toxicNotFound();
    return toxic;
  }

  addToxic(body: unknown): Toxic {
    const toxic = parseNewToxic(body, (name) => this.toxics.some((candidate) => candidate.name === name));
    this.toxics.push(toxic);
    for (const connection of this.connections) connection.link(toxic.stream)?.addToxic(toxic);
    return toxic;
  }

  updateToxic(name: string, body: unknown): Toxic {
    const current = this.getToxic(name);
    const updated = parseToxicUpdate(body, current);
    this.toxics[this.toxics.indexOf(current)] = updated;
    for (const connection of this.connections) connection.link(updated.stream)?.updateToxic(updated);
    return updated;
  }

  removeToxic(name: string): void {
    const toxic = this.getToxic(name);
    this.toxics.splice(this.toxics.indexOf(toxic), 1);
    for (const connection of [...this.connections]) connection.link(toxic.stream)?.removeToxic(name);
  }

  removeAllToxics(): void {
    for (const toxic of this.listToxics()) this.removeToxic(toxic.name);
  }

  toJSON(): ProxyJson {
    const json: ProxyJson = {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.listToxics(),
    };
    if (this.zkAdvertise !== undefined) json.zk_advertise = this.zkAdvertise;
    if (this.redialRefusedMs !== undefined) json.redial_refused_ms = this.redialRefusedMs;
    return json;
  }

  private toxicsFor(direction: StreamDirection): Toxic[] {
    return this.toxics.filter((toxic) => toxic.stream === direction);
  }

  private accept(client: Socket): void {
    if (!this.server) {
      client.destroy();
      return;
    }
    const connection = new Connection({
      client,
      upstream: this.upstreamAddress,
      toxics: (direction) => this.toxicsFor(direction),
      onClosed: (closed) => this.connections.delete(closed),
      redialRefusedMs: this.redialRefusedMs,
      upstreamRewriter:
        this.zkAdvertise === undefined ? undefined : () => initialMessageRewriter(this.zkAdvertise!),
    });
    this.connections.add(connection);
  }
}
