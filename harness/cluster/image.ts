/**
 * `zkcheck image build`: a ZooKeeper image for machines with Docker but no registry, built from
 * Debian's packages with the official `zookeeper` image's layout:
 *
 *   /conf/zoo.cfg, /data (with /data/myid), /datalog, /logs, `zkServer.sh start-foreground` on PATH,
 *   ENTRYPOINT /docker-entrypoint.sh, CMD zkServer.sh start-foreground, JVMFLAGS honoured.
 *
 * One image per ZooKeeper version, from the Debian suite that ships it (versions.ts), tagged
 * zkcheck/zookeeper:<version>-debian. Steps: debootstrap a minimal Debian from the configured apt
 * mirror; install ZooKeeper, the headless half of the Java runtime the suite's zookeeper package
 * depends on, and the log4j 1.2 binding (so every version logs the same lines to stdout); add the
 * entrypoint scripts (image-recipe.ts); tar the rootfs into a cache outside the repo; `docker import`
 * it with labels (`org.zkcheck.image=zookeeper`, the version, the Java, the recipe) that the docker
 * provider and setup read. With the rootfs cached a rebuild is just the import.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ENTRYPOINT,
  headlessStandInControl,
  javaDependency,
  LOG4J_CONFIG_PATH,
  LOG4J_PROPERTIES,
  PACKAGES,
  RECIPE,
  ZKSERVER,
} from './image-recipe.js';
import { debianSuiteFor, upstreamVersion } from './versions.js';

export const IMAGE_LABEL = 'org.zkcheck.image';
export const IMAGE_REPOSITORY = 'zkcheck/zookeeper';
/** Labels every image carries besides IMAGE_LABEL. */
export const LABELS = Object.freeze({
  /** Debian's package version, e.g. 3.9.6-2. */
  zookeeperVersion: 'org.zkcheck.zookeeper-version',
  suite: 'org.zkcheck.suite',
  /** The Java runtime's version, e.g. 25.0.5. */
  java: 'org.zkcheck.java',
  recipe: 'org.zkcheck.recipe',
});

const DEBOOTSTRAP_SCRIPTS = '/usr/share/debootstrap/scripts';
/** Snapshot mirrors serve Release files past their Valid-Until date. */
const APT_OPTIONS = '-o Acquire::Check-Valid-Until=false';

export interface BuildImageOptions {
  /** Debian mirror URL; default: the one in /etc/apt/sources.list*, else deb.debian.org. */
  mirror?: string;
  /** ZooKeeper version (versions.ts): builds from the suite that ships it. */
  zookeeperVersion?: string;
  /** Debian suite; default: the one shipping zookeeperVersion, else bookworm. */
  suite?: string;
  /** Rebuild the rootfs even when a cached one exists. */
  force?: boolean;
  /** Where rootfs tarballs are cached (default ~/.cache/zkcheck or $ZKCHECK_CACHE_DIR). */
  cacheDir?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface BuiltImage {
  tag: string;
  /** Debian's package version, e.g. 3.8.0-11+deb12u2. */
  zookeeperVersion: string;
  suite: string;
  javaVersion: string;
  fromCache: boolean;
  seconds: number;
}

/** What the build found out, kept beside the cached rootfs. */
export interface RootfsMeta {
  zookeeperVersion: string;
  suite: string;
  mirror: string;
  javaPackage: string;
  javaHome: string;
  javaVersion: string;
  recipe: string;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

export function defaultCacheDir(): string {
  return (
    process.env.ZKCHECK_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zkcheck')
  );
}

/** The first plain Debian mirror configured for apt (deb822 `.sources` or one-line `.list` files). */
export function findAptMirror(files = aptSourceFiles()): string | undefined {
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const uri of [
      ...text.matchAll(/^\s*URIs:\s*(\S+)/gm),
      ...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm),
    ]) {
      const url = uri[1].replace(/\/+$/, '');
      if (/\/debian$/.test(url) && !/security/.test(url)) return url;
    }
  }
  return undefined;
}

function aptSourceFiles(): string[] {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const name of readdirSync('/etc/apt/sources.list.d').sort())
      files.push(join('/etc/apt/sources.list.d', name));
  } catch {
    // no sources.list.d
  }
  return files;
}

