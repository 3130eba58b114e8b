/**
 * Reader benchmark: time to read, check and pair the largest peer histories and a generated
 * history of N ops (JSONL and EDN, written under the OS temp dir, never the repo).
 *
 *   npx tsx checker/history/bench-readers.ts [--ops 1000000] [--peer DIR]
 *
 * `benchReaders()` is exported for the project's `bench:*` scripts.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toOperations } from './operations.js';
import { readHistoryFile, type HistoryFormat } from './read.js';
import type { History, Op } from './types.js';
import { checkWellFormed } from './wellformed.js';
import { writeEdn, writeJsonl } from './write.js';

export interface ReaderTiming {
  file: string;
  bytes: number;
  ops: number;
  readMs: number;
  wellFormedMs: number;
  pairMs: number;
}

/**
 * A register history over `keys` keys with `concurrency` client processes, about 5% info ops
 * (after which the process is replaced) and 5% fails, times in ns. Deterministic.
 */
export function generateHistory(ops: number, keys = 1000, concurrency = 50): History {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const history: History = [];
  const open: (Op | null)[] = new Array(concurrency).fill(null);
  const processOf = Array.from({ length: concurrency }, (_, i) => i);
  let nextProcess = concurrency;
  let time = 0;
  while (history.length < ops) {
    const slot = Math.floor(random() * concurrency);
    time += 1000 + Math.floor(random() * 5000);
    const invoke = open[slot];
    if (invoke === null) {
      const isRead = random() < 0.5;
      const op: Op = {
        index: history.length,
        time,
        process: processOf[slot],
        type: 'invoke',
        f: isRead ? 'read' : 'write',
        key: Math.floor(random() * keys),
        value: isRead ? null : Math.floor(random() * 100),
      };
      history.push(op);
      open[slot] = op;
    } else {
      const r = random();
      const type = r < 0.05 ? 'info' : r < 0.1 ? 'fail' : 'ok';
      history.push({
        index: history.length,
        time,
        process: invoke.process,
        type,
        f: invoke.f,
        key: invoke.key,
        value: invoke.f === 'read' && type === 'ok' ? Math.floor(random() * 100) : invoke.value,
      });
      open[slot] = null;
      if (type === 'info') processOf[slot] = nextProcess++;
    }
  }
  return history;
}

export async function timeReader(file: string, format?: HistoryFormat): Promise<ReaderTiming> {
  const bytes = (await stat(file)).size;
  let t = performance.now();
  const history = await readHistoryFile(file, { format });
  const readMs = performance.now() - t;
  t = performance.now();
  checkWellFormed(history);
  const wellFormedMs = performance.now() - t;
  t = performance.now();
  toOperations(history);
  const pairMs = performance.now() - t;
  return { file, bytes, ops: history.length, readMs, wellFormedMs, pairMs };
}

async function largestFiles(dir: string, count: number): Promise<string[]> {
  const files: { path: string; size: number }[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.(edn|log|txt)$/.test(entry.name)) files.push({ path, size: (await stat(path)).size });
    }
  };
  await walk(dir);
  return files
    .sort((a, b) => b.size - a.size)
    .slice(0, count)
    .map((f) => f.path);
}

export async function benchReaders(opts: { ops?: number; peerDir?: string } = {}): Promise<ReaderTiming[]> {
  const timings: ReaderTiming[] = [];
  if (opts.peerDir && existsSync(opts.peerDir)) {
    for (const sub of ['knossos', 'porcupine/jepsen', 'porcupine/kv']) {
      for (const file of await largestFiles(join(opts.peerDir, sub), 2)) timings.push(await timeReader(file));
    }
  }
  const ops = opts.ops ?? 1_000_000;
  const history = generateHistory(ops);
  const base = join(tmpdir(), `zkcheck-bench-${process.pid}-${ops}`);
  try {
    await writeFile(`${base}.jsonl`, writeJsonl(history));
    await writeFile(`${base}.edn`, writeEdn(history));
    history.length = 0; // let the generated copy go before reading it back
    timings.push(await timeReader(`${base}.jsonl`));
    timings.push(await timeReader(`${base}.edn`));
  } finally {
    await rm(`${base}.jsonl`, { force: true });
    await rm(`${base}.edn`, { force: true });
  }
  return timings;
}

function format(t: ReaderTiming): string {
  const mb = (t.bytes / 1e6).toFixed(1);
  return `${t.file}\t${t.ops} ops\t${mb} MB\tread ${t.readMs.toFixed(1)} ms\twell-formed ${t.wellFormedMs.toFixed(1)} ms\tpair ${t.pairMs.toFixed(1)} ms`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const peerDir = resolve(
    repoRoot,
    arg('--peer') ?? process.env.ZKCHECK_PEER_HISTORIES ?? '../shared/peer-histories',
  );
  const ops = Number(arg('--ops') ?? 1_000_000);
  for (const t of await benchReaders({ ops, peerDir })) console.log(format(t));
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
