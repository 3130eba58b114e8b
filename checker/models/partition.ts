import type { Key, Operation } from '../history/types.js';

/**
 * Splits operations by `op.key` into independent parts, in order of first appearance; ops without
 * a key form one part of their own, so a history with no keys is a single part. Keys 1 and "1"
 * are different keys. The parts hold the same Operation objects (ids are not renumbered).
 */
export function defaultPartition(ops: Operation[]): Operation[][] {
  const parts = new Map<Key | undefined, Operation[]>();
  for (const op of ops) {
    const part = parts.get(op.key);
    if (part) part.push(op);
    else parts.set(op.key, [op]);
  }
  return parts.size <= 1 ? [ops] : [...parts.values()];
}
