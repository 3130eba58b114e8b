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
  /** The f of the op that started it (isolate, kill, pause, ...), without a family qualifier. */
  startOp: string;
  /** The family, when the op's name gave it (`partition-leader:isolate`). */
  family?: string;
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
 * Which ops end a fault, and which faults, derived from the ops themselves so that every family —
 * one added later too — shows as windows:
 *
 * - An op named `family:op` (a composed run qualifies the names families share, and a storm or a
 *   script qualifies every name) belongs to that family: it ends only that family's windows.
 * - An op ends faults when its name says so (heal..., restore..., resume..., ...-stop, ...-all,
 *   start) or its value does: a stop echoes its start's plan without a random order
 *   (`{targets: "one"}`) or carries none (`null`), while a start sends a plan with one.
 * - It ends the open windows of the fault its name belongs to: the name's stem — what is left
 *   without the words heal, restore, resume, start, stop, cut, isolate, reset and all — is the
 *   start's stem (`heal-all-halves` ends `cut-halves`, `clock-stop` ends `clock-start`); a name
 *   with no stem ends what the classic names do (`heal` ends `isolate`, `start` ends `kill`,
 *   `sync-kill` and `disk`, `resume` ends `pause`). Failing both, it ends the fault its own call
 *   paired with: the one started by the nemesis call just before it.
 * - It ends every such window when its name ends in `-all` (or is `heal`, which heals every link)
 *   or it names no node; otherwise only the windows on a node it names.
 */
const CLASSIC_ENDINGS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  heal: ['isolate'],
  'heal-all': ['isolate'],
  start: ['kill', 'sync-kill', 'disk'],
  'start-all': ['kill', 'sync-kill', 'disk'],
  resume: ['pause'],
  'resume-all': ['pause'],
  'restore-all': ['disk'],
});

const VERBS = new Set(['heal', 'restore', 'resume', 'start', 'stop', 'cut', 'isolate', 'reset', 'all']);

/** The family a qualified name gives, and the op's own name. */
function splitName(f: string): { family?: string; name: string } {
  const colon = f.indexOf(':');
  return colon < 0 ? { name: f } : { family: f.slice(0, colon), name: f.slice(colon + 1) };
}

function stemOf(name: string): string {
  return name
    .split('-')
    .filter((word) => !VERBS.has(word))
    .join('-');
}

function endsByName(name: string): boolean {
  return name in CLASSIC_ENDINGS || /^(heal|restore|resume)(-|$)/.test(name) || /(^|-)(stop|all)$/.test(name);
}

/** A stop's plan: no random order, and no node list of its own. */
function endsByValue(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return typeof record.targets === 'string' && !('order' in record) && !('fault' in record);
}

function endsEvery(name: string): boolean {
  return name === 'heal' || /(^|-)all(-|$)/.test(name);
}

/** Whether an ending op of this name (in this family) ends a window. */
function related(ending: { family?: string; name: string }, window: FaultWindow): boolean {
  if (ending.family !== undefined || window.family !== undefined) return ending.family === window.family;
  const stem = stemOf(ending.name);
  return stem === ''
    ? (CLASSIC_ENDINGS[ending.name] ?? []).includes(window.startOp)
    : stem === stemOf(window.startOp);
}

/** A nemesis op with its completion (absent when the history ends before it completes). */
interface NemesisCall {
  invoke: Op;
  completion?: Op;
}

export function faultWindows(history: History): FaultWindow[] {
  const endNs = historyEndNs(history);
  const open: FaultWindow[] = [];
  const closed: FaultWindow[] = [];
  /** The window the previous nemesis call opened, while it is open. */
  let previous: FaultWindow | undefined;
  for (const call of nemesisCalls(history)) {
    const ending = splitName(call.invoke.f);
    if (!endsByName(ending.name) && !endsByValue(call.invoke.value)) {
      const window = startWindow(call);
      if (window) open.push(window);
      previous = window;
      continue;
    }
    const paired = previous;
    previous = undefined;
    // An ending op that failed ended nothing.
    if (call.completion?.type === 'fail') continue;
    const named = nodesIn(call.completion?.value) ?? nodesIn(call.invoke.value) ?? [];
    const endsAt = timeOf(call.completion ?? call.invoke);
    const every = endsEvery(ending.name) || named.length === 0;
    let ends = open.filter((window) => related(ending, window));
    // A name that relates to no open fault ends the one its own call paired with.
    if (ends.length === 0 && paired !== undefined && open.includes(paired) && paired.family === ending.family)
      ends = [paired];
    for (const window of ends) {
      if (!every && !named.some((node) => window.targets.includes(node))) continue;
      closed.push({ ...window, endNs: Math.max(endsAt, window.startNs) });
      open.splice(open.indexOf(window), 1);
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
  const { family, name } = splitName(call.invoke.f);
  return {
    fault: faultIn(done) ?? faultIn(call.invoke.value) ?? family ?? name,
    startOp: name,
    ...(family === undefined ? {} : { family }),
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
