/**
 * A small seeded PRNG that is an immutable value: every draw returns the value and the next state,
 * so generators stay pure and a run replays from its seed. States are readonly by type, not
 * frozen: the scheduler makes several per op, and freezing each costs more than the draw.
 *
 * Draws use xoshiro128** (32-bit state words, period 2^128 - 1). Seeding and `fork` mix their inputs
 * through a splitmix32-style finaliser so nearby seeds and labels give unrelated streams.
 */
export interface Rng {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const GOLDEN = 0x9e3779b9;

/** Murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Four state words from one 32-bit hash (splitmix32 steps); never the all-zero state. */
function stateFrom(hash: number): Rng {
  const s = hash >>> 0;
  const a = fmix32((s + GOLDEN) >>> 0);
  const b = fmix32((s + 2 * GOLDEN) >>> 0);
  const c = fmix32((s + 3 * GOLDEN) >>> 0);
  const d = fmix32((s + 4 * GOLDEN) >>> 0);
  return { a: (a | b | c | d) === 0 ? 1 : a, b, c, d };
}

/** A stream from a seed: any safe integer (negative seeds and seeds above 2^32 are distinct). */
export function rngFromSeed(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return stateFrom(fmix32(lo ^ fmix32(hi ^ 0x5eed5eed)));
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The next 32-bit unsigned integer and the advanced state (xoshiro128**). */
export function nextUint32(rng: Rng): [number, Rng] {
  const { a, b, c, d } = rng;
  const out = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
  const t = (b << 9) >>> 0;
  let c2 = (c ^ a) >>> 0;
  let d2 = (d ^ b) >>> 0;
  const b2 = (b ^ c2) >>> 0;
  const a2 = (a ^ d2) >>> 0;
  c2 = (c2 ^ t) >>> 0;
  d2 = rotl(d2, 11);
  return [out, { a: a2, b: b2, c: c2, d: d2 }];
}

/** A float in [0, 1) with 32 bits of randomness. */
export function nextFloat(rng: Rng): [number, Rng] {
  const [u, next] = nextUint32(rng);
  return [u / 0x1_0000_0000, next];
}

/** An integer in [0, n) for 1 <= n <= 2^32 (bias below 2^-32 * n: irrelevant at our sizes). */
export function nextInt(rng: Rng, n: number): [number, Rng] {
  if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000)
    throw new RangeError(`nextInt needs 1 <= n <= 2^32, got ${n}`);
  const [f, next] = nextFloat(rng);
  return [Math.floor(f * n), next];
}

/**
 * An independent stream derived from `rng` and a label, without advancing `rng`: composite
 * generators give child i the stream `fork(rng, i)`, so siblings never share draws and the result
 * depends only on the seed and the child's position.
 */
export function fork(rng: Rng, label: number): Rng {
  let h = fmix32((label | 0) ^ 0x6a09e667);
  h = fmix32(h ^ rng.a);
  h = fmix32((h + rng.b) >>> 0);
  h = fmix32(h ^ rng.c);
  h = fmix32((h + rng.d) >>> 0);
  return stateFrom(h);
}

/** The state after one draw, dropping the value (used to move to a fresh stream per step). */
export function advance(rng: Rng): Rng {
  return nextUint32(rng)[1];
}
