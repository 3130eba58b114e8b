/**
 * The part of a long history worth drawing for a broken claim: the ops its evidence names (the
 * cycle, the conflicting ops, the search's stuck op), and around them the ops on the same keys
 * whose time spans overlap theirs, nearest first, up to a bound. A 40,000-op run thus renders as a
 * chart of a few dozen bars a person can read, with every op the explanation mentions on it.
 */
import type { Operation } from '../history/types.js';
import type { ClaimResult } from '../consistency/types.js';
import { evidenceOps } from './svg.js';

export function evidenceWindow(ops: readonly Operation[], result: ClaimResult, maxOps = 60): Operation[] {
  const { involved } = evidenceOps(result);
  const core = ops.filter((op) => involved.has(op.invokeIndex));
  if (core.length === 0) return [];
  const keys = new Set(core.map((op) => op.key));
  const from = Math.min(...core.map((op) => op.call));
  const to = Math.max(...core.map((op) => (op.ret === Infinity ? op.call : op.ret)));
  const distance = (op: Operation): number =>
    Math.max(0, from - (op.ret === Infinity ? op.call : op.ret), op.call - to);
  const nearby = ops
    .filter((op) => !involved.has(op.invokeIndex) && keys.has(op.key))
    .map((op) => ({ op, distance: distance(op) }))
    .filter(({ distance }) => distance <= 4 * Math.max(1, to - from))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, Math.max(0, maxOps - core.length))
    .map(({ op }) => op);
  return [...core, ...nearby].sort((a, b) => a.call - b.call);
}
