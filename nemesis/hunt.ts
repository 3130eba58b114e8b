/**
 * A hunt's plan and its coverage, pure: `zkcheck hunt` (harness/commands/hunt.ts) runs what this
 * draws and feeds back what each run's history recorded.
 *
 * Run n of a hunt with seed S is drawn from `fork(rngFromSeed(S), n)` alone, so a seed replays the
 * same sequence of run configs whatever happened in the runs before. Each run is a workload with
 * promised claims and a scripted fault schedule (nemesis/schedule.ts) built around sync phases:
 *
 *   lag      a node is killed while writes go on; it is restarted (so it must sync) and, when its
 *            chosen sync marker appears, it, the leader or another node is killed
 *   two-down a node is killed; a second one just before the first comes back; on the first's
 *            marker the first and the third (the one that leads its sync) are killed together;
 *            then the three come back one by one: most often the stalest first (the two that
 *            were down, so the election is theirs to decide), else in a drawn order
 *   leader   the leader is killed; on a node's marker as it syncs with the new leader, that node
 *            or the new leader is killed
 *
 * Half the runs fault as soon as the harness has seen the marker line; the other half wait a drawn
 * `after` of 20-300 ms first (the same for every `on` step of the run), so the windows later in a
 * sync are tried too. The history records how long after the line's own time the fault landed
 * (`delayMs`): that measured delay is the offset the coverage reports.
 */
import type { TestConfig } from '../harness/config.js';
import { fork, nextFloat, nextInt, rngFromSeed, type Rng } from '../harness/generator/rng.js';
import { SYNC_PHASES } from './sync-kill.js';

/** Workloads a hunt draws from (each declares promised claims), with their weights. */
export const HUNT_WORKLOADS: ReadonlyArray<{ name: string; weight: number }> = Object.freeze([
  // The register carries the durability claim: lost writes show there.
  { name: 'register', weight: 4 },
  { name: 'set', weight: 1 },
  { name: 'ids', weight: 1 },
]);

/** Sync markers with their weights: the learner's own lines first, where the known races are. */
export const HUNT_MARKERS: ReadonlyArray<{ name: string; weight: number }> = Object.freeze([
  { name: 'newleader', weight: 6 },
  { name: 'diff', weight: 3 },
  { name: 'uptodate', weight: 2 },
  { name: 'sending-diff', weight: 2 },
  { name: 'snap', weight: 1 },
  { name: 'sending-snap', weight: 1 },
  { name: 'trunc', weight: 1 },
  { name: 'sending-trunc', weight: 1 },
]);

/** Drawn in this proportion: two-down most often, it crashes several nodes close together. */
const TEMPLATE_WEIGHTS = [
  { name: 'lag', weight: 1 },
  { name: 'two-down', weight: 3 },
  { name: 'leader', weight: 1 },
] as const;
export type HuntTemplate = (typeof TEMPLATE_WEIGHTS)[number]['name'];

/**
 * Write rates drawn per run: low rates keep a lagging node within a DIFF, high ones force a SNAP.
 * 30 ops/s with two nodes down fell under the run's throughput floor (self-check: unknown).
 */
const RATES = [50, 100, 200] as const;

export interface HuntOptions {
  /** The hunt's seed: every run's draws come from it. */
  seed: number;
  /** --run-seconds: each run's --time-limit. */
  runSeconds: number;
  /** Ensemble size (3: the schedules name nodes 1-3). */
  nodes?: number;
}

/** An `on` step of a run's schedule, as the coverage counts it. */
export interface HuntTry {
  /** The step's index in the schedule (1-based, as schedule.ts numbers steps). */
  step: number;
  marker: string;
  /** The node whose marker arms it. */
  node: number;
  /** What it does: `kill self`, `kill leader`, `kill other`. */
  fault: string;
}

