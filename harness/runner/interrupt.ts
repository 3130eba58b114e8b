/**
 * Ctrl-C (SIGINT) and SIGTERM during a run. The first one stops new ops: those in flight finish
 * and are recorded, every fault is left to teardown, the ensemble comes down in order and what
 * was recorded is still checked. A second one exits at once: the exit handlers still tear the
 * ensemble down and flush the history, which stays readable by `zkcheck analyze`.
 */

export interface Interruption {
  /** Aborts on the first signal (or when `also` aborts). */
  readonly signal: AbortSignal;
  /** Removes the handlers (the run is over). */
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function handleInterrupts(options: {
  out: (text: string) => void;
  also?: AbortSignal;
  /** Called just before a second signal exits (e.g. to mark the run interrupted). */
  beforeExit?: () => void;
}): Interruption {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (!controller.signal.aborted) {
      options.out(
        '\n  interrupted: stopping new ops, waiting for those in flight, then tearing down (again to quit now)\n',
      );
      controller.abort();
      return;
    }
    options.out('\n  interrupted again: quitting now; the history so far stays readable (zkcheck analyze)\n');
    options.beforeExit?.();
    process.exit(130);
  };
  const onAlso = (): void => controller.abort();
  if (options.also?.aborted) controller.abort();
  options.also?.addEventListener('abort', onAlso, { once: true });
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
      options.also?.removeEventListener('abort', onAlso);
    },
  };
}
