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
 * console.log(w.newAt, w.end);       // 8 8
 * ```
 */

/** Largest number of bytes one `append` may bring (one reassembler delivery). */
export const RAW_MAX_APPEND = 65536;

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
  /** Bytes of the batch in `buf[0 .. end)`; the new ones (after the history) start at `newAt`. */
  end = 0;
  newAt = 0;
  /** Stream offset just past `buf[end - 1]`. */
  endOff = 0;

  private readonly histLen: Int32Array;
  private readonly nextFree: Int32Array;
  private freeHead: number;

  /** `window` history bytes per direction, `memcap` bytes of history in all (cold; throws on nonsense). */
  constructor(window: number, memcap: number) {
    if (!Number.isInteger(window) || window < 0) throw new Error(`stream raw window ${window}: expected bytes >= 0`);
    if (!Number.isFinite(memcap) || memcap < 0) throw new Error(`stream raw memcap ${memcap}: expected bytes >= 0`);
    this.window = window;
    this.slots = window > 0 ? Math.floor(memcap / window) : 0;
    this.scratchSize = window + RAW_MAX_APPEND;
    this.buf = new Uint8Array(this.scratchSize + this.slots * window);
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
    this.end = h;
    this.newAt = h;
    this.endOff = streamOff;
  }

  /** Keeps the current batch's last `window` bytes as its slot's history (the batch stays readable). */
  commit(): void {
    const slot = this.slot;
    if (this.key < 0 || slot < 0) return;
    const n = this.end < this.window ? this.end : this.window;
    const base = this.scratchSize + slot * this.window;
    if (n > 0) this.buf.copyWithin(base, this.end - n, this.end);
    this.histLen[slot] = n;
    this.slot = -1; // committed once; the views stay until the next open
  }

  /** Appends delivered bytes `src[off .. off+len)` to the current batch. */
  append(src: Uint8Array, off: number, len: number): void {
    if (len > RAW_MAX_APPEND) {
      off += len - RAW_MAX_APPEND;
      this.endOff += len - RAW_MAX_APPEND;
      len = RAW_MAX_APPEND;
      this.end = 0;
      this.newAt = 0;
    }
    const b = this.buf;
    let e = this.end;
    if (e + len > this.scratchSize) {
      // Keep the last `window` bytes in front; new bytes that fall off are no longer in the window.
      const keep = e < this.window ? e : this.window;
      const drop = e - keep;
      b.copyWithin(0, drop, e);
      this.newAt = this.newAt > drop ? this.newAt - drop : 0;
      e = keep;
    }
    for (let i = 0; i < len; i++) b[e + i] = src[off + i];
    this.end = e + len;
    this.endOff += len;
  }

  /** `len` bytes were lost: nothing before them is contiguous with what follows. */
  gap(len: number): void {
    this.end = 0;
    this.newAt = 0;
    this.endOff += len;
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
      base = 0;
      stop = this.endOff;
      start = stop - this.end;
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
}
