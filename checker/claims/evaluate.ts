/**
 * evaluateClaims: a declaration (a list of ClaimSpec) against one history, claim by claim. The
 * run, `zkcheck analyze` and `zkcheck check` all come through here, so a stored run re-checked
 * gets exactly the verdicts it was reported with.
 *
 * ZooKeeper's consistency claims over the same model are evaluated together by checkClaims, which
 * shares their subsets and version analyses. One deadline covers every claim of the declaration.
 * Unpromised claims that break get the "allowed" note (or "a promised claim is broken too").
 */
import type { Operation } from '../history/types.js';
import type { ModelSpec } from '../linearizable/types.js';
import { annotate, checkClaims } from '../consistency/claims.js';
import { CLAIM_TITLES, PROMISED, type ClaimName } from '../consistency/types.js';
import { lockClaims } from './lock.js';
import { electionClaims } from './election.js';
import { ephemeralClaims } from './ephemeral.js';
import { setTotal } from './set-total.js';
import { queueTotal } from './queue-total.js';
import { queueFifo } from './queue-fifo.js';
import { queueLinearizable } from './queue-linearizable.js';
import { uniqueIds } from './ids.js';
import { counterLinearizable } from './counter.js';
import { durability } from './durability.js';
import {
  ClaimSpecError,
  type ClaimChecker,
  type ClaimLimits,
  type ClaimResult,
  type ClaimSpec,
} from './types.js';

/** The claim checkers a declaration may name. `consistency` is evaluated by checkClaims. */
export const CLAIM_CHECKERS: Readonly<Record<string, ClaimChecker | 'consistency'>> = Object.freeze({
  consistency: 'consistency',
  'set-total': setTotal,
  'queue-total': queueTotal,
  'queue-fifo': queueFifo,
  'queue-linearizable': queueLinearizable,
  'unique-ids': uniqueIds,
  'counter-linearizable': counterLinearizable,
  lock: lockClaims,
  election: electionClaims,
  ephemeral: ephemeralClaims,
  durability,
});

export interface EvaluateOptions {
  /** Budget for every claim together, in ms. */
  timeLimitMs?: number;
  maxMemoryBytes?: number;
}

/**
 * ZooKeeper's consistency claims over `model`, as a declaration: by default all five, the ones
 * ZooKeeper promises and the two it does not.
 */
export function consistencyClaims(
  model: ModelSpec,
  names: readonly ClaimName[] = ALL_CONSISTENCY_CLAIMS,
): ClaimSpec[] {
  return names.map((name) => ({
    name,
    title: CLAIM_TITLES[name],
    promised: PROMISED.has(name),
    checker: 'consistency',
    options: { model, claim: name },
  }));
}

export const ALL_CONSISTENCY_CLAIMS: readonly ClaimName[] = Object.freeze(
  Object.keys(CLAIM_TITLES) as ClaimName[],
);

/** Throws ClaimSpecError naming the first problem of a declaration (e.g. read from test.json). */
export function validateClaimSpecs(specs: unknown): asserts specs is ClaimSpec[] {
  if (!Array.isArray(specs) || specs.length === 0)
    throw new ClaimSpecError('a declaration must list at least one claim');
  const names = new Set<string>();
  for (const spec of specs as Partial<ClaimSpec>[]) {
    if (
      typeof spec !== 'object' ||
      spec === null ||
      typeof spec.name !== 'string' ||
      !/^[A-Za-z0-9._-]+$/.test(spec.name)
    )
      throw new ClaimSpecError(
        `a claim needs a name of letters, digits, '.', '_' and '-': ${JSON.stringify(spec)}`,
      );
    if (names.has(spec.name)) throw new ClaimSpecError(`claim "${spec.name}" is declared twice`);
    names.add(spec.name);
    if (typeof spec.title !== 'string' || typeof spec.promised !== 'boolean')
      throw new ClaimSpecError(`claim "${spec.name}" needs a title and promised: true or false`);
    if (typeof spec.checker !== 'string' || !Object.hasOwn(CLAIM_CHECKERS, spec.checker))
      throw new ClaimSpecError(
        `claim "${spec.name}": unknown checker ${JSON.stringify(spec.checker)} (checkers: ${Object.keys(CLAIM_CHECKERS).join(', ')})`,
      );
    if (spec.checker === 'consistency') consistencyOptions(spec as ClaimSpec);
  }
}

export async function evaluateClaims(
  ops: Operation[],
  specs: readonly ClaimSpec[],
  options: EvaluateOptions = {},
): Promise<ClaimResult[]> {
  validateClaimSpecs(specs);
  const limits: ClaimLimits = {
    deadline: options.timeLimitMs === undefined ? undefined : performance.now() + options.timeLimitMs,
    maxMemoryBytes: options.maxMemoryBytes,
  };
  const results = new Map<string, ClaimResult>();
  for (const group of consistencyGroups(specs)) {
    const checked = await checkClaims(ops, group.model, { claims: group.claims, ...limits });
    checked.forEach((result, i) => results.set(group.specs[i].name, result));
  }
  for (const spec of specs) {
    if (spec.checker === 'consistency') continue;
    const started = performance.now();
    const checker = CLAIM_CHECKERS[spec.checker] as ClaimChecker;
    const outcome = await Promise.resolve()
      .then(() => checker(ops, spec.options ?? {}, limits))
      .catch((error: unknown) => {
        if (error instanceof ClaimSpecError) throw error;
        return {
          valid: 'unknown' as const,
          cause: `checker error: ${(error as Error).message}`,
          method: spec.checker,
        };
      });
    results.set(spec.name, {
      ...outcome,
      claim: spec.name,
      title: spec.title,
      promised: spec.promised,
      ms: performance.now() - started,
    });
  }
  // In declaration order, with the declaration's words and promises.
  return annotate(
    specs.map((spec) => ({
      ...results.get(spec.name)!,
      claim: spec.name,
      title: spec.title,
      promised: spec.promised,
    })),
  );
}

// In operations.ts, so that `zkcheck check` asks it without loading every claim.
export { nothingChecked } from '../history/operations.js';

interface ConsistencyGroup {
  model: ModelSpec;
  claims: ClaimName[];
  specs: ClaimSpec[];
}

/** Consistency claims over the same model, so checkClaims shares its work among them. */
function consistencyGroups(specs: readonly ClaimSpec[]): ConsistencyGroup[] {
  const groups = new Map<string, ConsistencyGroup>();
  for (const spec of specs) {
    if (spec.checker !== 'consistency') continue;
    const { model, claim } = consistencyOptions(spec);
    const id = JSON.stringify(model);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { model, claims: [], specs: [] }));
    group.claims.push(claim);
    group.specs.push(spec);
  }
  return [...groups.values()];
}

function consistencyOptions(spec: ClaimSpec): { model: ModelSpec; claim: ClaimName } {
  const model = spec.options?.model as ModelSpec | undefined;
  const claim = spec.options?.claim as ClaimName | undefined;
  if (typeof model?.name !== 'string')
    throw new ClaimSpecError(`claim "${spec.name}": options.model must name a model`);
  if (typeof claim !== 'string' || !Object.hasOwn(CLAIM_TITLES, claim))
    throw new ClaimSpecError(
      `claim "${spec.name}": options.claim must be one of ${Object.keys(CLAIM_TITLES).join(', ')}, got ${JSON.stringify(claim)}`,
    );
  return { model, claim };
}
