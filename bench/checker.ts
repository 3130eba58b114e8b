/**
 * `npm run bench:checker`: the checker on the peer histories (Porcupine etcd, Porcupine kv,
 * Knossos) and on a generated 1,000,000-op register history over 1,000 keys with ~5% unknown
 * outcomes. Prints files, ops, verdicts, total and slowest check time per set, and for the large
 * history the time to read and check it and the peak RSS (measured in a child process of its own,
 * so the peer sets do not inflate it).
 *
 * First, zkcheck paired with Porcupine (bench/porcupine.ts) on every set, including real
 * ZooKeeper histories (checker/testdata/zk-kill-lag: 12 clients on one key, leader kills, a
 * lagging follower; checker/testdata/zk-versioned-runs: 20-35k-op runs over 50 keys under
 * partitions, kills and pauses; results/testdata: two short multi-key runs), in ZKCHECK_BENCH_ROUNDS (default 5)
 * alternating rounds: odd rounds run zkcheck first, even rounds Porcupine first. Each tool runs
 * as the user would: one process per model of a set (`zkcheck check --json` per group of files;
 * for the versioned sets, where the CLI would take the exact graph method, with `--method
 * search`). Whole process = that
 * process's wall time (start, parse, check, exit); in-checker = the sum of the per-file check
 * times each tool reports. A third column starts bare Node (`node -e 0`) once per process of the
 * set, in the same rounds: no Node program's whole process can beat it, so where its ratio to
 * Porcupine is over a target, that target is out of reach for zkcheck whatever its code does.
 * Medians, spreads (min–max) and the ratios of the medians are printed per set, with the load
 * average. ZKCHECK_BENCH_PARTS picks parts
 * (paired,peers,large; default all).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHistoryFile, type HistoryFormat } from '../checker/history/read.js';
import { toOperations } from '../checker/history/operations.js';
import { parseEdnValue } from '../checker/history/edn.js';
import { writeJsonl } from '../checker/history/write.js';
import { checkLinearizable } from '../checker/linearizable/check.js';
import { casRegister, simulateHistory } from '../checker/testing/simulate.js';
import { gunzipSync } from 'node:zlib';
import { porcupineBench, type PorcupineFormat } from './porcupine.js';

const here = fileURLToPath(import.meta.url);
const root = resolve(process.env.ZKCHECK_PEER_HISTORIES ?? join(here, '../../../../shared/peer-histories'));
const repo = resolve(here, '../../..');
const PARTS = new Set((process.env.ZKCHECK_BENCH_PARTS ?? 'paired,peers,large').split(','));
const ROUNDS = Math.max(1, Number(process.env.ZKCHECK_BENCH_ROUNDS ?? 5));

interface Row {
  file: string;
  format: HistoryFormat;
  model: string;
  init: string;
  expected: string;
}

function expectedRows(): Row[] {
  return readFileSync(join(root, 'EXPECTED.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, format, model, init, expected] = line.split('\t');
      return { file, format: format as HistoryFormat, model, init, expected };
    });
}

async function peerSets(): Promise<void> {
  if (!existsSync(join(root, 'EXPECTED.tsv'))) {
    console.log(`peer histories not found at ${root}; set ZKCHECK_PEER_HISTORIES`);
    return;
  }
  const rows = expectedRows();
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

/** One process's worth of files: one model, one initial value. */
interface Group {
  model: string;
  init?: string;
  format: PorcupineFormat;
  files: string[];
  /** zkcheck: `check --method search` (by default the CLI decides versioned models by the graph). */
  search?: boolean;
}

interface PairedSet {
  name: string;
  groups: Group[];
  /** Expected verdict by file, where known (peer histories). */
  expected: Map<string, boolean>;
}

interface Measured {
  wallMs: number;
  checkMs: number;
  verdicts: Map<string, boolean | 'unknown'>;
  ops: number;
}

const FORMAT_OF: Record<string, PorcupineFormat> = {
  'porcupine-etcd': 'etcd',
  'porcupine-kv': 'kv',
  edn: 'edn',
};

