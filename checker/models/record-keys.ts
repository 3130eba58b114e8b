/**
 * Keys of models that hold several keys in one record (kv): each op key as its JSON, so that keys
 * 1 and "1" stay apart, and null stands for an op without a key.
 */
import type { Key, Operation } from '../history/types.js';

export const recordKey = (key: Key | undefined): string => JSON.stringify(key ?? null);

/** `recordKey(op.key)`, each key encoded once: a search steps the same few keys very often. */
export function recordKeyEncoder(): (op: Operation) => string {
  const encoded = new Map<Key | undefined, string>();
  return (op) => {
    let key = encoded.get(op.key);
    if (key === undefined) encoded.set(op.key, (key = recordKey(op.key)));
    return key;
  };
}
