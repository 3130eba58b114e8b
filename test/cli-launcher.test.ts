/**
 * bin/zkcheck.js itself: `--version` (or `-V`) alone is answered without loading the CLI, with
 * the package's version, as the CLI's own flag answers (harness/version.ts gives both).
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
});
