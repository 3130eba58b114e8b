import { rmSync } from 'node:fs';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { storeFixtureRun, tempDir } from '../../results/ci-testing.js';
import { UsageError } from './exit.js';
import { registerServeCommand } from './serve.js';

const store = tempDir('serve-cmd');
storeFixtureRun(store, 'run-partition-leader', { testName: 'leader', timestamp: '20261205T130348.071Z' });
afterAll(() => rmSync(store, { recursive: true, force: true }));

function program(options: Parameters<typeof registerServeCommand>[1] = {}): Command {
  const cli = new Command('zkcheck').exitOverride();
  registerServeCommand(cli, options);
  cli.commands.forEach((sub) => sub.exitOverride());
  return cli;
}

describe('zkcheck serve', () => {
  it('serves the store on 127.0.0.1 until told to stop, printing its URL', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const lines: string[] = [];
    let url = '';
    const done = program({
      stop: () => stopped,
      write: (line) => {
        lines.push(line);
        url = /http:\/\/\S+/.exec(line)![0];
        void fetch(url).then(async (res) => {
          lines.push(
            `${res.status} ${(await res.text()).includes('data-run="leader/20261205T130348.071Z"')}`,
          );
          stop();
        });
      },
    }).parseAsync(['node', 'zkcheck', 'serve', '--store', store, '--port', '0']);
    await done;
    expect(lines[0]).toMatch(/^zkcheck serve: http:\/\/127\.0\.0\.1:\d+\/ \(store .*; Ctrl-C to stop\)\n$/);
    expect(lines[1]).toBe('200 true');
    // Stopped: the port no longer answers.
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses a bad port and a missing store in one line (exit 254 via UsageError)', async () => {
    await expect(program().parseAsync(['node', 'zkcheck', 'serve', '--port', '80000'])).rejects.toThrow(
      new UsageError('--port: expected a port number from 0 to 65535, got "80000"'),
    );
    await expect(
      program({ stop: async () => {} }).parseAsync([
        'node',
        'zkcheck',
        'serve',
        '--store',
        `${store}/nope`,
        '--port',
        '0',
      ]),
    ).rejects.toThrow(UsageError);
  });

  it('teaches in --help: routes, read-only rules, the tunnel, examples', () => {
    const serve = program().commands.find((c) => c.name() === 'serve')!;
    let help = '';
    serve.configureOutput({ writeOut: (text) => (help += text) });
    serve.outputHelp();
    for (const text of [
      '--port <port>',
      '--host <address>',
      '/compare?run=A&run=B',
      'GET and HEAD only',
      'ssh -L',
      'Examples:',
    ]) {
      expect(help).toContain(text);
    }
  });
});
