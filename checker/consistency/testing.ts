/**
 * Builders for hand-made `zk-versioned-register` histories in tests: each op names its process,
 * what it did and its [call, ret] positions; ret Infinity is an unknown outcome (info).
 */
import type { Key, Operation } from '../history/types.js';

type Draft = Omit<Operation, 'id' | 'invokeIndex' | 'completeIndex' | 'status'>;

interface Extras {
  key?: Key;
  sync?: boolean;
}

const draft = (
  process: number,
  f: string,
  input: unknown,
  output: unknown,
  [call, ret]: [number, number],
  extras: Extras,
): Draft => ({
  process,
  f,
  input,
  output: ret === Infinity ? undefined : output,
  call,
  ret,
  ...(extras.key === undefined ? {} : { key: extras.key }),
  ...(extras.sync ? { sync: true } : {}),
});

/** A read that returned `value` at `version`. */
export const read = (p: number, value: unknown, version: number, at: [number, number], extras: Extras = {}) =>
  draft(p, 'read', null, { value, version }, at, extras);

/** A write of `value` that reported `version` (ignored when the outcome is unknown). */
export const write = (
  p: number,
  value: unknown,
  version: number,
  at: [number, number],
  extras: Extras = {},
) => draft(p, 'write', value, { value, version }, at, extras);

/** A cas from `expected` to `value` (new version expected + 1). */
export const cas = (p: number, expected: number, value: unknown, at: [number, number], extras: Extras = {}) =>
  draft(p, 'cas', [expected, value], { value, version: expected + 1 }, at, extras);

/** Dense ids in call order; status from ret; history indices equal to the positions. */
export function history(...drafts: Draft[]): Operation[] {
  return [...drafts]
    .sort((a, b) => a.call - b.call)
    .map((op, id) => ({
      ...op,
      id,
      status: op.ret === Infinity ? 'info' : 'ok',
      invokeIndex: op.call,
      ...(op.ret === Infinity ? {} : { completeIndex: op.ret }),
    }));
}

export const VERSIONED = { name: 'zk-versioned-register', options: { init: 0 } } as const;
