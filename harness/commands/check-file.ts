/**
 * One file of `zkcheck check`: read, checked for well-formedness, converted to mutex ops when it
 * is a lock or election run's history (`--model mutex`), written as EDN (`--write-edn`), then
 * checked on the path its flags pick (plain linearizability, claims or the queue claims). Unreadable or malformed input: one line
 * on stderr, and no verdict.
 */
import { readHistoryFile } from '../../checker/history/read.js';
import { checkWellFormed } from '../../checker/history/wellformed.js';
import { nothingChecked, toOperations } from '../../checker/history/operations.js';
import { HistoryError } from '../../checker/history/types.js';
import { ModelError } from '../../checker/models/index.js';
import { resolveModel, validateOperations } from '../../checker/linearizable/check.js';
import type { History, Operation } from '../../checker/history/types.js';
import type { ClaimSpec } from '../../checker/claims/types.js';
import type { Model } from '../../checker/models/model.js';
import { CONSISTENCY, type CheckFlags } from './check-flags.js';
import { checkPlain } from './check-plain.js';
import {
  checkFileClaims,
  consistencyDeclaration,
  queueDeclaration,
  shrinkFile,
  workloadDeclaration,
} from './check-claims.js';
import { roundMs, type FileVerdict } from './check-verdict.js';

/**
 * Ops only zkcheck's lock and election workloads record (workloads/lock.ts, election.ts): with
 * `--model mutex`, a history with one of them, or an acquire/release naming its node, is such a
 * workload's history and is converted to mutex ops first.
 */
const LOCK_WORKLOAD_FS = new Set(['elect', 'resign', 'lead', 'incr-fenced', 'incr-unfenced']);

/** The workloads whose histories --write-edn writes as mutex ops under --claims. */
const LOCK_CLAIMS = new Set<CheckFlags['claims']>(['lock', 'election']);

