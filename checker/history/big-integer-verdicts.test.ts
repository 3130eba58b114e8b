/**
 * The same history written in JSONL and in EDN, with integers from all over the 64-bit range and
 * beyond, gets the same verdict from both, and the verdict an exact reading gives: the one for
 * the history with each integer replaced by a small stand-in (equal integers by equal stand-ins).
 * Neighbouring integers (2^53 and 2^53 + 1, 2^63 − 1 and 2^63) are drawn together, so a reader
 * that rounded would make two different values equal and change verdicts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClaims } from '../consistency/claims.js';
import { checkLinearizable } from '../linearizable/check.js';
import { toOperations } from './operations.js';
import { parseHistory } from './read.js';
import type { History, OpType } from './types.js';
import { writeEdn, writeJsonl } from './write.js';

/** An integer of the history, by its position in the run's list of integers. */
class Token {
  constructor(readonly index: number) {}
}

/** A value with tokens where the integers go; strings and small numbers are written as they are. */
type Value = null | number | string | Token | Value[] | { [field: string]: Value };

interface OpSpec {
  f: string;
  input: Value;
  type: 'ok' | 'info' | 'fail';
  output: Value;
}

/** How to write a token: the integer's digits, or the oracle's small stand-in. */
type TokenText = (token: Token) => string;

function jsonText(value: Value, token: TokenText): string {
  if (value instanceof Token) return token(value);
  if (Array.isArray(value)) return `[${value.map((v) => jsonText(v, token)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v, token)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function ednText(value: Value, token: TokenText): string {
  if (value instanceof Token) return token(value);
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `[${value.map((v) => ednText(v, token)).join(' ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `:${k} ${ednText(v, token)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

interface Event {
  process: number;
  type: OpType;
  f: string;
  value: Value;
}

/**
 * Runs the ops on `slots` concurrent processes in the order `schedule` picks them: a pick starts
 * the slot's next op, or completes the one it has open. A process whose op ended info is
 * replaced by a new one, as in a real history.
 */
function interleave(specs: OpSpec[], schedule: number[], slots = 3): Event[] {
  const queues: OpSpec[][] = Array.from({ length: slots }, (_, slot) =>
    specs.filter((_, i) => i % slots === slot),
  );
  const open: (OpSpec | undefined)[] = new Array(slots).fill(undefined);
  const processes = Array.from({ length: slots }, (_, slot) => slot);
  let nextProcess = slots;
  const events: Event[] = [];
  const busy = (slot: number) => open[slot] !== undefined || queues[slot].length > 0;
  for (let turn = 0; queues.some((q, slot) => q.length > 0 || busy(slot)); turn++) {
    let slot = schedule.length === 0 ? turn % slots : schedule[turn % schedule.length] % slots;
    while (!busy(slot)) slot = (slot + 1) % slots;
    const op = open[slot];
    if (op === undefined) {
      const next = queues[slot].shift() as OpSpec;
      events.push({ process: processes[slot], type: 'invoke', f: next.f, value: next.input });
      open[slot] = next;
    } else {
      events.push({ process: processes[slot], type: op.type, f: op.f, value: op.output });
      open[slot] = undefined;
      if (op.type === 'info') processes[slot] = nextProcess++;
    }
  }
  return events;
}

function jsonlHistory(events: Event[], token: TokenText): string {
  return events
    .map(
      (e) => `{"process":${e.process},"type":"${e.type}","f":"${e.f}","value":${jsonText(e.value, token)}}\n`,
    )
    .join('');
}

function ednHistory(events: Event[], token: TokenText): string {
  const ops = events.map(
    (e) => `{:process ${e.process}, :type :${e.type}, :f :${e.f}, :value ${ednText(e.value, token)}}`,
  );
  return `[${ops.join('\n ')}]\n`;
}

/** Integers that differ by little around a center: the values a rounding reader would merge. */
const CENTERS = [2n ** 53n, 2n ** 63n, 2n ** 64n, 2n ** 70n, -(2n ** 53n), -(2n ** 63n), -(2n ** 64n), 0n];
const integers: fc.Arbitrary<bigint[]> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...CENTERS), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n })),
    fc.uniqueArray(fc.integer({ min: -2, max: 2 }), { minLength: 2, maxLength: 3 }),
  )
  .map(([center, offsets]) => offsets.map((offset) => center + BigInt(offset)));

