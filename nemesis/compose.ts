/**
 * Composing fault families (Jepsen's nemesis/combined), in one of three shapes:
 *
 *   serial   one episode at a time on the nemesis thread, each from a family drawn from the
 *            seeded RNG (the default);
 *   storm    every family at once, each its own seeded run of quiet gaps and faults, so faults
 *            of different families overlap (schedule.ts);
 *   script   the config's `nemesisSchedule` steps, at their times or on their sync phases.
 *
 * Every shape ends with the final generator that heals every family. An op goes to the package
 * that performs it. Families may share op names (partition, partition-leader and
 * partition-follower all isolate and heal; kill, sync-kill and disk all start): when a run
 * composes two packages that share one, every op of those packages is family-qualified —
 * `partition-leader:isolate` — in the schedule and so in the history; a storm and a script
 * qualify every op (they may run one family several times at once, so each op also carries the
 * instance it belongs to). A run of families that share nothing keeps the bare names.
 */
import type { Ensemble } from '../harness/cluster/types.js';
import { map } from '../harness/generator/combinators.js';
import { fork, nextInt } from '../harness/generator/rng.js';
import { NS_PER_SECOND } from '../harness/generator/time.js';
import type { Context, Gen, GenOp, OpSpec } from '../harness/generator/types.js';
import {
  NemesisError,
  type Nemesis,
  type NemesisEntry,
  type NemesisOptions,
  type NemesisPackage,
  type NemesisPlan,
  type PluginSettings,
  type RunFacts,
} from '../harness/runner/spec.js';
import {
  aimAt,
  episodeOps,
  stepSettings,
  stormSpans,
  timeline,
  watchPhase,
  type PhaseWatch,
  type ScheduleStep,
  type TimedOp,
} from './schedule.js';

export const NEMESIS_MODES = ['serial', 'storm'] as const;
export type NemesisMode = (typeof NEMESIS_MODES)[number];

export interface ComposeOptions {
  intervalSeconds: number;
  durationSeconds: number;
  /** Settings by key (each family reads its own). */
  settings: PluginSettings;
  /** serial (default) or storm; ignored with a schedule. */
  mode?: NemesisMode;
  /** Scripted steps (schedule.ts parseSchedule): they replace the random episodes. */
  schedule?: readonly ScheduleStep[];
  /** How long the run's main phase lasts: a storm is planned that far. */
  timeLimitSeconds?: number;
  /** The ensemble's size: given, every family is checked against it before anything starts. */
  nodes?: number;
  /** What the run asked for of its ensemble, for the families' checks. */
  run?: RunFacts;
}

/** The faults of a run before the ensemble exists: `build` binds them to it. */
export function nemesisPlan(entries: readonly NemesisEntry[], options: ComposeOptions): NemesisPlan {
  if (options.nodes !== undefined) checkNemeses(entries, options);
  const bind = (ensemble: Ensemble, entry: NemesisEntry, extra: Partial<NemesisOptions> = {}) =>
    entry.create({
      intervalSeconds: options.intervalSeconds,
      durationSeconds: options.durationSeconds,
      settings: options.settings,
      ensemble,
      ...extra,
    } satisfies NemesisOptions);
  return {
    names: entries.map((entry) => entry.name),
    build: (ensemble: Ensemble) => {
      if (options.schedule !== undefined && options.schedule.length > 0)
        return scriptNemesis(ensemble, entries, options.schedule, options, bind);
      if (options.mode === 'storm')
        return stormNemesis(
          entries.map((entry) => bind(ensemble, entry)),
          options,
        );
      return composeNemesis(entries.map((entry) => bind(ensemble, entry)));
    },
  };
}

// --- checks before the run -------------------------------------------------------------------------

/**
 * Every family's own check (`validate`), then a dry build against an ensemble of `nodes` that
 * exists only as its size: a family that refuses its settings there (a grudge naming node 7 of
 * 3) throws NemesisError now, not minutes later. Scripted steps are built with their own
 * settings too. Anything else a dry build trips over is left for the real one.
 */
