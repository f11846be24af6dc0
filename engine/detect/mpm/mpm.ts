/**
 * The multi-pattern prefilter matcher (hot side): one scan over an inspection buffer reports which of a
 * rule group's fast patterns occur in it, so only those rules are verified.
 *
 * How it finds them (tables built by `MpmBuilder` in `builder.ts`): identical patterns share one
 * literal; a filter over 4-byte windows of the text lets few positions through, and those are verified
 * exactly (case-sensitive literals byte for byte, nocase ones against their folded bytes). The filter
 * works on "case classes" (every byte OR 0x20: ASCII case folded, at the price of a few harmless
 * collisions such as NUL/space), so it needs no table lookup per byte. Two modes, chosen at build:
 * - dense (some literal shorter than 5 bytes): at every position, a bitmap test on a hash of the last
 *   four bytes, each literal keyed on its rarest window; literals of 1–3 bytes on a 2^16-bit bitmap of
 *   the last two bytes. Unrolled by two.
 * - sampled (every literal ≥ 5 bytes): a window every `stride` = min(shortest − 3, 12) positions; each
 *   literal registers all `stride` windows of its rarest (`stride` + 3)-byte segment, and any
 *   occurrence of that segment covers exactly one sampled position.
 * A bitmap hit walks a short chain of (window, literal, offset) entries. Literals already found in this
 * scan are skipped before comparing (a generation stamp per literal; nothing is cleared between scans).
 *
 * Must never allocate, throw or call out during `scan`: typed arrays only, sized in the constructor.
 *
 * @example
 * ```ts
 * import { MpmBuilder } from "./builder.ts";
 * const b = new MpmBuilder();
 * b.add(new TextEncoder().encode("/wp-login.php"), true, 0);
 * b.add(new TextEncoder().encode("cmd.exe"), false, 1);
 * const mpm = b.build();
 * const out = new Int32Array(64);
 * const buf = new TextEncoder().encode("GET /WP-LOGIN.PHP?x=cmd.EXE");
 * const n = mpm.scan(buf, 0, buf.length, out); // n === 1, out[0] === 0
 * ```
 */

/** ASCII lower-casing table shared by the builder and the scan. */
export const FOLD: Uint8Array = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i >= 0x41 && i <= 0x5a ? i + 0x20 : i;
  return t;
})();

/** Multiplier of the window hash (a 32-bit odd constant with well-mixed high bits). */
export const WINDOW_HASH = 0x9e3779b1 | 0;

/** OR-ed into every byte of a window: the filter's case classes. */
export const CASE_BITS = 0x20202020;

/**
 * The hashed 4-byte-window filter with its verification chains. `bits` is a bitmap of `2^(32 -
 * bitsShift)` bits over the top bits of `imul(window | CASE_BITS, WINDOW_HASH)`; `head` (indexed by
 * the bitmap index `>>> headShift`) starts a chain in `next` of entries
 * (`key` window, `lit`, `off` = the window's offset within the literal).
 */
export interface WindowTable {
  readonly bits: Int32Array;
  readonly bitsShift: number;
  readonly head: Int32Array;
  readonly headShift: number;
  readonly next: Int32Array;
  readonly key: Int32Array;
  readonly lit: Int32Array;
  readonly off: Int32Array;
}

/** Everything `Mpm` needs, produced by `MpmBuilder.build`. */
export interface MpmTables {
  readonly patternCount: number;
  /** Literal bytes (folded when nocase) at `litStart[l]`, length `litLen[l]`. */
  readonly litBytes: Uint8Array;
  readonly litStart: Int32Array;
  readonly litLen: Int32Array;
  readonly litNocase: Uint8Array;
  /** Pattern ids of literal l: `ids[idStart[l] .. idStart[l+1])`. */
  readonly idStart: Int32Array;
  readonly ids: Int32Array;
  /** Literals of length 0 (they occur everywhere). */
  readonly emptyLits: Int32Array;
  /** 1: dense mode; more: sampled mode, one window every `stride` bytes. */
  readonly stride: number;
  /** Dense mode, literals of 1–3 bytes: bitmap over the last two bytes' case classes, chain heads, entries. */
  readonly tinyBits: Int32Array | null;
  readonly tinyHead: Int32Array | null;
  readonly tinyNext: Int32Array;
  readonly tinyLit: Int32Array;
  /** Literals of 4 bytes and more (all literals in sampled mode). */
  readonly win: WindowTable | null;
}

