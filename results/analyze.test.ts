import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consistencyClaims } from '../checker/claims/evaluate.js';
import { ALLOWED_NOTE } from '../checker/consistency/types.js';
import { HistoryError, type History, type Op } from '../checker/history/types.js';
import { HistoryRecorder } from '../harness/runner/recorder.js';
import { analyzeHistory, analyzeHistoryFile, type AnalyzeOptions, type RunResults } from './analyze.js';
import { formatClaimLines } from './claims-report.js';

/** The claim lines and self-check lines of a run's report. */
const formatClaims = (results: RunResults): string =>
  formatClaimLines(results.claims, { style: 'run' }) +
  results.selfCheck.map((p) => `  self-check: ${p}\n`).join('');

const OPTIONS: AnalyzeOptions = {
  claims: consistencyClaims({ name: 'zk-versioned-register' }),
  requiredFs: ['read', 'write', 'cas'],
  minOpsPerSecond: 0,
  timeLimitMs: 10_000,
};

type Step = [process: number, type: Op['type'], f: string, value: unknown];

/** A history on key 0 from steps in order; op i happens at i ms. */
function history(...steps: Step[]): History {
  return steps.map(([process, type, f, value], index) => ({
    index,
    time: index * 1e6,
    process,
    type,
    f,
    key: 0,
    value,
  }));
}

const v = (value: number | null, version: number) => ({ value, version });

/** Write 1, cas 1 -> 2, and reads that each see the latest value: linearizable. */
const VALID = history(
  [0, 'invoke', 'write', 1],
  [0, 'ok', 'write', v(1, 1)],
  [1, 'invoke', 'read', null],
  [1, 'ok', 'read', v(1, 1)],
  [0, 'invoke', 'cas', [1, 2]],
  [0, 'ok', 'cas', v(2, 2)],
  [1, 'invoke', 'read', null],
  [1, 'ok', 'read', v(2, 2)],
);

const verdicts = (results: Awaited<ReturnType<typeof analyzeHistory>>) =>
  Object.fromEntries(results.claims.map((c) => [c.claim, c.valid]));

/** A read invoked after a write returned that still sees the initial empty znode: stale. */
const stale = () =>
  history(
    [0, 'invoke', 'write', 1],
    [0, 'ok', 'write', v(1, 1)],
    [1, 'invoke', 'read', null],
    [1, 'ok', 'read', v(null, 0)],
    [0, 'invoke', 'cas', [1, 2]],
    [0, 'ok', 'cas', v(2, 2)],
  );

