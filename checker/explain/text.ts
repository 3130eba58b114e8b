/**
 * Short text explanations of broken claims, for terminals and reports: one headline a person can
 * read in a minute ("process 1 read 3 after the write of 5 completed at 1.23 s; no order allows
 * it"), then the evidence — the cycle's steps, the conflicting ops or the search's stuck point.
 */
import type { Operation } from '../history/types.js';
import type { ClaimResult, Cycle, EdgeKind } from '../consistency/types.js';
import type { Conflict } from '../consistency/versions.js';
import { describeCounterexample } from '../linearizable/describe.js';
import { render } from '../models/values.js';

/** History index → nanoseconds since the start, when known (history `time`, -1 unknown). */
export type Clock = (historyIndex: number) => number | undefined;

export interface ExplainOptions {
  clock?: Clock;
}

/** The headline and evidence lines for an invalid claim; empty for any other. */
export function explainClaim(result: ClaimResult, options: ExplainOptions = {}): string[] {
  if (result.valid !== false) return [];
  if (result.explanation) return result.explanation;
  if (result.cycle) return explainCycle(result.cycle, options);
  if (result.conflict) return explainConflict(result.conflict, options);
  if (result.counterexample) {
    // The search's words are linearizability's; they hold for every claim it checks.
    const [first, ...rest] = describeCounterexample(result.counterexample);
    return [first.replace(/^cannot linearize:/, 'no legal order can take next:'), ...rest];
  }
  return ['no order allows it'];
}

export function explainCycle(cycle: Cycle, options: ExplainOptions = {}): string[] {
  const steps = cycle.steps;
  const lines = [headline(cycle, options)];
  lines.push(`a cycle of ${steps.length} ops, each of which must come before the next:`);
  steps.forEach((step, i) => {
    const next = steps[(i + 1) % steps.length].op;
    lines.push(`  ${opLabel(step.op, options)}`);
    lines.push(`    ${edgeReason(step.edge, step.op, next, options)}`);
  });
  lines.push(`  ${opLabel(steps[0].op, options)}`);
  return lines;
}

export function explainConflict(conflict: Conflict, options: ExplainOptions = {}): string[] {
  return [`${conflict.reason}; no order allows it`, ...conflict.ops.map((op) => `  ${opLabel(op, options)}`)];
}

/**
 * The most telling step first: a read that must precede the overwrite of what it read, yet the
 * rest of the cycle puts it after that overwrite.
 */
function headline(cycle: Cycle, options: ExplainOptions): string {
  const steps = cycle.steps;
  const at = steps.findIndex((step) => step.edge === 'rw');
  if (at < 0) {
    const [first, second] = [steps[0], steps[1 % steps.length]];
    return `${opLabel(first.op, options)} must precede ${opShort(second.op)}, and the cycle leads back to it; no order allows it`;
  }
  const reader = steps[at].op;
  const overwrite = steps[(at + 1) % steps.length];
  const back = steps[(at + steps.length - 1) % steps.length];
  const how =
    overwrite.edge === 'realtime' && steps.length === 2
      ? `completed (${timeOf(overwrite.op.completeIndex, options)})`
      : back.edge === 'process' && back.op.process === reader.process
        ? `was already seen by the same session`
        : `must precede it`;
  return `process ${reader.process} read ${readValue(reader)} after ${updateLabel(overwrite.op)} ${how}; no order allows it`;
}

/** Why `from` must precede the op on the next line. */
function edgeReason(edge: EdgeKind, from: Operation, to: Operation, options: ExplainOptions): string {
  switch (edge) {
    case 'process':
      return `precedes, in the same session (process ${from.process}):`;
    case 'ww':
      return 'is overwritten, as the next version, by:';
    case 'wr':
      return 'is read by:';
    case 'rw':
      return 'read the version that is overwritten by:';
    case 'realtime':
      return `completed (${timeOf(from.completeIndex, options)}) before the invoke (${timeOf(to.invokeIndex, options)}) of:`;
  }
}

/** "process 1 read 3 (version 1) [ops 6→7, 1.2 s]". */
export function opLabel(op: Operation, options: ExplainOptions = {}): string {
  const where =
    op.completeIndex === undefined ? `op ${op.invokeIndex}` : `ops ${op.invokeIndex}→${op.completeIndex}`;
  const ns = options.clock?.(op.invokeIndex);
  const when = ns === undefined || ns < 0 ? '' : `, ${seconds(ns)}`;
  return `process ${op.process} ${opShort(op, false)} [${where}${when}]`;
}

/** "read 3 (version 1)", "the write of 5 (version 2)", with the key when there is one. */
export function opShort(op: Operation, article = true): string {
  const key = op.key === undefined ? '' : ` on key ${render(op.key)}`;
  if (op.f === 'read') return `read ${readValue(op)}${key}`;
  const label = updateLabel(op);
  return `${article ? label : label.replace(/^the /, '')}${key}${op.status === 'info' ? ' (unknown outcome)' : ''}`;
}

function updateLabel(op: Operation): string {
  const version = versionOf(op.output);
  const suffix = version === undefined ? '' : ` (version ${version})`;
  if (op.f === 'cas' && Array.isArray(op.input))
    return `the cas from version ${render(op.input[0])} to ${render(op.input[1])}${suffix}`;
  return `the ${op.f} of ${render(op.input)}${suffix}`;
}

function readValue(op: Operation): string {
  const output = op.output;
  if (output !== null && typeof output === 'object' && 'value' in output) {
    const version = versionOf(output);
    return `${render((output as { value: unknown }).value)}${version === undefined ? '' : ` (version ${version})`}`;
  }
  return render(output);
}

function versionOf(output: unknown): number | undefined {
  if (output === null || typeof output !== 'object' || !('version' in output)) return undefined;
  const version = (output as { version: unknown }).version;
  return typeof version === 'number' ? version : undefined;
}

/** "1.23 s" when the clock knows the op's time, else its history position ("op 7"). */
function timeOf(historyIndex: number | undefined, options: ExplainOptions): string {
  if (historyIndex === undefined) return 'never';
  const ns = options.clock?.(historyIndex);
  return ns === undefined || ns < 0 ? `op ${historyIndex}` : seconds(ns);
}

function seconds(ns: number): string {
  return `${(ns / 1e9).toFixed(ns < 1e7 ? 4 : 2)} s`;
}
