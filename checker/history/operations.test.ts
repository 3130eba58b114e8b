import { describe, expect, it } from 'vitest';
import { toOperations } from './operations.js';
import { parseHistory } from './read.js';
import { HistoryError } from './types.js';

const edn = (text: string) => parseHistory(text, { file: 'p.edn', format: 'edn' });

describe('toOperations', () => {
  it('pairs invokes with completions, drops fails, leaves info and unfinished ops open', () => {
    const h = edn(`[
      {:process 0, :type :invoke, :f :write, :value 1}
      {:process 1, :type :invoke, :f :read, :value nil}
      {:process :nemesis, :type :info, :f :start}
      {:process 0, :type :ok, :f :write, :value 1}
      {:process 2, :type :invoke, :f :cas, :value [1 2]}
      {:process 1, :type :ok, :f :read, :value 1}
      {:process 2, :type :fail, :f :cas, :value [1 2]}
      {:process 3, :type :invoke, :f :write, :value 5}
      {:process 3, :type :info, :f :write, :value :timed-out}
      {:process 4, :type :invoke, :f :read, :value nil}
    ]`);
    expect(toOperations(h)).toEqual([
      {
        id: 0,
        process: 0,
        f: 'write',
        input: 1,
        output: 1,
        status: 'ok',
        call: 0,
        ret: 3,
        invokeIndex: 0,
        completeIndex: 3,
      },
      {
        id: 1,
        process: 1,
        f: 'read',
        input: null,
        output: 1,
        status: 'ok',
        call: 1,
        ret: 5,
        invokeIndex: 1,
        completeIndex: 5,
      },
      {
        id: 2,
        process: 3,
        f: 'write',
        input: 5,
        output: undefined,
        status: 'info',
        call: 7,
        ret: Infinity,
        invokeIndex: 7,
        completeIndex: 8,
      },
      {
        id: 3,
        process: 4,
        f: 'read',
        input: null,
        output: undefined,
        status: 'info',
        call: 9,
        ret: Infinity,
        invokeIndex: 9,
      },
    ]);
  });

  it('carries keys from the invoke, or from the completion when the invoke has none', () => {
    const h = parseHistory(
      [
        '{"process":0,"type":"invoke","f":"read","key":"a","value":null}',
        '{"process":1,"type":"invoke","f":"read","value":null}',
        '{"process":0,"type":"ok","f":"read","value":1}',
        '{"process":1,"type":"ok","f":"read","key":"b","value":2}',
      ].join('\n'),
      { file: 'k.jsonl' },
    );
    expect(toOperations(h).map((o) => [o.key, o.output])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('numbers operations densely in call order', () => {
    const h = edn(
      `[${Array.from({ length: 50 }, (_, p) => `{:process ${p}, :type :invoke, :f :write, :value ${p}}`).join(
        ' ',
      )} ${Array.from({ length: 50 }, (_, p) => `{:process ${49 - p}, :type :${p % 3 === 0 ? 'fail' : 'ok'}, :f :write, :value ${49 - p}}`).join(' ')}]`,
    );
    const ops = toOperations(h);
    expect(ops.map((o) => o.id)).toEqual(ops.map((_, i) => i));
    const calls = ops.map((o) => o.call);
    expect(calls).toEqual([...calls].sort((a, b) => a - b));
    expect(ops).toHaveLength(33);
    for (const o of ops) expect(o.input).toBe(o.process);
  });

  it('throws a HistoryError naming the line on what it cannot pair', () => {
    expect(() => toOperations(edn('[{:process 0, :type :ok, :f :read}]'))).toThrow(
      new HistoryError('ok of process 0 has no invoke', { file: 'p.edn', line: 1 }),
    );
    expect(() =>
      toOperations(edn('[{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}]')),
    ).toThrow(/^p\.edn:2: process 0 invokes while an op is outstanding$/);
  });
});
