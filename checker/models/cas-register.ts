/**
 * `cas-register`: a register with compare-and-set (Knossos's `cas-register`, Porcupine's etcd
 * model). The model for Porcupine's etcd logs (init nil: the key starts absent, a read of nil
 * means absent) and Knossos's cas-register histories (init 0: a read of nil reports nothing).
 *
 *   read   ok output: the value read (null: see ModelOptions.nullRead)
 *   write  invoke v
 *   cas    invoke [expected new]: legal iff the register holds `expected`; ok output ignored
 *
 * A failed cas never reaches the model. An unknown-outcome cas takes effect only if it matches.
 */
import type { Model, ModelOptions } from './model.js';
import { buildRegister } from './register.js';

export function casRegisterModel(options: ModelOptions = {}): Model<number> {
  return buildRegister('cas-register', options, true);
}
