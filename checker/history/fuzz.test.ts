/**
 * Fuzzed readers: malformed input must end in a HistoryError (which the CLI turns into one line
 * and exit 254), never in a TypeError, RangeError or stack overflow. Each property mutates a
 * valid input (inserting, deleting and replacing characters, duplicating, dropping and swapping
 * lines, truncating) and runs it through everything the CLI does with a history.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOperations } from './operations.js';
import { parseHistory, type HistoryFormat } from './read.js';
import { HistoryError } from './types.js';
import { checkWellFormed } from './wellformed.js';
import { writeEdn, writeJsonl } from './write.js';

/** Runs per property; raise it for a soak (ZKCHECK_FUZZ_RUNS=100000). */
const FUZZ_RUNS = Number(process.env.ZKCHECK_FUZZ_RUNS ?? 1500);

const EDN = `; a Knossos-style history
[{:process 0, :type :invoke, :f :write, :value 1, :time 10}
 {:process 1, :type :invoke, :f :read, :value nil}
 #_ {:process 9, :type :invoke, :f :read}
 {:process 0, :type :ok, :f :write, :value 1, :time 20N}
 {:process :nemesis, :type :info, :f :start, :value "Cut off [:n3 #{:n4}] \\"q\\"\\n"}
 {:process 1, :type :ok, :f :read, :value 1, :error nil, :extra #{1 2}}
 #jepsen.history.Op{:process 2, :type :invoke, :f :cas, :value [1 2], :index 6}
 {:process 2, :type :fail, :f :cas, :value [1 2], :error [:not-found "x"], :ratio 1/2, :c \\a}
 {:process 3, :type :invoke, :f :txn, :value [[:read :x nil] [:write :y 2.5e1]]}
 {:process 3, :type :info, :f :txn, :value :timed-out}]
`;

const INDEPENDENT_EDN = `[{:process 0, :type :invoke, :f :write, :value [:x 1]}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :write, :value [:x 1]}
{:process 1, :type :ok, :f :read, :value ["y" 2]}
{:process 2, :type :invoke, :f :cas, :value [7 [1 2]]}
{:process 2, :type :info, :f :cas, :value :timed-out}]
`;

const ETCD_LOG = [
  'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 1   :invoke :cas    [1 2]',
  'WARN  some.other - noise',
  'INFO  jepsen.util - 0\t:ok\t:read\t3',
  'INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]',
  'INFO  jepsen.util - 2\t:invoke\t:write\t4',
  'INFO  jepsen.util - 2\t:info\t:write\t:timed-out',
  '',
].join('\n');

const KV = [
  '{:process 0, :type :invoke, :f :put, :key "1", :value "x 0 0 y"}',
  '{:process 1, :type :invoke, :f :get, :key "1", :value nil}',
  '{:process 0, :type :ok, :f :put, :key "1", :value "x 0 0 y"}',
  '{:process 1, :type :ok, :f :get, :key "1", :value "x 0 0 y"}',
  '',
].join('\n');

const JSONL = writeJsonl(parseHistory(EDN, { file: 'seed.edn' }));

/** Characters that matter to the grammars, plus arbitrary ones. */
const interesting = fc.oneof(
  fc.constantFrom(
    ...'[](){}#_:;,"\\ \n\t0123456789-+.eENM/'.split(''),
    '#{',
    '#_',
    '##',
    '\\u',
    ':nemesis',
    ':invoke',
    ':ok',
    ':info',
    'nil',
    '{"',
    '":',
    'null',
    '\r\n',
    '\ufeff',
    '\ud800',
    'INFO  jepsen.util - ',
    '[[[[[[[[',
    '{:a {:a {:a',
  ),
  fc.string({ unit: 'binary', maxLength: 4 }),
);

