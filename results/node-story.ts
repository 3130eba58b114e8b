/**
 * A lost acknowledged write has a story in the servers' own logs, and a reader (a ZooKeeper
 * committer) should see it without rerunning. Under a broken durability claim this puts, from the
 * run's dir:
 *
 *   - the release each node reported (its "zookeeper.version=" line);
 *   - every "Truncating log to get in sync with the leader 0x..." line: the node that threw the
 *     writes away, and when;
 *   - a timeline, in time order, of the faults (nemesis.log: each op's landing time, targets,
 *     roles, and for a fault aimed at a sync marker how long after the line it landed) between
 *     the node log lines that tell how the loss came about: restarts, elections with the zxid
 *     (and epoch) each node proposed, state changes, and the sync markers.
 *
 * The timeline starts at the first fault and ends a second after the last truncation (or with the
 * logs). Log timestamps and fault times are both wall-clock UTC on this host, so they interleave.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logTimestamp } from '../harness/cluster/log-tail.js';
import { SYNC_PHASES } from '../nemesis/sync-kill.js';

const TRUNCATING = /Truncating log to get in sync/;
const SHOWN_TRUNCATIONS = 10;
/** Timeline lines kept: the first HEAD and the last TAIL when there are more. */
const HEAD = 30;
const TAIL = 50;

/** Node log lines worth a place in the timeline. */
const STORY_LINES: readonly RegExp[] = [
  /Starting quorum peer/,
  /New election\. My id = /,
  /Peer state changed: (leading|following|looking)$/,
  // The sync markers (nemesis/sync-kill.ts): the learner's own lines (truncation among them)...
  ...Object.values(SYNC_PHASES)
    .filter((phase) => phase.logOf === 'learner')
    .map((phase) => phase.pattern(0)),
  // ...and the leader's, for whichever peer it syncs (its patterns there name one sid).
  /Sending (DIFF|TRUNC) zxid=0x\w+ +for peer sid/,
  SYNC_PHASES['sending-snap'].pattern(0),
];

interface Event {
  at: number;
  who: string;
  text: string;
}

/** Lines to go under a broken durability claim; empty when the dir has no node logs. */
export function nodeStory(runDir: string): string[] {
  const logs = nodeLogs(runDir);
  if (logs.length === 0) return [];
  const lines: string[] = [];
  const versions = reportedVersions(logs);
  if (versions.length > 0) lines.push(`the servers report: ${versions.join('; ')}`);
  const truncations = logs.flatMap(({ node, text }) =>
    text
      .split('\n')
      .filter((line) => TRUNCATING.test(line))
      .map((line) => `${node}: ${line.trim().slice(0, 240)}`),
  );
  if (truncations.length > 0)
    lines.push(
      'the node logs say (ZooKeeper truncating acknowledged history):',
      ...capped(truncations, SHOWN_TRUNCATIONS, 0),
    );
  const timeline = storyTimeline(runDir, logs);
  if (timeline.length > 0)
    lines.push('timeline (UTC; faults from nemesis.log, the rest from the node logs):', ...timeline);
  return lines;
}

function nodeLogs(runDir: string): Array<{ node: string; text: string }> {
  const nodesDir = join(runDir, 'nodes');
  if (!existsSync(nodesDir)) return [];
  return readdirSync(nodesDir)
    .filter((name) => /^n\d+\.log$/.test(name))
    .sort((a, b) => Number(a.slice(1, -4)) - Number(b.slice(1, -4)))
    .map((name) => ({ node: name.slice(0, -4), text: readFileSync(join(nodesDir, name), 'utf8') }));
}

/** "n1-n3 3.8.0-..., built on ..." per distinct version line (the last start of each node). */
function reportedVersions(logs: Array<{ node: string; text: string }>): string[] {
  const byVersion = new Map<string, string[]>();
  for (const { node, text } of logs) {
    const found = [...text.matchAll(/zookeeper\.version=([^\n]*)/g)].pop();
    if (!found) continue;
    const version = found[1].trim();
    byVersion.set(version, [...(byVersion.get(version) ?? []), node]);
  }
  return [...byVersion].map(([version, nodes]) => `${nodes.join(', ')} zookeeper.version=${version}`);
}

