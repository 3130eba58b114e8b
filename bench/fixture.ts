/**
 * `npm run bench:fixture`: `zkcheck check --model zk-versioned-register` on the recorded 32k-op
 * single-register history with 25 crashed processes (checker/testdata/README.md). Targets: decided
 * (not unknown) in under 1 s of checking and under 300 MB for the whole process.
 *
 * Each round spawns the real CLI, as a user runs it, and reads the checker's own time from its
 * --json line and the process's wall time and peak RSS from GNU time (/usr/bin/time, Debian's
 * `time` package) when it is there. Medians of ZKCHECK_BENCH_ROUNDS (default 5) rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'zkcheck.js');
const FIXTURE = join(ROOT, 'checker', 'testdata', 'register-1key-32k-crashed.jsonl.gz');
const ROUNDS = Number(process.env.ZKCHECK_BENCH_ROUNDS ?? 5);
const GNU_TIME = '/usr/bin/time';

interface Round {
  valid: unknown;
  checkMs: number;
  wallMs: number;
  peakMb?: number;
}

function round(history: string): Round {
  const args = [CLI, 'check', history, '--model', 'zk-versioned-register', '--json'];
  const timed = existsSync(GNU_TIME);
  const started = performance.now();
  const result = timed
    ? spawnSync(GNU_TIME, ['-f', 'peak-kb %M', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const wallMs = performance.now() - started;
  const verdict = JSON.parse(result.stdout) as { valid: unknown; ms?: number; durationMs?: number };
  const peakKb = /peak-kb (\d+)/.exec(result.stderr)?.[1];
  return {
    valid: verdict.valid,
    checkMs: verdict.ms ?? verdict.durationMs ?? NaN,
    wallMs,
    ...(peakKb === undefined ? {} : { peakMb: Number(peakKb) / 1024 }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-bench-fixture-'));
try {
  const history = join(scratch, 'history.jsonl');
  writeFileSync(history, gunzipSync(readFileSync(FIXTURE)));
  console.log(`fixture: ${FIXTURE} (load ${loadavg()[0].toFixed(1)} on entry)`);
  const rounds = Array.from({ length: ROUNDS }, () => round(history));
  for (const [i, r] of rounds.entries())
    console.log(
      `  round ${i + 1}: ${String(r.valid)}  check ${r.checkMs.toFixed(0)} ms  process ${r.wallMs.toFixed(0)} ms${r.peakMb === undefined ? '' : `  peak ${r.peakMb.toFixed(0)} MB`}`,
    );
  const peaks = rounds.flatMap((r) => (r.peakMb === undefined ? [] : [r.peakMb]));
  console.log(
    `median of ${ROUNDS}: check ${median(rounds.map((r) => r.checkMs)).toFixed(0)} ms (target < 1000), ` +
      `whole process ${median(rounds.map((r) => r.wallMs)).toFixed(0)} ms` +
      (peaks.length
        ? `, peak RSS ${median(peaks).toFixed(0)} MB (target < 300)`
        : ', peak RSS: no /usr/bin/time'),
  );
  if (rounds.some((r) => r.valid === 'unknown')) {
    console.log('FAILED: a round ended unknown');
    process.exitCode = 1;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
