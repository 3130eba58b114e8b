/**
 * Shrinking on every invalid peer history (../shared/peer-histories, see its README): the shrunk
 * history must still be invalid and well-formed, and at most a tenth of the original where that
 * is possible. The data lives outside the repo: $ZKCHECK_PEER_HISTORIES, default
 * ../shared/peer-histories from the repo root. Missing data skips locally and fails under CI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEdnValue } from '../history/edn.js';
import { toOperations } from '../history/operations.js';
import { isHistoryFormat, parseHistory } from '../history/read.js';
import type { Operation } from '../history/types.js';
import { checkWellFormed } from '../history/wellformed.js';
import { checkLinearizable, type ModelSpec } from '../linearizable/check.js';
import { history, read, write } from '../consistency/testing.js';
import { operationsToHistory, shrinkHistory } from './shrink.js';
import { notLinearizableWitness } from './witness.js';
import { PEER_HISTORIES_DIR, describePeerHistories, peerExpectations } from '../testing/peer-histories.js';

const dataDir = PEER_HISTORIES_DIR;
const BUDGET_MS = 2_000;

const invalid = async (ops: Operation[], spec: ModelSpec) =>
  (await checkLinearizable(ops, spec, { timeLimitMs: 2_000, workers: 0 })).valid === false;

describe('shrinkHistory', () => {
  it('drops everything a stale read does not need, keeping pairs and well-formedness', async () => {
    const ops = history(
      write(0, 1, 1, [0, 1]),
      read(2, 0, 0, [2, 3], { key: 'other' }),
      write(0, 2, 2, [4, 5]),
      read(3, 2, 2, [6, 7]),
      read(1, 1, 1, [8, 9]), // stale: the write of 2 completed at 5
      write(4, 9, 0, [10, Infinity]),
    );
    const spec = { name: 'register', options: { init: 0 } };
    const plain = ops.map((op) => ({ ...op, output: (op.output as { value: unknown } | undefined)?.value }));
    const shrunk = await shrinkHistory(plain, await notLinearizableWitness(plain, spec));
    expect(shrunk.complete).toBe(true);
    // The write of 1 stays: without it the stale read would be unexplained, not stale.
    expect(shrunk.ops.map((op) => [op.process, op.f, op.input, op.output])).toEqual([
      [0, 'write', 1, 1],
      [0, 'write', 2, 2],
      [1, 'read', null, 1],
    ]);
    expect(shrunk.ops.map((op) => op.id)).toEqual([0, 1, 2]);
    const rebuilt = operationsToHistory(shrunk.ops);
    checkWellFormed(rebuilt);
    expect(toOperations(rebuilt).map((op) => op.input)).toEqual([1, 2, null]);
    // Plain "still invalid" ends at the unexplained read alone.
    const bare = await shrinkHistory(plain, (candidate) => invalid(candidate, spec));
    expect(bare.ops).toHaveLength(1);
  });

  it('keeps an unknown-outcome op last in its process when it rebuilds a history', () => {
    const ops = history(write(0, 1, 1, [0, 1]), write(0, 2, 0, [2, Infinity]), read(1, 2, 2, [3, 4]));
    const rebuilt = operationsToHistory(ops);
    checkWellFormed(rebuilt);
    expect(rebuilt.at(-1)).toMatchObject({ process: 0, type: 'info', f: 'write' });
  });

  it('returns what it has when the budget runs out', async () => {
    const ops = history(...Array.from({ length: 50 }, (_, i) => write(i % 3, i, i + 1, [2 * i, 2 * i + 1])));
    const slow = async () => {
      await new Promise((done) => setTimeout(done, 5));
      return true;
    };
    const shrunk = await shrinkHistory(ops, slow, { budgetMs: 30 });
    expect(shrunk.complete).toBe(false);
    expect(shrunk.ms).toBeLessThan(500);
  });
});

describePeerHistories('shrinking peer histories', () => {
  describe('shrinking peer histories', () => {
    const bad = peerExpectations().filter((row) => row.expected === 'invalid');

    it(`shrinks every invalid one (${bad.length}) to a still-invalid, well-formed history, ≤ 1/10 where possible`, async () => {
      const table: string[] = ['file                                         ops  shrunk  checks     ms'];
      const notTenth: string[] = [];
      for (const row of bad) {
        if (!isHistoryFormat(row.format)) throw new Error(`${row.file}: bad format in EXPECTED.tsv`);
        const text = readFileSync(join(dataDir, row.file), 'utf8');
        const ops = toOperations(parseHistory(text, { file: row.file, format: row.format }));
        const spec = { name: row.model, options: row.init === '-' ? {} : { init: parseEdnValue(row.init) } };
        const first = await checkLinearizable(ops, spec, { workers: 0 });
        const focusKey = first.counterexample?.key;
        const shrunk = await shrinkHistory(ops, await notLinearizableWitness(ops, spec, { checkMs: 150 }), {
          budgetMs: BUDGET_MS,
          ...(focusKey === undefined ? {} : { focus: (op: Operation) => op.key === focusKey }),
        });
        expect(await invalid(shrunk.ops, spec), row.file).toBe(true);
        checkWellFormed(operationsToHistory(shrunk.ops), row.file);
        // A tenth is out of reach only for histories of fewer than ~20 ops (a violation needs 2).
        if (shrunk.ops.length * 10 > ops.length && ops.length >= 20) notTenth.push(row.file);
        table.push(
          `${row.file.padEnd(42)} ${String(ops.length).padStart(6)} ${String(shrunk.ops.length).padStart(7)} ` +
            `${String(shrunk.checks).padStart(7)} ${shrunk.ms.toFixed(0).padStart(6)}${shrunk.complete ? '' : ' (budget)'}`,
        );
      }
      console.log(table.join('\n'));
      expect(notTenth).toEqual([]);
    }, 120_000);
  });
});
