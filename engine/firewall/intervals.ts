/**
 * Interval arithmetic for compiling the firewall index (cold path only): the set of values a matching
 * list accepts, cut into elementary intervals, with the bitset of rules that match each interval.
 * Values are bigints so one implementation serves ports, EtherTypes, protocols, IPv4 and IPv6.
 *
 * Never called per packet: it allocates freely (arrays, bigints, strings for deduplication).
 *
 * @example
 * ```ts
 * import { BitsetPool, buildDimension, listMatchSet } from "./intervals.ts";
 * const pool = new BitsetPool(1);
 * // rule 0: ports 80-88 except 81; rule 1: any port
 * const r0 = listMatchSet([{ lo: 80n, hi: 88n, negated: false }, { lo: 81n, hi: 81n, negated: true }], true, 65535n);
 * const dim = buildDimension([r0, null], 65535n, pool);
 * console.log(dim.starts); // [0n, 80n, 81n, 82n, 89n]
 * ```
 */

/** An inclusive range of values. */
export interface Span {
  lo: bigint;
  hi: bigint;
}

/** A list entry as a span, with its "!" flag. */
export interface SpanEntry extends Span {
  negated: boolean;
}

/** Sorts spans and merges overlapping or adjacent ones. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.map((s) => ({ lo: s.lo, hi: s.hi })).sort((
    a,
    b,
  ) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.lo <= last.hi + 1n) {
      if (s.hi > last.hi) last.hi = s.hi;
    } else {
      out.push(s);
    }
  }
  return out;
}

/** a minus b; both sorted and merged. */
export function subtractSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const s of a) {
    let lo = s.lo;
    const hi = s.hi;
    for (const c of b) {
      if (c.hi < lo) continue;
      if (c.lo > hi) break;
      if (c.lo > lo) out.push({ lo, hi: c.lo - 1n });
      lo = c.hi + 1n;
      if (lo > hi) break;
    }
    if (lo <= hi) out.push({ lo, hi });
  }
  return out;
}

/**
 * The values in [0, max] a list accepts: in at least one positive entry and in no negative one; a list
 * of only negative entries accepts anything but them; an empty list accepts nothing.
 * `entries` are the list's entries in this domain; `hasPositive` says whether the whole list (all
 * domains, e.g. both IP versions) has a positive entry, so an IPv4-only allow list rejects IPv6.
 */
export function listMatchSet(
  entries: readonly SpanEntry[],
  hasPositive: boolean,
  max: bigint,
  hasAny = true,
): Span[] {
  const pos = hasPositive
    ? mergeSpans(entries.filter((e) => !e.negated))
    : hasAny
    ? [{ lo: 0n, hi: max }]
    : [];
  return subtractSpans(pos, mergeSpans(entries.filter((e) => e.negated)));
}

/** Thrown when a dimension's bitsets would pass the pool's word limit (the compiler reports it). */
export class IndexTooLargeError extends Error {
  constructor(readonly words: number) {
    super(`index needs ${words} words`);
  }
}

/** Deduplicating store of W-word bitsets; `add` returns the bitset's offset in the final array. */
export class BitsetPool {
  readonly words: number;
  /** Most words the pool (and one dimension's scratch space) may take. */
  readonly limit: number;
  private readonly chunks: number[] = [];
  private readonly seen = new Map<string, number>();

  constructor(words: number, limit = Infinity) {
    this.words = words;
    this.limit = limit;
  }

  /** Words stored so far. */
  get size(): number {
    return this.chunks.length;
  }

  /** Stores `bits[from .. from+words)` (or finds an equal stored bitset) and returns its offset. */
  add(bits: Uint32Array, from = 0): number {
    const w = this.words;
    let key = "";
    for (let i = 0; i < w; i++) key += bits[from + i].toString(36) + ",";
    const known = this.seen.get(key);
    if (known !== undefined) return known;
    const off = this.chunks.length;
    if (off + w > this.limit) throw new IndexTooLargeError(off + w);
    for (let i = 0; i < w; i++) this.chunks.push(bits[from + i]);
    this.seen.set(key, off);
    return off;
  }

  finish(): Uint32Array {
    // One spare bitset of zeros keeps every offset valid even for an empty pool.
    const out = new Uint32Array(this.chunks.length + Math.max(1, this.words));
    out.set(this.chunks);
    return out;
  }
}

/** A dimension cut into elementary intervals: interval i is [starts[i], starts[i+1]). */
export interface Dimension {
  starts: bigint[];
  /** Bitset offset (into the pool) per interval. */
  sets: number[];
  /** Bitset offset for a packet that has no value in this dimension: the rules that do not constrain it. */
  absent: number;
}

/**
 * Builds one dimension: `perRule[i]` is the set rule i accepts (sorted, merged), or null when rule i
 * does not constrain this dimension (it then matches every value and also a packet without one).
 * Throws `IndexTooLargeError` before allocating past the pool's limit.
 */
export function buildDimension(
  perRule: readonly (readonly Span[] | null)[],
  max: bigint,
  pool: BitsetPool,
): Dimension {
  const W = pool.words;
  const bounds = new Set<bigint>([0n]);
  for (const spans of perRule) {
    if (spans === null) continue;
    for (const s of spans) {
      bounds.add(s.lo);
      if (s.hi < max) bounds.add(s.hi + 1n);
    }
  }
  const starts = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map<bigint, number>();
  starts.forEach((b, i) => index.set(b, i));
  const k = starts.length;
  if (k * W > pool.limit) throw new IndexTooLargeError(pool.size + k * W);
  const bits = new Uint32Array(k * W);
  const absent = new Uint32Array(Math.max(1, W));
  perRule.forEach((spans, r) => {
    const word = r >>> 5, bit = (1 << (r & 31)) >>> 0;
    if (spans === null) {
      absent[word] |= bit;
      for (let i = 0; i < k; i++) bits[i * W + word] |= bit;
      return;
    }
    for (const s of spans) {
      const a = index.get(s.lo) as number;
      const b = s.hi < max ? (index.get(s.hi + 1n) as number) : k;
      for (let i = a; i < b; i++) bits[i * W + word] |= bit;
    }
  });
  const sets: number[] = [];
  for (let i = 0; i < k; i++) sets.push(pool.add(bits, i * W));
  return { starts, sets, absent: pool.add(absent) };
}

/** A dimension over a small domain [0, max] as a direct table: value -> bitset offset. */
export function directTable(dim: Dimension, max: number, extra = 0): Int32Array {
  const out = new Int32Array(max + 1 + extra);
  for (let i = 0; i < dim.starts.length; i++) {
    const from = Number(dim.starts[i]);
    const to = i + 1 < dim.starts.length ? Number(dim.starts[i + 1]) : max + 1;
    out.fill(dim.sets[i], from, to);
  }
  for (let i = max + 1; i < out.length; i++) out[i] = dim.absent;
  return out;
}
