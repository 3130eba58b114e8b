/**
 * disk against real ZooKeeper (local provider, 3 nodes, writes all along, small snapCount so logs
 * roll and snapshots are many): each fault is applied to a stopped follower, which is then started
 * again. The test says, per fault, what ZooKeeper did: refused to start with a clear log line, or
 * served data consistent with every acknowledged write (a sync then a read through that node sees
 * at least the last write acknowledged before the read). Under CI=true nothing skips.
 */
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble } from '../harness/cluster/ensemble.js';
import { javaVersion } from '../harness/cluster/select.js';
import type { Ensemble } from '../harness/cluster/types.js';
import { ZkSession } from '../harness/client/session.js';
import { rngFromSeed } from '../harness/generator/rng.js';
import type { GenOp } from '../harness/generator/types.js';
import { planTargets } from './targets.js';
import { REFUSAL, disk, txnLogRecords, type Comeback, type DiskDamage, type DiskFault } from './disk.js';

const nemesisOp = (f: string, value: unknown): GenOp => ({
  type: 'invoke',
  f,
  value,
  process: 'nemesis',
  time: 0,
});

const CI = process.env.CI === 'true';
const missing =
  javaVersion() && existsSync('/usr/share/java/zookeeper.jar')
    ? undefined
    : 'no Java or ZooKeeper (npm run setup)';
const skip = !CI && missing !== undefined;

describe('transaction log records', () => {
  it('finds each record of a log and stops at the zero padding or a torn record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkcheck-disk-'));
    const header = Buffer.concat([Buffer.from('ZKLG'), Buffer.alloc(12)]);
    const record = (n: number) => {
      const b = Buffer.alloc(8 + 4 + n + 1);
      b.writeInt32BE(n, 8);
      b.fill(7, 12, 12 + n);
      b[12 + n] = 0x42;
      return b;
    };
    const file = join(dir, 'log.1');
    writeFileSync(file, Buffer.concat([header, record(10), record(20), Buffer.alloc(100)]));
    expect(txnLogRecords(file)).toEqual([
      { start: 16, payload: 28, end: 39 },
      { start: 39, payload: 51, end: 72 },
    ]);
    writeFileSync(file, Buffer.concat([header, record(10), record(20).subarray(0, 15)]));
    expect(txnLogRecords(file)).toHaveLength(1);
    appendFileSync(file, 'x');
    writeFileSync(join(dir, 'log.2'), 'not a log');
    expect(txnLogRecords(join(dir, 'log.2'))).toEqual([]);
  });
});

/** What each fault did in our measurements (see the report in the test's output). */
const EXPECTED: Record<DiskFault, 'serves' | 'refuses'> = {
  'truncate-log': 'serves',
  'corrupt-log': 'refuses',
  'delete-snapshot': 'serves',
  'corrupt-snapshot': 'serves',
};

describe.skipIf(skip)(
  skip ? `disk faults on a real ensemble (SKIPPED: ${missing})` : 'disk faults on a real ensemble',
  () => {
    let e: Ensemble;
    let writer: ZkSession | undefined;
    let acked = -1;
    let writing = true;
    let loop: Promise<void> = Promise.resolve();

    beforeAll(async () => {
      e = await startEnsemble({
        provider: 'local',
        size: 3,
        quorumTimeoutMs: 90_000,
        jvmFlags: '-Dzookeeper.snapCount=40',
      });
      const leader = (await e.leader())!;
      writer = await ZkSession.connect(e.connectString(leader), { operationTimeoutMs: 3000 });
      await writer.create('/disk', '-1');
      loop = (async () => {
        for (let i = 0; writing; i++) {
          try {
            await writer!.setData('/disk', String(i));
            acked = i;
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      while (acked < 200) await new Promise((r) => setTimeout(r, 100));
    }, 150_000);

    afterAll(async () => {
      writing = false;
      await loop;
      await writer?.close();
      await e?.stop();
    }, 60_000);

    for (const fault of Object.keys(EXPECTED) as DiskFault[]) {
      it(`${fault}: ZooKeeper ${EXPECTED[fault] === 'serves' ? 'serves every acknowledged write' : 'refuses to start with a clear log line'}`, async () => {
        const pkg = disk.create({
          ensemble: e,
          intervalSeconds: 0,
          durationSeconds: 0,
          settings: { diskFault: fault, diskTargets: 'follower', diskBytes: 8, diskRecords: 3 },
        });
        const before = acked;
        const hit = await pkg.invoke(nemesisOp('disk', planTargets('follower', 3, rngFromSeed(7))));
        expect(hit.type, JSON.stringify(hit)).toBe('ok');
        const { targets, damage } = hit.value as { targets: number[]; damage: DiskDamage[] };
        const node = targets[0];
        expect(damage).toHaveLength(1);
        expect(damage[0].note).toBeUndefined();
        expect(damage[0].file).toBeDefined();
        // Let writes go on without the node, so it must catch up.
        while (acked < before + 50) await new Promise((r) => setTimeout(r, 50));
        const back = await pkg.invoke(nemesisOp('start', null));
        expect(back.type).toBe('ok');
        const comeback = (back.value as { comebacks: Comeback[] }).comebacks[0];
        console.log(`disk ${fault}: ${JSON.stringify(damage[0])} -> ${JSON.stringify(comeback)}`);
        if (comeback.serving) {
          const floor = acked;
          const reader = await ZkSession.connect(e.connectString(node), { operationTimeoutMs: 5000 });
          try {
            await reader.sync('/disk');
            const value = Number((await reader.getData('/disk')).value);
            console.log(
              `disk ${fault}: node ${node} serves /disk = ${value}, last acknowledged before the read ${floor}`,
            );
            expect(value).toBeGreaterThanOrEqual(floor);
          } finally {
            await reader.close();
          }
        } else {
          expect(comeback.refusal).toMatch(REFUSAL);
          const healed = await pkg.invoke(nemesisOp('restore-all', null));
          expect(healed.type).toBe('ok');
          expect((healed.value as { restored: string[] }).restored).toEqual([damage[0].file]);
        }
        expect(comeback.serving ? 'serves' : 'refuses').toBe(EXPECTED[fault]);
        await e.waitForQuorum({ timeoutMs: 60_000 });
      }, 120_000);
    }
  },
);
