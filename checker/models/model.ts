import type { Operation } from '../history/types.js';

/**
 * A sequential specification, in the spirit of Porcupine's Model: pure functions over immutable
 * states. The checkers know histories and models, nothing about ZooKeeper.
 *
 * `step` is the hot path: it returns the next state when `op` is legal in `state`, else
 * `undefined`; `explain` is only called when building a report. An op whose outcome is unknown
 * (`op.status === 'info'`) must be stepped as "it took effect" (the search separately considers
 * that it never did). Nondeterministic models (e.g. an unknown dequeue from an unordered queue)
 * implement `stepAll` instead, returning every possible next state; a search must then use
 * `stepAll`, which is authoritative (their `step` throws where the outcome is ambiguous).
 *
 * States are opaque to the search. They are valid only with the model instance that made them:
 * models intern values as small integers per instance, so states must not cross instances (a
 * worker thread builds its own model with `getModel`). A state is never mutated.
 *
 * An op whose shape the model cannot read (unknown `f`, a cas without `[expected, new]`) is bad
 * input, not an inconsistency: `validate` names the problem, and `step` throws a `ModelError`.
 */
export interface Model<S = unknown> {
  readonly name: string;
  init(): S;
  step(state: S, op: Operation): S | undefined;
  stepAll?(state: S, op: Operation): S[];
  /** Structural equality; default compares `hash`. */
  equal?(a: S, b: S): boolean;
  /**
   * A string or number equal exactly for equal states; default: JSON of the state. Our models
   * keep string and number hashes apart (a string hash never equals `String()` of a number
   * hash), and models with `stepAll` never put U+0001 in a hash (a separator for sets of states).
   */
  hash?(state: S): string | number;
  /**
   * Split into independent sub-histories ("the history is linearizable iff every part is").
   * Default: by `op.key` when ops carry keys, else one part.
   */
  partition?(ops: Operation[]): Operation[][];
  /** Why `op` is illegal in `state`, in words, for counterexamples. */
  explain?(state: S, op: Operation): string;
  /** A human-readable rendering of a state. */
  describe?(state: S): string;
  /**
   * True when `op` leaves every state unchanged wherever it is legal (a read, a dequeue that
   * found the queue empty). A search may linearize such an op as soon as it is legal, without
   * trying it later. Leaving one particular state unchanged is not enough: `write 1` in a
   * register holding 1 changes nothing there but does elsewhere. Default: false.
   */
  readOnly?(op: Operation): boolean;
  /**
   * The problem with an op's shape for this model (one line), or undefined when the model can
   * step it. Lets a caller reject bad input (exit 254) before searching.
   */
  validate?(op: Operation): string | undefined;
  /**
   * An equivalent model for the linearizability search only: it finds exactly the histories this
   * model does linearizable in real time, with states that stand for sets of this model's states,
   * so the search meets fewer of them (kv: appends whose order no get has seen yet). Its states
   * may read `op.call` and `op.ret`, so other checkers (sequential consistency) must not use it.
   * Bad input is this model's to reject (`validate`) before a search.
   */
  searchModel?(): Model<unknown>;
  /**
   * A cheap proof, from the ops alone, that no order of them is legal (a queue handing out an
   * element more often than it was enqueued), or undefined. Searches ask it first: it settles
   * at once what exhausting every order could take very long to.
   */
  impossible?(ops: readonly Operation[]): Impossibility | undefined;
  /**
   * Unknown-outcome ops the search may leave out, because no linearization needs them: the ops
   * to search (a subset, order kept), or undefined to search them all. Sound only with a proof
   * that a history is linearizable with the left-out ops iff without them (each model's comment
   * gives it); the oracle property tests (linearizable/search.test.ts) cover every rule.
   */
  prune?(ops: readonly Operation[]): Operation[] | undefined;
  /**
   * Unknown-outcome ops that are interchangeable: per op of `ops`, a class (>= 0), or -1 for none;
   * undefined when no two are. Ops of one class must be unknown-outcome ops such that, from any
   * state, one is legal iff another is, and the states they lead to are indistinguishable to
   * every op of `ops` that may follow (each op is legal in both or in neither, and leads again
   * to indistinguishable or equal states). The search then takes the members of a class in
   * order only (search.ts says why that is sound); the oracle property tests cover every rule.
   */
  interchangeable?(ops: readonly Operation[]): Int32Array | undefined;
  /**
   * Capability: every update's ok reply reports the version it created (ZooKeeper's data version),
   * starting from `{value: init, version: 0}`, so the claims can be decided exactly by the version
   * graph (consistency/graph.ts) instead of a search. Declared by the model, never guessed from
   * its name.
   */
  readonly versionGraph?: { readonly init: unknown };
}

/** A model whose optional describing functions are filled in (see withDefaults). */
export type ModelWithDefaults<S> = Model<S> &
  Required<Pick<Model<S>, 'hash' | 'equal' | 'explain' | 'describe'>>;

/**
 * The one place the defaults of a model's optional functions are filled in: `hash` is the JSON
 * of the state, `equal` compares hashes, `explain` and `describe` say what they can. Checkers
 * call the result's functions without asking whether the model has them.
 */
export function withDefaults<S>(model: Model<S>): ModelWithDefaults<S> {
  // Once per model: a search builds one per part, and a history may have thousands of parts.
  const known = filled.get(model);
  if (known !== undefined) return known as ModelWithDefaults<S>;
  const result = fillDefaults(model);
  filled.set(model, result);
  return result;
}

const filled = new WeakMap<object, unknown>();

function fillDefaults<S>(model: Model<S>): ModelWithDefaults<S> {
  const hash = model.hash ? model.hash.bind(model) : (state: S) => JSON.stringify(state) ?? 'undefined';
  const describe = model.describe
    ? model.describe.bind(model)
    : (state: S) => JSON.stringify(state) ?? String(state);
  return Object.assign(Object.create(model) as Model<S>, {
    hash,
    equal: model.equal ? model.equal.bind(model) : (a: S, b: S) => hash(a) === hash(b),
    explain: model.explain
      ? model.explain.bind(model)
      : (state: S, op: Operation) =>
          `${op.f} ${JSON.stringify(op.input)} → ${JSON.stringify(op.output)} is not legal in state ${describe(state)}`,
    describe,
  });
}

/** Why no order of a history can be legal, naming the op that shows it. */
export interface Impossibility {
  op: Operation;
  reason: string;
}

/** Options every model factory accepts. */
export interface ModelOptions {
  /**
   * Initial value (registers), initial map (multi-register, kv), initial elements (queues, set),
   * held or not (mutex: boolean), initial holder (lock). EDN nil is null.
   */
  init?: unknown;
  /**
   * What a read that returns null means, for `register`, `cas-register` and `multi-register`.
   * `absent`: the register holds null (it starts absent, or null was written) — Porcupine's etcd
   * model. `unknown`: the read reported nothing and constrains nothing — Knossos's models, whose
   * reads carry nil when no value is known. Default: `absent` when the model starts absent
   * (init null or not given), `unknown` when it starts from a non-null value.
   */
  nullRead?: 'absent' | 'unknown';
}

/**
 * A model step that would take too long to decide (kv-appends: too many ways to order floating
 * appends whose tokens are prefixes of one another). The search ends "unknown" with cause
 * "memory" instead of running past its budgets inside one step.
 */
export class StepBudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepBudgetExceeded';
  }
}

/** Bad model options or an op the model cannot read: bad input, not an inconsistency. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}
