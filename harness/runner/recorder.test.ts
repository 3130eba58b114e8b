import { stringifyExactJson } from '../../checker/history/exact-json.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistoryFile } from '../../checker/history/read.js';
import { checkWellFormed } from '../../checker/history/wellformed.js';
import { HistoryRecorder } from './recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'zkcheck-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (): string => join(dir, `history-${files++}.jsonl`);

/** A recorder whose clock advances 100 ns per op. */
function recorder(path = fresh()): HistoryRecorder {
  let now = 0;
  return new HistoryRecorder(path, () => (now += 100));
}

describe('HistoryRecorder', () => {
  it('writes exactly what JSON.stringify writes for the same fields (values exactly, integers beyond 2^53 too)', () => {
    const json = fc.jsonValue();
    const op = fc.record(
      {
        process: fc.oneof(fc.nat(), fc.constant('nemesis' as const)),
        type: fc.constantFrom('invoke' as const, 'ok' as const, 'fail' as const, 'info' as const),
        f: fc.string(),
        key: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
        value: fc.oneof(json, fc.constant(undefined)),
        error: fc.oneof(json, fc.constant(undefined)),
        node: fc.oneof(fc.nat(), fc.constant(undefined)),
        'odd "name"': fc.oneof(fc.string(), fc.constant(undefined)),
        time: fc.constant(-1),
      },
      { requiredKeys: ['process', 'type', 'f'] },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const rec = recorder();
        for (const o of ops) rec.record(o as never);
        rec.close();
        const expected = ops.map((o, index) => {
          const { process, type, f, key, value, error, time: _ignored, ...extra } = o;
          const line: Record<string, unknown> = { index, time: 100 * (index + 1), process, type, f, key };
          line.value = '\u0000value';
          line.error = error;
          // Values are written by the exact writer (a double beyond 2^53 keeps its ".0").
          return JSON.stringify(Object.assign(line, extra)).replace('"\\u0000value"', () =>
            stringifyExactJson(value ?? null)!,
          );
        });
        expect(readFileSync(rec.path, 'utf8')).toBe(expected.map((line) => `${line}\n`).join(''));
      }),
      { numRuns: 200 },
    );
  });

  it('writes one JSON object per line, with a dense index and the clock time', () => {
    const rec = recorder();
    expect(rec.record({ process: 0, type: 'invoke', f: 'write', key: 3, value: 1 })).toBe(0);
    expect(rec.record({ process: 0, type: 'ok', f: 'write', key: 3, value: { value: 1, version: 1 } })).toBe(
      1,
    );
    expect(rec.count).toBe(2);
    rec.close();
    const lines = readFileSync(rec.path, 'utf8').split('\n');
    expect(lines).toEqual([
      '{"index":0,"time":100,"process":0,"type":"invoke","f":"write","key":3,"value":1}',
      '{"index":1,"time":200,"process":0,"type":"ok","f":"write","key":3,"value":{"value":1,"version":1}}',
      '',
    ]);
  });

  it('writes a bigint value as its exact digits, and keeps the line of an op whose value JSON cannot encode', () => {
    const rec = recorder();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    rec.record({ process: 0, type: 'invoke', f: 'write', value: 10n });
    rec.record({ process: 0, type: 'ok', f: 'write', value: cycle, node: 1 });
    rec.close();
    const lines = readFileSync(rec.path, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { index: 0, time: 100, process: 0, type: 'invoke', f: 'write', value: 10 },
      {
        index: 1,
        time: 200,
        process: 0,
        type: 'ok',
        f: 'write',
        value: 'unencodable: [object Object]',
        node: 1,
      },
    ]);
  });

  it('records a missing value as null and keeps errors and extra fields', () => {
    const rec = recorder();
    rec.record({ process: 1, type: 'invoke', f: 'read', key: 0, value: undefined, sync: true, node: 2 });
    rec.record({
      process: 1,
      type: 'fail',
      f: 'read',
      key: 0,
      value: null,
      error: { name: 'CONNECTION_LOSS', message: 'gone' },
    });
    rec.close();
    const [invoke, fail] = readFileSync(rec.path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(invoke).toEqual({
      index: 0,
      time: 100,
      process: 1,
      type: 'invoke',
      f: 'read',
      key: 0,
      value: null,
      sync: true,
      node: 2,
    });
    expect(fail.error).toEqual({ name: 'CONNECTION_LOSS', message: 'gone' });
    expect('key' in JSON.parse(JSON.stringify({ ...fail, key: undefined }))).toBe(false);
  });

  it('leaves key out when the op has none (nemesis ops)', () => {
    const rec = recorder();
    rec.record({ process: 'nemesis', type: 'invoke', f: 'kill', value: 2 });
    rec.close();
    expect(JSON.parse(readFileSync(rec.path, 'utf8'))).toEqual({
      index: 0,
      time: 100,
      process: 'nemesis',
      type: 'invoke',
      f: 'kill',
      value: 2,
    });
  });

  it('writes a history the JSONL reader reads back and the well-formedness check accepts', async () => {
    const rec = recorder();
    rec.record({ process: 0, type: 'invoke', f: 'write', key: 0, value: 1 });
    rec.record({ process: 'nemesis', type: 'invoke', f: 'isolate', value: 'leader' });
    rec.record({ process: 1, type: 'invoke', f: 'read', key: 0, value: null, sync: true });
    rec.record({ process: 0, type: 'ok', f: 'write', key: 0, value: { value: 1, version: 1 } });
    rec.record({ process: 'nemesis', type: 'ok', f: 'isolate', value: 3 });
    rec.record({ process: 1, type: 'ok', f: 'read', key: 0, value: { value: 1, version: 1 } });
    rec.record({ process: 0, type: 'invoke', f: 'cas', key: 0, value: [1, 2] });
    rec.record({ process: 0, type: 'info', f: 'cas', key: 0, value: null, error: { name: 'DEADLINE' } });
    rec.close();
    const history = await readHistoryFile(rec.path, { format: 'jsonl' });
    expect(history.map((op) => op.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(history.map((op) => op.time)).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
    expect(history[2]).toMatchObject({ process: 1, type: 'invoke', f: 'read', key: 0, sync: true });
    expect(history[7]).toMatchObject({ type: 'info', error: { name: 'DEADLINE' } });
    expect(() => checkWellFormed(history, rec.path)).not.toThrow();
  });

  it('refuses to open a file that exists, leaving it untouched', () => {
    const path = fresh();
    writeFileSync(path, 'someone else\n');
    expect(() => new HistoryRecorder(path, () => 0)).toThrow(/EEXIST/);
    expect(readFileSync(path, 'utf8')).toBe('someone else\n');
  });

  it('refuses to record after close, and closes twice quietly', () => {
    const rec = recorder();
    rec.close();
    rec.close();
    expect(() => rec.record({ process: 0, type: 'invoke', f: 'read', value: null })).toThrow(
      `history ${rec.path} is closed`,
    );
  });
});
