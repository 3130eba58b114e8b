/**
 * `zkcheck check --claims queue`: queue histories in Jepsen EDN (`:enqueue` / `:dequeue`, as
 * Jepsen's queue tests record them) and in zkcheck JSONL, checked with the queue claims, through
 * the built bin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../bin/zkcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'zkcheck-cli-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zkcheck(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'check', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Two producers, two consumers; 2 is taken while 1 is still queued (allowed: not FIFO-promised). */
const jepsen = (lastTaken: string, end = '') => `[
{:type :invoke, :f :enqueue, :value 1, :process 0, :time 1}
{:type :invoke, :f :enqueue, :value 2, :process 1, :time 2}
{:type :ok, :f :enqueue, :value 1, :process 0, :time 3}
{:type :ok, :f :enqueue, :value 2, :process 1, :time 4}
{:type :invoke, :f :enqueue, :value 3, :process 0, :time 5}
{:type :info, :f :enqueue, :value 3, :process 0, :time 6, :error :timeout}
{:type :invoke, :f :dequeue, :value nil, :process 2, :time 7}
{:type :ok, :f :dequeue, :value 1, :process 2, :time 8}
{:type :invoke, :f :dequeue, :value nil, :process 3, :time 9}
{:type :fail, :f :dequeue, :value nil, :process 3, :time 10, :error :empty}
{:type :invoke, :f :dequeue, :value nil, :process 3, :time 11}
{:type :ok, :f :dequeue, :value ${lastTaken}, :process 3, :time 12}
{:type :invoke, :f :enqueue, :value 4, :process 1, :time 13}
{:type :ok, :f :enqueue, :value 4, :process 1, :time 14}
{:type :invoke, :f :dequeue, :value nil, :process 2, :time 15}
{:type :ok, :f :dequeue, :value 4, :process 2, :time 16}
${end}]
`;
const EMPTY = `{:type :invoke, :f :dequeue, :value nil, :process 2, :time 17}
{:type :ok, :f :dequeue, :value nil, :process 2, :time 18}`;

describe('check --claims queue', () => {
  it('passes a Jepsen EDN queue history in which every acknowledged element was dequeued once', () => {
    const result = zkcheck(file('ok.edn', jepsen('2', EMPTY)), '--claims', 'queue');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/every acknowledged enqueue dequeued exactly once, nothing else\s+valid/);
    expect(result.stdout).toMatch(/linearizable FIFO queue \(search, small histories only\)\s+valid/);
    // Jepsen histories carry no sequence numbers: FIFO by sequence is not declared.
    expect(result.stdout).not.toMatch(/no consumer passes over/);
    expect(result.status).toBe(0);
  });

  it('fails a Jepsen EDN queue history with a lost element, found by an "empty" dequeue or --drained', () => {
    const history = jepsen('2', EMPTY).replace(/.*:process 2, :time 1[56]}\n/g, '');
    const lost = zkcheck(file('lost.edn', history), '--claims', 'queue');
    expect(lost.stderr).toBe('');
    expect(lost.stdout).toMatch(
      /every acknowledged enqueue dequeued exactly once, nothing else\s+INVALID[^\n]*\n(.*\n)*.*1 acknowledged enqueues were never dequeued, though process 2 op \d+ found the queue empty after them and only 0 dequeues of unknown outcome could have taken any: 4/,
    );
    expect(lost.status).toBe(1);

    // No "empty" observation: a lost element cannot be judged, unless the history ends drained.
    const unjudged = file('unjudged.edn', jepsen('3'));
    expect(zkcheck(unjudged, '--claims', 'queue').stdout).toMatch(
      /every acknowledged enqueue dequeued exactly once, nothing else\s+unknown[^\n]*1 acknowledged elements were never dequeued/,
    );
    const drained = zkcheck(unjudged, '--claims', 'queue', '--drained');
    expect(drained.stdout).toMatch(/the history ends with the queue drained .*: 2/);
    expect(drained.status).toBe(1);
  });

  it('catches a duplicate dequeue in EDN; a dequeue of unknown outcome may have taken the lost one', () => {
    const twice = zkcheck(file('twice.edn', jepsen('1', EMPTY)), '--claims', 'queue');
    expect(twice.stdout).toMatch(/1 elements dequeued twice: 1 \(process 2 op \d+, then process 3 op \d+\)/);
    expect(twice.status).toBe(1);
    const unknownTake = jepsen('3', EMPTY).replace(
      '{:type :invoke, :f :enqueue, :value 4',
      '{:type :invoke, :f :dequeue, :value nil, :process 4, :time 12}\n{:type :invoke, :f :enqueue, :value 4',
    );
    const covered = zkcheck(file('covered.edn', unknownTake), '--claims', 'queue');
    expect(covered.stdout).toMatch(/dequeued exactly once, nothing else\s+valid/);
  });

  it('reads zkcheck JSONL queue histories alike (sync marks: only synced "empty" observations count)', () => {
    const jsonl = [
      { index: 0, time: 1, process: 0, type: 'invoke', f: 'enqueue', value: 1 },
      { index: 1, time: 2, process: 0, type: 'ok', f: 'enqueue', value: { value: 1, seq: 0 } },
      { index: 2, time: 3, process: 1, type: 'invoke', f: 'dequeue', value: null, sync: true },
      { index: 3, time: 4, process: 1, type: 'ok', f: 'dequeue', value: { value: 1, seq: 0, skipped: [] } },
      { index: 4, time: 5, process: 1, type: 'invoke', f: 'dequeue', value: null, sync: true },
      { index: 5, time: 6, process: 1, type: 'ok', f: 'dequeue', value: null },
    ];
    const text = jsonl.map((op) => JSON.stringify(op)).join('\n') + '\n';
    const result = zkcheck(file('queue.jsonl', text), '--claims', 'queue');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/dequeued exactly once, nothing else\s+valid/);
    expect(result.stdout).toMatch(/no consumer passes over .*valid/);
    expect(result.status).toBe(0);
  });

  it('refuses --claims with --model, no --model nor --claims, and --drained alone: one line, exit 254', () => {
    const path = file('any.edn', jepsen('2', EMPTY));
    for (const args of [
      ['--claims', 'queue', '--model', 'fifo-queue'],
      [],
      ['--model', 'fifo-queue', '--drained'],
      ['--claims', 'stack'],
    ]) {
      const result = zkcheck(path, ...args);
      expect(result.status, args.join(' ')).toBe(254);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
