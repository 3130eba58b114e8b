/**
 * `check` cases: odd and broken history files in every format (check-history), and bad flags
 * among valid ones (check-flags).
 */
import fc from 'fast-check';
import { MODEL_NAMES, just, notANumber, pick, unknownFlag, type Flag, type FuzzCase } from './common.js';

// --- histories ------------------------------------------------------------------------------------

interface HistoryOp {
  process: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  value: unknown;
}

/** A small register history: each process invokes and completes its ops one at a time. */
const registerHistory: fc.Arbitrary<HistoryOp[]> = fc
  .array(
    fc.record({
      process: fc.nat(3),
      f: pick('read', 'write', 'cas'),
      value: fc.nat(4),
      old: fc.nat(4),
      outcome: pick('ok', 'ok', 'ok', 'fail', 'info') as fc.Arbitrary<'ok' | 'fail' | 'info'>,
    }),
    { maxLength: 14 },
  )
  .map((steps) => {
    const ops: HistoryOp[] = [];
    const done = new Set<number>();
    for (const step of steps) {
      if (done.has(step.process)) continue; // info: the process never issues again
      const value = step.f === 'read' ? null : step.f === 'cas' ? [step.old, step.value] : step.value;
      ops.push({ process: step.process, type: 'invoke', f: step.f, value });
      const result = step.f === 'read' && step.outcome === 'ok' ? step.value : value;
      ops.push({ process: step.process, type: step.outcome, f: step.f, value: result });
      if (step.outcome === 'info') done.add(step.process);
    }
    return ops;
  });

const toJsonl = (ops: HistoryOp[]) =>
  ops.map((op, index) => JSON.stringify({ index, time: index * 1000, ...op })).join('\n') + '\n';

const ednValue = (v: unknown): string =>
  v === null ? 'nil' : Array.isArray(v) ? `[${v.map(ednValue).join(' ')}]` : JSON.stringify(v);
const toEdn = (ops: HistoryOp[]) =>
  ops
    .map(
      (op, index) =>
        `{:index ${index}, :process ${op.process}, :type :${op.type}, :f :${op.f}, :value ${ednValue(op.value)}}`,
    )
    .join('\n') + '\n';
const toEtcdLog = (ops: HistoryOp[]) =>
  ops
    .map((op) => `INFO  jepsen.util - ${op.process}\t:${op.type}\t:${op.f}\t${ednValue(op.value)}`)
    .join('\n') + '\n';

const EDN_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '#{',
  ':process',
  ':type',
  ':invoke',
  ':ok',
  ':f',
  ':read',
  ':write',
  ':value',
  'nil',
  'true',
  '"s',
  '"x"',
  '\\a',
  '\\newline',
  '#_',
  '#inst',
  '#uuid',
  '#jepsen.history.Op',
  '1/0',
  '1N',
  '1.5M',
  '##NaN',
  '##Inf',
  '-0',
  '18446744073709551617',
  ';',
  '\n',
  ' ',
  ',',
  '#',
  '^',
  '@',
  '~',
  '`',
  "'",
  ':',
];

const hugeInteger = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }),
  fc.bigInt({ min: -(2n ** 80n), max: -(2n ** 53n) }),
  pick(2n ** 64n, 2n ** 64n - 1n, 2n ** 63n, -(2n ** 63n) - 1n, 10n ** 400n),
);

/** Replaces field `field` of op `at` by `text` (raw JSON). */
function withField(ops: HistoryOp[], at: number, field: string, text: string): string {
  return ops
    .map((op, index) => {
      const line = JSON.stringify({ index, time: index * 1000, ...op, [field]: '\u0000MARK' });
      return index === at % Math.max(ops.length, 1)
        ? line.replace('"\\u0000MARK"', text)
        : line.replace(/,"[^"]+":"\\u0000MARK"/, '');
    })
    .join('\n');
}

