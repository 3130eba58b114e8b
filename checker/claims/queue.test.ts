/**
 * The queue and id claim checkers on crafted histories (each anomaly caught, its anomaly-free twin
 * passing) and, as properties, against brute-force oracles: the unordered-queue and an
 * increasing-id model searched over every order, and a simulated correct ZooKeeper queue recipe
 * with racing consumers and lost replies, which no promised claim may flag.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Operation } from '../history/types.js';
import { bruteForceLinearizable } from '../linearizable/bruteforce.js';
import type { Model } from '../models/model.js';
import { unorderedQueueModel } from '../models/unordered-queue.js';
import { evaluateClaims } from './evaluate.js';
import { uniqueIds } from './ids.js';
import { queueFifo } from './queue-fifo.js';
import { queueLinearizable } from './queue-linearizable.js';
import { queueTotal } from './queue-total.js';
import type { ClaimOutcome } from './types.js';

let nextId = 0;
/** An op over history positions [call, ret]; ret Infinity makes it unknown-outcome. */
function op(f: string, input: unknown, output: unknown, call: number, ret: number, process = 0): Operation {
  const unknown = ret === Infinity;
  return {
    id: nextId++,
    process,
    f,
    input,
    output: unknown ? undefined : output,
    status: unknown ? 'info' : 'ok',
    call,
    ret,
    invokeIndex: call,
    ...(unknown ? {} : { completeIndex: ret }),
  };
}
const enq = (v: number, call: number, ret: number, p = 0) => op('enqueue', v, v, call, ret, p);
/** A sync'd dequeue: null output is "empty"; an element, or {value, seq, skipped}. */
const deq = (output: unknown, call: number, ret: number, p = 1) => ({
  ...op('dequeue', null, output, call, ret, p),
  sync: true,
});
const total = (ops: Operation[], options = {}) => queueTotal(ops, options, {}) as ClaimOutcome;
const fifo = (ops: Operation[]) => queueFifo(ops, {}, {}) as ClaimOutcome;

