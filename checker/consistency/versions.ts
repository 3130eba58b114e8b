/**
 * What ZooKeeper's versions tell us, for the graph method. In every legal order of a
 * `zk-versioned-register` history, the k-th update of a key that takes effect produces version k,
 * and a read of version n sits between the producer of n and the producer of n + 1. So when every
 * ok op reports its version, each key's write order and each read's source are fixed, and a claim
 * becomes cycle detection (graph.ts).
 *
 * This module resolves those facts for one claim's ops, or says why it cannot:
 * - `conflict`: no legal order can exist (two updates report one version, a read's value is not
 *   what its version's producer wrote, a version nobody could have produced);
 * - `undecided`: an op reports no version, or an unknown-outcome (info) update's effect is
 *   ambiguous — the caller falls back to the search;
 * - `chains`: per key, the producer of every version 1..max, and each read's version.
 *
 * Info updates: one whose value a read saw (at a version no ok update reports) took effect there;
 * a version no op reports with exactly one possible info producer is that op's, and with several
 * one of them is guessed (marked in `guessed`); any other info update is dropped (it can only
 * come after every observed version, where it changes nothing the history shows).
 */
import type { Key, Operation } from '../history/types.js';
import { isPlainObject, render, sameValue } from '../models/values.js';

export interface Conflict {
  reason: string;
  ops: Operation[];
}

export interface VersionChains {
  kind: 'chains';
  /** The ops that took effect: every ok op and the info updates resolved to a version. */
  ops: Operation[];
  /** Per key, chain[n] is the update that produced version n (chain[0] unused). */
  chains: Map<Key | undefined, Operation[]>;
  /** The version each ok read returned. */
  readVersion: Map<Operation, number>;
  /** Info updates placed in a version gap by a guess: several could have filled it. */
  guessed: Set<Operation>;
}

export type VersionAnalysis =
  VersionChains | { kind: 'conflict'; conflict: Conflict } | { kind: 'undecided'; reason: string };

interface KeyFacts {
  producers: Map<number, Operation>;
  reads: Map<number, Operation[]>;
  unknown: Operation[];
  updates: number;
}

class Undecided extends Error {}
class ConflictFound extends Error {
  constructor(readonly conflict: Conflict) {
    super(conflict.reason);
  }
}

export function analyseVersions(ops: Operation[], init: unknown): VersionAnalysis {
  try {
    const facts = collectFacts(ops);
    const chains = new Map<Key | undefined, Operation[]>();
    const readVersion = new Map<Operation, number>();
    const guessed = new Set<Operation>();
    const effective: Operation[] = ops.filter((op) => op.status === 'ok');
    for (const [key, keyFacts] of facts) {
      const { chain, resolved } = resolveKey(keyFacts, init, guessed);
      chains.set(key, chain);
      effective.push(...resolved);
      for (const [version, reads] of keyFacts.reads) for (const read of reads) readVersion.set(read, version);
    }
    return { kind: 'chains', ops: effective, chains, readVersion, guessed };
  } catch (error) {
    if (error instanceof Undecided) return { kind: 'undecided', reason: error.message };
    if (error instanceof ConflictFound) return { kind: 'conflict', conflict: error.conflict };
    throw error;
  }
}

/** The value an update writes (cas: its new value). */
export function writtenValue(op: Operation): unknown {
  return op.f === 'cas' ? (op.input as [number, unknown])[1] : op.input;
}

function collectFacts(ops: Operation[]): Map<Key | undefined, KeyFacts> {
  const facts = new Map<Key | undefined, KeyFacts>();
  for (const op of ops) {
    let keyFacts = facts.get(op.key);
    if (!keyFacts) {
      keyFacts = { producers: new Map(), reads: new Map(), unknown: [], updates: 0 };
      facts.set(op.key, keyFacts);
    }
    if (op.f === 'read') {
      if (op.status === 'ok') addRead(keyFacts, op);
      continue; // an info read constrains nothing
    }
    if (op.f !== 'write' && op.f !== 'cas') throw new Undecided(`the graph method knows no "${op.f}"`);
    if (op.f === 'cas') casExpected(op);
    keyFacts.updates++;
    if (op.status === 'info') keyFacts.unknown.push(op);
    else addProducer(keyFacts, op);
  }
  return facts;
}

function addRead(facts: KeyFacts, read: Operation): void {
  const version = reportedVersion(read, 0);
  if (!('value' in (read.output as object))) throw new Undecided('a read reports no value');
  const reads = facts.reads.get(version);
  if (reads) reads.push(read);
  else facts.reads.set(version, [read]);
}

function addProducer(facts: KeyFacts, update: Operation): void {
  const version = reportedVersion(update, 1);
  const output = update.output as Record<string, unknown>;
  // A reply that contradicts its own op is illegal in every state: the search reports it.
  if ('value' in output && !sameValue(output.value, writtenValue(update)))
    throw new Undecided('an update reports a value it did not write');
  if (update.f === 'cas' && version !== casExpected(update) + 1)
    throw new Undecided('a cas reports a version other than expected + 1');
  const other = facts.producers.get(version);
  if (other) {
    throw new ConflictFound({
      reason: `two updates both report version ${version}: each version has exactly one producer`,
      ops: [other, update],
    });
  }
  facts.producers.set(version, update);
}

