import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkStore,
  createRun,
  DEFAULT_STORE,
  listRuns,
  readJson,
  resolveRun,
  runPaths,
  StoreError,
  writeJsonAtomic,
} from './store.js';

let root: string;
let store: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'zkcheck-store-'));
  store = join(root, 'runs');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const at = (iso: string) => new Date(iso);

/** A run that analyze can find: it has a history. */
function storedRun(testName: string, iso: string): string {
  const run = createRun({ store, testName, now: at(iso) });
  writeFileSync(run.history, '');
  return run.dir;
}

describe('createRun', () => {
  it('lays out <store>/<test>/<timestamp> with every file path inside it', () => {
    const run = createRun({ store, testName: 'register', now: at('2026-12-01T21:59:00.123Z') });
    const dir = join(store, 'register', '20261201T215900.123Z');
    expect(run.dir).toBe(dir);
    expect(run.test).toBe(join(dir, 'test.json'));
    expect(run.history).toBe(join(dir, 'history.jsonl'));
    expect(run.results).toBe(join(dir, 'results.json'));
    expect(run.log).toBe(join(dir, 'zkcheck.log'));
    expect(run.nemesisLog).toBe(join(dir, 'nemesis.log'));
    expect(run.nodesDir).toBe(join(dir, 'nodes'));
    expect(run.nodeLog(3)).toBe(join(dir, 'nodes', 'n3.log'));
    expect(existsSync(run.nodesDir)).toBe(true);
  });

  it('moves both latest links, with relative targets, to the newest run', () => {
    createRun({ store, testName: 'register', now: at('2026-12-01T21:59:00.123Z') });
    expect(readlinkSync(join(store, 'latest'))).toBe(join('register', '20261201T215900.123Z'));
    expect(readlinkSync(join(store, 'register', 'latest'))).toBe('20261201T215900.123Z');

    createRun({ store, testName: 'register', now: at('2026-12-01T22:00:00.000Z') });
    expect(readlinkSync(join(store, 'latest'))).toBe(join('register', '20261201T220000.000Z'));
    expect(readlinkSync(join(store, 'register', 'latest'))).toBe('20261201T220000.000Z');

    createRun({ store, testName: 'lock', now: at('2026-12-01T22:01:00.000Z') });
    expect(readlinkSync(join(store, 'latest'))).toBe(join('lock', '20261201T220100.000Z'));
    expect(readlinkSync(join(store, 'register', 'latest'))).toBe('20261201T220000.000Z');
    // No temp links are left behind by the atomic replace.
    expect(readdirSync(store).sort()).toEqual(['latest', 'lock', 'register']);
    expect(readdirSync(join(store, 'register')).sort()).toEqual([
      '20261201T215900.123Z',
      '20261201T220000.000Z',
      'latest',
    ]);
  });

  it('never reuses a directory when two runs start in the same millisecond', () => {
    const now = at('2026-12-01T21:59:00.123Z');
    const dirs = [0, 1, 2].map(() => createRun({ store, testName: 'register', now }).dir);
    expect(dirs.map((dir) => relative(store, dir))).toEqual([
      join('register', '20261201T215900.123Z'),
      join('register', '20261201T215900.123Z-1'),
      join('register', '20261201T215900.123Z-2'),
    ]);
    expect(readlinkSync(join(store, 'register', 'latest'))).toBe('20261201T215900.123Z-2');
  });

  it.each(['', 'a/b', '../up', 'has space', 'ünïcode', 'x:y'])('rejects the test name %j', (testName) => {
    expect(() => createRun({ store, testName })).toThrow(StoreError);
    expect(() => createRun({ store, testName })).toThrow(
      `bad test name ${JSON.stringify(testName)}: use only letters, digits, '.', '_' and '-'`,
    );
    expect(existsSync(store)).toBe(false);
  });

  it.each(['.', '..', 'latest'])('rejects the reserved test name %j', (testName) => {
    expect(() => createRun({ store, testName })).toThrow(`bad test name "${testName}": it is reserved`);
  });

  it('refuses a store whose latest is not a link, before making a run dir', () => {
    mkdirSync(join(store, 'register', 'latest'), { recursive: true });
    expect(() => createRun({ store, testName: 'register' })).toThrow(
      new StoreError(
        `--store ${store}: ${join(store, 'register', 'latest')} is a directory, not the link zkcheck keeps there; move it away`,
      ),
    );
    expect(readdirSync(join(store, 'register'))).toEqual(['latest']);
    rmSync(join(store, 'register'), { recursive: true });
    writeFileSync(join(store, 'latest'), 'x');
    expect(() => checkStore(store)).toThrow(/latest is a file, not the link/);
  });

  it('refuses a store at or below a file', () => {
    writeFileSync(join(root, 'a-file'), 'x');
    for (const bad of [join(root, 'a-file'), join(root, 'a-file', 'below', 'deeper')]) {
      expect(() => createRun({ store: bad, testName: 'register' })).toThrow(StoreError);
      expect(() => checkStore(bad)).toThrow(`--store ${bad}: ${join(root, 'a-file')} is not a directory`);
    }
    expect(() => checkStore(join(root, 'not-yet', 'there'), 'register')).not.toThrow();
  });

  it('accepts letters, digits, dot, underscore and dash', () => {
    expect(createRun({ store, testName: 'Reg-3.nodes_v2' }).dir).toContain(join(store, 'Reg-3.nodes_v2'));
  });

  it('defaults to runs/ under the working directory', () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const run = createRun({ testName: 'register', now: at('2026-12-01T21:59:00.123Z') });
      expect(DEFAULT_STORE).toBe('runs');
      expect(run.dir).toBe(join(process.cwd(), 'runs', 'register', '20261201T215900.123Z'));
      writeFileSync(run.history, '');
      expect(resolveRun(undefined)).toBe(run.dir);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('runPaths', () => {
  it('gives the paths of an existing run dir', () => {
    const dir = storedRun('register', '2026-12-01T21:59:00.123Z');
    expect(runPaths(dir).results).toBe(join(dir, 'results.json'));
  });

  it('refuses a dir that does not exist', () => {
    expect(() => runPaths(join(root, 'nope'))).toThrow(`no run at ${join(root, 'nope')}: not a directory`);
  });
});

describe('resolveRun', () => {
  let older: string;
  let newer: string;
  let other: string;

  beforeEach(() => {
    older = storedRun('register', '2026-12-01T21:59:00.123Z');
    newer = storedRun('register', '2026-12-01T22:00:00.000Z');
    other = storedRun('lock', '2026-12-01T21:00:00.000Z');
  });

  it('resolves undefined and "latest" to the newest run of any test', () => {
    expect(resolveRun(undefined, store)).toBe(other);
    expect(resolveRun('latest', store)).toBe(other);
  });

  it('resolves a test name to that test newest run', () => {
    expect(resolveRun('register', store)).toBe(newer);
    expect(resolveRun('lock', store)).toBe(other);
  });

  it('resolves an absolute path, a path relative to the cwd and one relative to the store', () => {
    expect(resolveRun(older, store)).toBe(older);
    expect(resolveRun(relative(process.cwd(), older), store)).toBe(older);
    expect(resolveRun(join('register', '20261201T215900.123Z'), store)).toBe(older);
  });

  it('returns the real directory behind a symlink', () => {
    expect(resolveRun(join(store, 'register', 'latest'), store)).toBe(newer);
  });

  it('names every place it looked when nothing is there', () => {
    const cwdGuess = join(process.cwd(), 'garbage');
    expect(() => resolveRun('garbage', store)).toThrow(StoreError);
    expect(() => resolveRun('garbage', store)).toThrow(
      `no run at garbage: ${join(store, 'garbage', 'latest')} does not exist; ` +
        `${cwdGuess} does not exist; ${join(store, 'garbage')} does not exist`,
    );
  });

  it('refuses a directory without history.jsonl and a file', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => resolveRun(empty, store)).toThrow(`no run at ${empty}: ${empty} has no history.jsonl`);
    const history = join(older, 'history.jsonl');
    expect(() => resolveRun(history, store)).toThrow(`no run at ${history}: ${history} is not a directory`);
  });

  it('says so when the store has no runs yet', () => {
    const emptyStore = join(root, 'fresh');
    expect(() => resolveRun(undefined, emptyStore)).toThrow(
      `no run at latest: ${join(emptyStore, 'latest')} does not exist`,
    );
  });
});

describe('writeJsonAtomic and readJson', () => {
  it('writes 2-space JSON with a trailing newline and leaves no temp file', () => {
    const path = join(root, 'results.json');
    writeJsonAtomic(path, { valid: true, checks: [1, 2] });
    expect(readFileSync(path, 'utf8')).toBe('{\n  "valid": true,\n  "checks": [\n    1,\n    2\n  ]\n}\n');
    expect(readdirSync(root)).toEqual(['results.json']);
    expect(readJson(path)).toEqual({ valid: true, checks: [1, 2] });
  });

  it('replaces the file whole and survives a stray temp file from an interrupted write', () => {
    const path = join(root, 'results.json');
    writeJsonAtomic(path, { valid: false });
    // What a crash between writing the temp file and renaming it leaves behind.
    const stray = join(root, '.results.json.12345.deadbeef.tmp');
    writeFileSync(stray, '{"valid": tr');
    expect(readJson(path)).toEqual({ valid: false });

    writeJsonAtomic(path, { valid: 'unknown' });
    expect(readJson(path)).toEqual({ valid: 'unknown' });
    expect(readdirSync(root).sort()).toEqual(['.results.json.12345.deadbeef.tmp', 'results.json']);
  });

  it('leaves the old file in place when the value cannot be written', () => {
    const path = join(root, 'test.json');
    writeJsonAtomic(path, { seed: 1 });
    const circular: Record<string, unknown> = { seed: 2 };
    circular.self = circular;
    expect(() => writeJsonAtomic(path, circular)).toThrow(TypeError);
    // A bigint is no failure: history values beyond 2^53 are written as their digits.
    writeJsonAtomic(join(root, 'big.json'), { seed: 2n ** 64n });
    expect(readJson(join(root, 'big.json'))).toEqual({ seed: '18446744073709551616' });
    rmSync(join(root, 'big.json'));
    expect(() => writeJsonAtomic(path, undefined)).toThrow(
      `cannot write ${path}: the value has no JSON form`,
    );
    expect(readJson(path)).toEqual({ seed: 1 });
    expect(readdirSync(root)).toEqual(['test.json']);
  });

  it('names the path when a file is missing or not JSON', () => {
    const missing = join(root, 'missing.json');
    expect(() => readJson(missing)).toThrow(`cannot read ${missing}: no such file`);
    const broken = join(root, 'broken.json');
    writeFileSync(broken, '{"valid": tr');
    expect(() => readJson(broken)).toThrow(StoreError);
    expect(() => readJson(broken)).toThrow(
      new RegExp(`^${broken.replace(/[.]/g, '\\.')} is not valid JSON: `),
    );
  });
});

describe('listRuns', () => {
  it('lists runs newest first with the verdict from results.json', () => {
    const a = createRun({ store, testName: 'register', now: at('2026-12-01T21:59:00.123Z') });
    const b = createRun({ store, testName: 'lock', now: at('2026-12-01T22:00:00.000Z') });
    const c = createRun({ store, testName: 'register', now: at('2026-12-02T08:00:00.000Z') });
    const d = createRun({ store, testName: 'queue', now: at('2026-12-02T09:00:00.000Z') });
    writeJsonAtomic(a.results, { valid: true });
    writeJsonAtomic(b.results, { valid: false });
    writeJsonAtomic(c.results, { valid: 'unknown' });
    // d is still running: no results.json yet.

    expect(listRuns(store)).toEqual([
      { testName: 'queue', timestamp: '20261202T090000.000Z', dir: d.dir },
      { testName: 'register', timestamp: '20261202T080000.000Z', dir: c.dir, valid: 'unknown' },
      { testName: 'lock', timestamp: '20261201T220000.000Z', dir: b.dir, valid: false },
      { testName: 'register', timestamp: '20261201T215900.123Z', dir: a.dir, valid: true },
    ]);
  });

  it('treats an unreadable results.json as unknown, never as valid', () => {
    const run = createRun({ store, testName: 'register', now: at('2026-12-01T21:59:00.123Z') });
    writeFileSync(run.results, '{"valid": tr');
    expect(listRuns(store)).toEqual([
      { testName: 'register', timestamp: '20261201T215900.123Z', dir: run.dir, valid: 'unknown' },
    ]);
  });

  it('orders collision suffixes numerically and ignores what is not a run', () => {
    const now = at('2026-12-01T21:59:00.123Z');
    const dirs = Array.from({ length: 11 }, () => createRun({ store, testName: 'register', now }).dir);
    mkdirSync(join(store, 'register', 'notes'));
    writeFileSync(join(store, 'register', '20261201T235900.000Z'), 'a file, not a run dir');
    writeFileSync(join(store, 'README'), 'hello');
    expect(listRuns(store).map((run) => run.dir)).toEqual([...dirs].reverse());
  });

  it('returns nothing for a store that does not exist yet', () => {
    expect(listRuns(join(root, 'fresh'))).toEqual([]);
  });
});
