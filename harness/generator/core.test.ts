import { describe, expect, it } from 'vitest';
import { any, limit } from './combinators.js';
import { generator, op, sequence, update } from './core.js';
import { clients, onThreads } from './threads.js';
import { stagger, timeLimit } from './time.js';
import { Scheduler } from './scheduler.js';
import { invocations, simulate } from './simulate.js';
import { GeneratorError, type Context, type Gen, type GenEvent } from './types.js';

/** Invocations as [f, process, time] on 2 client threads, no nemesis, 10 ns per op. */
function run(gen: Gen, threads = 2) {
  return invocations(simulate(gen, { threads, nemesis: false }));
}

function ctxAt(time: number, free: number[], threads = 2): Context {
  const base = new Scheduler(null, { threads, nemesis: false, seed: 1 }).context(time);
  return { ...base, free };
}

describe('generator values', () => {
  it('a plain op is emitted once, at the current time, on the longest-idle free thread', () => {
    const res = op({ f: 'write', value: 3, key: 'k' }, ctxAt(500, [1, 0]));
    expect(res).toEqual({
      op: { type: 'invoke', f: 'write', value: 3, key: 'k', process: 1, time: 500 },
      gen: null,
    });
  });

  it('a plain op is pending while no thread is free', () => {
    expect(op({ f: 'read' }, ctxAt(0, []))).toBe('pending');
  });

  it('null and empty arrays are exhausted', () => {
    expect(op(null, ctxAt(0, [0]))).toBeNull();
    expect(op([], ctxAt(0, [0]))).toBeNull();
    expect(run([])).toEqual([]);
  });

  it('an array emits its elements in order without waiting between them', () => {
    expect(run([{ f: 'a' }, { f: 'b' }, { f: 'c' }])).toEqual([
      ['a', 0, 0],
      ['b', 1, 0],
      ['c', 0, 10],
    ]);
  });

  it('nested arrays and sequence() flatten into one order', () => {
    expect(run(sequence([{ f: 'a' }, [{ f: 'b' }]], [], { f: 'c' }), 1)).toEqual([
      ['a', 0, 0],
      ['b', 0, 10],
      ['c', 0, 20],
    ]);
  });

  it('a function is called for each generator it stands for, with the context', () => {
    let calls = 0;
    const gen = (ctx: Context): Gen => {
      calls += 1;
      return ctx.time < 30 ? [{ f: 'w', value: ctx.time }, { f: 'r' }] : null;
    };
    const events = simulate(gen, { threads: 1, nemesis: false });
    expect(invocations(events)).toEqual([
      ['w', 0, 0],
      ['r', 0, 10],
      ['w', 0, 20],
      ['r', 0, 30],
    ]);
    expect(events.filter((e) => e.type === 'invoke').map((e) => e.value)).toEqual([
      0,
      undefined,
      20,
      undefined,
    ]);
    expect(calls).toBeGreaterThan(0);
  });

  it('a function returning an exhausted generator ends instead of looping', () => {
    expect(run(() => [])).toEqual([]);
  });

  it('updates on an array go to the element in progress', () => {
    const seen: string[] = [];
    const spy = (label: string): Gen =>
      generator(
        label,
        (ctx) => op({ f: label }, ctx),
        (_ctx, event) => {
          seen.push(`${label}:${event.type}`);
          return spy(label);
        },
      );
    const event: GenEvent = { type: 'ok', f: 'x', process: 0, thread: 0, time: 0 };
    update([spy('first'), spy('second')], ctxAt(0, [0]), event);
    expect(seen).toEqual(['first:ok']);
  });

  it('rejects values that are not generators with a message naming them', () => {
    expect(() => op({ value: 1 } as unknown as Gen, ctxAt(0, [0]))).toThrow(GeneratorError);
    expect(() => op({ value: 1 } as unknown as Gen, ctxAt(0, [0]))).toThrow(/not a generator: \{"value":1\}/);
  });

  it('an update that changes nothing below keeps the very same generator, at every level', () => {
    // A leaf that changes only on 'ok' events, under each wrapper on a runner's path.
    const leaf = (n: number): Gen => {
      const self: Gen = generator(
        `leaf(${n})`,
        (ctx) => op({ f: 'x' }, ctx),
        (_ctx, event) => (event.type === 'ok' ? leaf(n + 1) : self),
      );
      return self;
    };
    const tree = timeLimit(
      60,
      clients(
        any(
          limit(5, [leaf(0), { f: 'y' }]),
          onThreads((t) => t === 1, stagger(0.001, leaf(1))),
        ),
      ),
    );
    const invoke: GenEvent = { type: 'invoke', f: 'x', process: 0, thread: 0, time: 0 };
    const ok: GenEvent = { ...invoke, type: 'ok' };
    const ctx = ctxAt(0, [0, 1]);
    expect(update(tree, ctx, invoke)).toBe(tree);
    expect(update(tree, ctx, ok)).not.toBe(tree);
  });

  it('built generators are values: asking twice gives the same answer, and the first ask changes nothing', () => {
    const g = sequence({ f: 'a' }, { f: 'b' });
    const ctx = ctxAt(0, [0, 1]);
    const first = op(g, ctx);
    const again = op(g, ctx);
    expect(first !== null && first !== 'pending' && again !== null && again !== 'pending').toBe(true);
    if (first === null || first === 'pending' || again === null || again === 'pending') return;
    expect(again.op).toEqual(first.op);
    const b = { op: { type: 'invoke', f: 'b', process: 0, time: 0 }, gen: null };
    expect(op(first.gen, ctx)).toEqual(b);
    expect(op(again.gen, ctx)).toEqual(b);
  });
});