describe('analyzeHistory', () => {
  it('finds a linearizable history valid on every claim', async () => {
    const results = await analyzeHistory(VALID, 'h.jsonl', OPTIONS);
    expect(results.valid).toBe(true);
    expect(results.cause).toBeUndefined();
    expect(verdicts(results)).toEqual({
      'writes-linearizable': true,
      sequential: true,
      zookeeper: true,
      'sync-reads-linearizable': true,
      linearizable: true,
    });
    expect(results.selfCheck).toEqual([]);
    expect(results.history).toEqual({ file: 'h.jsonl', ops: 8 });
    expect(results.stats.ops).toBe(4);
    expect(results.stats.byF.cas).toEqual({ ok: 1, fail: 0, info: 0 });
  });

  it('reports a stale read as not linearizable but allowed, and the run valid', async () => {
    const results = await analyzeHistory(stale(), 'h.jsonl', OPTIONS);
    expect(verdicts(results)).toEqual({
      'writes-linearizable': true,
      sequential: true,
      zookeeper: true,
      'sync-reads-linearizable': true,
      linearizable: false,
    });
    const whole = results.claims.find((c) => c.claim === 'linearizable')!;
    expect(whole.note).toBe(ALLOWED_NOTE);
    expect(whole.promised).toBe(false);
    expect(results.valid).toBe(true);
  });

  it('finds a session that goes back in time invalid', async () => {
    const backwards = history(
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', v(1, 1)],
      [0, 'invoke', 'cas', [1, 2]],
      [0, 'ok', 'cas', v(2, 2)],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', v(2, 2)],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', v(1, 1)],
    );
    const results = await analyzeHistory(backwards, 'h.jsonl', OPTIONS);
    expect(results.valid).toBe(false);
    expect(verdicts(results)).toMatchObject({
      'writes-linearizable': true,
      sequential: false,
      zookeeper: false,
    });
  });

  it('makes a valid run unknown when no cas succeeded', async () => {
    const noCas = history(
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', v(1, 1)],
      [0, 'invoke', 'cas', [0, 2]],
      [0, 'fail', 'cas', null],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', v(1, 1)],
    );
    const results = await analyzeHistory(noCas, 'h.jsonl', OPTIONS);
    expect(verdicts(results)).toMatchObject({ sequential: true, linearizable: true });
    expect(results.valid).toBe('unknown');
    expect(results.selfCheck).toEqual(['no cas ever succeeded']);
    expect(results.cause).toBe('self-check: no cas ever succeeded');
  });

  it('makes a valid run unknown when it was slower than the floor', async () => {
    // 4 ops over 7 ms: about 571 ops/s.
    const results = await analyzeHistory(VALID, 'h.jsonl', { ...OPTIONS, minOpsPerSecond: 1000 });
    expect(results.valid).toBe('unknown');
    expect(results.cause).toBe('self-check: throughput 571.4 ops/s is under the floor of 1000 ops/s');
  });

  it('gives an empty or all-failed history unknown with that reason, whatever a claim made of no evidence', async () => {
    const claims = [
      ...consistencyClaims({ name: 'zk-versioned-register' }),
      { name: 'durability', title: 'acknowledged writes survive', checker: 'durability', promised: true },
    ];
    const empty = await analyzeHistory([], 'h.jsonl', { ...OPTIONS, claims });
    expect(empty.valid).toBe('unknown');
    expect(empty.cause).toBe('the history has no operations: nothing was checked');
    const failed = await analyzeHistory(
      history([0, 'invoke', 'write', 1], [0, 'info', 'write', 1]),
      'h.jsonl',
      { ...OPTIONS, claims },
    );
    expect(failed.valid).toBe('unknown');
    expect(failed.cause).toBe('no operation succeeded: nothing was checked');
  });

  it('leaves an invalid run invalid whatever the self-check says', async () => {
    const results = await analyzeHistory(
      history(
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', v(1, 1)],
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', v(7, 1)],
      ),
      'h.jsonl',
      OPTIONS,
    );
    expect(results.valid).toBe(false);
    expect(results.selfCheck).toEqual(['no cas ever succeeded']);
    expect(results.cause).toBeUndefined();
  });

  it('refuses a malformed history before checking anything', async () => {
    const orphan = history([0, 'ok', 'write', v(1, 1)]);
    await expect(analyzeHistory(orphan, 'h.jsonl', OPTIONS)).rejects.toThrow(HistoryError);
  });
});

