import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  SETTINGS,
  coerceSetting,
  defaultConfig,
  loadConfigFile,
  mergeConfig,
  pluginSettings,
  validateSettings,
  type Setting,
} from './config.js';
import { CATALOG } from './test-spec.js';

const setting = (key: string): Setting =>
  SETTINGS.find((s) => s.key === key) ?? pluginSettings(CATALOG).get(key)!.setting;

/** The error a call throws, checked to be a ConfigError. */
function configError(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

async function configErrorOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => new Error('expected a ConfigError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('the settings table', () => {
  it('declares every setting once, each with a long flag and help text', () => {
    const keys = SETTINGS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of SETTINGS) {
      expect(s.flag).toMatch(/--[a-z-]+/);
      expect(s.help.length).toBeGreaterThan(0);
    }
  });

  it('gives defaults that pass their own checks', () => {
    for (const s of SETTINGS) {
      if (s.default !== undefined) expect(coerceSetting(s, s.default, 'defaults')).toBe(s.default);
    }
  });

  it('builds the default config from the table, the name from the workload', () => {
    const config = mergeConfig(defaultConfig(), {}, CATALOG);
    expect(config).toMatchObject({
      name: 'register',
      workload: 'register',
      nemesis: 'none',
      nodes: 3,
      concurrency: 10,
      rate: 200,
      timeLimit: 60,
      provider: 'auto',
      store: 'runs',
      keepDirs: false,
      settings: { readMode: 'plain', threadsPerKey: 5, opsPerKey: 300 },
    });
    expect('seed' in config).toBe(false);
    expect('minThroughput' in config).toBe(false);
  });
});

describe('coerceSetting', () => {
  it('turns flag text into numbers for int and number settings', () => {
    expect(coerceSetting(setting('nodes'), '5', 'flag')).toBe(5);
    expect(coerceSetting(setting('rate'), '2.5', 'flag')).toBe(2.5);
    expect(coerceSetting(setting('seed'), '0', 'flag')).toBe(0);
  });

  it('names the long flag for a bad flag value', () => {
    expect(configError(() => coerceSetting(setting('nodes'), 'three', 'flag'))).toBe(
      '--nodes: expected a whole number, got "three"',
    );
    expect(configError(() => coerceSetting(setting('timeLimit'), 'soon', 'flag'))).toBe(
      '--time-limit: expected a number, got "soon"',
    );
    expect(configError(() => coerceSetting(setting('concurrency'), '', 'flag'))).toBe(
      '--concurrency: expected a whole number, got ""',
    );
  });

  it('names the flag of a boolean setting without a value part', () => {
    expect(coerceSetting(setting('keepDirs'), true, 'flag')).toBe(true);
    expect(configError(() => coerceSetting(setting('keepDirs'), 'yes', 'flag'))).toBe(
      '--keep-dirs: expected true or false, got "yes"',
    );
  });

  it('names the key and the file for a bad file value', () => {
    expect(configError(() => coerceSetting(setting('nodes'), 2.5, 'zk.json'))).toBe(
      '"nodes" in zk.json: expected a whole number, got 2.5',
    );
    expect(configError(() => coerceSetting(setting('name'), 7, 'zk.json'))).toBe(
      '"name" in zk.json: expected a non-empty string, got 7',
    );
    expect(configError(() => coerceSetting(setting('name'), '', 'zk.json'))).toBe(
      '"name" in zk.json: expected a non-empty string, got ""',
    );
  });

  it('rejects values out of range, with the range', () => {
    expect(configError(() => coerceSetting(setting('nodes'), '0', 'flag'))).toBe(
      '--nodes: expected from 1 to 15, got 0',
    );
    expect(configError(() => coerceSetting(setting('nodes'), 16, 'c.json'))).toBe(
      '"nodes" in c.json: expected from 1 to 15, got 16',
    );
    expect(configError(() => coerceSetting(setting('rate'), '-1', 'flag'))).toBe(
      '--rate: expected from 0 to 100000, got -1',
    );
    expect(configError(() => coerceSetting(setting('opTimeout'), 99, 'c.json'))).toBe(
      '"opTimeout" in c.json: expected from 100 to 600000, got 99',
    );
    expect(coerceSetting(setting('nodes'), 15, 'c.json')).toBe(15);
    expect(coerceSetting(setting('rate'), 0.1, 'c.json')).toBe(0.1);
    expect(coerceSetting(setting('rate'), '0', 'flag')).toBe(0); // unlimited
  });

  it('rejects infinite and unsafe numbers', () => {
    expect(configError(() => coerceSetting(setting('rate'), 'Infinity', 'flag'))).toBe(
      '--rate: expected a number, got "Infinity"',
    );
    expect(configError(() => coerceSetting(setting('seed'), 2 ** 60, 'c.json'))).toBe(
      `"seed" in c.json: expected a whole number, got ${2 ** 60}`,
    );
  });

  it('caps every number setting, declared max or not, below what a timer can hold', () => {
    expect(configError(() => coerceSetting(setting('timeLimit'), 1e9, 'c.json'))).toBe(
      '"timeLimit" in c.json: expected from 1 to 604800, got 1000000000',
    );
    // lockPoll declares no max: setTimeout's limit is its ceiling.
    expect(configError(() => coerceSetting(setting('lockPoll'), '3e9', 'flag'))).toBe(
      `--lock-poll: expected from 10 to ${2 ** 31 - 1}, got 3000000000`,
    );
    expect(coerceSetting(setting('seed'), 2 ** 40, 'flag')).toBe(2 ** 40);
  });

  it('shows any value on one short line: past the double range, deep, a BigInt, multi-line', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const messages = [
      configError(() => coerceSetting(setting('rate'), JSON.parse('1e400'), 'c.json')),
      configError(() => coerceSetting(setting('rate'), deep, 'c.json')),
      configError(() => coerceSetting(setting('rate'), 10n ** 30n, 'c.json')),
      configError(() => coerceSetting(setting('rate'), { a: 1 }, 'c.json')),
      configError(() => coerceSetting(setting('provider'), 'x\ny'.repeat(50), 'c.json')),
    ];
    expect(messages.slice(0, 4)).toEqual([
      '"rate" in c.json: expected a number, got Infinity',
      '"rate" in c.json: expected a number, got a list of 1',
      `"rate" in c.json: expected a number, got ${10n ** 30n}`,
      '"rate" in c.json: expected a number, got {"a":1}',
    ]);
    for (const message of messages) {
      expect(message).not.toContain('\n');
      expect(message.length).toBeLessThan(160);
    }
  });

  it('lists the choices of a setting that has them', () => {
    expect(configError(() => coerceSetting(setting('readMode'), 'strong', 'flag'))).toBe(
      '--read-mode: expected one of plain, sync, got "strong"',
    );
    expect(configError(() => mergeConfig({ workload: 'stack' }, {}, CATALOG))).toBe(
      '--workload: unknown workload "stack" (workloads: register, set, lock, queue, ids, election, ephemeral)',
    );
    expect(coerceSetting(setting('provider'), 'local', 'flag')).toBe('local');
  });
});

