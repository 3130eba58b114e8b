/**
 * A mixed-version rolling upgrade on a real 3-node docker ensemble: the run starts on ZooKeeper
 * 3.8.0 (its local image) under the register workload, and the upgrade family replaces the nodes
 * by 3.9.6 one at a time (followers first, the leader last), each on its own data. Every node
 * ends reporting 3.9.6, clients kept completing ops while versions were mixed, and every claim of
 * the workload is checked, the promised ones valid. Under CI=true nothing skips.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAnswers } from '../harness/cluster/docker.js';
import { mergeConfig } from '../harness/config.js';
import { runTest } from '../harness/runner/run.js';
import { buildTestSpec } from '../harness/test-spec.js';
import { WORKLOADS } from '../workloads/index.js';
import { NEMESES } from './index.js';
import { upgrade } from './upgrade.js';

const CI = process.env.CI === 'true';
const missing = dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)';
const skip = !CI && missing !== undefined;
const store = mkdtempSync(join(tmpdir(), 'zkcheck-upgrade-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

// The family as the registry would hold it (its line in nemesis/index.ts is the lead's to add).
const catalog = {
  workloads: WORKLOADS,
  nemeses: NEMESES.some((e) => e.name === 'upgrade') ? NEMESES : [...NEMESES, upgrade],
};

interface HistoryLine {
  process: string | number;
  type: string;
  f: string;
  value: unknown;
  time: number;
}

describe.skipIf(skip)(`rolling upgrade 3.8.0 -> 3.9.6${skip ? ` (SKIPPED: ${missing})` : ''}`, () => {
  it('replaces every node one at a time under the register workload; every claim checked, the promised ones hold', async () => {
    const config = mergeConfig(
      {},
      {
        name: 'rolling-upgrade',
        workload: 'register',
        nemesis: 'upgrade',
        zookeeper: '3.8.0',
        provider: 'docker',
        timeLimit: 50,
        nemesisInterval: 3,
        recovery: 3,
        concurrency: 6,
        rate: 100,
        store,
        settings: { upgradeTo: '3.9.6' },
      },
      catalog,
    );
    const lines: string[] = [];
    const outcome = await runTest(buildTestSpec(config, catalog), { out: (text) => lines.push(text) });
    const output = lines.join('');
    expect(outcome.error, output).toBeUndefined();
    const test = JSON.parse(readFileSync(outcome.paths.test, 'utf8')) as { zookeeper: { version: string } };
    expect(test.zookeeper.version.split('-')[0]).toBe('3.8.0');

    const history = readFileSync(outcome.paths.history, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as HistoryLine);
    const nemesisOk = history.filter((op) => op.process === 'nemesis' && op.type === 'ok');
    type Step = { targets: number[]; roles: Record<number, string>; reported?: string };
    const steps: Array<Step & { time: number }> = nemesisOk.flatMap((op) =>
      op.f === 'upgrade' && (op.value as Step).targets.length > 0
        ? [{ ...(op.value as Step), time: op.time }]
        : op.f === 'upgrade-rest'
          ? (op.value as { steps: Step[] }).steps.map((s) => ({ ...s, time: op.time }))
          : [],
    );
    // Each node once, one at a time, each reporting the new release once the ensemble served.
    expect(steps.map((s) => s.targets[0]).sort()).toEqual([1, 2, 3]);
    for (const step of steps) expect(step.reported?.split('-')[0], JSON.stringify(step)).toBe('3.9.6');
    expect(steps[0].roles[steps[0].targets[0]]).toBe('follower');
    expect(steps.filter((s) => s.time < steps[0].time || s === steps[0])).toHaveLength(1);

    // Clients completed ops while the ensemble ran mixed versions (after the first upgrade).
    const mixedOk = history.filter(
      (op) => op.process !== 'nemesis' && op.type === 'ok' && op.time > steps[0].time,
    );
    expect(mixedOk.length).toBeGreaterThan(50);

    // Every claim of the workload has a verdict; the promised ones hold.
    const results = outcome.results!;
    expect(results.claims.map((c) => c.claim)).toEqual(
      expect.arrayContaining(['writes-linearizable', 'zookeeper']),
    );
    for (const claim of results.claims) {
      expect([true, false, 'unknown']).toContain(claim.valid);
      if (claim.promised) expect([claim.claim, claim.valid]).toEqual([claim.claim, true]);
    }
    expect(outcome.recovered).toBe(true);
    // The node logs show both releases: the old server's start, then the new one's.
    const n1 = readFileSync(outcome.paths.nodeLog(1), 'utf8');
    expect(n1).toMatch(/3\.8\.0/);
    expect(n1).toMatch(/3\.9\.6/);
  }, 420_000);
});
