/**
 * `npm run bench:run`: the ops/s `zkcheck run` sustains against a 3-node ensemble, against a bare
 * client loop with the same concurrency, op mix and sessions (one per thread, each on one node's
 * client proxy) on the same ensemble, in one run: bare loop, zkcheck run, bare loop again (the
 * bare figure is the mean of the two, so drift during the run cancels). Neither side is rate
 * limited. Target: zkcheck / bare >= 0.9.
 *
 * Environment: ZKCHECK_BENCH_SECONDS (default 20), ZKCHECK_BENCH_CONCURRENCY (default 10),
 * ZKCHECK_BENCH_PROVIDER (default auto).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZkSession } from '../harness/client/session.js';
import { startEnsemble } from '../harness/cluster/ensemble.js';
import type { Ensemble, ProviderName } from '../harness/cluster/types.js';
import { defaultConfig } from '../harness/config.js';
import { runTest } from '../harness/runner/run.js';

const SECONDS = Number(process.env.ZKCHECK_BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.ZKCHECK_BENCH_CONCURRENCY ?? 10);
const PROVIDER = (process.env.ZKCHECK_BENCH_PROVIDER ?? 'auto') as ProviderName | 'auto';

/** Each thread reads, writes and compare-and-sets its own znode as fast as replies come. */
async function bareLoop(ensemble: Ensemble, round: number): Promise<number> {
  const sessions = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, t) =>
      ZkSession.connect(ensemble.connectString((t % ensemble.nodes.length) + 1)),
    ),
  );
  const paths = sessions.map((_, t) => `/bare-${round}-${t}`);
  await Promise.all(sessions.map((session, t) => session.create(paths[t])));
  const deadline = performance.now() + SECONDS * 1000;
  const counts = await Promise.all(
    sessions.map(async (session, t) => {
      let ops = 0;
      let version = 0;
      for (let value = 1; performance.now() < deadline; value++) {
        const roll = Math.random();
        try {
          if (roll < 0.5) version = (await session.getData(paths[t])).version;
          else if (roll < 0.75) version = (await session.setData(paths[t], String(value), -1)).version;
          else version = (await session.setData(paths[t], String(value), version)).version;
        } catch {
          // BAD_VERSION and the like: still an op, as in zkcheck's count
        }
        ops++;
      }
      return ops;
    }),
  );
  await Promise.all(sessions.map((session) => session.close()));
  return counts.reduce((a, b) => a + b, 0) / SECONDS;
}

async function main(): Promise<void> {
  const ensemble = await startEnsemble({ size: 3, provider: PROVIDER });
  const store = mkdtempSync(join(tmpdir(), 'zkcheck-bench-run-'));
  try {
    console.log(
      `bench:run: ${ensemble.provider} ensemble, 3 nodes, ${CONCURRENCY} clients, ${SECONDS} s per side, no rate limit`,
    );
    const before = await bareLoop(ensemble, 1);
    console.log(`bare loop (1):  ${before.toFixed(0)} ops/s`);
    const outcome = await runTest(
      {
        ...defaultConfig(),
        name: 'bench-run',
        concurrency: CONCURRENCY,
        rate: 1e5,
        timeLimit: SECONDS,
        recovery: 0,
        // Unlimited rate: the default floor (a tenth of --rate) would mark the run unknown.
        minThroughput: 1,
        store,
      },
      { ensemble, out: () => undefined },
    );
    if (!outcome.results) throw new Error(`zkcheck run failed: ${outcome.error}`);
    const { stats } = outcome.results;
    const zk = stats.ops / SECONDS;
    console.log(
      `zkcheck run:    ${zk.toFixed(0)} ops/s (${stats.ops} ops; verdict ${String(outcome.results.valid)})`,
    );
    const after = await bareLoop(ensemble, 2);
    console.log(`bare loop (2):  ${after.toFixed(0)} ops/s`);
    const ratio = zk / ((before + after) / 2);
    console.log(`ratio zkcheck / bare: ${ratio.toFixed(3)} [${ratio >= 0.9 ? 'ok' : 'UNDER TARGET 0.9'}]`);
    process.exitCode = ratio >= 0.9 ? 0 : 1;
  } finally {
    await ensemble.stop();
    rmSync(store, { recursive: true, force: true });
  }
}

await main();
