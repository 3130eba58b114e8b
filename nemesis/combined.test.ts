/**
 * The combined faults end to end, through the built CLI (`npx tsc -p tsconfig.build.json` first)
 * on a real 3-node ensemble of the local provider: a 120 s register run with sync reads under
 * partition, kill, pause and lag (and clock, once that family is registered) heals every fault,
 * recovers, and reaches a verdict in which the sync reads are linearizable and every claim
 * ZooKeeper promises holds. Under CI=true nothing skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistoryFile } from '../checker/history/read.js';
import { javaVersion } from '../harness/cluster/select.js';
import { faultWindows } from '../results/fault-windows.js';
import { NEMESES } from './index.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'zkcheck.js');
const CI = process.env.CI === 'true';
const missing =
  javaVersion() && existsSync('/usr/share/java/zookeeper.jar')
    ? undefined
    : 'no Java or ZooKeeper (npm run setup)';
const skip = !CI && missing !== undefined;
const store = mkdtempSync(join(tmpdir(), 'zkcheck-combined-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** The families of the issue's proof run; clock joins once it is registered. */
const FAMILIES = [
  'partition',
  'kill',
  'pause',
  'lag',
  ...(NEMESES.some((e) => e.name === 'clock') ? ['clock'] : []),
];

interface Claim {
  claim: string;
  valid: boolean | 'unknown';
  promised: boolean;
}

describe.skipIf(skip)(`combined faults on a real ensemble${skip ? ` (SKIPPED: ${missing})` : ''}`, () => {
  it(`a 120 s register run with sync reads under ${FAMILIES.join(', ')} heals and keeps sync reads linearizable`, async () => {
    const result = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        '--name',
        'combined',
        '--provider',
        'local',
        '--time-limit',
        '120',
        '--nemesis',
        FAMILIES.join(','),
        '--nemesis-interval',
        '3',
        '--nemesis-duration',
        '6',
        '--read-mode',
        'sync',
        '--seed',
        '5',
        '--store',
        store,
      ],
      { encoding: 'utf8', timeout: 420_000, env: { ...process.env, CI: 'true' } },
    );
    const { stdout, stderr } = result;
    const dir = /stored in (\S+)/.exec(stdout)?.[1];
    expect(dir, stdout + stderr).toBeDefined();
    const results = JSON.parse(readFileSync(join(dir!, 'results.json'), 'utf8')) as {
      valid: boolean | 'unknown';
      claims: Claim[];
      ensembleRecovered?: boolean;
    };
    const verdicts = Object.fromEntries(results.claims.map((c) => [c.claim, c.valid]));
    // Every fault healed and every node serves again.
    expect(results.ensembleRecovered, stdout).toBe(true);
    // The verdict: sync reads linearizable, and every promised claim holds.
    expect(verdicts['sync-reads-linearizable'], stdout).toBe(true);
    for (const c of results.claims.filter((c) => c.promised))
      expect([c.claim, c.valid]).toEqual([c.claim, true]);
    expect(result.status, stdout + stderr).toBe(0);

    // The faults happened, each shown as a window on the nodes it hit, and each was healed.
    const history = await readHistoryFile(join(dir!, 'history.jsonl'));
    const windows = faultWindows(history);
    const families = new Set(windows.map((w) => w.startOp));
    expect(families.size, [...families].join(', ')).toBeGreaterThanOrEqual(2);
    for (const w of windows) {
      expect(w.healed, w.label).toBe(true);
      expect(w.targets.length, w.label).toBeGreaterThan(0);
    }
    // The final phase healed every family.
    const finals = history.filter((op) => op.process === 'nemesis' && op.type === 'ok').map((op) => op.f);
    for (const heal of ['heal-all', 'start-all', 'resume-all', 'heal-all-lag'])
      expect(finals).toContain(heal);
    const perFamily = [...families].map((f) => `${f} x${windows.filter((w) => w.startOp === f).length}`);
    process.stdout.write(
      `combined run: ${/^\d+ ops in .*$/m.exec(stdout)?.[0]}; fault windows ${perFamily.join(', ')}\n`,
    );
  }, 480_000);
});
