/**
 * Checks independent parts on worker threads. Each worker rebuilds the model from its registry
 * name and interleaves up to ACTIVE_PARTS parts; the pool hands a worker a new part each time one
 * of its parts ends, and stops every worker at the first invalid part. Deadlines cross threads as
 * wall-clock epoch milliseconds, since each thread's performance.now() has its own origin.
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

export type WorkerReply = { type: 'done'; parts: PartResult[] } | { type: 'error'; message: string };

/** The worker script; under vitest or tsx the sources are .ts and tsx must load them. */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here));
  const source = new URL('./worker.ts', here).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true });
}

export async function runOnWorkers(
  parts: Operation[][],
  spec: ModelSpec,
  limits: SearchLimits,
  workerCount: number,
): Promise<SearchResult[]> {
  const deadlineEpoch = limits.deadline === undefined ? undefined : performance.timeOrigin + limits.deadline;
  const workerLimits: WorkerLimits = {
    maxMemoryBytes: limits.maxMemoryBytes,
    maxConfigurations: limits.maxConfigurations,
    deadlineEpoch,
  };
  const results: SearchResult[] = [];
  const workers: Worker[] = [];
  let nextPart = 0;
  let pending = 0;
  let stopped = false;

  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (worker: Worker, count: number) => {
        for (let i = 0; i < count && !stopped && nextPart < parts.length; i++) {
          const index = nextPart++;
          pending++;
          worker.postMessage({ type: 'part', index, ops: parts[index] } satisfies WorkerRequest);
        }
        if (pending === 0) resolve();
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
          pending -= reply.parts.length;
          for (const { result } of reply.parts) {
            results.push(result);
            if (isFinal(result)) stopped = true;
          }
          if (stopped) resolve();
          else feed(worker, reply.parts.length);
        });
        worker.on('error', (error) => {
          stopped = true;
          reject(error);
        });
        worker.postMessage({ type: 'init', spec, limits: workerLimits } satisfies WorkerRequest);
        feed(worker, ACTIVE_PARTS);
      }
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}
