/**
 * Raw stream windows for stream-content rules: for each TCP flow direction the last `window` bytes that
 * were delivered (its history), kept in a bounded pool of fixed slots, and one shared scratch area where
 * the bytes of the packet being processed are laid out after that history, contiguous, so a rule can
 * match across segment boundaries.
 *
 * A "batch" is what one packet delivered to one direction: `open` starts it (history copied to the
 * front of the scratch with a native `copyWithin`), `append` adds delivered bytes, `gap` forgets
 * everything (bytes on both sides of a gap are not contiguous), `commit` keeps the batch's last
 * `window` bytes as the slot's new history. A batch larger than the scratch keeps its last bytes (the
 * reassembler delivers at most 64 KiB per call, so one call's bytes always fit).
 *
 * Speed: bytes move within `buf` only with native `copyWithin`; delivered bytes (another buffer) are
 * copied as 32-bit words through a cached word view of their buffer, after shifting the batch by 0-3
 * bytes (native) so source and destination line up (`start` is where the batch begins). `subarray` and
 * `set(subarray)` would allocate a view per call, a byte loop is ~5x slower. Stream offsets live in a
 * Float64Array: past 2^31 a double argument or field would be boxed.
 *
 * Must never allocate after construction or throw on the hot path.
 *
 * @example
 * ```ts
 * import { RawWindows } from "./raw-window.ts";
 * const w = new RawWindows(8, 64);   // 8-byte history, 8 slots
 * const slot = w.alloc();
 * w.open(0, 1, slot, 0);
 * w.append(new TextEncoder().encode("GET / HTTP/1.1"), 0, 14);
 * w.open(0, 2, slot, 14);            // the next packet: history "HTTP/1.1" first
 * console.log(w.newAt - w.start, w.end - w.start); // 8 8
 * ```
 */

/** Largest number of bytes one `append` may bring (one reassembler delivery). */
export const RAW_MAX_APPEND = 65536;
/** Copies shorter than this go byte by byte (no source view is looked up). */
const WIDE_MIN = 65;

export class RawWindows {
  /** History bytes kept per slot. */
  readonly window: number;
  /** Slots in the pool. */
  readonly slots: number;
  /** [0, scratchSize): the batch being built; then `slots` histories of `window` bytes. */
  readonly buf: Uint8Array;
  readonly scratchSize: number;
  /** Slots currently free. */
  freeSlots: number;

  /** The current batch: flow-direction key (2 * flow + dir) or -1, and the packet serial it belongs to. */
  key = -1;
  serial = -1;
  /** Slot of the current batch (-1: a direction without history). */
  slot = -1;
  /**
   * Bytes of the batch in `buf[start .. end)`; the new ones (after the history) start at `newAt`.
   * `start` is 0..3 after `open` and moves so that wide copies line up with their source.
   */
  start = 0;
  end = 0;
  newAt = 0;

  private readonly histLen: Int32Array;
  private readonly nextFree: Int32Array;
  private freeHead: number;
  /** [0]: stream offset just past `buf[end - 1]` (a typed array: a double field would box). */
  private readonly offs = new Float64Array(1);
  /** `buf` as 32-bit words: packet bytes are copied four at a time. */
  private readonly buf32: Int32Array;
  /**
   * Word views of the two source buffers seen most recently (the datapath's packet buffer and the
   * reassembler's staging area, both reused). A view is made only for a buffer seen twice in a row of
   * misses, so a datapath that hands over a fresh buffer per packet costs no allocation here.
   */
  private srcA: ArrayBufferLike | null = null;
  private srcB: ArrayBufferLike | null = null;
  private src32A: Int32Array;
  private src32B: Int32Array;
  private missed: ArrayBufferLike | null = null;

