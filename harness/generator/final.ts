/** The standard tail of a test: heal every fault, give the system time to recover, then read. */
import { log, phases } from './combinators.js';
import { sleep } from './time.js';
import { clients, nemesis } from './threads.js';
import type { Gen } from './types.js';

/**
 * Once everything before it has completed: `heal` on the nemesis thread (e.g. the composed final
 * generators of every fault package), then `recoverySeconds` of quiet, then `finalReads` on the
 * client threads (typically `eachThread(untilOk({ f: 'read' }))`). Each step waits for the previous
 * one's ops to complete, and each is announced through the driver's logger. Without `heal` (no
 * nemesis) no fault struck, so there is nothing to recover from and no quiet time.
 */
export function finalPhase(heal: Gen, recoverySeconds: number, finalReads: Gen): Gen {
  // Only the steps there are get announced: no "healing" without faults, no reads without reads.
  return phases(
    ...(heal == null
      ? []
      : [
          log('final phase: healing every fault'),
          nemesis(heal),
          log(`final phase: waiting ${recoverySeconds} s for recovery`),
          sleep(recoverySeconds),
        ]),
    ...(finalReads == null ? [] : [log('final phase: final reads'), clients(finalReads)]),
  );
}
