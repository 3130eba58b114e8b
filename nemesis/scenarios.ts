/**
 * Known-bug scenarios: each a ZooKeeper bug written down as a run — workload, ensemble, version
 * and the exact schedule of kills and restarts that should show it — with the versions it
 * affects, the versions with the fix, and the outcome expected on each. `zkcheck run --scenario
 * <name>` starts from a scenario's config; a config file and flags still override any of it.
 *
 * Pure data: the schedules are checked like any config's nemesisSchedule (nemesis/schedule.ts)
 * when the run is built.
 */
import { ConfigError, type TestConfig } from '../harness/config.js';

/** What a run of the scenario should end in on a version. */
export type ExpectedOutcome =
  /** The durability claim fails: acknowledged writes are gone after the final phase. */
  | 'lost-writes'
  /** Every claim holds. */
  | 'clean';

export interface Scenario {
  readonly name: string;
  readonly jira: string;
  readonly summary: string;
  /** How the schedule makes the bug happen, step by step (for `--help` and the report). */
  readonly how: readonly string[];
  /** Release lines or versions the bug is in, as JIRA and the source say. */
  readonly affects: readonly string[];
  /** The first releases with the fix, one per line of releases. */
  readonly fixedIn: readonly string[];
  /** Per version zkcheck builds (harness/cluster/versions.ts). */
  readonly expected: Readonly<Record<string, ExpectedOutcome>>;
  /** Sits between the defaults and a config file or flags. */
  readonly config: Readonly<Partial<TestConfig>>;
}

/**
 * ZOOKEEPER-4643 (and -4785, the same race during a DIFF): in 3.8.0's Learner.syncWithLeader a
 * follower that gets NEWLEADER writes the new currentEpoch at once but only queues the DIFF's
 * transactions to the SyncRequestProcessor. SIGKILLed between the two, it comes back with a
 * higher epoch and a shorter log; leader election compares epochs before zxids, so it can win
 * and tell the nodes that have the writes to truncate them. A leader sets its own currentEpoch
 * once a quorum acked the new epoch (before NEWLEADER), so the node that led the sync has the
 * new epoch too and must be down; the old leader, still on the old epoch, is the one that loses.
 *
 * Node 1 is the syncing follower, node 3 the one that keeps the old epoch, node 2 the one that
 * leads node 1's sync; which node led at the start does not matter (see `how`).
 */
const ZK_4643: Scenario = {
  name: 'zk-4643',
  jira: 'https://issues.apache.org/jira/browse/ZOOKEEPER-4643',
  summary:
    'committed txns lost when a follower is killed after writing currentEpoch on NEWLEADER but before its DIFF txns reach disk (with ZOOKEEPER-4785)',
  how: [
    'at 5 s node 1 is killed; writes go on through nodes 2 and 3 (a quorum), so node 1 needs a DIFF',
    'at 12.5 s node 3 is killed (it keeps the old epoch and every write); at 13 s node 1 starts',
    'nodes 1 and 2 elect node 2 (longer log), which takes the new epoch and sends node 1 a DIFF',
    'when node 1 logs "Learner received NEWLEADER message" node 1, then node 2, are SIGKILLed',
    'nodes 1 (new epoch, short log) and 3 (old epoch, full log) start: node 1 wins and node 3 truncates',
    'node 2 starts last and truncates too; the final reads on every node find the writes of 5-12.5 s gone',
  ],
  affects: ['3.8.0-3.8.4', '3.9.0-3.9.1'],
  // The ZOOKEEPER-4785 fix (persist the DIFF's txns, then write the epoch) is in release-3.8.5 and
  // release-3.9.2 (git tag --contains); 3.9.5's Learner.java cites -4643 and -4785 at that line.
  fixedIn: ['3.8.5', '3.9.2'],
  // 3.9.3 is expected clean for this race but not measured; it has ZOOKEEPER-4925 (fixed in 3.9.4).
  expected: { '3.8.0': 'lost-writes', '3.9.3': 'clean', '3.9.6': 'clean' },
  config: {
    name: 'zk-4643',
    workload: 'register',
    nodes: 3,
    zookeeper: '3.8.0',
    // Few enough writes while node 1 is down that the leader sends a DIFF from its committed log
    // (500 txns), not a snapshot: a SNAP sync is written before the epoch and loses nothing.
    rate: 50,
    timeLimit: 45,
    nemesisSchedule: [
      { at: 5, fault: 'kill', targets: [1], for: 8 },
      { at: 12.5, fault: 'kill', targets: [3], for: 9 },
      { on: 'newleader', node: 1, at: 12, fault: 'kill', for: 6 },
      { on: 'newleader', node: 1, at: 12, fault: 'kill', targets: [2], for: 15 },
    ],
  },
};

export const SCENARIOS: readonly Scenario[] = Object.freeze([ZK_4643]);

/** The scenario by name, or one line naming the known ones. */
export function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario)
    throw new ConfigError(
      `--scenario: unknown scenario ${JSON.stringify(name)} (scenarios: ${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  return scenario;
}

/**
 * A scenario's config, a fresh copy, with `over` (a config file's content, or settings given for
 * every try) laid over it: its keys replace the scenario's, its plug-in settings join them.
 */
export function scenarioConfig(name: string, over: Partial<TestConfig> = {}): Partial<TestConfig> {
  const base = structuredClone(findScenario(name).config) as Partial<TestConfig>;
  return { ...base, ...over, settings: { ...base.settings, ...over.settings } };
}

/** One line per scenario, for `run --help`. */
export function scenarioHelp(): string {
  return SCENARIOS.map(
    (s) =>
      `  ${s.name.padEnd(20)} ${s.jira.replace(/^.*\//, '')}: expected ${Object.entries(s.expected)
        .map(([version, outcome]) => `${outcome} on ${version}`)
        .join(', ')}`,
  ).join('\n');
}
