/**
 * The ensemble against real ZooKeeper, on both providers: quorum, client proxies, peer-link
 * partitions, SIGKILL + restart, pause, a one-way blackhole, 5 nodes, and nothing left behind.
 * Under CI=true nothing skips: a missing engine or Java fails the suite with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startEnsemble } from './ensemble.js';
import { dockerAnswers } from './docker.js';
import { listLeftovers } from './hygiene.js';
import { javaVersion } from './select.js';
import { ZkSession } from '../client/session.js';
import { directPeerConnections, eventually, readOnce } from './testing.js';
import type { Ensemble, ProviderName } from './types.js';
import { existsSync } from 'node:fs';

const CI = process.env.CI === 'true';
const missing: Record<ProviderName, string | undefined> = {
  docker: dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)',
  local:
    javaVersion() && existsSync('/usr/share/java/zookeeper.jar')
      ? undefined
      : 'no Java or ZooKeeper (npm run setup)',
};

const started: Ensemble[] = [];

const peerPorts = (e: Ensemble) => e.nodes.flatMap((n) => [n.quorumPort, n.electionPort]);

async function ensemble(provider: ProviderName, size: number): Promise<Ensemble> {
  const e = await startEnsemble({ provider, size, quorumTimeoutMs: 90_000 });
  started.push(e);
  return e;
}

for (const provider of ['local', 'docker'] as const) {
  const skip = !CI && missing[provider] !== undefined;
  const title = skip ? `${provider} provider (SKIPPED: ${missing[provider]})` : `${provider} provider`;

  describe.skipIf(skip)(title, () => {
    describe('a 3-node ensemble', () => {
      let e: Ensemble;
      beforeAll(async () => {
        e = await ensemble(provider, 3);
      }, 150_000);
      afterAll(async () => {
        await e?.stop();
      }, 60_000);

      it('reaches quorum with one leader, and every peer line of a node goes through its own proxy', async () => {
        const status = await e.status();
        expect(status.filter((s) => s.mode === 'leader')).toHaveLength(1);
        expect(status.filter((s) => s.mode === 'follower')).toHaveLength(2);
        expect(e.provider).toBe(provider);
        expect(e.links.all).toHaveLength(3 * 2 * 2);
        const { readFileSync } = await import('node:fs');
        for (const node of e.nodes) {
          const cfg = readFileSync(node.configFile, 'utf8');
          // Its own line advertises an undialable address, so election dial-backs cannot bypass.
          expect(cfg).toContain(
            `server.${node.id}=[::1]:${node.quorumPort}:${node.electionPort}:participant`,
          );
          expect(cfg).toContain('quorumListenOnAllIPs=true');
          for (const peer of e.nodes) {
            if (peer.id === node.id) continue;
            // Node i reaches peer k only through the proxies for i->k, which listen on 127.0.i.k.
            const [quorum, election] = (['quorum', 'election'] as const).map((kind) =>
              e.links.between(node.id, peer.id).find((l) => l.kind === kind)!,
            );
            expect(quorum.listen).toBe(`127.0.${node.id}.${peer.id}:${quorum.port}`);
            expect(election.listen).toBe(`127.0.${node.id}.${peer.id}:${election.port}`);
            expect(cfg).toContain(
              `server.${peer.id}=127.0.${node.id}.${peer.id}:${quorum.port}:${election.port}:participant`,
            );
          }
          expect(node.proxyClientPort).not.toBe(node.clientPort);
        }
        // No peer connection bypasses the proxies: every socket a server has towards a peer port
        // comes from a proxy (ZooKeeper's election dials back to advertised addresses).
        expect(directPeerConnections(peerPorts(e))).toEqual([]);
        // The servers' own logs are captured (the SLF4J binding is on the class path).
        await eventually('server logs', 10_000, async () =>
          (await e.logs(1)).includes('QuorumPeer') ? true : undefined,
        );
      });

      it('a write through node 1 client proxy is read through node 2 client proxy', async () => {
        const writer = await ZkSession.connect(e.connectString(1));
        try {
          await writer.create('/hello', `from ${provider}`);
        } finally {
          await writer.close();
        }
        // A follower may lag the leader's commit by a moment: sequential consistency, not linearizable reads.
        const seen = await eventually('read through node 2', 10_000, async () => {
          const value = await readOnce(e.connectString(2), '/hello');
          return value === `from ${provider}` ? value : undefined;
        });
        expect(seen).toBe(`from ${provider}`);
      });

      it('cutting the leader off elects a new leader among the rest, and healing brings it back with the data', async () => {
        const old = (await e.leader())!;
        expect(old).toBeDefined();
        const others = e.nodes.map((n) => n.id).filter((id) => id !== old);
        const epochTimeouts = async (id: number) =>
          (await e.logs(id)).split('Timeout while waiting for epoch from quorum').length - 1;
        const timeoutsBefore = new Map<number, number>();
        for (const id of others) timeoutsBefore.set(id, await epochTimeouts(id));
        const t0 = Date.now();
        await e.links.isolate(old);
        try {
          // ~2.4 s: the followers notice after syncLimit ticks (2 s), then elect. It took 7-18 s
          // while a quorum proxy closed a follower's connection to its new leader at once when the
          // leader was not listening yet (see the check after this wait); once over 30 s, a run
          // whose logs were not kept.
          let seen = '';
          const fresh = await eventually(
            () => `a new leader among the rest (last seen: ${seen})`,
            60_000,
            async () => {
              const status = await e.status();
              seen = status.map((st) => `${st.id}:${st.mode ?? st.error ?? '?'}`).join(', ');
              const leader = status.find((s) => s.mode === 'leader' && others.includes(s.id));
              const oldStatus = status.find((s) => s.id === old)!;
              return leader && oldStatus.mode !== 'leader' ? leader.id : undefined;
            },
          );
          console.log(`[${provider}] new leader ${fresh} ${Date.now() - t0} ms after isolating ${old}`);
          expect(others).toContain(fresh);
          // The new leader did not wait out initLimit for its follower. It did, and then re-elected,
          // when the follower dialled it through the proxy before it listened and the proxy closed
          // the follower's connection: a follower retries a refused connect, not a closed one.
          // Quorum proxies now dial a refusing leader again (harness/proxy/link.ts).
          expect(await epochTimeouts(fresh)).toBe(timeoutsBefore.get(fresh));
          const writer = await ZkSession.connect(e.connectString(fresh));
          try {
            await writer.create('/partitioned', 'written while cut off');
          } finally {
            await writer.close();
          }
          // The isolated node cannot serve: it has no quorum.
          expect((await e.status()).find((s) => s.id === old)!.mode).toBeUndefined();
        } finally {
          // Healed whatever happened: the tests after this one need the whole ensemble.
          await e.links.healAll();
        }
        await eventually('the old leader rejoins', 30_000, async () =>
          (await e.status()).find((s) => s.id === old)!.mode === 'follower' ? true : undefined,
        );
        expect(await readOnce(e.connectString(old), '/partitioned')).toBe('written while cut off');
        expect(directPeerConnections(peerPorts(e))).toEqual([]);
      }, 120_000);

      it('pause makes a node clients time out and resume recovers it', async () => {
        const follower = (await e.status()).find((s) => s.mode === 'follower')!.id;
        const client = await ZkSession.connect(e.connectString(follower), {
          sessionTimeoutMs: 20_000,
          operationTimeoutMs: 2000,
        });
        try {
          expect((await client.getData('/hello')).value).toBe(`from ${provider}`);
          await e.pause(follower);
          expect(e.state(follower)).toBe('paused');
          const failure = await client.getData('/hello').then(
            () => 'answered',
            (error: Error) => error.name,
          );
          expect(['DEADLINE', 'CONNECTION_LOSS']).toContain(failure);
          // Nobody knows what that session did meanwhile: it is retired, as the runner requires.
          expect(client.usable).toBe(false);
          await e.resume(follower);
          expect(e.state(follower)).toBe('running');
          const value = await eventually('the resumed node answers', 30_000, () =>
            readOnce(e.connectString(follower), '/hello', 2000),
          );
          expect(value).toBe(`from ${provider}`);
        } finally {
          await client.close();
        }
        await e.waitForQuorum({ timeoutMs: 30_000 });
      }, 90_000);

      it('a downstream blackhole on a client proxy makes a write fail with connection loss while it is applied', async () => {
        const client = await ZkSession.connect(e.connectString(1), {
          sessionTimeoutMs: 20_000,
          operationTimeoutMs: 4000,
        });
        const proxy = await new Toxiproxy(e.links.toxiproxyUrl).get(e.links.client(1));
        try {
          await client.getData('/hello');
          await proxy.addToxic({
            name: 'replies_vanish',
            type: 'timeout',
            stream: 'downstream',
            toxicity: 1,
            attributes: { timeout: 0 },
          });
          const outcome = await client.create('/indeterminate', 'maybe').then(
            () => 'ok',
            (error: Error) => error.name,
          );
          // Indeterminate: the client cannot know...
          expect(['CONNECTION_LOSS', 'DEADLINE']).toContain(outcome);
        } finally {
          await proxy.api.delete(`${proxy.getPath()}/toxics/replies_vanish`).catch(() => undefined);
          await client.close();
        }
        // ...but the write happened.
        const value = await eventually('the write is visible through node 2', 15_000, () =>
          readOnce(e.connectString(2), '/indeterminate'),
        );
        expect(value).toBe('maybe');
      }, 60_000);

      it('SIGKILL and restart keep acknowledged data, for one node and for all of them', async () => {
        const writer = await ZkSession.connect(e.connectString(1));
        try {
          await writer.create('/durable', 'acknowledged');
        } finally {
          await writer.close();
        }
        const leader = (await e.leader())!;
        await e.restart(leader);
        await e.waitForQuorum({ timeoutMs: 45_000 });
        for (const node of e.nodes) await e.kill(node.id);
        expect(e.nodes.map((n) => e.state(n.id))).toEqual(['killed', 'killed', 'killed']);
        expect(await e.leader()).toBeUndefined();
        await Promise.all(e.nodes.map((n) => e.start(n.id)));
        await e.waitForQuorum({ timeoutMs: 45_000 });
        expect(await readOnce(e.connectString(3), '/durable')).toBe('acknowledged');
        expect(await readOnce(e.connectString(2), '/hello')).toBe(`from ${provider}`);
      }, 120_000);
    });

    it('a 5-node ensemble serves a write through node 5 and a read through node 1', async () => {
      const t0 = Date.now();
      const e = await ensemble(provider, 5);
      console.log(`[${provider}] 5 nodes to quorum in ${Date.now() - t0} ms`);
      try {
        expect((await e.status()).filter((s) => s.mode === 'follower')).toHaveLength(4);
        expect(e.links.all).toHaveLength(5 * 4 * 2);
        const writer = await ZkSession.connect(e.connectString(5));
        try {
          await writer.create('/five', 'nodes');
        } finally {
          await writer.close();
        }
        expect(
          await eventually('read through node 1', 10_000, () => readOnce(e.connectString(1), '/five')),
        ).toBe('nodes');
      } finally {
        await e.stop();
      }
    }, 150_000);
  });
}

describe('after the ensembles stop', () => {
  it('no container, network, JVM or proxy server of ours is left running', async () => {
    await Promise.all(started.map((e) => e.stop()));
    const left = await listLeftovers(process.pid);
    expect(left).toEqual({ containers: [], networks: [], jvms: [], proxyServers: [] });
  }, 60_000);
});
