/**
 * `serve`, `doctor`, `image` and `clean` cases, for real processes only: each carries an input
 * refused before the command acts (no server left listening, no image built, nothing swept).
 */
import fc from 'fast-check';
import { KNOWN_ZOOKEEPER_VERSIONS, debianSuiteFor } from '../../harness/cluster/versions.js';
import { just, notANumber, pick, text, unknownFlag, type FuzzCase } from './common.js';

export const serveCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .tuple(
        fc.oneof(notANumber, pick('-1', '65536', '1.5', '99999999', '1e3x', '0x50')),
        pick('$FIXTURE', '$CASE/missing'),
      )
      .map(([port, store]) => ({
        args: ['serve', '--port', port, '--store', store],
        mentions: ['--port', 'store'],
      })),
    fc
      .constantFrom('$CASE/missing', '$CASE/a-file', '/dev/null', '$CASE/a-file/x')
      .map((store) => ({ args: ['serve', '--port', '0', '--store', store], mentions: ['store', store] })),
    fc.constantFrom('999.1.1.1', '1.2.3', '::g', '127.0.0.1:80', '[::1]', 'a b').map((host) => ({
      args: ['serve', '--port', '0', '--store', '$FIXTURE', '--host', host],
      mentions: [host],
    })),
    just({ args: ['serve', '--port', '$BUSY_PORT', '--store', '$FIXTURE'], mentions: ['$BUSY_PORT'] }),
    unknownFlag.map((flag) => ({ args: ['serve', '--store', '$FIXTURE', flag], mentions: [flag] })),
    just({ args: ['serve', 'extra', '--store', '$FIXTURE'], mentions: ["'serve'"] }),
  )
  .map((c) => ({
    category: 'serve' as const,
    args: c.args,
    files: [{ path: 'a-file', content: 'x' }],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));

export const doctorCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .string({ maxLength: 10 })
      .filter((s) => !['auto', 'docker', 'local'].includes(s))
      .map((p) => ({ args: ['doctor', '--provider', p], mentions: ['--provider'], expect: 'bad' as const })),
    unknownFlag.map((flag) => ({ args: ['doctor', flag], mentions: [flag], expect: 'bad' as const })),
    just({ args: ['doctor', 'extra'], mentions: ["'doctor'"], expect: 'bad' as const }),
    just({ args: ['doctor', '--zookeeper'], mentions: ['--zookeeper'], expect: 'bad' as const }),
    // Odd but acceptable: doctor says what is missing (exit 0 or 1).
    fc
      .tuple(
        pick('local', 'docker'),
        pick(
          ['--zookeeper', '1.0'],
          ['--zk-home', '$CASE/missing'],
          ['--image', 'bad::image'],
          ['--zk-home', '$CASE/a-file'],
        ),
      )
      .map(([provider, odd]) => ({
        args: ['doctor', '--provider', provider, ...odd, '--json'],
        mentions: [],
        expect: 'bad-or-verdict' as const,
      })),
  )
  .map((c) => ({
    category: 'doctor' as const,
    args: c.args,
    files: [{ path: 'a-file', content: 'x' }],
    expect: c.expect,
    mentions: c.mentions,
  }));

export const imageCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .string({ maxLength: 12 })
      .filter((v) => !KNOWN_ZOOKEEPER_VERSIONS.includes(v))
      .map((v) => ({ args: ['image', 'build', '--zookeeper', v], mentions: ['version'] })),
    fc
      .tuple(pick(...KNOWN_ZOOKEEPER_VERSIONS), text({ maxLength: 10 }))
      .filter(([v, suite]) => debianSuiteFor(v) !== suite)
      .map(([v, suite]) => ({
        args: ['image', 'build', '--zookeeper', v, '--suite', suite],
        mentions: ['--suite'],
      })),
    unknownFlag.map((flag) => ({ args: ['image', 'build', flag], mentions: [flag] })),
    unknownFlag.map((flag) => ({ args: ['image', 'list', flag], mentions: [flag] })),
    fc
      .stringMatching(/^[a-z][a-z-]{0,10}$/)
      .filter((s) => !['build', 'list', 'help'].includes(s))
      .map((sub) => ({ args: ['image', sub], mentions: [sub] })),
    just({
      args: ['image', 'build', 'extra', '--zookeeper', '0.0.0'],
      mentions: ["'build'", '0.0.0'],
    }),
  )
  .map((c) => ({
    category: 'image' as const,
    args: c.args,
    files: [],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));

/** `clean` with anything valid would sweep other runs: only shapes commander refuses before acting. */
export const cleanCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    unknownFlag.map((flag) => ({ args: ['clean', flag], mentions: [flag] })),
    fc
      .stringMatching(/^[a-z0-9][a-z0-9._]{0,10}$/)
      .map((word) => ({ args: ['clean', word], mentions: ["'clean'"] })),
    unknownFlag.map((flag) => ({ args: ['clean', '--all', flag], mentions: [flag] })),
  )
  .map((c) => ({
    category: 'clean' as const,
    args: c.args,
    files: [],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));
