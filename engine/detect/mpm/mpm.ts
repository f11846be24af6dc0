/**
 * The multi-pattern prefilter matcher (hot side): one scan over an inspection buffer reports which of a
 * rule group's fast patterns occur in it, so only those rules are verified.
 *
 * How it finds them (tables built by `MpmBuilder` in `builder.ts`): identical patterns share one
 * literal; cheap filters let few positions through, and those are verified exactly (case-sensitive
 * literals byte for byte, nocase ones against their folded bytes). Filters work on "case classes"
 * (every byte OR 0x20: ASCII case folded, at the price of a few harmless collisions such as NUL/space),
 * so they need no table lookup per byte. Literals are split by length into passes over the buffer:
 * - sampled tiers (literals of at least `stride + 3` bytes): a 4-byte window every `stride` positions
 *   is hashed into a bitmap; each literal registers all `stride` windows of its rarest
 *   (`stride` + 3)-byte segment, and any occurrence of that segment covers exactly one sampled
 *   position. Long literals use a wide stride (few samples per byte); a tier with stride 1 is a plain
 *   dense window filter.
 * - the pair pass (the short literals): a 2^16-bit bitmap over the case classes of two adjacent bytes,
 *   tested at every position (four positions per bitmap round); each literal is keyed on its rarest
 *   pair (rarity from byte-pair frequencies in sample traffic), a 1-byte literal on every pair it
 *   starts, plus a check of the range's last byte.
 * A bitmap hit walks a short chain of (key, literal, offset) entries. Literals already found in this
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
 * One sampled tier: a window every `stride` positions. `bits` is a bitmap of `2^(32 - bitsShift)` bits
 * over the top bits of `imul(window | CASE_BITS, WINDOW_HASH)`; `head` (indexed by the bitmap index
 * `>>> headShift`) starts a chain in `next` of entries (`key` window, `lit`, `off` = the window's
 * offset within the literal).
 */
export interface WindowTable {
  readonly stride: number;
  readonly bits: Int32Array;
  readonly bitsShift: number;
  readonly head: Int32Array;
  readonly headShift: number;
  readonly next: Int32Array;
  readonly key: Int32Array;
  readonly lit: Int32Array;
  readonly off: Int32Array;
}

/**
 * The pair pass: `bits` (2^16 bits) over `(class(b0) << 8) | class(b1)`, `head[pair]` starts a chain in
 * `next` of entries (`lit`, `off` = the pair's offset within the literal).
 */
export interface PairTable {
  readonly bits: Int32Array;
  readonly head: Int32Array;
  readonly next: Int32Array;
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
  /** Case classes of a literal's last four bytes (as a window key), compared before the full check. */
  readonly litTail: Int32Array;
  /** Pattern ids of literal l: `ids[idStart[l] .. idStart[l+1])`. */
  readonly idStart: Int32Array;
  readonly ids: Int32Array;
  /** Literals of length 0 (they occur everywhere). */
  readonly emptyLits: Int32Array;
  /** Literals of length 1 (also in `pairs`; checked separately at the range's last byte). */
  readonly oneLits: Int32Array;
  /** Sampled tiers, widest stride first. */
  readonly tiers: readonly WindowTable[];
  /** The short literals, or null when there are none. */
  readonly pairs: PairTable | null;
}

export class Mpm {
  /** Set by `scan` when `out` filled up (ids were dropped): the caller must verify every rule. */
  overflow = false;
  readonly patternCount: number;
  readonly literalCount: number;
  /** Bytes held in typed arrays by this matcher. */
  readonly memoryBytes: number;
  /** Strides of the sampled tiers, widest first (for reports and tests). */
  readonly strides: readonly number[];
  /** Literals handled by the pair pass (for reports and tests). */
  readonly shortLiteralCount: number;
  private readonly t: MpmTables;
  private readonly seen: Int32Array;
  private gen = 0;
  private n = 0;
  private cap = 0;
  private out: Int32Array;

