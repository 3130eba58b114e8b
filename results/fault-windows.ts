/**
 * When each fault was in force, from the history's nemesis ops: the one place that knows how a
 * nemesis op names its fault and its target, so every chart and the report's timeline shade the
 * same windows. A change in what nemesis ops record changes this file only.
 *
 * A window runs from the invoke of the op that started a fault to the completion of the op that
 * ended it: the widest span in which the fault may have been in force. A fault nothing ended runs
 * to the end of the history and is marked `healed: false`. A start that failed started nothing.
 */
import type { History, Op } from '../checker/history/types.js';

export interface FaultWindow {
  /** The fault's name: the op's value names it, or else the op that started it. */
  fault: string;
  /** The f of the op that started it (isolate, kill, pause, ...): what ends it depends on this. */
  startOp: string;
  /** The nodes it hit, as `n<id>`; empty when the history does not say. */
  targets: string[];
  /** The role each target had when the fault started, by target, when recorded. */
  roles: Record<string, string>;
  /** What the fault asked to hit when that was not a node: leader, follower, majority, ... */
  asked?: string;
  /** Nanoseconds since the start of the test, like op times. */
  startNs: number;
  endNs: number;
  /** False when nothing ended the fault before the history did. */
  healed: boolean;
  /** Whether the start completed `info`: the fault may or may not have happened. */
  uncertain: boolean;
  /** "isolate n2 (leader)", "kill n1, never healed": what a band on a chart says. */
  label: string;
}

/**
 * Which faults each ending op ends, by the ops that started them. `every`: all windows of those
 * faults (`heal` heals every link, whatever node it names); otherwise only windows on a node
 * the op names (all of them when it names none). Any other nemesis op starts a fault.
 */
const ENDINGS: Readonly<Record<string, { ends: readonly string[]; every: boolean }>> = Object.freeze({
  heal: { ends: ['isolate'], every: true },
  'heal-all': { ends: ['isolate'], every: true },
  start: { ends: ['kill'], every: false },
  'start-all': { ends: ['kill'], every: true },
  resume: { ends: ['pause'], every: false },
  'resume-all': { ends: ['pause'], every: true },
});

/** A nemesis op with its completion (absent when the history ends before it completes). */
interface NemesisCall {
  invoke: Op;
  completion?: Op;
}

export function faultWindows(history: History): FaultWindow[] {
  const endNs = historyEndNs(history);
  const open: FaultWindow[] = [];
  const closed: FaultWindow[] = [];
  for (const call of nemesisCalls(history)) {
    const ending = ENDINGS[call.invoke.f];
    if (ending === undefined) {
      const window = startWindow(call);
      if (window) open.push(window);
      continue;
    }
    // An ending op that failed ended nothing.
    if (call.completion?.type === 'fail') continue;
    const named = nodesIn(call.completion?.value) ?? nodesIn(call.invoke.value) ?? [];
    const endsAt = timeOf(call.completion ?? call.invoke);
    for (let i = open.length - 1; i >= 0; i--) {
      const window = open[i];
      const hit = ending.every || named.length === 0 || named.some((node) => window.targets.includes(node));
      if (!ending.ends.includes(window.startOp) || !hit) continue;
      closed.push({ ...window, endNs: Math.max(endsAt, window.startNs) });
      open.splice(i, 1);
    }
  }
  for (const window of open) {
    closed.push({ ...window, endNs: Math.max(endNs, window.startNs), healed: false });
  }
  return closed
    .sort((a, b) => a.startNs - b.startNs)
    .map((window) => ({ ...window, label: labelOf(window) }));
}

/**
 * Pairs each nemesis invoke with the next nemesis record. Jepsen records faults as info/info
 * pairs: a record while none is open starts a call, whatever its type.
 */
function nemesisCalls(history: History): NemesisCall[] {
  const calls: NemesisCall[] = [];
  let pending: NemesisCall | undefined;
  for (const op of history) {
    // The run's end marker (run-end.ts) is no fault.
    if (op.process !== 'nemesis' || op.f === 'end-of-run') continue;
    if (op.type === 'invoke' || pending === undefined) {
      if (pending) calls.push(pending);
      pending = { invoke: op };
    } else {
      pending.completion = op;
      calls.push(pending);
      pending = undefined;
    }
  }
  if (pending) calls.push(pending);
  return calls;
}

