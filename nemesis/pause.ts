/** pause: freeze the target nodes (SIGSTOP / docker pause), later resume them. */
import type { Ensemble } from '../harness/cluster/types.js';
import type { NemesisEntry } from '../harness/runner/spec.js';
import { familyPackage, fault } from './family.js';
import { targetsSetting, type TargetKind } from './targets.js';

export const pause: NemesisEntry = {
  name: 'pause',
  help: 'freeze nodes (SIGSTOP or docker pause), later resume them',
  settings: [targetsSetting('pause', 'one')],
  create: (options) =>
    familyPackage(
      {
        name: 'pause',
        targets: options.settings.pauseTargets as TargetKind,
        start: {
          f: 'pause',
          run: async (e, nodes) => {
            for (const node of nodes) await e.pause(node);
          },
          describe: fault('paused'),
        },
        stop: {
          f: 'resume',
          run: async (e, nodes) => {
            for (const node of nodes) await e.resume(node);
          },
        },
        heal: { f: 'resume-all', run: (e) => resumeEveryPaused(e) },
      },
      options,
    ),
};

async function resumeEveryPaused(ensemble: Ensemble): Promise<void> {
  for (const node of ensemble.nodes) if (ensemble.state(node.id) === 'paused') await ensemble.resume(node.id);
}