export interface HuntRun {
  /** 1-based position in the hunt. */
  n: number;
  /** The run's --seed (its workload's and faults' draws). */
  seed: number;
  workload: string;
  template: HuntTemplate;
  /** One line for the progress: what the schedule does. */
  describe: string;
  /** The run's config, as a config file holds it (workload, sizes, nemesisSchedule). */
  config: Partial<TestConfig>;
  tries: HuntTry[];
}

function pick<T extends { weight: number }>(rng: Rng, items: readonly T[]): [T, Rng] {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  const [x, next] = nextFloat(rng);
  let left = x * total;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return [item, next];
  }
  return [items[items.length - 1], next];
}

/** A draw helper over an immutable Rng: each call moves the one stream on. */
function drawer(start: Rng) {
  let rng = start;
  const float = (): number => {
    const [x, next] = nextFloat(rng);
    rng = next;
    return x;
  };
  return {
    float,
    /** Uniform in [lo, hi), rounded to 0.1 s (schedules read better). */
    seconds: (lo: number, hi: number): number => Math.round((lo + float() * (hi - lo)) * 10) / 10,
    int: (n: number): number => {
      const [i, next] = nextInt(rng, n);
      rng = next;
      return i;
    },
    weighted: <T extends { weight: number }>(items: readonly T[]): T => {
      const [item, next] = pick(rng, items);
      rng = next;
      return item;
    },
  };
}

