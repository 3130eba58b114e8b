/**
 * The zkcheck images this Docker engine holds: which are built (and from which recipe), which
 * versions could be, and `ensureVersionImage`, which builds a version's image only when it is
 * missing or was built from an older recipe (from the cached rootfs when there is one: seconds).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECIPE } from './image-recipe.js';
import {
  buildImage,
  defaultCacheDir,
  IMAGE_LABEL,
  LABELS,
  run,
  versionImageTag,
  type BuildImageOptions,
  type BuiltImage,
  type RootfsMeta,
} from './image.js';
import { DEBIAN_ZOOKEEPER, debianSuiteFor, upstreamVersion } from './versions.js';

export interface LocalImage {
  tag: string;
  id: string;
  /** Upstream ZooKeeper version, e.g. 3.9.6. */
  version: string;
  /** Debian's package version, e.g. 3.9.6-2. */
  debianVersion: string;
  suite?: string;
  java?: string;
  /** Bytes. */
  size: number;
  created: Date;
  /** Built from an older recipe: `ensureVersionImage` rebuilds it. */
  stale: boolean;
}

interface InspectedImage {
  Id: string;
  RepoTags: string[] | null;
  Size: number;
  Created: string;
  Config: { Labels: Record<string, string> | null };
}

/** Every zkcheck image (by its label), newest first. */
export async function listLocalImages(): Promise<LocalImage[]> {
  const ids = (
    await run('docker', ['images', '-q', '--no-trunc', '--filter', `label=${IMAGE_LABEL}=zookeeper`], {
      quiet: true,
    })
  )
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse(
    await run('docker', ['image', 'inspect', ...new Set(ids)], { quiet: true }),
  ) as InspectedImage[];
  return inspected
    .flatMap((image) => (image.RepoTags ?? []).map((tag) => describe(tag, image)))
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}

function describe(tag: string, image: InspectedImage): LocalImage {
  const labels = image.Config.Labels ?? {};
  const debianVersion = labels[LABELS.zookeeperVersion] ?? '';
  return {
    tag,
    id: image.Id,
    version: debianVersion ? upstreamVersion(debianVersion) : (/:([\d.]+)-debian$/.exec(tag)?.[1] ?? '?'),
    debianVersion,
    suite: labels[LABELS.suite],
    java: labels[LABELS.java],
    size: image.Size,
    created: new Date(image.Created),
    stale: labels[LABELS.recipe] !== RECIPE,
  };
}

/** The local image of `version` (zkcheck/zookeeper:<version>-debian), if this engine has it. */
export async function findVersionImage(version: string): Promise<LocalImage | undefined> {
  const tag = versionImageTag(version);
  return (await listLocalImages()).find((image) => image.tag === tag);
}

export interface BuildableVersion {
  version: string;
  suite: string;
  /** A rootfs of the current recipe is cached: building takes seconds. */
  cached: boolean;
}

/** The versions `zkcheck image build --zookeeper` knows, and whether each rootfs is cached. */
export function buildableVersions(cacheDir = defaultCacheDir()): BuildableVersion[] {
  return DEBIAN_ZOOKEEPER.map(({ version, suite }) => ({
    version,
    suite,
    cached: cachedRootfs(suite, cacheDir) !== undefined,
  }));
}

/** The cached rootfs tarball of `suite` built from the current recipe, if any. */
export function cachedRootfs(suite: string, cacheDir = defaultCacheDir()): string | undefined {
  const names = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
  const current = (name: string) => {
    try {
      const meta = JSON.parse(readFileSync(join(cacheDir, `${name}.json`), 'utf8')) as RootfsMeta;
      return meta.recipe === RECIPE;
    } catch {
      return false;
    }
  };
  const name = names.find(
    (name) => name.startsWith(`zookeeper-rootfs-${suite}-`) && name.endsWith('.tar') && current(name),
  );
  return name === undefined ? undefined : join(cacheDir, name);
}

export interface EnsuredImage {
  tag: string;
  /** Set when this call built it; undefined when a current image was there already. */
  built?: BuiltImage;
}

/**
 * zkcheck/zookeeper:<version>-debian, built when missing or stale. Throws
 * UnknownZooKeeperVersionError for a version no known suite ships, ImageBuildError when the build fails.
 */
export async function ensureVersionImage(
  version: string,
  opts: Omit<BuildImageOptions, 'zookeeperVersion' | 'suite'> = {},
): Promise<EnsuredImage> {
  debianSuiteFor(version);
  const existing = await findVersionImage(version);
  if (existing && !existing.stale && !opts.force) return { tag: existing.tag };
  const why = opts.force
    ? 'is rebuilt from scratch (force)'
    : existing
      ? 'was built from an older recipe: building it'
      : 'is not built yet: building it';
  opts.log?.(`image: ${versionImageTag(version)} ${why}`);
  const built = await buildImage({ ...opts, zookeeperVersion: version });
  return { tag: built.tag, built };
}
