/** The servers' logs, copied into the run dir (`nodes/n<i>.log`) before the ensemble is torn down. */
import { writeFileSync } from 'node:fs';
import type { Ensemble } from '../harness/cluster/types.js';
import type { RunPaths } from './store.js';

export async function copyNodeLogs(ensemble: Ensemble, paths: RunPaths): Promise<void> {
  for (const node of ensemble.nodes) {
    try {
      writeFileSync(paths.nodeLog(node.id), await ensemble.logs(node.id));
    } catch {
      // a node log is a diagnostic; its loss must not hide the run's result
    }
  }
}
