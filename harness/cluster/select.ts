/**
 * Which provider runs, and why; and `zkcheck doctor`'s checks with the command that fixes each.
 * Auto-selection: docker when an engine answers and an image is usable, otherwise local. The image:
 * the requested one; for a requested ZooKeeper version, the official zookeeper:<version> present or
 * pullable, else zkcheck/zookeeper:<version>-debian (built on demand); by default zookeeper:3.8
 * present or pullable, else our locally built 3.8.0 image, else our newest.
 */
import { spawnSync } from 'node:child_process';
import {
  dockerAnswers,
  dockerClient,
  ensureImage,
  localZkcheckImage,
  OFFICIAL_IMAGE,
  officialImage,
  assertHostNetworking,
} from './docker.js';
import type { BuiltImage } from './image.js';
import { ensureVersionImage, findVersionImage } from './image-store.js';
import { findZooKeeperInstall, javaBinary, type ZooKeeperInstall } from './local.js';
import { EnsembleError, type ProviderName } from './types.js';
import { debianSuiteFor, UnknownZooKeeperVersionError } from './versions.js';

export interface ProviderChoice {
  provider: ProviderName;
  reason: string;
  image?: string;
  install?: ZooKeeperInstall;
}

export interface SelectOptions {
  provider?: ProviderName | 'auto';
  image?: string;
  /**
   * ZooKeeper version to run (3.8.0, 3.9.3, 3.9.6): docker runs its image (see imageForZooKeeper),
   * local checks that the install is that version. Not together with `image`.
   */
  zookeeperVersion?: string;
  zkHome?: string;
  /** With zookeeperVersion: build its local image when missing or stale (default true). */
  build?: boolean;
  /** Progress lines, e.g. of an image build (default: silent). */
  log?: (line: string) => void;
}

export interface VersionImageOptions {
  /** Build the local image when it is missing or stale (default true); false only says what would run. */
  build?: boolean;
  /** Progress lines of a build (default: silent). */
  log?: (line: string) => void;
}

export interface ImageChoice {
  /** Undefined when no image is usable; `why` says what is missing. */
  image?: string;
  why: string;
  /** Set when this call built the image. */
  built?: BuiltImage;
}

/**
 * The image that runs ZooKeeper `version`: the official zookeeper:<version> when present or
 * pullable, else zkcheck/zookeeper:<version>-debian, built (as root, from Debian packages) or
 * rebuilt from an older recipe on demand, with progress lines through `log`. Throws
 * EnsembleError when no Docker engine answers, UnknownZooKeeperVersionError when neither a registry
 * nor Debian has the version, ImageBuildError when the build fails.
 */
export async function imageForZooKeeper(
  version: string,
  opts: VersionImageOptions = {},
): Promise<ImageChoice> {
  if (!dockerAnswers())
    throw new EnsembleError('no Docker engine answers (npm run setup, or set DOCKER_HOST)');
  const client = await dockerClient();
  assertHostNetworking(client);
  const official = officialImage(version);
  if (await ensureImage(client, official)) return { image: official, why: `official image ${official}` };
  debianSuiteFor(version); // an unknown version fails here, before any build
  if (opts.build === false) {
    const local = await findVersionImage(version);
    if (local && !local.stale)
      return { image: local.tag, why: `${official} not pullable; local image ${local.tag}` };
    return {
      why: `${official} is not pullable and the local image is ${local ? 'stale' : 'not built'} (run \`zkcheck image build --zookeeper ${version}\`)`,
    };
  }
  const ensured = await ensureVersionImage(version, { log: opts.log });
  const how = ensured.built
    ? `built ${ensured.tag} ${ensured.built.fromCache ? 'from the cached rootfs ' : ''}in ${ensured.built.seconds.toFixed(0)} s`
    : `local image ${ensured.tag}`;
  return { image: ensured.tag, why: `${official} not pullable; ${how}`, built: ensured.built };
}

