/**
 * `set-total`: a grow-only set checked by counting, as Jepsen's set checker does. Elements are
 * added by `add` ops (value = the element) and the whole set is read by a final `read` (ok output
 * = the list of elements). The final read is the ok read that completed last. Two properties,
 * each its own claim (`property` option):
 *
 *   no-lost        every add acknowledged before the final read was invoked is in it (an add
 *                  still in flight when the read started may or may not be: it is not counted);
 *   no-unexpected  every element read was attempted by some add (ok or unknown outcome).
 *
 * Adds whose outcome is unknown may or may not appear; that is allowed either way. With no ok
 * final read there is nothing to compare, so the claim is "unknown". Linear in the history.
 */
import type { Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimChecker, type ClaimOutcome } from './types.js';

const PROPERTIES = ['no-lost', 'no-unexpected'] as const;
type Property = (typeof PROPERTIES)[number];

/** How many elements an explanation names before it says "and N more". */
const SHOWN = 10;

export const setTotal: ClaimChecker = (ops, options) => {
  const property = options.property as Property;
  if (!PROPERTIES.includes(property))
    throw new ClaimSpecError(
      `set-total: property must be one of ${PROPERTIES.join(', ')}, got ${JSON.stringify(property)}`,
    );
  const addF = typeof options.add === 'string' ? options.add : 'add';
  const readF = typeof options.read === 'string' ? options.read : 'read';

  const read = finalRead(ops, readF);
  if (!read)
    return { valid: 'unknown', cause: `no ${readF} succeeded: nothing to compare`, method: 'set-total' };
  const seen = new Map<string, unknown>();
  for (const element of read.output as unknown[]) seen.set(elementKey(element), element);
  const adds = ops.filter((op) => op.f === addF);
  return property === 'no-lost' ? lostAdds(adds, read, seen) : unexpectedElements(adds, read, seen);
};

function finalRead(ops: Operation[], readF: string): Operation | undefined {
  let last: Operation | undefined;
  for (const op of ops)
    if (op.f === readF && op.status === 'ok' && Array.isArray(op.output) && (!last || op.ret > last.ret))
      last = op;
  return last;
}

function lostAdds(adds: Operation[], read: Operation, seen: Map<string, unknown>): ClaimOutcome {
  const lost = adds.filter(
    (op) => op.status === 'ok' && op.ret < read.call && !seen.has(elementKey(op.input)),
  );
  const acknowledged = adds.filter((op) => op.status === 'ok' && op.ret < read.call).length;
  if (lost.length === 0) return { valid: true, method: 'set-total' };
  return {
    valid: false,
    method: 'set-total',
    explanation: [
      `${lost.length} of ${acknowledged} acknowledged adds are missing from the final read (process ${read.process}, op ${read.invokeIndex}): ${listed(lost.map((op) => op.input))}`,
    ],
    evidence: [read, ...lost.slice(0, SHOWN)],
  };
}

function unexpectedElements(adds: Operation[], read: Operation, seen: Map<string, unknown>): ClaimOutcome {
  const attempted = new Set(adds.map((op) => elementKey(op.input)));
  const unexpected = [...seen.entries()].filter(([key]) => !attempted.has(key)).map(([, element]) => element);
  if (unexpected.length === 0) return { valid: true, method: 'set-total' };
  return {
    valid: false,
    method: 'set-total',
    explanation: [
      `the final read (process ${read.process}, op ${read.invokeIndex}) holds ${unexpected.length} elements no add ever tried: ${listed(unexpected)}`,
    ],
    evidence: [read],
  };
}

/** Elements compare by their JSON (so 5 and "5" differ); bigints by their digits. */
function elementKey(element: unknown): string {
  return typeof element === 'bigint' ? `${element}n` : (JSON.stringify(element) ?? 'undefined');
}

function listed(elements: unknown[]): string {
  const shown = elements.slice(0, SHOWN).map(elementKey).join(', ');
  return elements.length > SHOWN ? `${shown} and ${elements.length - SHOWN} more` : shown;
}
