import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHistory } from './read.js';
import type { History, Op } from './types.js';
import { ednValue, writeEdn, writeJsonl } from './write.js';

const sample: History = [
  { index: 0, time: 5, process: 0, type: 'invoke', f: 'cas', key: 'k', value: [1, 2] },
  {
    index: 1,
    time: -1,
    process: 'nemesis',
    type: 'info',
    f: 'start',
    value: { cut: ['n1', 'n2'], 'odd key': 1 },
  },
  { index: 2, time: 9, process: 0, type: 'ok', f: 'cas', key: 'k', value: [1, 2], node: 'n3' },
  {
    index: 3,
    time: 11,
    process: 7,
    type: 'fail',
    f: 'timed out?',
    value: null,
    error: ['not-found', 'msg "q"'],
  },
];

describe('writeEdn', () => {
  it('writes a Jepsen EDN vector with keyword types and fs', () => {
    expect(writeEdn(sample)).toBe(
      [
        '[{:index 0, :time 5, :process 0, :type :invoke, :f :cas, :key "k", :value [1 2]}',
        ' {:index 1, :process :nemesis, :type :info, :f :start, :value {:cut ["n1" "n2"], "odd key" 1}}',
        ' {:index 2, :time 9, :process 0, :type :ok, :f :cas, :key "k", :value [1 2], :node "n3"}',
        ' {:index 3, :time 11, :process 7, :type :fail, :f "timed out?", :value nil, :error ["not-found" "msg \\"q\\""]}]',
        '',
      ].join('\n'),
    );
    expect(writeEdn([])).toBe('[]\n');
  });

  it('writes keys as Jepsen independent tuples on request', () => {
    expect(writeEdn(sample.slice(0, 1), { independent: true })).toBe(
      '[{:index 0, :time 5, :process 0, :type :invoke, :f :cas, :value ["k" [1 2]]}]\n',
    );
    const keyed = sample.slice(0, 3);
    const back = parseHistory(writeEdn(keyed, { independent: true }), { file: 'w.edn', independent: true });
    expect(back).toEqual(keyed);
  });

  it('writes numbers so that they read back equal', () => {
    expect(ednValue(1.5)).toBe('1.5');
    expect(ednValue(2 ** 60)).toBe('1152921504606847000.0');
    expect(ednValue(1e21)).toBe('1e+21');
    expect(ednValue(-0)).toBe('-0.0');
    expect(ednValue(Infinity)).toBe('##Inf');
    for (const n of [2 ** 60, 1e21, -0, 1e-7, -Infinity]) {
      expect(
        parseHistory(`[{:process 0, :type :invoke, :f :w, :value ${ednValue(n)}}]`, { file: 'n.edn' })[0]
          .value,
      ).toBe(n);
    }
  });

  it('keeps the source index', () => {
    const h = parseHistory('[{:index 10, :process 0, :type :invoke, :f :r}]', { file: 's.edn' });
    expect(h[0]).toMatchObject({ index: 0, sourceIndex: 10 });
    expect(writeEdn(h)).toBe('[{:index 10, :process 0, :type :invoke, :f :r, :value nil}]\n');
    expect(parseHistory(writeEdn(h), { file: 's.edn' })).toEqual(h);
  });
});

describe('hostile field names', () => {
  it('round-trips __proto__ keys as data in both formats', () => {
    const op = JSON.parse(
      '{"index":0,"time":-1,"process":0,"type":"invoke","f":"w","value":{"__proto__":{"x":1}},"__proto__":2}',
    ) as Op;
    for (const text of [writeEdn([op]), writeJsonl([op])]) {
      const [back] = parseHistory(text, { file: 'p' });
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe(2);
      expect(Object.keys(back.value as object)).toEqual(['__proto__']);
      expect(writeJsonl([back])).toBe(writeJsonl([op]));
    }
  });
});

