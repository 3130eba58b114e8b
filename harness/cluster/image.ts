/**
 * `zkcheck image build`: a ZooKeeper image for machines with Docker but no registry, built from
 * Debian's packages with the official `zookeeper` image's layout:
 *
 *   /conf/zoo.cfg, /data (with /data/myid), /datalog, /logs, `zkServer.sh start-foreground` on PATH,
 *   ENTRYPOINT /docker-entrypoint.sh, CMD zkServer.sh start-foreground, JVMFLAGS honoured.
 *
 * Steps: debootstrap a minimal Debian from the configured apt mirror, apt-get install the JRE,
 * ZooKeeper and SLF4J (slf4j-simple is the binding, so the server logs to stdout), add the entrypoint
 * scripts, tar the rootfs into a cache outside the repo, then `docker import` it with a label
 * (`org.zkcheck.image=zookeeper`) that the docker provider and setup use to find it. With the rootfs
 * cached a rebuild is just the import.
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

export const IMAGE_LABEL = 'org.zkcheck.image';
export const IMAGE_REPOSITORY = 'zkcheck/zookeeper';

export interface BuildImageOptions {
  /** Debian mirror URL; default: the one in /etc/apt/sources.list*, else deb.debian.org. */
  mirror?: string;
  /** Debian suite (default bookworm). */
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
  zookeeperVersion: string;
  fromCache: boolean;
  seconds: number;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

const PACKAGES = ['openjdk-17-jre-headless', 'zookeeper', 'libslf4j-java', 'procps', 'netcat-openbsd'];

/** The official image's entrypoint contract: write myid and a default zoo.cfg only when absent. */
const ENTRYPOINT = `#!/bin/bash
set -e
mkdir -p "$ZOO_DATA_DIR" "$ZOO_DATA_LOG_DIR" "$ZOO_LOG_DIR" "$ZOO_CONF_DIR"
if [[ ! -f "$ZOO_CONF_DIR/zoo.cfg" ]]; then
  {
    echo "dataDir=$ZOO_DATA_DIR"
    echo "dataLogDir=$ZOO_DATA_LOG_DIR"
    echo "tickTime=\${ZOO_TICK_TIME:-2000}"
    echo "initLimit=\${ZOO_INIT_LIMIT:-5}"
    echo "syncLimit=\${ZOO_SYNC_LIMIT:-2}"
    echo "clientPort=\${ZOO_PORT:-2181}"
    echo "admin.enableServer=\${ZOO_ADMINSERVER_ENABLED:-false}"
    echo "4lw.commands.whitelist=\${ZOO_4LW_COMMANDS_WHITELIST:-srvr,mntr,ruok,stat,conf,cons}"
    for server in $ZOO_SERVERS; do echo "$server"; done
  } >"$ZOO_CONF_DIR/zoo.cfg"
fi
if [[ ! -f "$ZOO_DATA_DIR/myid" ]]; then
  echo "\${ZOO_MY_ID:-1}" >"$ZOO_DATA_DIR/myid"
fi
exec "$@"
`;

/** Debian's zkServer.sh reads /etc/zookeeper; this one follows the official image (ZOOCFGDIR=/conf). */
const ZKSERVER = `#!/bin/bash
# zkServer.sh for the zkcheck image: start-foreground (the official image's CMD) and print-cmd.
CFG="\${ZOOCFGDIR:-/conf}/zoo.cfg"
CP="\${ZOOCFGDIR:-/conf}:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"
LOGGING="-Dorg.slf4j.simpleLogger.logFile=System.out -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS"
case "$1" in
  start-foreground) exec java $LOGGING $SERVER_JVMFLAGS $JVMFLAGS -cp "$CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$CFG" ;;
  print-cmd) echo "java $LOGGING $SERVER_JVMFLAGS $JVMFLAGS -cp $CP org.apache.zookeeper.server.quorum.QuorumPeerMain $CFG" ;;
  version) exec java -cp "$CP" org.apache.zookeeper.version.VersionInfoMain ;;
  *) echo "usage: zkServer.sh {start-foreground|print-cmd|version}" >&2; exit 2 ;;
esac
`;

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
  const upstream = debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  return `${IMAGE_REPOSITORY}:${upstream}-debian`;
}

