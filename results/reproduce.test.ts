import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SETTINGS as RUN_SETTINGS,
  loadConfigFile,
  longFlag,
  mergeConfig,
  pluginSettings,
  validateSettings,
  type Setting,
  type TestConfig,
} from '../harness/config.js';
import { CATALOG } from '../harness/test-spec.js';
import { parseSchedule } from '../nemesis/schedule.js';
import { reproduceCommand, SCHEDULE_FILE, shellWord, type FlagSetting } from './reproduce.js';

const SETTINGS: FlagSetting[] = [
  { key: 'name', flag: '--name <name>', kind: 'string' },
  { key: 'nemesis', flag: '-n, --nemesis <names>', kind: 'string', default: 'none' },
  { key: 'timeLimit', flag: '-t, --time-limit <seconds>', kind: 'number', default: 60 },
  { key: 'seed', flag: '--seed <n>', kind: 'int' },
  { key: 'keepDirs', flag: '--keep-dirs', kind: 'boolean', default: false },
  { key: 'readShare', flag: '--read-share <fraction>', kind: 'number', default: 0.5 },
];

describe('reproduceCommand', () => {
  it('writes the settings that differ from their defaults, then the seed', () => {
    const config = { name: 'reg', nemesis: 'partition,kill', timeLimit: 60, keepDirs: true, seed: 7 };
    expect(reproduceCommand(config, { settings: SETTINGS })).toBe(
      'zkcheck run --name reg --nemesis partition,kill --keep-dirs --seed 7',
    );
  });

  it("reads a plug-in's settings from config.settings, at their defaults or not", () => {
    const config = { timeLimit: 10, settings: { readShare: 0.5, pauseTargets: 'leader' } };
    expect(reproduceCommand(config, { settings: SETTINGS, seed: 3 })).toBe(
      // readShare is declared and at its default; pauseTargets is not declared here: always written.
      'zkcheck run --time-limit 10 --pause-targets leader --seed 3',
    );
  });

  it("uses the run's own declarations by default (harness/config.ts)", () => {
    expect(reproduceCommand({ timeLimit: 20, nodes: 5 }, { seed: 1 })).toBe(
      'zkcheck run --nodes 5 --time-limit 20 --seed 1',
    );
  });

  it('quotes values the shell would split or expand', () => {
    expect(shellWord('partition,kill')).toBe('partition,kill');
    expect(shellWord("it's $HOME; rm -rf /")).toBe(`'it'\\''s $HOME; rm -rf /'`);
    expect(reproduceCommand({ name: 'a b' }, { settings: SETTINGS })).toBe("zkcheck run --name 'a b'");
  });
});

describe('reproducing a run with a scripted schedule (nemesisSchedule)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-reproduce-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const declared: Setting[] = [
    ...RUN_SETTINGS,
    ...[...pluginSettings(CATALOG).values()].map((p) => p.setting),
  ];

  /** Runs `command` in a POSIX shell in `cwd`, with `zkcheck` a stand-in that prints its arguments. */
  function argsOf(command: string, cwd: string): string[] {
    const node = shellWord(process.execPath);
    const script = `zkcheck() { ${node} -e 'process.stdout.write(JSON.stringify(process.argv.slice(1)))' -- "$@"; }\n${command}`;
    const result = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as string[];
  }

  /** `zkcheck run`'s arguments back to a config, as the run command reads them: file, then flags. */
  async function configOf(args: string[], cwd: string): Promise<TestConfig> {
    expect(args.slice(0, 3)).toEqual(['run', '--config', SCHEDULE_FILE]);
    const byFlag = new Map(declared.map((setting) => [longFlag(setting), setting]));
    const flags: Record<string, unknown> = {};
    for (let i = 3; i < args.length; i++) {
      const setting = byFlag.get(args[i]);
      expect(setting, args[i]).toBeDefined();
      flags[setting!.key] = setting!.kind === 'boolean' ? true : args[++i];
    }
    const file = await loadConfigFile(join(cwd, args[2]), CATALOG);
    return mergeConfig(file, validateSettings(flags, 'flag', CATALOG), CATALOG);
  }

  it('writes the schedule to a config file and runs with --config on it: the same config and schedule come back', async () => {
    const script = join(dir, 'script.json');
    const nemesisSchedule = [
      { at: 5, fault: 'kill', targets: [2], for: 3 },
      { on: 'newleader', node: 2, fault: 'pause', for: 2 },
      { at: 20, fault: 'partition-grudge', for: 4 },
    ];
    writeFileSync(script, JSON.stringify({ nemesisSchedule, timeLimit: 40 }));
    const original = mergeConfig(
      await loadConfigFile(script, CATALOG),
      { name: 'scripted', nodes: 5, keepDirs: true, settings: { partitionGrudge: '1,2|3,4,5' } },
      CATALOG,
    );
    // As test.json stores it: through JSON, the seed beside the config.
    const stored = JSON.parse(JSON.stringify({ ...original, seed: 42 })) as Record<string, unknown>;
    const command = reproduceCommand(stored, { seed: 42, settings: declared });
    expect(command).toMatch(
      new RegExp(`^printf '%s\\\\n' '\\{.*' > ${SCHEDULE_FILE} && zkcheck run --config ${SCHEDULE_FILE} `),
    );

    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const again = await configOf(argsOf(command, cwd), cwd);
    expect(again.nemesisSchedule).toEqual(nemesisSchedule);
    expect(again).toEqual({ ...original, seed: 42 });
    const limits = { nemeses: CATALOG.nemeses, nodes: 5, timeLimit: 40, duration: original.nemesisDuration };
    expect(parseSchedule(again.nemesisSchedule!, limits)).toEqual(parseSchedule(nemesisSchedule, limits));
  });

  it('quotes a schedule whose strings the shell would expand', async () => {
    // No family takes such a string today, but the command must not depend on that.
    const stored = { nemesisSchedule: [{ at: 1, fault: 'kill', note: "it's $HOME `x` \\ %s" }] };
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const args = argsOf(reproduceCommand(stored, { settings: declared }), cwd);
    expect(args).toEqual(['run', '--config', SCHEDULE_FILE]);
    expect(JSON.parse(readFileSync(join(cwd, SCHEDULE_FILE), 'utf8'))).toEqual(stored);
  });

  it('writes no file for a run without a schedule', () => {
    expect(reproduceCommand({ nodes: 5 }, { seed: 1 })).toBe('zkcheck run --nodes 5 --seed 1');
  });
});
