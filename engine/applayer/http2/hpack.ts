/**
 * HPACK (RFC 7541) header-block decoding: integers, string literals (plain and Huffman-coded), the
 * static table, and a bounded dynamic table with size updates. One `HpackDecoder` per HTTP/2 flow
 * direction, made when the parser's pool is built.
 *
 * `decode` hands each header to an `HpackHeaderSink` as (name, value) ranges of the decoder's scratch
 * buffer, valid only during the call. Never allocates after construction and never throws: a bad
 * block returns an anomaly code (`http2.invalid_header`, `http2.header_integer_overflow`), after which
 * the dynamic table is out of sync with the encoder and later blocks of that direction are suspect.
 *
 * @example
 * ```ts
 * import { HpackDecoder } from "./hpack.ts";
 * const d = new HpackDecoder(4096);
 * const block = new Uint8Array([0x82, 0x86, 0x84]); // :method GET, :scheme http, :path /
 * d.decode(block, 0, block.length, { header: (b, no, nl, vo, vl) => console.log(no, nl, vo, vl) });
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";

export const A_HTTP2_INVALID_HEADER = defineAnomaly("http2.invalid_header", "applayer");
export const A_HTTP2_HEADER_INTEGER_OVERFLOW = defineAnomaly("http2.header_integer_overflow", "applayer");

/** Receives decoded headers: name at `buf[nameOff, +nameLen)`, value at `buf[valueOff, +valueLen)`. */
export interface HpackHeaderSink {
  header(buf: Uint8Array, nameOff: number, nameLen: number, valueOff: number, valueLen: number): void;
}

// RFC 7541 Appendix A: the static table.
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];
export const STATIC_COUNT = STATIC.length; // 61

// The static table as bytes: name, value back to back; offsets per entry.
const staticBytes: Uint8Array = (() => {
  let n = 0;
  for (const [k, v] of STATIC) n += k.length + v.length;
  const b = new Uint8Array(n);
  let o = 0;
  for (const [k, v] of STATIC) {
    for (let i = 0; i < k.length; i++) b[o++] = k.charCodeAt(i);
    for (let i = 0; i < v.length; i++) b[o++] = v.charCodeAt(i);
  }
  return b;
})();
const staticOff = new Int32Array(STATIC_COUNT);
const staticNameLen = new Int32Array(STATIC_COUNT);
const staticValueLen = new Int32Array(STATIC_COUNT);
{
  let o = 0;
  for (let i = 0; i < STATIC_COUNT; i++) {
    staticOff[i] = o;
    staticNameLen[i] = STATIC[i][0].length;
    staticValueLen[i] = STATIC[i][1].length;
    o += staticNameLen[i] + staticValueLen[i];
  }
}

// RFC 7541 Appendix B: Huffman code lengths of symbols 0..255 and EOS (256). The code is canonical:
// codes are assigned in order of (length, symbol), which is how the table in the RFC was built.
const HUFFMAN_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;

/** Canonical codes (right-aligned) for each symbol; exported for tests. */
export const HUFFMAN_CODES: Uint32Array = (() => {
  const order: number[] = [];
  for (let s = 0; s <= EOS; s++) order.push(s);
  order.sort((a, b) => HUFFMAN_LENGTHS[a] - HUFFMAN_LENGTHS[b] || a - b);
  const codes = new Uint32Array(EOS + 1);
  let code = 0;
  let len = HUFFMAN_LENGTHS[order[0]];
  for (let i = 0; i < order.length; i++) {
    const s = order[i];
    const l = HUFFMAN_LENGTHS[s];
    if (i > 0) code = (code + 1) * 2 ** (l - len);
    len = l;
    codes[s] = code;
  }
  return codes;
})();
export function huffmanLength(sym: number): number {
  return HUFFMAN_LENGTHS[sym];
}

