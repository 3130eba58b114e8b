/** Short text renderings of counterexamples, for terminals and logs. */
import { stringifyExactJson } from '../history/exact-json.js';
import type { Operation } from '../history/types.js';
import type { Counterexample } from './types.js';

/** Values as JSON, integers beyond 2^53 (bigints) as their exact digits. */
const json = (value: unknown) => stringifyExactJson(value);

export function describeOperation(op: Operation): string {
  const key = op.key === undefined ? '' : ` key ${json(op.key)}`;
  const output = op.status === 'info' ? ' → ? (unknown outcome)' : ` → ${json(op.output)}`;
  const where =
    op.completeIndex === undefined ? `op ${op.invokeIndex}` : `ops ${op.invokeIndex}→${op.completeIndex}`;
  return `process ${op.process} ${op.f}${key} ${json(op.input)}${output} [${where}]`;
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