interface Case {
  model: string;
  integers: bigint[];
  events: Event[];
}

function cases(model: string, op: (token: fc.Arbitrary<Token>) => fc.Arbitrary<OpSpec>): fc.Arbitrary<Case> {
  return integers.chain((ints) => {
    const token = fc.nat(ints.length - 1).map((i) => new Token(i));
    return fc
      .tuple(fc.array(op(token), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(2), { maxLength: 20 }))
      .map(([specs, schedule]) => ({ model, integers: ints, events: interleave(specs, schedule) }));
  });
}

const outcome = fc.constantFrom<OpSpec['type']>('ok', 'ok', 'ok', 'info', 'fail');

const registerOp = (withCas: boolean) => (token: fc.Arbitrary<Token>) =>
  fc.oneof(
    fc.tuple(token, outcome).map(([t, type]): OpSpec => ({ f: 'write', input: t, type, output: t })),
    fc
      .tuple(token, outcome)
      .map(([t, type]): OpSpec => ({ f: 'read', input: null, type, output: type === 'ok' ? t : null })),
    ...(withCas
      ? [
          fc
            .tuple(token, token, outcome)
            .map(([a, b, type]): OpSpec => ({ f: 'cas', input: [a, b], type, output: [a, b] })),
        ]
      : []),
  );

/** A reply's version, or none (a bare value): random versions alone would decide most verdicts. */
const version = fc.option(fc.nat(3), { freq: 2 });
const reply = (value: Token, v: number | null): Value => (v === null ? value : { value, version: v });
const versionedOp = (token: fc.Arbitrary<Token>) =>
  fc.oneof(
    fc
      .tuple(token, version, outcome)
      .map(([t, v, type]): OpSpec => ({ f: 'write', input: t, type, output: reply(t, v) })),
    fc.tuple(token, version, outcome).map(([t, v, type]): OpSpec => ({
      f: 'read',
      input: null,
      type,
      output: type === 'ok' ? reply(t, v) : null,
    })),
    fc.tuple(token, fc.nat(3), outcome).map(([t, v, type]): OpSpec => ({
      f: 'cas',
      input: [v, t],
      type,
      output: { value: t, version: v + 1 },
    })),
  );

const setOp = (token: fc.Arbitrary<Token>) =>
  fc.oneof(
    fc.tuple(token, outcome).map(([t, type]): OpSpec => ({ f: 'add', input: t, type, output: t })),
    fc
      .tuple(fc.uniqueArray(token, { selector: (t) => t.index, maxLength: 3 }), outcome)
      .map(([ts, type]): OpSpec => ({ f: 'read', input: null, type, output: type === 'ok' ? ts : null })),
  );

const queueOp = (token: fc.Arbitrary<Token>) =>
  fc.oneof(
    fc.tuple(token, outcome).map(([t, type]): OpSpec => ({ f: 'enqueue', input: t, type, output: t })),
    fc
      .tuple(fc.option(token), outcome)
      .map(([t, type]): OpSpec => ({ f: 'dequeue', input: null, type, output: type === 'ok' ? t : null })),
  );

const multiRegisterOp = (token: fc.Arbitrary<Token>) =>
  fc.tuple(fc.constantFrom('x', 'y'), token, fc.boolean(), outcome).map(([key, t, write, type]): OpSpec => {
    const micro = [write ? 'write' : 'read', key, write ? t : null];
    return { f: 'txn', input: [micro], type, output: type === 'ok' ? [[micro[0], key, t]] : null };
  });