function reportedVersion(op: Operation, min: number): number {
  const output = op.output;
  if (!isPlainObject(output) || !('version' in output)) throw new Undecided(`a ${op.f} reports no version`);
  const version = output.version;
  if (!Number.isSafeInteger(version) || (version as number) < min)
    throw new Undecided(`a ${op.f} reports version ${render(version)}`);
  return version as number;
}

function casExpected(op: Operation): number {
  const pair = op.input;
  if (!Array.isArray(pair) || pair.length !== 2 || !Number.isSafeInteger(pair[0]) || pair[0] < 0)
    throw new Undecided('a cas without [version value]');
  return pair[0] as number;
}

/** Whether an info update could have produced `version`. */
function couldProduce(update: Operation, version: number): boolean {
  return update.f === 'write' || casExpected(update) === version - 1;
}

function resolveKey(
  facts: KeyFacts,
  init: unknown,
  guessed: Set<Operation>,
): { chain: Operation[]; resolved: Operation[] } {
  let max = 0;
  for (const version of facts.producers.keys()) max = Math.max(max, version);
  for (const version of facts.reads.keys()) max = Math.max(max, version);
  if (max > facts.updates) {
    const witness = facts.producers.get(max) ?? facts.reads.get(max)![0];
    throw new ConflictFound({
      reason: `version ${max} needs ${max} updates, but only ${facts.updates} were issued`,
      ops: [witness],
    });
  }
  const chain: Operation[] = new Array(max + 1);
  for (const [version, producer] of facts.producers) chain[version] = producer;
  const assigned = new Map<Operation, number>();
  for (const [version, reads] of facts.reads) resolveObserved(facts, version, reads, init, chain, assigned);
  resolveGaps(facts, chain, assigned, guessed);
  return { chain, resolved: [...assigned.keys()] };
}

/** The reads of one version: they fix that version's value, and with it its producer. */
function resolveObserved(
  facts: KeyFacts,
  version: number,
  reads: Operation[],
  init: unknown,
  chain: Operation[],
  assigned: Map<Operation, number>,
): void {
  const valueOf = (read: Operation) => (read.output as Record<string, unknown>).value;
  const expected = version === 0 ? init : chain[version] ? writtenValue(chain[version]) : valueOf(reads[0]);
  const wrong = reads.find((read) => !sameValue(valueOf(read), expected));
  if (wrong) {
    const source =
      version === 0 ? 'the initial value is' : chain[version] ? 'its producer wrote' : 'another read saw';
    throw new ConflictFound({
      reason: `a read returned ${render(valueOf(wrong))} at version ${version}, but ${source} ${render(expected)}`,
      ops: [...(chain[version] ? [chain[version]] : version === 0 ? [] : [reads[0]]), wrong],
    });
  }
  if (version === 0 || chain[version]) return;
  const candidates = facts.unknown.filter(
    (update) => couldProduce(update, version) && sameValue(writtenValue(update), expected),
  );
  if (candidates.length === 0) {
    throw new ConflictFound({
      reason: `a read returned ${render(expected)} at version ${version}, which no update could have produced`,
      ops: [reads[0]],
    });
  }
  if (candidates.length > 1)
    throw new Undecided(`several unknown-outcome updates could be version ${version}`);
  assign(candidates[0], version, chain, assigned);
}

/**
 * Versions nobody reports: each needs a producer among the info updates nobody observed. A gap
 * with one candidate is forced. Where several could fill a gap, the earliest invoked is guessed
 * (and marked): an acyclic graph is then still a proof of validity (it yields a legal order),
 * and a cycle proves a violation only if it does not lean on a guess (see graph.ts).
 */
function resolveGaps(
  facts: KeyFacts,
  chain: Operation[],
  assigned: Map<Operation, number>,
  guessed: Set<Operation>,
): void {
  const free = facts.unknown.filter((update) => !assigned.has(update)).sort((a, b) => a.call - b.call);
  const open: number[] = [];
  for (let version = 1; version < chain.length; version++) {
    if (chain[version]) continue;
    const candidates = free.filter((update) => couldProduce(update, version) && !assigned.has(update));
    if (candidates.length === 0) {
      const later = chain.slice(version + 1).find((op) => op !== undefined)!;
      throw new ConflictFound({
        reason: `version ${version} must exist before version ${version + 1}, but no update could have produced it`,
        ops: [later],
      });
    }
    if (candidates.length === 1) assign(candidates[0], version, chain, assigned);
    else open.push(version);
  }
  for (const version of open) {
    const candidate = free.find((update) => couldProduce(update, version) && !assigned.has(update));
    if (!candidate) throw new Undecided(`several unknown-outcome updates compete for version ${version}`);
    assign(candidate, version, chain, assigned);
    guessed.add(candidate);
  }
}

function assign(
  update: Operation,
  version: number,
  chain: Operation[],
  assigned: Map<Operation, number>,
): void {
  const earlier = assigned.get(update);
  if (earlier !== undefined) {
    throw new ConflictFound({
      reason: `one update would have to produce both version ${earlier} and version ${version}`,
      ops: [update],
    });
  }
  assigned.set(update, version);
  chain[version] = update;
}
