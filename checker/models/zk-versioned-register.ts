/**
 * `zk-versioned-register`: a ZooKeeper znode's data and data version, initially
 * `{value: init, version: 0}`. Encoding (issue 2):
 *
 *   read   invoke null; ok output {value, version}
 *   write  invoke v; ok output {value: v, version: n} (n the new version, state.version + 1)
 *          or just v when the version is unknown
 *   cas    invoke [n, v]: set v iff the version is n; ok output {value: v, version: n + 1}
 *
 * Every version an ok reply reports is checked, and so is every value it reports. An output is
 * "versioned" when it is an object with a `version` field; any other write output is an echo and
 * constrains nothing; a read output that is not versioned is compared as the value alone. A read
 * output of null or undefined reports nothing. An unknown-outcome write bumps the version; an
 * unknown-outcome cas applies only if the version matches.
 *
 * Interchangeable ops (`interchangeable`, for the search): unknown-outcome writes whose value no
 * ok read reports form one class, and unknown-outcome cas ops expecting version n whose new value
 * no ok read reports form one class per n. Why they qualify: the members of a class are legal in
 * the same states (a write anywhere, a cas where the version is n), and each leaves (v, k) with
 * the same version k and a value v nothing reports. Two such states (v1, k), (v2, k) cannot be
 * told apart by any op: a read is legal in both or neither (it reports a version, which they
 * share, or a value, which neither holds, or nothing) and leaves them as they were; a write or
 * cas depends on the version alone and leads both to the same state.
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { isPlainObject, knownOutput, malformed, render, unsupported, ValueTable } from './values.js';

export interface VersionedState {
  /** Interned id of the data (see ValueTable). */
  readonly value: number;
  readonly version: number;
}

const NAME = 'zk-versioned-register';
const FS = ['read', 'write', 'cas'] as const;
/** Both fit one safe integer hash below these bounds (2^21 values, 2^31 versions). */
const VALUE_LIMIT = 2 ** 21;
const VERSION_LIMIT = 2 ** 31;

interface Reported {
  value?: unknown;
  hasValue: boolean;
  version?: number;
}

export function zkVersionedRegisterModel(options: ModelOptions = {}): Model<VersionedState> {
  const values = new ValueTable();
  const initial: VersionedState = {
    value: values.id(options.init === undefined ? null : options.init),
    version: 0,
  };

  /** What a reply reports, or undefined when it reports nothing. Throws on a non-integer version. */
  const reported = (op: Operation, output: unknown, bareIsValue: boolean): Reported | undefined => {
    if (output === undefined || output === null) return undefined;
    if (isPlainObject(output) && 'version' in output) {
      const version = output.version;
      if (!Number.isSafeInteger(version))
        throw malformed(NAME, op, `reports version ${render(version)}, not a safe integer`);
      return { value: output.value, hasValue: 'value' in output, version: version as number };
    }
    return bareIsValue ? { value: output, hasValue: true } : undefined;
  };

  const casInput = (op: Operation): [number, unknown] => {
    const pair = op.input;
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !Number.isSafeInteger(pair[0]) ||
      (pair[0] as number) < 0
    ) {
      // ZooKeeper's version -1 means "any version": that is a write, so the history should say so.
      throw malformed(NAME, op, `needs [version value] with a version >= 0, got ${render(pair)}`);
    }
    return pair as [number, unknown];
  };

  /** Whether a reply agrees with the state it claims to leave behind. */
  const agrees = (reply: Reported | undefined, after: VersionedState): boolean =>
    reply === undefined ||
    ((reply.version === undefined || reply.version === after.version) &&
      (!reply.hasValue || values.find(reply.value) === after.value));

  const step = (state: VersionedState, op: Operation): VersionedState | undefined => {
    switch (op.f) {
      case 'read':
        return agrees(reported(op, knownOutput(op), true), state) ? state : undefined;
      case 'write': {
        const after = { value: values.id(op.input), version: state.version + 1 };
        return agrees(reported(op, knownOutput(op), false), after) ? after : undefined;
      }
      case 'cas': {
        const [version, value] = casInput(op);
        if (state.version !== version) return undefined;
        const after = { value: values.id(value), version: version + 1 };
        return agrees(reported(op, knownOutput(op), false), after) ? after : undefined;
      }
    }
    throw unsupported(NAME, op, FS);
  };

  /** See the module comment: crashed writes, and crashed cas ops per version, of unread values. */
  const interchangeable = (ops: readonly Operation[]): Int32Array | undefined => {
    // The value each crashed update writes, interned before any read is looked at, so that the
    // reads find theirs without adding to the table.
    const written = new Int32Array(ops.length).fill(-1);
    let crashed = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.status !== 'info') continue;
      crashed++;
      if (op.f === 'write') written[i] = values.id(op.input);
      else if (op.f === 'cas') written[i] = values.id(casInput(op)[1]);
    }
    if (crashed < 2) return undefined; // most parts: nothing to class, so no reply is read
    const read = new Set<number>();
    for (const op of ops) {
      if (op.status !== 'ok' || op.f !== 'read') continue;
      const reply = reported(op, op.output, true);
      if (reply?.hasValue) read.add(values.find(reply.value));
    }
    const classOf = new Int32Array(ops.length).fill(-1);
    const casClass = new Map<number, number>();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (written[i] < 0 || read.has(written[i])) continue;
      if (op.f === 'write') classOf[i] = 0;
      else {
        const version = casInput(op)[0];
        if (!casClass.has(version)) casClass.set(version, casClass.size + 1);
        classOf[i] = casClass.get(version)!;
      }
    }
    return classOf;
  };

  const hash = (state: VersionedState): number | string =>
    state.value < VALUE_LIMIT && state.version >= 0 && state.version < VERSION_LIMIT
      ? state.version * VALUE_LIMIT + state.value
      : `${state.value}@${state.version}`;

  const show = (value: unknown, version: number | undefined) =>
    version === undefined ? render(value) : `${render(value)} at version ${version}`;
  const describe = (state: VersionedState) => show(values.value(state.value), state.version);

  return {
    name: NAME,
    versionGraph: { init: options.init === undefined ? null : options.init },
    init: () => initial,
    step,
    equal: (a, b) => a.value === b.value && a.version === b.version,
    readOnly: (op) => op.f === 'read',
    interchangeable,
    hash,
    describe,
    explain(state, op) {
      const holds = `the node holds ${describe(state)}`;
      if (step(state, op) !== undefined) return `${op.f} is legal when ${holds}`;
      if (op.f === 'read') {
        const reply = reported(op, knownOutput(op), true) as Reported;
        return `read ${show(reply.value, reply.version)} but ${holds}`;
      }
      const reply = reported(op, knownOutput(op), false);
      if (op.f === 'cas') {
        const [version, value] = casInput(op);
        if (state.version !== version)
          return `cas of ${render(value)} expected version ${version} but ${holds}`;
      }
      const expected = op.f === 'cas' ? casInput(op)[0] + 1 : state.version + 1;
      if (reply?.version !== undefined && reply.version !== expected) {
        return `${op.f} reported new version ${reply.version} but ${holds}, so the new version is ${expected}`;
      }
      return `${op.f} reported value ${render(reply?.value)} but wrote ${render(op.f === 'cas' ? casInput(op)[1] : op.input)}`;
    },
    validate(op) {
      if (!(FS as readonly string[]).includes(op.f)) return unsupported(NAME, op, FS).message;
      try {
        if (op.f === 'cas') casInput(op);
        reported(op, knownOutput(op), op.f === 'read');
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    },
  };
}
