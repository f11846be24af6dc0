/**
 * Builds a multi-pattern prefilter matcher (`Mpm`, in `mpm.ts`) from a rule group's fast patterns.
 * Cold path: runs when a policy is compiled, may allocate freely, throws `Error`s a person can act on
 * (bad ids). Never called per packet.
 *
 * Choices made here (see `mpm.ts` for the scan): identical patterns (same bytes, same nocase) become one
 * literal carrying several ids; by length, a literal goes to a sampled tier (keyed by its rarest run of
 * `stride` 4-byte windows) or, when too short for any tier, to the pair pass (keyed by its rarest pair
 * of adjacent bytes). Rarity is scored from byte-pair counts in a built-in sample of ordinary traffic
 * (HTTP headers, URIs, HTML, JS, JSON, binary NUL/0xff runs) plus how many literals already chose the
 * same key, so chains stay short and common text rarely reaches verification.
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
import { CASE_BITS, FOLD, Mpm, type MpmTables, type PairTable, WINDOW_HASH, type WindowTable } from "./mpm.ts";

export interface MpmBuildOptions {
  /** Largest sampling stride (1..12, default 12); 1 turns every sampled tier into a dense window filter. */
  maxStride?: number;
  /**
   * Strides of the sampled tiers, each capped at `maxStride`. A literal goes to the widest tier whose
   * stride + 3 it reaches; shorter literals go to the pair pass. Default: the cheapest of
   * `CANDIDATE_STRIDES` on built-in sample traffic.
   */
  strides?: readonly number[];
}

/** Default sampled tiers: literals of 15+ bytes every 12 bytes, 8–14 bytes every 5; the rest by pairs. */
export const DEFAULT_STRIDES: readonly number[] = [12, 5];

/**
 * Tier layouts `build` chooses from when none is given, by `estimateCost` on the sample traffic: wide
 * strides read fewer bytes but every window of a literal's segment must be registered, so groups of
 * literals built from common words (URI paths) filter better with narrow ones.
 */
export const CANDIDATE_STRIDES: readonly (readonly number[])[] = [DEFAULT_STRIDES, [8, 4], [4], [1]];

type MpmBase = Omit<MpmTables, "oneLits" | "tiers" | "pairs">;

/** How common a folded byte is in typical traffic, 0 (rare) .. 9 (a tie-breaker below pair counts). */
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

/**
 * Generic sample traffic (request and response headers, URIs, HTML, JS, JSON, CSS) whose byte-pair
 * counts estimate how often a pair of case classes occurs; binary runs (NUL, 0xff) are added below.
 */
