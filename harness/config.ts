/**
 * The test config: the one source of truth for a run's settings. Every setting is declared once,
 * as data (type, default, limits, help): the run's own in harness/settings.ts, each workload's and
 * fault family's in its registry entry (workloads/index.ts, nemesis/index.ts, passed in as a
 * `Catalog`). The CLI builds its flags from the declarations, config files are validated against
 * them, and `test.json` stores the result. Precedence: defaults < config file < flags. A plug-in's
 * setting given to a run that does not use that plug-in is refused, naming who takes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { SETTING_CEILING, SETTINGS } from './settings.js';
import { oneLine, showValue } from './text.js';
import type { NemesisEntry, PluginSettings, Setting, WorkloadEntry } from './runner/spec.js';

export type { Setting } from './runner/spec.js';
export { SETTINGS } from './settings.js';

export interface TestConfig {
  name: string;
  workload: string;
  nemesis: string;
  nodes: number;
  concurrency: number;
  rate: number;
  timeLimit: number;
  seed?: number;
  provider: 'auto' | 'docker' | 'local';
  zookeeper?: string;
  image?: string;
  zkHome?: string;
  toxiproxyUrl?: string;
  nemesisInterval: number;
  nemesisDuration: number;
  /** serial: one fault at a time; storm: the families' faults overlapping. */
  nemesisMode: 'serial' | 'storm';
  /**
   * Scripted fault steps, from a config file only (nemesis/schedule.ts checks each step against
   * the registry and the ensemble): `{at, fault, targets, for}` or `{on, node, fault}`.
   */
  nemesisSchedule?: unknown[];
  recovery: number;
  opTimeout: number;
  sessionTimeout: number;
  checkTimeLimit: number;
  minThroughput?: number;
  store: string;
  keepDirs: boolean;
  /** The chosen workload's and fault families' own settings (given or default), by key. */
  settings: PluginSettings;
}

/** The plug-ins a config may name: the registries, or a test's own. */
export interface Catalog {
  readonly workloads: readonly WorkloadEntry[];
  readonly nemeses: readonly NemesisEntry[];
}

/** Bad settings (file or flags): one line naming the setting and the fix; CLI exit 254. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The run's own defaults (no plug-in settings: those come with the chosen plug-ins). */
export function defaultConfig(): TestConfig {
  const config: Record<string, unknown> = { settings: {} };
  for (const s of SETTINGS) if (s.default !== undefined) config[s.key] = s.default;
  return config as unknown as TestConfig;
}

/** A plug-in setting and the plug-ins that take it ("workload register", "nemesis kill"). */
export interface PluginSetting {
  setting: Setting;
  owners: string[];
}

/**
 * Every plug-in setting of the catalog by key. Two plug-ins may share a setting (the same key
 * means the same flag); a key declared twice with different shapes is a registry bug.
 */
export function pluginSettings(catalog: Catalog): Map<string, PluginSetting> {
  const byKey = new Map<string, PluginSetting>();
  const add = (owner: string, setting: Setting) => {
    if (SETTINGS.some((s) => s.key === setting.key))
      throw new Error(`${owner}: setting "${setting.key}" is one of the run's own settings`);
    const known = byKey.get(setting.key);
    if (!known) byKey.set(setting.key, { setting, owners: [owner] });
    else if (known.setting.flag !== setting.flag || known.setting.kind !== setting.kind)
      throw new Error(`${owner}: setting "${setting.key}" differs from ${known.owners[0]}'s`);
    else known.owners.push(owner);
  };
  for (const entry of catalog.workloads)
    for (const setting of entry.settings) add(`workload ${entry.name}`, setting);
  for (const entry of catalog.nemeses)
    for (const setting of entry.settings) add(`nemesis ${entry.name}`, setting);
  return byKey;
}

/** The long flag of a setting: `--keep-dirs` has no `<value>` part, so it is not always the second-last word. */
export function longFlag(setting: Setting): string {
  return setting.flag.split(' ').find((word) => word.startsWith('--'))!;
}

/** Checks one value against its setting; `from` names where it came from for the message. */
export function coerceSetting(setting: Setting, raw: unknown, from: string): string | number | boolean {
  // The long flag: `--keep-dirs` has no `<value>` part, so it is not always the second-last word.
  const name = from === 'flag' ? longFlag(setting) : `"${setting.key}" in ${from}`;
  const value =
    typeof raw === 'string' && (setting.kind === 'int' || setting.kind === 'number')
      ? Number(raw.trim() === '' ? NaN : raw)
      : raw;
  switch (setting.kind) {
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new ConfigError(`${name}: expected true or false, got ${showValue(raw)}`);
      return value;
    case 'string':
      if (typeof value !== 'string' || value === '')
        throw new ConfigError(`${name}: expected a non-empty string, got ${showValue(raw)}`);
      if (setting.choices && !setting.choices.includes(value)) {
        throw new ConfigError(
          `${name}: expected one of ${setting.choices.join(', ')}, got ${showValue(raw)}`,
        );
      }
      return value;
    default: {
      const whole = setting.kind === 'int';
      if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
        throw new ConfigError(
          `${name}: expected ${whole ? 'a whole number' : 'a number'}, got ${showValue(raw)}`,
        );
      }
      // Every number ends up in a timer or a count: past setTimeout's 2^31-1 ms nothing works.
      const max = setting.max ?? SETTING_CEILING;
      if ((setting.min !== undefined && value < setting.min) || value > max) {
        const range = setting.min === undefined ? `at most ${max}` : `from ${setting.min} to ${max}`;
        throw new ConfigError(`${name}: expected ${range}, got ${value}`);
      }
      return value;
    }
  }
}

