/**
 * `zkcheck analyze --junit FILE --summary FILE` through the built CLI, on a stored run: the JUnit
 * file validates against the JUnit 10 schema CI systems read, the summary is a Markdown table that
 * GitHub appends to, --json keeps stdout to results.json alone, and an unwritable output file is a
 * warning that costs no verdict.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'zkcheck.js');
const FIXTURE = join(ROOT, 'results', 'testdata', 'run-partition-pause');
const XSD = join(ROOT, 'results', 'testdata', 'junit-10.xsd');
const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-ci-outputs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function storedRun(name: string): string {
  const dir = join(scratch, 'store', name, '2026-12-05T10-00-00Z');
  mkdirSync(join(dir, '..'), { recursive: true });
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function zkcheck(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('analyze --junit / --summary', () => {
  it('writes a JUnit file that validates against the schema and appends a summary table', () => {
    const dir = storedRun('ci');
    const junit = join(scratch, 'out', 'zkcheck.xml');
    const summary = join(scratch, 'out', 'summary.md');
    mkdirSync(join(scratch, 'out'), { recursive: true });
    writeFileSync(summary, '# earlier step\n');
    const result = zkcheck(['analyze', dir, '--junit', junit, '--summary', summary]);
    expect(result.stderr).toBe('');
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toContain(`wrote ${junit}`);

    const xml = readFileSync(junit, 'utf8');
    const claims = (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { claims: unknown[] })
      .claims;
    expect(xml.match(/<testsuite\b/g)).toHaveLength(1);
    expect(xml.match(/<testcase\b/g)).toHaveLength(claims.length);
    const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, junit], { encoding: 'utf8' });
    expect(lint.error, 'xmllint missing: npm run setup installs libxml2-utils').toBeUndefined();
    expect(lint.status, lint.stderr).toBe(0);

    const markdown = readFileSync(summary, 'utf8');
    expect(markdown.startsWith('# earlier step\n')).toBe(true);
    expect(markdown).toMatch(/\n\|[^\n]*\|\n\|\s*:?-{3,}/);
  });

  it('keeps stdout to results.json with --json, and only warns when an output cannot be written', () => {
    const dir = storedRun('ci-json');
    const junit = join(scratch, 'is-a-dir');
    mkdirSync(junit);
    const result = zkcheck(['analyze', dir, '--json', '--junit', junit]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, reanalyzed: true });
    expect(result.stderr).toMatch(/^zkcheck: warning: CI outputs not written: .*\n$/);
  });
});
