/**
 * Histories from a simulated sequential object, for property tests and benchmarks. Each process
 * runs ops one after another with random durations; every op that takes effect gets a
 * linearization point inside its interval (an unknown-outcome op may take effect late, or never),
 * and the object is executed in linearization-point order to fill in results. So every generated
 * history is linearizable by construction; tests then inject anomalies into it.
 */
import type { History, Key, Op } from '../history/types.js';

/** A tiny seeded PRNG (mulberry32): deterministic histories from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sequential object: picks the next op for a process and executes ops. */
export interface SimulatedObject<S> {
  init(): S;
  /** Chooses an op; `unique` is a fresh number to make written values unambiguous. */
  nextOp(random: () => number, unique: number, process: number): { f: string; value: unknown };
  /** Executes an op: whether it took effect ("fail" ops do not), its result and the new state. */
  execute(state: S, f: string, value: unknown, process: number): { ok: boolean; output: unknown; state: S };
}

export interface SimulationOptions {
  seed: number;
  /** Concurrent client threads. */
  threads: number;
  /** Operations per key. */
  opsPerKey: number;
  keys?: number;
  /** Probability that an op's outcome is unknown (info). */
  infoRate?: number;
}

interface PlannedOp {
  thread: number;
  process: number;
  key: number;
  f: string;
  value: unknown;
  call: number;
  ret: number;
  /** When it takes effect; undefined when it never does. */
  point?: number;
  info: boolean;
  ok?: boolean;
  output?: unknown;
}

export function simulateHistory<S>(object: SimulatedObject<S>, options: SimulationOptions): History {
  const random = seededRandom(options.seed);
  const keys = options.keys ?? 1;
  const planned: PlannedOp[] = [];
  let unique = 1;
  for (let key = 0; key < keys; key++) {
    const clock = new Array<number>(options.threads).fill(0);
    const processOf = Array.from({ length: options.threads }, (_, thread) => thread);
    for (let i = 0; i < options.opsPerKey; i++) {
      const thread = Math.floor(random() * options.threads);
      const call = clock[thread] + 1 + Math.floor(random() * 10);
      const ret = call + 1 + Math.floor(random() * 30);
      const info = random() < (options.infoRate ?? 0);
      const { f, value } = object.nextOp(random, unique++, processOf[thread]);
      const takesEffect = !info || random() < 0.5;
      const point = takesEffect ? call + random() * (info ? 3 * (ret - call) : ret - call) : undefined;
      planned.push({ thread, process: processOf[thread], key, f, value, call, ret, point, info });
      clock[thread] = ret;
      if (info) processOf[thread] += options.threads; // a crashed process never comes back
    }
  }
  executeInOrder(object, planned, keys);
  return toHistory(planned, keys > 1);
}

function executeInOrder<S>(object: SimulatedObject<S>, planned: PlannedOp[], keys: number): void {
  const states = Array.from({ length: keys }, () => object.init());
  const effective = planned.filter((op) => op.point !== undefined).sort((a, b) => a.point! - b.point!);
  for (const op of effective) {
    const result = object.execute(states[op.key], op.f, op.value, op.process);
    op.ok = result.ok;
    op.output = result.output;
    states[op.key] = result.state;
  }
}

function toHistory(planned: PlannedOp[], keyed: boolean): History {
  type Event = { time: number; order: number; op: Omit<Op, 'index'> };
  const events: Event[] = [];
  planned.forEach((p, order) => {
    const key: { key?: Key } = keyed ? { key: p.key } : {};
    // Keys have independent clocks; offset them so each key's ops are contiguous in time.
    const offset = p.key * 1e9;
    events.push({
      time: offset + p.call,
      order,
      op: { time: 0, process: p.process, type: 'invoke', f: p.f, ...key, value: invokeValue(p) },
    });
    if (p.info) return; // unknown outcome: recorded as an invoke with no completion or an info
    const type = p.ok === false ? 'fail' : 'ok';
    const value = type === 'ok' ? p.output : p.value;
    events.push({
      time: offset + p.ret,
      order,
      op: { time: 0, process: p.process, type, f: p.f, ...key, value },
    });
  });
  planned.forEach((p, order) => {
    if (p.info)
      events.push({
        time: p.key * 1e9 + p.ret,
        order,
        op: {
          time: 0,
          process: p.process,
          type: 'info',
          f: p.f,
          ...(keyed ? { key: p.key } : {}),
          value: p.value,
        },
      });
  });
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  return events.map((event, index) => ({ ...event.op, index, time: Math.round(event.time * 1000) }) as Op);
}

