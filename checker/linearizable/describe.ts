/** Short text renderings of counterexamples, for terminals and logs. */
import type { Operation } from '../history/types.js';
import type { Counterexample } from './types.js';

export function describeOperation(op: Operation): string {
  const key = op.key === undefined ? '' : ` key ${JSON.stringify(op.key)}`;
  const output = op.status === 'info' ? ' → ? (unknown outcome)' : ` → ${JSON.stringify(op.output)}`;
  const where =
    op.completeIndex === undefined ? `op ${op.invokeIndex}` : `ops ${op.invokeIndex}→${op.completeIndex}`;
  return `process ${op.process} ${op.f}${key} ${JSON.stringify(op.input)}${output} [${where}]`;
}

/** A few lines: the op that cannot be linearized, the one before it, and why each try failed. */
export function describeCounterexample(example: Counterexample): string[] {
  const lines = [`cannot linearize: ${describeOperation(example.op)}`];
  if (example.previousOk) lines.push(`last linearized:  ${describeOperation(example.previousOk)}`);
  lines.push(`state then:       ${example.states.join(' | ')}`);
  for (const path of example.finalPaths.slice(0, 3)) {
    const last = path.at(-1);
    if (last?.inconsistency) lines.push(`  tried ${describeOperation(last.op)}: ${last.inconsistency}`);
  }
  return lines;
}
