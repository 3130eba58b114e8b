/**
 * `zkcheck check`'s flags: what `--consistency`, `--claims` and `--method` accept, the parsed flags,
 * and the checks of values and combinations commander cannot make (bad ones: UsageError, 254).
 */
import { MAX_EDN_DEPTH, parseEdnValue } from '../../checker/history/edn.js';
import { parseExactJson } from '../../checker/history/exact-json.js';
import type { FORMATS } from '../../checker/history/read.js';
import { MODELS } from '../../checker/models/index.js';
import { resolveModel } from '../../checker/linearizable/check.js';
import type { ClaimName } from '../../checker/consistency/types.js';
import { UsageError } from './exit.js';

/** What `--consistency` checks: the old linearizability verdict, or a list of claims (all: every one). */
export const CONSISTENCY = Object.freeze({
  linearizable: undefined,
  sequential: ['sequential'],
  zookeeper: ['zookeeper'],
  all: 'all',
} satisfies Record<string, readonly ClaimName[] | 'all' | undefined>);
export type Consistency = keyof typeof CONSISTENCY;

/**
 * What `--claims` checks instead of a model: a workload's claims, by name (the register's are
 * `--model zk-versioned-register --consistency all`).
 */
export const CLAIM_SETS = ['queue', 'lock', 'election', 'ephemeral', 'ids', 'set'] as const;

/**
 * How `--method` decides plain linearizability: auto (the version graph where the model reports
 * versions and the graph can decide, else the search), graph (the graph alone: where it cannot
 * decide, unknown) or search (the search alone, even where the graph could decide).
 */
export const METHODS = ['auto', 'graph', 'search'] as const;
export type Method = (typeof METHODS)[number];

export interface CheckFlags {
  model?: string;
  claims?: (typeof CLAIM_SETS)[number];
  drained?: boolean;
  format?: (typeof FORMATS)[number];
  independent?: boolean;
  init?: string;
  timeLimit?: number;
  json?: boolean;
  consistency: Consistency;
  method: Method;
  shrink?: boolean;
  /** Also write the history checked as Jepsen EDN to this file (check-write-edn.ts). */
  writeEdn?: string;
}

export function parsePositiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--time-limit: expected a positive number of seconds, got "${text}"`);
  return value;
}

export function parseInit(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return parseExactJson(text, MAX_EDN_DEPTH);
  } catch {
    try {
      return parseEdnValue(text);
    } catch (error) {
      throw new UsageError(`--init: "${text}" is neither JSON nor EDN (${(error as Error).message})`);
    }
  }
}

/** The combinations of flags commander's conflicts cannot refuse. */
export function checkFlagCombinations(flags: CheckFlags): void {
  if (flags.model === undefined && flags.claims === undefined)
    throw new UsageError(
      "required option '-m, --model <name>' not specified (or --claims <workload>, for a workload's history)",
    );
  if (flags.drained && flags.claims !== 'queue') throw new UsageError('--drained goes with --claims queue');
  if (flags.method !== 'auto' && flags.consistency !== 'linearizable')
    throw new UsageError(
      `--method ${flags.method} goes with plain linearizability (--consistency linearizable); --consistency ${flags.consistency} picks the method claim by claim`,
    );
  if (flags.method === 'graph' && flags.model !== undefined) {
    const graphable = graphModels();
    if (!graphable.includes(flags.model))
      throw new UsageError(
        `--method graph: model ${flags.model} reports no versions to order a graph by (models that do: ${graphable.join(', ')}); use --method search`,
      );
  }
}

/** The models the graph method can decide (for the error that names them). */
function graphModels(): string[] {
  return Object.keys(MODELS).filter((name) => {
    try {
      return resolveModel({ name }).versionGraph !== undefined;
    } catch {
      return false;
    }
  });
}