/** Run `n` (1-based) of the hunt: a pure function of the options and n. */
export function huntRun(options: HuntOptions, n: number): HuntRun {
  const nodes = options.nodes ?? 3;
  const T = options.runSeconds;
  const d = drawer(fork(rngFromSeed(options.seed), n));
  const seed = d.int(2 ** 31);
  const workload = d.weighted(HUNT_WORKLOADS).name;
  const template: HuntTemplate = d.weighted(TEMPLATE_WEIGHTS).name;
  const rate = RATES[d.int(RATES.length)];
  const marker = d.weighted(HUNT_MARKERS).name;
  // Node ids 1..nodes in a drawn order: x is the node that syncs, y and z the others.
  const order = Array.from({ length: nodes }, (_, i) => i + 1);
  for (let i = order.length - 1; i > 0; i--) {
    const j = d.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const [x, y, z] = order;
  // ZOOKEEPER-4643's window is the first tens of ms after NEWLEADER: half the runs aim there.
  const after = d.int(2) === 0 ? 0 : Math.round((0.02 + 0.28 * d.float()) * 100) / 100;
  const steps: Array<Record<string, unknown>> = [];
  const tries: HuntTry[] = [];
  const onStep = (at: number, targets: number[] | 'leader', fault: string, hold: number): void => {
    steps.push({
      on: marker,
      node: x,
      at,
      ...(after > 0 ? { after } : {}),
      fault: 'kill',
      targets,
      for: hold,
    });
    tries.push({ step: steps.length, marker, node: x, fault });
  };
  const on = after > 0 ? `${after * 1000} ms after` : 'on';
  let describe: string;
  if (template === 'lag') {
    const at = d.seconds(1, 0.2 * T);
    const down = d.seconds(0.2 * T, 0.4 * T);
    steps.push({ at, fault: 'kill', targets: [x], for: down });
    const victim = d.int(3);
    const hold = d.seconds(1, 0.2 * T);
    // Armed once x is down: the marker of the sync after its restart.
    if (victim === 0) onStep(at + 0.5, [x], 'kill self', hold);
    else if (victim === 1) onStep(at + 0.5, 'leader', 'kill leader', hold);
    else onStep(at + 0.5, [y], 'kill other', hold);
    describe = `kill n${x} ${at}s+${down}s, ${tries[0].fault} ${on} ${marker} of n${x}`;
  } else if (template === 'two-down') {
    const at = d.seconds(1, 0.15 * T);
    const down = d.seconds(0.2 * T, 0.3 * T);
    const before = d.seconds(0.2, 1.5);
    // After x's marker (about at + down) the three come back 1.5-3 s, then 2-4 s and 2-5 s
    // apart: the first two decide the election. In two runs of three the stalest come first
    // (x and y, which were down while z went on), so a node that came back from a sync with a
    // newer epoch than its log faces the one with the older epoch and the longer log.
    const back = [x, y, z];
    if (d.int(3) === 0) {
      for (let i = back.length - 1; i > 0; i--) {
        const j = d.int(i + 1);
        [back[i], back[j]] = [back[j], back[i]];
      }
    } else if (d.int(2) === 0) [back[0], back[1]] = [y, x];
    const gaps = [d.seconds(1.5, 3), d.seconds(2, 4), d.seconds(2, 5)];
    const backAfter = (node: number): number =>
      round1(gaps.slice(0, back.indexOf(node) + 1).reduce((sum, g) => sum + g, 0));
    const yAt = Math.max(at + 0.1, round1(at + down - before));
    steps.push({ at, fault: 'kill', targets: [x], for: down });
    steps.push({ at: yAt, fault: 'kill', targets: [y], for: round1(at + down + backAfter(y) - yAt) });
    onStep(at + down - 0.1, [x], 'kill self', backAfter(x));
    onStep(at + down - 0.1, [z], 'kill other', backAfter(z));
    describe = `kill n${x} ${at}s+${down}s, kill n${y} before it returns, kill n${x}+n${z} ${on} ${marker} of n${x}, back: ${back.map((id) => `n${id}`).join(',')}`;
  } else {
    const at = d.seconds(1, 0.3 * T);
    const down = d.seconds(0.2 * T, 0.4 * T);
    steps.push({ at, fault: 'kill', targets: 'leader', for: down });
    const hold = d.seconds(1, 0.2 * T);
    if (d.int(2) === 0) onStep(at + 0.1, [x], 'kill self', hold);
    else onStep(at + 0.1, 'leader', 'kill leader', hold);
    describe = `kill leader ${at}s+${down}s, ${tries[0].fault} ${on} ${marker} of n${x}`;
  }
  return {
    n,
    seed,
    workload,
    template,
    describe,
    tries,
    config: {
      name: `hunt-${workload}`,
      workload,
      nodes,
      // A client per node at least: the durability claim reads finally on nodes 1..concurrency.
      concurrency: nodes * 2,
      rate,
      timeLimit: T,
      nemesisSchedule: steps.map((s) => ({
        ...s,
        ...(typeof s.at === 'number' ? { at: round1(s.at) } : {}),
      })),
    },
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

// --- coverage ---------------------------------------------------------------------------------

/** A nemesis completion an `on` step left in history.jsonl (compose.ts adds `phase`, `delayMs`). */
export interface PhaseHit {
  on: string;
  node: number;
  /** ms from the marker line's own timestamp to the fault having landed. */
  delayMs?: number;
  targets?: unknown;
}

/** The `on` steps that fired, from a run's history entries (parsed JSON lines), in order. */
export function phaseHits(entries: readonly unknown[]): PhaseHit[] {
  const hits: PhaseHit[] = [];
  for (const entry of entries) {
    const op = entry as { process?: unknown; type?: unknown; value?: unknown };
    if (op.process !== 'nemesis' || op.type !== 'ok') continue;
    const value = op.value as {
      phase?: { on?: unknown; node?: unknown };
      delayMs?: unknown;
      targets?: unknown;
    };
    if (typeof value !== 'object' || value === null || typeof value.phase?.on !== 'string') continue;
    hits.push({
      on: value.phase.on,
      node: Number(value.phase.node),
      ...(typeof value.delayMs === 'number' ? { delayMs: value.delayMs } : {}),
      targets: value.targets,
    });
  }
  return hits;
}

/** One try of a run and whether it fired. */
export interface RunCoverage {
  marker: string;
  fault: string;
  hit: boolean;
  delayMs?: number;
}

/**
 * Pairs a run's tries with the hits its history shows: steps on the same marker and node fire
 * in schedule order (schedule.ts plays the first armed one first), so the k-th hit of a
 * (marker, node) is its k-th try.
 */
export function runCoverage(tries: readonly HuntTry[], hits: readonly PhaseHit[]): RunCoverage[] {
  const left = [...hits];
  return tries.map((t) => {
    const i = left.findIndex((h) => h.on === t.marker && h.node === t.node);
    if (i < 0) return { marker: t.marker, fault: t.fault, hit: false };
    const [hit] = left.splice(i, 1);
    return {
      marker: t.marker,
      fault: t.fault,
      hit: true,
      ...(hit.delayMs === undefined ? {} : { delayMs: hit.delayMs }),
    };
  });
}

export interface CoverageRow {
  marker: string;
  fault: string;
  tries: number;
  hits: number;
  /** delayMs of the hits: min, median, max (absent without a hit that recorded one). */
  offsetMs?: { min: number; median: number; max: number };
}

/** marker × fault → tries, hits and offsets, over every run; rows in marker, then fault order. */
export function aggregateCoverage(runs: ReadonlyArray<readonly RunCoverage[]>): CoverageRow[] {
  const rows = new Map<
    string,
    { marker: string; fault: string; tries: number; hits: number; delays: number[] }
  >();
  for (const run of runs)
    for (const c of run) {
      const key = `${c.marker}\u0000${c.fault}`;
      const row = rows.get(key) ?? { marker: c.marker, fault: c.fault, tries: 0, hits: 0, delays: [] };
      row.tries += 1;
      if (c.hit) row.hits += 1;
      if (c.hit && c.delayMs !== undefined) row.delays.push(c.delayMs);
      rows.set(key, row);
    }
  const markerOrder = Object.keys(SYNC_PHASES);
  return [...rows.values()]
    .sort(
      (a, b) =>
        markerOrder.indexOf(a.marker) - markerOrder.indexOf(b.marker) || a.fault.localeCompare(b.fault),
    )
    .map(({ delays, ...row }) => {
      if (delays.length === 0) return row;
      const sorted = [...delays].sort((a, b) => a - b);
      return {
        ...row,
        offsetMs: {
          min: sorted[0],
          median: sorted[Math.floor(sorted.length / 2)],
          max: sorted[sorted.length - 1],
        },
      };
    });
}

/** The coverage as a text table. */
export function formatCoverage(rows: readonly CoverageRow[]): string {
  if (rows.length === 0) return '  no sync-marker steps were tried\n';
  const head = ['marker', 'fault', 'tries', 'hits', 'offset ms (min/median/max)'];
  const body = rows.map((r) => [
    r.marker,
    r.fault,
    String(r.tries),
    String(r.hits),
    r.offsetMs ? `${r.offsetMs.min}/${r.offsetMs.median}/${r.offsetMs.max}` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

/**
 * The sync markers node logs show, whatever the schedule aimed at: per marker, how many lines.
 * `logs` maps a node id to its log's text; a leader's `sending-*` line counts for any peer.
 */
export function markersSeen(logs: ReadonlyMap<number, string>): Record<string, number> {
  const seen: Record<string, number> = {};
  const ids = [...logs.keys()];
  for (const [name, phase] of Object.entries(SYNC_PHASES)) {
    const patterns = phase.logOf === 'learner' ? [phase.pattern(0)] : ids.map((id) => phase.pattern(id));
    let count = 0;
    for (const text of logs.values())
      for (const line of text.split('\n')) if (patterns.some((p) => p.test(line))) count += 1;
    if (count > 0) seen[name] = count;
  }
  return seen;
}

/** In how many runs each marker appeared at all, in SYNC_PHASES order. */
export function aggregateSeen(runs: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const name of Object.keys(SYNC_PHASES)) {
    const runsWith = runs.filter((r) => (r[name] ?? 0) > 0).length;
    if (runsWith > 0) total[name] = runsWith;
  }
  return total;
}

/** A budget: `90s`, `30m`, `1h`, or plain seconds; undefined when it is none of these. */
export function parseBudget(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  return seconds > 0 && Number.isFinite(seconds) ? seconds : undefined;
}
