/**
 * `unique-ids`: ids handed out by a generator (ZooKeeper's sequential znodes). Ops named `id`
 * (option `f`) whose ok output is the id, an integer. Two properties, each its own claim
 * (`property` option):
 *
 *   no-duplicates     no two ok ops got the same id;
 *   real-time-order   an op invoked after another's ok completed got a larger id (ZooKeeper
 *                     assigns sequence numbers in the order it commits creates, and a create that
 *                     begins after another was acknowledged commits after it).
 *
 * Ops of unknown outcome have no id and constrain nothing. Ops on different keys are different
 * generators. Linear in the history: one sweep over history positions.
 */
import type { Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimChecker } from './types.js';
import { describeOp, elementKey, listed, SHOWN } from './queue-ops.js';

const PROPERTIES = ['no-duplicates', 'real-time-order'] as const;
type Property = (typeof PROPERTIES)[number];
const METHOD = 'unique-ids';

export const uniqueIds: ClaimChecker = (ops, options) => {
  const property = options.property as Property;
  if (!PROPERTIES.includes(property))
    throw new ClaimSpecError(
      `${METHOD}: property must be one of ${PROPERTIES.join(', ')}, got ${JSON.stringify(property)}`,
    );
  const f = typeof options.f === 'string' ? options.f : 'id';
  const given: Operation[] = [];
  for (const op of ops) {
    if (op.f !== f || op.status !== 'ok') continue;
    if (typeof op.output !== 'number' && typeof op.output !== 'bigint')
      throw new Error(`${describeOp(op)}: an id must be an integer, got ${JSON.stringify(op.output)}`);
    given.push(op);
  }
  if (given.length === 0) return { valid: 'unknown', method: METHOD, cause: `no ${f} succeeded` };
  return property === 'no-duplicates' ? duplicates(given) : outOfOrder(given);
};

function duplicates(given: Operation[]) {
  const first = new Map<string | number, Operation>();
  const lines: string[] = [];
  const evidence: Operation[] = [];
  for (const op of given) {
    const id = elementKey(op.key, op.output);
    const earlier = first.get(id);
    if (!earlier) {
      first.set(id, op);
      continue;
    }
    lines.push(`${String(op.output)} (${describeOp(earlier)} and ${describeOp(op)})`);
    if (evidence.length < 2 * SHOWN) evidence.push(earlier, op);
  }
  if (lines.length === 0) return { valid: true as const, method: METHOD };
  return {
    valid: false as const,
    method: METHOD,
    explanation: [`${lines.length} ids handed out twice: ${listed(lines)}`],
    evidence,
  };
}

/** Sweeps positions: at an op's invoke, the largest id acknowledged before it must be smaller. */
function outOfOrder(given: Operation[]) {
  let end = 0;
  for (const op of given) end = Math.max(end, op.ret);
  const events = new Array<Operation | undefined>(end + 1);
  for (const op of given) {
    events[op.call] = op;
    events[op.ret] = op;
  }
  const largest = new Map<string | number, Operation>();
  const lines: string[] = [];
  const evidence: Operation[] = [];
  for (let position = 0; position <= end; position++) {
    const op = events[position];
    if (!op) continue;
    const generator = elementKey(op.key, null);
    const best = largest.get(generator);
    if (position === op.call) {
      if (best && (best.output as number) >= (op.output as number)) {
        lines.push(
          `${describeOp(op)} got ${String(op.output)} though ${describeOp(best)} got ${String(best.output)} and was acknowledged before it began`,
        );
        if (evidence.length < 2 * SHOWN) evidence.push(best, op);
      }
    } else if (!best || (best.output as number) < (op.output as number)) largest.set(generator, op);
  }
  if (lines.length === 0) return { valid: true as const, method: METHOD };
  return {
    valid: false as const,
    method: METHOD,
    explanation: [`${lines.length} ids out of real-time order: ${listed(lines)}`],
    evidence,
  };
}
