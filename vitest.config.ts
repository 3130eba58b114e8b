import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const LONG_TESTS = [
  'nemesis/combined.test.ts',
  'nemesis/upgrade.test.ts',
  'harness/commands/test-all.test.ts',
];
const IGNORED = ['node_modules/**', 'dist/**', ...(process.env.ZKCHECK_LONG_TESTS ? [] : LONG_TESTS)];

/**
 * Test files that start ZooKeeper, Docker or the fault proxy, or sweep what runs leave. They run
 * one at a time, after the rest: two ensembles on 2 cores would skew the timed assertions (a kill
 * within 100 ms of a log line, a session that must expire), and the proxy tests time round trips
 * through toxics (beside other files, one failed twice). Found by what they call, so a new such
 * file cannot slip into the parallel group by being forgotten in a list.
 */
const ENSEMBLE_USE =
  /\b(skipWithoutDocker|dockerAnswers|javaVersion|standaloneUnavailableReason|startEnsemble|findReapers|listLeftovers|readRunRecords|runsDir|portLockDir|startFaultProxyServer)\b/;
const ENSEMBLE_TESTS = readdirSync('.', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !['node_modules', 'dist', '.git'].includes(entry.name))
  .flatMap((dir) =>
    readdirSync(dir.name, { recursive: true, encoding: 'utf8' }).map((f) => `${dir.name}/${f}`),
  )
  .filter((file) => file.endsWith('.test.ts') && ENSEMBLE_USE.test(readFileSync(file, 'utf8')));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The default report, then one plain closing line (tests: N passed, N failed, N skipped).
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...IGNORED, ...ENSEMBLE_TESTS],
          // Pure and in-process tests share the two cores.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'ensemble',
          include: ENSEMBLE_TESTS,
          // Long real-ensemble runs (a 120 s five-family run, a 2x2x2 release matrix, a rolling
          // upgrade) keep `npm test` under CI's 20 minutes: `npm run test:long` runs them.
          exclude: IGNORED,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
