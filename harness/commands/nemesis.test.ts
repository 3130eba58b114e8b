/**
 * `zkcheck nemesis list` through the built CLI (`npx tsc -p tsconfig.build.json` first): every
 * family of the registry with its help, settings and an example; and every example is a command
 * line the run accepts (checked by the same path as `zkcheck run`, without starting anything).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEMESES } from '../../nemesis/index.js';
import { longFlag, mergeConfig, pluginSettings, SETTINGS, validateSettings } from '../config.js';
import { buildTestSpec, CATALOG } from '../test-spec.js';
import { exampleOf } from './nemesis.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'zkcheck.js');

function zkcheck(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The words of an example command line as flags, the way `zkcheck run` would read them. */
function exampleFlags(example: string): Record<string, string> {
  const words = [...example.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  expect(words.slice(0, 2)).toEqual(['zkcheck', 'run']);
  const byFlag = new Map(
    [...SETTINGS, ...[...pluginSettings(CATALOG).values()].map((p) => p.setting)].map((s) => [
      longFlag(s),
      s.key,
    ]),
  );
  const flags: Record<string, string> = {};
  for (let i = 2; i < words.length; i += 2) {
    const key = byFlag.get(words[i]);
    expect(key, `${words[i]} in ${example}`).toBeDefined();
    flags[key!] = words[i + 1];
  }
  return flags;
}

describe('zkcheck nemesis list', () => {
  it('prints every family with its help, each setting with its default and choices, and an example', () => {
    const { status, stdout, stderr } = zkcheck(['nemesis', 'list']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${NEMESES.length} fault families`));
    for (const entry of NEMESES) {
      const at = stdout.indexOf(`\n${entry.name}\n  ${entry.help}\n`);
      expect(at, entry.name).toBeGreaterThan(0);
      const section = stdout.slice(at, stdout.indexOf('\n\n', at + 1) + 1);
      for (const setting of entry.settings) {
        expect(section).toContain(`    ${setting.flag}\n      ${setting.help}\n`);
        if (setting.default !== undefined) expect(section).toContain(`default ${String(setting.default)}`);
        if (setting.choices) expect(section).toContain(`choices ${setting.choices.join(', ')}`);
      }
      if (entry.settings.length === 0) expect(section).toContain('  settings: none\n');
      expect(section).toContain(`  example: ${exampleOf(entry)}\n`);
    }
    expect(stdout).toContain('--nemesis-mode storm');
    expect(stdout).toContain('nemesisSchedule');
  });

  it('prints the same as JSON, and is listed in the top-level help', () => {
    const { status, stdout } = zkcheck(['nemesis', 'list', '--json']);
    expect(status).toBe(0);
    const parsed = JSON.parse(stdout) as {
      families: Array<{ name: string; example: string; settings: unknown[] }>;
    };
    expect(parsed.families.map((f) => f.name)).toEqual(NEMESES.map((e) => e.name));
    const kill = parsed.families.find((f) => f.name === 'kill')!;
    expect(kill.settings).toContainEqual(
      expect.objectContaining({
        flag: '--kill-targets <which>',
        default: 'one',
        choices: expect.arrayContaining(['leader']),
      }),
    );
    expect(zkcheck(['--help']).stdout).toMatch(/\n {2}nemesis +list the fault families/);
  });

  it('refuses a subcommand it does not have, in one line, exit 254', () => {
    const { status, stderr } = zkcheck(['nemesis', 'lst']);
    expect(status).toBe(254);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it("gives examples the run accepts, each family's settings included", () => {
    for (const entry of NEMESES) {
      const example = exampleOf(entry);
      const flags = validateSettings(exampleFlags(example), 'flag', CATALOG);
      const config = mergeConfig({}, flags, CATALOG);
      expect(() => buildTestSpec(config), example).not.toThrow();
      expect(config.nemesis).toBe(entry.name);
    }
    const grudge = exampleOf(NEMESES.find((e) => e.name === 'partition-grudge')!);
    expect(grudge).toBe(
      'zkcheck run --nemesis partition-grudge --partition-grudge "1,2|3,4,5" --cut-mode reset --nodes 5',
    );
  });
});
