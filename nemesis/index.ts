/**
 * The fault registry: every family `zkcheck run --nemesis` can name. An entry (one file in this
 * folder) declares its name, a line of help, its own settings and its factory; the CLI builds the
 * `--nemesis` help and each family's flags from this list. Adding a family is its file and one
 * line here. `composeNemesis` (compose.ts) runs several at once.
 */
import type { NemesisEntry } from '../harness/runner/spec.js';
import { clientIsolate } from './client-isolate.js';
import { clock } from './clock.js';
import { disk } from './disk.js';
import { kill } from './kill.js';
import { bandwidth, lag, latency, resetPeer, slowClose } from './link-faults.js';
import { partition, partitionFollower, partitionLeader } from './partition.js';
import {
  clientCut,
  partitionBridge,
  partitionGrudge,
  partitionHalves,
  partitionRing,
} from './partition-shapes.js';
import { pause } from './pause.js';
import { syncKillEntry } from './sync-kill.js';
import { upgrade } from './upgrade.js';

export const NEMESES: readonly NemesisEntry[] = Object.freeze([
  partition,
  partitionLeader,
  partitionFollower,
  partitionHalves,
  partitionBridge,
  partitionRing,
  partitionGrudge,
  clientCut,
  latency,
  bandwidth,
  resetPeer,
  slowClose,
  lag,
  kill,
  pause,
  syncKillEntry,
  disk,
  clientIsolate,
  clock,
  upgrade,
]);
