/**
 * `zkcheck compare A B`: two stored runs, or two test-all matrices, side by side claim by claim
 * (results/matrix-table.ts lays out the table).
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../config.js';
import { readCiRun } from '../../results/ci-run.js';
import {
  compareTable,
  isMatrix,
  matrixSide,
  readMatrix,
  runSide,
  tableMarkdown,
  tableText,
  type CompareSide,
} from '../../results/matrix-table.js';
import { resolveRun, StoreError } from '../../results/store.js';
import { EXIT, UsageError } from './exit.js';

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('two stored runs or two test-all matrices side by side, claim by claim')
    .argument('<a>', 'a run (dir, test name or "latest") or a test-all dir / matrix.json')
    .argument('<b>', 'the same, for the other side')
    .option('--store <dir>', 'where runs are stored', defaultConfig().store)
    .option('--markdown', 'print the table as markdown')
    .addHelpText(
      'after',
      `
A column per side and version (A 3.8.0, B 3.9.6), a group of rows per workload × nemesis × nodes,
a row per claim; a row valid on one side and INVALID on the other is marked << (markdown: bold).
\`zkcheck serve\` compares runs' charts too (tick two runs, Compare).

Exit status: 0 the table was printed, 254 no such run or matrix.

Examples:
  zkcheck compare runs/test-all-20261205T190000.000Z runs/test-all-20261205T200000.000Z
  zkcheck compare register-3.8.0 register-3.9.6`,
    )
    .action((a: string, b: string, flags: { store: string; markdown?: boolean }) => {
      process.exitCode = compareCommand(a, b, flags);
    });
}

function sideOf(ref: string, store: string): CompareSide {
  try {
    if (isMatrix(ref)) return matrixSide(readMatrix(ref), ref);
    // A run dir as is (a run that crashed before its first op has test.json but no history).
    const dir = existsSync(join(ref, 'test.json')) ? ref : resolveRun(ref, store);
    return runSide(readCiRun(dir), ref);
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
}

function compareCommand(a: string, b: string, flags: { store: string; markdown?: boolean }): number {
  const sides = [sideOf(a, flags.store), sideOf(b, flags.store)] as const;
  const table = compareTable(...sides);
  const legend = sides
    .map(
      (side, i) =>
        `${i === 0 ? 'A' : 'B'}: ${side.kind} ${side.label}${side.kind === 'run' ? ` (${side.cells[0].runDir})` : ''}`,
    )
    .join('\n');
  process.stdout.write(
    flags.markdown ? `${legend}\n\n${tableMarkdown(table)}` : `${legend}\n\n${tableText(table)}`,
  );
  const differing = table.groups.flatMap((g) => g.rows.filter((r) => r.differs)).length;
  process.stdout.write(
    differing === 0 ? 'no row differs\n' : `${differing} row${differing === 1 ? '' : 's'} differ (<<)\n`,
  );
  return EXIT.valid;
}
