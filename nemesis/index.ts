/**
 * `--nemesis none | partition | kill | pause | a,b,...`: the packages a run composes. The composed
 * schedule runs one episode at a time on the nemesis thread, each from a package drawn from the
 * seeded RNG; the composed final generator heals every family, in order.
 */
import { fork, nextInt } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import { NEMESIS_NAMES, nemesisPackage } from './packages.js';
import { NemesisError, type NemesisOptions, type NemesisPackage } from './types.js';

export { NEMESIS_NAMES };

export interface ComposedNemesis {
  readonly names: readonly string[];
  /** Fault episodes forever (the runner's time limit ends them); null with no packages. */
  readonly generator: Gen;
  /** Heals every fault the packages can cause. */
  readonly finalGenerator: Gen;
  invoke(op: GenOp): Promise<Completion>;
  active(): string[];
}

/** Parses `none` or a comma-separated list of package names. */
export function parseNemesisNames(text: string): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'none');
  for (const name of names) {
    if (!NEMESIS_NAMES.includes(name)) {
      throw new NemesisError(
        `unknown nemesis "${name}": use none or a comma-separated list of ${NEMESIS_NAMES.join(', ')}`,
      );
    }
  }
  return [...new Set(names)];
}

export function composeNemesis(names: readonly string[], options: NemesisOptions): ComposedNemesis {
  const packages = names.map((name) => nemesisPackage(name, options));
  const owner = new Map<string, NemesisPackage>();
  for (const pkg of packages) for (const f of pkg.fs) owner.set(f, pkg);
  return {
    names,
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
