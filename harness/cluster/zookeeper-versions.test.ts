/**
 * Every ZooKeeper version zkcheck builds, for real: its image builds from Debian packages (once;
 * later runs reuse it, or rebuild it from the cached rootfs when the recipe changed), a 3-node
 * ensemble of it reaches quorum on the docker provider with no peer connection bypassing the
 * proxies, and its servers report that version through `srvr` and `mntr`, answer every four-letter
 * word, keep the AdminServer off and log zkcheck's format. The local provider runs the same version
 * from the rootfs's jars (`--zk-home`).
 *
 * Versions: $ZKCHECK_TEST_VERSIONS, comma-separated. `npm test` checks 3.8.0 and 3.9.6 (the oldest
 * and newest; `npm run setup` builds both); `npm run test:versions` checks all three, building what
 * is missing (3.9.3 from scratch: a minute or two). Under CI=true nothing skips.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkSession } from '../client/session.js';
import { dockerAnswers } from './docker.js';
import { startEnsemble } from './ensemble.js';
import { fourLetterWord, parseSrvr } from './fourlw.js';
import { cachedRootfs, ensureVersionImage, findVersionImage } from './image-store.js';
import { imageForZooKeeper, javaVersion } from './select.js';
import { directPeerConnections, eventually, readOnce } from './testing.js';
import type { Ensemble } from './types.js';
import { debianSuiteFor, KNOWN_ZOOKEEPER_VERSIONS, UnknownZooKeeperVersionError } from './versions.js';

const CI = process.env.CI === 'true';
const versions = (process.env.ZKCHECK_TEST_VERSIONS ?? '3.8.0,3.9.6').split(',').filter(Boolean);
/** The Java major each suite's default-jre resolves to (checked 2026-12), so a wrong pick shows. */
const JAVA_MAJOR: Record<string, number> = { '3.8.0': 17, '3.9.3': 21, '3.9.6': 25 };
const WORDS = ['srvr', 'mntr', 'ruok', 'stat', 'conf', 'cons', 'envi', 'wchs', 'dirs', 'isro'];
/** One line in zkconfig.ts LOG_PATTERN, by QuorumPeer itself: class and line number included. */
const LOG_LINE =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} \[myid:\d\] - INFO {2}\[.*:QuorumPeer@\d+\] - /m;

const dockerMissing = dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)';
const log = (line: string) => console.log(line);

it('tests only versions zkcheck knows', () => {
  expect(KNOWN_ZOOKEEPER_VERSIONS).toEqual(expect.arrayContaining(versions));
});

describe.skipIf(!CI && dockerMissing !== undefined)('imageForZooKeeper', () => {
  const version = versions.at(-1)!;
  const tag = `zkcheck/zookeeper:${version}-debian`;

  it('refuses a version that neither a registry nor Debian has, naming the known ones', async () => {
    await expect(imageForZooKeeper('0.0.1', { log })).rejects.toThrow(
      new UnknownZooKeeperVersionError('0.0.1'),
    );
  });

  it(
    `builds ${tag} on demand when it is missing, from the cached rootfs, saying so`,
    async () => {
      await ensureVersionImage(version, { log }); // so the rootfs is cached
      execFileSync('docker', ['image', 'rm', tag], { stdio: 'pipe' });
      expect(await findVersionImage(version)).toBeUndefined();
      const lines: string[] = [];
      const choice = await imageForZooKeeper(version, { log: (line) => lines.push(line) });
      expect(choice.image).toBe(tag);
      expect(choice.why).toMatch(
        new RegExp(`^zookeeper:${version} not pullable; built ${tag} from the cached rootfs in \\d+ s$`),
      );
      expect(choice.built?.fromCache).toBe(true);
      expect(lines).toEqual(
        expect.arrayContaining([
          `image: ${tag} is not built yet: building it`,
          expect.stringMatching(/^image: using cached rootfs .*zookeeper-rootfs-/),
          `image: importing ${tag}`,
        ]),
      );
      console.log(`[${version}] rebuilt from the cached rootfs in ${choice.built!.seconds.toFixed(1)} s`);
      // Present and current now: the next call neither builds nor logs.
      const again = await imageForZooKeeper(version, { log: (line) => lines.push(`again: ${line}`) });
      expect(again).toEqual({ image: tag, why: `zookeeper:${version} not pullable; local image ${tag}` });
      expect(lines.filter((line) => line.startsWith('again: '))).toEqual([]);
    },
    20 * 60_000,
  );
});

/** Quorum, the version through srvr and mntr, the whitelist, the log format: any provider. */
async function expectServesVersion(e: Ensemble, version: string): Promise<void> {
  const status = await e.status();
  expect(status.map((s) => s.mode).sort()).toEqual(['follower', 'follower', 'leader']);
  for (const node of e.nodes) {
    const srvr = await fourLetterWord(node.clientPort, 'srvr');
    expect(srvr).toMatch(new RegExp(`^Zookeeper version: ${version.replace(/\./g, '\\.')}[-,]`, 'm'));
    expect(parseSrvr(srvr).mode).toBeDefined();
    expect(status.find((s) => s.id === node.id)!.mntr!.zk_version).toMatch(new RegExp(`^${version}[-,]`));
  }
  // Election dial-backs go to advertised addresses (zkconfig.ts): none may bypass the proxies.
  expect(directPeerConnections(e.nodes.flatMap((n) => [n.quorumPort, n.electionPort]))).toEqual([]);
}

