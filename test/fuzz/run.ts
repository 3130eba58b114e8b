/**
 * `run` cases: bad flags among valid noise (run-flags), and config files that must be refused
 * (run-config). Every case starts with `--provider local --zk-home $CASE/no-zk-home`.
 */
import fc from 'fast-check';
import { SETTINGS, longFlag, type Setting } from '../../harness/config.js';
import { KNOWN_ZOOKEEPER_VERSIONS } from '../../harness/cluster/versions.js';
import {
  NEMESES,
  PLUGINS,
  RUN_SAFE_SETTINGS,
  SAFETY_KEYS,
  WORKLOADS,
  flagArgs,
  invalidValue,
  just,
  oddText,
  pick,
  text,
  unknownFlag,
  validValue,
  withValue,
  type Flag,
  type FuzzCase,
} from './common.js';

const RUN_BASE = ['run', '--provider', 'local', '--zk-home', '$CASE/no-zk-home', '--store', '$CASE/store'];

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

/**
 * The start of every run case: the safe base, then the plan, so that a bad --workload or
 * --nemesis given later overrides it.
 */
function planArgs(plan: RunPlan): string[] {
  return [...RUN_BASE, '--workload', plan.workload, '--nemesis', plan.nemeses.join(',') || 'none'];
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
        args: [...planArgs(plan), ...flags.flatMap((f) => f.args)],
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
    args: [...planArgs(plan), ...noise.flatMap((f) => f.args), '--config', `$CASE/${file.name}`],
    files: file.name.startsWith('missing')
      ? []
      : [{ path: file.name, ...(file.dir ? { dir: true } : { content: file.content ?? '' }) }],
    expect: 'bad' as const,
    mentions: file.mentions,
  })),
);
