/**
 * The workload registry: every workload `zkcheck run --workload` can name. An entry (one file in
 * this folder) declares its name, a line of help, its own settings and its factory; the CLI builds
 * `--workload`'s choices and each workload's flags from this list. Adding a workload is its file
 * and one line here.
 */
import type { WorkloadEntry } from '../harness/runner/spec.js';
import { ids } from './ids.js';
import { election } from './election.js';
import { ephemeral } from './ephemeral.js';
import { lock } from './lock.js';
import { queue } from './queue.js';
import { register } from './register.js';
import { set } from './set.js';

export const WORKLOADS: readonly WorkloadEntry[] = Object.freeze([
  register,
  set,
  lock,
  queue,
  ids,
  election,
  ephemeral,
]);