for (const version of versions) {
  const skip = !CI && dockerMissing !== undefined;
  const title = `ZooKeeper ${version} on docker${skip ? ` (SKIPPED: ${dockerMissing})` : ''}`;

  describe.skipIf(skip)(title, () => {
    let e: Ensemble;
    beforeAll(async () => {
      const t0 = Date.now();
      const { tag, built } = await ensureVersionImage(version, { log });
      console.log(
        `[${version}] image ${tag}: ${built ? `built in ${built.seconds.toFixed(1)} s${built.fromCache ? ' from the cached rootfs' : ''}` : 'present'} (${Date.now() - t0} ms)`,
      );
      const t1 = Date.now();
      e = await startEnsemble({ provider: 'docker', image: tag, size: 3, quorumTimeoutMs: 90_000 });
      console.log(`[${version}] 3 nodes to quorum in ${Date.now() - t1} ms`);
    }, 20 * 60_000);
    afterAll(async () => {
      await e?.stop();
    }, 60_000);

    it(`is built from ${debianSuiteFor(version)} with the Java its zookeeper package depends on`, async () => {
      const image = (await findVersionImage(version))!;
      expect(image.tag).toBe(`zkcheck/zookeeper:${version}-debian`);
      expect(image.version).toBe(version);
      expect(image.suite).toBe(debianSuiteFor(version));
      expect(image.stale).toBe(false);
      expect(Number(image.java!.split('.')[0])).toBe(JAVA_MAJOR[version]);
      expect(e.source).toBe(image.tag);
    });

    it('reaches quorum, and every server reports the version through srvr and mntr', async () => {
      await expectServesVersion(e, version);
    });

    it('answers every four-letter word (whitelisted) and runs no AdminServer', async () => {
      for (const word of WORDS) {
        const answer = await fourLetterWord(e.nodes[0].clientPort, word);
        expect(answer, word).not.toMatch(/not in the whitelist|not executed/);
        expect(answer.length, word).toBeGreaterThan(0);
      }
      expect(await fourLetterWord(e.nodes[0].clientPort, 'ruok')).toBe('imok');
      const logs = await e.logs(1);
      expect(logs).not.toMatch(/JettyAdminServer|Started AdminServer/);
    });

    it("logs to stdout in zkcheck's format, with the class and line of each statement", async () => {
      const logs = await eventually('a QuorumPeer line in the container log', 10_000, async () => {
        const text = await e.logs(1);
        return LOG_LINE.test(text) ? text : undefined;
      });
      expect(logs).toMatch(LOG_LINE);
      expect(logs).toMatch(
        /\[myid:1\] - INFO {2}\[.*:QuorumPeer@\d+\] - Peer state changed: (leading|following)/,
      );
    });

    it('serves a write through one node and a read through another', async () => {
      const writer = await ZkSession.connect(e.connectString(1));
      try {
        await writer.create('/version', version);
      } finally {
        await writer.close();
      }
      const seen = await eventually('read through node 3', 10_000, () =>
        readOnce(e.connectString(3), '/version'),
      );
      expect(seen).toBe(version);
    });
  });
}

// --zk-home with another version's Debian jars: this machine's own /usr/share/java (bookworm's
// 3.8.0) must not serve a single class of it.
const localVersion = versions.filter((v) => v !== '3.8.0').at(-1);
const localMissing = dockerMissing ?? (javaVersion() ? undefined : 'no Java (npm run setup)');
describe.skipIf(localVersion === undefined || (!CI && localMissing !== undefined))(
  `ZooKeeper ${localVersion} on the local provider, from its image's jars`,
  () => {
    let zkHome: string;
    let e: Ensemble | undefined;
    beforeAll(async () => {
      await ensureVersionImage(localVersion!, { log });
      const rootfs = cachedRootfs(debianSuiteFor(localVersion!));
      expect(rootfs, 'the image build caches its rootfs').toBeDefined();
      zkHome = mkdtempSync(join(tmpdir(), `zkcheck-zk-home-${localVersion}-`));
      execFileSync('tar', ['-xf', rootfs!, '-C', zkHome, './usr/share/java']);
    }, 20 * 60_000);
    afterAll(async () => {
      await e?.stop();
      if (zkHome) rmSync(zkHome, { recursive: true, force: true });
    }, 60_000);

    it('reaches quorum, and every server reports the version and logs in the same format', async () => {
      e = await startEnsemble({ provider: 'local', zkHome, size: 3, quorumTimeoutMs: 90_000 });
      expect(e.source).toContain(`zookeeper ${localVersion}`);
      await expectServesVersion(e, localVersion!);
      const logs = await eventually('a QuorumPeer line in the node log', 10_000, async () => {
        const text = await e!.logs(1);
        return LOG_LINE.test(text) ? text : undefined;
      });
      expect(logs).toMatch(LOG_LINE);
    }, 120_000);
  },
);