/**
 * Settings as given (a config file's object, or the parsed flags), each checked against its
 * declaration: the run's own at the top level, plug-in settings under `settings`. `from` is
 * "flag" or the file's name, for the messages. Unknown keys are errors naming the key.
 */
export function validateSettings(value: unknown, from: string, catalog: Catalog): Partial<TestConfig> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${from}: a config must be an object of settings`);
  }
  const plugins = pluginSettings(catalog);
  const result: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const schedule = key === SCHEDULE_KEY && from !== 'flag';
    const own = SETTINGS.find((s) => s.key === key);
    const plugin = plugins.get(key);
    // The key first: a misspelt key is refused even when its value is null (null means "default").
    if (!schedule && !own && !plugin)
      throw new ConfigError(`${from}: unknown setting "${oneLine(key, 60)}"${suggest(key, plugins)}`);
    if (raw === null || raw === undefined) continue;
    if (schedule) result[key] = scheduleShape(raw, from, catalog);
    else if (own) result[key] = coerceSetting(own, raw, from);
    else settings[key] = coerceSetting(plugin!.setting, raw, from);
  }
  if (typeof result.name === 'string' && !/^[A-Za-z0-9._-]+$/.test(result.name)) {
    throw new ConfigError(`${from}: "name" may only contain letters, digits, '.', '_' and '-'`);
  }
  if (Object.keys(settings).length > 0) result.settings = settings;
  return result as Partial<TestConfig>;
}

/** The config-file key of a scripted schedule (no flag: a list of steps). */
export const SCHEDULE_KEY = 'nemesisSchedule';

/**
 * A schedule's shape: a non-empty list of objects, each naming a fault family of the catalog.
 * Each step's other fields are checked against the ensemble when the run is built.
 */
function scheduleShape(raw: unknown, from: string, catalog: Catalog): unknown[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ConfigError(
      `${from}: "${SCHEDULE_KEY}": expected a non-empty list of steps, got ${showValue(raw)}`,
    );
  }
  raw.forEach((step: unknown, i) => {
    const where = `${from}: "${SCHEDULE_KEY}" step ${i + 1}`;
    if (typeof step !== 'object' || step === null || Array.isArray(step))
      throw new ConfigError(
        `${where}: expected {at, fault, targets, for} or {on, node, fault}, got ${showValue(step)}`,
      );
    const fault = (step as { fault?: unknown }).fault;
    if (fault === undefined) throw new ConfigError(`${where}: fault: missing (a fault family)`);
    if (!catalog.nemeses.some((e) => e.name === fault))
      throw new ConfigError(
        `${where}: fault: unknown fault family ${showValue(fault)} (families: ${catalog.nemeses.map((e) => e.name).join(', ')})`,
      );
  });
  return raw as unknown[];
}

/** The families a schedule names, in order of first use. */
export function scheduleFamilies(schedule: readonly unknown[] | undefined): string[] {
  return [...new Set((schedule ?? []).map((step) => String((step as { fault?: unknown }).fault)))];
}

function suggest(key: string, plugins: Map<string, PluginSetting>): string {
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  const keys = [...SETTINGS.map((s) => s.key), ...plugins.keys()];
  const close = keys.find((k) => k.toLowerCase() === lower);
  return close ? ` (did you mean "${close}"?)` : ` (settings: ${keys.join(', ')})`;
}

/**
 * Loads a config file: JSON, or a JavaScript/TypeScript module whose default export is the
 * settings object (TypeScript through tsx, when it is installed).
 */
export async function loadConfigFile(path: string, catalog: Catalog): Promise<Partial<TestConfig>> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError(`config file ${path} does not exist`);
  const ext = extname(file);
  if (ext === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      // V8's message quotes the text around the error, newlines and all: keep one line.
      throw new ConfigError(`${path}: not valid JSON (${oneLine((error as Error).message)})`);
    }
    return validateSettings(parsed, path, catalog);
  }
  if (['.js', '.mjs', '.ts', '.mts'].includes(ext))
    return validateSettings(await importDefault(file, ext), path, catalog);
  throw new ConfigError(`${path}: config files are .json, .js, .mjs or .ts`);
}

async function importDefault(file: string, ext: string): Promise<unknown> {
  try {
    if (ext === '.ts' || ext === '.mts') {
      const { tsImport } = (await import('tsx/esm/api')) as {
        tsImport: (specifier: string, parent: string) => Promise<{ default?: unknown }>;
      };
      const loaded = (await tsImport(pathToFileURL(file).href, import.meta.url)).default;
      // Outside an ESM package tsx compiles a .ts file to CommonJS: its default export then sits
      // one level down, under the module.exports that ESM sees as the default.
      const cjs = loaded as { __esModule?: unknown; default?: unknown } | null | undefined;
      return ext === '.ts' && cjs?.__esModule === true ? cjs.default : loaded;
    }
    return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new ConfigError(`${file}: cannot load (${(error as Error).message.split('\n')[0]})`);
  }
}

/**
 * Defaults, then the file, then flags; then the checks that span settings: the workload and the
 * fault families exist, every plug-in setting given belongs to one of them, and the chosen
 * plug-ins' settings get their defaults.
 */
export function mergeConfig(
  file: Partial<TestConfig>,
  flags: Partial<TestConfig>,
  catalog: Catalog,
): TestConfig {
  const config = { ...defaultConfig(), ...file, ...flags };
  const workload = catalog.workloads.find((entry) => entry.name === config.workload);
  if (!workload) {
    throw new ConfigError(
      `--workload: unknown workload "${config.workload}" (workloads: ${catalog.workloads.map((e) => e.name).join(', ')})`,
    );
  }
  let nemeses = parseNemesisNames(config.nemesis, catalog);
  if (config.nemesisSchedule !== undefined) {
    // The script names its faults: they are the run's families (their settings get defaults).
    if (nemeses.length > 0)
      throw new ConfigError(
        `--nemesis ${config.nemesis}: the config's ${SCHEDULE_KEY} names the faults; give --nemesis none or no schedule`,
      );
    if (config.nemesisMode === 'storm')
      throw new ConfigError(
        `--nemesis-mode storm: the config's ${SCHEDULE_KEY} already sets when each fault runs`,
      );
    nemeses = parseNemesisNames(scheduleFamilies(config.nemesisSchedule).join(','), catalog);
  }
  config.name ??= workload.name;
  if (!/^[A-Za-z0-9._-]+$/.test(config.name)) {
    throw new ConfigError(`--name: may only contain letters, digits, '.', '_' and '-', got "${config.name}"`);
  }
  if (config.zookeeper !== undefined && config.image !== undefined)
    throw new ConfigError('--zookeeper and --image both choose the image: give one of them');
  if (config.zookeeper !== undefined && config.provider === 'local')
    throw new ConfigError(
      '--zookeeper picks a docker image; with --provider local, point --zk-home at that version instead',
    );
  const chosen = [workload, ...nemeses];
  const owners = pluginSettings(catalog);
  const given = [
    ...Object.keys(file.settings ?? {}).map((key) => ({ key, from: 'file' })),
    ...Object.keys(flags.settings ?? {}).map((key) => ({ key, from: 'flag' })),
  ];
  for (const { key, from } of given) {
    if (chosen.some((entry) => entry.settings.some((s) => s.key === key))) continue;
    const { setting, owners: takers } = owners.get(key)!;
    const name = from === 'flag' ? longFlag(setting) : `"${key}"`;
    const used = `--workload ${workload.name}, --nemesis ${nemeses.map((e) => e.name).join(',') || 'none'}`;
    throw new ConfigError(
      `${name}: a setting of ${takers.join(', ')}, which this run does not use (${used})`,
    );
  }
  const settings: Record<string, string | number | boolean | undefined> = {};
  for (const entry of chosen) for (const setting of entry.settings) settings[setting.key] = setting.default;
  config.settings = { ...settings, ...file.settings, ...flags.settings };
  return config;
}

