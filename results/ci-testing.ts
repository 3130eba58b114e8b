/**
 * Test helpers: stored runs in a temp store, copied from results/testdata, optionally edited.
 * Used by the CI output, serve and browser tests; not part of the CLI.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
export const FIXTURE_RUNS = ['run-partition-leader', 'run-partition-pause'] as const;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `zkcheck-${prefix}-`));
}

/** Copies a fixture run to `<store>/<testName>/<timestamp>/` and applies edits to its JSON files. */
export function storeFixtureRun(
  store: string,
  fixture: (typeof FIXTURE_RUNS)[number],
  where: { testName: string; timestamp: string },
  edit: { test?: (t: Record<string, unknown>) => void; results?: (r: Record<string, unknown>) => void } = {},
): string {
  const dir = join(store, where.testName, where.timestamp);
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(join(TESTDATA, fixture), dir, { recursive: true });
  for (const [file, fn] of [
    ['test.json', edit.test],
    ['results.json', edit.results],
  ] as const) {
    if (!fn) continue;
    const path = join(dir, file);
    const value = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    fn(value);
    writeFileSync(path, JSON.stringify(value, null, 2));
  }
  return dir;
}