type Edit =
  | { kind: 'insert' | 'replace'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicateLine' | 'dropLine'; line: number }
  | { kind: 'swapLines'; line: number; other: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('insert' as const, 'replace' as const),
    at: fc.nat(),
    text: interesting,
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('duplicateLine' as const, 'dropLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), line: fc.nat(), other: fc.nat() }),
);

function applyEdit(text: string, e: Edit): string {
  const lines = text.split('\n');
  const at = 'at' in e ? e.at % (text.length + 1) : 0;
  switch (e.kind) {
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + e.text + text.slice(at + e.text.length);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'truncate':
      return text.slice(0, at);
    case 'duplicateLine':
      lines.splice(e.line % lines.length, 0, lines[e.line % lines.length]);
      return lines.join('\n');
    case 'dropLine':
      lines.splice(e.line % lines.length, 1);
      return lines.join('\n');
    case 'swapLines': {
      const [i, j] = [e.line % lines.length, e.other % lines.length];
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
  }
}

/** Everything the CLI does with a history: any failure must be a HistoryError. */
function consume(text: string, file: string, format: HistoryFormat | undefined, independent: boolean): void {
  try {
    const h = parseHistory(text, { file, format, independent, onWarning: () => {} });
    checkWellFormed(h);
    toOperations(h);
    parseHistory(writeEdn(h), { file: 'again.edn', format: 'edn' });
    parseHistory(writeJsonl(h), { file: 'again.jsonl', format: 'jsonl' });
  } catch (e) {
    if (!(e instanceof HistoryError)) throw e;
    expect(e.message).toMatch(/^\S/);
    expect(e.message).not.toContain('\n');
  }
}

const seeds: [string, string, HistoryFormat, boolean][] = [
  ['edn', EDN, 'edn', false],
  ['independent edn', INDEPENDENT_EDN, 'edn', true],
  ['jsonl', JSONL, 'jsonl', false],
  ['porcupine-etcd log', ETCD_LOG, 'porcupine-etcd', false],
  ['porcupine-kv', KV, 'porcupine-kv', false],
];

describe('fuzzed readers never throw anything but HistoryError', () => {
  it.each(seeds)(
    'the unmutated %s seed is a valid, well-formed history',
    (_name, text, format, independent) => {
      const h = parseHistory(text, { file: 'seed', format, independent });
      expect(h.length).toBeGreaterThan(3);
      checkWellFormed(h);
    },
  );

  it.each(seeds)('mutated %s', (name, text, format, independent) => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), (edits, detect) => {
        const mutated = edits.reduce(applyEdit, text);
        consume(mutated, `fuzz.${name}`, detect ? undefined : format, independent);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('a JSONL history cut at any byte (a crashed harness) still reads, as a well-formed prefix', () => {
    const full = parseHistory(JSONL, { file: 'full.jsonl' });
    for (let cut = 0; cut <= JSONL.length; cut++) {
      const warnings: string[] = [];
      const h = parseHistory(JSONL.slice(0, cut), { file: 'cut.jsonl', onWarning: (m) => warnings.push(m) });
      checkWellFormed(h);
      expect(h).toEqual(full.slice(0, h.length));
      const complete = JSONL.slice(0, cut).split('\n').length - 1;
      expect(h.length).toBeGreaterThanOrEqual(complete);
    }
  });

  it('arbitrary strings in any format', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom<HistoryFormat | undefined>(
          undefined,
          'jsonl',
          'edn',
          'porcupine-etcd',
          'porcupine-kv',
        ),
        fc.boolean(),
        (text, format, independent) => consume(text, 'fuzz', format, independent),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('deep nesting in every format ends in a HistoryError', () => {
    const deepEdn = '['.repeat(200_000);
    const cases: [string, HistoryFormat][] = [
      [deepEdn, 'edn'],
      [`[{:process 0, :type :invoke, :f :r, :value ${'#{'.repeat(200_000)}}]`, 'edn'],
      [
        `{"process":0,"type":"invoke","f":"r","value":${'['.repeat(200_000)}${']'.repeat(200_000)}}\n`,
        'jsonl',
      ],
      [`INFO  jepsen.util - 0\t:invoke\t:read\t${'('.repeat(200_000)}`, 'porcupine-etcd'],
      [`{:process 0, :type :invoke, :f :r, :value ${'{:a '.repeat(200_000)}}`, 'porcupine-kv'],
    ];
    for (const [text, format] of cases) {
      expect(() => parseHistory(text, { file: 'deep', format })).toThrow(HistoryError);
      expect(() => parseHistory(text, { file: 'deep', format })).toThrow(/nested more than 256 levels/);
    }
  });
});
