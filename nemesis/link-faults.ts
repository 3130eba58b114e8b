/**
 * Link faults: Toxiproxy toxics on the target nodes' peer links (every proxy to and from them,
 * quorum and election) or their client proxies, removed again by the stop — latency with jitter,
 * a bandwidth cap, reset_peer and slow_close. And lag: delay on the leader's quorum links towards
 * one follower, so that follower applies commits late and serves stale plain reads on purpose
 * (ZooKeeper allows that; sync+read stays linearizable). Lag follows the leader: while it is in
 * force it re-resolves every second, and when another node leads it moves to the new leader's
 * links (to the same follower when it still follows, else another); every move is recorded.
 */
import type { Ensemble, LinkRef, LinkToxic, NodeStatus } from '../harness/cluster/types.js';
import type { NemesisEntry, NemesisOptions, PluginSettings, Setting } from '../harness/runner/spec.js';
import { linkFaultPackage, type Resolved } from './link-package.js';
import { camel, pickTargets, targetsSettingOf } from './link-targets.js';
import { describeNodes, type TargetKind } from './targets.js';

type On = 'peer' | 'client' | 'all';

interface ToxicFamily {
  name: string;
  help: string;
  /** Its amount settings (ms, KB/s), besides targets and links. */
  settings: Setting[];
  /** The toxics to add, from the settings. */
  toxics: (settings: PluginSettings) => LinkToxic[];
  /** "latency 200±100 ms", for progress lines. */
  what: (settings: PluginSettings) => string;
}

const number = (settings: PluginSettings, key: string, fallback: number) =>
  typeof settings[key] === 'number' ? (settings[key] as number) : fallback;

function msSetting(key: string, flag: string, help: string, fallback: number): Setting {
  return { key, flag, kind: 'int', help, default: fallback, min: 0 };
}

function linksSetting(name: string): Setting {
  return {
    key: `${camel(name)}Links`,
    flag: `--${name}-links <which>`,
    kind: 'string',
    help: `which links of each target ${name} hits: peer (every peer link to and from it), client (its client proxy) or all`,
    default: 'peer',
    choices: ['peer', 'client', 'all'],
  };
}

const both = (toxic: Omit<LinkToxic, 'stream' | 'name'>, name: string): LinkToxic[] =>
  (['upstream', 'downstream'] as const).map((stream) => ({ ...toxic, name: `${name}_${stream}`, stream }));

export const TOXIC_FAMILIES: readonly ToxicFamily[] = [
  {
    name: 'latency',
    help: "delay every byte on the targets' links, both ways, by --latency-ms ± --latency-jitter-ms",
    settings: [
      msSetting('latencyMs', '--latency-ms <ms>', 'added delay each way, ms', 200),
      msSetting('latencyJitterMs', '--latency-jitter-ms <ms>', 'random ± spread of that delay, ms', 100),
    ],
    toxics: (s) =>
      both(
        {
          type: 'latency',
          attributes: { latency: number(s, 'latencyMs', 200), jitter: number(s, 'latencyJitterMs', 100) },
        },
        'latency',
      ),
    what: (s) => `latency ${number(s, 'latencyMs', 200)}±${number(s, 'latencyJitterMs', 100)} ms`,
  },
  {
    name: 'bandwidth',
    help: "cap the targets' links at --bandwidth-rate KB/s each way",
    settings: [
      {
        key: 'bandwidthRate',
        flag: '--bandwidth-rate <KB/s>',
        kind: 'int',
        help: 'the cap each way, KB/s (1 KB = 1000 bytes)',
        default: 10,
        min: 1,
      },
    ],
    toxics: (s) =>
      both({ type: 'bandwidth', attributes: { rate: number(s, 'bandwidthRate', 10) } }, 'bandwidth'),
    what: (s) => `bandwidth ${number(s, 'bandwidthRate', 10)} KB/s`,
  },
  {
    name: 'reset-peer',
    help: "reset (TCP RST) every connection on the targets' links --reset-peer-timeout-ms after it first sends",
    settings: [
      msSetting(
        'resetPeerTimeoutMs',
        '--reset-peer-timeout-ms <ms>',
        'how long a connection lives after its first bytes, ms (0: at once)',
        500,
      ),
    ],
    toxics: (s) => [
      {
        name: 'reset_peer_upstream',
        type: 'reset_peer',
        stream: 'upstream',
        attributes: { timeout: number(s, 'resetPeerTimeoutMs', 500) },
      },
    ],
    what: (s) => `connections reset after ${number(s, 'resetPeerTimeoutMs', 500)} ms`,
  },
  {
    name: 'slow-close',
    help: "delay every close on the targets' links by --slow-close-delay-ms (half-dead connections linger)",
    settings: [
      msSetting('slowCloseDelayMs', '--slow-close-delay-ms <ms>', 'how long a close is held, ms', 3000),
    ],
    toxics: (s) =>
      both({ type: 'slow_close', attributes: { delay: number(s, 'slowCloseDelayMs', 3000) } }, 'slow_close'),
    what: (s) => `closes delayed ${number(s, 'slowCloseDelayMs', 3000)} ms`,
  },
];