/** The verdict for each reading of a case: exact digits in JSONL and EDN, both written again, and the oracle. */
async function verdicts(
  c: Case,
  check: (history: History) => Promise<unknown>,
): Promise<{ oracle: unknown; readings: Record<string, unknown> }> {
  const digits: TokenText = (t) => String(c.integers[t.index]);
  const standIn: TokenText = (t) => String(t.index);
  const jsonl = parseHistory(jsonlHistory(c.events, digits), { file: 'h.jsonl' });
  const edn = parseHistory(ednHistory(c.events, digits), { file: 'h.edn' });
  return {
    oracle: await check(parseHistory(jsonlHistory(c.events, standIn), { file: 'oracle.jsonl' })),
    readings: {
      jsonl: await check(jsonl),
      edn: await check(edn),
      'jsonl written as jsonl': await check(parseHistory(writeJsonl(jsonl), { file: 'again.jsonl' })),
      'edn written as jsonl': await check(parseHistory(writeJsonl(edn), { file: 'again.jsonl' })),
      'jsonl written as edn': await check(parseHistory(writeEdn(jsonl), { file: 'again.edn' })),
    },
  };
}

async function linearizable(model: string, history: History): Promise<boolean> {
  const result = await checkLinearizable(toOperations(history), { name: model }, { workers: 0 });
  if (result.valid === 'unknown') throw new Error(`unknown verdict: ${result.cause}`);
  return result.valid;
}

const RUNS = 150;

describe('JSONL and EDN readings of a history with big integers get the exact verdict', () => {
  it.each([
    ['register', registerOp(false)],
    ['cas-register', registerOp(true)],
    ['zk-versioned-register', versionedOp],
    ['set', setOp],
    ['fifo-queue', queueOp],
    ['unordered-queue', queueOp],
    ['multi-register', multiRegisterOp],
  ] as const)('from checkLinearizable with %s', async (model, op) => {
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(cases(model, op), async (c) => {
        const { oracle, readings } = await verdicts(c, (h) => linearizable(model, h));
        if (oracle === false) invalid++;
        for (const verdict of Object.values(readings)) expect(verdict).toBe(oracle);
      }),
      { numRuns: RUNS },
    );
    // Both verdicts must be common, or agreeing would prove little.
    expect(invalid).toBeGreaterThan(RUNS / 10);
    expect(invalid).toBeLessThan(RUNS - RUNS / 10);
  });

  it('from the claims (graph method and search) with zk-versioned-register', async () => {
    const claims = ['writes-linearizable', 'sequential', 'zookeeper', 'linearizable'] as const;
    const checkBoth = async (history: History) => {
      const ops = toOperations(history);
      const spec = { name: 'zk-versioned-register' };
      const byGraph = await checkClaims(ops, spec, { claims, workers: 0 });
      const bySearch = await checkClaims(ops, spec, { claims, workers: 0, graph: false });
      const valid = byGraph.map((result) => result.valid);
      expect(bySearch.map((result) => result.valid)).toEqual(valid);
      expect(valid).not.toContain('unknown');
      return valid;
    };
    await fc.assert(
      fc.asyncProperty(cases('zk-versioned-register', versionedOp), async (c) => {
        const { oracle, readings } = await verdicts(c, checkBoth);
        for (const verdict of Object.values(readings)) expect(verdict).toEqual(oracle);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the examples of issue 17', () => {
  const history = (written: string, read: string) =>
    jsonlHistory(
      interleave(
        [
          { f: 'write', input: new Token(0), type: 'ok', output: new Token(0) },
          { f: 'read', input: null, type: 'ok', output: new Token(1) },
        ],
        [0, 0, 1, 1],
      ),
      (t) => (t.index === 0 ? written : read),
    );

  it.each([
    ['9007199254740992', '9007199254740993'],
    [String(2n ** 70n), String(2n ** 70n + 1n)],
  ])('a write of %s then a read of %s is invalid', async (written, read) => {
    expect(await linearizable('register', parseHistory(history(written, read), { file: 'h.jsonl' }))).toBe(
      false,
    );
    expect(await linearizable('register', parseHistory(history(written, written), { file: 'h.jsonl' }))).toBe(
      true,
    );
  });

  it('builds the history it means to', () => {
    expect(history('1', '2')).toBe(
      '{"process":0,"type":"invoke","f":"write","value":1}\n' +
        '{"process":0,"type":"ok","f":"write","value":1}\n' +
        '{"process":1,"type":"invoke","f":"read","value":null}\n' +
        '{"process":1,"type":"ok","f":"read","value":2}\n',
    );
  });
});
