/**
 * `npm run bench:run`: the ops/s `zkcheck run` sustains against a 3-node ensemble, against a bare
 * client loop doing the same on the same ensemble, in one run: bare, zkcheck, bare, zkcheck, ...,
 * bare. Each zkcheck phase is compared with the mean of the bare loops on either side of it, since
 * the ensemble's speed drifts during a run (its logs and snapshots grow); the median of those
 * ratios is the result. A first bare loop and a first zkcheck run warm the servers' and the
 * harness's JIT up and are not counted. Many short rounds rather than a few long ones: the
 * ensemble's speed swings by ±20% from one phase to the next on this machine, and a median of
 * more pairs is steadier. The bare loop
 * does what the register workload does, minus the harness: the same sessions (one per thread, on
 * node (t mod 3) + 1's client proxy), the same op mix (half reads, a quarter writes, a quarter cas
 * at the last version seen), the same sharing (threadsPerKey threads per znode). Neither side is
 * rate limited. Also printed: the CPU the harness process used per op on each side, since on a
 * 2-core machine every cycle of ours is one the servers do not get. Target: zkcheck / bare >= 0.9.
 *
 * Environment: ZKCHECK_BENCH_SECONDS per phase (default 5), ZKCHECK_BENCH_ROUNDS (default 12),
 * ZKCHECK_BENCH_CONCURRENCY (default 10), ZKCHECK_BENCH_PROVIDER (default auto).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZkSession } from '../harness/client/session.js';
import { startEnsemble } from '../harness/cluster/ensemble.js';
import type { Ensemble, ProviderName } from '../harness/cluster/types.js';
import { mergeConfig } from '../harness/config.js';
import { runTest } from '../harness/runner/run.js';
import { buildTestSpec, CATALOG } from '../harness/test-spec.js';

const SECONDS = Number(process.env.ZKCHECK_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.ZKCHECK_BENCH_ROUNDS ?? 12);
const CONCURRENCY = Number(process.env.ZKCHECK_BENCH_CONCURRENCY ?? 10);
const THREADS_PER_KEY = mergeConfig({}, {}, CATALOG).settings.threadsPerKey as number;
const PROVIDER = (process.env.ZKCHECK_BENCH_PROVIDER ?? 'auto') as ProviderName | 'auto';

interface Phase {
  opsPerSecond: number;
  cpuUsPerOp: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Each thread reads, writes and compare-and-sets its group's znode as fast as replies come. Like
 * the workload, a cas expects the latest version any thread of the group has seen (so as many of
 * them succeed, and are real writes, as in zkcheck's runs).
 */
async function bareLoop(ensemble: Ensemble, round: number): Promise<Phase> {
  const sessions = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, t) =>
      ZkSession.connect(ensemble.connectString((t % ensemble.nodes.length) + 1)),
    ),
  );
  const groups = Math.ceil(CONCURRENCY / THREADS_PER_KEY);
  const groupPaths = Array.from({ length: groups }, (_, g) => `/bare-${round}-${g}`);
  await Promise.all(groupPaths.map((path) => sessions[0].create(path)));
  const paths = sessions.map((_, t) => groupPaths[Math.floor(t / THREADS_PER_KEY)]);
  const latestVersion = new Map<string, number>(groupPaths.map((path) => [path, 0]));
  const saw = (path: string, version: number): void => {
    if (version > latestVersion.get(path)!) latestVersion.set(path, version);
  };
  const cpu = process.cpuUsage();
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const counts = await Promise.all(
    sessions.map(async (session, t) => {
      let ops = 0;
      const path = paths[t];
      for (let value = 1; performance.now() < deadline; value++) {
        const roll = Math.random();
        const started = performance.now();
        try {
          if (roll < 0.5) saw(path, (await session.getData(path)).version);
          else if (roll < 0.75) saw(path, (await session.setData(path, String(value), -1)).version);
          else saw(path, (await session.setData(path, String(value), latestVersion.get(path)!)).version);
        } catch {
          // BAD_VERSION and the like: still an op, as in zkcheck's count
        }
        latencies.push(performance.now() - started);
        ops++;
      }
      return ops;
    }),
  );
  const used = process.cpuUsage(cpu);
  await Promise.all(sessions.map((session) => session.close()));
  const ops = counts.reduce((a, b) => a + b, 0);
  latencies.sort((a, b) => a - b);
  const p50Ms = latencies[Math.floor(latencies.length / 2)];
  const p99Ms = latencies[Math.floor(latencies.length * 0.99)];
  return { opsPerSecond: ops / SECONDS, cpuUsPerOp: (used.user + used.system) / ops, p50Ms, p99Ms };
}

