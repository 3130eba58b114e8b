/**
 * main(argv) in this process: what any command line gets back is an exit status and, for bad
 * input, exactly one line on stderr (the fuzz test, test/cli-fuzz.test.ts, tries many more).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';

async function cli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await main(['node', 'zkcheck', ...args]);
    return { code, stderr: err.join(''), stdout: out.join('') };
  } finally {
    errSpy.mockRestore();
    outSpy.mockRestore();
    process.exitCode = undefined;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('main', () => {
  it('answers `help <unknown>` with one line naming the commands, not the whole usage', async () => {
    const { code, stderr } = await cli('help', 'nosuch');
    expect(code).toBe(254);
    expect(stderr).toBe(
      'zkcheck: help: unknown command "nosuch" (commands: run, analyze, report, check, compare, test-all, hunt, nemesis, serve, doctor, image, clean)\n',
    );
    expect((await cli('help', 'run')).code).toBe(0);
  });

  it('turns a bad flag of a nested command (image list, nemesis list) into one line and 254', async () => {
    for (const args of [
      ['image', 'list', '--bogus'],
      ['nemesis', 'list', '--bogus'],
    ]) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(254);
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr).toContain('--bogus');
    }
  });

  it('keeps a message one line when the bad input holds a newline', async () => {
    const { code, stderr } = await cli('analyze', '--store', join(scratch, 'a\nb'));
    expect(code).toBe(254);
    expect(stderr).toBe(`zkcheck: no run at latest: ${join(scratch, 'a\\nb', 'latest')} does not exist\n`);
  });
});
