/**
 * `zkcheck nemesis list`: every fault family in the registry (nemesis/index.ts) with its line of
 * help, its settings (flag, default, choices) and a command line that runs it; then how to
 * compose them. `--json` prints the same as one JSON object. Nothing starts: it reads the
 * registry only.
 */
import type { Command } from 'commander';
import { NEMESES } from '../../nemesis/index.js';
import { checkNemeses } from '../../nemesis/compose.js';
import type { NemesisEntry, PluginSettings, Setting } from '../runner/spec.js';
import { longFlag } from '../config.js';

export function registerNemesisCommand(program: Command): void {
  const nemesis = program
    .command('nemesis')
    .description('list the fault families, their settings and an example of each');
  nemesis
    .command('list')
    .description('print every fault family: its help, its settings (flag, default, choices) and an example')
    .option('--json', 'one JSON object: the families with their settings and examples')
    .action((flags: { json?: boolean }) => {
      process.stdout.write(
        flags.json ? `${JSON.stringify(familiesAsJson(NEMESES), null, 2)}\n` : listFamilies(NEMESES),
      );
    });
}

/**
 * A command line that runs the family: its settings without a default get an example value, one
 * with a default is shown set to another choice, and `--nodes` is added when the family's own
 * check needs a bigger ensemble than 3 for that example (a grudge naming node 5).
 */
export function exampleOf(entry: NemesisEntry): string {
  const words = ['zkcheck', 'run', '--nemesis', entry.name];
  const settings: Record<string, string | number | boolean | undefined> = {};
  for (const setting of entry.settings) settings[setting.key] = setting.default;
  for (const setting of entry.settings) {
    if (setting.default !== undefined) continue;
    const value = exampleValue(setting);
    settings[setting.key] = setting.kind === 'int' || setting.kind === 'number' ? Number(value) : value;
    words.push(longFlag(setting), quote(value));
  }
  const tuned = entry.settings.find((s) => s.default !== undefined && s.kind !== 'boolean');
  if (tuned !== undefined) {
    const other = tuned.choices?.find((c) => c !== tuned.default) ?? String(tuned.default);
    settings[tuned.key] = tuned.kind === 'int' || tuned.kind === 'number' ? Number(other) : other;
    words.push(longFlag(tuned), quote(other));
  }
  const nodes = [3, 5, 7].find((n) => fits(entry, settings, n));
  if (nodes !== undefined && nodes !== 3) words.push('--nodes', String(nodes));
  return words.join(' ');
}

function fits(entry: NemesisEntry, settings: PluginSettings, nodes: number): boolean {
  try {
    checkNemeses([entry], { intervalSeconds: 5, durationSeconds: 10, settings, nodes });
    return true;
  } catch {
    return false;
  }
}

function exampleValue(setting: Setting): string {
  const given = (/e\.g\. "([^"]+)"/.exec(setting.help) ?? /"([^"]+)"/.exec(setting.help))?.[1];
  if (given !== undefined) return given;
  if (setting.choices !== undefined && setting.choices.length > 0) return setting.choices[0];
  if (setting.kind === 'int' || setting.kind === 'number') return String(setting.min ?? 1);
  return 'VALUE';
}

function quote(value: string): string {
  return /^[\w.,:/@+-]+$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

function describeSetting(setting: Setting): string {
  const facts = [
    setting.default === undefined ? 'no default' : `default ${String(setting.default)}`,
    ...(setting.choices === undefined ? [] : [`choices ${setting.choices.join(', ')}`]),
    ...(setting.min === undefined ? [] : [`min ${setting.min}`]),
    ...(setting.max === undefined ? [] : [`max ${setting.max}`]),
  ];
  return `    ${setting.flag}\n      ${setting.help}\n      (${facts.join('; ')})\n`;
}

export function listFamilies(entries: readonly NemesisEntry[]): string {
  const out: string[] = [`${entries.length} fault families (zkcheck run --nemesis NAME[,NAME...]):\n`];
  for (const entry of entries) {
    out.push(`\n${entry.name}\n  ${entry.help}\n`);
    if (entry.settings.length === 0) out.push('  settings: none\n');
    else {
      out.push('  settings:\n');
      for (const setting of entry.settings) out.push(describeSetting(setting));
    }
    out.push(`  example: ${exampleOf(entry)}\n`);
  }
  out.push(
    `
Composing them:
  --nemesis a,b,c                  one fault at a time, each from a family drawn at random (seeded)
  --nemesis-interval, --nemesis-duration   quiet time before each fault, how long each lasts
  --nemesis a,b,c --nemesis-mode storm     the families' faults overlapping (seeded)
  "nemesisSchedule" in a config file       scripted steps: {at, fault, targets, for} or {on, node, fault}
    e.g. [{"at": 10, "fault": "kill", "targets": [2], "for": 5},
          {"on": "newleader", "node": 2, "fault": "kill", "for": 5}]
  The final phase heals every fault of every family, then the final reads run.
`,
  );
  return out.join('');
}

export function familiesAsJson(entries: readonly NemesisEntry[]) {
  return {
    families: entries.map((entry) => ({
      name: entry.name,
      help: entry.help,
      settings: entry.settings.map((s) => ({
        key: s.key,
        flag: s.flag,
        kind: s.kind,
        help: s.help,
        ...(s.default === undefined ? {} : { default: s.default }),
        ...(s.choices === undefined ? {} : { choices: s.choices }),
        ...(s.min === undefined ? {} : { min: s.min }),
        ...(s.max === undefined ? {} : { max: s.max }),
      })),
      example: exampleOf(entry),
    })),
  };
}