export class Mpm {
  /** Set by `scan` when `out` filled up (ids were dropped): the caller must verify every rule. */
  overflow = false;
  readonly patternCount: number;
  readonly literalCount: number;
  /** Bytes held in typed arrays by this matcher. */
  readonly memoryBytes: number;
  private readonly t: MpmTables;
  private readonly seen: Int32Array;
  private gen = 0;
  private n = 0;
  private cap = 0;
  private out: Int32Array;

  constructor(tables: MpmTables) {
    this.t = tables;
    this.patternCount = tables.patternCount;
    this.literalCount = tables.litLen.length;
    this.seen = new Int32Array(this.literalCount);
    this.out = new Int32Array(0);
    let bytes = this.seen.byteLength + tables.litBytes.byteLength + tables.litStart.byteLength +
      tables.litLen.byteLength + tables.litNocase.byteLength + tables.idStart.byteLength + tables.ids.byteLength +
      tables.emptyLits.byteLength + tables.tinyNext.byteLength + tables.tinyLit.byteLength;
    if (tables.tinyBits !== null) bytes += tables.tinyBits.byteLength;
    if (tables.tinyHead !== null) bytes += tables.tinyHead.byteLength;
    const w = tables.win;
    if (w !== null) {
      bytes += w.bits.byteLength + w.head.byteLength + w.next.byteLength + w.key.byteLength + w.lit.byteLength +
        w.off.byteLength;
    }
    this.memoryBytes = bytes + FOLD.byteLength;
  }

  /**
   * Writes the distinct ids of the patterns occurring anywhere in `buf[start, end)` into `out` (in no
   * particular order) and returns how many. When `out` is full and more would follow, sets
   * `overflow` and returns `out.length` at once. Out-of-range bounds are clamped to the buffer.
   */
  scan(buf: Uint8Array, start: number, end: number, out: Int32Array): number {
    const t = this.t;
    this.overflow = false;
    this.n = 0;
    this.cap = out.length;
    this.out = out;
    // kept a small integer (no boxed numbers across calls); wraps once every 2^30 scans
    let g = this.gen + 1;
    if (g > 0x3fffffff) {
      this.seen.fill(0);
      g = 1;
    }
    this.gen = g;
    if (start < 0) start = 0;
    if (end > buf.length) end = buf.length;
    const empty = t.emptyLits;
    for (let k = 0; k < empty.length; k++) {
      if (!this.report(empty[k])) return this.n;
    }
    if (end <= start) return this.n;
    if (t.stride > 1) {
      if (end - start >= t.stride + 3) this.scanSampled(buf, start, end);
    } else if (t.tinyBits !== null) this.scanDenseTiny(buf, start, end);
    else if (t.win !== null) this.scanDense(buf, start, end);
    this.out = EMPTY;
    return this.n;
  }

  /** Records literal `l` as found; false when `out` overflowed. */
  private report(l: number): boolean {
    const t = this.t;
    this.seen[l] = this.gen;
    const ids = t.ids;
    const e = t.idStart[l + 1];
    for (let k = t.idStart[l]; k < e; k++) {
      if (this.n >= this.cap) {
        this.overflow = true;
        return false;
      }
      this.out[this.n++] = ids[k];
    }
    return true;
  }

  /** Does literal `l` occur at `buf[p ..)` within `[start, end)`? */
  private verify(l: number, buf: Uint8Array, p: number, start: number, end: number): boolean {
    const t = this.t;
    const len = t.litLen[l];
    if (p < start || p + len > end) return false;
    const lb = t.litBytes;
    const s = t.litStart[l];
    if (t.litNocase[l] !== 0) {
      for (let k = 0; k < len; k++) if (FOLD[buf[p + k]] !== lb[s + k]) return false;
    } else {
      for (let k = 0; k < len; k++) if (buf[p + k] !== lb[s + k]) return false;
    }
    return true;
  }

  /** Pair-bitmap hit at position i (pair class `h` ends at i): check its chain. False on overflow. */
  private tinyHit(h: number, buf: Uint8Array, i: number, start: number, end: number): boolean {
    const t = this.t;
    const next = t.tinyNext;
    const lits = t.tinyLit;
    const lens = t.litLen;
    for (let e = t.tinyHead![h]; e >= 0; e = next[e]) {
      const l = lits[e];
      if (this.seen[l] === this.gen) continue;
      // tiny literals are keyed on their first two bytes (a 1-byte literal on itself): start = i - 1 or i
      const p = lens[l] === 1 ? i : i - 1;
      if (this.verify(l, buf, p, start, end) && !this.report(l)) return false;
    }
    return true;
  }

