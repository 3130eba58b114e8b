/**
 * Stored runs: `<store>/<test-name>/<timestamp>/`, with `<store>/latest` and `<store>/<test-name>/latest`
 * symlinks to the newest run. A run is saved in phases (test.json at start, history.jsonl while running,
 * results.json after checking), so a crash at any point leaves what was known; JSON files are written
 * atomically so a crash never leaves half of one.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

import { oneLine } from '../harness/text.js';

export const DEFAULT_STORE = 'runs';

const LATEST = 'latest';
const TEST_NAME = /^[A-Za-z0-9._-]+$/;
/** `20261201T215900.123Z`, optionally with a `-N` suffix when two runs start in the same millisecond. */
const RUN_DIR_NAME = /^(\d{8}T\d{6}\.\d{3}Z)(?:-(\d+))?$/;

export interface RunPaths {
  dir: string;
  test: string;
  history: string;
  results: string;
  log: string;
  nemesisLog: string;
  nodesDir: string;
  nodeLog(id: number): string;
}

/** A bad run reference, test name or stored file; the message is one line a user can act on. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface StoredRun {
  testName: string;
  timestamp: string;
  dir: string;
  /** The verdict from results.json; absent while a run has no results.json (running, or crashed). */
  valid?: boolean | 'unknown';
}

/** UTC, sortable as a string, and without colons so it is a valid file name everywhere. */
export function runTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '');
}

/**
 * Refuses a store a run could not be recorded in (a file where a directory goes, a `latest` that
 * is not a link), in one line; createRun checks the same, and `run` asks first, before anything
 * else that could fail, so the store's problem is the one reported.
 */
export function checkStore(store: string = DEFAULT_STORE, testName?: string): void {
  const storeDir = resolve(store);
  const dirs = [storeDir, ...(testName === undefined ? [] : [join(storeDir, testName)])];
  for (const dir of dirs) {
    // The dir itself, or (not there yet) the nearest thing above it that is: mkdir goes through it.
    let at = dir;
    while (entryKind(at) === 'missing' && dirname(at) !== at) at = dirname(at);
    if (!isDirectory(at)) throw new StoreError(`--store ${store}: ${at} is not a directory`);
  }
  for (const link of dirs.map((dir) => join(dir, LATEST))) {
    const kind = entryKind(link);
    if (kind !== 'missing' && kind !== 'symlink')
      throw new StoreError(
        `--store ${store}: ${link} is a ${kind}, not the link zkcheck keeps there; move it away`,
      );
  }
}