describe('queue-total', () => {
  it('catches a lost enqueue; its twin, drained, passes', () => {
    const lost = [enq(1, 0, 1), enq(2, 2, 3), deq(1, 4, 5), deq(null, 6, 7)];
    const result = total(lost);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      '1 acknowledged enqueues were never dequeued, though process 1 op 6 found the queue empty after them and only 0 dequeues of unknown outcome could have taken any: 2',
    ]);
    expect(total([...lost.slice(0, 3), deq(2, 6, 7), deq(null, 8, 9)]).valid).toBe(true);
  });

  it('is unknown when the drain never observed the queue empty', () => {
    const result = total([enq(1, 0, 1), enq(2, 2, 3), deq(1, 4, 5)]);
    expect(result.valid).toBe('unknown');
    expect(result.cause).toMatch(/^1 acknowledged elements were never dequeued/);
  });

  it('with drained: true judges what nobody took at the end of the history; an unknown dequeue may have taken it', () => {
    const lost = [enq(1, 0, 1), enq(2, 2, 3), deq(1, 4, 5)];
    const result = total(lost, { drained: true });
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      '1 acknowledged enqueues were never dequeued, though the history ends with the queue drained and only 0 dequeues of unknown outcome could have taken any: 2',
    ]);
    expect(total([...lost, deq(2, 6, 7)], { drained: true }).valid).toBe(true);
    expect(total([...lost, deq(2, 6, Infinity)], { drained: true }).valid).toBe(true);
  });

  it('catches a duplicate dequeue; its twin passes', () => {
    const twice = [enq(1, 0, 1), deq(1, 2, 4, 1), deq(1, 3, 5, 2), deq(null, 6, 7)];
    const result = total(twice);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      '1 elements dequeued twice: 1 (process 1 op 2, then process 2 op 3)',
    ]);
    expect(
      total([enq(1, 0, 1), enq(2, 8, 9), deq(1, 2, 4, 1), deq(2, 3, 10, 2), deq(null, 11, 12)]).valid,
    ).toBe(true);
  });

  it('catches a phantom element and one dequeued before its enqueue began; twins pass', () => {
    expect(total([enq(1, 0, 1), deq(7, 2, 3), deq(1, 4, 5), deq(null, 6, 7)]).explanation).toEqual([
      '1 elements dequeued that were not enqueued: 7 by process 1 op 2, never enqueued',
    ]);
    expect(total([deq(1, 0, 1), enq(1, 2, 3), deq(null, 4, 5)]).explanation?.[0]).toMatch(
      /before its enqueue \(process 0 op 2\) began/,
    );
    // Concurrent with its enqueue, or an enqueue of unknown outcome: fine.
    expect(total([deq(1, 0, 3), enq(1, 1, 2), deq(null, 4, 5)]).valid).toBe(true);
    expect(total([enq(1, 0, Infinity), deq(1, 1, 2), deq(null, 4, 5)]).valid).toBe(true);
  });

  it('lets an unknown dequeue have removed the head, and an unknown enqueue not have happened', () => {
    expect(total([enq(1, 0, 1), deq(null, 2, Infinity, 1), deq(null, 3, 4, 2)]).valid).toBe(true);
    expect(total([enq(1, 0, Infinity), deq(null, 3, 4, 2)]).valid).toBe(true);
    // One unknown dequeue cannot account for two missing elements.
    expect(total([enq(1, 0, 1), enq(2, 2, 3), deq(null, 4, Infinity, 1), deq(null, 5, 6, 2)]).valid).toBe(
      false,
    );
  });

  it('catches an "empty" observation while an element must be present; twins pass', () => {
    const present = [enq(1, 0, 1), deq(null, 2, 3, 1), deq(1, 4, 5, 2), deq(null, 6, 7)];
    const result = total(present);
    expect(result.valid).toBe(false);
    expect(result.explanation).toEqual([
      '1 "empty" observations while an element was present: process 1 op 2 found the queue empty while 1 was in it (enqueued by process 0 op 0, taken later by process 2 op 4)',
    ]);
    // The taker overlaps the empty observation: it may have taken 1 first.
    expect(total([enq(1, 0, 1), deq(null, 2, 4, 1), deq(1, 3, 5, 2), deq(null, 6, 7)]).valid).toBe(true);
    // Without sync() the listing may be stale: not an observation of the present, unless told.
    const stale = present.map((o) => ({ ...o, sync: undefined }));
    expect(total(stale).valid).toBe(true);
    expect(total(stale, { unsyncedEmpty: true }).valid).toBe(false);
  });

  it('keeps queues (keys) apart', () => {
    const k = (o: Operation, key: number) => ({ ...o, key });
    const ops = [k(enq(1, 0, 1), 0), k(deq(null, 2, 3, 1), 1), k(deq(1, 4, 5, 2), 0), k(deq(null, 6, 7), 0)];
    expect(total(ops).valid).toBe(true);
    expect(total(ops.map((o) => ({ ...o, key: 0 }))).valid).toBe(false);
  });
});

describe('queue-fifo', () => {
  const took = (value: number, seq: number, skipped: number[] = []) => ({ value, seq, skipped });

  it('lets racing consumers pass over what the other took first', () => {
    // Both list [0, 1]; process 1 takes 0, process 2 finds 0 gone and takes 1.
    const ops = [enq(10, 0, 1), enq(11, 2, 3), deq(took(10, 0), 4, 7, 1), deq(took(11, 1, [0]), 5, 8, 2)];
    expect(fifo(ops)).toEqual({ valid: true, method: 'queue-fifo' });
    // ... also when the taker's reply was lost: it may have removed 0.
    expect(fifo([ops[0], ops[1], deq(null, 4, Infinity, 1), ops[3]]).valid).toBe(true);
  });

  it('catches a consumer that passed over an element still in the queue', () => {
    const later = [enq(10, 0, 1), enq(11, 2, 3), deq(took(11, 1, [0]), 4, 5, 2), deq(took(10, 0), 6, 7, 1)];
    expect(fifo(later)).toMatchObject({
      valid: false,
      explanation: [
        '1 times a consumer took an element while a lower one of its listing was still in the queue: process 2 op 4 took 1 passing over 0, which process 1 op 6 took only after it ended',
      ],
    });
    const nobody = [enq(10, 0, 1), enq(11, 2, 3), deq(took(11, 1, [0]), 4, 5, 2)];
    expect(fifo(nobody).explanation?.[0]).toMatch(/passing over 0, which nobody had removed$/);
    // An unknown dequeue that began only after it ended cannot have removed 0 for it.
    expect(fifo([...nobody, deq(null, 6, Infinity, 3)]).valid).toBe(false);
  });

  it('is unknown when no dequeue reported sequence numbers (a Jepsen history)', () => {
    expect(fifo([enq(1, 0, 1), deq(1, 2, 3)]).valid).toBe('unknown');
  });
});

