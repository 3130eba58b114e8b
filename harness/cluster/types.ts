/**
 * The `Ensemble` interface: a running ZooKeeper ensemble whose every client and peer link goes
 * through a Toxiproxy-API fault proxy. Providers (`docker`, `local`) differ only in how a node's
 * server process is started, killed and paused; topology, proxies, configs and status are shared.
 */

import type { LogLine } from './log-tail.js';

export type { LogLine } from './log-tail.js';

export type ProviderName = 'docker' | 'local';

/** One ZooKeeper server of the ensemble. Ids are ZooKeeper's `myid`: 1..N. */
export interface EnsembleNode {
  readonly id: number;
  /** The server's own client port on 127.0.0.1 (diagnostics, four-letter words). */
  readonly clientPort: number;
  /** The client proxy's port: what workload clients should connect to. */
  readonly proxyClientPort: number;
  /** The server's own quorum (peer) and election ports. */
  readonly quorumPort: number;
  readonly electionPort: number;
  /** Host directory holding this node's data (snapshots, myid); persists across kill/restart. */
  readonly dataDir: string;
  /** Host directory holding this node's transaction log. */
  readonly dataLogDir: string;
  /** Host file with this node's zoo.cfg (peers' server lines point at its link proxies). */
  readonly configFile: string;
  /** Host file receiving the server's log output (stdout and stderr), across restarts. */
  readonly logFile: string;
  /**
   * Host file holding this node's clock offset from real time, which its libfaketime reads
   * (clock.ts); `Ensemble.setClock` writes it.
   */
  readonly clockFile: string;
}

export type NodeState = 'running' | 'killed' | 'paused' | 'stopped';
export type ZkMode = 'leader' | 'follower' | 'observer' | 'standalone';

/** What a node says about itself through `srvr`/`mntr` on its real client port. */
export interface NodeStatus {
  id: number;
  state: NodeState;
  /** Undefined when the node does not answer or does not serve (no quorum). */
  mode?: ZkMode;
  zxid?: string;
  /** `mntr` key/values, when the node answered. */
  mntr?: Record<string, string>;
  /** Why the node gave no mode (connection refused, "not currently serving requests", timeout). */
  error?: string;
}

export type LinkKind = 'quorum' | 'election';

/** A directed peer link: traffic node `from` opens towards node `to`. */
export interface PeerLink {
  from: number;
  to: number;
  kind: LinkKind;
  /** The proxy's name on the Toxiproxy API. */
  proxy: string;
  /** The proxy's listen address, `127.0.<from>.<to>:<port>`: what node `from` dials. */
  listen: string;
  port: number;
}

/**
 * Names of every proxy, for nemeses that drive faults through the Toxiproxy API
 * (`toxiproxy-node-client`) at `toxiproxyUrl`.
 */
export interface EnsembleLinks {
  readonly toxiproxyUrl: string;
  /** Every directed peer link, both kinds. */
  readonly all: readonly PeerLink[];
  /** The two proxies (quorum, election) for the directed link from -> to. */
  between(from: number, to: number): readonly PeerLink[];
  /** Every peer proxy that touches node `id`, both directions. */
  of(id: number): readonly PeerLink[];
  /** The proxy in front of node `id`'s client port. */
  client(id: number): string;
  /** Blackholes (timeout 0 toxics on both streams) every peer link between `id` and the others. */
  isolate(id: number): Promise<void>;
  /** Removes every toxic and re-enables every proxy of this ensemble. */
  healAll(): Promise<void>;
  /**
   * Cuts links: peer links, or proxy names (`client(id)`). `blackhole` drops bytes and keeps
   * connections open (timeout 0 toxics); `reset` closes them (both ways: the proxy is disabled,
   * so connections are closed and new ones refused; one way: a reset_peer toxic on the replies).
   * `one-way` cuts replies only (downstream: what `to` sends back on connections `from` opened),
   * so requests still arrive: writes happen but their callers never learn it. A proxy already cut
   * the same way stays cut.
   */
  cut(links: readonly LinkRef[], mode: CutMode, direction?: CutDirection): Promise<void>;
  /** Adds toxics to every proxy of `links` (a toxic already there under that name is kept). */
  addToxics(links: readonly LinkRef[], toxics: readonly LinkToxic[]): Promise<void>;
  /**
   * Heals these proxies: removes the named toxics (every toxic when `toxicNames` is absent) and
   * re-enables them.
   */
  heal(links: readonly LinkRef[], toxicNames?: readonly string[]): Promise<void>;
}

/** A peer link, or a proxy's name (`EnsembleLinks.client(id)`). */
export type LinkRef = PeerLink | string;
export type CutMode = 'blackhole' | 'reset';
/** `one-way`: replies (the downstream stream) lost, requests still delivered. */
export type CutDirection = 'both' | 'one-way';