function pairedSets(): PairedSet[] {
  const sets: PairedSet[] = [];
  if (existsSync(join(root, 'EXPECTED.tsv'))) {
    const rows = expectedRows();
    const peer = (name: string, selects: (row: Row) => boolean) => {
      const chosen = rows.filter(selects);
      const groups = new Map<string, Group>();
      for (const row of chosen) {
        const id = `${row.model}\t${row.init}`;
        if (!groups.has(id))
          groups.set(id, {
            model: row.model,
            ...(row.init === '-' ? {} : { init: row.init }),
            format: FORMAT_OF[row.format],
            files: [],
          });
        groups.get(id)!.files.push(join(root, row.file));
      }
      sets.push({
        name,
        groups: [...groups.values()],
        expected: new Map(chosen.map((row) => [join(root, row.file), row.expected === 'valid'])),
      });
    };
    peer('Porcupine etcd', (row) => row.format === 'porcupine-etcd');
    peer('Porcupine kv', (row) => row.format === 'porcupine-kv');
    peer('Knossos', (row) => row.file.startsWith('knossos/'));
  }
  const zk = (name: string, files: string[]) => {
    if (files.length > 0)
      sets.push({
        name,
        groups: [{ model: 'zk-versioned-register', init: 'nil', format: 'jsonl', files, search: true }],
        expected: new Map(),
      });
  };
  // Stored gzipped; both tools read the same unpacked copies.
  const killLag = join(repo, 'checker/testdata/zk-kill-lag');
  const unpacked = mkdtempSync(join(tmpdir(), 'zkcheck-bench-zk-'));
  process.on('exit', () => rmSync(unpacked, { recursive: true, force: true }));
  // seed163 by default: Porcupine takes ~11 s on it (zkcheck ~40 ms), which would swamp the rounds.
  const skipped = (process.env.ZKCHECK_BENCH_SKIP ?? 'plain-reads-seed163').split(',');
  /** The gzipped histories of a folder, unpacked, except those `skipped` names. */
  const unpackAll = (dir: string, skip: string[] = []) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => name.endsWith('.jsonl.gz') && !skip.some((prefix) => name.startsWith(prefix)))
          .map((name) => {
            const file = join(unpacked, name.replace(/\.gz$/, ''));
            writeFileSync(file, gunzipSync(readFileSync(join(dir, name))));
            return file;
          })
      : [];
  zk('ZooKeeper 12 clients, 1 key, kills+lag (search)', unpackAll(killLag, skipped));
  zk(
    'ZooKeeper versioned, 50 keys, recorded runs (search)',
    unpackAll(join(repo, 'checker/testdata/zk-versioned-runs')),
  );
  const runs = join(repo, 'results/testdata');
  zk(
    'ZooKeeper versioned, two short runs (search)',
    readdirSync(runs)
      .map((name) => join(runs, name, 'history.jsonl'))
      .filter((file) => existsSync(file)),
  );
  return sets;
}

function parseVerdicts(stdout: string): Omit<Measured, 'wallMs'> {
  const verdicts = new Map<string, boolean | 'unknown'>();
  let checkMs = 0;
  let ops = 0;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const row = JSON.parse(line) as { file: string; valid: boolean | 'unknown'; ms: number; ops: number };
    verdicts.set(row.file, row.valid);
    checkMs += row.ms;
    ops += row.ops;
  }
  return { verdicts, checkMs, ops };
}

function timed(command: string, args: string[]): { wallMs: number; stdout: string } {
  const started = performance.now();
  const child = spawnSync(command, args, { encoding: 'utf8', cwd: repo, maxBuffer: 1 << 28 });
  const wallMs = performance.now() - started;
  if (child.error || (child.status !== 0 && child.status !== 1 && child.status !== 2))
    throw new Error(
      `${command} ${args.slice(0, 4).join(' ')} … failed: ${child.error?.message ?? child.stderr}`,
    );
  return { wallMs, stdout: child.stdout };
}

/**
 * `node-floor` starts Node with nothing to run, once per group: the least any Node program's
 * whole process can take here, spawned the same way, so that the whole-process column can be
 * read against what is reachable at all.
 */
type Tool = 'zkcheck' | 'porcupine' | 'node-floor';

