/**
 * The command that runs a stored test again: `zkcheck run` with a flag for each setting of
 * test.json's config that differs from its default, and the seed. Flags come from the settings
 * declarations (harness/config.ts), the one place they are written, so a new setting is covered
 * here without a change. A workload's or fault family's own settings (`config.settings`) are
 * matched to their declarations when the caller passes them; without one, a setting's flag is
 * its key in kebab case (the convention every declaration follows) and it is always written out,
 * since its default is not known here.
 *
 * A scripted schedule (`nemesisSchedule`) has no flag: `zkcheck run` reads it only from a
 * `--config` file, and test.json is no such file (its record's keys are not settings). So a run
 * with one is reproduced by a command that first writes the schedule, as the config file it came
 * in, to SCHEDULE_FILE in the current directory, then runs with `--config` on it: the command
 * stands alone, whether or not the run dir is still there.
 */
import { SCHEDULE_KEY, SETTINGS } from '../harness/config.js';

/** Where a reproduce command writes a run's scripted schedule for `--config`. */
export const SCHEDULE_FILE = 'nemesis-schedule.json';

/** What this needs of a setting declaration. */
export interface FlagSetting {
  /** The config key: the camelCase of the flag's long name. */
  key: string;
  /** `-t, --time-limit <seconds>` */
  flag: string;
  kind: string;
  default?: string | number | boolean;
}

export interface ReproduceOptions {
  /** The run's seed, when test.json keeps it outside the config. */
  seed?: number;
  /** Setting declarations: the run's own and any plug-in's (default: the run's own). */
  settings?: readonly FlagSetting[];
}

export function reproduceCommand(
  config: Readonly<Record<string, unknown>>,
  options: ReproduceOptions = {},
): string {
  const declared = options.settings ?? (SETTINGS as readonly FlagSetting[]);
  const byKey = new Map(declared.map((setting) => [setting.key, setting]));
  const words = [...scheduleWords(config[SCHEDULE_KEY]), 'zkcheck', 'run'];
  if (words.length > 2) words.push('--config', SCHEDULE_FILE);
  for (const setting of declared) {
    if (setting.key === 'seed' || setting.key === 'settings') continue;
    words.push(...flagWords(setting, config[setting.key]));
  }
  const pluginSettings = config.settings;
  if (typeof pluginSettings === 'object' && pluginSettings !== null) {
    for (const [key, value] of Object.entries(pluginSettings)) {
      if (byKey.has(key) && key in config) continue; // already written from the config's top level
      const setting = byKey.get(key) ?? { key, flag: `--${kebab(key)}`, kind: typeof value };
      words.push(...flagWords(setting, value));
    }
  }
  const seed = options.seed ?? config.seed;
  if (typeof seed === 'number') words.push('--seed', String(seed));
  return words.join(' ');
}

/** `printf '%s\n' '{"nemesisSchedule": ...}' > SCHEDULE_FILE &&` for a schedule; none without one. */
function scheduleWords(schedule: unknown): string[] {
  if (!Array.isArray(schedule) || schedule.length === 0) return [];
  const file = shellWord(JSON.stringify({ [SCHEDULE_KEY]: schedule }));
  return ['printf', "'%s\\n'", file, '>', SCHEDULE_FILE, '&&'];
}

/** The words for one setting: none when unset or at its default. */
function flagWords(setting: FlagSetting, value: unknown): string[] {
  if (value === undefined || value === null || value === setting.default) return [];
  // A boolean flag can only turn its setting on.
  if (setting.kind === 'boolean') return value === true ? [longFlag(setting)] : [];
  return [longFlag(setting), shellWord(String(value))];
}

/** `--time-limit` from `-t, --time-limit <seconds>`. */
function longFlag(setting: FlagSetting): string {
  return setting.flag.split(/[ ,]+/).find((word) => word.startsWith('--')) ?? `--${kebab(setting.key)}`;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** A word a POSIX shell reads back as `text`: bare when safe, else in single quotes. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_.,:/=@+%-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
