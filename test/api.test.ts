/**
 * The package's API through Node's own resolution of its name (package.json `exports`), as a user's
 * program or vitest file imports it: the registries, building a spec, checking a history.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe("import { ... } from 'zkcheck'", () => {
  it('exposes the registries, the spec builder and the checker under the package name', () => {
    const script = `
      import { WORKLOADS, NEMESES, CATALOG, mergeConfig, buildTestSpec, evaluateClaims, toOperations, runTest } from 'zkcheck';
      const config = mergeConfig({}, { workload: 'register', nemesis: 'kill', timeLimit: 5 }, CATALOG);
      const spec = buildTestSpec(config);
      const history = [
        { index: 0, time: 0, process: 0, type: 'invoke', f: 'write', key: 0, value: 1 },
        { index: 1, time: 1, process: 0, type: 'ok', f: 'write', key: 0, value: { value: 1, version: 1 } },
        { index: 2, time: 2, process: 1, type: 'invoke', f: 'read', key: 0, value: null },
        { index: 3, time: 3, process: 1, type: 'ok', f: 'read', key: 0, value: { value: null, version: 0 } },
      ];
      const claims = await evaluateClaims(toOperations(history), spec.checks.claims);
      console.log(JSON.stringify({
        workloads: WORKLOADS.map((w) => w.name),
        nemeses: NEMESES.length,
        faults: spec.nemesis.names,
        runTest: typeof runTest,
        verdicts: claims.map((c) => [c.claim, c.valid]),
      }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      workloads: ['register', 'set', 'lock', 'queue', 'ids', 'election', 'ephemeral'],
      nemeses: 20,
      faults: ['kill'],
      runTest: 'function',
      verdicts: [
        ['writes-linearizable', true],
        ['sequential', true],
        ['zookeeper', true],
        ['sync-reads-linearizable', true],
        ['linearizable', false],
        // No final reads in this history: whether acknowledged writes survived is not known.
        ['durability', 'unknown'],
      ],
    });
  });
});
