/**
 * Which provider runs, and why; and `zkcheck doctor`'s checks with the command that fixes each.
 * Auto-selection: docker when an engine answers and an image is usable (the requested one, else
 * zookeeper:3.8 present or pullable, else our locally built image), otherwise local.
 */
import { spawnSync } from 'node:child_process';
import {
  dockerAnswers,
  dockerClient,
  ensureImage,
  localZkcheckImage,
  OFFICIAL_IMAGE,
  assertHostNetworking,
} from './docker.js';
import { findZooKeeperInstall, javaBinary, type ZooKeeperInstall } from './local.js';
import { EnsembleError, type ProviderName } from './types.js';

export interface ProviderChoice {
  provider: ProviderName;
  reason: string;
  image?: string;
  install?: ZooKeeperInstall;
}

export interface SelectOptions {
  provider?: ProviderName | 'auto';
  image?: string;
  zkHome?: string;
}

/** The docker image to use, or why there is none. */
export async function chooseImage(requested?: string): Promise<{ image?: string; why: string }> {
  if (!dockerAnswers()) return { why: 'no Docker engine answers' };
  const client = await dockerClient();
  assertHostNetworking(client);
  if (requested) {
    return (await ensureImage(client, requested))
      ? { image: requested, why: `image ${requested} (requested)` }
      : { why: `image ${requested} is neither present nor pullable` };
  }
  if (await ensureImage(client, OFFICIAL_IMAGE))
    return { image: OFFICIAL_IMAGE, why: `official image ${OFFICIAL_IMAGE}` };
  const local = await localZkcheckImage(client);
  if (local) return { image: local, why: `${OFFICIAL_IMAGE} not pullable; local image ${local}` };
  return { why: `${OFFICIAL_IMAGE} is not pullable and no local image exists (run \`zkcheck image build\`)` };
}

export function javaVersion(): string | undefined {
  const result = spawnSync(javaBinary(), ['-version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return undefined;
  return /version "([^"]+)"/.exec(result.stderr)?.[1] ?? 'unknown version';
}

function localInstall(zkHome?: string): { install?: ZooKeeperInstall; why: string } {
  const java = javaVersion();
  if (!java) return { why: `no Java runtime (${javaBinary()} -version failed)` };
  try {
    const install = findZooKeeperInstall(zkHome);
    return { install, why: `Java ${java}, ZooKeeper from ${install.description}` };
  } catch (error) {
    return { why: (error as Error).message };
  }
}

export async function chooseProvider(opts: SelectOptions = {}): Promise<ProviderChoice> {
  const wanted = opts.provider ?? 'auto';
  if (wanted === 'docker') {
    const { image, why } = await chooseImage(opts.image);
    if (!image) throw new EnsembleError(`--provider docker: ${why}`);
    return { provider: 'docker', image, reason: `requested; ${why}` };
  }
  if (wanted === 'local') {
    const { install, why } = localInstall(opts.zkHome);
    if (!install) throw new EnsembleError(`--provider local: ${why}`);
    return { provider: 'local', install, reason: `requested; ${why}` };
  }
  const docker = await chooseImage(opts.image).catch((error: Error) => ({
    image: undefined,
    why: error.message,
  }));
  if (docker.image)
    return { provider: 'docker', image: docker.image, reason: `Docker answers; ${docker.why}` };
  const local = localInstall(opts.zkHome);
  if (local.install)
    return {
      provider: 'local',
      install: local.install,
      reason: `docker unusable (${docker.why}); ${local.why}`,
    };
  throw new EnsembleError(
    `no provider can run: docker: ${docker.why}; local: ${local.why}. Run \`zkcheck doctor\``,
  );
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export async function doctorChecks(
  opts: SelectOptions = {},
): Promise<{ checks: DoctorCheck[]; choice?: ProviderChoice; error?: string }> {
  const checks: DoctorCheck[] = [];
  const engine = dockerAnswers();
  checks.push({
    name: 'Docker engine',
    ok: engine,
    detail: engine
      ? `answers${process.env.DOCKER_HOST ? ` at ${process.env.DOCKER_HOST}` : ''}`
      : 'no engine answers',
    fix: engine
      ? undefined
      : 'npm run setup   (as root: installs docker.io and starts dockerd), or set DOCKER_HOST',
  });
  if (engine) {
    const image = await chooseImage(opts.image).catch((error: Error) => ({
      image: undefined,
      why: error.message,
    }));
    checks.push({
      name: 'ZooKeeper image',
      ok: image.image !== undefined,
      detail: image.why,
      fix: image.image
        ? undefined
        : opts.image
          ? `docker pull ${opts.image}`
          : 'zkcheck image build   (as root, about a minute)',
    });
  }
  const java = javaVersion();
  checks.push({
    name: 'Java',
    ok: java !== undefined,
    detail: java ? `${javaBinary()} ${java}` : 'no java on PATH (or JAVA_HOME)',
    fix: java ? undefined : 'apt-get install openjdk-17-jre-headless',
  });
  let zk: DoctorCheck;
  try {
    zk = { name: 'ZooKeeper install', ok: true, detail: findZooKeeperInstall(opts.zkHome).description };
  } catch (error) {
    zk = {
      name: 'ZooKeeper install',
      ok: false,
      detail: (error as Error).message,
      fix: 'apt-get install zookeeper   (or --zk-home DIR)',
    };
  }
  checks.push(zk);
  try {
    return { checks, choice: await chooseProvider(opts) };
  } catch (error) {
    return { checks, error: (error as Error).message };
  }
}
