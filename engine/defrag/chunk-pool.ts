/**
 * The byte store for held fragments: one preallocated buffer of `memcap` bytes cut into fixed-size
 * chunks, a free list threaded through an Int32Array, and a fragment's bytes kept as a chain of chunks.
 *
 * Why fixed chunks: any free chunk serves any request, so the pool cannot fragment — a request for n
 * bytes succeeds whenever ceil(n / chunkSize) chunks are free, no matter how allocations and frees
 * interleaved. The price is internal waste (under one chunk per chain), which counts against the memcap:
 * a flood of tiny fragments exhausts it sooner, which is the direction we want to err in.
 *
 * Must never allocate after construction, never throw on the hot path.
 *
 * @example
 * ```ts
 * import { ChunkPool } from "./chunk-pool.ts";
 * const pool = new ChunkPool(4096);
 * const head = pool.alloc(300); // 3 chunks of 128 bytes
 * pool.write(head, new Uint8Array(300), 0, 300);
 * pool.free(head);
 * ```
 */

/** Chunk size used when none is given: a 1480-byte Ethernet fragment takes 12 chunks, waste < 128 bytes. */
export const DEFAULT_CHUNK_SIZE = 128;

export class ChunkPool {
  /**
   * The bytes of every chunk: chunk c occupies [c * chunkSize, (c + 1) * chunkSize); the `extra` bytes
   * asked for at construction follow from `extraOff`. Copies between the two are native `copyWithin`.
   */
  readonly data: Uint8Array;
  /** Where the extra region starts in `data`. */
  readonly extraOff: number;
  /** Next chunk in a chain (or in the free list), -1 at the end. */
  readonly next: Int32Array;
  readonly chunkSize: number;
  /** Chunks in the pool. */
  readonly capacity: number;
  /** Chunks currently free. */
  freeChunks: number;
  private freeHead: number;

  /**
   * `memcap` bytes rounded down to whole chunks (a memcap below one chunk gives an empty pool), plus
   * `extra` bytes the owner uses as it likes (the defragmenter puts its output packet there).
   */
  constructor(memcap: number, chunkSize = DEFAULT_CHUNK_SIZE, extra = 0) {
    if (!Number.isInteger(chunkSize) || chunkSize < 8) throw new Error(`chunk size ${chunkSize}: expected an integer >= 8`);
    if (!Number.isFinite(memcap) || memcap < 0) throw new Error(`defrag.memcap ${memcap}: expected a byte count >= 0`);
    this.chunkSize = chunkSize;
    this.capacity = Math.floor(memcap / chunkSize);
    this.extraOff = this.capacity * chunkSize;
    this.data = new Uint8Array(this.extraOff + extra);
    this.next = new Int32Array(this.capacity);
    for (let c = 0; c < this.capacity; c++) this.next[c] = c + 1 < this.capacity ? c + 1 : -1;
    this.freeHead = this.capacity > 0 ? 0 : -1;
    this.freeChunks = this.capacity;
  }

  /** Chunks a chain of `len` bytes takes. */
  chunksFor(len: number): number {
    return len <= 0 ? 0 : Math.ceil(len / this.chunkSize);
  }

  /** Bytes held by chunks in use. */
  bytesInUse(): number {
    return (this.capacity - this.freeChunks) * this.chunkSize;
  }

  /** A chain able to hold `len` (> 0) bytes, or -1 when not enough chunks are free. */
  alloc(len: number): number {
    const n = this.chunksFor(len);
    if (n === 0 || n > this.freeChunks) return -1;
    const head = this.freeHead;
    let last = head;
    for (let k = 1; k < n; k++) last = this.next[last];
    this.freeHead = this.next[last];
    this.next[last] = -1;
    this.freeChunks -= n;
    return head;
  }

  /** Returns a whole chain to the free list; returns how many chunks it held (0 for head -1). */
  free(head: number): number {
    if (head < 0) return 0;
    let n = 1;
    let last = head;
    while (this.next[last] !== -1) {
      last = this.next[last];
      n++;
    }
    this.next[last] = this.freeHead;
    this.freeHead = head;
    this.freeChunks += n;
    return n;
  }

  /** Copies `len` bytes of `src` from `srcOff` into the chain at `head` (which must be long enough). */
  write(head: number, src: Uint8Array, srcOff: number, len: number): void {
    const cs = this.chunkSize;
    const d = this.data;
    let c = head;
    let i = 0;
    while (i < len && c >= 0) {
      const base = c * cs;
      const n = len - i < cs ? len - i : cs;
      for (let k = 0; k < n; k++) d[base + k] = src[srcOff + i + k];
      i += n;
      c = this.next[c];
    }
  }

  /** Copies the first `len` bytes of the chain at `head` to `data[dataOff ..]` (the extra region). */
  readWithin(head: number, dataOff: number, len: number): void {
    const cs = this.chunkSize;
    const d = this.data;
    let c = head;
    let i = 0;
    while (i < len && c >= 0) {
      const base = c * cs;
      const n = len - i < cs ? len - i : cs;
      d.copyWithin(dataOff + i, base, base + n);
      i += n;
      c = this.next[c];
    }
  }

}