describe('queue-linearizable', () => {
  it('searches small histories as a FIFO queue, and leaves long ones unknown', async () => {
    const inOrder = [
      enq(1, 0, 1),
      enq(2, 2, 3),
      deq({ value: 1, seq: 0 }, 4, 5),
      deq({ value: 2, seq: 1 }, 6, 7),
    ];
    expect((await queueLinearizable(inOrder, {}, {})).valid).toBe(true);
    const swapped = [
      enq(1, 0, 1),
      enq(2, 2, 3),
      deq({ value: 2, seq: 1 }, 4, 5),
      deq({ value: 1, seq: 0 }, 6, 7),
    ];
    expect((await queueLinearizable(swapped, {}, {})).valid).toBe(false);
    expect(await queueLinearizable(swapped, { maxOps: 3 }, {})).toMatchObject({
      valid: 'unknown',
      cause: '4 queue operations: searched only up to 3',
    });
  });
});

describe("drains (Jepsen's :drain)", () => {
  /** A drain by process p: ok with the elements it took, or unknown-outcome when ret is Infinity. */
  const drain = (elements: unknown, call: number, ret: number, p = 2) =>
    op('drain', null, elements, call, ret, p);
  // A Jepsen history has no sync marks: its "empty" observations count with unsyncedEmpty.
  const jepsen = (ops: Operation[], options = {}) => total(ops, { unsyncedEmpty: true, ...options });
  const produced = [enq(1, 0, 1), enq(2, 2, 3), enq(3, 4, 5), deq(1, 6, 7)];

  it('reads an ok drain as one dequeue per element and an "empty" observation at its end', async () => {
    const drained = [...produced, drain([2, 3], 8, 9)];
    expect(jepsen(drained)).toEqual({ valid: true, method: 'queue-total' });
    expect((await queueLinearizable(drained, {}, {})).valid).toBe(true);
    // Without sequence numbers FIFO by sequence has nothing to judge, as for Jepsen's dequeues.
    expect(fifo(drained).valid).toBe('unknown');
    // Its end is the observation that judges what nobody took, with no --drained needed.
    const lost = jepsen([...produced, drain([2], 8, 9)]);
    expect(lost.explanation).toEqual([
      '1 acknowledged enqueues were never dequeued, though process 2 op 8 (a drain) found the queue empty after them and only 0 dequeues of unknown outcome could have taken any: 3',
    ]);
    expect(lost.evidence?.map((o) => o.invokeIndex)).toEqual([8, 4]);
    expect(jepsen([...produced, drain([2], 8, 9)], { drained: true }).valid).toBe(false);
    // An enqueue acknowledged only after the drain began may have come in after its "empty".
    expect(jepsen([...produced.slice(0, 2), enq(3, 4, 9), deq(1, 6, 7), drain([2], 5, 8)]).valid).toBe(
      'unknown',
    );
  });

  it('catches an element a drain took that was never enqueued, and one taken twice', () => {
    expect(jepsen([...produced, drain([2, 3, 7], 8, 9)]).explanation).toEqual([
      '1 elements dequeued that were not enqueued: 7 by process 2 op 8 (a drain), never enqueued',
    ]);
    expect(jepsen([...produced, drain([2, 1, 3], 8, 9)]).explanation).toEqual([
      '1 elements dequeued twice: 1 (process 1 op 6, then process 2 op 8 (a drain))',
    ]);
    // Two drains at once share the rest, each ending with the queue empty.
    expect(jepsen([...produced, drain([3], 8, 10), drain([2], 9, 11, 3)]).valid).toBe(true);
  });

  it('takes an empty drain as an "empty" observation, false when an element must be present', () => {
    const present = [enq(1, 0, 1), drain([], 2, 3), deq(1, 4, 5)];
    expect(jepsen(present).explanation).toEqual([
      '1 "empty" observations while an element was present: process 2 op 2 (a drain) found the queue empty while 1 was in it (enqueued by process 0 op 0, taken later by process 1 op 4)',
    ]);
    expect(jepsen([enq(1, 0, 1), deq(1, 2, 3), drain([], 4, 5)]).valid).toBe(true);
    expect(jepsen([enq(1, 0, 1), enq(2, 2, 3), deq(1, 4, 5), drain([], 6, 7)]).valid).toBe(false);
  });

  it('never calls lost what a drain of unknown outcome may have taken: unknown, naming it', () => {
    const crashed = [...produced, drain(null, 8, Infinity)];
    for (const options of [{}, { drained: true }]) {
      const result = jepsen([...crashed, deq(null, 9, 10, 3)], options);
      expect(result).toEqual({
        valid: 'unknown',
        method: 'queue-total',
        cause:
          '2 acknowledged elements were never dequeued, but a drain of unknown outcome (process 2 op 8) may have taken them: 2, 3',
      });
    }
    expect(jepsen(crashed, { drained: true }).valid).toBe('unknown');
    // One begun only after the queue was seen empty cannot have taken them.
    expect(jepsen([...produced, deq(null, 8, 9, 3), drain(null, 10, Infinity)]).valid).toBe(false);
    // Nor does it hide other anomalies.
    expect(jepsen([...crashed, deq(7, 9, 10, 3)], { drained: true }).valid).toBe(false);
  });

  it('lets a drain of unknown outcome have removed what a consumer passed over', () => {
    const took = (value: number, seq: number, skipped: number[] = []) => ({ value, seq, skipped });
    const passed = [enq(10, 0, 1), enq(11, 2, 3), deq(took(11, 1, [0]), 5, 6)];
    expect(fifo(passed).valid).toBe(false);
    expect(fifo([...passed, drain(null, 4, Infinity)]).valid).toBe(true);
    // A zkcheck drain may report sequence numbers too: its own earlier element is no obstacle.
    expect(fifo([enq(10, 0, 1), enq(11, 2, 3), drain([took(10, 0), took(11, 1, [0])], 4, 5)]).valid).toBe(
      true,
    );
  });

  it('searches a drain of unknown outcome as not having happened: a failure is then unknown', async () => {
    // Without the crashed drain, 2 and 3 are still queued when the queue is found empty.
    const hidden = [...produced, drain(null, 8, Infinity), deq(null, 9, 10, 3)];
    expect(await queueLinearizable(hidden, {}, {})).toEqual({
      valid: 'unknown',
      method: 'search',
      cause:
        'not linearizable without the drain of unknown outcome (process 2 op 8), which may have taken elements',
    });
    expect((await queueLinearizable([...produced, drain(null, 8, Infinity)], {}, {})).valid).toBe(true);
  });

  it('reports an ok drain without a list of elements as a checker error (unknown)', async () => {
    const [result] = await evaluateClaims(
      [...produced, drain(5, 8, 9)],
      [{ name: 'total', title: 'total', promised: true, checker: 'queue-total' }],
    );
    expect(result).toMatchObject({
      valid: 'unknown',
      cause: 'checker error: process 2 op 8: an ok drain must return the list of elements it took, got 5',
    });
  });
});

