/**
 * kill: SIGKILL the target nodes (no shutdown, no flush beyond what fsync already did), later
 * start them again from their data dirs. `--kill-targets all` is a cluster restart, which must
 * come back with every acknowledged write.
 */
import type { Ensemble } from '../harness/cluster/types.js';
import type { NemesisEntry } from '../harness/runner/spec.js';
import { familyPackage, fault } from './family.js';
import { targetsSetting, type TargetKind } from './targets.js';

export const kill: NemesisEntry = {
  name: 'kill',
  help: 'SIGKILL nodes, later start them again from their data',
  settings: [targetsSetting('kill', 'one')],
  create: (options) =>
    familyPackage(
      {
        name: 'kill',
        targets: options.settings.killTargets as TargetKind,
        start: { f: 'kill', run: (e, nodes) => killEach(e, nodes), describe: fault('killed') },
        stop: { f: 'start', run: (e, nodes) => each(nodes, (n) => e.start(n)) },
        heal: { f: 'start-all', run: (e) => startEveryKilled(e) },
      },
      options,
    ),
};

/** Kills the nodes one by one; resolves with when the last kill had landed (epoch ms). */
async function killEach(ensemble: Ensemble, nodes: readonly number[]): Promise<number | undefined> {
  let landedAt: number | undefined;
  for (const node of nodes) landedAt = (await ensemble.kill(node)) ?? landedAt;
  return landedAt;
}

async function each(nodes: readonly number[], act: (node: number) => Promise<void>): Promise<void> {
  for (const node of nodes) await act(node);
}

async function startEveryKilled(ensemble: Ensemble): Promise<void> {
  for (const node of ensemble.nodes) if (ensemble.state(node.id) === 'killed') await ensemble.start(node.id);
}
