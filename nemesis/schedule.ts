/**
 * Scripted fault schedules and storms: faults at given times, or armed on a sync phase, or
 * overlapping at random, all played on the one nemesis thread in time order.
 *
 * A script is a list of steps in the config file (`nemesisSchedule`):
 *
 *   {at: 10, fault: "kill", targets: [2], for: 5}          kill node 2 at 10 s, start it at 15 s
 *   {on: "newleader", node: 2, fault: "kill", for: 5}      kill node 2 when it logs NEWLEADER
 *   {on: "diff", node: 3, after: 0.08, fault: "kill"}      kill node 3 80 ms after its DIFF line
 *
 * `at` and `for` are seconds (`at` from the start of the run; an `on` step's `at` is when it is
 * armed, default 0, its `after` the seconds from seeing the line to the fault, default 0, and its
 * `for` defaults to --nemesis-duration); `fault` names a registered
 * family; `targets` is a target kind (one, minority, majority, all, leader, follower, followers)
 * or a list of node ids, and defaults to the family's own (an `on` step's: its node). Every step
 * is checked before anything starts; a bad one is one line naming the step and the field.
 *
 * Each step is its own instance of its family, so steps may overlap, even of one family. An `on`
 * step fires once: when its phase's line appears (sync-kill.ts's SYNC_PHASES: the node's own log
 * for learner phases, the leaders' for `sending-*`), its fault starts at once (or `after` seconds
 * later), recorded with the line and how many ms after the line's own timestamp the fault had
 * landed (`phase`, `delayMs`).
 *
 * A storm plays every chosen family at once, each its own seeded sequence of quiet gaps (uniform
 * in [0, 2 x interval)) and faults (uniform in [0.5, 1.5] x duration), so faults overlap.
 */
import type { Ensemble, LogLine } from '../harness/cluster/types.js';
import { generator, op as opOf } from '../harness/generator/core.js';
import { nextFloat, nextInt, type Rng } from '../harness/generator/rng.js';
import { simulate } from '../harness/generator/simulate.js';
import { nemesis as onNemesisThread } from '../harness/generator/threads.js';
import { NS_PER_SECOND } from '../harness/generator/time.js';
import type { Context, Gen, OpSpec } from '../harness/generator/types.js';
import { NemesisError, type NemesisEntry, type NemesisPackage } from '../harness/runner/spec.js';
import { SYNC_PHASES } from './sync-kill.js';
import { TARGETS, type TargetKind } from './targets.js';

/** Targets of a step: a kind, or the node ids to hit. */
export type StepTargets = TargetKind | number[];

interface StepBase {
  /** 1-based, as the config lists them (for messages). */
  index: number;
  fault: string;
  targets?: StepTargets;
  /** Seconds the fault lasts. */
  for: number;
  /** Seconds from the start: when a timed step starts, when an `on` step is armed. */
  at: number;
}

export interface TimedStep extends StepBase {
  kind: 'timed';
}

export interface PhaseStep extends StepBase {
  kind: 'phase';
  /** A SYNC_PHASES name. */
  on: string;
  /** The syncing node whose phase arms the fault. */
  node: number;
  /** Seconds from seeing the line to starting the fault (0: at once). */
  after: number;
}

export type ScheduleStep = TimedStep | PhaseStep;

export interface ScheduleLimits {
  /** The registry: `fault` must name one of these. */
  nemeses: readonly NemesisEntry[];
  /** Ensemble size. */
  nodes: number;
  /** --time-limit: a step must start before it. */
  timeLimit: number;
  /** --nemesis-duration: an `on` step's default `for`. */
  duration: number;
}

const TIMED_FIELDS = ['at', 'fault', 'targets', 'for'];
const PHASE_FIELDS = ['on', 'node', 'fault', 'targets', 'for', 'at', 'after'];

/** Checks a config's `nemesisSchedule` against the registry and the run; throws one line. */
export function parseSchedule(raw: unknown, limits: ScheduleLimits): ScheduleStep[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new NemesisError('nemesisSchedule: expected a non-empty list of steps');
  }
  return raw.map((step, i) => parseStep(step, i + 1, limits));
}