describe('validateSettings', () => {
  it('keeps the valid settings and drops null ones', () => {
    expect(validateSettings({ nodes: 5, readMode: 'sync', seed: null }, 'c.json', CATALOG)).toEqual({
      nodes: 5,
      settings: { readMode: 'sync' },
    });
  });

  it('refuses an unknown key even when its value is null', () => {
    expect(configError(() => validateSettings({ nodez: null }, 'c.json', CATALOG))).toMatch(
      /^c\.json: unknown setting "nodez" \(did you mean "nodes"\?|^c\.json: unknown setting "nodez" \(settings: /,
    );
  });

  it('refuses anything but an object', () => {
    for (const bad of [null, [], 'nodes=3', 3]) {
      expect(configError(() => validateSettings(bad, 'c.json', CATALOG))).toBe(
        'c.json: a config must be an object of settings',
      );
    }
  });

  it('suggests the setting a kebab-case or snake_case key meant', () => {
    expect(configError(() => validateSettings({ 'time-limit': 5 }, 'c.json', CATALOG))).toBe(
      'c.json: unknown setting "time-limit" (did you mean "timeLimit"?)',
    );
    expect(configError(() => validateSettings({ threads_per_key: 2 }, 'c.json', CATALOG))).toBe(
      'c.json: unknown setting "threads_per_key" (did you mean "threadsPerKey"?)',
    );
  });

  it('lists every setting for a key nothing resembles', () => {
    expect(configError(() => validateSettings({ colour: 'red' }, 'c.json', CATALOG))).toBe(
      `c.json: unknown setting "colour" (settings: ${[...SETTINGS.map((s) => s.key), ...pluginSettings(CATALOG).keys()].join(', ')})`,
    );
  });

  it('refuses a name that cannot be a directory name', () => {
    expect(configError(() => validateSettings({ name: '../etc' }, 'c.json', CATALOG))).toBe(
      `c.json: "name" may only contain letters, digits, '.', '_' and '-'`,
    );
    expect(validateSettings({ name: 'nightly-3.8_a' }, 'c.json', CATALOG)).toEqual({ name: 'nightly-3.8_a' });
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads a JSON file', async () => {
    const path = file('ok.json', JSON.stringify({ nodes: 5, nemesis: 'kill,pause' }));
    expect(await loadConfigFile(path, CATALOG)).toEqual({ nodes: 5, nemesis: 'kill,pause' });
  });

  it('reads the default export of an .mjs module', async () => {
    const path = file('ok.mjs', 'export default { concurrency: 4, keepDirs: true };\n');
    expect(await loadConfigFile(path, CATALOG)).toEqual({ concurrency: 4, keepDirs: true });
  });

  it('reads the default export of a .ts module through tsx', async () => {
    const path = file(
      'ok.ts',
      'const rate: number = 50;\nexport default { rate, readMode: "sync" as const };\n',
    );
    expect(await loadConfigFile(path, CATALOG)).toEqual({ rate: 50, settings: { readMode: 'sync' } });
  });

  it('reads a .ts module inside an ESM package too', async () => {
    const pkg = join(dir, 'esm');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), '{ "type": "module" }\n');
    const path = join(pkg, 'zk.ts');
    writeFileSync(path, 'export default { nodes: 7 as number };\n');
    expect(await loadConfigFile(path, CATALOG)).toEqual({ nodes: 7 });
  });

  it('says when the file does not exist', async () => {
    const path = join(dir, 'missing.json');
    expect(await configErrorOf(loadConfigFile(path, CATALOG))).toBe(`config file ${path} does not exist`);
  });

  it('says when the JSON does not parse', async () => {
    const path = file('bad.json', '{ "nodes": 3, }');
    expect(await configErrorOf(loadConfigFile(path, CATALOG))).toMatch(
      new RegExp(`^${escape(path)}: not valid JSON \\(.+\\)$`),
    );
    // V8 quotes the text around the error: a file of many lines still gives one.
    const long = file('lines.json', `nodes\n${'x\n'.repeat(500)}`);
    const message = await configErrorOf(loadConfigFile(long, CATALOG));
    expect(message).toMatch(/not valid JSON/);
    expect(message).not.toContain('\n');
  });

  it('checks a file the same way as an object, naming the file', async () => {
    const path = file('range.json', JSON.stringify({ nodes: 0 }));
    expect(await configErrorOf(loadConfigFile(path, CATALOG))).toBe(
      `"nodes" in ${path}: expected from 1 to 15, got 0`,
    );
  });

  it('refuses a module without a default export', async () => {
    const path = file('nodefault.mjs', 'export const nodes = 3;\n');
    expect(await configErrorOf(loadConfigFile(path, CATALOG))).toBe(
      `${path}: a config must be an object of settings`,
    );
  });

  it('says why a module cannot load, in one line', async () => {
    const path = file('throws.mjs', 'throw new Error("broken config\\nsecond line");\n');
    expect(await configErrorOf(loadConfigFile(path, CATALOG))).toBe(`${path}: cannot load (broken config)`);
  });

  it('refuses other extensions, listing the ones it reads', async () => {
    const path = file('zk.yaml', 'nodes: 3\n');
    expect(await configErrorOf(loadConfigFile(path, CATALOG))).toBe(
      `${path}: config files are .json, .js, .mjs or .ts`,
    );
  });
});

