/**
 * The reaper as its own process (see reaper.ts). Started by `startReaper`, never by hand:
 *
 *   node reaper-main.js zkcheck-reaper --run ID --provider docker|local --owner PID:START --log FILE
 *
 * with its stdin a pipe from the owner.
 */
import { appendFileSync } from 'node:fs';
import { parseReaperArgs, runReaper } from './reaper.js';

const EXIT_BAD_INPUT = 254;

async function main(): Promise<number> {
  let options;
  try {
    options = parseReaperArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`zkcheck-reaper: ${(error as Error).message}\n`);
    return EXIT_BAD_INPUT;
  }
  const logFile = options.logFile;
  // stderr is the shared log too, but a line of our own says which reaper failed.
  process.on('uncaughtException', (error) => {
    appendFileSync(
      logFile,
      `${new Date().toISOString()} reaper ${process.pid}: ${error.stack ?? String(error)}\n`,
    );
    process.exit(70);
  });
  return runReaper(options);
}

process.exit(await main());
