/**
 * Cluster commands: `zkcheck doctor` (which provider would run and why, what is missing and the
 * command that fixes it), `zkcheck image build` / `image list` (local ZooKeeper images from Debian
 * packages, one per version) and `zkcheck clean` (remove leftovers of dead runs: containers, JVMs,
 * proxies, dirs, port locks).
 */
import { Command, Option } from 'commander';
import { buildImage, ImageBuildError } from '../cluster/image.js';
import {
  buildableVersions,
  listLocalImages,
  type BuildableVersion,
  type LocalImage,
} from '../cluster/image-store.js';
import {
  DEBIAN_ZOOKEEPER,
  debianSuiteFor,
  KNOWN_ZOOKEEPER_VERSIONS,
  UnknownZooKeeperVersionError,
} from '../cluster/versions.js';
import { describeSweep, sweepLeftovers } from '../cluster/hygiene.js';
import { doctorChecks } from '../cluster/select.js';
import { EXIT, UsageError } from './exit.js';

interface DoctorFlags {
  provider: 'auto' | 'docker' | 'local';
  image?: string;
  zookeeper?: string;
  zkHome?: string;
  json?: boolean;
}

export function registerClusterCommands(program: Command): void {
  program
    .command('doctor')
    .description('say which ensemble provider would run and why, and what is missing with the fix')
    .addOption(
      new Option('--provider <name>', 'provider to check')
        .choices(['auto', 'docker', 'local'])
        .default('auto'),
    )
    .option('--image <image>', 'docker image to check (default zookeeper:3.8, else the local zkcheck image)')
    .option('--zookeeper <version>', `ZooKeeper version to check (${KNOWN_ZOOKEEPER_VERSIONS.join(', ')})`)
    .option(
      '--zk-home <dir>',
      'ZooKeeper release dir for the local provider (default Debian /usr/share/java)',
    )
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      `
Providers: docker (Testcontainers, host networking, needs a Docker engine and an image) and local
(JVM processes from a ZooKeeper install). auto picks docker when it can, else local.
Remote engines work through DOCKER_HOST, but the containers use host networking on that host: run
zkcheck on the Docker host itself so the proxies and the servers share a loopback.

Exit status: 0 a provider can run, 1 none can.`,
    )
    .action(async (flags: DoctorFlags) => {
      const result = await doctorChecks({
        provider: flags.provider,
        image: flags.image,
        zookeeperVersion: flags.zookeeper,
        zkHome: flags.zkHome,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const check of result.checks) {
          process.stdout.write(`${check.ok ? 'ok  ' : 'MISS'} ${check.name}: ${check.detail}\n`);
          if (check.fix) process.stdout.write(`     fix: ${check.fix}\n`);
        }
        if (result.choice)
          process.stdout.write(`provider: ${result.choice.provider} (${result.choice.reason})\n`);
        else process.stdout.write(`provider: none: ${result.error}\n`);
      }
      process.exitCode = result.choice ? EXIT.valid : EXIT.invalid;
    });

  const image = program.command('image').description('build and list local ZooKeeper images');
  image
    .command('build')
    .description('build a ZooKeeper image from Debian packages (debootstrap; root; a minute or two)')
    .option(
      '--zookeeper <version>',
      `ZooKeeper version: ${DEBIAN_ZOOKEEPER.map((d) => `${d.version} (${d.suite})`).join(', ')}`,
    )
    .option('--suite <name>', 'Debian suite, instead of --zookeeper (default bookworm)')
    .option('--mirror <url>', 'Debian mirror (default: the one apt uses here)')
    .option('--force', 'rebuild the root filesystem even if a cached one exists')
    .addHelpText(
      'after',
      `
For machines with Docker but no registry. The image has the official zookeeper image's layout
(/conf/zoo.cfg, /data/myid, /datalog, zkServer.sh start-foreground), runs on the Java that the
suite's zookeeper package depends on, and is tagged zkcheck/zookeeper:<version>-debian. The root
filesystem is cached in ~/.cache/zkcheck ($ZKCHECK_CACHE_DIR), so a rebuild takes seconds.

Exit status: 0 built, 254 an unknown version or conflicting flags, 255 the build failed (the
reason is printed).`,
    )
    .action(async (flags: { zookeeper?: string; mirror?: string; suite?: string; force?: boolean }) => {
      if (flags.zookeeper !== undefined) {
        if (!KNOWN_ZOOKEEPER_VERSIONS.includes(flags.zookeeper))
          throw new UsageError(new UnknownZooKeeperVersionError(flags.zookeeper).message);
        const suite = debianSuiteFor(flags.zookeeper);
        if (flags.suite !== undefined && flags.suite !== suite)
          throw new UsageError(
            `--zookeeper ${flags.zookeeper} comes from ${suite}, not --suite ${flags.suite}: give one of them`,
          );
      }
      try {
        const built = await buildImage({
          zookeeperVersion: flags.zookeeper,
          suite: flags.suite,
          mirror: flags.mirror,
          force: flags.force,
        });
        process.stdout.write(
          `built ${built.tag} (ZooKeeper ${built.zookeeperVersion}, ${built.suite}, Java ${built.javaVersion}) ` +
            `in ${built.seconds.toFixed(1)} s${built.fromCache ? ' from the cached root filesystem' : ''}\n`,
        );
      } catch (error) {
        if (!(error instanceof ImageBuildError)) throw error;
        process.stderr.write(`zkcheck: image build: ${error.message}\n`);
        process.exitCode = EXIT.harnessError;
      }
    });

  image
    .command('list')
    .description('list the zkcheck images built here, and the versions that can be built')
    .option('--json', 'print the lists as JSON')
    .addHelpText('after', '\nExit status: 0 listed, 255 no Docker engine answers.')
    .action(async (flags: { json?: boolean }) => {
      let built: LocalImage[];
      try {
        built = await listLocalImages();
      } catch (error) {
        if (!(error instanceof ImageBuildError)) throw error;
        process.stderr.write(`zkcheck: image list: no Docker engine answers (${error.message})\n`);
        process.exitCode = EXIT.harnessError;
        return;
      }
      const buildable = buildableVersions();
      if (flags.json) process.stdout.write(`${JSON.stringify({ built, buildable }, null, 2)}\n`);
      else process.stdout.write(formatImageList(built, buildable));
    });

  // cli.ts makes the top-level commands throw instead of exiting; `image build --bogus` must
  // too, or commander exits 1 itself instead of the CLI's one line and 254.
  image.commands.forEach((sub) => sub.exitOverride());

  program
    .command('clean')
    .description('remove leftovers of dead runs: containers, JVMs, proxy servers, proxies, dirs, port locks')
    .option('--all', 'also remove what runs that are still alive own (stops them)')
    .action(async (flags: { all?: boolean }) => {
      const report = await sweepLeftovers({ all: flags.all });
      process.stdout.write(`removed ${describeSweep(report)}\n`);
    });
}

/** `zkcheck image list`: two aligned tables, built images first. */
export function formatImageList(
  built: readonly LocalImage[],
  buildable: readonly BuildableVersion[],
): string {
  const lines = ['built:'];
  if (built.length === 0) lines.push('  none (zkcheck image build --zookeeper <version>)');
  lines.push(
    ...table(
      built.map((image) => [
        image.tag,
        `ZooKeeper ${image.debianVersion || image.version}`,
        image.java ? `Java ${image.java}` : '',
        `${(image.size / 1e6).toFixed(0)} MB`,
        image.created.toISOString().replace(/\.\d+Z$/, 'Z'),
        image.stale ? 'stale: rebuild with zkcheck image build --zookeeper ' + image.version : '',
      ]),
    ),
  );
  lines.push('can build (zkcheck image build --zookeeper <version>):');
  lines.push(
    ...table(
      buildable.map((v) => {
        const current = built.some((image) => image.version === v.version && !image.stale);
        return [
          v.version,
          v.suite,
          [current ? 'built' : '', v.cached ? 'rootfs cached (seconds)' : 'from scratch (minutes)']
            .filter(Boolean)
            .join(', '),
        ];
      }),
    ),
  );
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i].length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd());
}