const SAMPLE = [
  "GET /index.php?id=1&page=2&lang=en HTTP/1.1\r\nHost: www.example.com\r\n",
  "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ",
  "Chrome/120.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,",
  "image/avif,image/webp,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br",
  "\r\nConnection: keep-alive\r\nReferer: https://www.google.com/search?q=weather+today&source=hp\r\n",
  "Cookie: sessionid=3f2a9c1e7b; _ga=GA1.2.123456789.1700000000; theme=dark\r\nCache-Control: max-age=0",
  "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 348\r\n\r\n",
  "HTTP/1.1 200 OK\r\nDate: Mon, 01 Apr 2024 12:00:00 GMT\r\nServer: nginx/1.24.0\r\n",
  "Content-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nVary: Accept-Encoding\r\n",
  "Set-Cookie: PHPSESSID=a8b7c6d5e4; path=/; HttpOnly\r\nX-Frame-Options: SAMEORIGIN\r\n\r\n",
  "/wp-content/uploads/2024/03/image-1024x768.jpg /static/js/main.min.js?v=4.2.1 /api/v1/users/42/profile ",
  "/search?q=news&utm_source=newsletter&utm_medium=email&utm_campaign=spring /assets/css/style.css ",
  "/images/logo.png /cdn/fonts/roboto.woff2 /products/item?sku=AB-1234&color=blue&size=m /login?next=%2Fhome",
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" ',
  'content="width=device-width, initial-scale=1">\n<title>Home - Example News and Articles</title>\n',
  '<link rel="stylesheet" href="/assets/css/main.css">\n<script src="/static/js/app.js" async></script>\n',
  '</head>\n<body class="home page-template">\n<div id="header" class="container">\n<nav class="menu">',
  '<ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul></nav>\n</div>\n',
  "<p>The quick brown fox jumps over the lazy dog. This is the first paragraph of the article and it ",
  "contains some ordinary English text, with numbers like 2024 and 15.5 percent, for reading.</p>\n",
  '<img src="/images/photo.jpg" alt="A photo of the city" width="640" height="480">\n',
  "<script>\nvar config = { apiUrl: 'https://api.example.com/v2', timeout: 3000, retries: 3 };\n",
  "function init() { var el = document.getElementById('main'); if (el && el.length > 0) {",
  " el.addEventListener('click', function (e) { e.preventDefault(); window.location.href = this.href; }); }",
  " return true; }\nwindow.onload = init; document.querySelectorAll('.item').forEach(function (x) {",
  " x.style.display = 'none'; });\n</script>\n",
  '{"id": 12345, "name": "example", "items": [{"type": "text", "value": "hello world"}], "ok": true}\n',
  ".container { margin: 0 auto; padding: 10px 20px; font-family: Arial, sans-serif; color: #333; }\n",
  "</div>\n<footer><p>Copyright 2024 Example Inc. All rights reserved. Privacy Policy | Terms of Use</p>",
  "</footer>\n</body>\n</html>\n",
].join("");

/** log2(1 + count) of every pair of case classes in `SAMPLE` (index `(c0 << 8) | c1`), scaled by 4. */
const PAIR_SCORE: Uint8Array = (() => {
  const count = new Float64Array(65536);
  const cls = (b: number) => b | 0x20;
  for (let i = 0; i + 1 < SAMPLE.length; i++) {
    count[(cls(SAMPLE.charCodeAt(i) & 0xff) << 8) | cls(SAMPLE.charCodeAt(i + 1) & 0xff)]++;
  }
  // binary payloads: NUL and 0xff runs, NUL next to anything (UTF-16, length fields)
  count[(0x20 << 8) | 0x20] += 200;
  count[(0xff << 8) | 0xff] += 40;
  for (let b = 0x20; b < 256; b++) {
    if ((b & 0x20) === 0) continue;
    count[(0x20 << 8) | b] += 4;
    count[(b << 8) | 0x20] += 4;
  }
  const s = new Uint8Array(65536);
  for (let h = 0; h < 65536; h++) s[h] = Math.round(4 * Math.log2(1 + count[h]));
  return s;
})();

/** Rarity score of the pair of bytes at `b[o]`, `b[o+1]` (lower is rarer). */
function pairScore(b: Uint8Array, o: number): number {
  const c0 = b[o] | 0x20;
  const c1 = b[o + 1] | 0x20;
  return 4 * PAIR_SCORE[(c0 << 8) | c1] + COMMON[c0] + COMMON[c1];
}