export function createRun(opts: { store?: string; testName: string; now?: Date }): RunPaths {
  checkTestName(opts.testName);
  const store = resolve(opts.store ?? DEFAULT_STORE);
  const testDir = join(store, opts.testName);
  // A `latest` that is not a link would stop the run after its dir was made: refuse first.
  checkStore(opts.store, opts.testName);
  try {
    mkdirSync(testDir, { recursive: true });
  } catch (error) {
    // A store path that is a file, or a dir we may not write: the user's to fix, in one line.
    throw new StoreError(
      `--store ${opts.store ?? DEFAULT_STORE}: cannot create ${testDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const links = [join(testDir, LATEST), join(store, LATEST)];
  const runName = makeUniqueDir(testDir, runTimestamp(opts.now ?? new Date()));
  const paths = runPaths(join(testDir, runName));
  try {
    mkdirSync(paths.nodesDir);
    pointLink(links[0], runName);
    pointLink(links[1], join(opts.testName, runName));
  } catch (error) {
    rmSync(paths.dir, { recursive: true, force: true });
    throw new StoreError(
      `--store ${opts.store ?? DEFAULT_STORE}: cannot record the run in ${store} (${describeFsError(error)})`,
    );
  }
  return paths;
}

/** What sits at a path, without following a link. */
function entryKind(path: string): 'missing' | 'symlink' | 'directory' | 'file' {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

function checkTestName(name: string): void {
  if (!TEST_NAME.test(name)) {
    throw new StoreError(`bad test name ${JSON.stringify(name)}: use only letters, digits, '.', '_' and '-'`);
  }
  // These would collide with the store's own entries or escape the store.
  if (name === '.' || name === '..' || name === LATEST) {
    throw new StoreError(`bad test name ${JSON.stringify(name)}: it is reserved`);
  }
}

/** mkdir without `recursive` fails on an existing dir, so a run dir is never shared, even across processes. */
function makeUniqueDir(parent: string, base: string): string {
  for (let attempt = 0; ; attempt++) {
    const name = attempt === 0 ? base : `${base}-${attempt}`;
    try {
      mkdirSync(join(parent, name));
      return name;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
}

/** rename() replaces the old link in one step, so readers always see either the old or the new target. */
function pointLink(link: string, target: string): void {
  const tmp = join(dirname(link), `.${basename(link)}.${uniqueSuffix()}.tmp`);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, link);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export function runPaths(dir: string): RunPaths {
  const absolute = resolve(dir);
  if (!isDirectory(absolute)) throw new StoreError(`no run at ${absolute}: not a directory`);
  const nodesDir = join(absolute, 'nodes');
  return {
    dir: absolute,
    test: join(absolute, 'test.json'),
    history: join(absolute, 'history.jsonl'),
    results: join(absolute, 'results.json'),
    log: join(absolute, 'zkcheck.log'),
    nemesisLog: join(absolute, 'nemesis.log'),
    nodesDir,
    nodeLog: (id: number) => join(nodesDir, `n${id}.log`),
  };
}

export function resolveRun(ref: string | undefined, store: string = DEFAULT_STORE): string {
  const storeDir = resolve(store);
  const candidates = runCandidates(ref, storeDir);
  const problems: string[] = [];
  for (const candidate of candidates) {
    const problem = runDirProblem(candidate);
    if (problem === undefined) return realpathSync(candidate);
    problems.push(`${candidate} ${problem}`);
  }
  throw new StoreError(`no run at ${ref ?? LATEST}: ${problems.join('; ')}`);
}

/** Where a reference may point, most specific first; a test name may also be a directory's name. */
function runCandidates(ref: string | undefined, storeDir: string): string[] {
  if (ref === undefined || ref === LATEST) return [join(storeDir, LATEST)];
  const candidates: string[] = [];
  if (TEST_NAME.test(ref) && ref !== '.' && ref !== '..') candidates.push(join(storeDir, ref, LATEST));
  candidates.push(resolve(ref), resolve(storeDir, ref));
  return [...new Set(candidates)];
}

function runDirProblem(dir: string): string | undefined {
  if (!exists(dir)) return 'does not exist';
  if (!isDirectory(dir)) return 'is not a directory';
  if (!exists(join(dir, 'history.jsonl'))) return 'has no history.jsonl';
  return undefined;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  // Results may quote history values beyond 2^53 (bigints): as their digits, in a string.
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  if (text === undefined) throw new StoreError(`cannot write ${path}: the value has no JSON form`);
  const tmp = join(dirname(path), `.${basename(path)}.${uniqueSuffix()}.tmp`);
  try {
    writeDurably(tmp, `${text}\n`);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    // Something in the run dir is not what zkcheck wrote there (a directory named results.json).
    if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EROFS')
      throw new StoreError(`cannot write ${path} (${code}): it is not a file zkcheck can replace`);
    throw error;
  }
}

/** fsync before rename: otherwise a power loss can leave the renamed file empty on some filesystems. */
function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new StoreError(`cannot read ${path}: ${describeFsError(error)}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StoreError(`${path} is not valid JSON: ${oneLine((error as Error).message)}`);
  }
}

export function listRuns(store: string = DEFAULT_STORE): StoredRun[] {
  const storeDir = resolve(store);
  if (!isDirectory(storeDir)) return [];
  const runs: Array<StoredRun & { order: number }> = [];
  for (const testName of childDirs(storeDir).filter((name) => TEST_NAME.test(name))) {
    for (const timestamp of childDirs(join(storeDir, testName))) {
      const match = RUN_DIR_NAME.exec(timestamp);
      if (!match) continue;
      const dir = join(storeDir, testName, timestamp);
      runs.push({ testName, timestamp, dir, ...storedVerdict(dir), order: Number(match[2] ?? 0) });
    }
  }
  runs.sort(newestFirst);
  return runs.map(({ order: _order, ...run }) => run);
}

/** Real directories only: the `latest` symlinks and leftover temp files are not runs. */
function childDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

/** Compares the timestamp, then the collision suffix numerically (so -10 is newer than -9). */
function newestFirst(a: StoredRun & { order: number }, b: StoredRun & { order: number }): number {
  const aBase = a.timestamp.slice(0, 20);
  const bBase = b.timestamp.slice(0, 20);
  if (aBase !== bBase) return aBase < bBase ? 1 : -1;
  if (a.order !== b.order) return b.order - a.order;
  return a.testName.localeCompare(b.testName);
}

/** A results.json we cannot read says the run's verdict is not known, never that it was valid. */
function storedVerdict(dir: string): { valid?: boolean | 'unknown' } {
  const results = join(dir, 'results.json');
  if (!exists(results)) return {};
  try {
    const valid = readJson<{ valid?: unknown }>(results).valid;
    return { valid: valid === true || valid === false ? valid : 'unknown' };
  } catch {
    return { valid: 'unknown' };
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function uniqueSuffix(): string {
  return `${process.pid}.${randomBytes(4).toString('hex')}`;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function describeFsError(error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