// Decoding tree: node n has children tree[2n] (bit 0) and tree[2n+1] (bit 1); a child >= 0 is a node,
// -1 is absent, -(sym + 2) is a leaf.
const tree: Int32Array = (() => {
  const t = new Int32Array(2 * 2 * (EOS + 1)).fill(-1);
  let nodes = 1;
  for (let s = 0; s <= EOS; s++) {
    const l = HUFFMAN_LENGTHS[s];
    const c = HUFFMAN_CODES[s];
    let n = 0;
    for (let i = l - 1; i >= 0; i--) {
      const bit = Math.floor(c / 2 ** i) & 1;
      const slot = 2 * n + bit;
      if (i === 0) {
        t[slot] = -(s + 2);
      } else {
        if (t[slot] < 0) t[slot] = nodes++;
        n = t[slot];
      }
    }
  }
  return t;
})();

// Nibble-at-a-time decoding (the approach of nghttp2): a state is a tree node; for each state and the
// next 4 bits, HUFF_STEP holds `next state << 16 | flags | symbol`. Codes are at least 5 bits long, so
// one nibble emits at most one symbol. HUFF_ACCEPT marks states where the string may end: the path
// from the root is at most 7 bits, all ones (RFC 7541 5.2 padding).
const HUFF_EMIT = 0x100;
const HUFF_FAIL = 0x200;
const HUFF_STEP = new Int32Array(256 * 16);
const HUFF_ACCEPT = new Uint8Array(256);
{
  for (let n = 0, d = 0; d <= 7; d++) {
    HUFF_ACCEPT[n] = 1;
    const next = tree[2 * n + 1];
    if (next < 0) break;
    n = next;
  }
  for (let st = 0; st < 256; st++) {
    for (let x = 0; x < 16; x++) {
      let cur = st;
      let e = 0;
      for (let b = 3; b >= 0; b--) {
        const next = tree[2 * cur + ((x >> b) & 1)];
        if (next >= 0) {
          cur = next;
          continue;
        }
        const sym = -next - 2;
        if (next === -1 || sym === EOS) {
          e = HUFF_FAIL;
          break;
        }
        e = HUFF_EMIT | sym;
        cur = 0;
      }
      HUFF_STEP[st * 16 + x] = (cur << 16) | e;
    }
  }
}

/**
 * Decodes Huffman-coded `src[off, off+len)` into `dst` (at most `dstCap` bytes from `dstOff`). Returns
 * bytes written, -1 for an invalid string (EOS inside, padding longer than 7 bits or not all ones), or
 * -2 when the output did not fit.
 */
export function huffmanDecode(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number, dstCap: number): number {
  let w = dstOff;
  const wEnd = dstOff + dstCap;
  let st = 0;
  const end = off + len;
  for (let i = off; i < end; i++) {
    const byte = src[i];
    let e = HUFF_STEP[(st << 4) | (byte >>> 4)];
    if ((e & (HUFF_EMIT | HUFF_FAIL)) !== 0) {
      if ((e & HUFF_FAIL) !== 0) return -1;
      if (w >= wEnd) return -2;
      dst[w++] = e & 255;
    }
    e = HUFF_STEP[((e >>> 16) << 4) | (byte & 15)];
    if ((e & (HUFF_EMIT | HUFF_FAIL)) !== 0) {
      if ((e & HUFF_FAIL) !== 0) return -1;
      if (w >= wEnd) return -2;
      dst[w++] = e & 255;
    }
    st = e >>> 16;
  }
  if (HUFF_ACCEPT[st] === 0) return -1;
  return w - dstOff;
}

/** Scratch-space results of `readInt` (no allocation). */
let intValue = 0;

/**
 * Reads an HPACK integer with an `prefix`-bit prefix at `src[i]`; returns the offset after it, -1 when
 * the block ended, -2 on overflow (> 2^28). The value is left in `intValue`.
 */
function readInt(src: Uint8Array, i: number, end: number, prefix: number): number {
  if (i >= end) return -1;
  const max = (1 << prefix) - 1;
  let v = src[i++] & max;
  if (v < max) {
    intValue = v;
    return i;
  }
  let m = 0;
  for (;;) {
    if (i >= end) return -1;
    const b = src[i++];
    v += (b & 0x7f) * 2 ** m;
    m += 7;
    if (v > 0x10000000) return -2;
    if ((b & 0x80) === 0) break;
  }
  intValue = v;
  return i;
}

