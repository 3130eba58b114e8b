/**
 * Writers: zkcheck's JSON Lines and Jepsen's EDN. Reading what they write gives back an equal
 * history (values must be JSON-compatible: null, booleans, numbers, strings, arrays, objects;
 * and bigints, the readers' integers beyond ±(2^53 − 1), written as exact integers in both).
 * An op's `sourceIndex`, when present, is written as its index, as the input had it.
 */
import { stringifyExactJson } from './exact-json.js';
import { HistoryError, type History, type Op } from './types.js';

const FIELD_ORDER = ['index', 'time', 'process', 'type', 'f', 'key', 'value', 'error'] as const;
const ORDERED = new Set<string>([...FIELD_ORDER, 'sourceIndex']);

/**
 * One JSON object per line, fields in the documented order, each line ending in a newline.
 * Bigints are written as integer literals, and doubles beyond ±(2^53 − 1) with a `.0`, so that
 * each reads back as what it was (see stringifyExactJson).
 */
export function writeJsonl(history: History): string {
  let out = '';
  for (const op of history) out += `${stringifyExactJson(orderedRecord(op))}\n`;
  return out;
}

function orderedRecord(op: Op): Record<string, unknown> {
  const record: Record<string, unknown> = { index: op.sourceIndex ?? op.index };
  for (const name of FIELD_ORDER) {
    if (name !== 'index' && op[name] !== undefined) record[name] = op[name];
  }
  if (record.value === undefined) record.value = null;
  for (const k of Object.keys(op)) {
    if (!ORDERED.has(k)) defineField(record, k, op[k]);
  }
  return record;
}

function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export interface EdnWriteOptions {
  /** Write keys the way Jepsen's independent checker does: value `[key value]`, no `:key`. */
  independent?: boolean;
}

/**
 * A Jepsen EDN history: a vector of op maps, one per line, with `:type` and `:f` as keywords,
 * `:process` an integer or `:nemesis`, and `:time` left out when unknown (-1).
 */
export function writeEdn(history: History, opts: EdnWriteOptions = {}): string {
  if (history.length === 0) return '[]\n';
  const parts: string[] = [];
  for (const op of history) parts.push(opToEdn(op, opts.independent === true));
  return `[${parts.join('\n ')}]\n`;
}

function opToEdn(op: Op, independent: boolean): string {
  const fields: string[] = [];
  fields.push(`:index ${ednValue(op.sourceIndex ?? op.index)}`);
  if (op.time !== -1) fields.push(`:time ${ednValue(op.time)}`);
  fields.push(`:process ${op.process === 'nemesis' ? ':nemesis' : ednValue(op.process)}`);
  fields.push(`:type ${ednName(op.type)}`);
  fields.push(`:f ${ednName(op.f)}`);
  const tupled = independent && op.key !== undefined && op.process !== 'nemesis';
  if (op.key !== undefined && !tupled) fields.push(`:key ${ednValue(op.key)}`);
  fields.push(`:value ${tupled ? `[${ednValue(op.key)} ${ednValue(op.value)}]` : ednValue(op.value)}`);
  if (op.error !== undefined) fields.push(`:error ${ednValue(op.error)}`);
  for (const k of Object.keys(op)) {
    if (!ORDERED.has(k)) fields.push(`${ednMapKey(k)} ${ednValue(op[k])}`);
  }
  return `{${fields.join(', ')}}`;
}

/** Names that read back as themselves when written as a keyword. */
const KEYWORD_NAME = /^[A-Za-z*!_?<>=][\w*+!?<>=.-]*(?:\/[A-Za-z*!_?<>=][\w*+!?<>=.-]*)?$/;

/** A name (type, f) as a keyword when it can be one, else as a string; both read back the same. */
function ednName(name: string): string {
  return KEYWORD_NAME.test(name) && name !== 'nil' && name !== 'true' && name !== 'false'
    ? `:${name}`
    : ednString(name);
}

function ednMapKey(key: string): string {
  return KEYWORD_NAME.test(key) ? `:${key}` : ednString(key);
}

function ednString(s: string): string {
  // JSON string syntax is valid EDN string syntax for everything JSON.stringify emits.
  return JSON.stringify(s);
}

/** Any JSON-compatible value as EDN. */
export function ednValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return ednString(value);
    case 'number':
      return ednNumber(value);
    case 'bigint':
      return `${value}N`;
    case 'object': {
      if (value === null) return 'nil';
      if (Array.isArray(value)) return `[${value.map(ednValue).join(' ')}]`;
      const entries = Object.keys(value).map(
        (k) => `${ednMapKey(k)} ${ednValue((value as Record<string, unknown>)[k])}`,
      );
      return `{${entries.join(', ')}}`;
    }
    default:
      throw new HistoryError(`cannot write a ${typeof value} as EDN`);
  }
}

function ednNumber(n: number): string {
  if (Number.isNaN(n)) return '##NaN';
  if (n === Infinity) return '##Inf';
  if (n === -Infinity) return '##-Inf';
  if (Object.is(n, -0)) return '-0.0';
  const text = String(n);
  // An integer literal this large reads back as a bigint: write the double as a float instead.
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && !/[.e]/.test(text)) return `${text}.0`;
  return text;
}
