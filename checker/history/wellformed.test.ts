import { describe, expect, it } from 'vitest';
import { parseHistory } from './read.js';
import { HistoryError, type History, type Op } from './types.js';
import { checkWellFormed } from './wellformed.js';

/** A history from compact rows: [process, type, f, value?, key?]. */
function history(...rows: [Op['process'], Op['type'], string, unknown?, (string | number)?][]): History {
  return rows.map(([process, type, f, value = null, key], index) => {
    const op: Op = { index, time: -1, process, type, f, value };
    if (key !== undefined) op.key = key;
    return op;
  });
}

function wellFormedError(h: History, file?: string): string {
  try {
    checkWellFormed(h, file);
  } catch (e) {
    expect(e).toBeInstanceOf(HistoryError);
    return (e as Error).message;
  }
  throw new Error('expected the history to be rejected');
}

describe('checkWellFormed', () => {
  it('accepts interleaved processes, open invokes and nemesis ops', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [1, 'invoke', 'read'],
      ['nemesis', 'info', 'start'],
      [0, 'ok', 'write', 1],
      [1, 'fail', 'read'],
      [1, 'invoke', 'cas', [1, 2]],
      [1, 'info', 'cas'],
      [2, 'invoke', 'read'],
      ['nemesis', 'info', 'stop'],
      [0, 'invoke', 'read'],
    );
    expect(() => checkWellFormed(h)).not.toThrow();
    expect(() => checkWellFormed([])).not.toThrow();
  });

  it('rejects a second invoke while one is outstanding', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'invoke', 'read']);
    expect(wellFormedError(h, 'h.jsonl')).toBe(
      'h.jsonl: op 1: process 0 invokes read while its write invoked at op 0 is still outstanding (a process runs one op at a time)',
    );
  });

  it('rejects a completion with no invoke', () => {
    expect(wellFormedError(history([3, 'ok', 'read', 1]), 'h.jsonl')).toBe(
      'h.jsonl: op 0: ok read of process 3 has no invoke',
    );
    const twice = history([0, 'invoke', 'read'], [0, 'ok', 'read', 1], [0, 'ok', 'read', 1]);
    expect(wellFormedError(twice)).toBe('history: op 2: ok read of process 0 has no invoke');
  });

  it('rejects a completion that does not match its invoke', () => {
    expect(wellFormedError(history([0, 'invoke', 'read'], [0, 'ok', 'write', 1]))).toBe(
      'history: op 1: ok write of process 0 does not match its invoke of read at op 0',
    );
    expect(wellFormedError(history([0, 'invoke', 'read', null, 'a'], [0, 'ok', 'read', 1, 'b']))).toBe(
      'history: op 1: ok read of process 0 has key "b" but its invoke at op 0 has key "a"',
    );
    expect(wellFormedError(history([0, 'invoke', 'read'], [0, 'ok', 'read', 1, 'b']))).toBe(
      'history: op 1: ok read of process 0 has key "b" but its invoke at op 0 has no key',
    );
  });

  it('accepts a completion that leaves out the key of its invoke', () => {
    expect(() =>
      checkWellFormed(history([0, 'invoke', 'read', null, 'a'], [0, 'ok', 'read', 1])),
    ).not.toThrow();
  });

  it('rejects a process that invokes again after an info', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'info', 'write'], [0, 'invoke', 'read']);
    expect(wellFormedError(h)).toBe(
      'history: op 2: process 0 invokes read after its write ended info at op 1 (a process whose op ended info must never invoke again)',
    );
    const late = history([0, 'invoke', 'write', 1], [0, 'info', 'write'], [0, 'ok', 'write']);
    expect(wellFormedError(late)).toBe(
      "history: op 2: ok write of process 0 has no invoke (the process's last op already ended info at op 1)",
    );
  });

  it('validates fields of ops built in code', () => {
    const base = history([0, 'invoke', 'read'])[0];
    const bad = (patch: Record<string, unknown>) => wellFormedError([{ ...base, ...patch } as Op]);
    expect(bad({ index: 3 })).toBe('history: op 0: index is 3 but the op is at position 0');
    expect(bad({ type: 'start' })).toBe(
      'history: op 0: type must be one of invoke, ok, fail, info (got "start")',
    );
    expect(bad({ process: 'client' })).toBe(
      'history: op 0: process must be a non-negative integer or "nemesis" (got "client")',
    );
    expect(bad({ f: '' })).toBe('history: op 0: f must be a non-empty string (got "")');
    expect(bad({ time: NaN })).toBe('history: op 0: time must be a number of nanoseconds or -1 (got null)');
    expect(bad({ key: true })).toBe('history: op 0: key must be a string or a number (got true)');
  });

  it('names the file and line a reader recorded', () => {
    const h = parseHistory(
      [
        '{"process":0,"type":"invoke","f":"read","value":null}',
        '',
        '{"process":0,"type":"invoke","f":"read"}',
      ].join('\n'),
      { file: 'run/history.jsonl' },
    );
    expect(wellFormedError(h)).toBe(
      'run/history.jsonl:3: process 0 invokes read while its read invoked at line 1 is still outstanding (a process runs one op at a time)',
    );
    const e = (() => {
      try {
        checkWellFormed(h);
      } catch (err) {
        return err as HistoryError;
      }
    })();
    expect(e?.location).toEqual({ file: 'run/history.jsonl', line: 3 });
  });
});