export class HpackDecoder {
  /** Dynamic-table bytes: name then value of each entry, oldest first from `ringStart`. */
  private readonly area: Uint8Array;
  private readonly entOff: Int32Array;
  private readonly entNameLen: Int32Array;
  private readonly entValueLen: Int32Array;
  /** Ring of entries: `first` is the oldest, `count` entries. */
  private first = 0;
  private count = 0;
  private writePos = 0;
  /** RFC 7541 size of the table (sum of name + value + 32). */
  size = 0;
  /** Current maximum set by the encoder's size updates (at most `capacity`). */
  maxSize: number;
  /** Scratch for the current header's name and value. */
  readonly scratch: Uint8Array;
  private readonly nameCap: number;
  /** Strings longer than the scratch space (cut). */
  truncated = 0;

  /** `capacity`: the largest table size allowed (SETTINGS_HEADER_TABLE_SIZE we accept); `stringBytes`: longest name/value kept. */
  constructor(readonly capacity: number, stringBytes = 8192) {
    this.area = new Uint8Array(2 * capacity + 64);
    const maxEntries = (capacity >> 5) + 1;
    this.entOff = new Int32Array(maxEntries);
    this.entNameLen = new Int32Array(maxEntries);
    this.entValueLen = new Int32Array(maxEntries);
    this.maxSize = capacity < 4096 ? capacity : 4096;
    this.nameCap = stringBytes >> 2;
    this.scratch = new Uint8Array(this.nameCap + stringBytes);
  }

  get memoryBytes(): number {
    return this.area.length + 12 * this.entOff.length + this.scratch.length;
  }

  /** Number of dynamic-table entries. */
  get entries(): number {
    return this.count;
  }

  reset(): void {
    this.first = 0;
    this.count = 0;
    this.writePos = 0;
    this.size = 0;
    this.maxSize = this.capacity < 4096 ? this.capacity : 4096;
    this.truncated = 0;
  }

  /** Decodes one complete header block. Returns 0, or an anomaly code for a malformed block. */
  decode(src: Uint8Array, off: number, len: number, sink: HpackHeaderSink): number {
    const end = off + len;
    let i = off;
    const scratch = this.scratch;
    const valueBase = this.nameCap;
    while (i < end) {
      const b = src[i];
      if (b & 0x80) {
        // indexed header field
        i = readInt(src, i, end, 7);
        if (i < 0) return i === -2 ? A_HTTP2_HEADER_INTEGER_OVERFLOW : A_HTTP2_INVALID_HEADER;
        const nl = this.copyName(intValue, 0);
        if (nl < 0) return A_HTTP2_INVALID_HEADER;
        const vl = this.copyValue(intValue, valueBase);
        sink.header(scratch, 0, nl, valueBase, vl);
        continue;
      }
      if ((b & 0xe0) === 0x20) {
        // dynamic table size update
        i = readInt(src, i, end, 5);
        if (i < 0) return i === -2 ? A_HTTP2_HEADER_INTEGER_OVERFLOW : A_HTTP2_INVALID_HEADER;
        if (intValue > this.capacity) return A_HTTP2_INVALID_HEADER;
        this.maxSize = intValue;
        this.evictTo(this.maxSize);
        continue;
      }
      const indexing = (b & 0xc0) === 0x40;
      i = readInt(src, i, end, indexing ? 6 : 4);
      if (i < 0) return i === -2 ? A_HTTP2_HEADER_INTEGER_OVERFLOW : A_HTTP2_INVALID_HEADER;
      let nl: number;
      if (intValue === 0) {
        i = this.readString(src, i, end, 0, this.nameCap);
        if (i < 0) return i === -2 ? A_HTTP2_HEADER_INTEGER_OVERFLOW : A_HTTP2_INVALID_HEADER;
        nl = strLen;
      } else {
        nl = this.copyName(intValue, 0);
        if (nl < 0) return A_HTTP2_INVALID_HEADER;
      }
      i = this.readString(src, i, end, valueBase, scratch.length - valueBase);
      if (i < 0) return i === -2 ? A_HTTP2_HEADER_INTEGER_OVERFLOW : A_HTTP2_INVALID_HEADER;
      const vl = strLen;
      if (indexing) this.insert(nl, valueBase, vl);
      sink.header(scratch, 0, nl, valueBase, vl);
    }
    return 0;
  }

