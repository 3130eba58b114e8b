/**
 * Ctrl-C during an ensemble's start (issue 17, item 8): `startEnsemble({ signal })` stops as soon
 * as the signal aborts, instead of waiting for the quorum, and leaves nothing behind. On both
 * providers; under CI=true nothing skips.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerAnswers } from './docker.js';
import { startEnsemble } from './ensemble.js';
import { listLeftovers, readRunRecords, runsDir } from './hygiene.js';
import { portLockDir } from './ports.js';
import { findReapers } from './reaper.js';
import { javaVersion } from './select.js';
import { eventually } from './testing.js';
import type { ProviderName } from './types.js';

const CI = process.env.CI === 'true';
const missing: Record<ProviderName, string | undefined> = {
  docker: dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)',
  local:
    javaVersion() && existsSync('/usr/share/java/zookeeper.jar')
      ? undefined
      : 'no Java or ZooKeeper (npm run setup)',
};

function portLocksOf(runId: string): number {
  return readdirSync(portLockDir()).filter((name) => {
    try {
      return readFileSync(join(portLockDir(), name), 'utf8').includes(`"runId":"${runId}"`);
    } catch {
      return false;
    }
  }).length;
}

/** How long the start takes to reject after the abort, and with what. */
async function abortedStart(provider: ProviderName, abortAfterProxiesMs: number) {
  const controller = new AbortController();
  let abortedAt = 0;
  const start = startEnsemble({
    provider,
    signal: controller.signal,
    log: (line) => {
      if (!line.startsWith('proxies on ')) return;
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, abortAfterProxiesMs);
    },
  });
  // The record is written before anything is created: it names the run to check afterwards.
  const record = await eventually('the run record', 60_000, async () =>
    readRunRecords().find((r) => r.pid === process.pid),
  );
  const error = await start.then(
    () => new Error('the start did not stop'),
    (reason: Error) => reason,
  );
  return { error, rejectedMs: Date.now() - abortedAt, runId: record.runId };
}

for (const provider of ['local', 'docker'] as const) {
  const skip = !CI && missing[provider] !== undefined;
  const title = skip ? `${provider} provider (SKIPPED: ${missing[provider]})` : `${provider} provider`;

  describe.skipIf(skip)(`an aborted ensemble start on the ${title}`, () => {
    it('rejects with the abort at once when the signal has already fired, and creates nothing', async () => {
      const controller = new AbortController();
      controller.abort();
      const before = readRunRecords().filter((r) => r.pid === process.pid).length;
      await expect(startEnsemble({ provider, signal: controller.signal })).rejects.toThrow(
        'This operation was aborted',
      );
      expect(readRunRecords().filter((r) => r.pid === process.pid)).toHaveLength(before);
    });

    it('stops while the servers start, without waiting for a quorum, and tears everything down', async () => {
      const { error, rejectedMs, runId } = await abortedStart(provider, 300);
      console.log(`[abort] ${provider}: start rejected ${rejectedMs} ms after the abort`);
      expect(error.name).toBe('AbortError');
      // Servers already asked for are let start (so teardown knows them), then removed; no quorum wait.
      expect(rejectedMs).toBeLessThan(provider === 'docker' ? 4000 : 2000);
      expect(await listLeftovers(process.pid)).toEqual({
        containers: [],
        networks: [],
        jvms: [],
        proxyServers: [],
      });
      expect(existsSync(join(runsDir(), `${runId}.json`))).toBe(false);
      expect(portLocksOf(runId)).toBe(0);
      // Released, the reaper exits without reaping.
      await eventually('the reaper exits', 5000, async () =>
        findReapers(runId).length === 0 ? true : undefined,
      );
    }, 120_000);
  });
}