function parseStep(raw: unknown, index: number, limits: ScheduleLimits): ScheduleStep {
  const bad = (field: string, why: string) =>
    new NemesisError(`nemesisSchedule step ${index}: ${field}: ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new NemesisError(
      `nemesisSchedule step ${index}: expected {at, fault, targets, for} or {on, node, fault}, got ${JSON.stringify(raw)}`,
    );
  }
  const step = raw as Record<string, unknown>;
  const phase = 'on' in step;
  const known = phase ? PHASE_FIELDS : TIMED_FIELDS;
  for (const key of Object.keys(step)) {
    if (!known.includes(key)) throw bad(key, `unknown field (a step has ${known.join(', ')})`);
  }
  const seconds = (field: string, fallback?: number): number => {
    const value = step[field];
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === undefined) throw bad(field, 'missing (seconds)');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw bad(field, `expected seconds >= 0, got ${JSON.stringify(value)}`);
    return value;
  };

  if (step.fault === undefined) throw bad('fault', 'missing (a fault family)');
  const entry = limits.nemeses.find((e) => e.name === step.fault);
  if (!entry)
    throw bad(
      'fault',
      `unknown fault family ${JSON.stringify(step.fault)} (families: ${limits.nemeses.map((e) => e.name).join(', ')})`,
    );
  const at = seconds('at', phase ? 0 : undefined);
  if (at >= limits.timeLimit) throw bad('at', `${at} s is not before --time-limit ${limits.timeLimit} s`);
  const duration = seconds('for', phase ? limits.duration : undefined);
  const node = phase ? nodeId(step.node, limits.nodes, (why) => bad('node', why)) : undefined;
  const targets =
    step.targets === undefined
      ? undefined
      : parseTargets(step.targets, limits.nodes, (why) => bad('targets', why));
  if (targets !== undefined && targetsKey(entry) === undefined)
    throw bad('targets', `${entry.name} picks its own nodes (it has no --${entry.name}-targets)`);
  const base = { index, fault: entry.name, for: duration, at, ...(targets === undefined ? {} : { targets }) };
  if (!phase) return { kind: 'timed', ...base };
  if (typeof step.on !== 'string' || !(step.on in SYNC_PHASES))
    throw bad(
      'on',
      `expected a sync phase (${Object.keys(SYNC_PHASES).join(', ')}), got ${JSON.stringify(step.on)}`,
    );
  return {
    kind: 'phase',
    ...base,
    on: step.on,
    node: node!,
    after: seconds('after', 0),
    ...(targets === undefined && targetsKey(entry) !== undefined ? { targets: [node!] } : {}),
  };
}

function nodeId(value: unknown, nodes: number, bad: (why: string) => Error): number {
  const id = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (id === undefined) throw bad('missing (a node id)');
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1)
    throw bad(`expected a node id from 1 to ${nodes}, got ${JSON.stringify(value)}`);
  if (id > nodes) throw bad(`node ${id} is not in an ensemble of ${nodes}`);
  return id;
}

/** A kind, a list of node ids, or "1,3". Node lists pick the first nodes of a plan's order. */
function parseTargets(value: unknown, nodes: number, bad: (why: string) => Error): StepTargets {
  if (typeof value === 'string' && (TARGETS as readonly string[]).includes(value)) return value as TargetKind;
  const list =
    typeof value === 'string'
      ? /^[\d\s,]+$/.test(value)
        ? value.split(',').map((s) => s.trim())
        : undefined
      : Array.isArray(value)
        ? (value as unknown[])
        : typeof value === 'number'
          ? [value]
          : undefined;
  if (list === undefined || list.length === 0)
    throw bad(`expected one of ${TARGETS.join(', ')} or a list of node ids, got ${JSON.stringify(value)}`);
  const ids = list.map((item) => nodeId(item, nodes, bad));
  if (new Set(ids).size !== ids.length) throw bad(`a node is named twice in ${JSON.stringify(value)}`);
  if (ids.length > nodes) throw bad(`${ids.length} nodes named, the ensemble has ${nodes}`);
  if (kindForCount(ids.length, nodes) === undefined) {
    const sizes = [...new Set([1, minority(nodes), majority(nodes), nodes])].join(', ');
    throw bad(`a list of ${ids.length} of ${nodes} nodes: name ${sizes} nodes, or a kind`);
  }
  return ids;
}

const minority = (n: number) => Math.max(1, Math.floor((n - 1) / 2));
const majority = (n: number) => Math.floor(n / 2) + 1;

/** The target kind that hits exactly the first `count` nodes of a plan's order. */
function kindForCount(count: number, nodes: number): TargetKind | undefined {
  if (count === 1) return 'one';
  if (count === nodes) return 'all';
  if (count === minority(nodes)) return 'minority';
  if (count === majority(nodes)) return 'majority';
  return undefined;
}

/** The key of a family's targets setting (a string setting whose choices are the target kinds). */
export function targetsKey(entry: NemesisEntry): string | undefined {
  return entry.settings.find(
    (s) => s.key.endsWith('Targets') && s.choices !== undefined && s.choices.includes('followers'),
  )?.key;
}

/** The settings a step's instance is built with: the run's, its targets kind in place. */
export function stepSettings(
  entry: NemesisEntry,
  targets: StepTargets | undefined,
  nodes: number,
): Record<string, string | number | boolean | undefined> | undefined {
  const key = targetsKey(entry);
  if (targets === undefined || key === undefined) return undefined;
  return { [key]: Array.isArray(targets) ? kindForCount(targets.length, nodes)! : targets };
}

// --- the timeline on the nemesis thread -----------------------------------------------------------

/** A nemesis op at a time (ns after the schedule began). */
export interface TimedOp {
  atNs: number;
  spec: OpSpec;
}

/** An `on` step while the run is going: armed, and fired once its line appears. */
export interface PhaseWatch {
  /** When it may fire, ns after the schedule began. */
  armNs: number;
  /** The ops to play when it fires: the start now, the stop `forNs` later. */
  start: OpSpec;
  stop: OpSpec;
  forNs: number;
  /** Ms from seeing the line to playing the start. */
  afterMs: number;
  watch: PhaseTrigger;
  /** Set once the line is noticed: when to play the start, on the run's clock (ns). */
  fireAtNs?: number;
}

/** An `on` step's watch on the logs: armed once its time comes; the first line seen since then. */
export interface PhaseTrigger {
  arm(): void;
  fired(): LogLine | undefined;
}

/**
 * How often an armed `on` step is checked while nothing else is due: the bugs it aims at have
 * windows of tens of ms after the line (ZOOKEEPER-4643), so a poll of 50 ms missed half of them.
 */
const PHASE_POLL_SECONDS = 0.01;

/**
 * Plays `events` at their times on the nemesis thread, and each armed phase as soon as it fires.
 * The first op (a log line) starts the schedule's clock; every later op waits for its time.
 */
export function timeline(
  label: string,
  plan: (ctx: Context) => { events: TimedOp[]; phases: PhaseWatch[] },
): Gen {
  return generator('timeline', (ctx) => {
    const { events, phases } = plan(ctx);
    const sorted = [...events].sort((a, b) => a.atNs - b.atNs);
    const res = opOf({ type: 'log', f: 'log', value: label }, ctx);
    if (res === null || res === 'pending') return res;
    return { op: res.op, gen: playing(ctx.time, sorted, phases) };
  });
}

function playing(t0: number, events: readonly TimedOp[], phases: readonly PhaseWatch[]): Gen {
  if (events.length === 0 && phases.length === 0) return null;
  return generator('timeline', (ctx) => {
    // An armed phase that fired goes first: its fault starts now, its stop joins the events.
    for (const p of phases) if (ctx.time >= t0 + p.armNs) p.watch.arm();
    for (const p of phases) noticeLine(p, ctx.time);
    const firing = phases.findIndex((p) => p.fireAtNs !== undefined && ctx.time >= p.fireAtNs);
    if (firing >= 0) {
      const watch = phases[firing];
      const line = watch.watch.fired()!;
      const res = opOf({ ...watch.start, value: withPhase(watch.start.value, line) }, ctx);
      if (res === null || res === 'pending') return res;
      const stopAt = ctx.time - t0 + watch.forNs;
      const rest = insertSorted(events, { atNs: stopAt, spec: watch.stop });
      return {
        op: res.op,
        gen: playing(
          t0,
          rest,
          phases.filter((_, i) => i !== firing),
        ),
      };
    }
    const next = events[0];
    const dueNs = next === undefined ? Infinity : t0 + next.atNs;
    if (phases.length > 0 && dueNs > ctx.time + PHASE_POLL_SECONDS * NS_PER_SECOND) {
      // Nothing due soon and a phase armed: look again shortly, or when a seen line's `after`
      // is up (a sleep is in no history).
      const waits = phases.flatMap((p) => (p.fireAtNs === undefined ? [] : [p.fireAtNs - ctx.time]));
      const sleep = Math.min(PHASE_POLL_SECONDS, ...waits.map((ns) => ns / NS_PER_SECOND));
      const res = opOf({ type: 'sleep', f: 'sleep', value: sleep }, ctx);
      if (res === null || res === 'pending') return res;
      return { op: res.op, gen: playing(t0, events, phases) };
    }
    if (next === undefined) return null;
    const res = opOf(next.spec, ctx);
    if (res === null || res === 'pending') return res;
    return {
      op: { ...res.op, time: Math.max(res.op.time, dueNs) },
      gen: playing(t0, events.slice(1), phases),
    };
  });
}

/**
 * Once a watch's line is seen, fixes when its fault starts on the run's clock: `after` from when
 * the line was read, less the real time since (the poll's lag).
 */
function noticeLine(p: PhaseWatch, now: number): void {
  const line = p.watch.fired();
  if (line === undefined || p.fireAtNs !== undefined) return;
  const lateMs = Math.max(0, Date.now() - line.seenAt);
  p.fireAtNs = now + Math.max(0, p.afterMs - lateMs) * 1e6;
}

function insertSorted(events: readonly TimedOp[], event: TimedOp): TimedOp[] {
  const i = events.findIndex((e) => e.atNs > event.atNs);
  return i < 0 ? [...events, event] : [...events.slice(0, i), event, ...events.slice(i)];
}

function withPhase(value: unknown, line: LogLine): unknown {
  const phase = { line: line.text, loggedAt: line.loggedAt, seenAt: line.seenAt };
  return typeof value === 'object' && value !== null ? { ...value, phase } : { plan: value ?? null, phase };
}

/**
 * A package's start and stop ops for one episode, as its `episode` would play them (sleeps left
 * out), drawn with `rng`. Every family's episode is quiet, start, hold, stop.
 */
export function episodeOps(pkg: NemesisPackage, ctx: Context, rng: Rng): { start: OpSpec; stop?: OpSpec } {
  const gen = pkg.episode({ ...ctx, rng });
  const events = simulate(onNemesisThread(gen), {
    threads: 1,
    seed: nextInt(rng, 2 ** 31)[0],
    maxOps: 16,
  }).filter((e) => e.type === 'invoke' && e.special === undefined);
  if (events.length === 0) throw new NemesisError(`nemesis ${pkg.name}: its episode starts no fault`);
  const spec = (i: number): OpSpec => ({ f: events[i].f, value: events[i].value });
  return { start: spec(0), ...(events.length > 1 ? { stop: spec(1) } : {}) };
}

/** The start op aimed at exactly these nodes: they come first in its plan's order. */
export function aimAt(start: OpSpec, targets: StepTargets | undefined, nodes: number): OpSpec {
  if (!Array.isArray(targets)) return start;
  const value = start.value as { order?: unknown } | null | undefined;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.order)) return start;
  const rest = Array.from({ length: nodes }, (_, i) => i + 1).filter((id) => !targets.includes(id));
  return { ...start, value: { ...value, order: [...targets, ...rest] } };
}

/** A storm's faults of one family: alternating quiet gaps and faults until `horizonNs`. */
export function stormSpans(
  rng: Rng,
  intervalSeconds: number,
  durationSeconds: number,
  horizonNs: number,
): Array<{ startNs: number; stopNs: number }> {
  const spans: Array<{ startNs: number; stopNs: number }> = [];
  let state = rng;
  const draw = (): number => {
    const [x, next] = nextFloat(state);
    state = next;
    return x;
  };
  let t = draw() * 2 * intervalSeconds * NS_PER_SECOND;
  while (t < horizonNs) {
    const hold = Math.max(0.1, (0.5 + draw()) * durationSeconds) * NS_PER_SECOND;
    spans.push({ startNs: Math.round(t), stopNs: Math.round(t + hold) });
    t += hold + draw() * 2 * intervalSeconds * NS_PER_SECOND;
  }
  return spans;
}

/**
 * Watches the logs for an `on` step's phase from now on: the learner's own log, or for the
 * leader's phases (`sending-*`) every other node's. Lines before it is armed do not count.
 */
export function watchPhase(ensemble: Ensemble, step: PhaseStep): PhaseTrigger {
  const phase = SYNC_PHASES[step.on];
  const watched =
    phase.logOf === 'learner'
      ? [step.node]
      : ensemble.nodes.map((n) => n.id).filter((id) => id !== step.node);
  let armedAt: number | undefined;
  let seen: LogLine | undefined;
  const offs: Array<() => void> = [];
  for (const id of watched)
    offs.push(
      ensemble.onLogLine(id, phase.pattern(step.node), (line) => {
        if (armedAt === undefined || seen !== undefined || line.seenAt < armedAt) return;
        seen = line;
        for (const off of offs) off();
      }),
    );
  return {
    arm: () => {
      armedAt ??= Date.now();
    },
    fired: () => seen,
  };
}