  constructor(tables: MpmTables, shortLiteralCount = 0) {
    this.t = tables;
    this.patternCount = tables.patternCount;
    this.literalCount = tables.litLen.length;
    this.strides = tables.tiers.map((w) => w.stride);
    this.shortLiteralCount = shortLiteralCount;
    this.seen = new Int32Array(this.literalCount);
    this.out = new Int32Array(0);
    let bytes = this.seen.byteLength + tables.litBytes.byteLength + tables.litStart.byteLength +
      tables.litLen.byteLength + tables.litNocase.byteLength + tables.litTail.byteLength + tables.idStart.byteLength + tables.ids.byteLength +
      tables.emptyLits.byteLength + tables.oneLits.byteLength;
    const p = tables.pairs;
    if (p !== null) bytes += p.bits.byteLength + p.head.byteLength + p.next.byteLength + p.lit.byteLength + p.off.byteLength;
    for (const w of tables.tiers) {
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
      if (!this.report(empty[k])) return this.finish();
    }
    if (end <= start) return this.finish();
    const tiers = t.tiers;
    if (tiers.length === 1 && tiers[0].stride === 1 && t.pairs !== null) {
      // dense: one pass tests both bitmaps at every position
      if (!this.scanDenseFused(tiers[0], t.pairs, buf, start, end)) return this.finish();
      return this.finishOnes(buf, start, end);
    }
    for (let k = 0; k < tiers.length; k++) {
      const w = tiers[k];
      if (end - start >= w.stride + 3 && !this.scanSampled(w, buf, start, end)) return this.finish();
    }
    if (t.pairs !== null) {
      if (!this.scanPairs(t.pairs, buf, start, end)) return this.finish();
      return this.finishOnes(buf, start, end);
    }
    return this.finish();
  }

  /** 1-byte literals are keyed on the pairs they start; the range's last byte starts no pair. */
  private finishOnes(buf: Uint8Array, start: number, end: number): number {
    const one = this.t.oneLits;
    for (let k = 0; k < one.length; k++) {
      const l = one[k];
      if (this.seen[l] !== this.gen && this.verify(l, buf, end - 1, start, end) && !this.report(l)) break;
    }
    return this.finish();
  }

  /**
   * Dense layout (one tier of stride 1 plus the pair pass), fused: at every position i the window
   * ending at i and the pair ending at i. Windows and pairs reaching before `start` fail verification.
   */
  private scanDenseFused(w: WindowTable, pt: PairTable, buf: Uint8Array, start: number, end: number): boolean {
    const tb = pt.bits;
    const bits = w.bits;
    const shift = w.bitsShift;
    const hs = w.headShift;
    let h = 0;
    for (let i = start; i < end; i++) {
      h = (h << 8) | buf[i];
      const v = h | CASE_BITS;
      const x = v & 0xffff;
      const b = Math.imul(v, WINDOW_HASH) >>> shift;
      if ((((tb[x >>> 5] >>> x) | (bits[b >>> 5] >>> b)) & 1) !== 0) {
        if (((tb[x >>> 5] >>> x) & 1) !== 0 && !this.pairHit(pt, x, buf, i - 1, start, end)) return false;
        if (((bits[b >>> 5] >>> b) & 1) !== 0 && !this.windowHit(w, v, b >>> hs, buf, i - 3, start, end)) return false;
      }
    }
    return true;
  }

  /** The compiled tables (read-only; for the builder's cost estimate and for tests). */
  get tables(): MpmTables {
    return this.t;
  }

  private finish(): number {
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
    if (len >= 4) {
      const z = p + len - 4;
      if ((((buf[z] << 24) | (buf[z + 1] << 16) | (buf[z + 2] << 8) | buf[z + 3]) | CASE_BITS) !== t.litTail[l]) return false;
    }
    const lb = t.litBytes;
    const s = t.litStart[l];
    if (t.litNocase[l] !== 0) {
      for (let k = 0; k < len; k++) if (FOLD[buf[p + k]] !== lb[s + k]) return false;
    } else {
      for (let k = 0; k < len; k++) if (buf[p + k] !== lb[s + k]) return false;
    }
    return true;
  }

  /** Pair-bitmap hit for pair class `h` starting at i: check its chain. False on overflow. */
  private pairHit(pt: PairTable, h: number, buf: Uint8Array, i: number, start: number, end: number): boolean {
    const next = pt.next;
    const lits = pt.lit;
    const off = pt.off;
    const seen = this.seen;
    const g = this.gen;
    for (let e = pt.head[h]; e >= 0; e = next[e]) {
      const l = lits[e];
      if (seen[l] === g) continue;
      if (this.verify(l, buf, i - off[e], start, end) && !this.report(l)) return false;
    }
    return true;
  }

