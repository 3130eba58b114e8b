/**
 * partition: cut nodes off from the rest of the ensemble through the peer-link proxies — every
 * link to and from each target black-holed both ways. Its clients still reach it and see it serve
 * nothing, or (a follower) stale data until it notices. Three registry entries share it:
 * `partition` (targets from --partition-targets, default one random node), `partition-leader`
 * (whichever node leads when the fault starts) and `partition-follower` (one that follows).
 */
import type { NemesisEntry } from '../harness/runner/spec.js';
import { familyPackage, fault, type FaultFamily } from './family.js';
import { targetsSetting, type TargetKind } from './targets.js';

function partitionFamily(name: string, targets: TargetKind): FaultFamily {
  return {
    name,
    targets,
    start: {
      f: 'isolate',
      run: async (e, nodes) => {
        for (const node of nodes) await e.links.isolate(node);
      },
      describe: fault('isolated'),
    },
    stop: { f: 'heal', run: (e) => e.links.healAll() },
    heal: { f: 'heal-all', run: (e) => e.links.healAll() },
  };
}

export const partition: NemesisEntry = {
  name: 'partition',
  help: 'isolate nodes from their peers (black-holed peer links, both ways)',
  settings: [targetsSetting('partition', 'one')],
  create: (options) =>
    familyPackage(partitionFamily('partition', options.settings.partitionTargets as TargetKind), options),
};

export const partitionLeader: NemesisEntry = {
  name: 'partition-leader',
  help: 'isolate whichever node leads when the fault starts',
  settings: [],
  create: (options) => familyPackage(partitionFamily('partition-leader', 'leader'), options),
};

export const partitionFollower: NemesisEntry = {
  name: 'partition-follower',
  help: "isolate a node that follows (its clients' plain reads go stale: allowed by ZooKeeper)",
  settings: [],
  create: (options) => familyPackage(partitionFamily('partition-follower', 'follower'), options),
};
