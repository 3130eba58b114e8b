import { describe, expect, it } from 'vitest';
import { advance, fork, nextFloat, nextInt, nextUint32, rngFromSeed, type Rng } from './rng.js';

function draws(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const [v, next] = nextUint32(rng);
    out.push(v);
    rng = next;
  }
  return out;
}

describe('seeded rng', () => {
  it('implements xoshiro128** (reference outputs for the state 1, 2, 3, 4)', () => {
    expect(draws({ a: 1, b: 2, c: 3, d: 4 }, 4)).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('is a value: drawing does not change the state it was drawn from', () => {
    const rng = rngFromSeed(42);
    expect(nextUint32(rng)).toEqual(nextUint32(rng));
    expect(draws(rng, 5)).toEqual(draws(rngFromSeed(42), 5));
  });

  it('gives different streams for different seeds, including large and negative ones', () => {
    const seeds = [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
    const firsts = seeds.map((s) => draws(rngFromSeed(s), 3).join(','));
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => rngFromSeed(1.5)).toThrow(/safe integer/);
    expect(() => rngFromSeed(2 ** 60)).toThrow(/safe integer/);
  });

  it('forks independent streams by label without advancing the parent', () => {
    const rng = rngFromSeed(7);
    const a = draws(fork(rng, 0), 4);
    const b = draws(fork(rng, 1), 4);
    expect(a).not.toEqual(b);
    expect(draws(fork(rng, 0), 4)).toEqual(a);
    expect(draws(fork(advance(rng), 0), 4)).not.toEqual(a);
    expect(draws(rng, 4)).toEqual(draws(rngFromSeed(7), 4));
  });

  it('draws floats in [0, 1) and integers in [0, n) roughly uniformly', () => {
    let rng = rngFromSeed(3);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const [f, r1] = nextFloat(rng);
      if (!(f >= 0 && f < 1)) outside += 1;
      const [k, r2] = nextInt(r1, 10);
      buckets[k] += 1;
      rng = r2;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
    expect(() => nextInt(rng, 0)).toThrow(/nextInt/);
  });
});