describe('analyzeHistoryFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-analyze-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same verdicts for a recorded file as for the history itself', async () => {
    const file = join(dir, 'history.jsonl');
    let now = 0;
    const rec = new HistoryRecorder(file, () => (now += 1e6) - 1e6);
    for (const op of VALID)
      rec.record({ process: op.process, type: op.type, f: op.f, key: op.key, value: op.value });
    rec.close();
    const fromFile = await analyzeHistoryFile(file, OPTIONS);
    const direct = await analyzeHistory(VALID, file, OPTIONS);
    expect(fromFile.valid).toBe(true);
    expect(verdicts(fromFile)).toEqual(verdicts(direct));
    expect(fromFile.stats).toEqual(direct.stats);
    expect(fromFile.history).toEqual({ file, ops: 8 });
  });

  it("puts the node logs' truncation lines under a broken durability claim, else under the first broken promise", async () => {
    const run = mkdtempSync(join(dir, 'run-'));
    const file = join(run, 'history.jsonl');
    const final = (node: number) => ({ value: 1, version: 1, final: true, node, servers: [1, 2, 3] });
    const steps: Step[] = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', v(1, 1)],
      [0, 'invoke', 'write', 2],
      [0, 'ok', 'write', v(2, 2)],
      ...[1, 2, 3].flatMap((node): Step[] => [
        [10 + node, 'invoke', 'read', null],
        [10 + node, 'ok', 'read', final(node)],
      ]),
    ];
    let now = 0;
    const rec = new HistoryRecorder(file, () => (now += 1e6) - 1e6);
    for (const op of history(...steps))
      rec.record({ process: op.process, type: op.type, f: op.f, key: op.key, value: op.value });
    rec.close();
    mkdirSync(join(run, 'nodes'));
    const truncating =
      '2026-12-06 01:51:51,436 [myid:3] - WARN  [QuorumPeer] - Truncating log to get in sync with the leader 0x100000087';
    writeFileSync(join(run, 'nodes', 'n3.log'), `some line\n${truncating}\nanother\n`);
    writeFileSync(join(run, 'nodes', 'n1.log'), 'nothing of the kind\n');
    const claims = [{ name: 'durability', title: 'writes survive', checker: 'durability', promised: true }];
    const analyzed = await analyzeHistoryFile(file, { ...OPTIONS, claims, requiredFs: [] });
    const durability = analyzed.claims.find((c) => c.claim === 'durability')!;
    expect(durability.valid).toBe(false);
    expect(durability.explanation).toContain(`n3: ${truncating}`);
    expect(durability.explanation?.some((line) => line.startsWith('n1:'))).toBe(false);

    // Without a durability claim, the first broken promise carries the story; the others do not.
    // (A final read older than an acknowledged write: stale, so only whole-history
    // linearizability breaks; here it is declared promised, and a second copy of it too.)
    const strict = OPTIONS.claims
      .filter((c) => c.name === 'linearizable')
      .flatMap((c) => [
        { ...c, promised: true },
        { ...c, name: 'linearizable-again', promised: true },
      ]);
    const withoutDurability = await analyzeHistoryFile(file, { ...OPTIONS, claims: strict, requiredFs: [] });
    const broken = withoutDurability.claims.filter((c) => c.valid === false && c.promised);
    expect(broken.map((c) => c.claim)).toEqual(['linearizable', 'linearizable-again']);
    expect(broken[0].explanation).toContain(`n3: ${truncating}`);
    for (const claim of broken.slice(1)) expect(claim.explanation).not.toContain(`n3: ${truncating}`);
  });
});

describe('formatClaims', () => {
  it('prints one line per claim, aligned, with the note of an allowed violation', async () => {
    const results = await analyzeHistory(stale(), 'h.jsonl', OPTIONS);
    const text = formatClaims(results);
    expect(text.endsWith('\n')).toBe(true);
    const all = text.slice(0, -1).split('\n');
    // Under a broken claim, its explanation, indented: here the stale read and why.
    const evidence = all.filter((line) => line.startsWith('      '));
    expect(evidence[0]).toBe(
      '      process 1 read null (version 0) after the write of 1 (version 1) completed (0.0010 s); no order allows it',
    );
    expect(all.indexOf(evidence[0])).toBe(5);
    const lines = all.filter((line) => !line.startsWith('      '));
    expect(lines).toHaveLength(results.claims.length);
    expect(lines.map((line) => line.replace(/ \d+ ms$/, ' N ms'))).toEqual([
      '  writes linearizable................................. valid  N ms',
      '  reads sequentially consistent....................... valid  N ms',
      "  ZooKeeper's model (ordered sequential consistency).. valid  N ms",
      '  sync+read linearizable.............................. valid  (no sync reads in this history)  [not promised]  N ms',
      `  whole history linearizable.......................... INVALID  (${ALLOWED_NOTE})  [not promised]  N ms`,
    ]);
  });

  it('adds one line per self-check problem', async () => {
    const results = await analyzeHistory(VALID, 'h.jsonl', { ...OPTIONS, minOpsPerSecond: 1000 });
    const lines = formatClaims(results).trimEnd().split('\n');
    expect(lines).toHaveLength(results.claims.length + 1);
    expect(lines.at(-1)).toBe('  self-check: throughput 571.4 ops/s is under the floor of 1000 ops/s');
  });
});
