/**
 * The test config: the one source of truth for a run (Jepsen's test map). Every setting is declared
 * once, below, as data: its type, default, limits and help text. The CLI builds its flags from the
 * table, config files are validated against it, and `test.json` stores the result. Precedence:
 * defaults < config file < flags.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TestConfig {
  name: string;
  workload: 'register';
  nemesis: string;
  nodes: number;
  concurrency: number;
  rate: number;
  timeLimit: number;
  seed?: number;
  provider: 'auto' | 'docker' | 'local';
  image?: string;
  zkHome?: string;
  toxiproxyUrl?: string;
  readMode: 'plain' | 'sync';
  threadsPerKey: number;
  opsPerKey: number;
  readShare: number;
  nemesisInterval: number;
  nemesisDuration: number;
  recovery: number;
  opTimeout: number;
  sessionTimeout: number;
  checkTimeLimit: number;
  minThroughput?: number;
  store: string;
  keepDirs: boolean;
}

type Kind = 'int' | 'number' | 'string' | 'boolean';

export interface Setting {
  key: keyof TestConfig;
  /** The CLI flag, e.g. `--time-limit <seconds>`. */
  flag: string;
  kind: Kind;
  help: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
}

/** Every setting, in the order `--help` shows them. */
export const SETTINGS: readonly Setting[] = Object.freeze([
  {
    key: 'name',
    flag: '--name <name>',
    kind: 'string',
    help: 'test name: runs are stored under <store>/<name>/',
    default: 'register',
  },
  {
    key: 'workload',
    flag: '-w, --workload <name>',
    kind: 'string',
    help: 'what the clients do',
    default: 'register',
    choices: ['register'],
  },
  {
    key: 'nemesis',
    flag: '-n, --nemesis <names>',
    kind: 'string',
    help: 'faults: none, or a comma-separated list of partition, partition-leader, partition-follower, kill, pause',
    default: 'none',
  },
  {
    key: 'nodes',
    flag: '--nodes <n>',
    kind: 'int',
    help: 'ZooKeeper servers in the ensemble',
    default: 3,
    min: 1,
    max: 15,
  },
  {
    key: 'concurrency',
    flag: '-c, --concurrency <n>',
    kind: 'int',
    help: 'client threads, each with its own session',
    default: 10,
    min: 1,
    max: 1000,
  },
  {
    key: 'rate',
    flag: '-r, --rate <ops/s>',
    kind: 'number',
    help: 'target ops per second, all clients together; 0: as fast as replies come',
    default: 200,
    min: 0,
  },
  {
    key: 'timeLimit',
    flag: '-t, --time-limit <seconds>',
    kind: 'number',
    help: 'how long the clients run (the final phase comes after)',
    default: 60,
    min: 1,
  },
  {
    key: 'seed',
    flag: '--seed <n>',
    kind: 'int',
    help: 'schedule seed (printed and stored; replays the same schedule)',
    min: 0,
  },
  {
    key: 'provider',
    flag: '--provider <name>',
    kind: 'string',
    help: 'how servers run: docker, local JVMs, or auto',
    default: 'auto',
    choices: ['auto', 'docker', 'local'],
  },
  {
    key: 'image',
    flag: '--image <image>',
    kind: 'string',
    help: 'docker image (default zookeeper:3.8 when present or pullable, else the local zkcheck image)',
  },
  {
    key: 'zkHome',
    flag: '--zk-home <dir>',
    kind: 'string',
    help: 'ZooKeeper install for the local provider (default: Debian /usr/share/java)',
  },
  {
    key: 'toxiproxyUrl',
    flag: '--toxiproxy-url <url>',
    kind: 'string',
    help: "a running Toxiproxy to use instead of zkcheck's own fault proxy",
  },
  {
    key: 'readMode',
    flag: '--read-mode <mode>',
    kind: 'string',
    help: 'register reads: plain getData, or sync() then getData',
    default: 'plain',
    choices: ['plain', 'sync'],
  },
  {
    key: 'threadsPerKey',
    flag: '--threads-per-key <n>',
    kind: 'int',
    help: 'client threads sharing one register at a time',
    default: 5,
    min: 1,
  },
  {
    key: 'opsPerKey',
    flag: '--ops-per-key <n>',
    kind: 'int',
    help: 'ops on a register before its threads move to the next one',
    default: 300,
    min: 1,
  },
  {
    key: 'readShare',
    flag: '--read-share <fraction>',
    kind: 'number',
    help: 'share of register ops that are reads; writes and cas split the rest evenly',
    default: 0.5,
    min: 0,
    max: 1,
  },
  {
    key: 'nemesisInterval',
    flag: '--nemesis-interval <seconds>',
    kind: 'number',
    help: 'quiet time before each fault',
    default: 5,
    min: 0,
  },
  {
    key: 'nemesisDuration',
    flag: '--nemesis-duration <seconds>',
    kind: 'number',
    help: 'how long each fault lasts',
    default: 10,
    min: 0,
  },
  {
    key: 'recovery',
    flag: '--recovery <seconds>',
    kind: 'number',
    help: 'quiet time after healing, before the run ends',
    default: 5,
    min: 0,
  },
  {
    key: 'opTimeout',
    flag: '--op-timeout <ms>',
    kind: 'int',
    help: 'deadline of every ZooKeeper call',
    default: 5000,
    min: 100,
  },
  {
    key: 'sessionTimeout',
    flag: '--session-timeout <ms>',
    kind: 'int',
    help: 'ZooKeeper session timeout asked for',
    default: 10000,
    min: 400,
  },
  {
    key: 'checkTimeLimit',
    flag: '--check-time-limit <seconds>',
    kind: 'number',
    help: 'budget of each checker; past it the verdict is unknown',
    default: 120,
    min: 1,
  },
  {
    key: 'minThroughput',
    flag: '--min-throughput <ops/s>',
    kind: 'number',
    help: 'self-check floor (default: a tenth of --rate, 10 with --rate 0)',
    min: 0,
  },
  { key: 'store', flag: '--store <dir>', kind: 'string', help: 'where runs are stored', default: 'runs' },
  {
    key: 'keepDirs',
    flag: '--keep-dirs',
    kind: 'boolean',
    help: "keep the servers' data dirs after the run",
    default: false,
  },
] satisfies Setting[]);

