/**
 * Plain linearizability of one file (`--consistency linearizable`), decided as `--method` says: by
 * the search (checker/linearizable), or by the version graph where the model reports versions.
 */
import type { Model } from '../../checker/models/model.js';
import { checkLinearizable } from '../../checker/linearizable/check.js';
import type { History, Operation } from '../../checker/history/types.js';
import type { Method } from './check-flags.js';
import { roundMs, type FileVerdict, type Spec } from './check-verdict.js';

/** Plain linearizability by the method --method names (auto: the graph where the model has one). */
export async function checkPlain(
  file: string,
  history: History,
  operations: Operation[],
  spec: Spec,
  /** `spec` resolved: check-file.ts validated the ops with it. */
  model: Model<unknown>,
  method: Method,
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  if (method === 'search') return checkBySearch(file, operations, spec, model, timeLimitMs);
  if (method === 'graph') return checkByGraphOnly(file, history, operations, model);
  return model.versionGraph
    ? checkByGraph(file, history, operations, spec, timeLimitMs)
    : checkBySearch(file, operations, spec, model, timeLimitMs);
}

async function checkBySearch(
  file: string,
  operations: Operation[],
  spec: Spec,
  model: Model<unknown>,
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  const result = await checkLinearizable(operations, spec, { timeLimitMs, validated: true, model });
  return {
    file,
    valid: result.valid,
    ops: result.operations,
    ms: Math.round(result.ms * 10) / 10,
    method: 'search',
    partitions: result.partitions,
    ...(result.cause ? { cause: result.cause } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample } : {}),
  };
}

/** The history's clock for explanations: the time of the op at a position. */
const clockOf = (history: History) => (index: number) => history[index]?.time;

/** Plain linearizability for a model the version graph decides: the graph method first, as `all` does. */
async function checkByGraph(
  file: string,
  history: History,
  operations: Operation[],
  spec: Spec,
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  const [{ consistencyClaims, evaluateClaims }, { explainClaim }] = await Promise.all([
    import('../../checker/claims/evaluate.js'),
    import('../../checker/explain/text.js'),
  ]);
  const [result] = await evaluateClaims(operations, consistencyClaims(spec, ['linearizable']), {
    timeLimitMs,
  });
  return {
    file,
    valid: result.valid,
    ops: operations.length,
    ms: roundMs(result.ms),
    method: result.method === 'graph' ? 'graph' : 'search',
    ...(result.cause ? { cause: result.cause } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample } : {}),
    ...(result.valid === false && !result.counterexample
      ? { explanation: explainClaim(result, { clock: clockOf(history) }) }
      : {}),
  };
}

/**
 * Plain linearizability by the version graph alone (--method graph): the versions the replies
 * report order the updates, and a cycle of process, version and real-time order is a violation.
 * Where an unknown-outcome update leaves the versions ambiguous the graph cannot decide: unknown
 * (auto would ask the search). Near-linear in the history: no time limit needed.
 */
async function checkByGraphOnly(
  file: string,
  history: History,
  operations: Operation[],
  model: Model<unknown>,
): Promise<FileVerdict> {
  const [{ analyseVersions }, { checkGraph }, { explainConflict, explainCycle }] = await Promise.all([
    import('../../checker/consistency/versions.js'),
    import('../../checker/consistency/graph.js'),
    import('../../checker/explain/text.js'),
  ]);
  const started = performance.now();
  const done = ({ valid, ...why }: Pick<FileVerdict, 'valid' | 'cause' | 'explanation'>): FileVerdict => ({
    file,
    valid,
    ops: operations.length,
    ms: roundMs(performance.now() - started),
    method: 'graph',
    ...why,
  });
  const clock = clockOf(history);
  const analysis = analyseVersions(operations, model.versionGraph!.init);
  if (analysis.kind === 'conflict')
    return done({ valid: false, explanation: explainConflict(analysis.conflict, { clock }) });
  if (analysis.kind === 'undecided')
    return done({ valid: 'unknown', cause: `the graph method cannot decide: ${analysis.reason}` });
  const graph = checkGraph(analysis, () => true);
  if (graph.valid === 'unknown')
    return done({
      valid: 'unknown',
      cause:
        'the graph method cannot decide: the only cycle found depends on which unknown-outcome update filled a version gap',
    });
  return done({
    valid: graph.valid,
    ...(graph.cycle ? { explanation: explainCycle(graph.cycle, { clock }) } : {}),
  });
}
