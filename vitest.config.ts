import { defineConfig } from 'vitest/config';

const LONG_TESTS = [
  'nemesis/combined.test.ts',
  'nemesis/upgrade.test.ts',
  'harness/commands/test-all.test.ts',
];

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // Long real-ensemble runs (a 120 s five-family run, a 2x2x2 release matrix, a rolling upgrade)
    // keep `npm test` under CI's 20 minutes: `npm run test:long` runs them.
    exclude: ['node_modules/**', 'dist/**', ...(process.env.ZKCHECK_LONG_TESTS ? [] : LONG_TESTS)],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The default report, then one plain closing line (tests: N passed, N failed, N skipped).
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
