/**
 * The `docker` provider: each node is a Testcontainers `GenericContainer` in host network mode (so
 * all traffic stays on 127.0.0.1 and there are no mapped ports to change on restart), with its
 * /conf, /data and /datalog bind-mounted from the run's host directories so data survives
 * kill/restart. Kill, pause and resume go through the runtime client (dockerode underneath), since
 * the started-container API has none of them. Ryuk cannot be pulled without a registry: containers
 * carry our labels instead and hygiene.ts sweeps them.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import {
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  type ContainerRuntimeClient,
} from 'testcontainers';
import type { NodeRuntime, RunLabels, ServerPaths } from './runtime.js';
import { DEFAULT_JVM_FLAGS } from './runtime.js';
import { EnsembleError, type EnsembleNode } from './types.js';
import { IMAGE_LABEL, LABELS, versionImageTag } from './image.js';
import { RECIPE } from './image-recipe.js';
import { faketimeEnvironment, IMAGE_FAKETIME_LIBRARY } from './clock.js';
import { DEFAULT_ZOOKEEPER_VERSION } from './versions.js';
import { basename, dirname, join } from 'node:path';
import { renderLogbackXml } from './zkconfig.js';

// Must be set before Testcontainers first looks for its reaper.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export const LABEL_RUN = 'org.zkcheck.run';
export const LABEL_OWNER = 'org.zkcheck.owner';
export const LABEL_NODE = 'org.zkcheck.node';

export const OFFICIAL_IMAGE = 'zookeeper:3.8';

/** The official image of one ZooKeeper version. */
export function officialImage(version: string): string {
  return `zookeeper:${version}`;
}

type DockerContainer = ReturnType<ContainerRuntimeClient['container']['getById']>;

let cachedClient: Promise<ContainerRuntimeClient> | undefined;

/** The runtime client, or a clear error when no engine answers. */
export async function dockerClient(): Promise<ContainerRuntimeClient> {
  cachedClient ??= getContainerRuntimeClient().catch((error: Error) => {
    cachedClient = undefined;
    throw new EnsembleError(
      `no Docker engine answers (${error.message}); run \`npm run setup\` (starts dockerd) or set DOCKER_HOST`,
    );
  });
  return cachedClient;
}

/** Quick probe without Testcontainers' strategy search, for doctor and auto-selection. */
export function dockerAnswers(timeoutMs = 5000): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  return result.status === 0;
}

/**
 * Docker Desktop runs containers in a VM: "host" networking is the VM's, not the machine's
 * loopback, so our proxies could not reach the servers. Say so instead of hanging.
 */
export function assertHostNetworking(client: ContainerRuntimeClient): void {
  const os = client.info.containerRuntime.operatingSystem ?? '';
  if (/docker desktop/i.test(os)) {
    throw new EnsembleError(
      `the docker provider needs host networking on this machine's loopback, which Docker Desktop (${os}) ` +
        'does not give; use --provider local, or run zkcheck on a Linux Docker host (DOCKER_HOST)',
    );
  }
}

export async function imageExists(client: ContainerRuntimeClient, image: string): Promise<boolean> {
  return client.image.exists(ImageName.fromString(image));
}

const pullable = new Map<string, Promise<boolean>>();

/** Pulls the image if needed; false (cached) when no registry can serve it. */
export async function ensureImage(client: ContainerRuntimeClient, image: string): Promise<boolean> {
  if (await imageExists(client, image)) return true;
  let attempt = pullable.get(image);
  if (!attempt) {
    attempt = client.image
      .pull(ImageName.fromString(image))
      .then(() => true)
      .catch(() => false);
    pullable.set(image, attempt);
  }
  return attempt;
}

/**
 * The local image of the default ZooKeeper version (what `npm run setup` builds), else the newest
 * one built by `zkcheck image build`, if any: with several versions built, the default must not
 * depend on which was built last.
 */