/**
 * Ensemble sizes users should think twice about (allowed, with a word): an even size tolerates no
 * more failures than the odd size below it, and above 7 every write waits for more acks.
 */
export function configNotes(config: TestConfig): string[] {
  const nodes = config.nodes;
  if (nodes % 2 === 1 && nodes <= 7) return [];
  const tolerates = Math.floor((nodes - 1) / 2);
  return nodes % 2 === 0
    ? [
        `note: --nodes ${nodes} tolerates ${tolerates} failed node${tolerates === 1 ? '' : 's'}, no more than --nodes ${nodes - 1}; zkcheck is tested with 3, 5 and 7`,
      ]
    : [
        `note: --nodes ${nodes} tolerates ${tolerates} failed nodes, but every write waits for ${tolerates + 1} acks; zkcheck is tested with 3, 5 and 7`,
      ];
}

/** `none` or a comma-separated list of fault families, each in the catalog. */
export function parseNemesisNames(text: string, catalog: Catalog): NemesisEntry[] {
  const names = [
    ...new Set(
      text
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '' && name !== 'none'),
    ),
  ];
  return names.map((name) => {
    const entry = catalog.nemeses.find((e) => e.name === name);
    if (!entry)
      throw new ConfigError(
        `--nemesis: unknown fault family "${name}": use none or a comma-separated list of ${catalog.nemeses.map((e) => e.name).join(', ')}`,
      );
    return entry;
  });
}
