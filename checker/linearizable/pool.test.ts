/**
 * The worker pool on a queue it shares with the calling thread: workers take parts only once
 * they have started, only parts nobody has taken, and `finish` does not wait for a worker that
 * would find nothing left.
 */
import { describe, expect, it } from 'vitest';
import { toOperations } from '../history/operations.js';
import { casRegister, simulateHistory } from '../testing/simulate.js';
import { partitionOperations, resolveModel } from './check.js';
import { startWorkers } from './pool.js';

const spec = { name: 'cas-register', options: { init: null } };
const parts = () =>
  partitionOperations(
    toOperations(simulateHistory(casRegister, { seed: 2, threads: 3, opsPerKey: 60, keys: 6 })),
    resolveModel(spec),
  );

describe('startWorkers', () => {
  it('checks the parts left in the queue, and only those', async () => {
    const queue = { parts: parts(), next: 2 }; // the calling thread took the first two
    const pool = startWorkers(queue, spec, {}, 1);
    try {
      const results = await pool.done;
      expect(results).toHaveLength(4);
      expect(results.every((result) => result.valid === true)).toBe(true);
      expect(queue.next).toBe(6);
    } finally {
      await pool.stop();
    }
  });

  it('finishes at once when the calling thread has taken every part', async () => {
    const queue = { parts: parts(), next: 0 };
    const pool = startWorkers(queue, spec, {}, 1);
    queue.next = queue.parts.length; // taken here before the worker could start
    try {
      // Before a timer of 0 ms fires: long before a worker could have started and answered.
      const waited = new Promise((resolve) => setTimeout(() => resolve('waited for the worker'), 0));
      expect(await Promise.race([pool.finish(), waited])).toEqual([]);
    } finally {
      await pool.stop();
    }
  });
});
