import { describe, expect, it } from 'vitest';
import {
  any,
  cycle,
  filter,
  limit,
  log,
  map,
  mix,
  once,
  ownRng,
  phases,
  repeat,
  synchronize,
  andThen,
  untilOk,
} from './combinators.js';
import type { Completion } from './scheduler.js';
import { invocations, simulate, type SimulateOptions } from './simulate.js';
import { delay, rate, sleep, stagger, timeLimit } from './time.js';
import { clients } from './threads.js';
import { GeneratorError, type Gen, type GenOp } from './types.js';

/** Invocations as [f, process, time]; default: 2 client threads, no nemesis, 10 ns per op. */
function run(gen: Gen, options: Partial<SimulateOptions> = {}) {
  return invocations(simulate(gen, { threads: 2, nemesis: false, ...options }));
}

/** Completes ops with the given types in turn (then ok). */
function outcomes(...types: Completion['type'][]): (op: GenOp) => Completion {
  let i = 0;
  return () => ({ type: types[i++] ?? 'ok' });
}

const r = { f: 'r' };

describe('limit, once, repeat, cycle', () => {
  it('limit(n) passes on the first n ops', () => {
    expect(run(limit(5, repeat(r)))).toEqual([
      ['r', 0, 0],
      ['r', 1, 0],
      ['r', 0, 10],
      ['r', 1, 10],
      ['r', 0, 20],
    ]);
    expect(run(limit(0, repeat(r)))).toEqual([]);
    expect(() => limit(-1, r)).toThrow(GeneratorError);
  });

  it('once takes one op of a longer generator', () => {
    expect(run(once([{ f: 'a' }, { f: 'b' }]))).toEqual([['a', 0, 0]]);
  });

  it('repeat asks the same generator again each time (forever, or n times)', () => {
    expect(run(repeat([{ f: 'a' }, { f: 'b' }], 3), { threads: 1 })).toEqual([
      ['a', 0, 0],
      ['a', 0, 10],
      ['a', 0, 20],
    ]);
    // Generators are pure: a function may be asked more than once per op, so it derives its value
    // from the context rather than from a counter of its own.
    const values = simulate(
      repeat((ctx) => ({ f: 'w', value: ctx.time }), 3),
      { threads: 1, nemesis: false },
    ).filter((e) => e.type === 'invoke');
    expect(values.map((e) => e.value)).toEqual([0, 10, 20]);
  });

  it('cycle replays a whole generator, and an empty one ends', () => {
    expect(run(cycle([{ f: 'a' }, { f: 'b' }], 2), { threads: 1 })).toEqual([
      ['a', 0, 0],
      ['b', 0, 10],
      ['a', 0, 20],
      ['b', 0, 30],
    ]);
    expect(run(cycle([]))).toEqual([]);
    expect(run(limit(5, cycle([{ f: 'a' }, { f: 'b' }])), { threads: 1 }).map((x) => x[0])).toEqual([
      'a',
      'b',
      'a',
      'b',
      'a',
    ]);
  });
});

