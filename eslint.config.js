import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a folder must not make: the arrows between steps run one way (test/architecture.test.ts checks it too). */
const forbid = (files, regex, message) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
});

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/', 'node_modules/', 'runs/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  forbid(
    [
      'harness/generator/**/*.ts',
      'harness/client/**/*.ts',
      'harness/cluster/**/*.ts',
      'harness/proxy/**/*.ts',
    ],
    '(^|/)(workloads|nemesis|results|runner|commands)/|(^|/)(config|settings|test-spec|cli)\\.js$',
    'the kit (generator, client, cluster, proxy) knows no app module, workload or fault',
  ),
  forbid(
    ['harness/runner/**/*.ts'],
    '(^|/)(workloads|nemesis|commands)/|(^|/)test-spec\\.js$',
    'the runner knows no workload or fault by name: they come in the test spec',
  ),
  forbid(
    ['checker/**/*.ts'],
    '(^|/)(harness|workloads|nemesis|results)/',
    'the checker is a library of histories and models',
  ),
);
