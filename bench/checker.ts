/**
 * `npm run bench:checker`: the checker on the peer histories (Porcupine etcd, Porcupine kv,
 * Knossos) and on a generated 1,000,000-op register history over 1,000 keys with ~5% unknown
 * outcomes. Prints files, ops, verdicts, total and slowest check time per set, and for the large
 * history the time to read and check it and the peak RSS (measured in a child process of its own,
 * so the peer sets do not inflate it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHistoryFile, type HistoryFormat } from '../checker/history/read.js';
import { toOperations } from '../checker/history/operations.js';
import { parseEdnValue } from '../checker/history/edn.js';
import { writeJsonl } from '../checker/history/write.js';
import { checkLinearizable } from '../checker/linearizable/check.js';
import { casRegister, simulateHistory } from '../checker/testing/simulate.js';

const here = fileURLToPath(import.meta.url);
const root = resolve(process.env.ZKCHECK_PEER_HISTORIES ?? join(here, '../../../../shared/peer-histories'));

interface Row {
  file: string;
  format: HistoryFormat;
  model: string;
  init: string;
  expected: string;
}

async function peerSets(): Promise<void> {
  if (!existsSync(join(root, 'EXPECTED.tsv'))) {
    console.log(`peer histories not found at ${root}; set ZKCHECK_PEER_HISTORIES`);
    return;
  }
  const rows: Row[] = readFileSync(join(root, 'EXPECTED.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, format, model, init, expected] = line.split('\t');
      return { file, format: format as HistoryFormat, model, init, expected };
    });
  const sets: Array<[string, (row: Row) => boolean]> = [
    ['Porcupine etcd', (row) => row.format === 'porcupine-etcd'],
    ['Porcupine kv', (row) => row.format === 'porcupine-kv'],
    ['Knossos', (row) => row.file.startsWith('knossos/')],
  ];
  // Pass 1 is cold (the JIT compiles as it goes); pass 2 is the steady state, which is what Go's
  // benchmark loop reports for Porcupine. Both are printed.
  for (const pass of ['cold (first pass)', 'warm (second pass)']) {
    console.log(`\n${pass}`);
    await peerPass(rows, sets);
  }
}

async function peerPass(rows: Row[], sets: Array<[string, (row: Row) => boolean]>): Promise<void> {
  console.log('set              files      ops  right  unknown   total ms  slowest');
  for (const [name, selects] of sets) {
    let ops = 0;
    let right = 0;
    let unknown = 0;
    let total = 0;
    let slowest = { file: '', ms: 0 };
    for (const row of rows.filter(selects)) {
      const history = await readHistoryFile(join(root, row.file), { format: row.format });
      const operations = toOperations(history);
      const options = row.init === '-' ? {} : { init: parseEdnValue(row.init) };
      const started = performance.now();
      const result = await checkLinearizable(operations, { name: row.model, options });
      const ms = performance.now() - started;
      ops += history.length;
      total += ms;
      if (ms > slowest.ms) slowest = { file: row.file.split('/').pop()!, ms };
      if (result.valid === 'unknown') unknown++;
      else if (result.valid === (row.expected === 'valid')) right++;
    }
    const count = rows.filter(selects).length;
    console.log(
      `${name.padEnd(16)} ${String(count).padStart(5)} ${String(ops).padStart(8)} ${`${right}/${count}`.padStart(6)} ${String(unknown).padStart(8)} ${total.toFixed(1).padStart(10)}  ${slowest.file} ${slowest.ms.toFixed(1)} ms`,
    );
  }
}

/** Runs in a child process: reads and checks the large history, prints JSON. */
async function largeHistory(file: string): Promise<void> {
  const started = performance.now();
  const history = await readHistoryFile(file, { format: 'jsonl' });
  const read = performance.now() - started;
  const result = await checkLinearizable(toOperations(history), {
    name: 'cas-register',
    options: { init: null },
  });
  const total = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      ops: history.length,
      keys: result.partitions,
      valid: result.valid,
      cause: result.cause,
      readMs: read,
      checkMs: result.ms,
      totalMs: total,
      maxRssMb,
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--large') return largeHistory(process.argv[3]);
  await peerSets();
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-bench-'));
  try {
    const file = join(dir, 'million.jsonl');
    // 1,000 keys x 500 invocations; with completions that is ~1,000,000 ops.
    const history = simulateHistory(casRegister, {
      seed: 42,
      threads: 10,
      opsPerKey: 500,
      keys: 1000,
      infoRate: 0.05,
    });
    writeFileSync(file, writeJsonl(history));
    const info = history.filter((op) => op.type === 'info').length;
    const child = spawnSync(process.execPath, [here, '--large', file], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`large-history run failed: ${child.stderr}`);
    const measured = JSON.parse(child.stdout.trim().split('\n').pop()!);
    console.log(
      `\ngenerated register history: ${measured.ops} ops, ${measured.keys} keys, ${((100 * info) / (history.length / 2)).toFixed(1)}% of invocations info`,
    );
    console.log(
      `  verdict ${measured.valid}${measured.cause ? ` (${measured.cause})` : ''}; read ${(measured.readMs / 1000).toFixed(2)} s, check ${(measured.checkMs / 1000).toFixed(2)} s, total ${(measured.totalMs / 1000).toFixed(2)} s; peak RSS ${measured.maxRssMb.toFixed(0)} MB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
