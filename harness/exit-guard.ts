/**
 * Makes a zkcheck process far less likely to hang for ever as it exits, a Node bug
 * (nodejs/node#54918, open; also reported on Node 24 and 26, so keep this when upgrading): when
 * the event loop ends, the main thread waits for V8's worker threads to finish their tasks, and a
 * concurrent optimizing compile of a function that became hot near the end may itself be waiting
 * for a garbage collection that only the main thread can run. Both wait for ever; gdb on a hung
 * process here showed the main thread in `NodePlatform::DrainTasks` and two compiler threads in
 * `CollectionBarrier::AwaitCollectionBackground`.
 *
 * Why this helps, as far as we can tell (a reading of V8, confirmed only by measurement): a
 * compile asks for a collection when its allocation finds the old generation at its limit, and
 * one full collection on the main thread just before the end resets that limit from what is still
 * live (little, once the command has returned), so a compile still in flight allocates without
 * asking. It is no proof: Node's maintainers name other ways into the same wait (a collection at
 * the hard heap limit). Measured: `npm run bench:exit` (processes that end right after 120
 * checks) hung in 2 of 100 runs without it and in none of 100 with it; a script like it in a shell
 * loop hung in 8 of 100 runs without it and in none of 450 with it. It costs 5-16 ms.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectBeforeExit(): void {
  // `gc` is installed in contexts created after the flag is set, so a fresh one lends it.
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