/** A Toxiproxy toxic: `stream` downstream is what the upstream server sends back. */
export interface LinkToxic {
  name: string;
  type: 'latency' | 'bandwidth' | 'reset_peer' | 'slow_close' | 'timeout' | 'slicer' | 'limit_data';
  stream: 'upstream' | 'downstream';
  /** Probability the toxic applies to a connection (default 1). */
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface Ensemble extends AsyncDisposable {
  readonly provider: ProviderName;
  /** Why this provider was chosen (auto-selection) or "requested". */
  readonly reason: string;
  /** Image (docker) or ZooKeeper install (local) the servers run from. */
  readonly source: string;
  readonly runId: string;
  readonly nodes: readonly EnsembleNode[];
  readonly links: EnsembleLinks;
  node(id: number): EnsembleNode;
  /** `127.0.0.1:<proxyClientPort>` of the node: give each client a single server. */
  connectString(id: number): string;
  /**
   * Waits until every running node serves and exactly one leads (or throws after `timeoutMs`; or
   * rejects with the signal's reason as soon as `signal` aborts).
   */
  waitForQuorum(opts?: {
    timeoutMs?: number;
    nodes?: readonly number[];
    signal?: AbortSignal;
  }): Promise<void>;
  /** Starts a killed or stopped node (its data dir is kept). */
  start(id: number): Promise<void>;
  /**
   * SIGKILL: no shutdown, no flush beyond what fsync already did. Resolves once the node is gone,
   * with when the kill had surely landed (epoch ms; undefined when the node was not running): the
   * engine notices the exit a while later, and a fault timed from a log line is judged by this.
   */
  kill(id: number): Promise<number | undefined>;
  /** Kill then start. */
  restart(id: number): Promise<void>;
  /**
   * Rolling upgrades: stops node `id` (SIGKILL when it runs) and starts it on the same data,
   * config and ports from another release: `source` is a docker image (docker provider). Absent
   * or rejecting with an EnsembleError where the provider cannot.
   */
  replaceNode?(id: number, source: string): Promise<void>;
  /** Freezes the node's process (docker pause / SIGSTOP). */
  pause(id: number): Promise<void>;
  resume(id: number): Promise<void>;
  state(id: number): NodeState;
  /**
   * Sets node `id`'s clock to real time plus `offsetSeconds` (0: real time), whatever its state
   * (a killed node starts with it), through its libfaketime (clock.ts): wall clock and monotonic
   * clock alike, within two seconds. Never the host's clock. Rejects with an EnsembleError when
   * the provider cannot fake clocks (no libfaketime on this machine, or an image without it).
   */
  setClock(id: number, offsetSeconds: number): Promise<void>;
  /** The offset node `id`'s clock was last set to (0 when never set). */
  clockOffset(id: number): number;
  /** The node that says it is leader, if exactly one running node does. */
  leader(): Promise<number | undefined>;
  /** Every node's status (or only those of `ids`), asked for at once through four-letter words. */
  status(ids?: readonly number[]): Promise<NodeStatus[]>;
  /** The node's log so far. */
  logs(id: number): Promise<string>;
  /**
   * Calls `listener` with each new line of node `id`'s log (from now on, across restarts) that
   * matches `pattern`, a few ms after the server wrote it (harness/cluster/log-tail.ts). Returns
   * the unsubscribe.
   */
  onLogLine(id: number, pattern: RegExp, listener: (line: LogLine) => void): () => void;
  /** The next new line of node `id`'s log matching `pattern`; rejects on timeout or abort. */
  waitForLog(
    id: number,
    pattern: RegExp,
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<LogLine>;
  /** Tears everything down: servers, proxies, and the run's directories unless kept. Idempotent. */
  stop(): Promise<void>;
}

export interface EnsembleOptions {
  /** 3 (default), 5 or 7; any odd or even N >= 1 works. */
  size?: number;
  /** `auto` (default) picks docker when an engine answers and an image is usable, else local. */
  provider?: ProviderName | 'auto';
  /** docker: image to run (default zookeeper:3.8 when present or pullable, else the local image). */
  image?: string;
  /** local: ZooKeeper install (a dir with lib/*.jar, or Debian's /usr/share/java). */
  zkHome?: string;
  /** Use this Toxiproxy instead of starting our own proxy server. */
  toxiproxyUrl?: string;
  /** Where node directories go (kept after stop). Default: a fresh temp dir removed at stop. */
  baseDir?: string;
  /** Keep the temp dir after stop (for post-mortems). */
  keepDirs?: boolean;
  /** ZooKeeper timing; defaults favour fast elections and partitions detected in seconds. */
  tickTimeMs?: number;
  initLimit?: number;
  syncLimit?: number;
  /** Wait for quorum before returning from start (default true) and how long (default 60 s). */
  waitForQuorum?: boolean;
  /**
   * Tear down on SIGINT/SIGTERM/SIGHUP (default true). A caller that handles signals itself (the
   * runner lets ops in flight finish first) passes false; teardown at process exit stays.
   */
  stopOnSignal?: boolean;
  quorumTimeoutMs?: number;
  /**
   * Stops the start as soon as it aborts (Ctrl-C): what was created is torn down and
   * `startEnsemble` rejects with the signal's reason. No effect once the ensemble is up.
   */
  signal?: AbortSignal;
  /** Extra JVM flags for every server. */
  jvmFlags?: string;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export class EnsembleError extends Error {
  override name = 'EnsembleError';
}