export async function localZkcheckImage(client: ContainerRuntimeClient): Promise<string | undefined> {
  const images = await client.container.dockerode.listImages({
    filters: { label: [`${IMAGE_LABEL}=zookeeper`] },
  });
  images.sort((a, b) => b.Created - a.Created);
  const tags = images.flatMap((i) => i.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
  const preferred = versionImageTag(DEFAULT_ZOOKEEPER_VERSION);
  return tags.includes(preferred) ? preferred : tags[0];
}

export class DockerRuntime implements NodeRuntime {
  readonly provider = 'docker' as const;
  private readonly containers = new Map<number, DockerContainer>();
  /** Nodes that run another image than `source` (replaceNode: a rolling upgrade). */
  private readonly images = new Map<number, string>();
  private readonly logStreams = new Map<number, { out: WriteStream; source: NodeJS.ReadableStream }>();
  private support?: Promise<string | undefined>;

  constructor(
    private readonly client: ContainerRuntimeClient,
    readonly source: string,
    private readonly labels: RunLabels,
    private readonly jvmFlags = DEFAULT_JVM_FLAGS,
  ) {}

  serverPaths(): ServerPaths {
    return { dataDir: '/data', dataLogDir: '/datalog' };
  }

  async start(node: EnsembleNode): Promise<void> {
    const since = Date.now() / 1000;
    const existing = this.containers.get(node.id);
    if (existing) {
      await existing.start();
    } else {
      // The official image's logback reads /conf/logback.xml (its conf dir is on the class path),
      // and /conf is the node's conf dir: log the same lines as our own image, whose log4j config
      // is baked in outside /conf.
      writeFileSync(join(dirname(node.configFile), 'logback.xml'), renderLogbackXml());
      // The clock file is in the node's conf dir, which the container sees as /conf.
      const clock =
        (await this.clockSupport()) === undefined
          ? faketimeEnvironment(IMAGE_FAKETIME_LIBRARY, `/conf/${basename(node.clockFile)}`)
          : {};
      const started = await new GenericContainer(this.images.get(node.id) ?? this.source)
        .withName(`zkcheck-${this.labels.runId}-${node.id}`)
        .withNetworkMode('host')
        .withLabels({
          [LABEL_RUN]: this.labels.runId,
          [LABEL_OWNER]: `${this.labels.ownerPid}:${this.labels.ownerStart ?? ''}`,
          [LABEL_NODE]: String(node.id),
        })
        .withBindMounts([
          { source: dirname(node.configFile), target: '/conf', mode: 'rw' },
          { source: node.dataDir, target: '/data', mode: 'rw' },
          { source: node.dataLogDir, target: '/datalog', mode: 'rw' },
        ])
        .withEnvironment({ JVMFLAGS: this.jvmFlags, ZOO_MY_ID: String(node.id), ...clock })
        .withCommand(['zkServer.sh', 'start-foreground'])
        .withStartupTimeout(60_000)
        .start();
      this.containers.set(node.id, this.client.container.getById(started.getId()));
    }
    await this.followLogs(node, since);
  }

  private async followLogs(node: EnsembleNode, sinceSeconds: number): Promise<void> {
    this.closeLogs(node.id);
    const container = this.containers.get(node.id)!;
    const raw = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      // Seconds with a fraction: only this start's lines, not the previous run's tail again.
      since: sinceSeconds.toFixed(3),
    })) as NodeJS.ReadableStream & { socket?: { unref(): void } };
    raw.socket?.unref();
    const out = createWriteStream(node.logFile, { flags: 'a' });
    const plain = new PassThrough();
    this.client.container.dockerode.modem.demuxStream(raw, plain, plain);
    raw.on('end', () => plain.end());
    raw.on('error', () => plain.end());
    plain.pipe(out);
    this.logStreams.set(node.id, { out, source: raw });
  }

  private closeLogs(id: number): void {
    const streams = this.logStreams.get(id);
    if (!streams) return;
    (streams.source as unknown as { destroy?: () => void }).destroy?.();
    streams.out.end();
    this.logStreams.delete(id);
  }

  private container(node: EnsembleNode): DockerContainer {
    const container = this.containers.get(node.id);
    if (!container) throw new EnsembleError(`node ${node.id} has no container`);
    return container;
  }

  async kill(node: EnsembleNode): Promise<number> {
    const container = this.container(node);
    const info = await container.inspect();
    if (info.State.Paused) await container.unpause();
    const direct = info.State.Running && killDirectly(info.State.Pid, info.Id);
    if (info.State.Running && !direct) await container.kill({ signal: 'SIGKILL' });
    // Our own SIGKILL took effect when sent; the engine's, somewhere before its answer.
    const landedAt = Date.now();
    await container.wait();
    return landedAt;
  }

  /**
   * Removes the node's container (SIGKILL if it runs) and starts a new one from `image` on the
   * same data, config and ports: the node is the same server on another release.
   */
  async replace(node: EnsembleNode, image: string): Promise<void> {
    const old = this.containers.get(node.id);
    if (old) {
      this.closeLogs(node.id);
      await old.remove({ force: true, v: true });
      this.containers.delete(node.id);
    }
    this.images.set(node.id, image);
    await this.start(node);
  }

  async pause(node: EnsembleNode): Promise<void> {
    await this.container(node).pause();
  }

  async resume(node: EnsembleNode): Promise<void> {
    await this.container(node).unpause();
  }

  /**
   * zkcheck's own images (of the current recipe, image-recipe.ts) carry libfaketime; the official
   * ones do not, and their servers run without it.
   */
  clockSupport(): Promise<string | undefined> {
    this.support ??= this.client.container.dockerode
      .getImage(this.source)
      .inspect()
      .then(
        (info) => {
          const labels = (info.Config?.Labels ?? {}) as Record<string, string>;
          return labels[IMAGE_LABEL] === 'zookeeper' && labels[LABELS.recipe] === RECIPE
            ? undefined
            : `image ${this.source} has no libfaketime (zkcheck's own images have it: zkcheck image build --zookeeper <version>)`;
        },
        (error: Error) => `cannot inspect image ${this.source}: ${error.message}`,
      );
    return this.support;
  }

  async dispose(): Promise<void> {
    const all = [...this.containers.entries()];
    await Promise.allSettled(
      all.map(async ([id, container]) => {
        this.closeLogs(id);
        await container.remove({ force: true, v: true });
        this.containers.delete(id);
      }),
    );
  }

  disposeSync(): void {
    const ids = [...this.containers.values()].map((c) => c.id);
    if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 20_000 });
    this.containers.clear();
  }
}

/**
 * SIGKILLs a container's first process from the host, when the engine runs on this host and /proc
 * shows `pid` in the container's cgroup (pids are reused: never signal a stranger). The kernel then
 * kills every process of the container. The engine's own kill lands its signal 30-55 ms after the
 * call and answers only once the container is reaped, 150-280 ms (measured on this machine): too
 * late for a kill timed from a log line, whose window is tens of ms (ZOOKEEPER-4643). False when
 * the process is not ours to signal (a remote engine, a rootless one): the caller asks the engine.
 */
function killDirectly(pid: number, containerId: string): boolean {
  if (!(pid > 0)) return false;
  try {
    if (!readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(containerId)) return false;
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