describe('unique-ids', () => {
  const id = (out: number, call: number, ret: number, p = 0) => op('id', null, out, call, ret, p);
  const check = (property: string, ops: Operation[]) => uniqueIds(ops, { property }, {}) as ClaimOutcome;

  it('catches a duplicate id; its twin passes', () => {
    expect(check('no-duplicates', [id(1, 0, 2), id(1, 1, 3, 1)]).explanation).toEqual([
      '1 ids handed out twice: 1 (process 0 op 0 and process 1 op 1)',
    ]);
    expect(check('no-duplicates', [id(1, 0, 2), id(2, 1, 3, 1)]).valid).toBe(true);
  });

  it('catches an id out of real-time order; concurrent ops may get either order', () => {
    expect(check('real-time-order', [id(5, 0, 1), id(3, 2, 3, 1)]).explanation).toEqual([
      '1 ids out of real-time order: process 1 op 2 got 3 though process 0 op 0 got 5 and was acknowledged before it began',
    ]);
    expect(check('real-time-order', [id(5, 0, 2), id(3, 1, 3, 1)]).valid).toBe(true);
    expect(check('real-time-order', [id(3, 0, 1), id(5, 2, 3, 1)]).valid).toBe(true);
  });

  it('refuses an unknown property as a declaration error', async () => {
    await expect(
      evaluateClaims(
        [id(1, 0, 1)],
        [{ name: 'x', title: 'x', promised: true, checker: 'unique-ids', options: {} }],
      ),
    ).rejects.toThrow(/unique-ids: property must be one of no-duplicates, real-time-order/);
  });
});

