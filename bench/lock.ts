/**
 * bench:lock — the lock claims (ownership, fenced, belief, liveness) on a synthetic 100,000-op lock
 * history: 10 locks, 3 contenders each, their cycles (acquire, incr-fenced, incr-unfenced,
 * incr-unfenced, incr-fenced, release) interleaved across locks; one holder in 100 loses its
 * session (its second fenced increment refused, its release finding nothing); a final read per
 * lock. Then the same history as Knossos mutex ops (checker/history/mutex.ts), checked for
 * linearizability against the `mutex` model. Prints the times and the peak RSS.
 */
import { evaluateClaims } from '../checker/claims/evaluate.js';
import type { ClaimSpec } from '../checker/claims/types.js';
import { lockHistoryToMutex } from '../checker/history/mutex.js';
import { toOperations } from '../checker/history/operations.js';
import type { History, Op } from '../checker/history/types.js';
import { checkLinearizable } from '../checker/linearizable/check.js';

const OPS = 100_000;
const LOCKS = 10;
const CONTENDERS = 3;

/** The raw history (invokes and completions) of OPS operations. */
function history(n: number): History {
  const out: History = [];
  const add = (op: { process: number; type: Op['type']; f: string; key: number; value: unknown }) =>
    out.push({ ...op, index: out.length, time: out.length * 1000 });
  const state = Array.from({ length: LOCKS }, () => ({ seq: 0, turn: 0, counter: 0, version: 1 }));
  let ops = 0;
  let cycle = 0;
  const pair = (process: number, key: number, f: string, input: unknown, output: unknown) => {
    add({ process, type: 'invoke', f, key, value: input });
    add({ process, type: 'ok', f, key, value: output });
    ops++;
  };
  while (ops < n - LOCKS) {
    // One cycle on each lock, the locks' ops interleaved op by op.
    const cycles = state.map((lock, key) => {
      const process = key * CONTENDERS + (lock.turn++ % CONTENDERS);
      const seq = ++lock.seq;
      const node = { node: `n-${String(seq).padStart(10, '0')}`, seq };
      const lost = cycle++ % 100 === 99;
      const at = () => out.length;
      const fenced = (refused: boolean) => () =>
        refused
          ? pair(process, key, 'incr-fenced', node, { applied: false, reason: 'session expired', at: at() })
          : pair(process, key, 'incr-fenced', node, {
              applied: true,
              value: ++lock.counter,
              version: ++lock.version,
              at: at(),
            });
      return [
        () => pair(process, key, 'acquire', null, { ...node, session: `0x${process}`, at: at() }),
        fenced(false),
        () => pair(process, key, 'incr-unfenced', node, { applied: true, value: 1, at: at() }),
        () => pair(process, key, 'incr-unfenced', node, { applied: true, value: 2, at: at() }),
        fenced(lost),
        () =>
          pair(
            process,
            key,
            'release',
            node,
            lost ? { deleted: false, reason: 'session expired', at: at() } : { deleted: true, at: at() },
          ),
      ];
    });
    for (let step = 0; step < cycles[0].length && ops < n - LOCKS; step++) for (const c of cycles) c[step]();
  }
  state.forEach((lock, key) =>
    pair(LOCKS * CONTENDERS, key, 'read', null, {
      fenced: { value: lock.counter, version: lock.version },
      unfenced: { value: 2 },
    }),
  );
  return out;
}

const raw = history(OPS);
const ops = toOperations(raw);
const specs: ClaimSpec[] = ['ownership', 'fenced', 'belief', 'liveness'].map((property) => ({
  name: property,
  title: property,
  promised: property === 'ownership' || property === 'fenced',
  checker: 'lock',
  options: property === 'liveness' ? { property, boundMs: 15_000 } : { property },
}));

const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const results = await evaluateClaims(ops, specs);
const claimsMs = performance.now() - started;

const mutexStarted = performance.now();
const mutex = lockHistoryToMutex(raw);
const linearizable = await checkLinearizable(toOperations(mutex), { name: 'mutex' });
const mutexMs = performance.now() - mutexStarted;
const peakRss = process.resourceUsage().maxRSS * 1024;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `lock claims on ${ops.length} ops (${LOCKS} locks): ${results.map((r) => `${r.claim} ${String(r.valid)}`).join(', ')}; ` +
    `${(claimsMs / 1000).toFixed(2)} s`,
);
console.log(
  `as Knossos mutex ops: ${mutex.length} history entries, linearizable ${String(linearizable.valid)}; ${(mutexMs / 1000).toFixed(2)} s`,
);
console.log(`rss before the check ${mib(rssBefore)}, peak ${mib(peakRss)}`);
if (results.some((r) => r.valid !== true) || linearizable.valid !== true) {
  console.error('bench:lock: a claim of the synthetic (correct) history is not valid');
  process.exitCode = 1;
}
