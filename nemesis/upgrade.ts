/**
 * upgrade: a rolling upgrade, as operators do one: each episode replaces one node by the release
 * --upgrade-to names (same data, config and ports; followers first, the leader last) and waits
 * until the ensemble serves again, so the ensemble runs mixed versions between episodes. An
 * upgrade is not undone: once every node is upgraded, later episodes do nothing, and the final
 * phase upgrades any node the main phase left, so every run ends on the new release. Each op
 * records the node, its role, the image and the version the node then reports (`srvr`/`mntr`).
 * Needs the docker provider (Ensemble.replaceNode; the new release is an image): built on any
 * other ensemble it refuses in one line. Start the run on the old release with `--zookeeper`,
 * e.g. `zkcheck run --zookeeper 3.8.0 --nemesis upgrade --upgrade-to 3.9.6`.
 */
import { imageForZooKeeper } from '../harness/cluster/select.js';
import type { Ensemble } from '../harness/cluster/types.js';
import { KNOWN_ZOOKEEPER_VERSIONS } from '../harness/cluster/versions.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { sleep } from '../harness/generator/time.js';
import type { Gen, GenOp } from '../harness/generator/types.js';
import {
  NemesisError,
  type NemesisEntry,
  type NemesisOptions,
  type NemesisPackage,
} from '../harness/runner/spec.js';
import { describeNodes } from './targets.js';

/**
 * The releases a run can upgrade to: every known one but the oldest, which is where upgrades
 * start (and what runs by default), never where they go.
 */
const UPGRADE_TARGETS: readonly string[] = KNOWN_ZOOKEEPER_VERSIONS.slice(1);

/** How long a replaced node (a fresh JVM, syncing with the leader) gets to serve again. */
const REJOIN_TIMEOUT_MS = 120_000;

export const upgrade: NemesisEntry = {
  name: 'upgrade',
  help: 'rolling upgrade to --upgrade-to: one node per episode restarts on it with its own data, followers first, the leader last (docker)',
  settings: [
    {
      key: 'upgradeTo',
      flag: '--upgrade-to <version>',
      kind: 'string',
      help: 'the ZooKeeper release the nodes are upgraded to (run the old one with --zookeeper)',
      default: UPGRADE_TARGETS[UPGRADE_TARGETS.length - 1],
      choices: UPGRADE_TARGETS,
    },
  ],
  // Before anything starts: --provider local cannot run another release. (`auto` may still
  // pick local when Docker does not answer; building the package refuses that then.)
  validate: (_settings, _nodes, run) =>
    run?.provider === 'local'
      ? 'the local provider cannot run a node from another release; run on docker (--provider docker, or --zookeeper VERSION)'
      : undefined,
  create: (options) => upgradePackage(options),
};

export interface UpgradeStep {
  targets: number[];
  roles: Record<number, string>;
  to: string;
  image: string;
  /** The version the node reports once the ensemble serves again. */
  reported?: string;
}

export function upgradePackage(
  options: NemesisOptions,
  resolveImage: (version: string) => Promise<string> = defaultImage,
): NemesisPackage {
  const { ensemble } = options;
  // The new release comes as a docker image: a provider that runs anything else cannot upgrade.
  // (A dry build's ensemble has only a size: reading its provider ends the dry build here.)
  if (ensemble.provider !== 'docker' || !ensemble.replaceNode)
    throw new NemesisError(
      `--nemesis upgrade: the ${ensemble.provider} provider cannot run a node from another release; run on docker (--provider docker, or --zookeeper VERSION)`,
    );
  const replaceNode = ensemble.replaceNode.bind(ensemble);
  const to = String(options.settings.upgradeTo);
  const upgraded = new Set<number>();
  let image: Promise<string> | undefined;

  /** Replaces the next node still on the old release; undefined when none is left. */
  const upgradeNext = async (): Promise<UpgradeStep | undefined> => {
    const left = ensemble.nodes.map((n) => n.id).filter((id) => !upgraded.has(id));
    if (left.length === 0) return undefined;
    const leader = await ensemble.leader();
    const id = left.find((n) => n !== leader) ?? left[0];
    image ??= resolveImage(to);
    const source = await image;
    await replaceNode(id, source);
    // Only once it runs the new release: a replacement that failed is tried again next time.
    upgraded.add(id);
    await ensemble.waitForQuorum({ timeoutMs: REJOIN_TIMEOUT_MS });
    const reported = (await ensemble.status()).find((s) => s.id === id)?.mntr?.zk_version?.split(',')[0];
    return {
      targets: [id],
      roles: { [id]: id === leader ? 'leader' : 'follower' },
      to,
      image: source,
      ...(reported === undefined ? {} : { reported }),
    };
  };

  const perform = async (op: GenOp): Promise<Completion> => {
    switch (op.f) {
      case 'upgrade': {
        const step = await upgradeNext();
        return { type: 'ok', value: step ?? { targets: [], done: true } };
      }
      case 'upgrade-rest': {
        const steps: UpgradeStep[] = [];
        for (let step = await upgradeNext(); step; step = await upgradeNext()) steps.push(step);
        return { type: 'ok', value: { steps } };
      }
      default:
        return {
          type: 'fail',
          error: { name: 'UNSUPPORTED', message: `nemesis upgrade has no op "${op.f}"` },
        };
    }
  };

  return {
    name: 'upgrade',
    fs: ['upgrade', 'upgrade-rest'],
    episode: (): Gen => [sleep(options.intervalSeconds), { f: 'upgrade', value: { to } }],
    finalGenerator: { f: 'upgrade-rest', value: { to } },
    invoke: (op) =>
      perform(op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      })),
    active: () => {
      const done = [...upgraded].sort((a, b) => a - b);
      if (done.length === 0 || done.length === ensemble.nodes.length) return [];
      return [`${describeNodes(done)} on ${to} (mixed versions)`];
    },
  };
}

async function defaultImage(version: string): Promise<string> {
  const { image, why } = await imageForZooKeeper(version);
  if (!image) throw new Error(`no image for ZooKeeper ${version}: ${why}`);
  return image;
}

/** For tests: an ensemble's nodes' reported versions. */
export async function reportedVersions(ensemble: Ensemble): Promise<Record<number, string | undefined>> {
  const status = await ensemble.status();
  return Object.fromEntries(status.map((s) => [s.id, s.mntr?.zk_version?.split(',')[0]]));
}