export function checkNemeses(entries: readonly NemesisEntry[], options: ComposeOptions): void {
  const nodes = options.nodes ?? 3;
  const dry = (entry: NemesisEntry, settings: PluginSettings, what: string) => {
    const problem = entry.validate?.(settings, nodes, options.run);
    if (problem !== undefined) throw new NemesisError(`${what}: ${problem}`);
    try {
      entry.create({
        ensemble: sizedOnly(nodes),
        intervalSeconds: options.intervalSeconds,
        durationSeconds: options.durationSeconds,
        settings,
      });
    } catch (error) {
      if (error instanceof NemesisError) {
        throw what === `--nemesis ${entry.name}` ? error : new NemesisError(`${what}: ${error.message}`);
      }
    }
  };
  if (options.schedule !== undefined && options.schedule.length > 0) {
    for (const step of options.schedule) {
      const entry = entries.find((e) => e.name === step.fault);
      if (!entry)
        throw new NemesisError(`nemesisSchedule step ${step.index}: fault: ${step.fault} is not in this run`);
      dry(
        entry,
        { ...options.settings, ...stepSettings(entry, step.targets, nodes) },
        `nemesisSchedule step ${step.index} (${step.fault})`,
      );
    }
    return;
  }
  for (const entry of entries) dry(entry, options.settings, `--nemesis ${entry.name}`);
}

class DryBuild extends Error {}

/** An ensemble that has only a size: any other use throws (and the dry build is let go). */
function sizedOnly(size: number): Ensemble {
  const nodes = Array.from({ length: size }, (_, i) => ({ id: i + 1 }));
  return new Proxy({} as Ensemble, {
    get: (_, prop) => {
      if (prop === 'nodes') return nodes;
      throw new DryBuild(`a dry build used ensemble.${String(prop)}`);
    },
  });
}

// --- routing -----------------------------------------------------------------------------------------

/** One package of a composed nemesis, and how its ops are named in the schedule. */
interface Instance {
  key: string;
  pkg: NemesisPackage;
  /** Whether its ops are family-qualified (`family:f`). */
  qualified: boolean;
}

/** Names an instance's schedule ops: qualified when needed, tagged with the instance. */
function named(instance: Instance, gen: Gen): Gen {
  if (gen == null) return gen;
  return map((op) => (op.type === 'invoke' ? { ...op, ...nameOp(instance, op) } : op), gen);
}

function nameOp(instance: Instance, spec: OpSpec): OpSpec {
  return {
    ...spec,
    f: instance.qualified ? `${instance.pkg.name}:${spec.f}` : spec.f,
    nemesisInstance: instance.key,
  };
}

/**
 * The composed nemesis: `generator` and `finalGenerator` already named; invoke routes each op to
 * its instance (by the tag the schedule gave it, else by its name) with the op's bare name.
 */
function routed(instances: readonly Instance[], generator: Gen): Nemesis {
  const byKey = new Map(instances.map((i) => [i.key, i]));
  const byF = new Map<string, Instance>();
  for (const instance of instances)
    for (const f of instance.pkg.fs) {
      const name = instance.qualified ? `${instance.pkg.name}:${f}` : f;
      if (!byF.has(name)) byF.set(name, instance);
    }
  const instanceOf = (op: GenOp): Instance | undefined =>
    (typeof op.nemesisInstance === 'string' ? byKey.get(op.nemesisInstance) : undefined) ?? byF.get(op.f);
  return {
    generator: instances.length === 0 ? null : generator,
    finalGenerator: instances.length === 0 ? null : instances.map((i) => named(i, i.pkg.finalGenerator)),
    invoke: async (op) => {
      const instance = instanceOf(op);
      if (!instance)
        return { type: 'fail', error: { name: 'UNSUPPORTED', message: `no nemesis performs "${op.f}"` } };
      const bare = instance.qualified ? op.f.slice(instance.pkg.name.length + 1) : op.f;
      const completion = await instance.pkg.invoke(bare === op.f ? op : { ...op, f: bare });
      return typeof op.phaseStep === 'object' ? withPhaseDelay(op, completion) : completion;
    },
    active: () => instances.flatMap((i) => i.pkg.active()),
  };
}

/**
 * An `on` step's start: what fired it, and how long after the line's own time the fault had
 * landed (when the fault says, e.g. a kill's signal; else when its op completed).
 */
function withPhaseDelay(op: GenOp, completion: Awaited<ReturnType<Nemesis['invoke']>>) {
  const phase = (op.value as { phase?: { loggedAt?: number; seenAt: number } } | null)?.phase;
  if (completion.type !== 'ok' || phase === undefined) return completion;
  const value: { landedAt?: unknown } =
    typeof completion.value === 'object' && completion.value !== null ? completion.value : {};
  const landedAt = typeof value.landedAt === 'number' ? value.landedAt : Date.now();
  return {
    ...completion,
    value: {
      ...value,
      phase: { ...(op.phaseStep as object), ...phase },
      delayMs: landedAt - (phase.loggedAt ?? phase.seenAt),
    },
  };
}

