/**
 * Keeps a zkcheck process from hanging forever as it exits, a Node bug (nodejs/node#54918, open,
 * not fixed in Node 20): when the event loop ends, the main thread waits for V8's worker threads
 * to finish their tasks, and a concurrent optimizing compile of a function that became hot near
 * the end may itself be waiting for a garbage collection that only the main thread can run. Both
 * wait for ever; gdb shows the main thread in `NodePlatform::DrainTasks` and the compiler threads
 * in `CollectionBarrier::AwaitCollectionBackground`.
 *
 * A compile asks for a collection when its allocation finds the old generation at its limit. One
 * full collection on the main thread just before the end resets that limit from what is still
 * live (little, once the command has returned), so a compile still in flight allocates without
 * asking. `npm run bench:exit` (processes that end right after 120 checks) measured 2 hangs in
 * 100 runs without it and none in 100 with it; the same script run in a shell loop hung in 8 of
 * 100 runs without it and in none of 450 with it. It costs 5-15 ms.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectBeforeExit(): void {
  // `gc` is installed in contexts created after the flag is set, so a fresh one lends it.
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