/** Weight of one literal already keyed on a window or pair, against the rarity score (keeps chains short). */
const SHARE_COST = 16;

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
    const litTail = new Int32Array(L);
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
      if (lit.bytes.length >= 4) litTail[l] = windowKey(lit.bytes, lit.bytes.length - 4);
      litBytes.set(lit.bytes, pos);
      pos += lit.bytes.length;
      idStart[l] = idPos;
      for (const id of lit.ids) ids[idPos++] = id;
      if (lit.bytes.length === 0) empty.push(l);
    }
    idStart[L] = idPos;

    const maxStride = Math.max(1, Math.min(12, Math.floor(options.maxStride ?? 12)));
    const norm = (c: readonly number[]) =>
      [...new Set(c.map((x) => Math.max(1, Math.min(maxStride, Math.floor(x)))))].sort((x, y) => y - x);
    const base = { patternCount: n, litBytes, litStart, litLen, litNocase, litTail, idStart, ids, emptyLits: Int32Array.from(empty) };
    if (options.strides !== undefined) return this.tiered(base, norm(options.strides));
    // no tiers given: try each candidate layout on the built-in sample traffic and keep the cheapest
    let best: Mpm | null = null;
    let bestCost = Infinity;
    const tried = new Set<string>();
    for (const c of CANDIDATE_STRIDES) {
      const strides = norm(c);
      if (tried.has(strides.join())) continue;
      tried.add(strides.join());
      const m = this.tiered(base, strides);
      const cost = estimateCost(m.tables);
      if (cost < bestCost) {
        bestCost = cost;
        best = m;
      }
    }
    return best!;
  }

  /** The matcher with the given sampled tiers (widest first); literals too short for all go to the pair pass. */
  private tiered(base: MpmBase, strides: number[]): Mpm {
    const lits = this.lits;
    const L = lits.length;
    const litLen = base.litLen;
    const tierOf = (len: number): number => {
      for (let k = 0; k < strides.length; k++) if (len >= strides[k] + 3) return k;
      return -1;
    };

    const order: number[] = [];
    for (let l = 0; l < L; l++) order.push(l);
    // shorter literals choose first: they have the fewest windows to choose from
    order.sort((a, b) => litLen[a] - litLen[b] || a - b);
    const tierEntries: Entry[][] = strides.map(() => []);
    const share = new Map<number, number>();
    const pairChains: number[][] = [];
    const pairShare = new Int32Array(65536);
    const one: number[] = [];
    let pairCount = 0;
    let shortCount = 0;
    for (const l of order) {
      const b = lits[l].bytes;
      const len = b.length;
      if (len === 0) continue;
      const k = tierOf(len);
      if (k < 0) {
        shortCount++;
        if (len === 1) {
          // keyed on every pair it starts (the range's last byte is checked apart)
          const c0 = b[0] | 0x20;
          for (let x = 0x20; x < 256; x++) {
            if ((x & 0x20) !== 0) (pairChains[(c0 << 8) | x] ??= []).push(l, 0);
          }
          pairCount += 128;
          one.push(l);
          continue;
        }
        let best = 0;
        let bestScore = Infinity;
        for (let o = 0; o + 1 < len; o++) {
          const h = ((b[o] | 0x20) << 8) | (b[o + 1] | 0x20);
          const sc = pairScore(b, o) + SHARE_COST * pairShare[h];
          if (sc < bestScore) {
            bestScore = sc;
            best = o;
          }
        }
        const h = ((b[best] | 0x20) << 8) | (b[best + 1] | 0x20);
        pairShare[h]++;
        (pairChains[h] ??= []).push(l, best);
        pairCount++;
        continue;
      }
      // the rarest run of `stride` consecutive windows
      const stride = strides[k];
      let best = 0;
      let bestScore = Infinity;
      for (let a = 0; a + stride + 3 <= len; a++) {
        let sc = 0;
        // expected chain walks: each window's estimated frequency times the literals already keyed on it
        for (let o = a; o < a + stride; o++) sc += windowFreq(b, o) * (1 + (share.get(windowKey(b, o)) ?? 0));
        if (sc < bestScore) {
          bestScore = sc;
          best = a;
        }
      }
      for (let o = best; o < best + stride; o++) {
        const key = windowKey(b, o);
        share.set(key, (share.get(key) ?? 0) + 1);
        tierEntries[k].push({ key, lit: l, off: o });
      }
    }

    let pairs: PairTable | null = null;
    if (pairCount > 0) {
      const bits = new Int32Array(2048);
      const head = new Int32Array(65536).fill(-1);
      const next = new Int32Array(pairCount);
      const lit = new Int32Array(pairCount);
      const off = new Int32Array(pairCount);
      let e = 0;
      for (let h = 0; h < 65536; h++) {
        const chain = pairChains[h];
        if (chain === undefined) continue;
        bits[h >>> 5] |= 1 << (h & 31);
        head[h] = e;
        for (let j = 0; j < chain.length; j += 2) {
          lit[e] = chain[j];
          off[e] = chain[j + 1];
          next[e] = j + 2 < chain.length ? e + 1 : -1;
          e++;
        }
      }
      pairs = { bits, head, next, lit, off };
    }

    const tiers: WindowTable[] = [];
    for (let k = 0; k < strides.length; k++) {
      const w = windowTable(strides[k], tierEntries[k]);
      if (w !== null) tiers.push(w);
    }

    const tables: MpmTables = {
      ...base,
      oneLits: Int32Array.from(one),
      tiers,
      pairs,
    };
    return new Mpm(tables, shortCount);
  }
}

