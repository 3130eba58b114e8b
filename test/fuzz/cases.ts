/**
 * fast-check arbitraries of bad and odd zkcheck command lines, for test/cli-fuzz.test.ts. A case is
 * an argv, the files it needs (written into a fresh dir per case), what it must end in and the
 * words of which its error line must name at least one.
 *
 * Placeholders in args and file contents: `$CASE` is the case's own dir (also its cwd), `$FIXTURE`
 * a copy of a stored run's store that no case may change.
 *
 * Safety: no case may start an ensemble, build an image or sweep other runs. Every `run` starts with
 * `--provider local --zk-home $CASE/no-zk-home` (no JVM can start, and the test runs with an
 * unreachable DOCKER_HOST) and carries at least one input the run must refuse before it starts;
 * `serve`, `image build` and `clean` cases always carry an input refused before they act.
 */
import fc from 'fast-check';
import { SETTINGS, longFlag, pluginSettings, type Setting } from '../../harness/config.js';
import { CATALOG } from '../../harness/test-spec.js';
import { KNOWN_ZOOKEEPER_VERSIONS, debianSuiteFor } from '../../harness/cluster/versions.js';
import { MODELS } from '../../checker/models/index.js';

/** fc.constant and fc.constantFrom, without the readonly literal types they infer. */
const just = <T>(value: T): fc.Arbitrary<T> => fc.constant(value);
const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
/** Strings without control characters (see oddText). */
const noControls = (s: string) =>
  [...s].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('');
const text = (constraints: fc.StringConstraints = {}) => fc.string(constraints).map(noControls);

export type Category =
  | 'run-flags'
  | 'run-config'
  | 'check-flags'
  | 'check-history'
  | 'store'
  | 'serve'
  | 'doctor'
  | 'image'
  | 'clean'
  | 'top-level';

/** bad: exit 254, one line. verdict: 254 as above, or 0/1/2 with its verdict on stdout. */
export type Expectation = 'bad' | 'bad-or-verdict';

export interface FuzzFile {
  /** Relative to the case dir. */
  path: string;
  content?: string | Uint8Array;
  /** A directory (content ignored). */
  dir?: boolean;
  /** A symlink to this target. */
  symlink?: string;
}

export interface FuzzCase {
  category: Category;
  args: string[];
  files: FuzzFile[];
  expect: Expectation;
  /** The bad input: the error line names at least one of these (empty: not checked). */
  mentions: string[];
}

/** The run's own settings a case may set to valid values (never those that choose how servers start). */
const SAFETY_KEYS = new Set(['provider', 'zkHome', 'store', 'zookeeper', 'image', 'toxiproxyUrl']);
const RUN_SAFE_SETTINGS = SETTINGS.filter(
  (s) => !SAFETY_KEYS.has(s.key) && s.key !== 'workload' && s.key !== 'nemesis',
);
const PLUGINS = [...pluginSettings(CATALOG).values()];
const WORKLOADS = CATALOG.workloads.map((w) => w.name);
const NEMESES = CATALOG.nemeses.map((n) => n.name);
const MODEL_NAMES = Object.keys(MODELS);
const RUN_BASE = ['run', '--provider', 'local', '--zk-home', '$CASE/no-zk-home', '--store', '$CASE/store'];
export const FIXTURE_RUN = 'r-partition-leader/20261205T130348.071Z';

interface Flag {
  key: string;
  args: string[];
  /** Set only when this flag is a bad input. */
  mentions?: string[];
}

// --- values ---------------------------------------------------------------------------------------