function startWindow(call: NemesisCall): FaultWindow | undefined {
  if (call.completion?.type === 'fail') return undefined;
  const done = call.completion?.value;
  const asked = askedIn(call.invoke.value);
  return {
    fault: faultIn(done) ?? faultIn(call.invoke.value) ?? call.invoke.f,
    startOp: call.invoke.f,
    targets: nodesIn(done) ?? nodesIn(call.invoke.value) ?? [],
    roles: rolesIn(done),
    ...(asked === undefined ? {} : { asked }),
    startNs: timeOf(call.invoke),
    endNs: timeOf(call.invoke),
    healed: true,
    uncertain: call.completion === undefined || call.completion.type === 'info',
    label: '',
  };
}

/*
 * How nemesis op values name things. Two shapes are read: a bare node id or role name (`2`,
 * "leader"), and a record: a start's plan `{targets: "leader", order}`, its completion
 * `{targets: [2], roles: {"2": "leader"}}`, a stop's `{targets: [2]}`; `fault` names the fault
 * when it is not the op's f.
 */

/** The nodes a value names, as `n<id>`; undefined when it names none. */
function nodesIn(value: unknown): string[] | undefined {
  if (isNodeId(value)) return [`n${value}`];
  const targets = fieldOf(value, 'targets');
  if (Array.isArray(targets) && targets.length > 0 && targets.every(isNodeId)) {
    return targets.map((node) => `n${node}`);
  }
  return undefined;
}

/** What a start asked for when it was not a node: a role or a kind of target set. */
function askedIn(value: unknown): string | undefined {
  if (typeof value === 'string' && !isNodeId(value)) return value;
  const targets = fieldOf(value, 'targets') ?? fieldOf(value, 'role');
  return typeof targets === 'string' ? targets : undefined;
}

function rolesIn(value: unknown): Record<string, string> {
  const roles = fieldOf(value, 'roles');
  if (typeof roles !== 'object' || roles === null) return {};
  const named: Record<string, string> = {};
  for (const [node, role] of Object.entries(roles)) {
    if (isNodeId(node) && typeof role === 'string') named[`n${node}`] = role;
  }
  return named;
}

function faultIn(value: unknown): string | undefined {
  const fault = fieldOf(value, 'fault');
  return typeof fault === 'string' && fault !== '' ? fault : undefined;
}

function fieldOf(value: unknown, field: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[field]
    : undefined;
}

function isNodeId(value: unknown): value is number | string {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  return typeof value === 'string' && /^\d+$/.test(value);
}

/**
 * "isolate n3 (leader)", "kill n1 (follower), n2 (leader)", "isolate? leader, never healed":
 * each target with the role it had, else what was asked for; a `?` when the start's outcome is
 * unknown.
 */
function labelOf(window: FaultWindow): string {
  const targets = window.targets.map((node) =>
    window.roles[node] ? `${node} (${window.roles[node]})` : node,
  );
  const asked = window.asked !== undefined && window.asked !== 'one' ? window.asked : undefined;
  const what =
    targets.length === 0
      ? (asked ?? '')
      : Object.keys(window.roles).length === 0 && asked !== undefined
        ? `${targets.join(', ')} (${asked})`
        : targets.join(', ');
  const doubt = window.uncertain ? '?' : '';
  const unhealed = window.healed ? '' : ', never healed';
  return `${window.fault}${doubt}${what ? ` ${what}` : ''}${unhealed}`;
}

/** Ops with an unknown time (-1) are placed at 0: a window needs some position. */
function timeOf(op: Op): number {
  return op.time >= 0 ? op.time : 0;
}

/** The latest time in the history: where an unhealed fault's window ends. */
export function historyEndNs(history: History): number {
  let end = 0;
  for (const op of history) if (op.time > end) end = op.time;
  return end;
}