  /** `window` history bytes per direction, `memcap` bytes of history in all (cold; throws on nonsense). */
  constructor(window: number, memcap: number) {
    if (!Number.isInteger(window) || window < 0) throw new Error(`stream raw window ${window}: expected bytes >= 0`);
    if (!Number.isFinite(memcap) || memcap < 0) throw new Error(`stream raw memcap ${memcap}: expected bytes >= 0`);
    this.window = window;
    this.slots = window > 0 ? Math.floor(memcap / window) : 0;
    // + 4: room to shift a batch by up to 3 bytes to line it up with its source
    this.scratchSize = window + RAW_MAX_APPEND + 4;
    const total = this.scratchSize + this.slots * window;
    this.buf = new Uint8Array((total + 3) & ~3);
    this.buf32 = new Int32Array(this.buf.buffer);
    this.src32A = this.buf32;
    this.src32B = this.buf32;
    this.histLen = new Int32Array(this.slots);
    this.nextFree = new Int32Array(this.slots);
    for (let s = 0; s < this.slots; s++) this.nextFree[s] = s + 1 < this.slots ? s + 1 : -1;
    this.freeHead = this.slots > 0 ? 0 : -1;
    this.freeSlots = this.slots;
  }

  /** Bytes of typed-array memory held. */
  get memoryBytes(): number {
    return this.buf.byteLength + this.histLen.byteLength + this.nextFree.byteLength;
  }

  /** Stream offset just past `buf[end - 1]`. */
  get endOff(): number {
    return this.offs[0];
  }

  /** A free slot (empty history), or -1 when the pool is exhausted. */
  alloc(): number {
    const s = this.freeHead;
    if (s < 0) return -1;
    this.freeHead = this.nextFree[s];
    this.histLen[s] = 0;
    this.freeSlots--;
    return s;
  }

  /** Returns a slot; the batch using it (if current) is dropped without commit. */
  free(slot: number): void {
    if (slot < 0) return;
    if (this.slot === slot) {
      this.key = -1;
      this.slot = -1;
    }
    this.nextFree[slot] = this.freeHead;
    this.freeHead = slot;
    this.freeSlots++;
  }

  /**
   * Makes (key, serial) the current batch unless it already is, committing the previous one. `streamOff`
   * is the stream offset of the next byte to be appended (where the slot's history ends).
   */
  open(key: number, serial: number, slot: number, streamOff: number): void {
    if (this.key === key && this.serial === serial) return;
    this.commit();
    this.key = key;
    this.serial = serial;
    this.slot = slot;
    let h = 0;
    if (slot >= 0) {
      h = this.histLen[slot];
      const base = this.scratchSize + slot * this.window;
      if (h > 0) this.buf.copyWithin(0, base, base + h);
    }
    this.start = 0;
    this.end = h;
    this.newAt = h;
    this.offs[0] = streamOff;
  }

  /** Keeps the current batch's last `window` bytes as its slot's history (the batch stays readable). */
  commit(): void {
    const slot = this.slot;
    if (this.key < 0 || slot < 0) return;
    const len = this.end - this.start;
    const n = len < this.window ? len : this.window;
    const base = this.scratchSize + slot * this.window;
    if (n > 0) this.buf.copyWithin(base, this.end - n, this.end);
    this.histLen[slot] = n;
    this.slot = -1; // committed once; the views stay until the next open
  }

  /** Appends delivered bytes `src[off .. off+len)` to the current batch. */
  append(src: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    if (len > RAW_MAX_APPEND) {
      off += len - RAW_MAX_APPEND;
      this.offs[0] += len - RAW_MAX_APPEND;
      len = RAW_MAX_APPEND;
      this.start = 0;
      this.end = 0;
      this.newAt = 0;
    }
    const b = this.buf;
    let st = this.start;
    let e = this.end;
    if (e + len + 3 > this.scratchSize) {
      // Keep the last `window` bytes in front; new bytes that fall off are no longer in the window.
      const have = e - st;
      const keep = have < this.window ? have : this.window;
      const drop = e - keep;
      b.copyWithin(0, drop, e);
      this.newAt = this.newAt > drop ? this.newAt - drop : 0;
      st = 0;
      e = keep;
    }
    const src32 = len >= WIDE_MIN ? this.wordsOf(src) : null;
    if (src32 !== null) {
      // Shift the batch (a native move within `buf`) so the copy runs word to word.
      const d = (src.byteOffset + off - e) & 3;
      if (d !== 0) {
        if (e > st) b.copyWithin(st + d, st, e);
        st += d;
        e += d;
        this.newAt += d;
      }
      this.copyWide(src32, src, src.byteOffset + off, e, len);
    } else {
      for (let i = 0; i < len; i++) b[e + i] = src[off + i];
    }
    this.start = st;
    this.end = e + len;
    this.offs[0] += len;
  }