/** Runs a command, streaming its output to `log`; rejects with the last lines on failure. */
export function run(
  cmd: string,
  args: string[],
  opts: { log?: (line: string) => void; input?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    // stdin is a pipe only when there is input: a child that closes its stdin early (debootstrap
    // does) would otherwise raise EPIPE on our write, an unhandled error that kills the process.
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], env: opts.env ?? process.env });
    let out = '';
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      for (const line of text.split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 8) tail.shift();
        if (!opts.quiet) opts.log?.(`  ${line}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (error) => reject(new ImageBuildError(`${cmd}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else
        reject(
          new ImageBuildError(
            `${cmd} ${args.slice(0, 3).join(' ')} exited with ${code}: ${tail.join(' | ')}`,
          ),
        );
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the exit code tells what happened
      child.stdin.end(opts.input);
    }
  });
}

/** Image tag for a Debian package version: 3.8.0-11+deb12u2 -> zkcheck/zookeeper:3.8.0-debian. */
export function imageTag(debianVersion: string): string {
  return versionImageTag(upstreamVersion(debianVersion));
}

/** zkcheck/zookeeper:<version>-debian. */
export function versionImageTag(version: string): string {
  return `${IMAGE_REPOSITORY}:${version}-debian`;
}

/** The suite to build from: the one shipping the version asked for, else the one asked for. */
function chooseSuite(opts: BuildImageOptions): string {
  if (opts.zookeeperVersion === undefined) return opts.suite ?? 'bookworm';
  const suite = debianSuiteFor(opts.zookeeperVersion);
  if (opts.suite !== undefined && opts.suite !== suite)
    throw new ImageBuildError(
      `ZooKeeper ${opts.zookeeperVersion} comes from ${suite}, not ${opts.suite}: give one of --zookeeper and --suite`,
    );
  return suite;
}

export async function buildImage(opts: BuildImageOptions = {}): Promise<BuiltImage> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const suite = chooseSuite(opts);
  const mirror = opts.mirror ?? findAptMirror() ?? 'http://deb.debian.org/debian';
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  await run('docker', ['info', '--format', '{{.ServerVersion}}'], { quiet: true }).catch(() => {
    throw new ImageBuildError(
      'no Docker engine answers (run `npm run setup`, or start dockerd / set DOCKER_HOST)',
    );
  });
  // The cache key covers everything that shapes the rootfs, so a changed recipe invalidates it.
  const key = createHash('sha256').update([suite, mirror, RECIPE].join('\n')).digest('hex').slice(0, 12);
  const tarball = join(cacheDir, `zookeeper-rootfs-${suite}-${key}.tar`);
  const metaFile = `${tarball}.json`;
  const fromCache = !opts.force && existsSync(tarball) && existsSync(metaFile);
  if (fromCache) {
    log(`image: using cached rootfs ${tarball}`);
  } else {
    await buildRootfs({ suite, mirror, cacheDir, tarball, metaFile, log, expect: opts.zookeeperVersion });
    removeOtherRootfs(cacheDir, suite, tarball, log);
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as RootfsMeta;
  const tag = imageTag(meta.zookeeperVersion);
  log(`image: importing ${tag}`);
  const previous = await imageId(tag);
  await run('docker', ['import', ...importChanges(meta).flatMap((c) => ['--change', c]), tarball, tag], {
    log,
    quiet: true,
  });
  // The import moved the tag: the image it named is now nameless and would linger (400+ MB).
  if (previous && previous !== (await imageId(tag)))
    await run('docker', ['image', 'rm', previous], { quiet: true }).catch(() => undefined);
  return {
    tag,
    zookeeperVersion: meta.zookeeperVersion,
    suite: meta.suite,
    javaVersion: meta.javaVersion,
    fromCache,
    seconds: (Date.now() - started) / 1000,
  };
}

async function imageId(tag: string): Promise<string | undefined> {
  const id = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { quiet: true }).catch(
    () => '',
  );
  return id.trim() || undefined;
}

function importChanges(meta: RootfsMeta): string[] {
  return [
    `LABEL ${IMAGE_LABEL}=zookeeper`,
    `LABEL ${LABELS.zookeeperVersion}=${meta.zookeeperVersion}`,
    `LABEL ${LABELS.suite}=${meta.suite}`,
    `LABEL ${LABELS.java}=${meta.javaVersion}`,
    `LABEL ${LABELS.recipe}=${meta.recipe}`,
    'ENV ZOO_CONF_DIR=/conf ZOO_DATA_DIR=/data ZOO_DATA_LOG_DIR=/datalog ZOO_LOG_DIR=/logs ZOOCFGDIR=/conf',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `ENV JAVA_HOME=${meta.javaHome}`,
    'WORKDIR /',
    'EXPOSE 2181 2888 3888',
    'ENTRYPOINT ["/docker-entrypoint.sh"]',
    'CMD ["zkServer.sh", "start-foreground"]',
  ];
}