/** Bad settings (file or flags): one line naming the setting and the fix; CLI exit 254. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function defaultConfig(): TestConfig {
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) if (s.default !== undefined) config[s.key] = s.default;
  return config as unknown as TestConfig;
}

/** Checks one value against its setting; `from` names where it came from for the message. */
export function coerceSetting(setting: Setting, raw: unknown, from: string): string | number | boolean {
  // The long flag: `--keep-dirs` has no `<value>` part, so it is not always the second-last word.
  const name =
    from === 'flag'
      ? setting.flag.split(' ').find((word) => word.startsWith('--'))!
      : `"${setting.key}" in ${from}`;
  const value =
    typeof raw === 'string' && (setting.kind === 'int' || setting.kind === 'number')
      ? Number(raw.trim() === '' ? NaN : raw)
      : raw;
  switch (setting.kind) {
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new ConfigError(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
      return value;
    case 'string':
      if (typeof value !== 'string' || value === '')
        throw new ConfigError(`${name}: expected a non-empty string, got ${JSON.stringify(raw)}`);
      if (setting.choices && !setting.choices.includes(value)) {
        throw new ConfigError(
          `${name}: expected one of ${setting.choices.join(', ')}, got ${JSON.stringify(raw)}`,
        );
      }
      return value;
    default: {
      const whole = setting.kind === 'int';
      if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
        throw new ConfigError(
          `${name}: expected ${whole ? 'a whole number' : 'a number'}, got ${JSON.stringify(raw)}`,
        );
      }
      if (
        (setting.min !== undefined && value < setting.min) ||
        (setting.max !== undefined && value > setting.max)
      ) {
        const range =
          setting.max === undefined ? `>= ${setting.min}` : `from ${setting.min} to ${setting.max}`;
        throw new ConfigError(`${name}: expected ${range}, got ${value}`);
      }
      return value;
    }
  }
}

/** A config file's settings, checked: unknown keys and bad values are errors naming the key. */
export function validateConfigObject(value: unknown, file: string): Partial<TestConfig> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${file}: a config must be an object of settings`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const setting = SETTINGS.find((s) => s.key === key);
    if (!setting) throw new ConfigError(`${file}: unknown setting "${key}"${suggest(key)}`);
    if (raw === null || raw === undefined) continue;
    result[key] = coerceSetting(setting, raw, file);
  }
  if (typeof result.name === 'string' && !/^[A-Za-z0-9._-]+$/.test(result.name)) {
    throw new ConfigError(`${file}: "name" may only contain letters, digits, '.', '_' and '-'`);
  }
  return result as Partial<TestConfig>;
}

function suggest(key: string): string {
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  const close = SETTINGS.find((s) => s.key.toLowerCase() === lower);
  return close ? ` (did you mean "${close.key}"?)` : ` (settings: ${SETTINGS.map((s) => s.key).join(', ')})`;
}

/**
 * Loads a config file: JSON, or a JavaScript/TypeScript module whose default export is the
 * settings object (TypeScript through tsx, when it is installed).
 */
export async function loadConfigFile(path: string): Promise<Partial<TestConfig>> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError(`config file ${path} does not exist`);
  const ext = extname(file);
  if (ext === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
    }
    return validateConfigObject(parsed, path);
  }
  if (['.js', '.mjs', '.ts', '.mts'].includes(ext))
    return validateConfigObject(await importDefault(file, ext), path);
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

/** Defaults, then the file, then flags; then the checks that span settings. */
export function mergeConfig(file: Partial<TestConfig>, flags: Partial<TestConfig>): TestConfig {
  const config = { ...defaultConfig(), ...file, ...flags };
  if (!/^[A-Za-z0-9._-]+$/.test(config.name)) {
    throw new ConfigError(`--name: may only contain letters, digits, '.', '_' and '-', got "${config.name}"`);
  }
  if (config.threadsPerKey > config.concurrency) config.threadsPerKey = config.concurrency;
  return config;
}
