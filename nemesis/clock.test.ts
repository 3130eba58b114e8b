/**
 * clock: the libfaketime plumbing (clock file, environment), the family's modes against a recording
 * ensemble, and real 3-node ensembles (local JVMs, and docker on zkcheck's image): a node skewed
 * +3600 s logs an hour ahead while the others log real time; a step back shows in that node's log
 * and adds up; the heal sets every clock back, and the ensemble serves writes and reads through
 * every node. Under CI=true nothing skips.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  faketimeEnvironment,
  formatOffset,
  hostFaketimeLibrary,
  writeClockFile,
} from '../harness/cluster/clock.js';
import { dockerAnswers } from '../harness/cluster/docker.js';
import { startEnsemble } from '../harness/cluster/ensemble.js';
import { ensureVersionImage } from '../harness/cluster/image-store.js';
import { javaVersion } from '../harness/cluster/select.js';
import { eventually } from '../harness/cluster/testing.js';
import type { Ensemble, LogLine, ProviderName } from '../harness/cluster/types.js';
import { DEFAULT_ZOOKEEPER_VERSION } from '../harness/cluster/versions.js';
import { ZkSession } from '../harness/client/session.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { GenOp } from '../harness/generator/types.js';
import type { NemesisPackage, PluginSettings } from '../harness/runner/spec.js';
import { clock } from './clock.js';

const CI = process.env.CI === 'true';
const HOUR_MS = 3_600_000;

const op = (f: string, value: unknown = null): GenOp => ({
  type: 'invoke',
  f,
  value,
  process: 'nemesis',
  time: 0,
});
/** A plan that hits the nodes in `order` first (targets.ts). */
const plan = (targets: string, order: number[]) => ({ targets, order });

function create(ensemble: Ensemble, settings: PluginSettings): NemesisPackage {
  return clock.create({
    ensemble,
    intervalSeconds: 0,
    durationSeconds: 0,
    settings: { clockTargets: 'one', clockMode: 'skew', clockOffsetS: 60, clockStrobeMs: 4000, ...settings },
  });
}

describe('clock files and environment', () => {
  it('writes libfaketime offsets, replacing the file whole', () => {
    expect([0, 3600, -60, 1.5].map(formatOffset)).toEqual(['+0', '+3600', '-60', '+1.5']);
    expect(() => formatOffset(Number.NaN)).toThrow(/not a number/);
    const file = join(mkdtempSync(join(tmpdir(), 'zkcheck-clock-')), 'faketime');
    writeClockFile(file, -600);
    expect(readFileSync(file, 'utf8')).toBe('-600\n');
    writeClockFile(file, 0);
    expect(readFileSync(file, 'utf8')).toBe('+0\n');
    expect(existsSync(`${file}.part`)).toBe(false);
  });

  it('preloads the library before an inherited LD_PRELOAD and drops FAKETIME, which would win over the file', () => {
    const env = faketimeEnvironment('/lib/ft.so', '/conf/faketime', {
      PATH: '/bin',
      FAKETIME: '+5',
      LD_PRELOAD: '/x.so',
    });
    expect(env).toEqual({
      PATH: '/bin',
      LD_PRELOAD: '/lib/ft.so /x.so',
      FAKETIME_TIMESTAMP_FILE: '/conf/faketime',
      FAKETIME_CACHE_DURATION: '1',
    });
  });

  it("finds the library in Debian's multiarch directory, or says there is none", () => {
    const root = mkdtempSync(join(tmpdir(), 'zkcheck-clock-lib-'));
    expect(hostFaketimeLibrary(root)).toBeUndefined();
    mkdirSync(join(root, 'aarch64-linux-gnu', 'faketime'), { recursive: true });
    writeFileSync(join(root, 'aarch64-linux-gnu', 'faketime', 'libfaketime.so.1'), '');
    expect(hostFaketimeLibrary(root)).toBe(join(root, 'aarch64-linux-gnu', 'faketime', 'libfaketime.so.1'));
  });
});

/** An ensemble that only keeps clock offsets (and says every node follows). */
function recordingEnsemble(size = 3) {
  const offsets = new Map<number, number>();
  const writes: Array<[number, number]> = [];
  const restarts: number[] = [];
  const ensemble = {
    nodes: Array.from({ length: size }, (_, i) => ({ id: i + 1 })),
    status: async () =>
      Array.from({ length: size }, (_, i) => ({ id: i + 1, state: 'running', mode: 'follower' })),
    setClock: async (id: number, offset: number) => {
      offsets.set(id, offset);
      writes.push([id, offset]);
    },
    clockOffset: (id: number) => offsets.get(id) ?? 0,
    state: () => 'running',
    restart: async (id: number) => {
      restarts.push(id);
    },
  };
  return { ensemble: ensemble as unknown as Ensemble, offsets, writes, restarts };
}

