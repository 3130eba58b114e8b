#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// Compile each function to baseline machine code (Sparkplug) on its first call instead of
// interpreting it until it is warm: `zkcheck check` on many small histories spends most of its
// time in code that has only just started running. Measured on the Knossos set: ~20% less
// checking time, the same start-up. Only a tiering choice, set before any of our code loads.
setFlagsFromString('--always-sparkplug');

const cli = new URL('../dist/harness/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'zkcheck: not built yet; run `npm install` (or `npm run build`) in the zkcheck folder\n',
  );
  process.exit(254);
}
// A reader that went away (`zkcheck run --help | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  // Answered without the CLI (commander and the command table, ~40 ms to load): scripts ask it
  // often, and should wait no longer than Node's own start.
  const { ZKCHECK_VERSION } = await import(new URL('../dist/harness/version.js', import.meta.url).href);
  process.stdout.write(`${ZKCHECK_VERSION}\n`);
} else {
  const { main } = await import(cli.href);
  process.exitCode = await main(process.argv);
  // Node can hang for ever at exit while a compile is in flight (harness/exit-guard.ts says why
  // and what this does about it). Never at the verdict's cost: a dist built before the guard
  // existed, or a guard that fails, must not turn the exit status into 1.
  try {
    const guard = await import(new URL('../dist/harness/exit-guard.js', import.meta.url).href);
    guard.collectBeforeExit();
  } catch {
    // Exit as Node would have without the guard.
  }
}
