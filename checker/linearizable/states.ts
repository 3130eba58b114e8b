import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';

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

  /** The id of the state after `op`, or -1 when the model rejects it. */
  step(id: number, op: Operation): number {
    const next = this.model.step(this.states[id], op);
    return next === undefined ? -1 : this.intern(next);
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
