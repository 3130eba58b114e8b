/**
 * Turning one decoded record (a JSON object, an EDN map) into an {@link Op}, with the field
 * checks every reader shares. Messages name fields the way the input spells them (`"type"` in
 * JSON, `:type` in EDN).
 */
import { stringifyExactJson } from './exact-json.js';
import { HistoryError, type Key, type Op, type OpType, type Process } from './types.js';

export type FieldStyle = 'json' | 'edn';

/** A short rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = stringifyExactJson(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Text from the input made safe for a one-line message: cut to `max` characters, control
 * characters (newlines included) escaped as in JSON.
 */
export function printable(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  let out = '';
  for (const ch of cut) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 ? JSON.stringify(ch).slice(1, -1) : ch;
  }
  return out;
}

function fieldName(name: string, style: FieldStyle): string {
  return style === 'edn' ? `:${name}` : `"${name}"`;
}

export function isKey(value: unknown): value is Key {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

export function isProcess(value: unknown): value is Process {
  return value === 'nemesis' || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}

export function isOpType(value: unknown): value is OpType {
  return value === 'invoke' || value === 'ok' || value === 'fail' || value === 'info';
}

/**
 * Turns a freshly decoded record (owned by the caller, not shared) into the op at `position`,
 * in place: allocating a second object per op costs a third of the read time on large
 * histories. `index` becomes the position (histories are dense); a different `index` in the
 * input is kept as `sourceIndex`. Missing (or nil) `time` becomes -1, missing `value` null, a nil
 * `key` no key.
 */
export function opFromRecord(
  record: Record<string, unknown>,
  position: number,
  style: FieldStyle,
  file: string,
  line: number,
): Op {
  const { process, type, f, time, index, key } = record;
  if (typeof type !== 'string' || !isOpType(type)) {
    badField(style, file, line, 'type', 'must be one of invoke, ok, fail, info', type);
  }
  if (!isProcess(process)) {
    badField(style, file, line, 'process', 'must be a non-negative integer or nemesis', process);
  }
  if (typeof f !== 'string' || f === '') {
    if (f === undefined && process === 'nemesis') record.f = '';
    else badField(style, file, line, 'f', 'must be a non-empty string', f);
  }
  // nil/null means "not recorded" for time, index and key.
  if (time === undefined || time === null) record.time = -1;
  else if (typeof time === 'bigint') {
    // An absolute clock in nanoseconds passes 2^53. Times are for people to read (real-time
    // order is the order of the ops), so rounding one to a double changes no verdict.
    record.time = Number(time);
  } else if (typeof time !== 'number' || !Number.isFinite(time)) {
    badField(style, file, line, 'time', 'must be a number of nanoseconds', time);
  }
  if (key === null) delete record.key;
  else if (typeof key === 'bigint') {
    badField(style, file, line, 'key', 'must be a string or an integer within ±(2^53 − 1)', key);
  } else if (key !== undefined && !isKey(key))
    badField(style, file, line, 'key', 'must be a string or a number', key);
  if (index !== undefined && index !== null && index !== position) {
    if (!(typeof index === 'number' && Number.isSafeInteger(index) && index >= 0)) {
      badField(style, file, line, 'index', 'must be a non-negative integer', index);
    }
    record.sourceIndex = index;
  } else if (record.sourceIndex !== undefined) {
    delete record.sourceIndex; // our own field: an input may not set it
  }
  if (index !== position) record.index = position;
  if (record.value === undefined) record.value = null;
  return record as Op;
}

function badField(
  style: FieldStyle,
  file: string,
  line: number,
  name: string,
  rule: string,
  got: unknown,
): never {
  throw new HistoryError(`${fieldName(name, style)} ${rule} (got ${describeValue(got)})`, { file, line });
}
