/**
 * `npm run bench:consistency`: every consistency claim on a 100,000-operation, 6-session, 8-key
 * zk-versioned-register history from a simulated ZooKeeper that serves stale follower reads
 * (checker/consistency/simulate-zk.ts). Expected: whole-history linearizability broken (stale
 * reads, allowed), every promised claim valid; all claims in under 5 s. A second run adds 0.1%
 * unknown-outcome writes, which may send a claim to the search. Prints per-claim verdict, method
 * and time, the total, and peak RSS.
 */
import { toOperations } from '../checker/history/operations.js';
import { checkClaims, claimsVerdict } from '../checker/consistency/claims.js';
import { simulateZooKeeper } from '../checker/consistency/simulate-zk.js';
import type { ClaimName, ClaimResult } from '../checker/consistency/types.js';

const TARGET_MS = 5_000;
const EXPECTED: Readonly<Record<ClaimName, boolean>> = {
  'writes-linearizable': true,
  sequential: true,
  zookeeper: true,
  'sync-reads-linearizable': true,
  linearizable: false,
};

async function run(label: string, infoRate: number): Promise<boolean> {
  const generated = performance.now();
  const history = simulateZooKeeper({
    seed: 7,
    processes: 6,
    keys: 8,
    ops: 100_000,
    maxLag: 8,
    updateRate: 0.4,
    casRate: 0.2,
    syncRate: 0.05,
    infoRate,
  });
  const ops = toOperations(history);
  const generateMs = performance.now() - generated;
  console.log(
    `\n${label}: ${ops.length} operations (${history.length} history ops), ` +
      `${new Set(ops.map((op) => op.process)).size} processes, 8 keys, ` +
      `${ops.filter((op) => op.status === 'info').length} info; generated in ${(generateMs / 1000).toFixed(2)} s`,
  );
  const started = performance.now();
  const results = await checkClaims(ops, { name: 'zk-versioned-register', options: { init: 0 } });
  const totalMs = performance.now() - started;
  console.log('claim                                               verdict   method   ms      expected');
  for (const result of results) console.log(row(result));
  const asExpected = results.every((result) => result.valid === EXPECTED[result.claim]);
  console.log(
    `total ${totalMs.toFixed(0)} ms (target < ${TARGET_MS} ms: ${totalMs < TARGET_MS ? 'met' : 'MISSED'}); ` +
      `run verdict ${claimsVerdict(results)}; verdicts ${asExpected ? 'as expected' : 'NOT as expected'}`,
  );
  return asExpected && totalMs < TARGET_MS;
}

function row(result: ClaimResult & { claim: ClaimName }): string {
  const verdict = result.valid === true ? 'valid' : result.valid === false ? 'INVALID' : `unknown`;
  const note = result.note ? ` (${result.note})` : result.fallback ? ` (search: ${result.fallback})` : '';
  return (
    `${result.title.padEnd(51)} ${verdict.padEnd(9)} ${result.method.padEnd(8)} ${result.ms.toFixed(0).padStart(6)}  ` +
    `${EXPECTED[result.claim] ? 'valid' : 'invalid'}${note}`
  );
}

const clean = await run('stale-read ZooKeeper, no unknown outcomes', 0);
await run('the same with 0.1% unknown-outcome updates', 0.001);
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
process.exitCode = clean ? 0 : 1;
