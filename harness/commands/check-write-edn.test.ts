/**
 * `zkcheck check --write-edn`, run in this process through main(): a lock run's history written as
 * Knossos mutex EDN and read back by `zkcheck check --model mutex` gives the verdict the run got,
 * valid or not; several locks become Jepsen's [key value] tuples; any other history is written as
 * read; and every target that must not be written is one line and 254, with nothing written.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doubleGrantJsonl, LOCK_HISTORY } from '../../checker/testing/lock-run.js';
import { checkInProcess } from '../../test/check-in-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-write-edn-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const zkcheck = checkInProcess;

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const jsonl = (ops: object[]) =>
  ops.map((op, index) => JSON.stringify({ index, time: index * 1000, ...op })).join('\n') + '\n';

/** The verdict of a `--json` check, without its timing. */
function verdict(stdout: string): Record<string, unknown> {
  const { ms: _ms, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
  return rest;
}

describe('zkcheck check --write-edn on a lock run', () => {
  it.each([
    ['the recorded run', LOCK_HISTORY, 0],
    ['the run with a double grant', file('double-grant.jsonl', doubleGrantJsonl()), 1],
  ])('%s: the mutex EDN read back gets the same verdict', async (_, history, status) => {
    const edn = join(scratch, `${status}.edn`);
    const run = await zkcheck(history, '--model', 'mutex', '--json', '--write-edn', edn);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(status);
    const text = readFileSync(edn, 'utf8');
    // Knossos's mutex format: acquire and release ops with nil values, nothing else.
    for (const line of text.trimEnd().split('\n'))
      expect(line).toMatch(
        /^[[ ]\{.*:type :(invoke|ok|fail|info), :f :(acquire|release), :key 0, :value nil\}\]?$/,
      );
    const back = await zkcheck(edn, '--model', 'mutex', '--json');
    expect(back.code).toBe(status);
    const { file: _run, converted, ...ran } = verdict(run.stdout);
    const { file: _back, ...read } = verdict(back.stdout);
    expect(converted).toBe('lock workload → mutex');
    // Not converted again: the EDN holds the mutex ops themselves, and the same op positions.
    expect(read).toEqual(ran);
    expect(read).toMatchObject({ valid: status === 0, ops: 12 });
    if (status === 1)
      expect((await zkcheck(edn, '--model', 'mutex')).stdout).toContain(
        'acquire but the mutex is already held',
      );
  });

  it('writes the same mutex EDN under --claims lock, whose verdict is of the run itself', async () => {
    const mutex = join(scratch, 'by-model.edn');
    const claims = join(scratch, 'by-claims.edn');
    await zkcheck(LOCK_HISTORY, '--model', 'mutex', '--write-edn', mutex);
    const result = await zkcheck(LOCK_HISTORY, '--claims', 'lock', '--json', '--write-edn', claims);
    expect(result.code).toBe(0);
    // The run's own 15 ops were checked (the mutex ops are 12), for the lock claims.
    const checked = verdict(result.stdout);
    expect(checked).toMatchObject({ valid: true, ops: 15 });
    expect(checked).not.toHaveProperty('converted');
    expect(checked.claims).toEqual(
      expect.arrayContaining([expect.objectContaining({ claim: 'lock-ownership' })]),
    );
    expect(readFileSync(claims, 'utf8')).toBe(readFileSync(mutex, 'utf8'));
  });

  it("writes several locks as [key nil] tuples, for Jepsen's independent checker", async () => {
    // Two locks held at once: two mutexes, each valid; one mutex would be held twice.
    const held = (process: number, key: number) => [
      { process, type: 'invoke', f: 'acquire', key, value: null },
      { process, type: 'ok', f: 'acquire', key, value: { node: 'n-0000000000', seq: 0 } },
    ];
    const released = (process: number, key: number) => [
      { process, type: 'invoke', f: 'release', key, value: { node: 'n-0000000000', seq: 0 } },
      { process, type: 'ok', f: 'release', key, value: { deleted: true } },
    ];
    const history = file(
      'two-locks.jsonl',
      jsonl([...held(0, 0), ...held(1, 1), ...released(0, 0), ...released(1, 1)]),
    );
    const edn = join(scratch, 'two-locks.edn');
    expect((await zkcheck(history, '--model', 'mutex', '--write-edn', edn)).code).toBe(0);
    const text = readFileSync(edn, 'utf8');
    expect(text).toContain(':f :acquire, :value [1 nil]}');
    expect(text).not.toContain(':key');
    const back = await zkcheck(edn, '--model', 'mutex', '--independent', '--json');
    expect(back.code).toBe(0);
    expect(verdict(back.stdout)).toMatchObject({ valid: true, ops: 4 });
  });
});

describe('zkcheck check --write-edn on other histories', () => {
  it('writes the history as read, and the EDN read back gets the same verdict', async () => {
    const stale = file(
      'stale.jsonl',
      jsonl([
        { process: 0, type: 'invoke', f: 'write', value: 1 },
        { process: 0, type: 'ok', f: 'write', value: 1 },
        { process: 1, type: 'invoke', f: 'read', value: null },
        { process: 1, type: 'ok', f: 'read', value: 0 },
      ]),
    );
    const edn = join(scratch, 'stale.edn');
    const run = await zkcheck(stale, '--model', 'register', '--json', '--write-edn', edn);
    expect(run.code).toBe(1);
    expect(readFileSync(edn, 'utf8')).toBe(
      `[{:index 0, :time 0, :process 0, :type :invoke, :f :write, :value 1}
 {:index 1, :time 1000, :process 0, :type :ok, :f :write, :value 1}
 {:index 2, :time 2000, :process 1, :type :invoke, :f :read, :value nil}
 {:index 3, :time 3000, :process 1, :type :ok, :f :read, :value 0}]
`,
    );
    const back = await zkcheck(edn, '--model', 'register', '--json');
    expect(back.code).toBe(1);
    const { file: _a, ...ran } = verdict(run.stdout);
    const { file: _b, ...read } = verdict(back.stdout);
    expect(read).toEqual(ran);
  });

  it('replaces an existing file whole and leaves no temporary file beside it', async () => {
    const dir = join(scratch, 'replace');
    mkdirSync(dir);
    const edn = join(dir, 'out.edn');
    writeFileSync(edn, 'old contents, longer than nothing');
    expect((await zkcheck(LOCK_HISTORY, '--model', 'mutex', '--write-edn', edn)).code).toBe(0);
    expect(readFileSync(edn, 'utf8')).toMatch(/^\[\{:index 0, .*\}\]\n$/s);
    expect(readdirSync(dir)).toEqual(['out.edn']);
  });

  it('writes nothing when the input cannot be checked', async () => {
    const edn = join(scratch, 'never.edn');
    const register = file('register.jsonl', jsonl([{ process: 0, type: 'invoke', f: 'write', value: 1 }]));
    const result = await zkcheck(register, '--model', 'mutex', '--write-edn', edn);
    expect(result.code).toBe(254);
    expect(readdirSync(scratch)).not.toContain('never.edn');
  });
});

describe('zkcheck check --write-edn: targets it refuses', () => {
  const input = file('input.jsonl', readFileSync(LOCK_HISTORY, 'utf8'));
  const original = readFileSync(input, 'utf8');
  const aFile = file('a-file', 'not a directory');
  symlinkSync(input, join(scratch, 'link-to-input.jsonl'));

  it.each([
    [scratch, `--write-edn ${scratch} is a directory; give the path of a file to write`],
    [
      join(scratch, 'missing', 'out.edn'),
      `--write-edn ${join(scratch, 'missing', 'out.edn')}: directory ${join(scratch, 'missing')} does not exist`,
    ],
    [join(aFile, 'out.edn'), `--write-edn ${join(aFile, 'out.edn')}: ${aFile} is not a directory`],
    [input, `--write-edn ${input} is the input file ${input}; write the EDN elsewhere`],
    [
      join(scratch, 'link-to-input.jsonl'),
      `--write-edn ${join(scratch, 'link-to-input.jsonl')} is the input file ${input}; write the EDN elsewhere`,
    ],
    // The path as the system reads it: through a missing directory, not normalized to the input.
    [
      `${scratch}/missing/../input.jsonl`,
      `--write-edn ${scratch}/missing/../input.jsonl: directory ${scratch}/missing/.. does not exist`,
    ],
    ['', '--write-edn needs the path of a file to write'],
  ])('%s: one line, 254, nothing written', async (target, message) => {
    const before = readdirSync(scratch).sort();
    const result = await zkcheck(input, '--model', 'mutex', '--write-edn', target);
    expect(result.code).toBe(254);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`zkcheck: ${message}\n`);
    expect(readFileSync(input, 'utf8')).toBe(original);
    expect(readdirSync(scratch).sort()).toEqual(before);
  });

  it('writes the history of one file only', async () => {
    const result = await zkcheck(
      input,
      LOCK_HISTORY,
      '--model',
      'mutex',
      '--write-edn',
      join(scratch, 'x.edn'),
    );
    expect(result.code).toBe(254);
    expect(result.stderr).toBe('zkcheck: --write-edn writes the history of one file: give one file, not 2\n');
    expect(result.stdout).toBe('');
  });

  it('is explained in --help', async () => {
    const help = await zkcheck('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--write-edn <file>');
    expect(help.stdout).toMatch(/\n {2}zkcheck check \S+ --model mutex --write-edn \S+\.edn\n/);
  });
});
