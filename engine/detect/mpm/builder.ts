/**
 * Builds a multi-pattern prefilter matcher (`Mpm`, in `mpm.ts`) from a rule group's fast patterns.
 * Cold path: runs when a policy is compiled, may allocate freely, throws `Error`s a person can act on
 * (bad ids). Never called per packet.
 *
 * Choices made here (see `mpm.ts` for the scan): identical patterns (same bytes, same nocase) become one
 * literal carrying several ids; each literal is keyed by its rarest 4-byte window (dense mode) or its
 * rarest run of `stride` windows (sampled mode), rarity scored from a fixed estimate of how common each byte is in
 * traffic (letters by English frequency, space, NUL, 0xff, URL/HTML punctuation) plus how many literals
 * already chose the same window, so chains stay short and common text rarely reaches verification.
 *
 * @example
 * ```ts
 * import { MpmBuilder } from "./builder.ts";
 * const b = new MpmBuilder();
 * b.add(new TextEncoder().encode("User-Agent: sqlmap"), true, 0);
 * b.add(Uint8Array.of(0x4d, 0x5a), false, 1); // "MZ", case-sensitive
 * const mpm = b.build();
 * console.log(mpm.patternCount, mpm.memoryBytes);
 * ```
 */
import { CASE_BITS, FOLD, Mpm, type MpmTables, WINDOW_HASH, type WindowTable } from "./mpm.ts";

export interface MpmBuildOptions {
  /**
   * Largest sampling stride (1..12, default 12). When every literal has at least 5 bytes the scan
   * tests one window every min(maxStride, shortest - 3) bytes; 1 forces the dense mode.
   */
  maxStride?: number;
}

/** How common a folded byte is in typical traffic, 0 (rare) .. 9. */
const COMMON: Uint8Array = (() => {
  const c = new Uint8Array(256).fill(1);
  for (let b = 0x21; b < 0x7f; b++) c[b] = 2;
  for (let b = 0x30; b <= 0x39; b++) c[b] = 4;
  const letters = "etaoinsrhldcumfpgwybvkxjqz";
  for (let k = 0; k < letters.length; k++) c[letters.charCodeAt(k)] = k < 10 ? 7 : k < 20 ? 5 : 3;
  for (const ch of "/.-_=&:\"<>%,;()'\r\n\t") c[ch.charCodeAt(0)] = 5;
  c[0x20] = 9; // space and NUL (one case class)
  c[0xff] = 6;
  c[0x21] = 4; // "!" and 0x01
  c[0x2f] = 6; // "/" and 0x0f
  return c;
})();

/** Weight of one literal already keyed on a window, against the byte score (keeps chains short). */
const SHARE_COST = 4;

interface Literal {
  bytes: Uint8Array; // folded when nocase
  nocase: boolean;
  ids: number[];
}

interface Entry {
  key: number;
  lit: number;
  off: number;
}

export class MpmBuilder {
  private readonly byKey = new Map<string, number>();
  private readonly lits: Literal[] = [];
  private readonly idSeen = new Set<number>();
  private maxId = -1;

  /** Adds pattern `id` (ids must end up dense 0..n-1, each once). Several ids may share bytes. */
  add(pattern: Uint8Array, nocase: boolean, id: number): void {
    if (!Number.isInteger(id) || id < 0 || id > 0x3fffffff) {
      throw new Error(`mpm: pattern id ${id} is not a non-negative integer`);
    }
    if (this.idSeen.has(id)) throw new Error(`mpm: pattern id ${id} added twice`);
    this.idSeen.add(id);
    if (id > this.maxId) this.maxId = id;
    const bytes = new Uint8Array(pattern.length);
    for (let i = 0; i < pattern.length; i++) bytes[i] = nocase ? FOLD[pattern[i]] : pattern[i];
    let k = nocase ? "i" : "s";
    for (let i = 0; i < bytes.length; i++) k += String.fromCharCode(bytes[i]);
    let l = this.byKey.get(k);
    if (l === undefined) {
      l = this.lits.length;
      this.byKey.set(k, l);
      this.lits.push({ bytes, nocase, ids: [] });
    }
    this.lits[l].ids.push(id);
  }

  /** Number of patterns added so far. */
  get size(): number {
    return this.idSeen.size;
  }

