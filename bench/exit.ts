/**
 * `npm run bench:exit`: how often a Node process that ends right after checking hangs at exit
 * (nodejs/node#54918; harness/exit-guard.ts), with and without the guard the zkcheck launcher
 * runs. Each run is a fresh process (bench/exit-child.ts) that checks the 120 Knossos
 * cas-register histories and ends at once, the worst case we know: compiles of the functions that
 * became hot are still in flight as the event loop ends. A run that has not exited after
 * ZKCHECK_EXIT_TIMEOUT_S (default 10) is counted as hung and killed. ZKCHECK_EXIT_RUNS (default
 * 100) runs per mode, alternating.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = resolve(process.env.ZKCHECK_PEER_HISTORIES ?? join(here, '../../../../shared/peer-histories'));
const RUNS = Math.max(1, Number(process.env.ZKCHECK_EXIT_RUNS ?? 100));
const TIMEOUT_MS = Math.max(1, Number(process.env.ZKCHECK_EXIT_TIMEOUT_S ?? 10)) * 1000;

function parent(): void {
  const hung = { guarded: 0, unguarded: 0 };
  const started = performance.now();
  for (let run = 1; run <= RUNS; run++) {
    for (const mode of run % 2 ? (['unguarded', 'guarded'] as const) : (['guarded', 'unguarded'] as const)) {
      const result = spawnSync(process.execPath, [join(here, '../exit-child.js'), mode, root], {
        timeout: TIMEOUT_MS,
        killSignal: 'SIGKILL',
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      if (result.signal === 'SIGKILL') hung[mode]++;
      else if (result.status !== 0) throw new Error(`child (${mode}) failed: ${result.stderr.toString()}`);
    }
    if (run % 20 === 0)
      console.log(
        `${run}/${RUNS} runs each: hung without the guard ${hung.unguarded}, with it ${hung.guarded}`,
      );
  }
  console.log(
    `\nexit hangs over ${RUNS} runs each (${((performance.now() - started) / 1000).toFixed(0)} s, node ${process.version}):`,
  );
  console.log(`  without the guard: ${hung.unguarded}/${RUNS}`);
  console.log(`  with the guard:    ${hung.guarded}/${RUNS}`);
}

parent();
