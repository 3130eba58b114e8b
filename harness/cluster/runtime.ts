/**
 * What a provider does for one node: run its server process from the node's directories, and
 * kill, pause or resume it. Everything else (ports, proxies, configs, status) is shared.
 */
import type { EnsembleNode, ProviderName } from './types.js';

export interface RunLabels {
  runId: string;
  ownerPid: number;
  ownerStart: number | undefined;
}

export interface ServerPaths {
  dataDir: string;
  dataLogDir: string;
}

export interface NodeRuntime {
  readonly provider: ProviderName;
  /** Image or install the servers run from. */
  readonly source: string;
  /** Where the server sees its own files (docker: /data, /datalog, /conf/hosts; local: the host paths). */
  serverPaths(node: EnsembleNode): ServerPaths;
  /** Starts (first time, or again after kill) the node's server; returns once the process runs. */
  start(node: EnsembleNode): Promise<void>;
  /** SIGKILLs the node; resolves once it is gone, with when the kill had surely landed (epoch ms). */
  kill(node: EnsembleNode): Promise<number>;
  /** Stops the node (if running) and starts it again from another image or install (optional). */
  replace?(node: EnsembleNode, source: string): Promise<void>;
  pause(node: EnsembleNode): Promise<void>;
  resume(node: EnsembleNode): Promise<void>;
  /** Why the servers' clocks cannot be faked (libfaketime missing), or undefined when they can. */
  clockSupport(): Promise<string | undefined>;
  /** Removes every server (containers, processes) of this run; idempotent. */
  dispose(): Promise<void>;
  /** Last-ditch synchronous teardown for process exit handlers. */
  disposeSync(): void;
}

/** JVM flags for small, quick-starting servers on a shared 2-core machine. */
export const DEFAULT_JVM_FLAGS = [
  '-Xms32m',
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:+PerfDisableSharedMem',
  // Also what makes a node's own advertised address ([::1]) undialable: see zkconfig.ts.
  '-Djava.net.preferIPv4Stack=true',
  // Election notifications back off up to 60 s by default; cap it so a healed node rejoins fast.
  '-Dzookeeper.fastleader.maxNotificationInterval=1000',
].join(' ');
