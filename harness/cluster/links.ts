/**
 * The ensemble's proxies on a Toxiproxy-API server: one client proxy per node and one proxy per
 * directed peer link and port kind. All calls go through `toxiproxy-node-client`, so a real
 * Toxiproxy and our own server behave the same. Proxy names carry the run id (`zk-<run>-...`) so a
 * shared Toxiproxy can host several runs and sweeps can find ours.
 */
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import type {
  CutDirection,
  CutMode,
  EnsembleLinks,
  LinkKind,
  LinkRef,
  LinkToxic,
  PeerLink,
} from './types.js';
import { linkAddress } from './zkconfig.js';

export const PROXY_PREFIX = 'zk-';

export function proxyPrefix(runId: string): string {
  return `${PROXY_PREFIX}${runId}-`;
}

export interface LinkPlanNode {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
}

export interface CreatedLinks {
  links: EnsembleLinks;
  /** proxy listen port of each node's client proxy */
  clientProxyPort: Map<number, number>;
  peers: PeerLink[];
  /** Deletes every proxy of this run (best effort, all of them even if some fail). */
  remove(): Promise<void>;
}

function portOf(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`proxy listens on "${listen}": no port`);
  return port;
}

/** How many ports `createLinks` needs reserved for an ensemble of `size` nodes. */
export function peerProxyPortCount(size: number): number {
  return 2 * size * (size - 1);
}

/**
 * Creates every proxy with one `/populate` call. Client proxies listen on a free port of
 * 127.0.0.1; the proxies for the directed link i->k on reserved ports of 127.0.i.k (see
 * zkconfig.ts). Each election proxy i->k advertises the proxy for k->i as node i's address, so
 * node k's dial-back stays behind the proxies too (see harness/proxy/zk-election.ts).
 */