/** Text that is not a number to Number() (or blank, which zkcheck refuses too). */
const notANumber = fc.oneof(
  pick('abc', '', ' ', 'NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '0x', '1,5', '٣', 'one', '½', '--'),
  text({ maxLength: 12 }).filter((s) => Number.isNaN(Number(s)) || s.trim() === ''),
);

function invalidValue(setting: Setting): fc.Arbitrary<string> {
  switch (setting.kind) {
    case 'int':
    case 'number': {
      const out: Array<fc.Arbitrary<string>> = [notANumber];
      if (setting.kind === 'int') out.push(pick('1.5', '9007199254740993', '1e30', '0.0001'));
      if (setting.min !== undefined) {
        const min = setting.min;
        out.push(
          fc.double({ max: min - 0.001, noNaN: true, noDefaultInfinity: true, min: -1e12 }).map(String),
        );
        out.push(just(String(min - 1)));
      }
      if (setting.max !== undefined) {
        const max = setting.max;
        out.push(fc.integer({ min: max + 1, max: max + 1_000_000 }).map(String));
      }
      return fc.oneof(...out);
    }
    case 'string':
      if (setting.choices) {
        const choices = setting.choices;
        return fc.oneof(
          just(''),
          text({ maxLength: 20 }).filter((s) => !choices.includes(s)),
          pick(...choices).map((c) => c.toUpperCase() + ' '),
        );
      }
      return just('');
    default:
      return just('');
  }
}

function validValue(setting: Setting): fc.Arbitrary<string> | undefined {
  switch (setting.kind) {
    case 'int': {
      const min = setting.min ?? 0;
      return fc.integer({ min, max: setting.max ?? min + 1000 }).map(String);
    }
    case 'number': {
      const min = setting.min ?? 0;
      return fc
        .double({ min, max: setting.max ?? min + 100, noNaN: true, noDefaultInfinity: true })
        .map((v) => String(v));
    }
    case 'string':
      if (setting.choices) return pick(...setting.choices);
      if (setting.key === 'name') return fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
      return undefined; // free-form plug-in strings (a grudge spec): only in their own cases
    case 'boolean':
      return just('');
    default:
      return undefined;
  }
}

/** A flag and its value; `--flag=-x` when the value looks like an option (else commander may read -V as --version). */
function withValue(flag: string, value: string): string[] {
  return value.startsWith('-') ? [`${flag}=${value}`] : [flag, value];
}

function flagArgs(setting: Setting, value: string): string[] {
  return setting.kind === 'boolean' ? [longFlag(setting)] : [longFlag(setting), value];
}

/**
 * Unicode and path tricks for names and values. No control characters: a message that quotes a
 * path or name with a newline in it takes two lines, and argv cannot hold NUL.
 */
const oddText = fc.oneof(
  text({ maxLength: 30, unit: 'grapheme' }),
  text({ maxLength: 30, unit: 'binary' }),
  pick('../x', 'a/b', 'ä', '名前', '\u202e', 'x y', '.', '..', 'latest', '-', '-x'),
);

const unknownFlag = fc
  .oneof(
    fc.stringMatching(/^--[a-z][a-z-]{0,20}$/),
    pick('--node', '--Nodes', '--time_limit', '--timeLimit', '--verbose', '-x', '-Z', '--consistency-all'),
  )
  .filter((flag) => !KNOWN_LONG_FLAGS.has(flag) && flag !== '--help' && flag !== '-h' && flag !== '--all');

const KNOWN_LONG_FLAGS = new Set([
  ...SETTINGS.map(longFlag),
  ...PLUGINS.map((p) => longFlag(p.setting)),
  '--config',
  '--version',
  '--json',
  '--store',
  '--check-time-limit',
  '--model',
  '--format',
  '--independent',
  '--init',
  '--time-limit',
  '--consistency',
  '--shrink',
  '--port',
  '--host',
  '--provider',
  '--image',
  '--zookeeper',
  '--zk-home',
  '--suite',
  '--mirror',
  '--force',
  '--all',
]);

// --- run ------------------------------------------------------------------------------------------

interface RunPlan {
  workload: string;
  nemeses: string[];
}

const runPlan: fc.Arbitrary<RunPlan> = fc.record({
  workload: pick(...WORKLOADS),
  nemeses: fc.subarray(NEMESES, { maxLength: 3 }),
});

function usedBy(plan: RunPlan, owners: string[]): boolean {
  return owners.some(
    (owner) =>
      owner === `workload ${plan.workload}` || plan.nemeses.some((name) => owner === `nemesis ${name}`),
  );
}

/** Valid flags that set nothing the bad ones set: noise around the bad input. */
function noiseFlags(plan: RunPlan): fc.Arbitrary<Flag[]> {
  const candidates: Array<fc.Arbitrary<Flag>> = [];
  for (const setting of RUN_SAFE_SETTINGS) {
    const value = validValue(setting);
    if (value) candidates.push(value.map((v) => ({ key: setting.key, args: flagArgs(setting, v) })));
  }
  for (const { setting, owners } of PLUGINS) {
    const value = validValue(setting);
    if (value && usedBy(plan, owners))
      candidates.push(value.map((v) => ({ key: setting.key, args: flagArgs(setting, v) })));
  }
  return fc.array(fc.oneof(...candidates), { maxLength: 5 });
}

/** One input that `run` must refuse before anything starts, and the words that name it. */
function badRunFlag(plan: RunPlan): fc.Arbitrary<Flag> {
  const options: Array<fc.Arbitrary<Flag>> = [];
  for (const setting of RUN_SAFE_SETTINGS.filter((s) => s.kind !== 'boolean')) {
    options.push(
      invalidValue(setting).map((v) => ({
        key: setting.key,
        args: withValue(longFlag(setting), v),
        mentions: [longFlag(setting)],
      })),
    );
  }
  for (const { setting, owners } of PLUGINS) {
    if (usedBy(plan, owners)) {
      if (setting.kind !== 'boolean' && (setting.choices || setting.kind !== 'string'))
        options.push(
          invalidValue(setting).map((v) => ({
            key: setting.key,
            args: withValue(longFlag(setting), v),
            mentions: [longFlag(setting)],
          })),
        );
    } else {
      // A setting of a plug-in this run does not use: refused, naming the flag.
      const value = validValue(setting) ?? just('1,2|3');
      options.push(
        value.map((v) => ({ key: setting.key, args: flagArgs(setting, v), mentions: [longFlag(setting)] })),
      );
    }
  }
  options.push(
    fc
      .string({ minLength: 1, maxLength: 15 })
      .filter((s) => !WORKLOADS.includes(s))
      .map((w) => ({ key: 'workload', args: withValue('--workload', w), mentions: ['--workload', '-w'] })),
    fc
      .tuple(
        fc.subarray(NEMESES, { maxLength: 2 }),
        fc.stringMatching(/^[a-z][a-z-]{0,15}$/).filter((s) => !NEMESES.includes(s) && s !== 'none'),
      )
      .map(([known, bad]) => ({
        key: 'nemesis',
        args: ['--nemesis', [...known, bad].join(',')],
        mentions: [bad],
      })),
    unknownFlag.map((flag) => ({ key: flag, args: [flag], mentions: [flag] })),
    fc
      .stringMatching(/^[a-z0-9][a-z0-9.]{0,10}$/)
      .map((word) => ({ key: 'positional', args: [word], mentions: ["'run'", 'argument'] })),
    pick(...KNOWN_ZOOKEEPER_VERSIONS).map((v) => ({
      key: 'zookeeper',
      args: ['--zookeeper', v],
      mentions: ['--zookeeper'],
    })),
    oddText
      .filter((s) => !/^[A-Za-z0-9._-]+$/.test(s) || s === '.' || s === '..' || s === 'latest')
      .map((name) => ({ key: 'name', args: withValue('--name', name), mentions: ['name'] })),
    // A file, a path below a file, and a store whose `latest` is a directory.
    pick('$CASE/a-file', '$FIXTURE/latest/history.jsonl', '$CASE/a-file/below', '$CASE/odd-store').map(
      (store) => ({ key: 'store', args: ['--store', store], mentions: ['--store', store] }),
    ),
  );
  return fc.oneof(...options);
}

/** Bad flags and odd values for `run`: each case has one to three bad inputs among valid noise. */
export const runFlagsCase: fc.Arbitrary<FuzzCase> = runPlan.chain((plan) =>
  fc
    .tuple(fc.array(badRunFlag(plan), { minLength: 1, maxLength: 3 }), noiseFlags(plan))
    .chain(([bad, noise]) => {
      const badKeys = new Set(bad.map((f) => f.key));
      const kept = noise.filter((f) => !badKeys.has(f.key));
      return fc.shuffledSubarray([...bad, ...kept], { minLength: bad.length + kept.length }).map((flags) => ({
        category: 'run-flags' as const,
        args: [
          ...RUN_BASE,
          // The plan first, so that a bad --workload or --nemesis later overrides it.
          '--workload',
          plan.workload,
          '--nemesis',
          plan.nemeses.join(',') || 'none',
          ...flags.flatMap((f) => f.args),
        ],
        files: [
          { path: 'a-file', content: 'not a store\n' },
          { path: 'odd-store/latest/x', dir: true },
        ],
        expect: 'bad' as const,
        mentions: bad.flatMap((f) => f.mentions ?? []),
      }));
    }),
);

// --- config files ---------------------------------------------------------------------------------

const jsonScalar = fc.oneof(fc.boolean(), fc.double(), fc.integer(), text({ maxLength: 10 }), just(null));

/** A value the setting refuses in a config file (where numbers may also be given as digits). */
function invalidConfigValue(setting: Setting): fc.Arbitrary<string> {
  const json = (v: unknown) => JSON.stringify(v);
  const structured = fc.oneof(
    fc.array(jsonScalar, { maxLength: 3 }).map(json),
    fc.dictionary(text({ maxLength: 5 }), jsonScalar, { maxKeys: 3 }).map(json),
  );
  switch (setting.kind) {
    case 'int':
    case 'number':
      return fc.oneof(
        structured,
        fc.boolean().map(json),
        invalidValue(setting).map(json),
        pick('1e400', '-1e400'),
        // Beyond 2^53: not a whole number zkcheck can hold (a plain number setting takes it).
        ...(setting.kind === 'int' ? [pick('1.5', '2.000001', '123456789012345678901234567890')] : []),
      );
    case 'string':
      return fc.oneof(
        structured,
        fc.boolean().map(json),
        fc.integer().map(json),
        setting.choices ? invalidValue(setting).map(json) : just('""'),
      );
    case 'boolean':
      return fc.oneof(structured, pick('"true"', '1', '0', '"yes"', '""'));
    default:
      return structured;
  }
}

const ALL_KEYS = [...SETTINGS.map((s) => s.key), ...PLUGINS.map((p) => p.setting.key)];

const badConfigEntry: fc.Arbitrary<{ key: string; text: string }> = fc.oneof(
  fc
    .constantFrom(...SETTINGS.filter((s) => !SAFETY_KEYS.has(s.key) || s.key === 'store'))
    .chain((setting) => invalidConfigValue(setting).map((text) => ({ key: setting.key, text }))),
  // Unknown keys, near misses and nested objects where a value belongs.
  fc
    .oneof(
      text({ maxLength: 15, unit: 'grapheme' }),
      pick('settings', 'Nodes', 'time-limit', 'time_limit', '__proto__', 'constructor', ''),
    )
    .filter((key) => !ALL_KEYS.includes(key))
    // Not null: a null value means "not set", and harness/config.ts skips it before it looks at the
    // key (reported: an unknown key with a null value passes).
    .chain((key) =>
      fc
        .jsonValue({ maxDepth: 3 })
        .filter((v) => v !== null)
        .map((v) => ({ key, text: JSON.stringify(v) })),
    ),
);

const validConfigEntry: fc.Arbitrary<{ key: string; text: string }> = fc
  .constantFrom(...RUN_SAFE_SETTINGS)
  .chain((setting) => {
    const value = validValue(setting);
    if (!value) return just({ key: setting.key, text: 'null' });
    return value.map((v) => ({
      key: setting.key,
      text: setting.kind === 'boolean' ? 'true' : setting.kind === 'string' ? JSON.stringify(v) : v,
    }));
  });

const objectText = (entries: Array<{ key: string; text: string }>) =>
  `{${entries.map((e) => `${JSON.stringify(e.key)}: ${e.text}`).join(', ')}}`;

/** Config file contents that must be refused, with the file's name. */
const badConfigFile: fc.Arbitrary<{
  name: string;
  content?: string | Uint8Array;
  dir?: boolean;
  mentions: string[];
}> = fc.oneof(
  // An object with at least one bad entry among good ones.
  fc
    .tuple(
      fc.array(badConfigEntry, { minLength: 1, maxLength: 2 }),
      fc.array(validConfigEntry, { maxLength: 4 }),
    )
    .map(([bad, good]) => [bad, good.filter((g) => !bad.some((b) => b.key === g.key))] as const)
    // A key given twice: JSON keeps the last, so no good entry repeats a bad one's key.
    .chain(([bad, good]) => fc.shuffledSubarray([...bad, ...good], { minLength: bad.length + good.length }))
    .map((entries) => ({ name: 'config.json', content: objectText(entries), mentions: ['config.json'] })),
  // Not an object.
  fc
    .oneof(
      jsonScalar.map((v) => JSON.stringify(v)),
      fc
        .jsonValue({ maxDepth: 2 })
        .filter(Array.isArray)
        .map((v) => JSON.stringify(v)),
    )
    .map((text) => ({ name: 'config.json', content: text, mentions: ['config.json'] })),
  // Truncated JSON.
  fc
    .tuple(fc.array(validConfigEntry, { minLength: 1, maxLength: 5 }), fc.nat())
    .map(([entries, cut]) => {
      const text = objectText(entries);
      return text.slice(0, cut % text.length);
    })
    .map((text) => ({ name: 'config.json', content: text, mentions: ['config.json'] })),
  // Deep nesting, huge numbers, unicode, BOM, NUL, binary garbage, empty.
  fc.constantFrom(1000, 10_000, 100_000).map((depth) => ({
    name: 'config.json',
    content: `{"nodes": ${'['.repeat(depth)}${']'.repeat(depth)}}`,
    mentions: ['config.json'],
  })),
  fc
    .constantFrom(
      '',
      ' \n',
      '\uFEFF{"nodes": 3}',
      '{"nodes": 3}\u0000',
      '{"nodes": 3} {"nodes": 5}',
      '{"nodes": 3, "nodes": "x"}',
      '{"name": "\\ud800"}',
      '{"name": "名前"}',
      '{"timeLimit": 1e999}',
      '{"seed": 18446744073709551617}',
      '{"nodes": -0.0e-0, "rate": 1}',
      '{nodes: 3}',
      "{'nodes': 3}",
      '{"nodes": 3,}',
      '// comment\n{"nodes": 3}',
    )
    .map((text) => ({ name: 'config.json', content: text, mentions: ['config.json'] })),
  fc
    .uint8Array({ minLength: 1, maxLength: 200 })
    .map((bytes) => ({ name: 'config.json', content: bytes, mentions: ['config.json'] })),
  // Not a readable .json file.
  just({ name: 'config.json', dir: true, mentions: ['config.json'] }),
  just({ name: 'missing.json', mentions: ['missing.json'] }),
  fc
    .constantFrom('config.yaml', 'config.txt', 'config', 'config.JSON', 'config.json5', '.json')
    .map((name) => ({ name, content: '{"nodes": 3}', mentions: [name] })),
  // Modules whose default export is no settings object, or that fail to load.
  fc
    .constantFrom(
      'export default 42;',
      'export default null;',
      'export default [1, 2];',
      'export default "nodes";',
      'export default { nodes: "three" };',
      'export default { nodes: 3n };',
      'export default { nodes: () => 3 };',
      'export default { nodes: Symbol("x") };',
      'export default { timeLimit: new Date() };',
      'export const nodes = 3;',
      'throw new Error("boom");',
      'export default {',
      'import "./missing.mjs"; export default {};',
    )
    .chain((text) =>
      pick('config.mjs', 'config.js').map((name) => ({ name, content: text, mentions: [name] })),
    ),
);

export const runConfigCase: fc.Arbitrary<FuzzCase> = runPlan.chain((plan) =>
  fc.tuple(badConfigFile, noiseFlags(plan)).map(([file, noise]) => ({
    category: 'run-config' as const,
    args: [
      ...RUN_BASE,
      '--workload',
      plan.workload,
      '--nemesis',
      plan.nemeses.join(',') || 'none',
      ...noise.flatMap((f) => f.args),
      '--config',
      `$CASE/${file.name}`,
    ],
    files: file.name.startsWith('missing')
      ? []
      : [{ path: file.name, ...(file.dir ? { dir: true } : { content: file.content ?? '' }) }],
    expect: 'bad' as const,
    mentions: file.mentions,
  })),
);

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

const historyText: fc.Arbitrary<{ ext: string; content: string | Uint8Array }> = registerHistory.chain(
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

const VALID_HISTORY = toJsonl([
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

// --- stored runs: analyze and report --------------------------------------------------------------

const RUN = 'store/t/20260101T000000.000Z';

const TEST_JSON = JSON.stringify({
  name: 't',
  status: 'done',
  config: { timeLimit: 1, checkTimeLimit: 5 },
  workload: { name: 'register', model: { name: 'zk-versioned-register' } },
});

/** A store with one run in it, and one thing broken (or odd). */
const brokenStore: fc.Arbitrary<{ files: FuzzFile[]; what: string }> = fc.oneof(
  just({ files: [{ path: `${RUN}/results.json`, dir: true }], what: 'results.json' }),
  just({ files: [{ path: `${RUN}/history.jsonl`, dir: true }], what: 'history.jsonl' }),
  just({ files: [{ path: `${RUN}/test.json`, dir: true }], what: 'test.json' }),
  fc
    .constant({ files: [], what: 'test.json' })
    .map((s) => ({ ...s, files: [{ path: `${RUN}/test.json`, symlink: 'test.json' }] })),
  just({ files: [{ path: `${RUN}/counterexamples`, content: 'a file' }], what: 'counterexamples' }),
  just({ files: [{ path: `${RUN}/report.html`, dir: true }], what: 'report.html' }),
  just({ files: [{ path: `${RUN}/charts`, content: 'a file' }], what: 'charts' }),
  fc
    .oneof(
      pick(
        '',
        '[]',
        'null',
        '42',
        '{"checks": {"claims": "x"}}',
        '{"checks": {"claims": [{}]}}',
        '{"checks": {"claims": [{"name": "x", "checker": "nope"}]}}',
        '{"workload": {"model": {"name": "nope"}}}',
        '{"workload": {"model": 5}}',
        '{',
        '{"config": {"timeLimit": "x", "checkTimeLimit": -1}}',
      ),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
    )
    .map((text) => ({ files: [{ path: `${RUN}/test.json`, content: text }], what: 'test.json' })),
  historyText.map((h) => ({
    files: [{ path: `${RUN}/history.jsonl`, content: h.content }],
    what: 'history.jsonl',
  })),
  pick('nowhere', '.', 'latest', '../../..', 't').map((target) => ({
    files: [{ path: 'store/latest', symlink: target }],
    what: 'latest',
  })),
  just({ files: [{ path: 'store/t/latest', dir: true }], what: 'latest' }),
);

export const storeCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  // analyze or report of a run with something broken in it.
  fc
    .tuple(
      brokenStore,
      pick('analyze', 'report'),
      pick(undefined, 'latest', 't', `$CASE/${RUN}`, RUN.replace('store/', '')),
      fc.boolean(),
    )
    .map(([store, command, ref, json]) => {
      const base: FuzzFile[] = [
        { path: `${RUN}/test.json`, content: TEST_JSON },
        { path: `${RUN}/history.jsonl`, content: VALID_HISTORY },
        { path: 'store/t/latest', symlink: '20260101T000000.000Z' },
        { path: 'store/latest', symlink: 't/20260101T000000.000Z' },
      ];
      const overridden = new Set(store.files.map((f) => f.path));
      return {
        category: 'store' as const,
        args: [
          command,
          ...(ref === undefined ? [] : [ref]),
          '--store',
          '$CASE/store',
          ...(json && command === 'analyze' ? ['--json'] : []),
        ],
        files: [...base.filter((f) => !overridden.has(f.path)), ...store.files],
        expect: 'bad-or-verdict' as const,
        mentions: [store.what, 'store', 't'],
      };
    }),
  // Bad stores and references.
  fc
    .tuple(
      pick('analyze', 'report'),
      fc.oneof(
        pick('$CASE/a-file', '$CASE/missing', '$CASE/a-file/x', '/dev/null', '$CASE', '/'),
        oddText.map((s) => `$CASE/${s}`),
      ),
      fc.option(
        fc.oneof(oddText, pick('x'.repeat(300), 'a/'.repeat(3000), '.', '..', '/', 'latest/..', '\\')),
        { nil: undefined },
      ),
    )
    .map(([command, store, ref]) => ({
      category: 'store' as const,
      args: [command, ...(ref === undefined ? [] : [ref]), '--store', store],
      files: [{ path: 'a-file', content: 'x' }],
      expect: 'bad' as const,
      mentions: [],
    })),
  // Bad flags, with the fixture store: it must not change.
  fc
    .tuple(
      pick('analyze', 'report'),
      fc.oneof(
        fc.oneof(notANumber, pick('0', '-1', '-0.001')).map((v) => ({
          args: ['--check-time-limit', v],
          mentions: ['--check-time-limit'],
          analyzeOnly: true,
        })),
        unknownFlag.map((flag) => ({ args: [flag], mentions: [flag], analyzeOnly: false })),
        just({ args: ['latest', 'extra'], mentions: ['argument'], analyzeOnly: false }),
      ),
      pick(undefined, 'latest', 'r-partition-leader', `$FIXTURE/${FIXTURE_RUN}`),
    )
    .map(([command, bad, ref]) => ({
      category: 'store' as const,
      args: [
        bad.analyzeOnly ? 'analyze' : command,
        ...(ref === undefined ? [] : [ref]),
        '--store',
        '$FIXTURE',
        ...bad.args,
      ],
      files: [],
      expect: 'bad' as const,
      mentions: bad.mentions,
    })),
);

// --- serve, doctor, image, clean, top level (real processes only) ---------------------------------

export const serveCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .tuple(
        fc.oneof(notANumber, pick('-1', '65536', '1.5', '99999999', '1e3x', '0x50')),
        pick('$FIXTURE', '$CASE/missing'),
      )
      .map(([port, store]) => ({
        args: ['serve', '--port', port, '--store', store],
        mentions: ['--port', 'store'],
      })),
    fc
      .constantFrom('$CASE/missing', '$CASE/a-file', '/dev/null', '$CASE/a-file/x')
      .map((store) => ({ args: ['serve', '--port', '0', '--store', store], mentions: ['store', store] })),
    fc.constantFrom('999.1.1.1', '1.2.3', '::g', '127.0.0.1:80', '[::1]', 'a b').map((host) => ({
      args: ['serve', '--port', '0', '--store', '$FIXTURE', '--host', host],
      mentions: [host],
    })),
    just({ args: ['serve', '--port', '$BUSY_PORT', '--store', '$FIXTURE'], mentions: ['$BUSY_PORT'] }),
    unknownFlag.map((flag) => ({ args: ['serve', '--store', '$FIXTURE', flag], mentions: [flag] })),
    just({ args: ['serve', 'extra', '--store', '$FIXTURE'], mentions: ["'serve'"] }),
  )
  .map((c) => ({
    category: 'serve' as const,
    args: c.args,
    files: [{ path: 'a-file', content: 'x' }],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));

export const doctorCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .string({ maxLength: 10 })
      .filter((s) => !['auto', 'docker', 'local'].includes(s))
      .map((p) => ({ args: ['doctor', '--provider', p], mentions: ['--provider'], expect: 'bad' as const })),
    unknownFlag.map((flag) => ({ args: ['doctor', flag], mentions: [flag], expect: 'bad' as const })),
    just({ args: ['doctor', 'extra'], mentions: ["'doctor'"], expect: 'bad' as const }),
    just({ args: ['doctor', '--zookeeper'], mentions: ['--zookeeper'], expect: 'bad' as const }),
    // Odd but acceptable: doctor says what is missing (exit 0 or 1).
    fc
      .tuple(
        pick('local', 'docker'),
        pick(
          ['--zookeeper', '1.0'],
          ['--zk-home', '$CASE/missing'],
          ['--image', 'bad::image'],
          ['--zk-home', '$CASE/a-file'],
        ),
      )
      .map(([provider, odd]) => ({
        args: ['doctor', '--provider', provider, ...odd, '--json'],
        mentions: [],
        expect: 'bad-or-verdict' as const,
      })),
  )
  .map((c) => ({
    category: 'doctor' as const,
    args: c.args,
    files: [{ path: 'a-file', content: 'x' }],
    expect: c.expect,
    mentions: c.mentions,
  }));

export const imageCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .string({ maxLength: 12 })
      .filter((v) => !KNOWN_ZOOKEEPER_VERSIONS.includes(v))
      .map((v) => ({ args: ['image', 'build', '--zookeeper', v], mentions: ['version'] })),
    fc
      .tuple(pick(...KNOWN_ZOOKEEPER_VERSIONS), text({ maxLength: 10 }))
      .filter(([v, suite]) => debianSuiteFor(v) !== suite)
      .map(([v, suite]) => ({
        args: ['image', 'build', '--zookeeper', v, '--suite', suite],
        mentions: ['--suite'],
      })),
    unknownFlag.map((flag) => ({ args: ['image', 'build', flag], mentions: [flag] })),
    unknownFlag.map((flag) => ({ args: ['image', 'list', flag], mentions: [flag] })),
    fc
      .stringMatching(/^[a-z][a-z-]{0,10}$/)
      .filter((s) => !['build', 'list', 'help'].includes(s))
      .map((sub) => ({ args: ['image', sub], mentions: [sub] })),
    just({
      args: ['image', 'build', 'extra', '--zookeeper', '0.0.0'],
      mentions: ["'build'", '0.0.0'],
    }),
  )
  .map((c) => ({
    category: 'image' as const,
    args: c.args,
    files: [],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));

/** `clean` with anything valid would sweep other runs: only shapes commander refuses before acting. */
export const cleanCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    unknownFlag.map((flag) => ({ args: ['clean', flag], mentions: [flag] })),
    fc
      .stringMatching(/^[a-z0-9][a-z0-9._]{0,10}$/)
      .map((word) => ({ args: ['clean', word], mentions: ["'clean'"] })),
    unknownFlag.map((flag) => ({ args: ['clean', '--all', flag], mentions: [flag] })),
  )
  .map((c) => ({
    category: 'clean' as const,
    args: c.args,
    files: [],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));

/**
 * Words that are no command: a command word could start anything (`zkcheck run` is a real run).
 * Commands are lowercase, so every word here has an uppercase letter, a digit first or a character
 * outside [a-z-].
 */
const notACommand = fc
  .oneof(fc.stringMatching(/^[A-Z0-9][A-Za-z0-9-]{0,12}$/), oddText)
  .filter((s) => s !== '' && !s.startsWith('-') && !/^[a-z-]+$/.test(s));

export const topLevelCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    notACommand.map((word) => ({ args: [word], mentions: [word] })),
    unknownFlag.map((flag) => ({ args: [flag], mentions: [flag] })),
    notACommand.map((word) => ({ args: ['help', word], mentions: [word] })),
  )
  .map((c) => ({
    category: 'top-level' as const,
    args: c.args,
    files: [],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));

/** Cases the in-process entry `main(argv)` may run: none of them can act on anything outside its dir. */
export const inProcessCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { arbitrary: runFlagsCase, weight: 3 },
  { arbitrary: runConfigCase, weight: 3 },
  { arbitrary: checkFlagsCase, weight: 2 },
  { arbitrary: checkHistoryCase, weight: 5 },
  { arbitrary: storeCase, weight: 3 },
  { arbitrary: topLevelCase, weight: 1 },
);

/** Cases for real processes: every category (serve, doctor, image and clean only here). */
export const processCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { arbitrary: runFlagsCase, weight: 3 },
  { arbitrary: runConfigCase, weight: 2 },
  { arbitrary: checkFlagsCase, weight: 2 },
  { arbitrary: checkHistoryCase, weight: 3 },
  { arbitrary: storeCase, weight: 2 },
  { arbitrary: serveCase, weight: 2 },
  { arbitrary: doctorCase, weight: 1 },
  { arbitrary: imageCase, weight: 2 },
  { arbitrary: cleanCase, weight: 1 },
  { arbitrary: topLevelCase, weight: 1 },
);