export const historyText: fc.Arbitrary<{ ext: string; content: string | Uint8Array }> = registerHistory.chain(
  (ops) =>
    fc.oneof(
      // Valid, in each format (the odd part may be the model or the flags).
      just({ ext: 'jsonl', content: toJsonl(ops) }),
      just({ ext: 'edn', content: toEdn(ops) }),
      just({ ext: 'log', content: toEtcdLog(ops) }),
      // Truncated anywhere.
      fc.nat().map((cut) => {
        const text = toJsonl(ops);
        return { ext: 'jsonl', content: text.slice(0, cut % (text.length + 1)) };
      }),
      fc.nat().map((cut) => {
        const text = `[${toEdn(ops)}]`;
        return { ext: 'edn', content: text.slice(0, cut % (text.length + 1)) };
      }),
      // Wrong field types and values, missing and extra fields.
      fc
        .tuple(
          fc.nat(),
          pick('index', 'time', 'process', 'type', 'f', 'value', 'key', 'node', 'error', 'extra'),
          fc.oneof(
            fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
            hugeInteger.map(String),
            pick('1e400', '-0', '1.5', '"invoke"', '"bogus"', '[]', '{}', '"\\ud800"', '"名"'),
          ),
        )
        .map(([at, field, text]) => ({ ext: 'jsonl', content: withField(ops, at, field, text) })),
      // Huge integers as values, everywhere.
      fc.array(hugeInteger, { minLength: 1, maxLength: 4 }).map((values) => {
        const lines = values.flatMap((v, i) => [
          `{"index":${4 * i},"process":${i},"type":"invoke","f":"write","value":${v}}`,
          `{"index":${4 * i + 1},"process":${i},"type":"ok","f":"write","value":${v}}`,
          `{"index":${4 * i + 2},"process":${i},"type":"invoke","f":"read","value":null}`,
          `{"index":${4 * i + 3},"process":${i},"type":"ok","f":"read","value":${v + 1n}}`,
        ]);
        return { ext: 'jsonl', content: lines.join('\n') + '\n' };
      }),
      // Token soup that looks like EDN.
      fc
        .array(pick(...EDN_TOKENS), { maxLength: 60 })
        .map((tokens) => ({ ext: 'edn', content: tokens.join(' ') })),
      // Deep nesting, in both formats.
      fc.constantFrom(100, 10_000, 200_000).chain((depth) =>
        pick(
          {
            ext: 'jsonl',
            content: `{"process":0,"type":"invoke","f":"write","value":${'['.repeat(depth)}${']'.repeat(depth)}}\n`,
          },
          {
            ext: 'edn',
            content: `[{:process 0 :type :invoke :f :write :value ${'['.repeat(depth)}${']'.repeat(depth)}}]`,
          },
          { ext: 'edn', content: '('.repeat(depth) },
          { ext: 'jsonl', content: '['.repeat(depth) },
        ),
      ),
      // Binary garbage, empty, whitespace, a BOM, CRLF, NUL.
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ ext: 'jsonl', content: bytes })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ ext: 'edn', content: bytes })),
      pick(
        { ext: 'jsonl', content: '' },
        { ext: 'edn', content: '' },
        { ext: 'jsonl', content: '\n\n  \n' },
        { ext: 'jsonl', content: `\uFEFF${toJsonl(ops)}` },
        { ext: 'jsonl', content: toJsonl(ops).replace(/\n/g, '\r\n') },
        { ext: 'jsonl', content: toJsonl(ops).replace(/"f"/, '"f\u0000"') },
        { ext: 'edn', content: '[]' },
        { ext: 'edn', content: '{}' },
        { ext: 'edn', content: 'nil' },
        { ext: 'jsonl', content: 'null\n' },
        { ext: 'jsonl', content: '[]\n' },
        { ext: 'jsonl', content: '42\n' },
      ),
      // Lines shuffled, duplicated or dropped.
      fc
        .shuffledSubarray(toJsonl(ops).split('\n'), { minLength: 0 })
        .map((lines) => ({ ext: 'jsonl', content: lines.join('\n') })),
      fc.array(fc.nat(), { maxLength: 4 }).map((dups) => {
        const lines = toJsonl(ops).split('\n');
        for (const at of dups) lines.splice(at % (lines.length + 1), 0, lines[at % lines.length] ?? '');
        return { ext: 'jsonl', content: lines.join('\n') };
      }),
    ),
);