describe('clock modes', () => {
  it('refuses bad settings with a one-line NemesisError', () => {
    const { ensemble } = recordingEnsemble();
    expect(() => create(ensemble, { clockMode: 'drift' })).toThrow(
      /--clock-mode drift: not one of skew, step, strobe/,
    );
    expect(() => create(ensemble, { clockOffsetS: 0 })).toThrow(
      /--clock-offset-s 0: must be a non-zero number/,
    );
    expect(() => create(ensemble, { clockStrobeMs: 500 })).toThrow(
      /--clock-strobe-ms 500: must be an integer >= 2000/,
    );
  });

  it('skew: off while the fault holds; the start records targets, roles, mode and offsets', async () => {
    const { ensemble, offsets } = recordingEnsemble();
    const pkg = create(ensemble, { clockMode: 'skew', clockOffsetS: 3600 });
    const started: Completion = await pkg.invoke(op('clock-start', plan('one', [2, 1, 3])));
    expect(started).toEqual({
      type: 'ok',
      value: { targets: [2], roles: { 2: 'follower' }, mode: 'skew', offsetS: 3600, offsets: { 2: 3600 } },
    });
    expect(pkg.active()).toEqual(['node 2 clock +3600 s']);
    expect(await pkg.invoke(op('clock-stop'))).toEqual({ type: 'ok', value: { targets: [2] } });
    expect(offsets.get(2)).toBe(0);
  });

  it('step: jumps add up and stay past the stop; the heal sets every clock right and restarts the nodes it set back', async () => {
    const { ensemble, offsets, restarts } = recordingEnsemble();
    const pkg = create(ensemble, { clockMode: 'step', clockOffsetS: -600 });
    await pkg.invoke(op('clock-start', plan('one', [3, 1, 2])));
    await pkg.invoke(op('clock-stop'));
    const again = await pkg.invoke(op('clock-start', plan('one', [3, 1, 2])));
    expect((again.value as { offsets: object }).offsets).toEqual({ 3: -1200 });
    await pkg.invoke(op('clock-stop'));
    expect(offsets.get(3)).toBe(-1200);
    expect(await pkg.invoke(op('clock-reset-all'))).toEqual({
      type: 'ok',
      value: { reset: [3], restarted: [3] },
    });
    expect(offsets.get(3)).toBe(0);
    expect(restarts).toEqual([3]);
  });

  it('a heal restarts a node whose clock went back at a stop, and only it', async () => {
    const { ensemble, restarts } = recordingEnsemble();
    const pkg = create(ensemble, { clockMode: 'step', clockOffsetS: 60 });
    await pkg.invoke(op('clock-start', plan('one', [1, 2, 3])));
    // Forward only, then set right by the heal (which is a step back).
    expect((await pkg.invoke(op('clock-reset-all'))).value).toEqual({ reset: [1], restarted: [1] });
    const skew = create(ensemble, { clockMode: 'skew', clockOffsetS: 60 });
    await skew.invoke(op('clock-start', plan('one', [2, 1, 3])));
    await skew.invoke(op('clock-stop'));
    expect((await skew.invoke(op('clock-reset-all'))).value).toEqual({ reset: [], restarted: [2] });
    expect((await skew.invoke(op('clock-reset-all'))).value).toEqual({ reset: [], restarted: [] });
    expect(restarts).toEqual([1, 2]);
  });

  it('strobe: flips between off and right every period until the stop, which leaves it right', async () => {
    const { ensemble, writes, offsets } = recordingEnsemble();
    const pkg = create(ensemble, { clockMode: 'strobe', clockOffsetS: 30, clockStrobeMs: 2000 });
    const started = await pkg.invoke(op('clock-start', plan('minority', [1, 2, 3])));
    expect(started.value).toMatchObject({ targets: [1], mode: 'strobe', strobeMs: 2000, offsets: { 1: 30 } });
    await new Promise((resolve) => setTimeout(resolve, 4500));
    await pkg.invoke(op('clock-stop'));
    const flips = writes.filter(([id]) => id === 1).map(([, offset]) => offset);
    // Start (30), two flips (0, 30), the stop (0).
    expect(flips).toEqual([30, 0, 30, 0]);
    expect(offsets.get(1)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(writes.length).toBe(4); // nothing after the stop
  });
});

// --- real ensembles --------------------------------------------------------------------------------

const localMissing =
  !javaVersion() || !existsSync('/usr/share/java/zookeeper.jar')
    ? 'no Java or ZooKeeper (npm run setup)'
    : !hostFaketimeLibrary()
      ? 'no libfaketime (npm run setup)'
      : undefined;
const dockerMissing = dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)';
const missing: Record<ProviderName, string | undefined> = { local: localMissing, docker: dockerMissing };

/** Lines every node logs from now on, with their own timestamps. */
function collectLines(e: Ensemble): { lines: Map<number, LogLine[]>; stop: () => void } {
  const lines = new Map<number, LogLine[]>(e.nodes.map((n) => [n.id, []]));
  const stops = e.nodes.map((n) => e.onLogLine(n.id, /^\d{4}-/, (line) => lines.get(n.id)!.push(line)));
  return { lines, stop: () => stops.forEach((stop) => stop()) };
}

