/**
 * `npm run bench:run`: the ops/s `zkcheck run` sustains against a 3-node ensemble, against a bare
 * client loop doing the same on the same ensemble, in one run: bare loop, zkcheck run, bare loop
 * again (the bare figure is the mean of the two, so drift during the run cancels). The bare loop
 * does what the register workload does, minus the harness: the same sessions (one per thread, on
 * node (t mod 3) + 1's client proxy), the same op mix (half reads, a quarter writes, a quarter cas
 * at the last version seen), the same sharing (threadsPerKey threads per znode). Neither side is
 * rate limited. Also printed: the CPU the harness process used per op on each side, since on a
 * 2-core machine every cycle of ours is one the servers do not get. Target: zkcheck / bare >= 0.9.
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
const THREADS_PER_KEY = defaultConfig().threadsPerKey;
const PROVIDER = (process.env.ZKCHECK_BENCH_PROVIDER ?? 'auto') as ProviderName | 'auto';

/** Each thread reads, writes and compare-and-sets its own znode as fast as replies come. */
async function bareLoop(
  ensemble: Ensemble,
  round: number,
): Promise<{ opsPerSecond: number; cpuUsPerOp: number }> {
  const sessions = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, t) =>
      ZkSession.connect(ensemble.connectString((t % ensemble.nodes.length) + 1)),
    ),
  );
  const groups = Math.ceil(CONCURRENCY / THREADS_PER_KEY);
  const groupPaths = Array.from({ length: groups }, (_, g) => `/bare-${round}-${g}`);
  await Promise.all(groupPaths.map((path) => sessions[0].create(path)));
  const paths = sessions.map((_, t) => groupPaths[Math.floor(t / THREADS_PER_KEY)]);
  const cpu = process.cpuUsage();
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
  const used = process.cpuUsage(cpu);
  await Promise.all(sessions.map((session) => session.close()));
  const ops = counts.reduce((a, b) => a + b, 0);
  return { opsPerSecond: ops / SECONDS, cpuUsPerOp: (used.user + used.system) / ops };
}

async function main(): Promise<void> {
  const ensemble = await startEnsemble({ size: 3, provider: PROVIDER });
  const store = mkdtempSync(join(tmpdir(), 'zkcheck-bench-run-'));
  try {
    console.log(
      `bench:run: ${ensemble.provider} ensemble, 3 nodes, ${CONCURRENCY} clients, ${SECONDS} s per side, no rate limit`,
    );
    const line = (label: string, opsPerSecond: number, cpuUsPerOp: number, extra = ''): void =>
      console.log(
        `${label.padEnd(14)} ${opsPerSecond.toFixed(0).padStart(5)} ops/s  harness CPU ${cpuUsPerOp.toFixed(0)} µs/op${extra}`,
      );
    const before = await bareLoop(ensemble, 1);
    line('bare loop (1)', before.opsPerSecond, before.cpuUsPerOp);
    const outcome = await runTest(
      {
        ...defaultConfig(),
        name: 'bench-run',
        concurrency: CONCURRENCY,
        rate: 0,
        timeLimit: SECONDS,
        recovery: 0,
        store,
      },
      { ensemble, out: () => undefined },
    );
    if (!outcome.results) throw new Error(`zkcheck run failed: ${outcome.error}`);
    const { stats } = outcome.results;
    const zk = stats.ops / SECONDS;
    line(
      'zkcheck run',
      zk,
      (outcome.driveCpuMicros ?? NaN) / stats.ops,
      `  (${stats.ops} ops; verdict ${String(outcome.results.valid)})`,
    );
    const after = await bareLoop(ensemble, 2);
    line('bare loop (2)', after.opsPerSecond, after.cpuUsPerOp);
    const ratio = zk / ((before.opsPerSecond + after.opsPerSecond) / 2);
    console.log(`ratio zkcheck / bare: ${ratio.toFixed(3)} [${ratio >= 0.9 ? 'ok' : 'UNDER TARGET 0.9'}]`);
    process.exitCode = ratio >= 0.9 ? 0 : 1;
  } finally {
    await ensemble.stop();
    rmSync(store, { recursive: true, force: true });
  }
}

await main();