function invokeValue(p: PlannedOp): unknown {
  return p.f === 'read' || p.f === 'get' || p.f === 'dequeue' ? null : p.value;
}

/** A compare-and-set register with unique written values (read / write / cas). */
export const casRegister: SimulatedObject<number | null> = {
  init: () => null,
  nextOp(random, unique) {
    const r = random();
    if (r < 0.4) return { f: 'read', value: null };
    if (r < 0.7) return { f: 'write', value: unique };
    return { f: 'cas', value: [Math.floor(random() * 4) === 0 ? unique - 1 : unique - 2, unique] };
  },
  execute(state, f, value) {
    if (f === 'read') return { ok: true, output: state, state };
    if (f === 'write') return { ok: true, output: value, state: value as number };
    const [expected, next] = value as [number, number];
    return expected === state
      ? { ok: true, output: value, state: next }
      : { ok: false, output: value, state };
  },
};

/** A mutex (acquire fails when held, release fails when free). */
export const mutex: SimulatedObject<number | null> = {
  init: () => null,
  nextOp: (random) => ({ f: random() < 0.5 ? 'acquire' : 'release', value: null }),
  execute(state, f, _value, process) {
    if (f === 'acquire')
      return state === null ? { ok: true, output: null, state: process } : { ok: false, output: null, state };
    return state !== null ? { ok: true, output: null, state: null } : { ok: false, output: null, state };
  },
};

/** A FIFO queue of unique elements; dequeue on empty returns null. */
export const fifoQueue: SimulatedObject<readonly number[]> = {
  init: () => [],
  nextOp: (random, unique) =>
    random() < 0.55 ? { f: 'enqueue', value: unique } : { f: 'dequeue', value: null },
  execute(state, f, value) {
    if (f === 'enqueue') return { ok: true, output: value, state: [...state, value as number] };
    if (state.length === 0) return { ok: true, output: null, state };
    return { ok: true, output: state[0], state: state.slice(1) };
  },
};

/**
 * A compare-and-set register over a few small values (0-4, as in Jepsen's etcd test), so writes
 * repeat values and often write the value already held: the case that tempts unsound pruning.
 */
export const smallValueRegister: SimulatedObject<number | null> = {
  init: () => null,
  nextOp(random) {
    const r = random();
    const value = () => Math.floor(random() * 5);
    if (r < 0.4) return { f: 'read', value: null };
    if (r < 0.7) return { f: 'write', value: value() };
    return { f: 'cas', value: [value(), value()] };
  },
  execute: casRegister.execute,
};

/**
 * Porcupine's kv object on one key: get / put / append on strings. With `tokens`, appended and
 * put values are drawn from that list (repeats, prefixes of one another and "" included), else
 * each is unique, as in Porcupine's logs ("x 3 7 y").
 */
export function kvStrings(tokens?: readonly string[]): SimulatedObject<string> {
  const pick = (random: () => number, unique: number) =>
    tokens ? tokens[Math.floor(random() * tokens.length)] : `x ${unique} y`;
  return {
    init: () => '',
    nextOp(random, unique) {
      const r = random();
      if (r < 0.4) return { f: 'get', value: null };
      return { f: r < 0.9 ? 'append' : 'put', value: pick(random, unique) };
    },
    execute(state, f, value) {
      if (f === 'get') return { ok: true, output: state, state };
      const next = f === 'put' ? (value as string) : state + (value as string);
      return { ok: true, output: null, state: next };
    },
  };
}

/**
 * A ZooKeeper znode as the zk-versioned-register model sees it: reads report {value, version},
 * writes and cas ops (cas by version, ZooKeeper's setData with a version) report the value and
 * the version they made. With `values`, written values are drawn from 0..values-1, so crashed
 * writes often carry a value some read reports: the case that tempts unsound symmetry rules.
 */
export function zkVersioned(values?: number): SimulatedObject<{ value: unknown; version: number }> {
  return {
    init: () => ({ value: null, version: 0 }),
    nextOp(random, unique) {
      const r = random();
      const value = values === undefined ? unique : Math.floor(random() * values);
      if (r < 0.4) return { f: 'read', value: null };
      if (r < 0.75) return { f: 'write', value };
      return { f: 'cas', value: [Math.floor(random() * 5), value] };
    },
    execute(state, f, value) {
      if (f === 'read') return { ok: true, output: state, state };
      const [expected, written] = f === 'cas' ? (value as [number, unknown]) : [state.version, value];
      if (expected !== state.version) return { ok: false, output: value, state };
      const next = { value: written, version: state.version + 1 };
      return { ok: true, output: next, state: next };
    },
  };
}