/** The proxies of the targets: peer links to and from them, and/or their client proxies. */
function proxiesOf(ensemble: Ensemble, nodes: readonly number[], on: On): LinkRef[] {
  const peer =
    on === 'client'
      ? []
      : [...new Map(nodes.flatMap((id) => ensemble.links.of(id)).map((l) => [l.proxy, l])).values()];
  const client = on === 'peer' ? [] : nodes.map((id) => ensemble.links.client(id));
  return [...peer, ...client];
}

function toxicEntry(family: ToxicFamily): NemesisEntry {
  const targets = targetsSettingOf(family.name, 'one');
  const links = linksSetting(family.name);
  return {
    name: family.name,
    help: family.help,
    settings: [targets, links, ...family.settings],
    create: (options: NemesisOptions) => {
      const kind = (options.settings[targets.key] as TargetKind | undefined) ?? 'one';
      const on = (options.settings[links.key] as On | undefined) ?? 'peer';
      const toxics = family.toxics(options.settings);
      const what = family.what(options.settings);
      return linkFaultPackage(
        {
          name: family.name,
          asks: kind,
          fs: { start: family.name, stop: `heal-${family.name}`, heal: `heal-all-${family.name}` },
          resolve: (ensemble, order, status): Resolved => {
            const nodes = pickTargets(kind, order, status);
            return {
              proxies: proxiesOf(ensemble, nodes, on),
              targets: nodes,
              describe: `${describeNodes(nodes)}: ${what} on ${on === 'all' ? 'peer and client' : on} links`,
              record: { links: on, toxics },
            };
          },
          apply: (e, r) => e.links.addToxics(r.proxies, toxics),
          undo: (e, r) =>
            e.links.heal(
              r.proxies,
              toxics.map((t) => t.name),
            ),
        },
        options,
      );
    },
  };
}

export const [latency, bandwidth, resetPeer, slowClose] = TOXIC_FAMILIES.map(toxicEntry);

// --- lag ------------------------------------------------------------------------------------------

const LAG_MS = msSetting(
  'lagMs',
  '--lag-ms <ms>',
  "delay of the leader's traffic to the lagging follower, ms (above syncLimit × tickTime, 2000 by default, the leader drops it)",
  1000,
);

/** How often lag re-resolves the leader while in force. */
export const LAG_FOLLOW_MS = 1000;

/**
 * The lag proxies for leader L and follower F: what L sends to F is delayed. The follower dials
 * the leader's quorum port, so L's bytes are the replies (downstream) of F->L; on L->F (dialed by
 * the leader, if ever) they are the requests (upstream).
 */
export function lagToxicPlan(ensemble: Ensemble, leader: number, follower: number, ms: number) {
  const quorum = (from: number, to: number) =>
    ensemble.links.between(from, to).filter((l) => l.kind === 'quorum');
  const toxic = (stream: 'upstream' | 'downstream'): LinkToxic => ({
    name: `lag_${stream}`,
    type: 'latency',
    stream,
    attributes: { latency: ms, jitter: 0 },
  });
  return [
    { links: quorum(follower, leader), toxic: toxic('downstream') },
    { links: quorum(leader, follower), toxic: toxic('upstream') },
  ];
}

/** Who leads now, and the follower to lag: `prefer` while it follows, else the planned order's first follower. */
export function lagPair(
  order: readonly number[],
  status: readonly NodeStatus[],
  prefer?: number,
): { leader: number; follower: number } {
  const leader = pickTargets('leader', order, status)[0];
  const follows = (id: number) => status.find((s) => s.id === id)?.mode === 'follower';
  const follower = prefer !== undefined && follows(prefer) ? prefer : order.find(follows);
  if (follower === undefined) throw new Error(`no follower right now (leader ${leader})`);
  return { leader, follower };
}

export const lag: NemesisEntry = {
  name: 'lag',
  help: "delay the leader's traffic to one follower, whose plain reads then go stale; follows the leader when it changes",
  settings: [LAG_MS],
  create: (options) => {
    const ms = number(options.settings, 'lagMs', 1000);
    /** The follower lagging now: it keeps lagging, behind whoever leads, while it follows. */
    let lagging: number | undefined;
    return linkFaultPackage(
      {
        name: 'lag',
        asks: 'follower',
        fs: { start: 'lag', stop: 'heal-lag', heal: 'heal-all-lag' },
        followMs: LAG_FOLLOW_MS,
        resolve: (ensemble, order, status): Resolved => {
          const { leader, follower } = lagPair(order, status, lagging);
          const steps = lagToxicPlan(ensemble, leader, follower, ms);
          return {
            proxies: steps.flatMap((s) => s.links),
            targets: [leader, follower].sort((a, b) => a - b),
            describe: `node ${follower} lags ${ms} ms behind leader ${leader}`,
            record: { leader, follower, lagMs: ms },
          };
        },
        apply: async (e, r) => {
          const { leader, follower } = r.record as { leader: number; follower: number };
          lagging = follower;
          for (const step of lagToxicPlan(e, leader, follower, ms))
            await e.links.addToxics(step.links, [step.toxic]);
        },
        undo: (e, r) => {
          lagging = undefined;
          return e.links.heal(r.proxies, ['lag_upstream', 'lag_downstream']);
        },
      },
      options,
    );
  },
};
