/**
 * zkcheck's programmatic API (`import { ... } from 'zkcheck'`): build a test spec from settings and
 * the registries, run it, check histories, read stored runs. The CLI is a thin layer over this.
 *
 *   const config = mergeConfig({}, { timeLimit: 10, nemesis: 'kill' }, CATALOG);
 *   const outcome = await runTest(buildTestSpec(config));
 *   expect(outcome.results?.valid).toBe(true);
 */
export { runTest, type RunHooks, type RunOutcome } from './runner/run.js';
export type {
  Nemesis,
  NemesisEntry,
  NemesisOptions,
  NemesisPackage,
  NemesisPlan,
  RunChecks,
  Setting,
  TestSpec,
  Workload,
  WorkloadEntry,
  WorkloadOptions,
} from './runner/spec.js';
export { NemesisError, WorkloadError } from './runner/spec.js';
export { buildTestSpec, CATALOG, throughputFloor } from './test-spec.js';
export {
  ConfigError,
  defaultConfig,
  loadConfigFile,
  mergeConfig,
  type Catalog,
  type TestConfig,
} from './config.js';
export { WORKLOADS } from '../workloads/index.js';
export { NEMESES } from '../nemesis/index.js';
export { nemesisPlan, composeNemesis } from '../nemesis/compose.js';
export { perKey, keyLayout } from './generator/independent.js';
export { checkLinearizable } from '../checker/linearizable/check.js';
export { checkClaims } from '../checker/consistency/claims.js';
export { evaluateClaims, consistencyClaims, CLAIM_CHECKERS } from '../checker/claims/evaluate.js';
export type { ClaimResult, ClaimSpec } from '../checker/claims/types.js';
export { readHistoryFile } from '../checker/history/read.js';
export { toOperations } from '../checker/history/operations.js';
export { MODELS, getModel } from '../checker/models/index.js';
export { analyzeHistory, analyzeHistoryFile, type RunResults } from '../results/analyze.js';
export { createRun, listRuns, readJson, resolveRun, runPaths, type RunPaths } from '../results/store.js';
export { startEnsemble } from './cluster/ensemble.js';
export type { Ensemble, EnsembleOptions } from './cluster/types.js';