/** Removes the registers a zkcheck phase made, so the next starts from fresh znodes at version 0. */
async function removeRegisters(ensemble: Ensemble): Promise<void> {
  const session = await ZkSession.connect(ensemble.connectString(1));
  try {
    const { children } = await session.getChildren('/registers').catch(() => ({ children: [] as string[] }));
    for (let i = 0; i < children.length; i += 200) {
      await session.multi(
        children.slice(i, i + 200).map((child) => ({ op: 'delete' as const, path: `/registers/${child}` })),
      );
    }
    await session.delete('/registers').catch(() => undefined);
  } finally {
    await session.close();
  }
}

async function zkcheckPhase(
  ensemble: Ensemble,
  store: string,
  round: number,
): Promise<Phase & { valid: unknown }> {
  await removeRegisters(ensemble);
  const config = mergeConfig(
    {},
    { name: `bench-run-${round}`, concurrency: CONCURRENCY, rate: 0, timeLimit: SECONDS, recovery: 0, store },
    CATALOG,
  );
  const outcome = await runTest(buildTestSpec(config), { ensemble, out: () => undefined });
  if (!outcome.results) throw new Error(`zkcheck run failed: ${outcome.error}`);
  const { stats } = outcome.results;
  return {
    opsPerSecond: stats.ops / SECONDS,
    cpuUsPerOp: (outcome.driveCpuMicros ?? NaN) / stats.ops,
    p50Ms: stats.latencyMs.all.p50,
    p99Ms: stats.latencyMs.all.p99,
    valid: outcome.results.valid,
  };
}

/** The median; for an even count, the mean of the two middle values. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const ensemble = await startEnsemble({ size: 3, provider: PROVIDER });
  const store = mkdtempSync(join(tmpdir(), 'zkcheck-bench-run-'));
  try {
    console.log(
      `bench:run: ${ensemble.provider} ensemble, 3 nodes, ${CONCURRENCY} clients, ${ROUNDS} rounds of bare loop and ` +
        `zkcheck run (${SECONDS} s each, no rate limit), then a last bare loop`,
    );
    const line = (label: string, phase: Phase, extra = ''): void =>
      console.log(
        `${label.padEnd(16)} ${phase.opsPerSecond.toFixed(0).padStart(5)} ops/s  harness CPU ${phase.cpuUsPerOp.toFixed(0)} µs/op  ` +
          `latency p50 ${phase.p50Ms.toFixed(2)} ms, p99 ${phase.p99Ms.toFixed(2)} ms${extra}`,
      );
    // Warm-up, not counted: the servers' JIT is cold at first (their first seconds are the
    // slowest), and so is the harness's (the first zkcheck run compiles the generator, the
    // recorder and the checker as it goes).
    line('warm-up bare', await bareLoop(ensemble, -1));
    line('warm-up zkcheck', await zkcheckPhase(ensemble, store, 0));
    let bare = await bareLoop(ensemble, 0);
    line('bare loop', bare);
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const zk = await zkcheckPhase(ensemble, store, round);
      line('zkcheck run', zk, `  (verdict ${String(zk.valid)})`);
      const next = await bareLoop(ensemble, round);
      line('bare loop', next);
      // Against the bare loops on either side of it: the ensemble drifts during a run.
      const ratio = zk.opsPerSecond / ((bare.opsPerSecond + next.opsPerSecond) / 2);
      ratios.push(ratio);
      console.log(`  round ${round}: zkcheck / bare = ${ratio.toFixed(3)}`);
      bare = next;
    }
    const result = median(ratios);
    console.log(
      `median ratio zkcheck / bare: ${result.toFixed(3)} [${result >= 0.9 ? 'ok' : 'UNDER TARGET 0.9'}]`,
    );
    process.exitCode = result >= 0.9 ? 0 : 1;
  } finally {
    await ensemble.stop();
    rmSync(store, { recursive: true, force: true });
  }
}

await main();