export async function checkFile(
  file: string,
  flags: CheckFlags,
  modelOptions: { init?: unknown },
): Promise<FileVerdict | undefined> {
  let operations: Operation[];
  let history: History;
  let converted: FileVerdict['converted'];
  /** A lock or election run's history as Knossos's mutex ops, when it was converted. */
  let mutex: History | undefined;
  let queueSpecs: ClaimSpec[] | undefined;
  /** The --model resolved for this file, once: validation and the search share it. */
  let model: Model<unknown> | undefined;
  try {
    history = await readHistoryFile(file, {
      format: flags.format,
      independent: flags.independent,
      onWarning: (message) => process.stderr.write(`zkcheck: warning: ${message}\n`),
    });
    checkWellFormed(history, file);
    // --write-edn writes a lock run as mutex ops also under --claims lock|election, which check
    // the run's own ops.
    const wantsMutex =
      flags.model === 'mutex' || (flags.writeEdn !== undefined && LOCK_CLAIMS.has(flags.claims));
    if (wantsMutex && isLockWorkloadHistory(history)) {
      mutex = (await import('../../checker/history/mutex.js')).lockHistoryToMutex(history);
      if (flags.model === 'mutex') {
        converted = history.some((op) => op.f === 'elect')
          ? 'election workload → mutex'
          : 'lock workload → mutex';
        history = mutex;
      }
    }
    operations = toOperations(history);
    // Inside the try: a malformed queue op (an ok drain without its list) is bad input.
    if (flags.claims === 'queue') queueSpecs = await queueDeclaration(operations, flags, file);
    if (flags.model !== undefined) {
      model = resolveModel({ name: flags.model, options: modelOptions });
      validateOperations(operations, model);
    }
  } catch (error) {
    if (error instanceof ModelError) {
      process.stderr.write(`zkcheck: ${file}: ${error.message}\n`);
      return undefined;
    }
    if (error instanceof HistoryError) {
      process.stderr.write(`zkcheck: ${error.message}\n`);
      return undefined;
    }
    if ((error as NodeJS.ErrnoException).code !== undefined) {
      process.stderr.write(`zkcheck: ${file}: ${(error as Error).message}\n`);
      return undefined;
    }
    throw error;
  }
  // Before checking: the EDN is the history as read (and converted), whatever the verdict.
  if (flags.writeEdn !== undefined)
    (await import('./check-write-edn.js')).writeHistoryEdn(flags.writeEdn, mutex ?? history, {
      mutex: mutex !== undefined,
      independent: flags.independent === true,
    });
  const timeLimitMs = flags.timeLimit === undefined ? undefined : flags.timeLimit * 1000;
  if (flags.model === undefined) {
    const started = performance.now();
    const specs = queueSpecs ?? (await workloadDeclaration(flags.claims!));
    const verdict = await checkFileClaims(file, history, specs, timeLimitMs);
    verdict.ms = roundMs(performance.now() - started);
    return verdict;
  }
  const spec = { name: flags.model, options: modelOptions };
  const claims = CONSISTENCY[flags.consistency];
  const started = performance.now();
  const verdict =
    claims !== undefined
      ? await checkFileClaims(file, history, await consistencyDeclaration(spec, claims), timeLimitMs)
      : await checkPlain(file, history, operations, spec, model!, flags.method, timeLimitMs);
  const vacuous = vacuousNote(history, operations);
  if (
    vacuous !== undefined &&
    verdict.valid !== false &&
    (verdict.claims ?? []).every((c) => c.valid === true)
  ) {
    // The claims path (results/analyze.ts) calls it unknown, as it does a run: see vacuousNote.
    delete verdict.cause;
    Object.assign(verdict, { valid: true, note: vacuous });
  } else if (verdict.valid === true) {
    const nothing = nothingChecked(operations);
    if (nothing !== undefined) Object.assign(verdict, { valid: 'unknown', cause: nothing });
  }
  if (flags.shrink && verdict.valid === false)
    verdict.shrunk = await shrinkFile(operations, verdict, spec, claims);
  if (converted) verdict.converted = converted;
  verdict.ms = roundMs(performance.now() - started);
  return verdict;
}

/**
 * Why a history that has entries, but in which no operation succeeded, is valid, or undefined for
 * any other history. Such a history is linearizable: none of its ops is known to have taken
 * effect, so the empty order explains every one (a failed op did not happen, one of unknown
 * outcome may not have), and that is what a peer checker answers (Knossos, for four of its
 * histories: three whose every op failed and one with nemesis entries only). `check` judges a
 * history, so it says valid, with this note; a run judges a cluster, and a run in which nothing
 * succeeded tested nothing, so results/analyze.ts still calls it unknown. An empty history (no
 * entry at all: the wrong file, or a truncated one) stays unknown here too.
 */
function vacuousNote(history: History, operations: readonly Operation[]): string | undefined {
  if (history.length === 0 || operations.some((op) => op.status === 'ok')) return undefined;
  let failed = 0;
  for (const op of history) if (op.process !== 'nemesis' && op.type === 'fail') failed++;
  const unknown = operations.length; // failed ops are not operations; what is left is of unknown outcome
  if (failed + unknown === 0) return `vacuously: no client operation, only ${history.length} nemesis entries`;
  const how = [failed ? `${failed} failed` : '', unknown ? `${unknown} of unknown outcome` : '']
    .filter(Boolean)
    .join(', ');
  return `vacuously: no operation succeeded (${how})`;
}

/** Whether a history was recorded by zkcheck's lock or election workload (see LOCK_WORKLOAD_FS). */
function isLockWorkloadHistory(history: History): boolean {
  return history.some((op) => {
    if (op.process === 'nemesis') return false;
    if (LOCK_WORKLOAD_FS.has(op.f)) return true;
    const value = op.value as { node?: unknown } | null;
    return (op.f === 'acquire' || op.f === 'release') && typeof value?.node === 'string';
  });
}
