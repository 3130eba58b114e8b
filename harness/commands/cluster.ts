/**
 * Cluster commands: `zkcheck doctor` (which provider would run and why, what is missing and the
 * command that fixes it), `zkcheck image build` (the local ZooKeeper image from Debian packages) and
 * `zkcheck clean` (remove leftovers of dead runs: containers, JVMs, proxies, dirs, port locks).
 */
import { Command, Option } from 'commander';
import { buildImage, ImageBuildError } from '../cluster/image.js';
import { describeSweep, sweepLeftovers } from '../cluster/hygiene.js';
import { doctorChecks } from '../cluster/select.js';
import { EXIT } from './exit.js';

interface DoctorFlags {
  provider: 'auto' | 'docker' | 'local';
  image?: string;
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

  const image = program.command('image').description('manage the local ZooKeeper image');
  image
    .command('build')
    .description('build a ZooKeeper image from Debian packages (debootstrap; root; about a minute)')
    .option('--mirror <url>', 'Debian mirror (default: the one apt uses here)')
    .option('--suite <name>', 'Debian suite', 'bookworm')
    .option('--force', 'rebuild the root filesystem even if a cached one exists')
    .addHelpText(
      'after',
      `
For machines with Docker but no registry. The image has the official zookeeper image's layout
(/conf/zoo.cfg, /data/myid, /datalog, zkServer.sh start-foreground) and is tagged
zkcheck/zookeeper:<version>-debian. The root filesystem is cached in ~/.cache/zkcheck
($ZKCHECK_CACHE_DIR), so a rebuild takes seconds.

Exit status: 0 built, 255 the build failed (the reason is printed).`,
    )
    .action(async (flags: { mirror?: string; suite: string; force?: boolean }) => {
      try {
        const built = await buildImage({ mirror: flags.mirror, suite: flags.suite, force: flags.force });
        process.stdout.write(
          `built ${built.tag} (ZooKeeper ${built.zookeeperVersion}) in ${built.seconds.toFixed(1)} s` +
            `${built.fromCache ? ' from the cached root filesystem' : ''}\n`,
        );
      } catch (error) {
        if (!(error instanceof ImageBuildError)) throw error;
        process.stderr.write(`zkcheck: image build: ${error.message}\n`);
        process.exitCode = EXIT.harnessError;
      }
    });

  program
    .command('clean')
    .description('remove leftovers of dead runs: containers, JVMs, proxy servers, proxies, dirs, port locks')
    .option('--all', 'also remove what runs that are still alive own (stops them)')
    .action(async (flags: { all?: boolean }) => {
      const report = await sweepLeftovers({ all: flags.all });
      process.stdout.write(`removed ${describeSweep(report)}\n`);
    });
}