// --- properties against brute force ---------------------------------------------------------------

/** Distinct positions for n ops: ranks of 2n random numbers. */
function intervals(n: number): fc.Arbitrary<[number, number][]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 2 * n, maxLength: 2 * n })
    .map((points) => {
      const rank = new Map([...points].sort((a, b) => a - b).map((p, i) => [p, i]));
      return Array.from({ length: n }, (_, i) => {
        const [a, b] = [rank.get(points[2 * i])!, rank.get(points[2 * i + 1])!];
        return [Math.min(a, b), Math.max(a, b)] as [number, number];
      });
    });
}

interface Shape {
  f: 'enqueue' | 'dequeue';
  element: number;
  empty: boolean;
  unknown: boolean;
}
const shapes = (n: number) =>
  fc.array(
    fc.record({
      f: fc.constantFrom<'enqueue' | 'dequeue'>('enqueue', 'dequeue'),
      element: fc.integer({ min: 0, max: 3 }),
      empty: fc.boolean(),
      unknown: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
    }),
    { minLength: n, maxLength: n },
  );

/** Random small queue histories; each enqueue has its own element (its index). */
function queueHistories(sequential: boolean): fc.Arbitrary<Operation[]> {
  return fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.tuple(shapes(n), sequential ? fc.constant(undefined) : intervals(n)).map(([ops, spans]) =>
      ops.map((s: Shape, i) => {
        const [call, ret] = spans ? spans[i] : [2 * i, 2 * i + 1];
        const end = !sequential && s.unknown ? Infinity : ret;
        return s.f === 'enqueue' ? enq(i, call, end, i) : deq(s.empty ? null : s.element, call, end, i);
      }),
    ),
  );
}

const bagLinearizable = (ops: Operation[]) =>
  bruteForceLinearizable(ops, unorderedQueueModel() as Model<unknown>);