/** The docker image to use, or why there is none. */
export async function chooseImage(
  opts: Pick<SelectOptions, 'image' | 'zookeeperVersion' | 'build' | 'log'> = {},
): Promise<ImageChoice> {
  if (opts.image && opts.zookeeperVersion)
    throw new EnsembleError(
      `give an image (${opts.image}) or a ZooKeeper version (${opts.zookeeperVersion}), not both`,
    );
  if (opts.zookeeperVersion) return imageForZooKeeper(opts.zookeeperVersion, opts);
  if (!dockerAnswers()) return { why: 'no Docker engine answers' };
  const client = await dockerClient();
  assertHostNetworking(client);
  if (opts.image) {
    return (await ensureImage(client, opts.image))
      ? { image: opts.image, why: `image ${opts.image} (requested)` }
      : { why: `image ${opts.image} is neither present nor pullable` };
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

function localInstall(
  zkHome?: string,
  zookeeperVersion?: string,
): { install?: ZooKeeperInstall; why: string } {
  const java = javaVersion();
  if (!java) return { why: `no Java runtime (${javaBinary()} -version failed)` };
  try {
    const install = findZooKeeperInstall(zkHome);
    if (zookeeperVersion && install.version !== zookeeperVersion)
      return {
        why:
          `${install.description} is not ZooKeeper ${zookeeperVersion}` +
          `${install.version ? '' : ' (no zookeeper-<version>.jar says which it is)'}; give --zk-home a ${zookeeperVersion} install`,
      };
    return { install, why: `Java ${java}, ZooKeeper from ${install.description}` };
  } catch (error) {
    return { why: (error as Error).message };
  }
}

export async function chooseProvider(opts: SelectOptions = {}): Promise<ProviderChoice> {
  const wanted = opts.provider ?? 'auto';
  if (wanted === 'docker') {
    const { image, why } = await chooseImage(opts);
    if (!image) throw new EnsembleError(`--provider docker: ${why}`);
    return { provider: 'docker', image, reason: `requested; ${why}` };
  }
  if (wanted === 'local') {
    const { install, why } = localInstall(opts.zkHome, opts.zookeeperVersion);
    if (!install) throw new EnsembleError(`--provider local: ${why}`);
    return { provider: 'local', install, reason: `requested; ${why}` };
  }
  let unknownVersion: UnknownZooKeeperVersionError | undefined;
  const docker = await chooseImage(opts).catch((error: Error) => {
    if (error instanceof UnknownZooKeeperVersionError) unknownVersion = error;
    return { image: undefined, why: error.message };
  });
  if (docker.image)
    return { provider: 'docker', image: docker.image, reason: `Docker answers; ${docker.why}` };
  const local = localInstall(opts.zkHome, opts.zookeeperVersion);
  if (local.install)
    return {
      provider: 'local',
      install: local.install,
      reason: `docker unusable (${docker.why}); ${local.why}`,
    };
  // Nothing runs a version nobody knows: say that, not what each provider lacks.
  if (unknownVersion) throw unknownVersion;
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
    const image = await chooseImage({ ...opts, build: false }).catch((error: Error) => ({
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
          : `zkcheck image build${opts.zookeeperVersion ? ` --zookeeper ${opts.zookeeperVersion}` : ''}   (as root, a minute or two)`,
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
    const install = findZooKeeperInstall(opts.zkHome);
    const matches = !opts.zookeeperVersion || install.version === opts.zookeeperVersion;
    zk = {
      name: 'ZooKeeper install',
      ok: matches,
      detail: matches ? install.description : `${install.description}, not ${opts.zookeeperVersion}`,
      fix: matches ? undefined : `--zk-home <a ZooKeeper ${opts.zookeeperVersion} install>`,
    };
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
    return { checks, choice: await chooseProvider({ ...opts, build: false }) };
  } catch (error) {
    return { checks, error: (error as Error).message };
  }
}
