/**
 * Composing fault families (Jepsen's nemesis/combined): the schedule runs one episode at a time
 * on the nemesis thread, each from a family drawn from the seeded RNG; the composed final
 * generator heals every family, in order; an op goes to the family that performs its f.
 */
import type { Ensemble } from '../harness/cluster/types.js';
import { fork, nextInt } from '../harness/generator/rng.js';
import type { Context } from '../harness/generator/types.js';
import type {
  Nemesis,
  NemesisEntry,
  NemesisOptions,
  NemesisPackage,
  NemesisPlan,
  PluginSettings,
} from '../harness/runner/spec.js';

export interface ComposeOptions {
  intervalSeconds: number;
  durationSeconds: number;
  /** Settings by key (each family reads its own). */
  settings: PluginSettings;
}

/** The faults of a run before the ensemble exists: `build` binds them to it. */
export function nemesisPlan(entries: readonly NemesisEntry[], options: ComposeOptions): NemesisPlan {
  return {
    names: entries.map((entry) => entry.name),
    build: (ensemble: Ensemble) =>
      composeNemesis(entries.map((entry) => entry.create({ ...options, ensemble } satisfies NemesisOptions))),
  };
}

export function composeNemesis(packages: readonly NemesisPackage[]): Nemesis {
  const owner = new Map<string, NemesisPackage>();
  for (const pkg of packages) for (const f of pkg.fs) owner.set(f, pkg);
  return {
    generator:
      packages.length === 0
        ? null
        : (ctx: Context) => packages[nextInt(fork(ctx.rng, 2), packages.length)[0]].episode(ctx),
    finalGenerator: packages.length === 0 ? null : packages.map((pkg) => pkg.finalGenerator),
    invoke: (op) =>
      owner.get(op.f)?.invoke(op) ??
      Promise.resolve({
        type: 'fail',
        error: { name: 'UNSUPPORTED', message: `no nemesis performs "${op.f}"` },
      }),
    active: () => packages.flatMap((pkg) => pkg.active()),
  };
}
