/**
 * Partition shapes as sets of DIRECTED links: [from, to] cuts the links node `from` dials towards
 * node `to` (its quorum and election proxies), whatever flows back on them. A two-way cut between
 * a and b is [a, b] and [b, a]. Pure functions of a random order of the node ids (drawn from the
 * run's seeded RNG when the episode is planned), so `--seed` replays the same shape.
 *
 *   halves   the order split in two: the first ⌊n/2⌋ nodes against the rest, cut both ways
 *   bridge   the first node of the order talks to both sides; the others split in two halves
 *            that cannot talk to each other (only one quorum can hold the bridge)
 *   ring     a majorities ring: nodes on a ring in the order, each sees a majority and no two
 *            see the same one (see `majoritiesRing`)
 *   grudge   given by the user (see `parseGrudge`)
 */
import { NemesisError } from '../harness/runner/spec.js';

export type Directed = readonly [from: number, to: number];

export interface Shape {
  /** The directed links cut, sorted. */
  links: Directed[];
  /** The components or views, for the history: `[[1, 2], [3, 4, 5]]`. */
  groups: number[][];
}

/** Every link between a node of `a` and a node of `b`, both ways. */
export function between(a: readonly number[], b: readonly number[]): Directed[] {
  return a.flatMap((x) =>
    b.flatMap((y): Directed[] => [
      [x, y],
      [y, x],
    ]),
  );
}

export function halves(order: readonly number[]): Shape {
  const cut = Math.floor(order.length / 2);
  const groups = [sorted(order.slice(0, cut)), sorted(order.slice(cut))];
  return { links: sortLinks(between(groups[0], groups[1])), groups };
}

export function bridge(order: readonly number[]): Shape {
  const [middle, ...rest] = order;
  const cut = Math.floor(rest.length / 2);
  const a = sorted(rest.slice(0, cut));
  const b = sorted(rest.slice(cut));
  return { links: sortLinks(between(a, b)), groups: [a, [middle], b] };
}

/**
 * Node o[i] on the ring sees the nodes within ring distance k of it, k the least with 2k+1 at
 * least a majority; when that is every node (n = 3) it sees instead the majority o[i], o[i+1], ...
 * forwards, so [o[i], o[i-1]] is cut but [o[i-1], o[i]] is not. A node "sees" y when its own links
 * towards y are intact. `groups` holds each node's view, in ring order.
 */
export function majoritiesRing(order: readonly number[]): Shape {
  const n = order.length;
  const majority = Math.floor(n / 2) + 1;
  const k = Math.ceil((majority - 1) / 2);
  const symmetric = 2 * k + 1 < n;
  const views = order.map((_, i) =>
    symmetric
      ? Array.from({ length: 2 * k + 1 }, (_, d) => order[(i + d - k + n) % n])
      : Array.from({ length: majority }, (_, d) => order[(i + d) % n]),
  );
  const links: Directed[] = [];
  order.forEach((x, i) => {
    for (const y of order) if (!views[i].includes(y)) links.push([x, y]);
  });
  return { links: sortLinks(links), groups: views.map(sorted) };
}

/**
 * A user's grudge, two forms (spaces ignored; node ids 1..size):
 *   groups  `1,2|3,4,5`   nodes in different groups cannot talk (both ways); a node in no group
 *                         keeps every link, so `1|3` leaves 2 as a bridge
 *   links   `1-3,2-4`     a-b cuts both ways between a and b;
 *           `1>3`         cuts one way: node 1 cannot reach node 3, node 3 still reaches node 1
 * Throws NemesisError with one line naming what is wrong.
 */
export function parseGrudge(text: string, size: number, flag = '--partition-grudge'): Shape {
  const fail = (why: string): never => {
    throw new NemesisError(`${flag} "${text}": ${why} (e.g. "1,2|3,4,5" or "1-3,2>4")`);
  };
  const spec = text.replace(/\s+/g, '');
  if (spec === '') fail('empty');
  const node = (word: string): number => {
    if (!/^\d+$/.test(word)) fail(`"${word}" is not a node id`);
    const id = Number(word);
    if (id < 1 || id > size) fail(`no node ${id} in an ensemble of ${size}`);
    return id;
  };
  if (spec.includes('|')) {
    if (/[->]/.test(spec)) fail('mixes groups (|) with links (- or >)');
    const groups = spec.split('|').map((group) => {
      if (group === '') fail('an empty group');
      return group.split(',').map(node);
    });
    const seen = new Set<number>();
    for (const id of groups.flat()) {
      if (seen.has(id)) fail(`node ${id} is named twice`);
      seen.add(id);
    }
    const links = groups.flatMap((g, i) => groups.slice(i + 1).flatMap((h) => between(g, h)));
    return { links: sortLinks(links), groups: groups.map(sorted) };
  }
  const links: Directed[] = [];
  for (const pair of spec.split(',')) {
    const match = /^([^->]+)([->])([^->]+)$/.exec(pair);
    if (!match) fail(`"${pair}" is not a-b or a>b`);
    const [, a, how, b] = match!;
    const [from, to] = [node(a), node(b)];
    if (from === to) fail(`"${pair}" cuts node ${from} from itself`);
    links.push([from, to]);
    if (how === '-') links.push([to, from]);
  }
  const unique = sortLinks(links).filter(
    (l, i, all) => i === 0 || l[0] !== all[i - 1][0] || l[1] !== all[i - 1][1],
  );
  return { links: unique, groups: [] };
}

/** "1->3, 3->1" for the history and progress lines. */
export function describeLinks(links: readonly Directed[]): string[] {
  return links.map(([from, to]) => `${from}->${to}`);
}

/** Every node a cut touches, sorted. */
export function nodesOf(links: readonly Directed[]): number[] {
  return sorted([...new Set(links.flat())]);
}

function sorted(ids: readonly number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function sortLinks(links: Directed[]): Directed[] {
  return [...links].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}
