/**
 * Worker-thread entry for pool.ts: interleaves the parts it is given and reports each verdict.
 * Between turns it yields to the event loop so new parts can arrive.
 */
import { parentPort } from 'node:worker_threads';
import { resolveModel, searchModelOf } from './check.js';
import { Interleaver } from './interleave.js';
import type { WorkerReply, WorkerRequest } from './pool.js';

let interleaver: Interleaver | undefined;
let running = false;

function post(reply: WorkerReply): void {
  parentPort?.postMessage(reply);
}

function loop(): void {
  if (!interleaver || interleaver.size === 0) {
    running = false;
    return;
  }
  try {
    const parts = interleaver.turn();
    if (parts.length > 0) post({ type: 'done', parts });
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
    return;
  }
  setImmediate(loop);
}

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    if (request.type === 'init') {
      const { deadlineEpoch, ...limits } = request.limits;
      const deadline = deadlineEpoch === undefined ? undefined : deadlineEpoch - performance.timeOrigin;
      interleaver = new Interleaver(searchModelOf(resolveModel(request.spec)), {
        ...limits,
        deadline,
        meter: { bytes: 0 },
      });
      post({ type: 'ready' });
      return;
    }
    interleaver!.add(request.index, request.ops);
    if (!running) {
      running = true;
      setImmediate(loop);
    }
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  }
});