describe('time', () => {
  it('timeLimit stops before the deadline, counted from the first op', () => {
    const gen = timeLimit(100e-9, repeat(r));
    expect(run(gen, { threads: 1, latency: 30 })).toEqual([
      ['r', 0, 0],
      ['r', 0, 30],
      ['r', 0, 60],
      ['r', 0, 90],
    ]);
    expect(run(gen, { threads: 1, latency: 30, start: 1000 }).map((x) => x[2])).toEqual([
      1000, 1030, 1060, 1090,
    ]);
    expect(run(timeLimit(0, repeat(r)))).toEqual([]);
  });

  it('timeLimit cuts a sleep short at its deadline, so what follows is not held up', () => {
    // A nemesis's quiet spell (a sleep on its thread) longer than the run once held the final phase.
    const threads = { threads: 1 };
    expect(run(phases(timeLimit(100e-9, [sleep(1e-6), r]), { f: 'after' }), threads)).toEqual([
      ['sleep', 0, 0],
      ['after', 0, 100],
    ]);
    expect(run(phases(timeLimit(100e-9, [sleep(40e-9), r]), { f: 'after' }), threads)).toEqual([
      ['sleep', 0, 0],
      ['r', 0, 40],
      ['after', 0, 50],
    ]);
  });

  it('timeLimit drops an op scheduled at or past its deadline', () => {
    expect(run(timeLimit(50e-9, delay(50e-9, repeat(r))))).toEqual([['r', 0, 0]]);
  });

  it('delay spaces ops exactly, on the longest-idle thread, and slips when threads are busy', () => {
    expect(run(limit(4, delay(20e-9, repeat(r))))).toEqual([
      ['r', 0, 0],
      ['r', 1, 20],
      ['r', 0, 40],
      ['r', 1, 60],
    ]);
    expect(run(limit(3, delay(20e-9, repeat(r))), { threads: 1, latency: 50 })).toEqual([
      ['r', 0, 0],
      ['r', 0, 50],
      ['r', 0, 100],
    ]);
  });

  it('stagger draws seeded gaps in [0, 2·dt)', () => {
    const gen = limit(6, stagger(1e-6, repeat(r)));
    const seq = run(gen, { threads: 3, seed: 11 });
    expect(seq).toEqual(run(gen, { threads: 3, seed: 11 }));
    expect(seq).not.toEqual(run(gen, { threads: 3, seed: 12 }));
    expect(seq[0]).toEqual(['r', 0, 0]);
    const times = seq.map((x) => x[2]);
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(0);
      expect(times[i] - times[i - 1]).toBeLessThan(2000);
    }
    expect(seq).toMatchInlineSnapshot(`
      [
        [
          "r",
          0,
          0,
        ],
        [
          "r",
          1,
          267,
        ],
        [
          "r",
          2,
          1567,
        ],
        [
          "r",
          0,
          2419,
        ],
        [
          "r",
          1,
          3711,
        ],
        [
          "r",
          2,
          5031,
        ],
      ]
    `);
  });

  it('rate(hz) is stagger(1/hz)', () => {
    const a = run(limit(20, rate(1e6, repeat(r))), { seed: 5 });
    expect(a).toEqual(run(limit(20, stagger(1e-6, repeat(r))), { seed: 5 }));
    expect(() => rate(0, r)).toThrow(/ops per second/);
  });

  it('sleep holds a thread for its duration; log takes no time', () => {
    const events = simulate(phases({ f: 'a' }, sleep(100e-9), log('hello'), { f: 'b' }), {
      threads: 1,
      nemesis: false,
    });
    expect(invocations(events)).toEqual([
      ['a', 0, 0],
      ['sleep', 0, 10],
      ['log', 0, 110],
      ['b', 0, 110],
    ]);
    expect(events.filter((e) => e.special).map((e) => [e.special, e.type, e.value])).toEqual([
      ['sleep', 'invoke', 100e-9],
      ['sleep', 'ok', 100e-9],
      ['log', 'invoke', 'hello'],
      ['log', 'ok', 'hello'],
    ]);
    expect(() => sleep(-1)).toThrow(/sleep needs/);
  });
});

describe('mix and any', () => {
  it('mix picks among generators from the seeded RNG and drops exhausted ones', () => {
    const gen = limit(8, mix([repeat({ f: 'r' }), repeat({ f: 'w' })]));
    const a = run(gen, { seed: 1 });
    expect(a).toEqual(run(gen, { seed: 1 }));
    expect(a.map((x) => x[0]).join('')).toMatchInlineSnapshot(`"rrwrrwww"`);
    const runs = [0, 1, 2, 3, 4, 5].map((seed) =>
      run(gen, { seed })
        .map((x) => x[0])
        .join(''),
    );
    expect(new Set(runs).size).toBeGreaterThan(1);
    expect(
      run(mix([[{ f: 'a' }], [{ f: 'b' }]]))
        .map((x) => x[0])
        .sort(),
    ).toEqual(['a', 'b']);
    expect(run(mix([]))).toEqual([]);
  });

  it('ownRng gives a generator the same draws whatever the other threads did in between', () => {
    // The nemesis thread picks among fault families while clients run at a latency that varies.
    const faults = limit(6, mix([repeat({ f: 'kill' }), repeat({ f: 'pause' }), repeat({ f: 'cut' })]));
    const nemesisFs = (gen: Gen, latency: number) =>
      invocations(
        simulate(clients(repeat({ f: 'read' }), delay(1e-6, gen)), {
          threads: 3,
          seed: 9,
          latency: (op) => (op.process === 'nemesis' ? 10 : latency),
          maxOps: 20_000,
        }),
      )
        .filter(([, process]) => process === 'nemesis')
        .map(([f]) => f)
        .join(',');
    const own = [5, 7, 13, 29].map((latency) => nemesisFs(ownRng(1, faults), latency));
    expect(own).toEqual([own[0], own[0], own[0], own[0]]);
    expect(own[0].split(',')).toHaveLength(6);
    // Without it the draws depend on the clients' pace (the check can fail).
    const shared = [5, 7, 13, 29].map((latency) => nemesisFs(faults, latency));
    expect(new Set(shared).size).toBeGreaterThan(1);
  });

  it('any takes the soonest op among its generators (ties: first listed)', () => {
    const gen = limit(6, any(delay(30e-9, repeat({ f: 'a' })), delay(50e-9, repeat({ f: 'b' }))));
    expect(run(gen, { latency: 1 })).toEqual([
      ['a', 0, 0],
      ['b', 1, 0],
      ['a', 0, 30],
      ['b', 1, 50],
      ['a', 0, 60],
      ['a', 1, 90],
    ]);
  });
});