/**
 * debootstrap's arguments for a suite. Suites newer than this debootstrap (forky on bookworm) have
 * no script of their own: Debian's testing and unstable suites all bootstrap with sid's.
 */
export function debootstrapArgs(
  suite: string,
  rootfs: string,
  mirror: string,
  scripts = DEBOOTSTRAP_SCRIPTS,
): string[] {
  const args = ['--variant=minbase', suite, rootfs, mirror];
  if (existsSync(join(scripts, suite)) || !existsSync(join(scripts, 'sid'))) return args;
  return [...args, join(scripts, 'sid')];
}

async function buildRootfs(args: {
  suite: string;
  mirror: string;
  cacheDir: string;
  tarball: string;
  metaFile: string;
  log: (line: string) => void;
  /** The upstream version the suite must install. */
  expect?: string;
}): Promise<void> {
  const { suite, mirror, cacheDir, tarball, metaFile, log } = args;
  if (process.getuid?.() !== 0)
    throw new ImageBuildError('debootstrap needs root: run `sudo zkcheck image build`');
  await run('debootstrap', ['--version'], { quiet: true }).catch(() => {
    throw new ImageBuildError(
      'debootstrap is not installed (apt-get install debootstrap, or `npm run setup`)',
    );
  });
  mkdirSync(cacheDir, { recursive: true });
  removeAbandonedRootfs(cacheDir, log);
  const rootfs = join(cacheDir, `rootfs-${process.pid}`);
  const part = `${tarball}.${process.pid}.part`;
  rmSync(rootfs, { recursive: true, force: true });
  const chroot = (script: string, quiet = false) =>
    run('chroot', [rootfs, '/bin/sh', '-c', script], { log, env: chrootEnv(), quiet });
  let procMounted = false;
  try {
    log(`image: debootstrap ${suite} from ${mirror} (minbase)`);
    await run('debootstrap', debootstrapArgs(suite, rootfs, mirror), { log: throttled(log) });
    // Package postinst scripts (ca-certificates-java, the JRE) want /proc.
    await run('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')], { log });
    procMounted = true;
    writeFileSync(join(rootfs, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    await chroot(`apt-get ${APT_OPTIONS} update -qq`);
    const java = await installPackages(rootfs, chroot, log);
    const zookeeperVersion = (await chroot("dpkg-query -W -f='${Version}' zookeeper", true)).trim();
    if (!zookeeperVersion) throw new ImageBuildError('zookeeper did not install in the rootfs');
    if (args.expect && upstreamVersion(zookeeperVersion) !== args.expect)
      throw new ImageBuildError(
        `${suite} now ships zookeeper ${zookeeperVersion}, not ${args.expect}: update harness/cluster/versions.ts`,
      );
    log(`image: ZooKeeper ${zookeeperVersion}, Java ${java.version} (${java.package})`);
    writeImageFiles(rootfs);
    rmSync(join(rootfs, 'usr/sbin/policy-rc.d'), { force: true });
    await run('umount', [join(rootfs, 'proc')], { log });
    procMounted = false;
    log(`image: packing rootfs into ${tarball}`);
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', part, '.'], { log });
    renameSync(part, tarball);
    const meta: RootfsMeta = {
      zookeeperVersion,
      suite,
      mirror,
      javaPackage: java.package,
      javaHome: java.home,
      javaVersion: java.version,
      recipe: RECIPE,
    };
    writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  } finally {
    if (procMounted)
      await run('umount', ['-l', join(rootfs, 'proc')], { quiet: true }).catch(() => undefined);
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(part, { force: true });
  }
}

type Chroot = (script: string, quiet?: boolean) => Promise<string>;

/**
 * Installs PACKAGES and the headless half of the JRE that the suite's zookeeper depends on (asked of
 * apt, never assumed: bookworm's default is OpenJDK 17, trixie's 21, forky's 25).
 */