export async function createLinks(
  toxiproxyUrl: string,
  runId: string,
  nodes: readonly LinkPlanNode[],
  peerProxyPorts: readonly number[],
  /**
   * How long a quorum proxy keeps dialling a node whose quorum port refuses (zkcheck's proxy
   * only; see harness/proxy/link.ts): a follower would retry that long itself, initLimit ticks.
   */
  quorumRedialMs = 0,
): Promise<CreatedLinks> {
  if (peerProxyPorts.length !== peerProxyPortCount(nodes.length)) {
    throw new Error(
      `need ${peerProxyPortCount(nodes.length)} peer proxy ports, got ${peerProxyPorts.length}`,
    );
  }
  const toxiproxy = new Toxiproxy(toxiproxyUrl);
  const prefix = proxyPrefix(runId);
  const clientName = (id: number) => `${prefix}client-${id}`;
  const peerName = (from: number, to: number, kind: LinkKind) => `${prefix}${kind}-${from}-${to}`;
  const listenOf = new Map<string, string>();
  let next = 0;
  for (const from of nodes) {
    for (const to of nodes) {
      if (from.id === to.id) continue;
      for (const kind of ['quorum', 'election'] as const) {
        listenOf.set(
          peerName(from.id, to.id, kind),
          `${linkAddress(from.id, to.id)}:${peerProxyPorts[next++]}`,
        );
      }
    }
  }
  const bodies: Array<{
    name: string;
    listen: string;
    upstream: string;
    enabled: boolean;
    zk_advertise?: string;
    redial_refused_ms?: number;
  }> = nodes.map((n) => ({
    name: clientName(n.id),
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${n.clientPort}`,
    enabled: true,
  }));
  for (const from of nodes) {
    for (const to of nodes) {
      if (from.id === to.id) continue;
      for (const kind of ['quorum', 'election'] as const) {
        const port = kind === 'quorum' ? to.quorumPort : to.electionPort;
        bodies.push({
          name: peerName(from.id, to.id, kind),
          listen: listenOf.get(peerName(from.id, to.id, kind))!,
          upstream: `127.0.0.1:${port}`,
          enabled: true,
          ...(kind === 'election'
            ? { zk_advertise: listenOf.get(peerName(to.id, from.id, kind))! }
            : { redial_refused_ms: quorumRedialMs }),
        });
      }
    }
  }
  const created = await toxiproxy.populate(bodies);
  const proxies = new Map<string, Proxy>(Object.values(created).map((p) => [p.name, p]));
  for (const body of bodies) {
    if (!proxies.has(body.name))
      throw new Error(`Toxiproxy at ${toxiproxyUrl} did not create proxy ${body.name}`);
  }
  const clientProxyPort = new Map(nodes.map((n) => [n.id, portOf(proxies.get(clientName(n.id))!.listen)]));
  const peers: PeerLink[] = [];
  for (const body of bodies) {
    const match = /-(quorum|election)-(\d+)-(\d+)$/.exec(body.name);
    if (!match) continue;
    peers.push({
      from: Number(match[2]),
      to: Number(match[3]),
      kind: match[1] as LinkKind,
      proxy: body.name,
      listen: proxies.get(body.name)!.listen,
      port: portOf(proxies.get(body.name)!.listen),
    });
  }

  const ours = () => [...proxies.keys()];
  const blackhole = async (name: string) => {
    const proxy = proxies.get(name) ?? (await toxiproxy.get(name));
    for (const stream of ['upstream', 'downstream'] as const) {
      await proxy.addToxic({
        name: `isolate_${stream}`,
        type: 'timeout',
        stream,
        toxicity: 1,
        attributes: { timeout: 0 },
      });
    }
  };
  const heal = async (name: string, only?: readonly string[]) => {
    // The client's Proxy object drops the toxics list: read the proxy's JSON through its HTTP client.
    const proxy = proxies.get(name) ?? (await toxiproxy.get(name));
    const { data } = await toxiproxy.api.get<{
      enabled: boolean;
      listen: string;
      upstream: string;
      toxics?: Array<{ name: string }>;
    }>(proxy.getPath());
    for (const toxic of data.toxics ?? []) {
      if (only && !only.includes(toxic.name)) continue;
      await toxiproxy.api.delete(`${proxy.getPath()}/toxics/${toxic.name}`);
    }
    if (!data.enabled) await proxy.update({ enabled: true, listen: data.listen, upstream: data.upstream });
  };
  const addToxic = async (name: string, toxic: LinkToxic) => {
    const proxy = proxies.get(name) ?? (await toxiproxy.get(name));
    await proxy.addToxic({ toxicity: 1, ...toxic }).catch((error: Error) => {
      // 409: a toxic of that name is already there (the same cut twice): leave it.
      if (!/status code 409/.test(error.message)) throw error;
    });
  };
  const disable = async (name: string) => {
    const proxy = proxies.get(name) ?? (await toxiproxy.get(name));
    // Disabling closes every connection at once and refuses new ones.
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  };
  const nameOf = (link: LinkRef) => (typeof link === 'string' ? link : link.proxy);
  const cutToxics = (mode: CutMode, direction: CutDirection): LinkToxic[] => {
    const streams = direction === 'both' ? (['upstream', 'downstream'] as const) : (['downstream'] as const);
    return streams.map((stream) =>
      mode === 'blackhole'
        ? { name: `cut_${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } }
        : { name: `cut_reset_${stream}`, type: 'reset_peer', stream, attributes: { timeout: 0 } },
    );
  };

  const links: EnsembleLinks = {
    toxiproxyUrl,
    all: peers,
    between: (from, to) => peers.filter((l) => l.from === from && l.to === to),
    of: (id) => peers.filter((l) => l.from === id || l.to === id),
    client: (id) => {
      if (!clientProxyPort.has(id)) throw new Error(`no node ${id}`);
      return clientName(id);
    },
    isolate: async (id) => {
      await Promise.all(links.of(id).map((l) => blackhole(l.proxy)));
    },
    healAll: async () => {
      await Promise.all(ours().map((name) => heal(name)));
    },
    cut: async (targets, mode, direction = 'both') => {
      const names = [...new Set(targets.map(nameOf))];
      if (mode === 'reset' && direction === 'both') {
        await Promise.all(names.map(disable));
        return;
      }
      const toxics = cutToxics(mode, direction);
      await Promise.all(
        names.map(async (name) => {
          for (const toxic of toxics) await addToxic(name, toxic);
        }),
      );
    },
    addToxics: async (targets, toxics) => {
      await Promise.all(
        [...new Set(targets.map(nameOf))].map(async (name) => {
          for (const toxic of toxics) await addToxic(name, toxic);
        }),
      );
    },
    heal: async (targets, toxicNames) => {
      await Promise.all([...new Set(targets.map(nameOf))].map((name) => heal(name, toxicNames)));
    },
  };

  return {
    links,
    clientProxyPort,
    peers,
    remove: async () => {
      await removeProxies(toxiproxyUrl, (name) => name.startsWith(prefix));
    },
  };
}

/** Deletes proxies whose name matches; returns how many. Errors on single proxies are ignored. */
export async function removeProxies(toxiproxyUrl: string, match: (name: string) => boolean): Promise<number> {
  const toxiproxy = new Toxiproxy(toxiproxyUrl);
  const all = await toxiproxy.getAll();
  const doomed = Object.values(all).filter((p) => match(p.name));
  const results = await Promise.allSettled(doomed.map((p) => p.remove()));
  return results.filter((r) => r.status === 'fulfilled').length;
}
