/**
 * Checks independent parts on worker threads. Each worker rebuilds the model from its registry
 * name and interleaves up to ACTIVE_PARTS parts; the pool hands a worker parts of a queue once it
 * has started and then one each time one of its parts ends, and stops every worker at the first
 * invalid part. The queue
 * may be shared with the calling thread, which then searches parts of the same queue itself
 * (check.ts: a check that turns out long goes parallel without giving up the parts it began).
 * Deadlines cross threads as wall-clock epoch milliseconds, since each thread's
 * performance.now() has its own origin.
 */
import { Worker } from 'node:worker_threads';
import type { Operation } from '../history/types.js';
import type { ModelSpec } from './types.js';
import { ACTIVE_PARTS, isFinal, type PartResult } from './interleave.js';
import type { SearchLimits, SearchResult } from './search.js';

/** Limits as they cross to a worker: the deadline as epoch ms. */
export type WorkerLimits = Omit<SearchLimits, 'deadline' | 'meter'> & { deadlineEpoch?: number };

export type WorkerRequest =
  { type: 'init'; spec: ModelSpec; limits: WorkerLimits } | { type: 'part'; index: number; ops: Operation[] };

export type WorkerReply =
  { type: 'ready' } | { type: 'done'; parts: PartResult[] } | { type: 'error'; message: string };

/** Parts to check, taken in order by whichever thread is free: `next` is the first not taken. */
export interface PartQueue {
  readonly parts: Operation[][];
  next: number;
}

/** Workers at work on a queue. */
export interface RunningPool {
  /**
   * The verdicts of the parts the workers took; settles once they took every part and each has
   * a verdict, or at the first final one (invalid, out of time); rejects on a worker's error.
   */
  readonly done: Promise<SearchResult[]>;
  /** Whether a final verdict has arrived (then `done` has settled). */
  readonly final: boolean;
  /** `done`, or at once the verdicts so far when the queue is empty and no part is out. */
  finish(): Promise<SearchResult[]>;
  /** Stops every worker; they take no more parts. */
  stop(): Promise<void>;
}

/** The worker script; under vitest or tsx the sources are .ts and tsx must load them. */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here));
  const source = new URL('./worker.ts', here).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** Checks every part on `workerCount` worker threads; the calling thread only waits. */
export async function runOnWorkers(
  parts: Operation[][],
  spec: ModelSpec,
  limits: SearchLimits,
  workerCount: number,
): Promise<SearchResult[]> {
  const pool = startWorkers({ parts, next: 0 }, spec, limits, workerCount);
  try {
    return await pool.done;
  } finally {
    await pool.stop();
  }
}

/** Starts `workerCount` workers taking parts from `queue` until it is empty or a verdict is final. */
export function startWorkers(
  queue: PartQueue,
  spec: ModelSpec,
  limits: SearchLimits,
  workerCount: number,
): RunningPool {
  const deadlineEpoch = limits.deadline === undefined ? undefined : performance.timeOrigin + limits.deadline;
  const workerLimits: WorkerLimits = {
    maxMemoryBytes: limits.maxMemoryBytes,
    maxConfigurations: limits.maxConfigurations,
    deadlineEpoch,
  };
  const results: SearchResult[] = [];
  const workers: Worker[] = [];
  let pending = 0;
  let stopped = false;
  let final = false;

  const done = new Promise<SearchResult[]>((resolve, reject) => {
    const settleIfIdle = () => {
      if (pending === 0 && queue.next >= queue.parts.length) resolve(results);
    };
    const feed = (worker: Worker, count: number) => {
      for (let i = 0; i < count && !stopped && queue.next < queue.parts.length; i++) {
        const index = queue.next++;
        pending++;
        worker.postMessage({ type: 'part', index, ops: queue.parts[index] } satisfies WorkerRequest);
      }
      settleIfIdle();
    };
    for (let i = 0; i < workerCount; i++) {
      const worker = spawnWorker();
      workers.push(worker);
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'error') {
          stopped = true;
          reject(new Error(reply.message));
          return;
        }
        // Parts only once it has started (50-100 ms): until then the queue's parts stay free for
        // the calling thread and the other workers.
        if (reply.type === 'ready') {
          feed(worker, ACTIVE_PARTS);
          return;
        }
        pending -= reply.parts.length;
        for (const { result } of reply.parts) {
          results.push(result);
          if (isFinal(result)) stopped = final = true;
        }
        if (final) resolve(results);
        else feed(worker, reply.parts.length);
      });
      worker.on('error', (error) => {
        stopped = true;
        reject(error);
      });
      worker.postMessage({ type: 'init', spec, limits: workerLimits } satisfies WorkerRequest);
    }
  });
  // A rejection nobody awaits yet (the caller is still searching) must not end the process.
  done.catch(() => undefined);
  return {
    done,
    get final() {
      return final;
    },
    finish() {
      // Every part handed out has its verdict and none is left: workers still starting would take
      // nothing, so there is no need to wait for them.
      return !final && pending === 0 && queue.next >= queue.parts.length ? Promise.resolve(results) : done;
    },
    async stop() {
      stopped = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
