/**
 * A lost acknowledged write has a story in the servers' own logs: a node that truncated its log
 * to match a leader that lacked the write ("Truncating log to get in sync with the leader 0x...").
 * Those lines, from the run's copied node logs (nodes/n<i>.log), go under a broken durability
 * claim, so a reader sees which node threw the writes away and when, without rerunning.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TRUNCATING = /Truncating log to get in sync/;
const SHOWN = 10;

/** "n3: <line>" for each truncation a node logged, in file then line order, at most SHOWN. */
export function truncationLines(runDir: string): string[] {
  const nodesDir = join(runDir, 'nodes');
  if (!existsSync(nodesDir)) return [];
  const found: string[] = [];
  const logs = readdirSync(nodesDir)
    .filter((name) => /^n\d+\.log$/.test(name))
    .sort((a, b) => Number(a.slice(1, -4)) - Number(b.slice(1, -4)));
  for (const log of logs) {
    for (const line of readFileSync(join(nodesDir, log), 'utf8').split('\n')) {
      if (TRUNCATING.test(line)) found.push(`${log.slice(0, -4)}: ${line.trim().slice(0, 240)}`);
    }
  }
  return found.length > SHOWN ? [...found.slice(0, SHOWN), `... and ${found.length - SHOWN} more`] : found;
}