export async function buildImage(opts: BuildImageOptions = {}): Promise<BuiltImage> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const suite = opts.suite ?? 'bookworm';
  const mirror = opts.mirror ?? findAptMirror() ?? 'http://deb.debian.org/debian';
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  await run('docker', ['info', '--format', '{{.ServerVersion}}'], { quiet: true }).catch(() => {
    throw new ImageBuildError(
      'no Docker engine answers (run `npm run setup`, or start dockerd / set DOCKER_HOST)',
    );
  });
  // The cache key covers everything that shapes the rootfs, so a changed script invalidates it.
  const key = createHash('sha256')
    .update([suite, mirror, PACKAGES.join(','), ENTRYPOINT, ZKSERVER].join('\n'))
    .digest('hex')
    .slice(0, 12);
  const tarball = join(cacheDir, `zookeeper-rootfs-${suite}-${key}.tar`);
  const meta = `${tarball}.json`;
  let fromCache = !opts.force && existsSync(tarball) && existsSync(meta);
  if (fromCache) {
    log(`image: using cached rootfs ${tarball}`);
  } else {
    await buildRootfs({ suite, mirror, cacheDir, tarball, meta, log });
  }
  const { zookeeperVersion } = JSON.parse(readFileSync(meta, 'utf8')) as { zookeeperVersion: string };
  const tag = imageTag(zookeeperVersion);
  log(`image: importing ${tag}`);
  const changes = [
    `LABEL ${IMAGE_LABEL}=zookeeper`,
    `LABEL org.zkcheck.zookeeper-version=${zookeeperVersion}`,
    'ENV ZOO_CONF_DIR=/conf ZOO_DATA_DIR=/data ZOO_DATA_LOG_DIR=/datalog ZOO_LOG_DIR=/logs ZOOCFGDIR=/conf',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64',
    'WORKDIR /',
    'EXPOSE 2181 2888 3888',
    'ENTRYPOINT ["/docker-entrypoint.sh"]',
    'CMD ["zkServer.sh", "start-foreground"]',
  ];
  try {
    await run('docker', ['import', ...changes.flatMap((c) => ['--change', c]), tarball, tag], {
      log,
      quiet: true,
    });
  } catch (error) {
    if (fromCache) fromCache = false;
    throw error;
  }
  return { tag, zookeeperVersion, fromCache, seconds: (Date.now() - started) / 1000 };
}

async function buildRootfs(args: {
  suite: string;
  mirror: string;
  cacheDir: string;
  tarball: string;
  meta: string;
  log: (line: string) => void;
}): Promise<void> {
  const { suite, mirror, cacheDir, tarball, meta, log } = args;
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
  rmSync(rootfs, { recursive: true, force: true });
  const chroot = (script: string) =>
    run('chroot', [rootfs, '/bin/sh', '-c', script], { log, env: chrootEnv() });
  let procMounted = false;
  try {
    log(`image: debootstrap ${suite} from ${mirror} (minbase)`);
    await run('debootstrap', ['--variant=minbase', suite, rootfs, mirror], { log: throttled(log) });
    // Package postinst scripts (ca-certificates-java, the JRE) want /proc.
    await run('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')], { log });
    procMounted = true;
    log(`image: apt-get install ${PACKAGES.join(' ')}`);
    writeFileSync(join(rootfs, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    await chroot(
      'apt-get update -qq && apt-get install -y -qq --no-install-recommends ' +
        PACKAGES.join(' ') +
        ' >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old',
    );
    const version = (await chroot("dpkg-query -W -f='${Version}' zookeeper")).trim();
    if (!version) throw new ImageBuildError('zookeeper did not install in the rootfs');
    for (const dir of ['conf', 'data', 'datalog', 'logs']) mkdirSync(join(rootfs, dir), { recursive: true });
    writeFileSync(join(rootfs, 'docker-entrypoint.sh'), ENTRYPOINT);
    chmodSync(join(rootfs, 'docker-entrypoint.sh'), 0o755);
    writeFileSync(join(rootfs, 'usr/local/bin/zkServer.sh'), ZKSERVER);
    chmodSync(join(rootfs, 'usr/local/bin/zkServer.sh'), 0o755);
    rmSync(join(rootfs, 'usr/sbin/policy-rc.d'), { force: true });
    await run('umount', [join(rootfs, 'proc')], { log });
    procMounted = false;
    log(`image: packing rootfs into ${tarball}`);
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', `${tarball}.part`, '.'], { log });
    renameSync(`${tarball}.part`, tarball);
    writeFileSync(
      meta,
      JSON.stringify({ zookeeperVersion: version, suite, mirror, packages: PACKAGES }, null, 2),
    );
  } finally {
    if (procMounted)
      await run('umount', ['-l', join(rootfs, 'proc')], { quiet: true }).catch(() => undefined);
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(`${tarball}.part`, { force: true });
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

/** Local zkcheck images, newest first: `[{ tag, version }]`. */
export async function listLocalImages(): Promise<Array<{ tag: string; created: string }>> {
  const out = await run(
    'docker',
    [
      'images',
      '--filter',
      `label=${IMAGE_LABEL}=zookeeper`,
      '--format',
      '{{.Repository}}:{{.Tag}}\t{{.CreatedAt}}',
    ],
    { quiet: true },
  );
  return out
    .split('\n')
    .filter((line) => line.includes('\t') && !line.startsWith('<none>'))
    .map((line) => {
      const [tag, created] = line.split('\t');
      return { tag, created };
    });
}