  /** `len` bytes were lost: nothing before them is contiguous with what follows. */
  gap(len: number): void {
    this.start = 0;
    this.end = 0;
    this.newAt = 0;
    this.offs[0] += len;
  }

  /**
   * Compares `len` bytes of `src` from `srcOff` with what was delivered at stream offset `off` of the
   * direction `key` (whose history in `slot` ends at stream offset `histEnd`). 1: some byte differs;
   * 0: every byte that is still known is the same (or none is known).
   */
  differs(key: number, slot: number, histEnd: number, off: number, src: Uint8Array, srcOff: number, len: number): number {
    let base: number;
    let start: number;
    let stop: number;
    if (this.key === key) {
      base = this.start;
      stop = this.offs[0];
      start = stop - (this.end - this.start);
    } else if (slot >= 0) {
      base = this.scratchSize + slot * this.window;
      stop = histEnd;
      start = stop - this.histLen[slot];
    } else {
      return 0;
    }
    const a = off > start ? off : start;
    const z = off + len < stop ? off + len : stop;
    const b = this.buf;
    for (let x = a; x < z; x++) if (b[base + (x - start)] !== src[srcOff + (x - off)]) return 1;
    return 0;
  }

  /** A word view of `src`'s whole buffer, or null (copy byte by byte) for a buffer not seen recently. */
  private wordsOf(src: Uint8Array): Int32Array | null {
    const ab = src.buffer;
    if (ab === this.srcA) return this.src32A;
    if (ab === this.srcB) {
      // keep the most recent first
      const v = this.src32B;
      this.srcB = this.srcA;
      this.src32B = this.src32A;
      this.srcA = ab;
      this.src32A = v;
      return v;
    }
    if (this.missed !== ab) {
      this.missed = ab;
      return null;
    }
    // Seen on two misses in a row: a reused buffer, worth one view (allocated once per such buffer).
    this.missed = null;
    this.srcB = this.srcA;
    this.src32B = this.src32A;
    this.srcA = ab;
    this.src32A = new Int32Array(ab, 0, ab.byteLength >> 2);
    return this.src32A;
  }

  /**
   * Copies `len` bytes from `src` (byte `abs` of its buffer; `w` is that buffer's word view) to `buf[e..]`,
   * where `abs - e` is a multiple of 4: bytes up to a word boundary, words (unrolled), bytes after.
   */
  private copyWide(w: Int32Array, src: Uint8Array, abs: number, e: number, len: number): void {
    const b = this.buf;
    const d = this.buf32;
    const so = src.byteOffset;
    let i = 0;
    while (((abs + i) & 3) !== 0 && i < len) {
      b[e + i] = src[abs + i - so];
      i++;
    }
    let sw = (abs + i) >> 2;
    let dw = (e + i) >> 2;
    const words = (len - i) >> 2;
    const stop8 = sw + (words & ~7);
    while (sw < stop8) {
      d[dw] = w[sw];
      d[dw + 1] = w[sw + 1];
      d[dw + 2] = w[sw + 2];
      d[dw + 3] = w[sw + 3];
      d[dw + 4] = w[sw + 4];
      d[dw + 5] = w[sw + 5];
      d[dw + 6] = w[sw + 6];
      d[dw + 7] = w[sw + 7];
      sw += 8;
      dw += 8;
    }
    const stop = sw + (words & 7);
    while (sw < stop) d[dw++] = w[sw++];
    i += words << 2;
    for (; i < len; i++) b[e + i] = src[abs + i - so];
  }
}
