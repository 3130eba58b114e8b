/**
 * The set of visited search configurations (linearized-set, state), Lowe's memoisation for the
 * Wing–Gong search. A configuration is stored as `words` 32-bit words of the linearized bitset plus
 * the interned state id, packed into one growing arena; lookup is open addressing on a 32-bit hash.
 * Packing avoids one JS object per configuration, which is what makes long histories run out of
 * memory in naive implementations, and lets the size be reported exactly for the memory budget.
 */
export class ConfigurationSet {
  private readonly stride: number;
  private arena: Uint32Array;
  private hashes: Uint32Array;
  private table: Int32Array;
  private mask: number;
  private count = 0;

  constructor(private readonly words: number) {
    this.stride = words + 1;
    this.arena = new Uint32Array(this.stride * 1024);
    this.hashes = new Uint32Array(1024);
    this.table = new Int32Array(2048).fill(-1);
    this.mask = 2047;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the set (arena, hashes and table), for the memory budget. */
  get bytes(): number {
    return this.arena.byteLength + this.hashes.byteLength + this.table.byteLength;
  }

  /** Adds the configuration (`bits`: exactly `words` words); returns false when it was already present. */
  add(hash: number, bits: Uint32Array, stateId: number): boolean {
    const { table, mask, stride, words } = this;
    let slot = hash & mask;
    for (;;) {
      const entry = table[slot];
      if (entry < 0) break;
      if (this.hashes[entry] === hash >>> 0) {
        const base = entry * stride;
        const arena = this.arena;
        if (arena[base] === stateId) {
          let same = true;
          for (let w = 0; w < words; w++) {
            if (arena[base + 1 + w] !== bits[w]) {
              same = false;
              break;
            }
          }
          if (same) return false;
        }
      }
      slot = (slot + 1) & mask;
    }
    this.insert(slot, hash, bits, stateId);
    return true;
  }

  private insert(slot: number, hash: number, bits: Uint32Array, stateId: number): void {
    const index = this.count++;
    if (index >= this.hashes.length) this.growArena();
    const base = index * this.stride;
    this.arena[base] = stateId;
    // The search's bitset is exactly `words` long, so no view (an allocation per configuration)
    // is needed; set() copies natively, which matters on long parts (a 10k-op part: 337 words).
    this.arena.set(bits, base + 1);
    this.hashes[index] = hash >>> 0;
    this.table[slot] = index;
    if (this.count * 2 > this.table.length) this.growTable();
  }

  private growArena(): void {
    const capacity = this.hashes.length * 2;
    const arena = new Uint32Array(capacity * this.stride);
    arena.set(this.arena);
    this.arena = arena;
    const hashes = new Uint32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private growTable(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let index = 0; index < this.count; index++) {
      let slot = this.hashes[index] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = index;
    }
    this.table = table;
    this.mask = mask;
  }
}