describe('against brute force', () => {
  it('queue-total never flags a history the unordered-queue oracle accepts', () => {
    fc.assert(
      fc.property(queueHistories(false), (ops) => {
        if (total(ops).valid === false) expect(bagLinearizable(ops)).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });

  it('queue-total agrees with the oracle on sequential histories that end drained', () => {
    fc.assert(
      fc.property(queueHistories(true), (ops) => {
        const drained = [...ops, deq(null, 2 * ops.length, 2 * ops.length + 1, 99)];
        expect(total(drained).valid).toBe(bagLinearizable(drained));
      }),
      { numRuns: 10_000 },
    );
  });

  /** Ids strictly increase along the order: the oracle searches every order. */
  const increasing: Model<number> = {
    name: 'increasing-ids',
    init: () => -1,
    step: (last, o) =>
      o.status === 'info' ? last : (o.output as number) > last ? (o.output as number) : undefined,
    equal: (a, b) => a === b,
  } as Model<number>;

  it('unique-ids (both properties) agrees with an increasing-id oracle', () => {
    const histories = fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc
        .tuple(
          intervals(n),
          fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
          fc.array(
            fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
            { minLength: n, maxLength: n },
          ),
        )
        .map(([spans, ids, unknown]) =>
          spans.map(([call, ret], i) => op('id', null, ids[i], call, unknown[i] ? Infinity : ret, i)),
        ),
    );
    fc.assert(
      fc.property(histories, (ops) => {
        if (!ops.some((o) => o.status === 'ok')) return;
        const valid = uniqueIds(ops, { property: 'no-duplicates' }, {}) as ClaimOutcome;
        const ordered = uniqueIds(ops, { property: 'real-time-order' }, {}) as ClaimOutcome;
        expect(valid.valid === true && ordered.valid === true).toBe(
          bruteForceLinearizable(ops, increasing as Model<unknown>),
        );
      }),
      { numRuns: 10_000 },
    );
  });

  it('no promised queue claim flags a simulated correct recipe with racing consumers', () => {
    let passedOver = 0;
    let unknown = 0;
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 4 }), (seed, consumers) => {
        const ops = simulateRecipe(seed, consumers);
        for (const o of ops) {
          if (o.status === 'info') unknown++;
          else if ((o.output as { skipped?: number[] } | null)?.skipped?.length) passedOver++;
        }
        expect(total(ops).valid).toBe(true);
        expect(fifo(ops).valid).not.toBe(false);
      }),
      { numRuns: 2_000 },
    );
    // The races and lost replies the claims must allow did happen.
    expect(passedOver).toBeGreaterThan(100);
    expect(unknown).toBeGreaterThan(100);
  });

  it("no queue claim flags a simulated correct queue drained by Jepsen's :drain, crashes included", async () => {
    const seen = { crashedDrains: 0, crashedAfterTaking: 0, tookWhileEnqueued: 0 };
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const ops = simulateDrains(seed, seen);
        // The history ends with a fresh ok drain, so --drained is true of it.
        for (const options of [{}, { drained: true }])
          expect(total(ops, { unsyncedEmpty: true, ...options }).valid).not.toBe(false);
        // The queue is a correct FIFO queue: the search may not find otherwise.
        expect((await queueLinearizable(ops, {}, {})).valid).not.toBe(false);
      }),
      { numRuns: 1_000 },
    );
    expect(seen.crashedDrains).toBeGreaterThan(50);
    expect(seen.crashedAfterTaking).toBeGreaterThan(20);
    expect(seen.tookWhileEnqueued).toBeGreaterThan(20);
  });
});

/**
 * A correct FIFO queue (each enqueue and each element a drain takes is one atomic step), two
 * producers and two drainers, their steps interleaved at random: a drain takes elements one step
 * at a time until it finds the queue empty, while enqueues go on; any reply may be lost (unknown
 * outcome: that process stops), a drain's also after it has taken elements. Then a fresh process
 * drains what is left.
 */