describe('integers beyond 2^53', () => {
  const op: Op = {
    index: 0,
    time: 1,
    process: 0,
    type: 'ok',
    f: 'read',
    value: [9007199254740993n, -(2n ** 70n), 2 ** 60, 5],
    error: { id: 2n ** 64n },
    zxid: 2n ** 63n - 1n,
  };

  it('are written as exact integers, and big doubles as floats', () => {
    expect(writeJsonl([op])).toBe(
      '{"index":0,"time":1,"process":0,"type":"ok","f":"read","value":[9007199254740993,-1180591620717411303424,1152921504606847000.0,5],' +
        '"error":{"id":18446744073709551616},"zxid":9223372036854775807}\n',
    );
    expect(writeEdn([op])).toBe(
      '[{:index 0, :time 1, :process 0, :type :ok, :f :read, :value [9007199254740993N -1180591620717411303424N 1152921504606847000.0 5], ' +
        ':error {:id 18446744073709551616N}, :zxid 9223372036854775807N}]\n',
    );
  });

  it('read back as the same values from both formats', () => {
    expect(parseHistory(writeJsonl([op]), { file: 'b.jsonl' })).toEqual([op]);
    expect(parseHistory(writeEdn([op]), { file: 'b.edn' })).toEqual([op]);
  });
});

describe('writeJsonl', () => {
  it('writes one object per line in the documented field order', () => {
    expect(writeJsonl(sample.slice(2))).toBe(
      '{"index":2,"time":9,"process":0,"type":"ok","f":"cas","key":"k","value":[1,2],"node":"n3"}\n' +
        '{"index":3,"time":11,"process":7,"type":"fail","f":"timed out?","value":null,"error":["not-found","msg \\"q\\""]}\n',
    );
  });
});

/** Integers a double cannot hold: readers give them as bigints, and writers must keep them exact. */
const unsafeInteger = fc.oneof(fc.bigInt({ min: 2n ** 53n }), fc.bigInt({ max: -(2n ** 53n) }));
/**
 * JSON values as JSON can carry them (no -0, which JSON writes as 0), with big integers among
 * them: alone, in lists and in objects.
 */
const jsonValue = fc
  .tuple(
    fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
    unsafeInteger,
    fc.nat(3),
  )
  .map(([v, n, where]) => [v, n, [n, v], { n, v }][where]);
const reserved = new Set(['index', 'time', 'process', 'type', 'f', 'key', 'value', 'error', 'sourceIndex']);
const arbOp = fc.record(
  {
    time: fc.oneof(fc.constant(-1), fc.nat()),
    process: fc.oneof(fc.nat(), fc.constant('nemesis' as const)),
    type: fc.constantFrom('invoke', 'ok', 'fail', 'info') as fc.Arbitrary<Op['type']>,
    f: fc.string({ minLength: 1 }),
    key: fc.oneof(fc.string(), fc.integer()),
    value: jsonValue,
    error: jsonValue,
    extra: fc.dictionary(
      fc.string().filter((k) => !reserved.has(k)),
      jsonValue,
      { maxKeys: 2 },
    ),
    sourceIndex: fc.nat(),
  },
  { requiredKeys: ['time', 'process', 'type', 'f', 'value'] },
);
const arbHistory = fc.array(arbOp, { maxLength: 20 }).map((ops) =>
  ops.map(({ extra, ...fields }, index) => {
    const op = { ...Object.fromEntries(Object.entries(extra ?? {})), ...fields, index } as Op;
    if (op.sourceIndex === index) delete op.sourceIndex;
    return op;
  }),
);

describe('round trips', () => {
  it('edn -> History -> edn -> History gives an equal history', () => {
    fc.assert(
      fc.property(arbHistory, (h) => {
        const once = parseHistory(writeEdn(h), { file: 'r.edn', format: 'edn' });
        expect(once).toEqual(h);
        expect(parseHistory(writeEdn(once), { file: 'r.edn', format: 'edn' })).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('jsonl -> History -> jsonl -> History gives an equal history', () => {
    fc.assert(
      fc.property(arbHistory, (h) => {
        const text = writeJsonl(h);
        const once = parseHistory(text, { file: 'r.jsonl', format: 'jsonl' });
        expect(once).toEqual(h);
        expect(writeJsonl(once)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