function runTool(tool: Tool, set: PairedSet, binary: string): Measured {
  const total: Measured = { wallMs: 0, checkMs: 0, verdicts: new Map(), ops: 0 };
  for (const group of set.groups) {
    const init = group.init === undefined ? [] : ['--init', group.init];
    if (tool === 'node-floor') {
      total.wallMs += timed(process.execPath, ['-e', '0']).wallMs;
      continue;
    }
    const { wallMs, stdout } =
      tool === 'porcupine'
        ? timed(binary, [
            '-model',
            group.model,
            ...(group.init === undefined ? [] : ['-init', group.init]),
            '-format',
            group.format,
            ...group.files,
          ])
        : timed(process.execPath, [
            join(repo, 'bin/zkcheck.js'),
            'check',
            '--json',
            ...(group.search ? ['--method', 'search'] : []),
            '-m',
            group.model,
            ...init,
            ...group.files,
          ]);
    const parsed = parseVerdicts(stdout);
    total.wallMs += wallMs;
    total.checkMs += parsed.checkMs;
    if (tool === 'zkcheck') total.ops += parsed.ops;
    for (const [file, valid] of parsed.verdicts) total.verdicts.set(file, valid);
  }
  return total;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (values: number[]): string =>
  `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

function paired(): void {
  const built = porcupineBench();
  if ('missing' in built) {
    console.log(`\npaired with Porcupine: skipped. ${built.missing}`);
    return;
  }
  const sets = pairedSets();
  console.log(
    `\nzkcheck paired with Porcupine: ${ROUNDS} alternating rounds, medians (min–max) in ms; ` +
      `load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
  );
  const results = sets.map(() => ({
    zk: [] as Measured[],
    porcupine: [] as Measured[],
    floor: [] as Measured[],
  }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, set] of sets.entries()) {
      const order: Tool[] =
        round % 2 === 0 ? ['zkcheck', 'porcupine', 'node-floor'] : ['node-floor', 'porcupine', 'zkcheck'];
      for (const tool of order) {
        const measured = runTool(tool, set, built.binary);
        const into = {
          zkcheck: results[i].zk,
          porcupine: results[i].porcupine,
          'node-floor': results[i].floor,
        };
        into[tool].push(measured);
      }
    }
  }
  console.log(
    `load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    '| set | files | procs | ops | zkcheck right | unknown | agree w/ Porcupine | in-checker zkcheck | Porcupine | ratio | whole process zkcheck | Porcupine | ratio | `node -e 0` × procs | its ratio |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const [i, set] of sets.entries()) {
    const { zk, porcupine, floor } = results[i];
    const files = set.groups.reduce((n, group) => n + group.files.length, 0);
    const last = zk[zk.length - 1];
    let right = 0;
    let unknown = 0;
    let agree = 0;
    for (const [file, valid] of last.verdicts) {
      if (valid === 'unknown') unknown++;
      if (
        set.expected.has(file) ? valid === set.expected.get(file) : valid === porcupine[0].verdicts.get(file)
      )
        right++;
      if (valid === porcupine[0].verdicts.get(file)) agree++;
    }
    const zkCheck = median(zk.map((m) => m.checkMs));
    const pCheck = median(porcupine.map((m) => m.checkMs));
    const zkWall = median(zk.map((m) => m.wallMs));
    const pWall = median(porcupine.map((m) => m.wallMs));
    const floorWall = median(floor.map((m) => m.wallMs));
    console.log(
      `| ${set.name} | ${files} | ${set.groups.length} | ${last.ops} | ${right}/${files}${set.expected.size ? '' : ' (vs Porcupine)'} | ${unknown} | ${agree}/${files} | ` +
        `${zkCheck.toFixed(0)} (${spread(zk.map((m) => m.checkMs))}) | ${pCheck.toFixed(0)} (${spread(porcupine.map((m) => m.checkMs))}) | ${(zkCheck / pCheck).toFixed(2)} | ` +
        `${zkWall.toFixed(0)} (${spread(zk.map((m) => m.wallMs))}) | ${pWall.toFixed(0)} (${spread(porcupine.map((m) => m.wallMs))}) | ${(zkWall / pWall).toFixed(2)} | ` +
        `${floorWall.toFixed(0)} (${spread(floor.map((m) => m.wallMs))}) | ${(floorWall / pWall).toFixed(2)} |`,
    );
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--large') return largeHistory(process.argv[3]);
  if (PARTS.has('paired')) paired();
  if (PARTS.has('peers')) await peerSets();
  if (!PARTS.has('large')) return;
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
