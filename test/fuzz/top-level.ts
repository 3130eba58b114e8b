/** Top-level cases: words that are no command, unknown flags, `help` of no command. */
import fc from 'fast-check';
import { oddText, unknownFlag, type FuzzCase } from './common.js';

/**
 * Words that are no command: a command word could start anything (`zkcheck run` is a real run).
 * Commands are lowercase, so every word here has an uppercase letter, a digit first or a character
 * outside [a-z-].
 */
const notACommand = fc
  .oneof(fc.stringMatching(/^[A-Z0-9][A-Za-z0-9-]{0,12}$/), oddText)
  .filter((s) => s !== '' && !s.startsWith('-') && !/^[a-z-]+$/.test(s));

export const topLevelCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    notACommand.map((word) => ({ args: [word], mentions: [word] })),
    unknownFlag.map((flag) => ({ args: [flag], mentions: [flag] })),
    notACommand.map((word) => ({ args: ['help', word], mentions: [word] })),
  )
  .map((c) => ({
    category: 'top-level' as const,
    args: c.args,
    files: [],
    expect: 'bad' as const,
    mentions: c.mentions,
  }));
