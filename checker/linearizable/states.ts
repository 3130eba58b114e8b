import type { Operation } from '../history/types.js';
import { withDefaults, type Model, type ModelWithDefaults } from '../models/model.js';

/** Entries of the transition cache at most per part (24 bytes each at the 50% load kept): 48 MB. */
const MAX_TRANSITIONS = 1 << 21;
const EMPTY_SLOT = -1;
/** Number hashes below this are looked up in an array (see idsBySmallHash). */
const SMALL_HASHES = 1 << 24;

/**
 * Interns model states as small integers, so the search stores and compares ids instead of
 * values. Two states get the same id exactly when the model's `hash` says they are equal.
 */
/**
 * More distinct states than this ends a search with "memory": a JavaScript Map holds at most 2^24
 * entries and throws past that, and a search that has met millions of states is far from done.
 */
export const MAX_STATES = 8_000_000;

export class StateTable<S> {
  private readonly states: S[] = [];
  private readonly ids = new Map<string | number, number>();
  /**
   * Ids by hash for hashes that are small non-negative integers (models that number their states
   * or values densely, like kv): an array index is several times cheaper than a Map entry.
   */
  private readonly idsBySmallHash: number[] = [];
  private readonly hashOf: (state: S) => string | number;
  private readonly model: ModelWithDefaults<S>;

  constructor(
    model: Model<S>,
    private readonly maxStates = MAX_STATES,
  ) {
    this.model = withDefaults(model);
    this.hashOf = this.model.hash;
  }

  /** At the cap: the search must stop (checked with its other budgets). */
  get full(): boolean {
    return this.states.length >= this.maxStates;
  }

  initial(): number {
    return this.intern(this.model.init());
  }

  /**
   * Transitions already computed, (state id, op index) → id of the state after it (-1 illegal),
   * in an open-addressing table. The search revisits the same (state, op) pairs from many
   * configurations, and a model step plus hash can cost far more than this lookup. A table
   * rather than a row of every op per state: parts whose states are nearly all new (kv appends
   * make a new string at almost every step) would allocate rows they hardly read, and the
   * allocation and GC cost more than the steps saved. Past MAX_TRANSITIONS entries the table
   * stops growing and further transitions are stepped each time.
   */
  private cachedStates = new Int32Array(1024).fill(EMPTY_SLOT);
  private cachedOps = new Int32Array(1024);
  private cachedResults = new Int32Array(1024);
  private cachedCount = 0;

  /** The id of the state after `op` (the `index`-th op of the part), or -1. */
  step(id: number, op: Operation, index: number): number {
    const mask = this.cachedStates.length - 1;
    let slot = (Math.imul(id, 0x9e3779b1) ^ Math.imul(index, 0x85ebca6b)) & mask;
    for (;;) {
      const cached = this.cachedStates[slot];
      if (cached === EMPTY_SLOT) break;
      if (cached === id && this.cachedOps[slot] === index) return this.cachedResults[slot];
      slot = (slot + 1) & mask;
    }
    const next = this.model.step(this.states[id], op);
    const result = next === undefined ? -1 : this.intern(next);
    if (this.cachedCount < MAX_TRANSITIONS) {
      this.cachedStates[slot] = id;
      this.cachedOps[slot] = index;
      this.cachedResults[slot] = result;
      if (++this.cachedCount * 2 > this.cachedStates.length) this.growCache();
    }
    return result;
  }

  private growCache(): void {
    const states = this.cachedStates;
    const ops = this.cachedOps;
    const results = this.cachedResults;
    const size = states.length * 2;
    const mask = size - 1;
    this.cachedStates = new Int32Array(size).fill(EMPTY_SLOT);
    this.cachedOps = new Int32Array(size);
    this.cachedResults = new Int32Array(size);
    for (let old = 0; old < states.length; old++) {
      const id = states[old];
      if (id === EMPTY_SLOT) continue;
      let slot = (Math.imul(id, 0x9e3779b1) ^ Math.imul(ops[old], 0x85ebca6b)) & mask;
      while (this.cachedStates[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      this.cachedStates[slot] = id;
      this.cachedOps[slot] = ops[old];
      this.cachedResults[slot] = results[old];
    }
  }

  state(id: number): S {
    return this.states[id];
  }

  describe(id: number): string {
    const state = this.states[id];
    return this.model.describe(state);
  }

  explain(id: number, op: Operation): string {
    return this.model.explain(this.states[id], op);
  }

  private intern(state: S): number {
    const hash = this.hashOf(state);
    if (typeof hash === 'number' && hash >= 0 && hash < SMALL_HASHES && Number.isInteger(hash)) {
      let id = this.idsBySmallHash[hash];
      if (id === undefined) this.idsBySmallHash[hash] = id = this.add(state);
      return id;
    }
    let id = this.ids.get(hash);
    if (id === undefined) this.ids.set(hash, (id = this.add(state)));
    return id;
  }

  private add(state: S): number {
    this.states.push(state);
    return this.states.length - 1;
  }
}