function simulateDrains(
  seed: number,
  seen: { crashedDrains: number; crashedAfterTaking: number; tookWhileEnqueued: number },
): Operation[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const queue: number[] = [];
  const ops: Operation[] = [];
  let position = 0;
  let nextElement = 0;
  let enqueuing = 0;
  const complete = (o: Operation, output: unknown, lost: boolean) => {
    if (lost) return;
    Object.assign(o, { status: 'ok', output, ret: position, completeIndex: position });
    position++;
  };
  function* enqueue(p: number) {
    const element = nextElement++;
    const o = op('enqueue', element, element, position++, Infinity, p);
    ops.push(o);
    enqueuing++;
    yield;
    queue.push(element);
    yield;
    enqueuing--;
    const lost = random() < 0.1;
    complete(o, element, lost);
    return lost;
  }
  function* drain(p: number, lossy: boolean) {
    const o = op('drain', null, null, position++, Infinity, p);
    ops.push(o);
    const took: unknown[] = [];
    for (;;) {
      yield;
      if (lossy && random() < 0.05) {
        seen.crashedDrains++;
        if (took.length > 0) seen.crashedAfterTaking++;
        return true;
      }
      if (queue.length === 0) break;
      if (enqueuing > 0) seen.tookWhileEnqueued++;
      took.push(queue.shift());
    }
    complete(o, took, false);
    return false;
  }
  interface Proc {
    id: number;
    steps?: Generator<void, boolean, void>;
    budget: number;
    dead: boolean;
  }
  const procs: Proc[] = [0, 1, 2, 3].map((id) => ({ id, budget: 3, dead: false }));
  for (;;) {
    const live = procs.filter((p) => !p.dead && (p.steps || p.budget > 0));
    if (live.length === 0) break;
    const p = live[Math.floor(random() * live.length)];
    if (!p.steps) {
      p.budget--;
      p.steps = p.id < 2 ? enqueue(p.id) : drain(p.id, true);
    }
    const step = p.steps.next();
    if (step.done) {
      p.steps = undefined;
      p.dead = step.value;
    }
  }
  const last = drain(99, false);
  while (!last.next().done);
  return ops;
}

/**
 * A correct ZooKeeper queue: atomic create/list/delete on one store, the recipe's steps of
 * several processes interleaved at random, replies lost at random (unknown outcome: that process
 * stops), then a drain by a fresh process. Dequeues list after a sync (so the list is current).
 */
function simulateRecipe(seed: number, consumers: number): Operation[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const store = new Map<number, number>(); // seq -> element
  let nextSeq = 0;
  let position = 0;
  let nextElement = 0;
  const ops: Operation[] = [];
  interface Proc {
    id: number;
    steps?: Generator<void, void, void>;
    op?: Operation;
    budget: number;
    dead: boolean;
  }
  const finish = (p: Proc, output: unknown) => {
    const lost = random() < 0.1;
    Object.assign(
      p.op!,
      lost ? { status: 'info', output: undefined, ret: Infinity } : { status: 'ok', output, ret: position++ },
    );
    if (!lost) p.op!.completeIndex = p.op!.ret;
    if (lost) p.dead = true;
    p.op = undefined;
  };
  function* enqueue(p: Proc) {
    const element = nextElement++;
    p.op = op('enqueue', element, element, position++, Infinity, p.id);
    ops.push(p.op);
    yield;
    store.set(nextSeq++, element);
    yield;
    finish(p, element);
  }
  function* dequeue(p: Proc) {
    p.op = { ...op('dequeue', null, null, position++, Infinity, p.id), sync: true };
    ops.push(p.op);
    const skipped: number[] = [];
    for (;;) {
      yield;
      const listing = [...store.keys()].sort((a, b) => a - b);
      if (listing.length === 0) return finish(p, null);
      for (const seq of listing) {
        yield;
        const element = store.get(seq);
        if (element === undefined) {
          skipped.push(seq);
          continue;
        }
        store.delete(seq);
        yield;
        return finish(p, { value: element, seq, skipped: skipped.filter((k) => k < seq) });
      }
    }
  }
  const procs: Proc[] = Array.from({ length: consumers + 2 }, (_, i) => ({ id: i, budget: 4, dead: false }));
  for (;;) {
    const live = procs.filter((p) => !p.dead && (p.steps || p.budget > 0));
    if (live.length === 0) break;
    const p = live[Math.floor(random() * live.length)];
    if (!p.steps) {
      p.budget--;
      p.steps = p.id < 2 ? enqueue(p) : dequeue(p);
    }
    if (p.steps.next().done) p.steps = undefined;
  }
  // The drain: one fresh process dequeues until it sees the queue empty.
  const drain: Proc = { id: 99, budget: 0, dead: false };
  for (;;) {
    const steps = dequeue(drain);
    while (!steps.next().done);
    if (drain.dead) {
      drain.dead = false;
      drain.id++;
      continue;
    }
    if (ops[ops.length - 1].output === null) break;
  }
  return ops;
}