  /** Reads a string literal into scratch at `at` (at most `cap`); length left in `strLen`. */
  private readString(src: Uint8Array, i: number, end: number, at: number, cap: number): number {
    if (i >= end) return -1;
    const huff = (src[i] & 0x80) !== 0;
    i = readInt(src, i, end, 7);
    if (i < 0) return i;
    const n = intValue;
    if (n > end - i) return -1;
    if (huff) {
      const w = huffmanDecode(src, i, n, this.scratch, at, cap);
      if (w === -1) return -1;
      if (w === -2) {
        this.truncated++;
        strLen = cap;
      } else {
        strLen = w;
      }
    } else {
      const c = n < cap ? n : cap;
      if (c < n) this.truncated++;
      for (let k = 0; k < c; k++) this.scratch[at + k] = src[i + k];
      strLen = c;
    }
    return i + n;
  }

  /** Copies the name of table entry `index` (1-based, static then dynamic) to scratch; its length or -1. */
  private copyName(index: number, at: number): number {
    if (index <= 0) return -1;
    if (index <= STATIC_COUNT) {
      const o = staticOff[index - 1];
      const n = staticNameLen[index - 1];
      for (let k = 0; k < n; k++) this.scratch[at + k] = staticBytes[o + k];
      return n;
    }
    const d = index - STATIC_COUNT - 1;
    if (d >= this.count) return -1;
    const e = (this.first + this.count - 1 - d) % this.entOff.length;
    const o = this.entOff[e];
    let n = this.entNameLen[e];
    if (n > this.nameCap) n = this.nameCap;
    for (let k = 0; k < n; k++) this.scratch[at + k] = this.area[o + k];
    return n;
  }

  /** Copies the value of entry `index` (already checked by copyName) to scratch; its length. */
  private copyValue(index: number, at: number): number {
    const cap = this.scratch.length - at;
    if (index <= STATIC_COUNT) {
      const o = staticOff[index - 1] + staticNameLen[index - 1];
      const n = staticValueLen[index - 1];
      for (let k = 0; k < n; k++) this.scratch[at + k] = staticBytes[o + k];
      return n;
    }
    const d = index - STATIC_COUNT - 1;
    const e = (this.first + this.count - 1 - d) % this.entOff.length;
    const o = this.entOff[e] + this.entNameLen[e];
    let n = this.entValueLen[e];
    if (n > cap) n = cap;
    for (let k = 0; k < n; k++) this.scratch[at + k] = this.area[o + k];
    return n;
  }

  private evictTo(limit: number): void {
    while (this.count > 0 && this.size > limit) {
      const e = this.first;
      this.size -= this.entNameLen[e] + this.entValueLen[e] + 32;
      this.first = (e + 1) % this.entOff.length;
      this.count--;
    }
    if (this.count === 0) this.writePos = 0;
  }

  /** Adds scratch name [0, nl) and value [vOff, +vl) as the newest entry (RFC 7541 §4.4). */
  private insert(nl: number, vOff: number, vl: number): void {
    const need = nl + vl + 32;
    if (need > this.maxSize) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.maxSize - need);
    if (this.count === this.entOff.length) this.evictTo(-1); // cannot happen: entries are >= 32 bytes
    const bytes = nl + vl;
    if (this.writePos + bytes > this.area.length) this.compact();
    const e = (this.first + this.count) % this.entOff.length;
    const o = this.writePos;
    for (let k = 0; k < nl; k++) this.area[o + k] = this.scratch[k];
    for (let k = 0; k < vl; k++) this.area[o + nl + k] = this.scratch[vOff + k];
    this.entOff[e] = o;
    this.entNameLen[e] = nl;
    this.entValueLen[e] = vl;
    this.writePos = o + bytes;
    this.count++;
    this.size += need;
  }

  /** Moves live entries to the start of the area (oldest first). */
  private compact(): void {
    let w = 0;
    const ring = this.entOff.length;
    for (let k = 0; k < this.count; k++) {
      const e = (this.first + k) % ring;
      const o = this.entOff[e];
      const n = this.entNameLen[e] + this.entValueLen[e];
      if (o !== w) this.area.copyWithin(w, o, o + n);
      this.entOff[e] = w;
      w += n;
    }
    this.writePos = w;
  }
}

let strLen = 0;
