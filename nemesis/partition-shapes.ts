/**
 * Partition shapes through the peer-link proxies (see shapes.ts): random halves, a bridge, a
 * majorities ring and a user's grudge, each a family that cuts a set of directed peer links and
 * heals exactly those; and client-cut, which cuts the replies on clients' proxies so that writes
 * happen while their callers never learn it (indeterminate, `info`, on purpose).
 *
 * How links are cut is shared by every shape: --cut-mode blackhole (bytes dropped, connections
 * stay open) or reset (connections closed and refused), --cut-direction both or one-way (replies
 * lost, requests still delivered).
 */
import type { CutDirection, CutMode, Ensemble, PeerLink } from '../harness/cluster/types.js';
import {
  NemesisError,
  type NemesisEntry,
  type NemesisOptions,
  type PluginSettings,
  type Setting,
} from '../harness/runner/spec.js';
import { linkFaultPackage, type Resolved } from './link-package.js';
import {
  bridge,
  describeLinks,
  halves,
  majoritiesRing,
  nodesOf,
  parseGrudge,
  type Directed,
  type Shape,
} from './shapes.js';
import { describeNodes, type TargetKind } from './targets.js';
import { pickTargets, targetsSettingOf } from './link-targets.js';

export const CUT_MODE: Setting = {
  key: 'cutMode',
  flag: '--cut-mode <mode>',
  kind: 'string',
  help: 'how partition shapes and client-cut cut a link: blackhole (bytes dropped, connections stay open) or reset (connections closed, new ones refused)',
  default: 'blackhole',
  choices: ['blackhole', 'reset'],
};

export const CUT_DIRECTION: Setting = {
  key: 'cutDirection',
  flag: '--cut-direction <which>',
  kind: 'string',
  help: 'what partition shapes cut: both (requests and replies) or one-way (replies lost while requests arrive)',
  default: 'both',
  choices: ['both', 'one-way'],
};

const GRUDGE: Setting = {
  key: 'partitionGrudge',
  flag: '--partition-grudge <spec>',
  kind: 'string',
  help: 'who cannot talk to whom: groups "1,2|3,4,5" (nodes in different groups cut off, both ways; unnamed nodes keep every link) or links "1-3,2>4" (1-3 both ways, 2>4 only node 2 towards node 4)',
};

interface CutSettings {
  mode: CutMode;
  direction: CutDirection;
}

function cutSettings(options: NemesisOptions): CutSettings {
  return {
    mode: (options.settings.cutMode as CutMode | undefined) ?? 'blackhole',
    direction: (options.settings.cutDirection as CutDirection | undefined) ?? 'both',
  };
}

/** The peer links (quorum and election) of each directed cut. */
export function peerLinksOf(ensemble: Ensemble, links: readonly Directed[]): PeerLink[] {
  return links.flatMap(([from, to]) => [...ensemble.links.between(from, to)]);
}

function shapeFamily(
  name: string,
  asks: string,
  shapeOf: (order: readonly number[], size: number) => Shape,
  options: NemesisOptions,
) {
  const how = cutSettings(options);
  return linkFaultPackage(
    {
      name,
      asks,
      fs: { start: `cut-${asks}`, stop: `heal-${asks}`, heal: `heal-all-${asks}` },
      resolve: (ensemble, order): Resolved => {
        const shape = shapeOf(order, ensemble.nodes.length);
        if (shape.links.length === 0) {
          throw new Error(`${name}: no link to cut in an ensemble of ${ensemble.nodes.length}`);
        }
        const cut = describeLinks(shape.links);
        return {
          proxies: peerLinksOf(ensemble, shape.links),
          targets: nodesOf(shape.links),
          describe: `${asks} (${shape.groups.map((g) => g.join(',')).join(' | ') || cut.join(', ')}) ${how.mode === 'reset' ? 'reset' : 'cut'}${how.direction === 'one-way' ? ' one way' : ''}`,
          record: { cut, groups: shape.groups, mode: how.mode, direction: how.direction },
        };
      },
      apply: (e, r) => e.links.cut(r.proxies, how.mode, how.direction),
      undo: (e, r) => e.links.heal(r.proxies),
    },
    options,
  );
}

export const partitionHalves: NemesisEntry = {
  name: 'partition-halves',
  help: 'split the nodes into two random halves that cannot talk (the smaller half loses quorum)',
  settings: [CUT_MODE, CUT_DIRECTION],
  create: (options) => shapeFamily('partition-halves', 'halves', (order) => halves(order), options),
};

export const partitionBridge: NemesisEntry = {
  name: 'partition-bridge',
  help: 'two random halves that cannot talk, and one node that talks to both (only one quorum can form)',
  settings: [CUT_MODE, CUT_DIRECTION],
  create: (options) => shapeFamily('partition-bridge', 'bridge', (order) => bridge(order), options),
};

export const partitionRing: NemesisEntry = {
  name: 'partition-ring',
  help: 'a majorities ring: every node sees a majority of the nodes, no two see the same one',
  settings: [CUT_MODE, CUT_DIRECTION],
  create: (options) => shapeFamily('partition-ring', 'ring', (order) => majoritiesRing(order), options),
};

/**
 * The grudge of these settings for an ensemble of `nodes`, or a NemesisError of one line. Needs no
 * ensemble: a caller that knows --nodes can refuse bad input before anything starts.
 */
export function grudgeOf(settings: PluginSettings, nodes: number): Shape {
  const text = settings.partitionGrudge;
  if (typeof text !== 'string') {
    throw new NemesisError('--nemesis partition-grudge needs --partition-grudge, e.g. "1,2|3,4,5"');
  }
  const shape = parseGrudge(text, nodes);
  if (shape.links.length === 0) {
    throw new NemesisError(`--partition-grudge "${text}": cuts no link (name at least two groups)`);
  }
  return shape;
}

export const partitionGrudge: NemesisEntry = {
  name: 'partition-grudge',
  help: 'cut exactly the links --partition-grudge names, e.g. "1,2|3,4,5" or "1-3,2>4"',
  settings: [GRUDGE, CUT_MODE, CUT_DIRECTION],
  create: (options) => {
    // Checked here, before any episode.
    const shape = grudgeOf(options.settings, options.ensemble.nodes.length);
    return shapeFamily('partition-grudge', 'grudge', () => shape, options);
  },
};

export const clientCut: NemesisEntry = {
  name: 'client-cut',
  help: "lose the replies on nodes' client proxies while requests still arrive: writes happen, their clients record info",
  settings: [targetsSettingOf('client-cut', 'one'), CUT_MODE],
  create: (options) => {
    const { mode } = cutSettings(options);
    const targets = (options.settings.clientCutTargets as TargetKind | undefined) ?? 'one';
    return linkFaultPackage(
      {
        name: 'client-cut',
        asks: targets,
        fs: { start: 'cut-clients', stop: 'heal-clients', heal: 'heal-all-clients' },
        resolve: (ensemble, order, status): Resolved => {
          const nodes = pickTargets(targets, order, status);
          return {
            proxies: nodes.map((id) => ensemble.links.client(id)),
            targets: nodes,
            describe: `${describeNodes(nodes)}: client replies ${mode === 'reset' ? 'reset' : 'lost'}`,
            record: { mode, direction: 'one-way' },
          };
        },
        apply: (e, r) => e.links.cut(r.proxies, mode, 'one-way'),
        undo: (e, r) => e.links.heal(r.proxies),
      },
      options,
    );
  },
};