/** How far ahead of the moment it was read a line's timestamp is (ms). */
const ahead = (line: LogLine) => (line.loggedAt ?? Number.NaN) - line.seenAt;

/** A line node `id` logs from now on whose timestamp is `offsetMs` off (within a minute). */
async function lineOff(e: Ensemble, id: number, offsetMs: number): Promise<LogLine> {
  const { lines, stop } = collectLines(e);
  try {
    return await eventually(`a line of node ${id} ${offsetMs / 1000} s off`, 15_000, async () => {
      await e.status(); // every node logs the four-letter words it answers
      return lines.get(id)!.find((line) => Math.abs(ahead(line) - offsetMs) < 60_000);
    });
  } finally {
    stop();
  }
}

async function serveEverywhere(e: Ensemble, path: string): Promise<void> {
  const writer = await ZkSession.connect(e.connectString(1), { operationTimeoutMs: 10_000 });
  try {
    await writer.create(path, 'after the heal');
  } finally {
    await writer.close();
  }
  for (const node of e.nodes) {
    const reader = await ZkSession.connect(e.connectString(node.id), { operationTimeoutMs: 10_000 });
    try {
      await reader.sync(path);
      expect((await reader.getData(path)).value).toBe('after the heal');
    } finally {
      await reader.close();
    }
  }
}

for (const provider of ['local', 'docker'] as const) {
  const skip = !CI && missing[provider] !== undefined;
  describe.skipIf(skip)(
    `clock on a real ${provider} ensemble${skip ? ` (SKIPPED: ${missing[provider]})` : ''}`,
    () => {
      let e: Ensemble;

      beforeAll(async () => {
        const image =
          provider === 'docker' ? (await ensureVersionImage(DEFAULT_ZOOKEEPER_VERSION)).tag : undefined;
        e = await startEnsemble({ provider, image, size: 3, quorumTimeoutMs: 90_000 });
      }, 180_000);

      afterAll(async () => {
        await e?.stop();
      }, 60_000);

      it('a skewed node logs an hour ahead while the others log real time; the stop sets it right', async () => {
        const pkg = create(e, { clockTargets: 'follower', clockMode: 'skew', clockOffsetS: 3600 });
        const { lines, stop } = collectLines(e);
        const started = await pkg.invoke(op('clock-start', plan('follower', [1, 2, 3])));
        expect(started.type).toBe('ok');
        const { targets, roles, mode, offsets } = started.value as {
          targets: number[];
          roles: Record<number, string>;
          mode: string;
          offsets: Record<number, number>;
        };
        expect(targets).toHaveLength(1);
        const [skewed] = targets;
        expect(roles[skewed]).toBe('follower');
        expect({ mode, offsets }).toEqual({ mode: 'skew', offsets: { [skewed]: 3600 } });
        const line = await lineOff(e, skewed, HOUR_MS);
        expect(ahead(line)).toBeGreaterThan(HOUR_MS - 60_000);
        stop();
        // The other nodes logged real time all along.
        for (const [id, seen] of lines) {
          if (id === skewed) continue;
          expect(seen.length).toBeGreaterThan(0);
          for (const other of seen) expect(Math.abs(ahead(other))).toBeLessThan(60_000);
        }
        expect(await pkg.invoke(op('clock-stop'))).toEqual({ type: 'ok', value: { targets: [skewed] } });
        await lineOff(e, skewed, 0);
        // Set back an hour at the stop: the heal restarts it.
        expect(await pkg.invoke(op('clock-reset-all'))).toEqual({
          type: 'ok',
          value: { reset: [], restarted: [skewed] },
        });
        await e.waitForQuorum({ timeoutMs: 30_000 });
      }, 90_000);

      it('steps back add up in the leader’s log until the heal; then every node serves', async () => {
        const pkg = create(e, { clockTargets: 'leader', clockMode: 'step', clockOffsetS: -600 });
        const leader = (await e.leader())!;
        await pkg.invoke(op('clock-start', plan('leader', [1, 2, 3])));
        await pkg.invoke(op('clock-stop'));
        const second = await pkg.invoke(op('clock-start', plan('one', [leader])));
        expect((second.value as { offsets: object }).offsets).toEqual({ [leader]: -1200 });
        await pkg.invoke(op('clock-stop'));
        await lineOff(e, leader, -1200_000);
        const healed = await pkg.invoke(op('clock-reset-all'));
        expect(healed).toEqual({ type: 'ok', value: { reset: [leader], restarted: [leader] } });
        for (const node of e.nodes) {
          expect(e.clockOffset(node.id)).toBe(0);
          expect(readFileSync(node.clockFile, 'utf8')).toBe('+0\n');
        }
        await lineOff(e, leader, 0);
        await e.waitForQuorum({ timeoutMs: 30_000 });
        await serveEverywhere(e, `/clock-${provider}`);
      }, 90_000);
    },
  );
}
