/**
 * Turning one decoded record (a JSON object, an EDN map) into an {@link Op}, with the field
 * checks every reader shares. Messages name fields the way the input spells them (`"type"` in
 * JSON, `:type` in EDN).
 */
import { HistoryError, type Key, type Op, type OpType, type Process } from './types.js';

export type FieldStyle = 'json' | 'edn';

/** Fields with a meaning of their own; anything else is kept on the op as-is. */
const KNOWN_FIELDS = new Set(['index', 'time', 'process', 'type', 'f', 'key', 'value', 'error']);

const OP_TYPES: ReadonlySet<string> = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);

/** A short rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
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
  return typeof value === 'string' && OP_TYPES.has(value);
}

/**
 * Builds the op at `position` from a decoded record. `index` becomes the position (histories are
 * dense); a different `index` in the input is kept as `sourceIndex`.
 */
export function opFromRecord(
  record: Record<string, unknown>,
  position: number,
  style: FieldStyle,
  file: string,
  line: number,
): Op {
  const bad = (message: string): never => {
    throw new HistoryError(message, { file, line });
  };
  const field = (name: string) => fieldName(name, style);

  const { process, type, f, time, index, key, value, error } = record;
  if (!isOpType(type)) {
    bad(`${field('type')} must be one of invoke, ok, fail, info (got ${describeValue(type)})`);
  }
  if (!isProcess(process)) {
    bad(`${field('process')} must be a non-negative integer or nemesis (got ${describeValue(process)})`);
  }
  let name: string;
  if (typeof f === 'string' && f !== '') name = f;
  else if (f === undefined && process === 'nemesis') name = '';
  else name = bad(`${field('f')} must be a non-empty string (got ${describeValue(f)})`);
  if (time !== undefined && (typeof time !== 'number' || !Number.isFinite(time))) {
    bad(`${field('time')} must be a number of nanoseconds (got ${describeValue(time)})`);
  }
  if (index !== undefined && !(typeof index === 'number' && Number.isSafeInteger(index) && index >= 0)) {
    bad(`${field('index')} must be a non-negative integer (got ${describeValue(index)})`);
  }
  if (key !== undefined && !isKey(key)) {
    bad(`${field('key')} must be a string or a number (got ${describeValue(key)})`);
  }

  const op: Op = {
    index: position,
    time: typeof time === 'number' ? time : -1,
    process: process as Process,
    type: type as OpType,
    f: name,
    value: value === undefined ? null : value,
  };
  if (key !== undefined) op.key = key as Key;
  if (error !== undefined) op.error = error;
  if (index !== undefined && index !== position) op.sourceIndex = index as number;
  for (const k in record) {
    if (!KNOWN_FIELDS.has(k) && Object.prototype.hasOwnProperty.call(record, k)) {
      if (k === '__proto__') {
        Object.defineProperty(op, k, {
          value: record[k],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        op[k] = record[k];
      }
    }
  }
  return op;
}
