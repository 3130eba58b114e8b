import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';

const UNKNOWN = -2;
/** 16M cells: 64 MB of transition rows at most per part. */
const MAX_TRANSITION_CELLS = 1 << 24;

/**
 * Interns model states as small integers, so the search stores and compares ids instead of
 * values. Two states get the same id exactly when the model's `hash` says they are equal.
 */
export class StateTable<S> {
  private readonly states: S[] = [];
  private readonly ids = new Map<string | number, number>();
  private readonly hashOf: (state: S) => string | number;

  constructor(private readonly model: Model<S>) {
    this.hashOf = model.hash ? model.hash.bind(model) : (state: S) => JSON.stringify(state) ?? 'undefined';
  }

  initial(): number {
    return this.intern(this.model.init());
  }

  /**
   * Transitions already computed: row `id` holds, per op of the part, the id of the state after
   * it (-1 illegal, UNKNOWN not yet computed). The search revisits the same (state, op) pairs
   * from many configurations, and a model step plus hash costs far more than this lookup (kv and
   * multi-register states are objects). Rows stop being added past a fixed number of cells, so
   * a part with very many states falls back to stepping the model.
   */
  private readonly transitions: Array<Int32Array | undefined> = [];
  private cells = 0;

  /** The id of the state after `op` (the `index`-th of the part's `opCount` ops), or -1. */
  step(id: number, op: Operation, index: number, opCount: number): number {
    let row = this.transitions[id];
    if (row === undefined && this.cells + opCount <= MAX_TRANSITION_CELLS) {
      row = new Int32Array(opCount).fill(UNKNOWN);
      this.transitions[id] = row;
      this.cells += opCount;
    }
    if (row !== undefined && row[index] !== UNKNOWN) return row[index];
    const next = this.model.step(this.states[id], op);
    const result = next === undefined ? -1 : this.intern(next);
    if (row !== undefined) row[index] = result;
    return result;
  }

  state(id: number): S {
    return this.states[id];
  }

  describe(id: number): string {
    const state = this.states[id];
    return this.model.describe ? this.model.describe(state) : (JSON.stringify(state) ?? String(state));
  }

  explain(id: number, op: Operation): string {
    const state = this.states[id];
    if (this.model.explain) return this.model.explain(state, op);
    return `${op.f} ${JSON.stringify(op.input)} → ${JSON.stringify(op.output)} is not legal in state ${this.describe(id)}`;
  }

  private intern(state: S): number {
    const hash = this.hashOf(state);
    let id = this.ids.get(hash);
    if (id === undefined) {
      id = this.states.length;
      this.states.push(state);
      this.ids.set(hash, id);
    }
    return id;
  }
}