function storyTimeline(runDir: string, logs: Array<{ node: string; text: string }>): string[] {
  const faults = faultEvents(runDir);
  if (faults.length === 0) return [];
  const events: Event[] = [...faults];
  let lastTruncation = -Infinity;
  for (const { node, text } of logs) {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!STORY_LINES.some((pattern) => pattern.test(line))) return;
      const at = logTimestamp(line);
      if (at === undefined) return;
      if (TRUNCATING.test(line)) lastTruncation = Math.max(lastTruncation, at);
      let message = messageOf(line);
      if (/New election\. My id = /.test(line)) {
        const epoch = ownVoteEpoch(lines, i, node.slice(1));
        if (epoch !== undefined) message += ` (its vote's epoch ${epoch})`;
      }
      events.push({ at, who: node, text: message });
    });
  }
  const start = Math.min(...faults.map((f) => f.at));
  const end = lastTruncation === -Infinity ? Infinity : lastTruncation + 1000;
  const story = events
    .filter((e) => e.at >= start && e.at <= end)
    .sort((a, b) => a.at - b.at)
    // The heal ops of several families come as one burst of identical lines: show one.
    .filter(
      (e, i, all) =>
        i === 0 || !(e.who === all[i - 1].who && e.text === all[i - 1].text && e.at - all[i - 1].at < 100),
    )
    .map((e) => `  ${clock(e.at)}  ${e.who.padEnd(5)}  ${e.text}`);
  return capped(story, HEAD, TAIL);
}

/** The message of a log4j line: what follows "Class@line] - ". */
function messageOf(line: string): string {
  const m = /@\d+\] - (.*)$/.exec(line.trim());
  return (m ? m[1] : line.trim()).slice(0, 200);
}

/**
 * After a node's "New election" line, the first notification of its own vote (n.sid and n.leader
 * its own id) carries the epoch it proposes with: a node that wrote a new epoch but not the log
 * behind it shows a higher epoch with a lower zxid (ZOOKEEPER-4643).
 */
function ownVoteEpoch(lines: string[], from: number, id: string): string | undefined {
  const own = new RegExp(`n\\.sid:${id}, n\\.state:LOOKING, n\\.leader:${id}, .*n\\.peerEpoch:(0x[0-9a-f]+)`);
  for (let i = from + 1; i < Math.min(lines.length, from + 50); i++) {
    const m = own.exec(lines[i]);
    if (m) return m[1];
  }
  return undefined;
}

/** nemesis.log lines: `<ISO time> <family>:<f> <value JSON> -> <status> <result JSON>`. */
function faultEvents(runDir: string): Event[] {
  const file = join(runDir, 'nemesis.log');
  if (!existsSync(file)) return [];
  const events: Event[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+) (\S+) (.*) -> (\w+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const [, iso, op, , status, resultText] = m;
    const result = parseObject(resultText);
    const landedAt = typeof result?.landedAt === 'number' ? result.landedAt : undefined;
    const at = landedAt ?? Date.parse(iso);
    if (Number.isNaN(at)) continue;
    events.push({ at, who: 'fault', text: describeFault(op, status, result) });
  }
  return events;
}

function describeFault(op: string, status: string, result: Record<string, unknown> | undefined): string {
  const targets = Array.isArray(result?.targets) ? (result.targets as unknown[]) : [];
  const roles = (result?.roles ?? {}) as Record<string, unknown>;
  const nodes = targets.map(
    (id) => `n${String(id)}${typeof roles[String(id)] === 'string' ? ` (${String(roles[String(id)])})` : ''}`,
  );
  let text = `${op}${nodes.length > 0 ? ` ${nodes.join(', ')}` : ''}`;
  const phase = result?.phase as { on?: unknown; node?: unknown; line?: unknown } | undefined;
  if (phase && typeof result?.delayMs === 'number') {
    // A leader-side marker (sending-diff, ...) is in the leader's log, about the node it syncs.
    const writer = /\[myid:(\d+)\]/.exec(typeof phase.line === 'string' ? phase.line : '')?.[1];
    const about = String(phase.node);
    text +=
      writer === undefined || writer === about
        ? `, ${result.delayMs} ms after n${about}'s ${String(phase.on)} line`
        : `, ${result.delayMs} ms after n${writer}'s ${String(phase.on)} line for n${about}`;
  }
  return status === 'ok' ? text : `${text} (${status})`;
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** 12:34:56.789 (UTC). */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function capped(lines: string[], head: number, tail: number): string[] {
  if (lines.length <= head + tail) return lines;
  return [
    ...lines.slice(0, head),
    `  ... ${lines.length - head - tail} more lines`,
    ...lines.slice(lines.length - tail),
  ];
}
