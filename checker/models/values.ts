/**
 * Value helpers shared by the models: structural equality through a canonical encoding, interning
 * values as small integers (so states and hashes are numbers or short strings), and short
 * renderings for messages.
 */
import { stringifyExactJson } from '../history/exact-json.js';
import type { Operation } from '../history/types.js';
import { ModelError, type ModelOptions } from './model.js';

/**
 * One representation for each integer value: readers give integers beyond ±(2^53 − 1) as bigints
 * and the others as numbers, but a history built in code may hold 5n, or a double such as 2^60.
 * Equal integers must be the same value to a model (5 and 5n; the double 2^60 and 2^60 as a
 * bigint), and different ones must not (2^53 and 2^53 + 1), so: safe integers as numbers, every
 * other integer as a bigint of its exact value. Anything else is returned as it is.
 */
export function normalizeInteger(value: unknown): unknown {
  if (typeof value === 'number') {
    const unsafe = value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER;
    // Every finite double this large is an integer.
    return unsafe && Number.isFinite(value) ? BigInt(value) : value;
  }
  if (typeof value === 'bigint' && value >= MIN_SAFE && value <= MAX_SAFE) return Number(value);
  return value;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A string equal for structurally equal values: object keys sorted, arrays in order. Numbers and
 * strings never collide (strings are JSON-quoted). An integer is its exact decimal digits whether
 * it is a number or a bigint (see normalizeInteger): 5 and 5n are one value.
 */
export function canonicalKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (Object.is(value, -0)) return '0';
      return Number.isSafeInteger(value) ? String(value) : String(normalizeInteger(value));
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalKey(record[key])}`).join(',')}}`;
    }
    default:
      return `<${typeof value}>`;
  }
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || canonicalKey(a) === canonicalKey(b);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Interns values as dense integer ids: structurally equal values get the same id. One table per
 * model instance, so a state holding ids is a number or an array of numbers.
 */
export class ValueTable {
  private readonly primitives = new Map<unknown, number>();
  private readonly composites = new Map<string, number>();
  private readonly values: unknown[] = [];

  /** The id of `value`, assigning a new one if it was never seen. */
  id(value: unknown): number {
    const found = this.find(value);
    if (found >= 0) return found;
    const id = this.values.length;
    this.values.push(value);
    if (typeof value === 'object' && value !== null) this.composites.set(canonicalKey(value), id);
    else this.primitives.set(normalizeInteger(value), id);
    return id;
  }

  /** The id of `value`, or -1 if no state ever held it (lookups never grow the table). */
  find(value: unknown): number {
    if (typeof value === 'object' && value !== null) return this.composites.get(canonicalKey(value)) ?? -1;
    // Map keys use SameValueZero: NaN finds NaN, -0 finds 0, and a bigint finds an equal bigint.
    return this.primitives.get(normalizeInteger(value)) ?? -1;
  }

  value(id: number): unknown {
    return this.values[id];
  }
}

const isNumeric = (value: unknown): value is number | bigint =>
  typeof value === 'number' || typeof value === 'bigint';

/** Elements of an unordered collection in a stable order for display: numbers (and bigints) by value, others by canonical key. */
export function displayOrder(elements: unknown[]): unknown[] {
  const rank = (value: unknown) => (isNumeric(value) ? 0 : 1);
  return [...elements].sort((a, b) => {
    // `<` compares a number with a bigint exactly; subtraction would throw.
    if (isNumeric(a) && isNumeric(b)) return a < b ? -1 : a > b ? 1 : 0;
    const byType = rank(a) - rank(b);
    if (byType !== 0) return byType;
    const [ka, kb] = [canonicalKey(a), canonicalKey(b)];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** A short rendering for messages: JSON (bigints as their exact digits), cut at `max` characters. */
export function render(value: unknown, max = 60): string {
  let text: string;
  if (value === undefined) text = 'undefined';
  else {
    try {
      text = stringifyExactJson(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The output an ok op reports; undefined when the outcome is unknown (info) or not recorded. */
export function knownOutput(op: Operation): unknown {
  return op.status === 'info' ? undefined : op.output;
}

/** The error for an op whose `f` the model does not have. */
export function unsupported(model: string, op: Operation, fs: readonly string[]): ModelError {
  return new ModelError(
    `model ${model} has no operation "${op.f}" (op ${op.invokeIndex}); it knows ${fs.join(', ')}`,
  );
}

/** The error for an op whose value the model cannot read. */
export function malformed(model: string, op: Operation, problem: string): ModelError {
  return new ModelError(`model ${model}: ${op.f} (op ${op.invokeIndex}) ${problem}`);
}

/** Resolves `nullRead` (see ModelOptions): absent when the model starts absent. */
export function nullReadMode(options: ModelOptions, startsAbsent: boolean): 'absent' | 'unknown' {
  const mode = options.nullRead ?? (startsAbsent ? 'absent' : 'unknown');
  if (mode !== 'absent' && mode !== 'unknown') {
    throw new ModelError(`nullRead must be "absent" or "unknown", got ${render(mode)}`);
  }
  return mode;
}

/** The initial elements of a collection model (queues, set): a list, or nothing for empty. */
export function initArray(model: string, init: unknown): unknown[] {
  if (init === undefined || init === null) return [];
  if (!Array.isArray(init))
    throw new ModelError(`model ${model}: init must be a list of elements, got ${render(init)}`);
  return init;
}