/** Serial: one episode at a time, each from a family drawn from the seeded RNG. */
export function composeNemesis(packages: readonly NemesisPackage[]): Nemesis {
  const claims = new Map<string, number>();
  for (const pkg of packages) for (const f of new Set(pkg.fs)) claims.set(f, (claims.get(f) ?? 0) + 1);
  const instances: Instance[] = packages.map((pkg, i) => ({
    key: `${pkg.name}#${i}`,
    pkg,
    qualified: pkg.fs.some((f) => (claims.get(f) ?? 0) > 1),
  }));
  return routed(instances, (ctx: Context) => {
    const instance = instances[nextInt(fork(ctx.rng, 2), instances.length)[0]];
    return named(instance, instance.pkg.episode(ctx));
  });
}

/** Storm: every family its own seeded run of faults, overlapping, until the time limit. */
function stormNemesis(packages: readonly NemesisPackage[], options: ComposeOptions): Nemesis {
  const instances: Instance[] = packages.map((pkg, i) => ({ key: `${pkg.name}#${i}`, pkg, qualified: true }));
  const horizonNs = (options.timeLimitSeconds ?? 3600) * NS_PER_SECOND;
  return routed(
    instances,
    timeline(`nemesis storm: ${packages.map((p) => p.name).join(', ')} overlapping`, (ctx) => {
      const events: TimedOp[] = [];
      instances.forEach((instance, i) => {
        const rng = fork(ctx.rng, 1000 + i);
        const spans = stormSpans(rng, options.intervalSeconds, options.durationSeconds, horizonNs);
        spans.forEach((span, n) => {
          const { start, stop } = episodeOps(instance.pkg, ctx, fork(rng, n + 1));
          events.push({ atNs: span.startNs, spec: nameOp(instance, start) });
          if (stop) events.push({ atNs: span.stopNs, spec: nameOp(instance, stop) });
        });
      });
      return { events, phases: [] };
    }),
  );
}

/** Script: each step its own instance of its family, at its time or when its phase fires. */
function scriptNemesis(
  ensemble: Ensemble,
  entries: readonly NemesisEntry[],
  steps: readonly ScheduleStep[],
  options: ComposeOptions,
  bind: (ensemble: Ensemble, entry: NemesisEntry, extra?: Partial<NemesisOptions>) => NemesisPackage,
): Nemesis {
  const nodes = ensemble.nodes.length;
  const instances: Instance[] = steps.map((step) => {
    const entry = entries.find((e) => e.name === step.fault);
    if (!entry)
      throw new NemesisError(`nemesisSchedule step ${step.index}: fault: ${step.fault} is not in this run`);
    const pkg = bind(ensemble, entry, {
      intervalSeconds: 0,
      durationSeconds: step.for,
      settings: { ...options.settings, ...stepSettings(entry, step.targets, nodes) },
    });
    return { key: `step${step.index}`, pkg, qualified: true };
  });
  // Phase watches start now, before the run's first op; each counts lines from its `at` on.
  const triggers = new Map(
    steps.flatMap((step) =>
      step.kind === 'phase' ? [[step.index, watchPhase(ensemble, step)] as const] : [],
    ),
  );
  const describe = steps
    .map((s) =>
      s.kind === 'timed'
        ? `${s.fault}@${s.at}s`
        : `${s.fault} ${s.after > 0 ? `${s.after}s after` : 'on'} ${s.on} of node ${s.node}`,
    )
    .join(', ');
  return routed(
    instances,
    timeline(`nemesis schedule: ${describe}`, (ctx) => {
      const events: TimedOp[] = [];
      const phases: PhaseWatch[] = [];
      steps.forEach((step, i) => {
        const instance = instances[i];
        const { start, stop } = episodeOps(instance.pkg, ctx, fork(ctx.rng, 2000 + step.index));
        const aimed = nameOp(instance, aimAt(start, step.targets, nodes));
        const stopOp = stop === undefined ? undefined : nameOp(instance, stop);
        const atNs = Math.round(step.at * NS_PER_SECOND);
        const forNs = Math.round(step.for * NS_PER_SECOND);
        if (step.kind === 'timed') {
          events.push({ atNs, spec: aimed });
          if (stopOp) events.push({ atNs: atNs + forNs, spec: stopOp });
        } else {
          phases.push({
            armNs: atNs,
            start: {
              ...aimed,
              phaseStep: { on: step.on, node: step.node, ...(step.after > 0 ? { after: step.after } : {}) },
            },
            stop: stopOp ?? { type: 'log', f: 'log', value: `step ${step.index} has no stop` },
            forNs,
            afterMs: Math.round(step.after * 1000),
            watch: triggers.get(step.index)!,
          });
        }
      });
      return { events, phases };
    }),
  );
}
