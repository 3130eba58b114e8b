/**
 * `npm run bench:ensemble`: time from the start call to quorum (one leader, every node serving)
 * for 3 and 5 nodes on each provider that can run here, and the time to tear down. Each case runs
 * `ZKCHECK_BENCH_ROUNDS` times (default 3); prints min / median / max. Targets on a 2-core
 * machine: 3 nodes <= 5 s, 5 nodes <= 8 s to quorum.
 *
 * Also, once quorum is reached, the failover time: from cutting the leader off (every link of it
 * blackholed) until another node leads. No target; its floor is the followers' wait before they
 * give the leader up, syncLimit ticks (2 s with the default timing), plus the election.
 */
import { dockerAnswers } from '../harness/cluster/docker.js';
import { startEnsemble } from '../harness/cluster/ensemble.js';
import { doctorChecks } from '../harness/cluster/select.js';
import { eventually } from '../harness/cluster/testing.js';
import type { Ensemble, ProviderName } from '../harness/cluster/types.js';

const ROUNDS = Number(process.env.ZKCHECK_BENCH_ROUNDS ?? 3);
const TARGET_MS: Record<number, number> = { 3: 5000, 5: 8000 };

interface Sample {
  quorumMs: number;
  failoverMs: number;
  teardownMs: number;
}

/** Cuts the leader off and waits for another node to lead; the time that took. */
async function failover(ensemble: Ensemble): Promise<number> {
  const old = await ensemble.leader();
  if (old === undefined) throw new Error('no leader to cut off');
  const started = performance.now();
  await ensemble.links.isolate(old);
  try {
    await eventually(
      `a new leader after cutting node ${old} off`,
      60_000,
      async () => (await ensemble.status()).some((s) => s.mode === 'leader' && s.id !== old) || undefined,
      50,
    );
    return performance.now() - started;
  } finally {
    await ensemble.links.healAll();
  }
}

async function once(provider: ProviderName, size: number): Promise<Sample> {
  const started = performance.now();
  const ensemble = await startEnsemble({ provider, size, quorumTimeoutMs: 60_000 });
  const quorumMs = performance.now() - started;
  let failoverMs = NaN;
  let stopping = NaN;
  try {
    failoverMs = await failover(ensemble);
  } finally {
    stopping = performance.now();
    await ensemble.stop(); // also when the failover failed: nothing is left behind
  }
  return { quorumMs, failoverMs, teardownMs: performance.now() - stopping };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;
  return `min ${ms(sorted[0])}  median ${ms(sorted[Math.floor(sorted.length / 2)])}  max ${ms(sorted.at(-1)!)}`;
}

async function available(provider: ProviderName): Promise<string | undefined> {
  if (provider === 'docker' && !dockerAnswers()) return 'no Docker engine answers';
  const result = await doctorChecks({ provider });
  return result.choice ? undefined : result.error;
}

async function main(): Promise<void> {
  console.log(`bench:ensemble: ${ROUNDS} rounds per case; target to quorum: 3 nodes <= 5 s, 5 nodes <= 8 s`);
  let missed = false;
  for (const provider of ['local', 'docker'] as const) {
    const why = await available(provider);
    if (why) {
      console.log(`${provider}: skipped (${why})`);
      continue;
    }
    for (const size of [3, 5]) {
      const samples: Sample[] = [];
      for (let round = 0; round < ROUNDS; round++) samples.push(await once(provider, size));
      const quorum = samples.map((s) => s.quorumMs);
      const median = [...quorum].sort((a, b) => a - b)[Math.floor(quorum.length / 2)];
      const verdict = median <= TARGET_MS[size] ? 'ok' : 'OVER TARGET';
      missed ||= median > TARGET_MS[size];
      console.log(`${provider} ${size} nodes  to quorum: ${summary(quorum)}  [${verdict}]`);
      console.log(`${provider} ${size} nodes  failover:  ${summary(samples.map((s) => s.failoverMs))}`);
      console.log(`${provider} ${size} nodes  teardown:  ${summary(samples.map((s) => s.teardownMs))}`);
    }
  }
  process.exitCode = missed ? 1 : 0;
}

await main();
