/**
 * `npm run bench:charts`: how long the built-in charts of a 1,000,000-op history take (target:
 * under 10 s). The history is generated: 20 client threads doing reads, writes and cas over
 * 600 s with log-normal latencies and ~4% failed and ~1% unknown outcomes, and a fault every 40 s
 * (isolate, kill, pause in turn, each healed 15 s later). Times are taken for the history read
 * from a JSONL file (as `zkcheck report` would), for the specs (pairing and binning), and for
 * rendering SVG and PNG, all in this process. Everything is written to a temporary directory
 * that is removed at the end: nothing lands in the repo.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistoryFile } from '../checker/history/read.js';
import type { History, Op } from '../checker/history/types.js';
import { writeJsonl } from '../checker/history/write.js';
import { writeCharts } from '../results/chart-render.js';

const OPS = Number(process.env.ZKCHECK_BENCH_CHART_OPS ?? 1_000_000);
const PROCESSES = 20;
const SECONDS = 600;
const NS_PER_S = 1e9;

/** A seeded xorshift generator: the same history every time. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** An op before it has its place in the history. */
type OpWithoutIndex = Pick<Op, 'time' | 'process' | 'type' | 'f' | 'value'> & { key?: number };

function syntheticHistory(ops: number): History {
  const next = random(42);
  const pairs = Math.floor(ops / 2);
  // Each process runs its ops one after another, with a think time that spreads them over SECONDS.
  const thinkNs = (SECONDS * NS_PER_S * PROCESSES) / pairs;
  const events: OpWithoutIndex[] = [];
  for (let thread = 0; thread < PROCESSES; thread++) {
    let now = next() * thinkNs;
    let process = thread;
    for (let i = thread; i < pairs; i += PROCESSES) {
      // Log-normal around 2 ms, with a tail: exp(N(0.7, 0.8)) ms.
      const latencyNs = Math.round(Math.exp(0.7 + 0.8 * gaussian(next)) * 1e6);
      const f = ['read', 'read', 'write', 'cas'][Math.floor(next() * 4)];
      const roll = next();
      const type = roll < 0.01 ? 'info' : roll < 0.05 ? 'fail' : 'ok';
      const start = Math.round(now);
      events.push({ time: start, process, type: 'invoke', f, key: i % 100, value: f === 'read' ? null : i });
      events.push({ time: start + latencyNs, process, type, f, key: i % 100, value: i });
      // A process whose op ended unknown never invokes again: the thread goes on as a new one.
      if (type === 'info') process += PROCESSES;
      now += latencyNs + thinkNs * (0.5 + next());
    }
  }
  events.push(...syntheticFaults());
  // Stable: an invoke and its completion at the same time stay in order.
  events.sort((a, b) => a.time - b.time);
  return events.map((op, index): Op => ({ index, ...op }));
}

function syntheticFaults(): OpWithoutIndex[] {
  const faults: OpWithoutIndex[] = [];
  const kinds: Array<[string, string]> = [
    ['isolate', 'heal'],
    ['kill', 'start'],
    ['pause', 'resume'],
  ];
  for (let t = 20, n = 0; t + 15 < SECONDS; t += 40, n++) {
    const [start, stop] = kinds[n % kinds.length];
    const node = 1 + (n % 3);
    for (const [f, at] of [
      [start, t],
      [stop, t + 15],
    ] as const) {
      faults.push({ time: at * NS_PER_S, process: 'nemesis', type: 'invoke', f, value: node });
      faults.push({ time: at * NS_PER_S + 1e8, process: 'nemesis', type: 'ok', f, value: node });
    }
  }
  return faults;
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-bench-charts-'));
  try {
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, writeJsonl(syntheticHistory(OPS)));
    const sizeMb = statSync(file).size / 1e6;
    let started = performance.now();
    const history = await readHistoryFile(file, { format: 'jsonl' });
    const readMs = performance.now() - started;
    started = performance.now();
    const { charts, failures } = await writeCharts(dir, history);
    const chartMs = performance.now() - started;
    if (failures.length > 0) throw new Error(failures.join('; '));
    console.log(
      `history: ${history.length} ops, ${sizeMb.toFixed(0)} MB of JSONL, read in ${seconds(readMs)}`,
    );
    for (const chart of charts) {
      const sizes = chart.files.map((path) => `${(statSync(path).size / 1e3).toFixed(0)} kB`).join(' / ');
      console.log(`  ${chart.name}: .vl.json / .svg / .png ${sizes}`);
    }
    const verdict = chartMs < 10_000 ? 'met' : 'MISSED';
    console.log(`charts (specs, SVG, PNG): ${seconds(chartMs)} (target < 10 s: ${verdict})`);
    console.log(
      `read + charts: ${seconds(readMs + chartMs)}; peak RSS ${(process.resourceUsage().maxRSS / 1e3).toFixed(0)} MB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

await main();