  /** Compiles the tables. Throws when the ids are not dense 0..n-1. */
  build(options: MpmBuildOptions = {}): Mpm {
    const n = this.idSeen.size;
    if (this.maxId !== n - 1) {
      let missing = 0;
      while (this.idSeen.has(missing)) missing++;
      throw new Error(`mpm: pattern ids must be dense 0..${n - 1}; id ${missing} is missing (largest id ${this.maxId})`);
    }
    const lits = this.lits;
    const L = lits.length;
    const litStart = new Int32Array(L);
    const litLen = new Int32Array(L);
    const litNocase = new Uint8Array(L);
    const idStart = new Int32Array(L + 1);
    const ids = new Int32Array(n);
    let total = 0;
    for (const lit of lits) total += lit.bytes.length;
    const litBytes = new Uint8Array(total);
    let pos = 0;
    let idPos = 0;
    const empty: number[] = [];
    for (let l = 0; l < L; l++) {
      const lit = lits[l];
      litStart[l] = pos;
      litLen[l] = lit.bytes.length;
      litNocase[l] = lit.nocase ? 1 : 0;
      litBytes.set(lit.bytes, pos);
      pos += lit.bytes.length;
      idStart[l] = idPos;
      for (const id of lit.ids) ids[idPos++] = id;
      if (lit.bytes.length === 0) empty.push(l);
    }
    idStart[L] = idPos;

    // dense mode when some literal is shorter than 5 bytes (it cannot be sampled); else sampled
    let minLen = Infinity;
    for (const lit of lits) if (lit.bytes.length > 0 && lit.bytes.length < minLen) minLen = lit.bytes.length;
    const maxStride = Math.max(1, Math.min(12, Math.floor(options.maxStride ?? 12)));
    const stride = minLen === Infinity || minLen < 5 ? 1 : Math.min(maxStride, minLen - 3);

    const tinyChains: number[][] = [];
    let tinyCount = 0;
    const order: number[] = [];
    for (let l = 0; l < L; l++) order.push(l);
    // shorter literals choose first: they have the fewest windows to choose from
    order.sort((a, b) => litLen[a] - litLen[b] || a - b);
    const entries: Entry[] = [];
    const share = new Map<number, number>();
    for (const l of order) {
      const b = lits[l].bytes;
      const len = b.length;
      if (len === 0) continue;
      if (len < 4) {
        // keyed on the case classes of the first two bytes (a 1-byte literal: every (any, byte) pair)
        const c0 = b[0] | 0x20;
        if (len === 1) {
          for (let x = 0x20; x < 256; x++) if ((x & 0x20) !== 0) (tinyChains[(x << 8) | c0] ??= []).push(l);
          tinyCount += 128;
        } else {
          (tinyChains[(c0 << 8) | (b[1] | 0x20)] ??= []).push(l);
          tinyCount++;
        }
        continue;
      }
      // the rarest run of `stride` consecutive windows (dense: the one rarest window)
      let best = 0;
      let bestScore = Infinity;
      for (let a = 0; a + stride + 3 <= len; a++) {
        let sc = 0;
        for (let o = a; o < a + stride; o++) sc += windowScore(b, o) + SHARE_COST * (share.get(windowKey(b, o)) ?? 0);
        if (sc < bestScore) {
          bestScore = sc;
          best = a;
        }
      }
      for (let o = best; o < best + stride; o++) {
        const k = windowKey(b, o);
        share.set(k, (share.get(k) ?? 0) + 1);
        entries.push({ key: k, lit: l, off: o });
      }
    }

    let tinyBits: Int32Array | null = null;
    let tinyHead: Int32Array | null = null;
    const tinyNext = new Int32Array(tinyCount);
    const tinyLit = new Int32Array(tinyCount);
    if (tinyCount > 0) {
      tinyBits = new Int32Array(2048);
      tinyHead = new Int32Array(65536).fill(-1);
      let e = 0;
      for (let h = 0; h < 65536; h++) {
        const chain = tinyChains[h];
        if (chain === undefined) continue;
        tinyBits[h >>> 5] |= 1 << (h & 31);
        tinyHead[h] = e;
        for (let k = 0; k < chain.length; k++) {
          tinyLit[e] = chain[k];
          tinyNext[e] = k + 1 < chain.length ? e + 1 : -1;
          e++;
        }
      }
    }

    const tables: MpmTables = {
      patternCount: n,
      litBytes,
      litStart,
      litLen,
      litNocase,
      idStart,
      ids,
      emptyLits: Int32Array.from(empty),
      stride,
      tinyBits,
      tinyHead,
      tinyNext,
      tinyLit,
      win: windowTable(entries),
    };
    return new Mpm(tables);
  }
}

/** The 4-byte window of `b` at `o` in case classes, as the scan composes it (big-endian, int32). */
function windowKey(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) | CASE_BITS;
}

function windowScore(b: Uint8Array, o: number): number {
  return COMMON[b[o] | 0x20] + COMMON[b[o + 1] | 0x20] + COMMON[b[o + 2] | 0x20] + COMMON[b[o + 3] | 0x20];
}

/** Bitmap ≈ 32 bits per distinct entry (≈3% false hits), capped at 2^22 bits (512 KiB). */
function windowTable(entries: Entry[]): WindowTable | null {
  if (entries.length === 0) return null;
  const bitsLog2 = Math.min(22, Math.max(10, Math.ceil(Math.log2(entries.length * 32))));
  const headLog2 = Math.min(bitsLog2, Math.max(4, Math.ceil(Math.log2(entries.length * 2))));
  const bits = new Int32Array(1 << (bitsLog2 - 5));
  const head = new Int32Array(1 << headLog2).fill(-1);
  const m = entries.length;
  const next = new Int32Array(m);
  const key = new Int32Array(m);
  const lit = new Int32Array(m);
  const off = new Int32Array(m);
  // entries sharing a head slot are stored contiguously (better locality when a chain is walked)
  const slotOf = entries.map((e) => (Math.imul(e.key, WINDOW_HASH) >>> 0) >>> (32 - headLog2));
  const idx = entries.map((_, i) => i).sort((a, b) => slotOf[a] - slotOf[b] || a - b);
  for (let k = 0; k < m; k++) {
    const e = entries[idx[k]];
    const x = Math.imul(e.key, WINDOW_HASH) >>> 0;
    const b = x >>> (32 - bitsLog2);
    bits[b >>> 5] |= 1 << (b & 31);
    key[k] = e.key;
    lit[k] = e.lit;
    off[k] = e.off;
    const s = slotOf[idx[k]];
    next[k] = k + 1 < m && slotOf[idx[k + 1]] === s ? k + 1 : -1;
    if (head[s] < 0) head[s] = k;
  }
  return { bits, bitsShift: 32 - bitsLog2, head, headShift: bitsLog2 - headLog2, next, key, lit, off };
}
