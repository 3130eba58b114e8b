/**
 * The model registry: every sequential model by the name the CLI and histories use. Each factory
 * returns a fresh model (with its own value table), so worker threads build their own.
 */
import { casRegisterModel } from './cas-register.js';
import { fifoQueueModel } from './fifo-queue.js';
import { kvModel } from './kv.js';
import { lockModel } from './lock.js';
import type { Model, ModelOptions } from './model.js';
import { multiRegisterModel } from './multi-register.js';
import { mutexModel } from './mutex.js';
import { registerModel } from './register.js';
import { setModel } from './set.js';
import { unorderedQueueModel } from './unordered-queue.js';
import { zkVersionedRegisterModel } from './zk-versioned-register.js';

export { defaultPartition } from './partition.js';
export { ModelError } from './model.js';
export type { Model, ModelOptions } from './model.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each model has its own state type
export const MODELS: Readonly<Record<string, (opts: ModelOptions) => Model<any>>> = Object.freeze({
  register: registerModel,
  'cas-register': casRegisterModel,
  'zk-versioned-register': zkVersionedRegisterModel,
  mutex: mutexModel,
  lock: lockModel,
  'fifo-queue': fifoQueueModel,
  'unordered-queue': unorderedQueueModel,
  set: setModel,
  kv: kvModel,
  'multi-register': multiRegisterModel,
});

/**
 * A fresh model by name. Throws an Error listing the valid names for an unknown one, and a
 * ModelError for options the model cannot use (a bad `init`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see MODELS
export function getModel(name: string, opts: ModelOptions = {}): Model<any> {
  const factory = Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
  if (!factory) {
    throw new Error(`unknown model "${name}"; valid models: ${Object.keys(MODELS).join(', ')}`);
  }
  return factory(opts);
}