describe('mergeConfig', () => {
  it('takes defaults, then the file, then flags', () => {
    const config = mergeConfig({ nodes: 5, rate: 10, name: 'from-file' }, { rate: 20 }, CATALOG);
    expect(config.nodes).toBe(5);
    expect(config.rate).toBe(20);
    expect(config.name).toBe('from-file');
    expect(config.concurrency).toBe(10);
  });

  it('lets a flag override a file that overrides a default, for every layer at once', () => {
    const config = mergeConfig(
      { settings: { readMode: 'sync', opsPerKey: 5 }, keepDirs: true },
      { keepDirs: false, settings: { opsPerKey: 7 } },
      CATALOG,
    );
    expect(config.settings).toMatchObject({ readMode: 'sync', opsPerKey: 7 });
    expect(config.keepDirs).toBe(false);
  });

  it("fills in the chosen plug-ins' defaults, and only theirs", () => {
    expect(mergeConfig({}, { nemesis: 'kill' }, CATALOG).settings).toEqual({
      readMode: 'plain',
      threadsPerKey: 5,
      opsPerKey: 300,
      readShare: 0.5,
      killTargets: 'one',
    });
    expect(mergeConfig({}, { workload: 'set' }, CATALOG).settings).toEqual({});
  });

  it("refuses a plug-in's setting for a run that does not use that plug-in, naming who takes it", () => {
    expect(
      configError(() => mergeConfig({}, { workload: 'set', settings: { readMode: 'sync' } }, CATALOG)),
    ).toBe(
      '--read-mode: a setting of workload register, which this run does not use (--workload set, --nemesis none)',
    );
    expect(configError(() => mergeConfig({ settings: { killTargets: 'all' } }, {}, CATALOG))).toBe(
      '"killTargets": a setting of nemesis kill, which this run does not use (--workload register, --nemesis none)',
    );
  });

  it('refuses an unknown fault family, listing the families', () => {
    expect(configError(() => mergeConfig({}, { nemesis: 'partition,flood' }, CATALOG))).toBe(
      '--nemesis: unknown fault family "flood": use none or a comma-separated list of partition, partition-leader, partition-follower, partition-halves, partition-bridge, partition-ring, partition-grudge, client-cut, latency, bandwidth, reset-peer, slow-close, lag, kill, pause, sync-kill, disk, client-isolate, clock, upgrade',
    );
  });

  it('refuses a name from flags that cannot be a directory name', () => {
    expect(configError(() => mergeConfig({}, { name: 'a/b' }, CATALOG))).toBe(
      `--name: may only contain letters, digits, '.', '_' and '-', got "a/b"`,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
