import { describe, expect, it } from 'vitest';
import { reproduceCommand, shellWord, type FlagSetting } from './reproduce.js';

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