  /** Window-table hit for window `v` starting at q, chain head slot `slot`. False on overflow. */
  private windowHit(w: WindowTable, v: number, slot: number, buf: Uint8Array, q: number, start: number, end: number): boolean {
    const next = w.next;
    const key = w.key;
    const lits = w.lit;
    const off = w.off;
    for (let e = w.head[slot]; e >= 0; e = next[e]) {
      if (key[e] !== v) continue;
      const l = lits[e];
      if (this.seen[l] === this.gen) continue;
      if (this.verify(l, buf, q - off[e], start, end) && !this.report(l)) return false;
    }
    return true;
  }

  /**
   * Dense mode: every position. Unrolled by two (two positions per bitmap test) because the loop,
   * not the verification, is what costs on ordinary text.
   */
  private scanDense(buf: Uint8Array, start: number, end: number): void {
    const w = this.t.win!;
    const bits = w.bits;
    const shift = w.bitsShift;
    const hs = w.headShift;
    let h = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      const h1 = (h << 8) | buf[i];
      h = (h1 << 8) | buf[i + 1];
      const v1 = h1 | CASE_BITS;
      const v2 = h | CASE_BITS;
      const b1 = Math.imul(v1, WINDOW_HASH) >>> shift;
      const b2 = Math.imul(v2, WINDOW_HASH) >>> shift;
      if ((((bits[b1 >>> 5] >>> b1) | (bits[b2 >>> 5] >>> b2)) & 1) !== 0) {
        if (((bits[b1 >>> 5] >>> b1) & 1) !== 0 && !this.windowHit(w, v1, b1 >>> hs, buf, i - 3, start, end)) return;
        if (((bits[b2 >>> 5] >>> b2) & 1) !== 0 && !this.windowHit(w, v2, b2 >>> hs, buf, i - 2, start, end)) return;
      }
    }
    if (i < end) {
      h = (h << 8) | buf[i];
      const v = h | CASE_BITS;
      const b = Math.imul(v, WINDOW_HASH) >>> shift;
      if (((bits[b >>> 5] >>> b) & 1) !== 0) this.windowHit(w, v, b >>> hs, buf, i - 3, start, end);
    }
  }

  /** Dense mode with 1–3-byte literals: the pair bitmap as well as the window bitmap at every position. */
  private scanDenseTiny(buf: Uint8Array, start: number, end: number): void {
    const tb = this.t.tinyBits!;
    const w = this.t.win;
    if (w === null) {
      let h = 0;
      for (let i = start; i < end; i++) {
        h = ((h << 8) | buf[i] | 0x2020) & 0xffff;
        if (((tb[h >>> 5] >>> h) & 1) !== 0 && !this.tinyHit(h, buf, i, start, end)) return;
      }
      return;
    }
    const bits = w.bits;
    const shift = w.bitsShift;
    const hs = w.headShift;
    let h = 0;
    for (let i = start; i < end; i++) {
      h = (h << 8) | buf[i];
      const v = h | CASE_BITS;
      const t = v & 0xffff;
      const b = Math.imul(v, WINDOW_HASH) >>> shift;
      if ((((tb[t >>> 5] >>> t) | (bits[b >>> 5] >>> b)) & 1) !== 0) {
        if (((tb[t >>> 5] >>> t) & 1) !== 0 && !this.tinyHit(t, buf, i, start, end)) return;
        if (((bits[b >>> 5] >>> b) & 1) !== 0 && !this.windowHit(w, v, b >>> hs, buf, i - 3, start, end)) return;
      }
    }
  }

  /** Sampled mode (every literal at least `stride + 3` bytes long): one window every `stride` bytes. */
  private scanSampled(buf: Uint8Array, start: number, end: number): void {
    const w = this.t.win!;
    const bits = w.bits;
    const shift = w.bitsShift;
    const hs = w.headShift;
    const stride = this.t.stride;
    const last = end - 4;
    for (let q = start; q <= last; q += stride) {
      const v = ((buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3]) | CASE_BITS;
      const b = Math.imul(v, WINDOW_HASH) >>> shift;
      if (((bits[b >>> 5] >>> b) & 1) !== 0 && !this.windowHit(w, v, b >>> hs, buf, q, start, end)) return;
    }
  }
}

const EMPTY = new Int32Array(0);
