/**
 * `zkcheck check FILE --claims queue` on queue histories that end with Jepsen's `:drain` ops (as
 * Jepsen's queue tests and its total-queue checker use them), run in this process through main():
 * an ok drain is a dequeue per element it returned and, at its end, the queue found empty; a drain
 * of unknown outcome is never taken for a loss; a failed one took nothing; an ok drain without its
 * list of elements is bad input (one line, 254). zkcheck JSONL drains read alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkInProcess } from '../../test/check-in-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-queue-drain-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const zkcheck = checkInProcess;

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Producers 0 and 1 enqueue 1..4 (3 of unknown outcome), consumer 2 dequeues 1, then processes 2
 * and 3 drain: process 3's drain fails (it took nothing), process 2's returns `drained` (or ends
 * as `drainEnd` says).
 */
const jepsen = (drained: string, drainEnd = `:ok, :f :drain, :value ${drained}`) => `[
{:type :invoke, :f :enqueue, :value 1, :process 0, :time 1}
{:type :invoke, :f :enqueue, :value 2, :process 1, :time 2}
{:type :ok, :f :enqueue, :value 1, :process 0, :time 3}
{:type :ok, :f :enqueue, :value 2, :process 1, :time 4}
{:type :invoke, :f :enqueue, :value 3, :process 0, :time 5}
{:type :info, :f :enqueue, :value 3, :process 0, :time 6, :error :timeout}
{:type :invoke, :f :enqueue, :value 4, :process 1, :time 7}
{:type :ok, :f :enqueue, :value 4, :process 1, :time 8}
{:type :invoke, :f :dequeue, :value nil, :process 2, :time 9}
{:type :ok, :f :dequeue, :value 1, :process 2, :time 10}
{:type :invoke, :f :drain, :value nil, :process 3, :time 11}
{:type :fail, :f :drain, :value nil, :process 3, :time 12, :error :unavailable}
{:type :invoke, :f :drain, :value nil, :process 2, :time 13}
{:type ${drainEnd}, :process 2, :time 14}
]
`;
const TOTAL = 'every acknowledged enqueue dequeued exactly once, nothing else';

describe('check --claims queue with drains', () => {
  it("passes a Jepsen history whose drain took every acknowledged element that was left, 3's fate unknown", async () => {
    for (const drained of ['[2 4]', '[4 3 2]']) {
      const result = await zkcheck(file('ok.edn', jepsen(drained)), '--claims', 'queue');
      expect(result.stderr, drained).toBe('');
      expect(result.stdout, drained).toMatch(new RegExp(`${TOTAL}\\s+valid`));
      expect(result.stdout, drained).toMatch(
        /linearizable FIFO queue \(search, small histories only\)\s+valid/,
      );
      // No sequence numbers in a Jepsen history: FIFO by sequence is not declared.
      expect(result.stdout, drained).not.toMatch(/no consumer passes over/);
      expect(result.code, drained).toBe(0);
    }
  });

  it('fails a drained element that was never enqueued', async () => {
    const result = await zkcheck(file('phantom.edn', jepsen('[2 4 9]')), '--claims', 'queue');
    expect(result.stdout).toMatch(new RegExp(`${TOTAL}\\s+INVALID`));
    expect(result.stdout).toMatch(
      /1 elements dequeued that were not enqueued: 9 by process 2 op 12 \(a drain\), never enqueued/,
    );
    expect(result.code).toBe(1);
  });

  it('fails an acknowledged element neither dequeued nor drained: the drain ended with the queue empty', async () => {
    const path = file('lost.edn', jepsen('[2]'));
    for (const flags of [[], ['--drained']]) {
      const result = await zkcheck(path, '--claims', 'queue', ...flags);
      expect(result.stdout, flags.join()).toMatch(new RegExp(`${TOTAL}\\s+INVALID`));
      expect(result.stdout, flags.join()).toMatch(
        /1 acknowledged enqueues were never dequeued, though (process 2 op 12 \(a drain\) found the queue empty after them|the history ends with the queue drained) and only 0 dequeues of unknown outcome could have taken any: 4/,
      );
      expect(result.code, flags.join()).toBe(1);
    }
  });

  it('never calls lost what a drain of unknown outcome may have taken: unknown, naming the drain', async () => {
    const path = file('crashed.edn', jepsen('', ':info, :f :drain, :value nil, :error :timeout'));
    for (const flags of [[], ['--drained']]) {
      const result = await zkcheck(path, '--claims', 'queue', ...flags);
      expect(result.stderr, flags.join()).toBe('');
      expect(result.stdout, flags.join()).not.toMatch(/INVALID/);
      expect(result.stdout, flags.join()).toMatch(new RegExp(`${TOTAL}\\s+unknown`));
      if (flags.length > 0)
        expect(result.stdout).toMatch(
          /2 acknowledged elements were never dequeued, but a drain of unknown outcome \(process 2 op 12\) may have taken them: 2, 4/,
        );
      expect(result.code, flags.join()).not.toBe(1);
    }
  });

  it('refuses an ok drain without its list of elements: one line, exit 254', async () => {
    const result = await zkcheck(file('bad.edn', jepsen('5')), '--claims', 'queue');
    expect(result.code).toBe(254);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^zkcheck: .*bad\.edn: ops 12→13 \(process 2 drain\): an ok drain's value must be the list of elements it took, got 5\n$/,
    );
  });

  it('reads drains in zkcheck JSONL alike', async () => {
    const ops = [
      { process: 0, type: 'invoke', f: 'enqueue', value: 1 },
      { process: 0, type: 'ok', f: 'enqueue', value: 1 },
      { process: 0, type: 'invoke', f: 'enqueue', value: 2 },
      { process: 0, type: 'ok', f: 'enqueue', value: 2 },
      { process: 1, type: 'invoke', f: 'drain', value: null },
      { process: 1, type: 'ok', f: 'drain', value: [1] },
    ];
    const text = ops.map((op, index) => JSON.stringify({ index, time: index + 1, ...op })).join('\n') + '\n';
    const result = await zkcheck(file('drain.jsonl', text), '--claims', 'queue');
    expect(result.stdout).toMatch(/1 acknowledged enqueues were never dequeued, .*: 2/);
    expect(result.code).toBe(1);
  });
});
