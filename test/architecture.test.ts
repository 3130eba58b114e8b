/**
 * The shape of the code, checked on every test run (ESLint's no-restricted-imports says the same
 * in eslint.config.js, but CI runs the tests): the kit knows no app module, workload or fault;
 * the runner knows no workload or fault by name; the checker knows nothing of the harness.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports (static imports, re-exports and dynamic imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]);
}

const RULES: Array<{ folders: string[]; forbidden: RegExp; why: string }> = [
  {
    folders: ['harness/generator', 'harness/client', 'harness/cluster', 'harness/proxy'],
    forbidden:
      /(^|\/)(workloads|nemesis|results|runner|commands)\/|(^|\/)(config|settings|test-spec|cli)\.js$/,
    why: 'the kit knows no app module, workload or fault',
  },
  {
    folders: ['harness/runner'],
    forbidden: /(^|\/)(workloads|nemesis|commands)\/|(^|\/)test-spec\.js$/,
    why: 'the runner knows no workload or fault by name',
  },
  {
    folders: ['checker'],
    forbidden: /(^|\/)(harness|workloads|nemesis|results)\//,
    why: 'the checker knows histories and models only',
  },
];

describe('the arrows between folders run one way', () => {
  for (const rule of RULES) {
    it(`${rule.folders.join(', ')}: ${rule.why}`, () => {
      const files = rule.folders.flatMap(sources);
      expect(files.length).toBeGreaterThan(3);
      const offending = files.flatMap((file) =>
        importsOf(file)
          .filter((spec) => spec.startsWith('.') && rule.forbidden.test(spec))
          .map((spec) => `${relative(ROOT, join(ROOT, file))} imports ${spec}`),
      );
      expect(offending).toEqual([]);
    });
  }

  it('catches an offending import when there is one (the check can fail)', () => {
    const rule = RULES[1];
    expect(rule.forbidden.test('../../workloads/register.js')).toBe(true);
    expect(rule.forbidden.test('../../nemesis/index.js')).toBe(true);
    expect(rule.forbidden.test('../generator/core.js')).toBe(false);
    expect(importsOf('harness/runner/run.ts')).toContain('../../results/analyze.js');
  });
});
