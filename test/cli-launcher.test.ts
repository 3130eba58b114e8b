/**
 * bin/zkcheck.js itself: `--version` (or `-V`) alone is answered without loading the CLI, with
 * the package's version, as the CLI's own flag answers (harness/version.ts gives both); after a
 * command, the exit guard (harness/exit-guard.ts) runs one full collection before the process
 * ends, and the command's exit status stands.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../bin/zkcheck.js');
const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
  version: string;
};

describe('bin/zkcheck.js', () => {
  it.each(['--version', '-V'])('%s prints the package version and exits 0', (flag) => {
    const result = spawnSync(process.execPath, [bin, flag], { encoding: 'utf8' });
    expect(result).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('runs one full collection after the command, before exit, and keeps its exit status', () => {
    // V8 names a collection that gc() asked for "testing" in --trace-gc's lines.
    const history = join(import.meta.dirname, '../results/testdata/run-partition-pause/history.jsonl');
    const result = spawnSync(
      process.execPath,
      ['--trace-gc', bin, 'check', history, '--model', 'zk-versioned-register'],
      { encoding: 'utf8' },
    );
    // A recorded run with stale plain reads: INVALID, exit status 1, kept through the guard.
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    const verdict = lines.findIndex((line) => line.includes('history.jsonl: INVALID'));
    expect(verdict).toBeGreaterThanOrEqual(0);
    expect(lines.slice(verdict + 1).some((line) => /Mark-Compact.*testing/.test(line))).toBe(true);
  });
});
