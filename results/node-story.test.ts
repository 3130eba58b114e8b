/**
 * The story under a broken durability claim, from a crafted run dir: the version each node
 * reports, its truncation lines, and a timeline that interleaves the faults (at their landing
 * time) with the node log lines, from the first fault to a second after the last truncation.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeStory } from './node-story.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function runDir(files: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-story-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'nodes'));
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return dir;
}

/** A log4j line as the Debian image writes it. */
const log = (time: string, id: number, source: string, message: string): string =>
  `2026-12-06T${time}+0000 [myid:${id}] - INFO  [QuorumPeer[myid=${id}](plain=127.0.0.1:2000)(secure=disabled):${source}] - ${message}`;
const at = (time: string): number => Date.parse(`2026-12-06T${time}Z`);

describe('nodeStory', () => {
  it('interleaves faults and node log lines in time order, with versions, truncations and vote epochs', () => {
    const truncating = log(
      '10:00:09.000',
      3,
      'Learner@599',
      'Truncating log to get in sync with the leader 0x1000000e8',
    );
    const dir = runDir({
      'nemesis.log': [
        `2026-12-06T10:00:01.100Z kill:kill {"targets":"one"} -> ok {"targets":[2],"roles":{"2":"follower"},"landedAt":${at('10:00:01.000')}}`,
        `2026-12-06T10:00:04.100Z kill:kill {"targets":"one"} -> ok {"targets":[2],"roles":{"2":"not-serving"},"landedAt":${at('10:00:04.040')},"phase":{"on":"newleader","node":2,"line":"2026-12-06T10:00:04.000+0000 [myid:2] - INFO  [x:Learner@737] - Learner received NEWLEADER message"},"delayMs":40}`,
        `2026-12-06T10:00:04.200Z kill:kill {"targets":"one"} -> ok {"targets":[1],"roles":{"1":"leader"},"landedAt":${at('10:00:04.150')},"phase":{"on":"sending-diff","node":2,"line":"2026-12-06T10:00:03.990+0000 [myid:1] - INFO  [x:LearnerHandler@977] - Sending DIFF zxid=0x10  for peer sid: 2"},"delayMs":160}`,
        '2026-12-06T10:00:05.000Z kill:start {"targets":"one"} -> ok {"targets":[2]}',
        '2026-12-06T10:00:08.000Z kill:start-all null -> ok',
        '2026-12-06T10:00:08.001Z kill:start-all null -> ok',
        'not a nemesis line',
      ],
      'nodes/n2.log': [
        log(
          '10:00:00.000',
          2,
          'Environment@98',
          'Server environment:zookeeper.version=3.8.0-abc, built on 2024',
        ),
        log('10:00:00.500', 2, 'QuorumPeerMain@152', 'Starting quorum peer, myid=2'),
        log('10:00:04.000', 2, 'Learner@737', 'Learner received NEWLEADER message'),
        log(
          '10:00:05.500',
          2,
          'FastLeaderElection@946',
          'New election. My id = 2, proposed zxid=0x1000000e8',
        ),
        log(
          '10:00:05.510',
          2,
          'WorkerReceiver@391',
          'Notification: my state:LOOKING; n.sid:3, n.state:LOOKING, n.leader:3, n.round:0x1, n.peerEpoch:0x1, n.zxid:0x100000210',
        ),
        log(
          '10:00:05.520',
          2,
          'WorkerReceiver@391',
          'Notification: my state:LOOKING; n.sid:2, n.state:LOOKING, n.leader:2, n.round:0x1, n.peerEpoch:0x2, n.zxid:0x1000000e8',
        ),
        log('10:00:06.000', 2, 'QuorumPeer@903', 'Peer state changed: leading'),
        log('10:00:06.100', 2, 'QuorumPeer@917', 'Peer state changed: leading - discovery'),
      ],
      'nodes/n3.log': [
        log(
          '10:00:00.000',
          3,
          'Environment@98',
          'Server environment:zookeeper.version=3.8.0-abc, built on 2024',
        ),
        log('10:00:03.990', 3, 'LearnerHandler@977', 'Sending DIFF zxid=0x10  for peer sid: 2'),
        log('10:00:08.900', 3, 'Follower@77', 'Peer state changed: following'),
        truncating,
        log('10:00:11.000', 3, 'Learner@721', 'Learner received UPTODATE message'),
      ],
    });
    expect(nodeStory(dir)).toEqual([
      'the servers report: n2, n3 zookeeper.version=3.8.0-abc, built on 2024',
      'the node logs say (ZooKeeper truncating acknowledged history):',
      `n3: ${truncating}`,
      'timeline (UTC; faults from nemesis.log, the rest from the node logs):',
      '  10:00:01.000  fault  kill:kill n2 (follower)',
      '  10:00:03.990  n3     Sending DIFF zxid=0x10  for peer sid: 2',
      '  10:00:04.000  n2     Learner received NEWLEADER message',
      "  10:00:04.040  fault  kill:kill n2 (not-serving), 40 ms after n2's newleader line",
      "  10:00:04.150  fault  kill:kill n1 (leader), 160 ms after n1's sending-diff line for n2",
      '  10:00:05.000  fault  kill:start n2',
      "  10:00:05.500  n2     New election. My id = 2, proposed zxid=0x1000000e8 (its vote's epoch 0x2)",
      '  10:00:06.000  n2     Peer state changed: leading',
      '  10:00:08.000  fault  kill:start-all',
      '  10:00:08.900  n3     Peer state changed: following',
      '  10:00:09.000  n3     Truncating log to get in sync with the leader 0x1000000e8',
    ]);
  });

  it('says nothing without node logs, and gives no timeline without faults', () => {
    const bare = mkdtempSync(join(tmpdir(), 'zkcheck-story-'));
    dirs.push(bare);
    expect(nodeStory(bare)).toEqual([]);
    const quiet = runDir({
      'nodes/n1.log': [
        log('10:00:00.000', 1, 'Environment@98', 'Server environment:zookeeper.version=3.9.6-x'),
      ],
    });
    expect(nodeStory(quiet)).toEqual(['the servers report: n1 zookeeper.version=3.9.6-x']);
  });
});