describe('synchronize, phases, andThen', () => {
  const slowA = (op: GenOp) => (op.f === 'a' ? 50 : 10);

  it('an array does not wait for earlier ops; phases does', () => {
    expect(run([[{ f: 'a' }, { f: 'b' }], { f: 'c' }], { latency: slowA })).toEqual([
      ['a', 0, 0],
      ['b', 1, 0],
      ['c', 1, 10],
    ]);
    expect(run(phases([{ f: 'a' }, { f: 'b' }], { f: 'c' }), { latency: slowA })).toEqual([
      ['a', 0, 0],
      ['b', 1, 0],
      ['c', 1, 50],
    ]);
  });

  it('andThen(a, b) is a, then b once a is done', () => {
    expect(run(andThen([{ f: 'a' }, { f: 'b' }], { f: 'c' }), { latency: slowA })).toEqual([
      ['a', 0, 0],
      ['b', 1, 0],
      ['c', 1, 50],
    ]);
  });

  it('synchronize waits for the nemesis thread too when it is in scope', () => {
    // b waits for a to complete at 10, then goes to the thread idle longest: the nemesis.
    const gen = [{ f: 'a' }, synchronize({ f: 'b' })];
    expect(
      run(gen, { nemesis: true, threads: 1, latency: (op) => (op.process === 'nemesis' ? 99 : 10) }),
    ).toEqual([
      ['a', 0, 0],
      ['b', 'nemesis', 10],
    ]);
    const both = [{ f: 'a' }, { f: 'n' }, synchronize({ f: 'b' })];
    expect(
      run(both, { nemesis: true, threads: 1, latency: (op) => (op.process === 'nemesis' ? 99 : 10) }),
    ).toEqual([
      ['a', 0, 0],
      ['n', 'nemesis', 0],
      ['b', 0, 99],
    ]);
  });
});

describe('untilOk', () => {
  it('retries until one of its ops completes ok', () => {
    expect(
      run(untilOk(repeat({ f: 'read' })), { threads: 1, complete: outcomes('fail', 'fail', 'ok') }),
    ).toEqual([
      ['read', 0, 0],
      ['read', 0, 10],
      ['read', 0, 20],
    ]);
  });

  it('continues under new processes after info completions', () => {
    expect(
      run(untilOk(repeat({ f: 'read' })), { threads: 1, complete: outcomes('info', 'info', 'ok') }),
    ).toEqual([
      ['read', 0, 0],
      ['read', 1, 10],
      ['read', 2, 20],
    ]);
  });

  it('ignores ok completions of ops it did not emit', () => {
    const reads: Completion['type'][] = ['fail', 'fail'];
    const complete = (op: GenOp): Completion => ({ type: op.f === 'kill' ? 'ok' : (reads.shift() ?? 'ok') });
    // The kill on process 0 completes ok first; untilOk must keep reading until a read is ok.
    expect(run(any([{ f: 'kill' }], untilOk(repeat({ f: 'read' }))), { complete })).toEqual([
      ['kill', 0, 0],
      ['read', 1, 0],
      ['read', 0, 10],
      ['read', 1, 10],
    ]);
  });
});

describe('filter and map', () => {
  const writes = [1, 2, 3, 4, 5].map((value) => ({ f: 'w', value }));

  it('filter drops ops that fail the predicate', () => {
    const events = simulate(
      filter((op) => (op.value as number) % 2 === 0, writes),
      { threads: 1, nemesis: false },
    );
    expect(events.filter((e) => e.type === 'invoke').map((e) => [e.value, e.time])).toEqual([
      [2, 0],
      [4, 10],
    ]);
  });

  it('filter gives up with an error instead of spinning forever', () => {
    expect(() => run(filter(() => false, repeat(r)))).toThrow(/filter rejected 10000 ops in a row/);
  });

  it('map rewrites each op', () => {
    const events = simulate(
      map((op) => ({ ...op, f: 'cas', value: [op.value, (op.value as number) + 1] }), writes.slice(0, 2)),
      { threads: 1, nemesis: false },
    );
    expect(events.filter((e) => e.type === 'invoke').map((e) => [e.f, e.value])).toEqual([
      ['cas', [1, 2]],
      ['cas', [2, 3]],
    ]);
  });
});
