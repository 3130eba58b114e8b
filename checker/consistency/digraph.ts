/**
 * A compact directed graph with labelled edges and an iterative cycle finder (no recursion, so
 * a million nodes cannot overflow the stack). Edges are collected, then packed into CSR arrays.
 */

export class Digraph<Label extends number = number> {
  private from: number[] = [];
  private to: number[] = [];
  private label: number[] = [];

  constructor(public nodeCount = 0) {}

  addNode(): number {
    return this.nodeCount++;
  }

  addEdge(from: number, to: number, label: Label): void {
    this.from.push(from);
    this.to.push(to);
    this.label.push(label);
  }

  get edgeCount(): number {
    return this.from.length;
  }

  /**
   * A cycle as [node, label of the edge to the next node] pairs, or undefined when the graph is
   * acyclic. Kahn's algorithm peels off every node not on or behind a cycle; from what is left a
   * walk over predecessors must repeat a node, and a breadth-first search from that node finds
   * the shortest cycle through it (short cycles read best).
   */
  findCycle(): Array<[number, Label]> | undefined {
    const out = this.pack(this.from, this.to);
    const remaining = this.peel(out);
    if (remaining === undefined) return undefined;
    const into = this.pack(this.to, this.from);
    const start = this.walkBack(into, remaining);
    return this.shortestCycleThrough(start, out, remaining);
  }

  /** CSR adjacency: offsets per node, then edge ids grouped by source. */
  private pack(sources: number[], targets: number[]) {
    const offsets = new Int32Array(this.nodeCount + 1);
    for (const source of sources) offsets[source + 1]++;
    for (let node = 0; node < this.nodeCount; node++) offsets[node + 1] += offsets[node];
    const edges = new Int32Array(sources.length);
    const fill = offsets.slice(0, this.nodeCount);
    for (let edge = 0; edge < sources.length; edge++) edges[fill[sources[edge]]++] = edge;
    return { offsets, edges, targets };
  }

  /** Kahn's algorithm: undefined when every node is removed, else a mask of the rest. */
  private peel(out: ReturnType<Digraph['pack']>): Uint8Array | undefined {
    const indegree = new Int32Array(this.nodeCount);
    for (const target of this.to) indegree[target]++;
    const queue = new Int32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    for (let node = 0; node < this.nodeCount; node++) if (indegree[node] === 0) queue[tail++] = node;
    while (head < tail) {
      const node = queue[head++];
      for (let i = out.offsets[node]; i < out.offsets[node + 1]; i++) {
        const target = this.to[out.edges[i]];
        if (--indegree[target] === 0) queue[tail++] = target;
      }
    }
    if (tail === this.nodeCount) return undefined;
    const remaining = new Uint8Array(this.nodeCount);
    for (let node = 0; node < this.nodeCount; node++) if (indegree[node] > 0) remaining[node] = 1;
    return remaining;
  }

  /** Every remaining node has a remaining predecessor, so walking back must revisit a node. */
  private walkBack(into: ReturnType<Digraph['pack']>, remaining: Uint8Array): number {
    const seen = new Uint8Array(this.nodeCount);
    let node = remaining.indexOf(1);
    while (!seen[node]) {
      seen[node] = 1;
      for (let i = into.offsets[node]; i < into.offsets[node + 1]; i++) {
        const source = this.from[into.edges[i]];
        if (remaining[source]) {
          node = source;
          break;
        }
      }
    }
    return node;
  }

  private shortestCycleThrough(
    start: number,
    out: ReturnType<Digraph['pack']>,
    remaining: Uint8Array,
  ): Array<[number, Label]> {
    const parentEdge = new Int32Array(this.nodeCount).fill(-1);
    const queue = [start];
    let closing = -1;
    for (let head = 0; head < queue.length && closing < 0; head++) {
      const node = queue[head];
      for (let i = out.offsets[node]; i < out.offsets[node + 1]; i++) {
        const edge = out.edges[i];
        const target = this.to[edge];
        if (!remaining[target]) continue;
        if (target === start) {
          closing = edge;
          break;
        }
        if (parentEdge[target] < 0) {
          parentEdge[target] = edge;
          queue.push(target);
        }
      }
    }
    // start lies on a cycle, so the search reaches it again; rebuild the path backwards.
    const cycle: Array<[number, Label]> = [];
    for (let edge = closing; ; edge = parentEdge[this.from[edge]]) {
      cycle.push([this.from[edge], this.label[edge] as Label]);
      if (this.from[edge] === start) break;
    }
    return cycle.reverse();
  }
}
