import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The default report, then one plain closing line (tests: N passed, N failed, N skipped).
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