async function installPackages(
  rootfs: string,
  chroot: Chroot,
  log: (line: string) => void,
): Promise<{ package: string; home: string; version: string }> {
  const jre = javaDependency(await chroot('apt-cache depends zookeeper', true));
  if (!jre) throw new ImageBuildError("the suite's zookeeper package depends on no Java runtime");
  const headless = `${jre}-headless`;
  const hasHeadless =
    !jre.endsWith('-headless') &&
    (await chroot(`apt-cache show --no-all-versions ${headless} >/dev/null 2>&1 && echo yes || true`, true))
      .trim()
      .startsWith('yes');
  const install = [...PACKAGES, hasHeadless ? headless : jre];
  if (hasHeadless) {
    mkdirSync(join(rootfs, 'tmp/stand-in/DEBIAN'), { recursive: true });
    writeFileSync(join(rootfs, 'tmp/stand-in/DEBIAN/control'), headlessStandInControl(jre, headless));
    await chroot('dpkg-deb --build /tmp/stand-in /tmp/stand-in.deb >/dev/null', true);
    install.push('/tmp/stand-in.deb');
  }
  log(`image: apt-get install ${install.join(' ')}`);
  await chroot(
    `apt-get ${APT_OPTIONS} install -y -qq --no-install-recommends ${install.join(' ')} >/dev/null` +
      ' && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /tmp/stand-in*',
  );
  const home = (await chroot('readlink -f /usr/bin/java', true)).trim().replace(/\/bin\/java$/, '');
  const versionText = await chroot('java -version 2>&1', true);
  const version = /version "([^"]+)"/.exec(versionText)?.[1];
  if (!home || !version) throw new ImageBuildError(`no working java in the rootfs: ${versionText.trim()}`);
  return { package: hasHeadless ? headless : jre, home, version };
}

/** The entrypoint, zkServer.sh and the log4j config (image-recipe.ts). */
function writeImageFiles(rootfs: string): void {
  for (const dir of ['conf', 'data', 'datalog', 'logs', 'etc/zkcheck'])
    mkdirSync(join(rootfs, dir), { recursive: true });
  writeFileSync(join(rootfs, 'docker-entrypoint.sh'), ENTRYPOINT);
  chmodSync(join(rootfs, 'docker-entrypoint.sh'), 0o755);
  writeFileSync(join(rootfs, 'usr/local/bin/zkServer.sh'), ZKSERVER);
  chmodSync(join(rootfs, 'usr/local/bin/zkServer.sh'), 0o755);
  writeFileSync(join(rootfs, LOG4J_CONFIG_PATH.slice(1)), LOG4J_PROPERTIES);
}

/** Older rootfs tarballs of this suite (another recipe or mirror): 400-700 MB each, never used again. */
function removeOtherRootfs(cacheDir: string, suite: string, keep: string, log: (line: string) => void): void {
  const prefix = `zookeeper-rootfs-${suite}-`;
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    if (!name.startsWith(prefix) || !/\.tar(\.json)?$/.test(name) || path.startsWith(keep)) continue;
    log(`image: removing the outdated cached rootfs ${name}`);
    rmSync(path, { force: true });
  }
}

/** Root filesystems of builds whose process died (a crash skips their cleanup). */
function removeAbandonedRootfs(cacheDir: string, log: (line: string) => void): void {
  for (const name of readdirSync(cacheDir)) {
    const pid = Number(/^rootfs-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    log(`image: removing the rootfs of a dead build (${name})`);
    const dir = join(cacheDir, name);
    // Its /proc may still be mounted: unmount first, never recurse into a live /proc.
    for (const mountPoint of mountsUnder(dir)) spawnSync('umount', ['-l', mountPoint]);
    if (mountsUnder(dir).length > 0) throw new ImageBuildError(`cannot unmount what is mounted under ${dir}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function mountsUnder(dir: string): string[] {
  let table = '';
  try {
    table = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return [];
  }
  return table
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter(
      (point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)),
    );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function chrootEnv(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    DEBIAN_FRONTEND: 'noninteractive',
    LANG: 'C.UTF-8',
    HOME: '/root',
  };
}

/** debootstrap prints hundreds of lines: show every 25th so progress stays visible. */
function throttled(log: (line: string) => void): (line: string) => void {
  let n = 0;
  return (line) => {
    if (n++ % 25 === 0) log(line);
  };
}