export const checkHistoryCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    historyText,
    pick(...MODEL_NAMES),
    fc.option(pick('jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'), { freq: 4 }),
    fc.option(pick('linearizable', 'sequential', 'zookeeper', 'all'), { freq: 2 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([history, model, format, consistency, independent, json]) => {
    const name = `h.${history.ext}`;
    return {
      category: 'check-history' as const,
      args: [
        'check',
        `$CASE/${name}`,
        '--model',
        model,
        '--time-limit',
        '5',
        ...(format ? ['--format', format] : []),
        ...(consistency ? ['--consistency', consistency] : []),
        ...(independent ? ['--independent'] : []),
        ...(json ? ['--json'] : []),
      ],
      files: [{ path: name, content: history.content }],
      expect: 'bad-or-verdict' as const,
      mentions: [name],
    };
  });

// --- check flags ----------------------------------------------------------------------------------

export const VALID_HISTORY = toJsonl([
  { process: 0, type: 'invoke', f: 'write', value: 1 },
  { process: 0, type: 'ok', f: 'write', value: 1 },
  { process: 1, type: 'invoke', f: 'read', value: null },
  { process: 1, type: 'ok', f: 'read', value: 1 },
]);

const badCheckFlag: fc.Arbitrary<Flag> = fc.oneof(
  fc
    .string({ maxLength: 20 })
    .filter((s) => !MODEL_NAMES.includes(s))
    .map((m) => ({ key: 'model', args: ['--model', m], mentions: ['--model'] })),
  fc
    .string({ maxLength: 12 })
    .filter((s) => !['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'].includes(s))
    .map((f) => ({ key: 'format', args: ['--format', f], mentions: ['--format'] })),
  fc
    .oneof(
      pick('{:x', '[1', '"open', ')', '#{1', '{"a":', '#_', '', '\\', '1/0', '{:a}', '[1 2', '#inst'),
      pick('[', '(').chain((open) => pick(10_000, 100_000).map((n) => open.repeat(n))),
    )
    .map((v) => ({ key: 'init', args: ['--init', v], mentions: ['--init'] })),
  fc
    .oneof(notANumber, pick('0', '-1', '-0.5', '1e400'))
    .map((v) => ({ key: 'time-limit', args: ['--time-limit', v], mentions: ['--time-limit'] })),
  fc
    .string({ maxLength: 12 })
    .filter((s) => !['linearizable', 'sequential', 'zookeeper', 'all'].includes(s))
    .map((c) => ({ key: 'consistency', args: ['--consistency', c], mentions: ['--consistency'] })),
  fc
    .string({ maxLength: 12 })
    .filter((s) => !['auto', 'graph', 'search'].includes(s))
    .map((m) => ({ key: 'method', args: ['--method', m], mentions: ['--method'] })),
  unknownFlag.map((flag) => ({ key: flag, args: [flag], mentions: [flag] })),
  fc
    .constantFrom('$CASE/missing.jsonl', '$CASE/a-dir', '$CASE/a-dir/', '$CASE/h.jsonl/x', '/dev/null/x')
    .map((file) => ({
      key: `file ${file}`,
      args: [file],
      mentions: [file.replace('$CASE/', '').replace(/\/$/, '')],
    })),
);

const validCheckFlag: fc.Arbitrary<Flag> = fc.oneof(
  pick(...MODEL_NAMES).map((m) => ({ key: 'model', args: ['-m', m] })),
  fc
    .constantFrom('linearizable', 'sequential', 'zookeeper', 'all')
    .map((c) => ({ key: 'consistency', args: ['-c', c] })),
  fc
    .constantFrom('0', 'nil', 'null', '{:x 0 :y 0}', '[]', '"s"')
    .map((v) => ({ key: 'init', args: ['--init', v] })),
  pick('--json', '--shrink', '--independent').map((flag) => ({ key: flag, args: [flag] })),
  just({ key: 'method', args: ['--method', 'auto'] }),
  pick('1', '0.5', '3').map((t) => ({ key: 'time-limit', args: ['-t', t] })),
);

export const checkFlagsCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.array(badCheckFlag, { minLength: 1, maxLength: 2 }),
    fc.array(validCheckFlag, { maxLength: 4 }),
    fc.boolean(),
  )
  .chain(([bad, noise, withFile]) => {
    const badKeys = new Set(bad.map((f) => f.key));
    const kept = noise.filter((f) => !badKeys.has(f.key));
    return fc.shuffledSubarray([...bad, ...kept], { minLength: bad.length + kept.length }).map((flags) => ({
      category: 'check-flags' as const,
      args: [
        'check',
        ...(withFile ? ['$CASE/h.jsonl'] : []),
        ...(badKeys.has('model') || kept.some((f) => f.key === 'model') ? [] : ['--model', 'register']),
        ...flags.flatMap((f) => f.args),
      ],
      files: [
        { path: 'h.jsonl', content: VALID_HISTORY },
        { path: 'a-dir', dir: true },
      ],
      expect: 'bad' as const,
      // The valid file may be refused first (its ops do not fit the model or the --init).
      mentions: [...bad.flatMap((f) => f.mentions ?? []), withFile ? 'h.jsonl' : 'files'],
    }));
  });
