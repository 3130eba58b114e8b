/**
 * How a run ended, told by its history. A run that finishes its schedule appends one last line,
 * a nemesis-process `info` op with f `end-of-run` (nemesis lines are outside the clients'
 * well-formedness rules, and every reader keeps them). A history without it was cut short — a
 * Ctrl-C, a SIGKILL, a crash — whatever test.json says, and its verdict can be no better than
 * unknown: the run did not test what it was asked to.
 */
import type { History } from '../checker/history/types.js';
import { faultWindows } from './fault-windows.js';

export const RUN_END_F = 'end-of-run';

/** The marker's line, for the recorder. */
export function runEndOp(ranSeconds: number): {
  process: 'nemesis';
  type: 'info';
  f: string;
  value: unknown;
} {
  return { process: 'nemesis', type: 'info', f: RUN_END_F, value: { ranSeconds } };
}

export interface CutShort {
  /** Seconds of history recorded (first to last op). */
  ranSeconds: number;
  /** The time limit the run was given, when known. */
  plannedSeconds?: number;
  /** Faults still in force when the history stops ("isolate n2 (follower)"). */
  activeFaults: string[];
  /** "cut short at 10 of 60 s; isolate n2 (follower) still active". */
  summary: string;
}

/** Undefined when the history ends with the marker; else what is known of how far it got. */
export function cutShort(history: History, plannedSeconds?: number): CutShort | undefined {
  if (history.some((op) => op.process === 'nemesis' && op.f === RUN_END_F)) return undefined;
  const times = history.map((op) => op.time).filter((time) => typeof time === 'number' && time >= 0);
  const ranSeconds = times.length === 0 ? 0 : (Math.max(...times) - Math.min(...times)) / 1e9;
  const activeFaults = faultWindows(history)
    .filter((window) => !window.healed)
    .map((window) => window.label.replace(/, never healed$/, ''));
  const of = plannedSeconds === undefined ? '' : ` of ${plannedSeconds}`;
  const faults = activeFaults.length === 0 ? '' : `; ${activeFaults.join(', ')} still active`;
  return {
    ranSeconds,
    ...(plannedSeconds === undefined ? {} : { plannedSeconds }),
    activeFaults,
    summary: `cut short at ${Math.round(ranSeconds)}${of} s${faults}`,
  };
}
