/**
 * `zkcheck image build` and `image list` flags and output, without building anything: a bad
 * version or conflicting flags end as a UsageError (one line, exit 254 in harness/cli.ts) before any
 * build starts.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from './exit.js';
import { formatImageList, registerClusterCommands } from './cluster.js';

async function zkcheck(...args: string[]): Promise<void> {
  const program = new Command('zkcheck').exitOverride();
  registerClusterCommands(program);
  program.commands.forEach((command) => command.exitOverride());
  await program.parseAsync(['node', 'zkcheck', ...args]);
}

describe('zkcheck image build', () => {
  it('refuses an unknown version in one line naming the known ones', async () => {
    const error = await zkcheck('image', 'build', '--zookeeper', '3.7.1').catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'unknown ZooKeeper version "3.7.1": zkcheck builds 3.8.0, 3.9.3, 3.9.6',
    );
  });

  it('refuses a version together with a suite that does not ship it', async () => {
    await expect(zkcheck('image', 'build', '--zookeeper', '3.9.3', '--suite', 'bookworm')).rejects.toThrow(
      new UsageError('--zookeeper 3.9.3 comes from trixie, not --suite bookworm: give one of them'),
    );
  });
});

describe('zkcheck image list', () => {
  it('shows what is built (tag, version, Java, size, created) and what can be built', () => {
    const text = formatImageList(
      [
        {
          tag: 'zkcheck/zookeeper:3.9.6-debian',
          id: 'sha256:1',
          version: '3.9.6',
          debianVersion: '3.9.6-2',
          suite: 'forky',
          java: '25.0.5',
          size: 616_000_000,
          created: new Date('2026-12-05T13:22:00.123Z'),
          stale: false,
        },
        {
          tag: 'zkcheck/zookeeper:3.8.0-debian',
          id: 'sha256:2',
          version: '3.8.0',
          debianVersion: '3.8.0-11+deb12u2',
          size: 671_000_000,
          created: new Date('2026-12-05T13:01:00Z'),
          stale: true,
        },
      ],
      [
        { version: '3.8.0', suite: 'bookworm', cached: false },
        { version: '3.9.3', suite: 'trixie', cached: true },
        { version: '3.9.6', suite: 'forky', cached: true },
      ],
    );
    expect(text).toBe(
      [
        'built:',
        '  zkcheck/zookeeper:3.9.6-debian  ZooKeeper 3.9.6-2           Java 25.0.5  616 MB  2026-12-05T13:22:00Z',
        '  zkcheck/zookeeper:3.8.0-debian  ZooKeeper 3.8.0-11+deb12u2               671 MB  2026-12-05T13:01:00Z  stale: rebuild with zkcheck image build --zookeeper 3.8.0',
        'can build (zkcheck image build --zookeeper <version>):',
        '  3.8.0  bookworm  from scratch (minutes)',
        '  3.9.3  trixie    rootfs cached (seconds)',
        '  3.9.6  forky     built, rootfs cached (seconds)',
        '',
      ].join('\n'),
    );
  });

  it('says how to build when nothing is built', () => {
    expect(formatImageList([], [])).toBe(
      'built:\n  none (zkcheck image build --zookeeper <version>)\ncan build (zkcheck image build --zookeeper <version>):\n',
    );
  });
});
