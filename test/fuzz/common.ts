/**
 * What the fuzz's categories share (test/fuzz/cases.ts): the shape of a case, the settings and
 * plug-ins a case may set, bad and valid values for a setting, odd text and unknown flags.
 */
import fc from 'fast-check';
import { SETTINGS, longFlag, pluginSettings, type Setting } from '../../harness/config.js';
import { CATALOG } from '../../harness/test-spec.js';
import { MODELS } from '../../checker/models/index.js';

/** fc.constant and fc.constantFrom, without the readonly literal types they infer. */
export const just = <T>(value: T): fc.Arbitrary<T> => fc.constant(value);
export const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
/** Strings without control characters (see oddText). */
const noControls = (s: string) =>
  [...s].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('');
export const text = (constraints: fc.StringConstraints = {}) => fc.string(constraints).map(noControls);

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
export const SAFETY_KEYS = new Set(['provider', 'zkHome', 'store', 'zookeeper', 'image', 'toxiproxyUrl']);
export const RUN_SAFE_SETTINGS = SETTINGS.filter(
  (s) => !SAFETY_KEYS.has(s.key) && s.key !== 'workload' && s.key !== 'nemesis',
);
export const PLUGINS = [...pluginSettings(CATALOG).values()];
export const WORKLOADS = CATALOG.workloads.map((w) => w.name);
export const NEMESES = CATALOG.nemeses.map((n) => n.name);
export const MODEL_NAMES = Object.keys(MODELS);

export const FIXTURE_RUN = 'r-partition-leader/20261205T130348.071Z';

export interface Flag {
  key: string;
  args: string[];
  /** Set only when this flag is a bad input. */
  mentions?: string[];
}

// --- values ---------------------------------------------------------------------------------------

/** Text that is not a number to Number() (or blank, which zkcheck refuses too). */
export const notANumber = fc.oneof(
  pick('abc', '', ' ', 'NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '0x', '1,5', '٣', 'one', '½', '--'),
  text({ maxLength: 12 }).filter((s) => Number.isNaN(Number(s)) || s.trim() === ''),
);

export function invalidValue(setting: Setting): fc.Arbitrary<string> {
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

export function validValue(setting: Setting): fc.Arbitrary<string> | undefined {
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
export function withValue(flag: string, value: string): string[] {
  return value.startsWith('-') ? [`${flag}=${value}`] : [flag, value];
}

export function flagArgs(setting: Setting, value: string): string[] {
  return setting.kind === 'boolean' ? [longFlag(setting)] : [longFlag(setting), value];
}

/**
 * Unicode and path tricks for names and values. No control characters: a message that quotes a
 * path or name with a newline in it takes two lines, and argv cannot hold NUL.
 */
export const oddText = fc.oneof(
  text({ maxLength: 30, unit: 'grapheme' }),
  text({ maxLength: 30, unit: 'binary' }),
  pick('../x', 'a/b', 'ä', '名前', '\u202e', 'x y', '.', '..', 'latest', '-', '-x'),
);

export const unknownFlag = fc
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