  /** Window-table hit for window `v` starting at q, chain head slot `slot`. False on overflow. */
  private windowHit(w: WindowTable, v: number, slot: number, buf: Uint8Array, q: number, start: number, end: number): boolean {
    const next = w.next;
    const key = w.key;
    const lits = w.lit;
    const off = w.off;
    const lens = this.t.litLen;
    const tails = this.t.litTail;
    const seen = this.seen;
    const g = this.gen;
    for (let e = w.head[slot]; e >= 0; e = next[e]) {
      if (key[e] !== v) continue;
      const l = lits[e];
      if (seen[l] === g) continue;
      // the literal's last four bytes first (inline: most candidates fail here)
      const z = q - off[e] + lens[l] - 4;
      if (z + 4 > end) continue;
      if ((((buf[z] << 24) | (buf[z + 1] << 16) | (buf[z + 2] << 8) | buf[z + 3]) | CASE_BITS) !== tails[l]) continue;
      if (this.verify(l, buf, q - off[e], start, end) && !this.report(l)) return false;
    }
    return true;
  }

  /**
   * The pair pass: every position i with i + 1 < end, four per round. The four bitmap words are
   * OR-ed so that the common case (no hit) costs one branch per four bytes. False on overflow.
   */
  private scanPairs(pt: PairTable, buf: Uint8Array, start: number, end: number): boolean {
    const bits = pt.bits;
    const last = end - 1; // the last position that starts a pair is last - 1
    let i = start;
    let b0 = i < last ? buf[i] | 0x20 : 0;
    for (; i + 4 <= last; i += 4) {
      const b1 = buf[i + 1] | 0x20;
      const b2 = buf[i + 2] | 0x20;
      const b3 = buf[i + 3] | 0x20;
      const b4 = buf[i + 4] | 0x20;
      const h0 = (b0 << 8) | b1;
      const h1 = (b1 << 8) | b2;
      const h2 = (b2 << 8) | b3;
      const h3 = (b3 << 8) | b4;
      b0 = b4;
      if ((((bits[h0 >>> 5] >>> h0) | (bits[h1 >>> 5] >>> h1) | (bits[h2 >>> 5] >>> h2) | (bits[h3 >>> 5] >>> h3)) & 1) !== 0) {
        if (((bits[h0 >>> 5] >>> h0) & 1) !== 0 && !this.pairHit(pt, h0, buf, i, start, end)) return false;
        if (((bits[h1 >>> 5] >>> h1) & 1) !== 0 && !this.pairHit(pt, h1, buf, i + 1, start, end)) return false;
        if (((bits[h2 >>> 5] >>> h2) & 1) !== 0 && !this.pairHit(pt, h2, buf, i + 2, start, end)) return false;
        if (((bits[h3 >>> 5] >>> h3) & 1) !== 0 && !this.pairHit(pt, h3, buf, i + 3, start, end)) return false;
      }
    }
    for (; i < last; i++) {
      const h = ((buf[i] | 0x20) << 8) | (buf[i + 1] | 0x20);
      if (((bits[h >>> 5] >>> h) & 1) !== 0 && !this.pairHit(pt, h, buf, i, start, end)) return false;
    }
    return true;
  }

  /** One sampled tier: a window every `stride` bytes. False on overflow. */
  private scanSampled(w: WindowTable, buf: Uint8Array, start: number, end: number): boolean {
    const bits = w.bits;
    const shift = w.bitsShift;
    const hs = w.headShift;
    const stride = w.stride;
    const last = end - 4;
    for (let q = start; q <= last; q += stride) {
      const v = ((buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3]) | CASE_BITS;
      const b = Math.imul(v, WINDOW_HASH) >>> shift;
      if (((bits[b >>> 5] >>> b) & 1) !== 0 && !this.windowHit(w, v, b >>> hs, buf, q, start, end)) return false;
    }
    return true;
  }
}

const EMPTY = new Int32Array(0);