/** Relative costs (≈ ns on one core) of the scan's steps, for `estimateCost`. */
const COST_SAMPLE = 1;
const COST_PAIR_BYTE = 0.8;
const COST_BITMAP_HIT = 6;
const COST_CANDIDATE = 10;
const SAMPLE_BYTES: Uint8Array = Uint8Array.from(SAMPLE, (ch) => ch.charCodeAt(0) & 0xff);

/**
 * Estimated cost of scanning `SAMPLE` (in 64-byte pieces, as short buffers are common) with these
 * tables: windows sampled, pair-pass bytes, bitmap hits and candidates whose key matched (each a
 * chain step and usually a failed comparison). Cold path; mirrors the filters of `Mpm.scan`.
 */
function estimateCost(t: MpmTables): number {
  const buf = SAMPLE_BYTES;
  let cost = 0;
  for (let start = 0; start < buf.length; start += 64) {
    const end = Math.min(buf.length, start + 64);
    cost += 20; // per call
    for (const w of t.tiers) {
      for (let q = start; q + 4 <= end; q += w.stride) {
        cost += COST_SAMPLE;
        const v = windowKey(buf, q);
        const b = Math.imul(v, WINDOW_HASH) >>> w.bitsShift;
        if (((w.bits[b >>> 5] >>> b) & 1) === 0) continue;
        cost += COST_BITMAP_HIT;
        for (let e = w.head[b >>> w.headShift]; e >= 0; e = w.next[e]) if (w.key[e] === v) cost += COST_CANDIDATE;
      }
    }
    const p = t.pairs;
    if (p === null) continue;
    for (let i = start; i + 1 < end; i++) {
      cost += COST_PAIR_BYTE;
      const h = ((buf[i] | 0x20) << 8) | (buf[i + 1] | 0x20);
      if (((p.bits[h >>> 5] >>> h) & 1) === 0) continue;
      cost += COST_BITMAP_HIT;
      for (let e = p.head[h]; e >= 0; e = p.next[e]) cost += COST_CANDIDATE;
    }
  }
  return cost;
}

/** The 4-byte window of `b` at `o` in case classes, as the scan composes it (big-endian, int32). */
function windowKey(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) | CASE_BITS;
}

/**
 * Estimated relative frequency of the 4-byte window at `o` (the product of its three pairs' sample
 * counts). A sampled literal registers every window of its segment, so a segment costs the sum of
 * its windows' frequencies: one common window spoils it.
 */
function windowFreq(b: Uint8Array, o: number): number {
  return 2 ** ((pairScore(b, o) + pairScore(b, o + 1) + pairScore(b, o + 2)) / 16);
}

/** Bitmap ≈ 32 bits per distinct entry (≈3% false hits), capped at 2^22 bits (512 KiB). */
function windowTable(stride: number, entries: Entry[]): WindowTable | null {
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
  return { stride, bits, bitsShift: 32 - bitsLog2, head, headShift: bitsLog2 - headLog2, next, key, lit, off };
}
