/**
 * `zkcheck serve [--store DIR] [--port 8080] [--host 127.0.0.1]`: browse and compare stored runs
 * in a web browser (results/serve.ts). Serves until Ctrl-C or SIGTERM, then exits 0.
 */
import { Command, Option } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, ServeError, startServe } from '../../results/serve.js';
import { DEFAULT_STORE } from '../../results/store.js';
import { EXIT, UsageError } from './exit.js';

export interface ServeCommandOptions {
  /** Resolves when serving should stop (default: SIGINT or SIGTERM). For tests. */
  stop?: () => Promise<void>;
  /** Where the URL line goes (default: stdout). */
  write?: (line: string) => void;
}

export function registerServeCommand(program: Command, options: ServeCommandOptions = {}): void {
  program
    .command('serve')
    .description('browse, open and compare stored runs in a web browser (read-only)')
    .option('--store <dir>', 'where runs are stored', DEFAULT_STORE)
    .addOption(
      new Option('--port <port>', 'TCP port to listen on (0: any free port)')
        .default(DEFAULT_PORT)
        .argParser(parsePort),
    )
    .option(
      '--host <address>',
      'address to bind; anything but loopback exposes your runs to the network',
      DEFAULT_HOST,
    )
    .addHelpText(
      'after',
      `
Opens a read-only web page over the run store:
  /                  every run, newest first: name, time, workload, nemesis, ZooKeeper version,
                     verdict, ops, duration; filter by any of them; a run still being written
                     shows as "running"
  /runs/<name>/<time>/             the run's files (test.json, history.jsonl, results.json,
                     nemesis.log, nodes/*.log, charts/) and its report.html
  /compare?run=A&run=B              tick two or more runs on the list: their claims side by
                     side, throughput and latency overlaid on one time axis

Read-only and local: it answers GET and HEAD only, never writes, never follows a path or a
symlink out of the store, and binds 127.0.0.1. To look from another machine, prefer an SSH
tunnel (ssh -L 8080:127.0.0.1:8080 host) to --host 0.0.0.0, which shows your runs to everyone
who can reach the port.

A run without report.html (older, or still running) lists its files; write the report with
zkcheck report <run dir>.

Exit status: 0 after Ctrl-C or SIGTERM, 254 bad flags, a port in use or no store.

Examples:
  zkcheck serve                            http://127.0.0.1:8080/ over ./runs
  zkcheck serve --store /data/zk-runs --port 9000
  zkcheck serve --port 0                   any free port (the URL is printed)`,
    )
    .action(async (flags: { store: string; port: number; host: string }) => {
      let serving;
      try {
        serving = await startServe({ store: flags.store, host: flags.host, port: flags.port });
      } catch (error) {
        if (error instanceof ServeError) throw new UsageError(error.message);
        throw error;
      }
      (options.write ?? ((line: string) => process.stdout.write(line)))(
        `zkcheck serve: ${serving.url} (store ${flags.store}; Ctrl-C to stop)\n`,
      );
      await (options.stop ?? untilSignalled)();
      await serving.close();
      process.exitCode = EXIT.valid;
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port: expected a port number from 0 to 65535, got "${text}"`);
  }
  return port;
}

function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
