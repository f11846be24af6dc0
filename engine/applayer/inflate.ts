/**
 * Streaming inflate (RFC 1951 deflate, RFC 1950 zlib and RFC 1952 gzip wrappers) for HTTP
 * `Content-Encoding: gzip|deflate` bodies and any other compressed payload the engine inspects.
 *
 * An `Inflater` is a resumable state machine: feed it input in pieces split at any byte (or bit) and
 * give it output space of any size; it stops when either runs out and continues on the next call. Its
 * 32 KiB sliding window and Huffman tables are typed arrays allocated once; `InflaterPool` hands out
 * instances by index. Errors are status codes (negative), never exceptions.
 *
 * Must never allocate in `inflate` (hot path), never throw, never read outside the ranges it is given.
 *
 * @example
 * ```ts
 * import { FORMAT_AUTO, INFLATE_DONE, Inflater } from "./inflate.ts";
 * const inf = new Inflater();
 * const out = new Uint8Array(65536);
 * inf.reset(FORMAT_AUTO);
 * const st = inf.inflate(gz, 0, gz.length, out, 0, out.length);
 * if (st === INFLATE_DONE) console.log(out.subarray(0, inf.outUsed));
 * ```
 */
import { SlotPool } from "./slot-pool.ts";

/** All input was consumed and the stream is not finished: call again with more. */
export const INFLATE_NEED_INPUT = 0;
/** The output space is full: call again (with the input from `inUsed` on) and more space. */
export const INFLATE_OUTPUT_FULL = 1;
/** The stream ended (trailer checked); `inUsed` says where. Further calls return INFLATE_DONE. */
export const INFLATE_DONE = 2;
/** Bad zlib / gzip header (wrong magic, unsupported method, preset dictionary). */
export const INFLATE_ERR_HEADER = -1;
/** Invalid deflate data (bad block type, bad code lengths, distance too far back, bad symbol). */
export const INFLATE_ERR_DATA = -2;
/** The trailer's checksum or length does not match the data. */
export const INFLATE_ERR_CHECK = -3;

/** Raw deflate, no wrapper. */
export const FORMAT_RAW = 0;
/** zlib wrapper (RFC 1950). */
export const FORMAT_ZLIB = 1;
/** gzip wrapper (RFC 1952), one member. */
export const FORMAT_GZIP = 2;
/** Sniff: gzip magic, else a valid zlib header, else raw deflate (what HTTP `deflate` needs in practice). */
export const FORMAT_AUTO = 3;

const WSIZE = 32768;
const WMASK = WSIZE - 1;
// Margins for the fast loop: one length/distance pair reads at most 48 bits plus a 32-bit refill.
const FAST_IN = 12;
const FAST_OUT = 258 + 2;

// States.
const S_SNIFF = 0;
const S_ZLIB_HDR = 1;
const S_GZIP_HDR = 2; // the 10 fixed bytes
const S_GZIP_XLEN = 3;
const S_GZIP_EXTRA = 4;
const S_GZIP_NAME = 5;
const S_GZIP_COMMENT = 6;
const S_GZIP_HCRC = 7;
const S_BLOCK = 8;
const S_STORED_LEN = 9;
const S_STORED = 10;
const S_DYN_COUNTS = 11;
const S_DYN_CL = 12;
const S_DYN_LENS = 13;
const S_DYN_REPEAT = 14;
const S_LEN_SYM = 15;
const S_LEN_EXTRA = 16;
const S_DIST_SYM = 17;
const S_DIST_EXTRA = 18;
const S_COPY = 19;
const S_TRAILER = 20;
const S_DONE = 21;
const S_ERROR = 22;

const LEN_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]);
const LEN_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
]);
const DIST_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
const CL_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

// CRC-32 tables for slicing by 4: CRC_TABLE[k * 256 + b] is the CRC of byte b followed by k zero bytes.
const CRC_TABLE = new Int32Array(4 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let k = 1; k < 4; k++) {
    const prev = CRC_TABLE[(k - 1) * 256 + n];
    CRC_TABLE[k * 256 + n] = CRC_TABLE[prev & 255] ^ (prev >>> 8);
  }
}

// Decoding tables (zlib style): a primary table indexed by the next `root` input bits (deflate sends
// codes most-significant bit first, so table indices are bit-reversed codes) and, for longer codes,
// sub-tables reached through a LINK entry. Entries are Int32: `sym << 4 | codeLength` for a symbol,
// `LINK | offset << 4 | subBits` for a link, 0 for a bit pattern no code starts with.
const LINK = 0x40000000;
const LROOT = 10;
const LMASK = (1 << LROOT) - 1;
const DROOT = 8;
const DMASK = (1 << DROOT) - 1;
const CLROOT = 7; // code-length codes are at most 7 bits: never a sub-table
const CLMASK = (1 << CLROOT) - 1;
// Proven bounds: every sub-table except the last is full, and a full sub-table of 2^s entries needs
// at least s + 1 codes; so 2^root + max(2^s / (s + 1)) * symbols + one last sub-table suffices.
const LTABLE_SIZE = (1 << LROOT) + 1526 + 32;
const DTABLE_SIZE = (1 << DROOT) + 480 + 128;

/** Scratch space for `buildTable`, one per Inflater (and one for the module's fixed tables). */
class TableScratch {
  readonly count = new Int16Array(16);
  readonly next = new Int32Array(16);
  readonly codes = new Int32Array(320);
  readonly subBits = new Uint8Array(1 << LROOT);
}

/** Continues CRC-32 `c` (pre-inverted) over `b[from .. to)`, four bytes at a time. */
function crc32(c: number, b: Uint8Array, from: number, to: number): number {
  const t = CRC_TABLE;
  let i = from;
  // One loop for both strides: a separate tail loop made V8 (Node 20) deoptimize over and over.
  while (i < to) {
    if (to - i >= 4) {
      c ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
      c = t[768 + (c & 255)] ^ t[512 + ((c >>> 8) & 255)] ^ t[256 + ((c >>> 16) & 255)] ^ t[(c >>> 24) & 255];
      i += 4;
    } else {
      c = t[(c ^ b[i]) & 255] ^ (c >>> 8);
      i += 1;
    }
  }
  return c;
}

/**
 * Builds a decoding table for the canonical Huffman code with `lengths[start .. start+n)`. Returns < 0
 * when the lengths over-subscribe the code space, else the unused code space (0 = complete code);
 * incomplete codes are accepted (decoding fails on a missing code). All lengths 0 gives an empty table.
 */
function buildTable(
  lengths: Uint8Array,
  start: number,
  n: number,
  table: Int32Array,
  root: number,
  sc: TableScratch,
): number {
  const count = sc.count;
  const next = sc.next;
  const codes = sc.codes;
  const size = 1 << root;
  const mask = size - 1;
  for (let i = 0; i < 16; i++) count[i] = 0;
  for (let i = 0; i < n; i++) count[lengths[start + i]]++;
  table.fill(0, 0, size);
  if (count[0] === n) return 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left <<= 1;
    left -= count[len];
    if (left < 0) return -1;
  }
  // RFC 1951 3.2.2: first code of each length, then each symbol's code, bit-reversed.
  count[0] = 0;
  let code = 0;
  for (let len = 1; len < 16; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const subBits = sc.subBits;
  subBits.fill(0, 0, size);
  let long = false;
  for (let i = 0; i < n; i++) {
    const l = lengths[start + i];
    if (l === 0) continue;
    let c = next[l]++;
    let r = 0;
    for (let k = 0; k < l; k++) {
      r = (r << 1) | (c & 1);
      c >>>= 1;
    }
    codes[i] = r;
    if (l > root) {
      long = true;
      const p = r & mask;
      if (l - root > subBits[p]) subBits[p] = l - root;
    }
  }
  if (long) {
    let off = size;
    for (let p = 0; p < size; p++) {
      const sb = subBits[p];
      if (sb === 0) continue;
      if (off + (1 << sb) > table.length) return -1; // cannot happen (see the size bounds)
      table[p] = LINK | (off << 4) | sb;
      table.fill(0, off, off + (1 << sb));
      off += 1 << sb;
    }
  }
  for (let i = 0; i < n; i++) {
    const l = lengths[start + i];
    if (l === 0) continue;
    const e = (i << 4) | l;
    const r = codes[i];
    if (l <= root) {
      for (let j = r; j < size; j += 1 << l) table[j] = e;
    } else {
      const link = table[r & mask];
      const off = (link >>> 4) & 0xffff;
      const sb = link & 15;
      for (let j = r >>> root; j < 1 << sb; j += 1 << (l - root)) table[off + j] = e;
    }
  }
  return left;
}

const FIXED_LEN_TABLE = new Int32Array(1 << LROOT);
const FIXED_DIST_TABLE = new Int32Array(1 << DROOT);
{
  const l = new Uint8Array(320);
  const sc = new TableScratch();
  for (let i = 0; i < 144; i++) l[i] = 8;
  for (let i = 144; i < 256; i++) l[i] = 9;
  for (let i = 256; i < 280; i++) l[i] = 7;
  for (let i = 280; i < 288; i++) l[i] = 8;
  buildTable(l, 0, 288, FIXED_LEN_TABLE, LROOT, sc);
  for (let i = 0; i < 30; i++) l[i] = 5;
  buildTable(l, 0, 30, FIXED_DIST_TABLE, DROOT, sc);
}

/** One streaming decompressor: a 32 KiB window plus state; reusable via `reset`. */
export class Inflater {
  /** After `inflate`: input bytes consumed by that call. */
  inUsed = 0;
  /** After `inflate`: output bytes written by that call. */
  outUsed = 0;
  /** Total output since `reset`. */
  totalOut = 0;

  private readonly window = new Uint8Array(WSIZE);
  private wpos = 0;
  private state = S_SNIFF;
  private format = FORMAT_AUTO;
  private bitbuf = 0;
  private bitcnt = 0;
  private last = 0; // BFINAL of the current block
  private counter = 0; // generic: bytes left in a header field / stored block / repeat count, index
  private aux = 0; // generic second counter
  private gzFlags = 0;
  private hlit = 0;
  private hdist = 0;
  private hclen = 0;
  private sym = 0;
  private codeLen = 0; // bit length of the last decoded Huffman code
  private copyLen = 0;
  private copyDist = 0;
  private crc = 0;
  private adlerA = 1;
  private adlerB = 0;
  private trailer = 0; // trailer bytes collected (value accumulates in chk1/chk2)
  private chk1 = 0;
  private chk2 = 0;

  private readonly lengths = new Uint8Array(320);
  private readonly scratch = new TableScratch();
  private readonly dynLenTable = new Int32Array(LTABLE_SIZE);
  private readonly dynDistTable = new Int32Array(DTABLE_SIZE);
  private readonly clTable = new Int32Array(1 << CLROOT);
  private lenTable: Int32Array = FIXED_LEN_TABLE;
  private distTable: Int32Array = FIXED_DIST_TABLE;
  // In/out positions handed to and from `fast` (fields, so that nothing is allocated to return them).
  private fPos = 0;
  private fOp = 0;

  /** Starts a new stream of the given FORMAT_*. */
  reset(format: number): void {
    this.format = format;
    this.state = format === FORMAT_RAW
      ? S_BLOCK
      : format === FORMAT_ZLIB
      ? S_ZLIB_HDR
      : format === FORMAT_GZIP
      ? S_GZIP_HDR
      : S_SNIFF;
    this.bitbuf = 0;
    this.bitcnt = 0;
    this.wpos = 0;
    this.last = 0;
    this.counter = 0;
    this.aux = 0;
    this.crc = -1;
    this.adlerA = 1;
    this.adlerB = 0;
    this.trailer = 0;
    this.chk1 = 0;
    this.chk2 = 0;
    this.totalOut = 0;
    this.inUsed = 0;
    this.outUsed = 0;
  }

  /** Whether the stream has ended (INFLATE_DONE was returned). */
  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Decompresses from `inp[inOff .. inOff+inLen)` into `out[outOff .. outOff+outCap)`. Returns an
   * INFLATE_* status; `inUsed` / `outUsed` say how much of each was used.
   */
  inflate(inp: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outCap: number): number {
    let pos = inOff;
    const end = inOff + inLen;
    let op = outOff;
    const outBase = outOff;
    const oend = outOff + outCap;
    let bb = this.bitbuf;
    let bc = this.bitcnt;
    let status = INFLATE_NEED_INPUT;
    const win = this.window;

    loop: for (;;) {
      switch (this.state) {
        case S_SNIFF: {
          while (bc < 16 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < 16) break loop;
          const b0 = bb & 255;
          const b1 = (bb >>> 8) & 255;
          if (b0 === 0x1f && b1 === 0x8b) {
            this.format = FORMAT_GZIP;
            this.state = S_GZIP_HDR;
          } else if ((b0 & 0x0f) === 8 && (b0 >>> 4) <= 7 && ((b0 << 8) | b1) % 31 === 0 && (b1 & 0x20) === 0) {
            this.format = FORMAT_ZLIB;
            this.state = S_ZLIB_HDR;
          } else {
            this.format = FORMAT_RAW;
            this.state = S_BLOCK;
          }
          continue;
        }
        case S_ZLIB_HDR: {
          while (bc < 16 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < 16) break loop;
          const cmf = bb & 255;
          const flg = (bb >>> 8) & 255;
          bb >>>= 16;
          bc -= 16;
          if ((cmf & 0x0f) !== 8 || (cmf >>> 4) > 7 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) {
            status = INFLATE_ERR_HEADER;
            this.state = S_ERROR;
            break loop;
          }
          this.state = S_BLOCK;
          continue;
        }
        case S_GZIP_HDR: {
          // 10 bytes: 1f 8b 08 FLG MTIME(4) XFL OS; `counter` counts bytes seen.
          while (this.counter < 10) {
            if (bc < 8) {
              if (pos >= end) break loop;
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            const b = bb & 255;
            bb >>>= 8;
            bc -= 8;
            const i = this.counter++;
            if ((i === 0 && b !== 0x1f) || (i === 1 && b !== 0x8b) || (i === 2 && b !== 8)) {
              status = INFLATE_ERR_HEADER;
              this.state = S_ERROR;
              break loop;
            }
            if (i === 3) this.gzFlags = b;
          }
          if ((this.gzFlags & 0xe0) !== 0) {
            status = INFLATE_ERR_HEADER;
            this.state = S_ERROR;
            break loop;
          }
          this.counter = 0;
          this.state = S_GZIP_XLEN;
          continue;
        }
        case S_GZIP_XLEN: {
          if ((this.gzFlags & 4) === 0) {
            this.state = S_GZIP_NAME;
            continue;
          }
          while (bc < 16 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < 16) break loop;
          this.counter = bb & 0xffff;
          bb >>>= 16;
          bc -= 16;
          this.state = S_GZIP_EXTRA;
          continue;
        }
        case S_GZIP_EXTRA: {
          while (this.counter > 0) {
            if (bc >= 8) {
              bb >>>= 8;
              bc -= 8;
            } else if (pos < end) pos++;
            else break loop;
            this.counter--;
          }
          this.state = S_GZIP_NAME;
          continue;
        }
        case S_GZIP_NAME:
        case S_GZIP_COMMENT: {
          const flag = this.state === S_GZIP_NAME ? 8 : 16;
          if ((this.gzFlags & flag) !== 0) {
            for (;;) {
              if (bc < 8) {
                if (pos >= end) break loop;
                bb |= inp[pos++] << bc;
                bc += 8;
              }
              const b = bb & 255;
              bb >>>= 8;
              bc -= 8;
              if (b === 0) break;
            }
          }
          this.state = this.state === S_GZIP_NAME ? S_GZIP_COMMENT : S_GZIP_HCRC;
          continue;
        }
        case S_GZIP_HCRC: {
          if ((this.gzFlags & 2) !== 0) {
            while (bc < 16 && pos < end) {
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            if (bc < 16) break loop;
            bb >>>= 16;
            bc -= 16;
          }
          this.state = S_BLOCK;
          continue;
        }
        case S_BLOCK: {
          if (this.last) {
            // The final block ended: trailer (byte aligned).
            bb >>>= bc & 7;
            bc -= bc & 7;
            this.trailer = 0;
            this.state = this.format === FORMAT_RAW ? S_DONE : S_TRAILER;
            continue;
          }
          while (bc < 3 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < 3) break loop;
          this.last = bb & 1;
          const type = (bb >>> 1) & 3;
          bb >>>= 3;
          bc -= 3;
          if (type === 0) {
            bb >>>= bc & 7;
            bc -= bc & 7;
            this.state = S_STORED_LEN;
          } else if (type === 1) {
            this.lenTable = FIXED_LEN_TABLE;
            this.distTable = FIXED_DIST_TABLE;
            this.state = S_LEN_SYM;
          } else if (type === 2) {
            this.state = S_DYN_COUNTS;
          } else {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          continue;
        }
        case S_STORED_LEN: {
          // LEN and NLEN, 16 bits each (two reads keep the bit buffer within 32 bits).
          if (this.aux === 0) {
            while (bc < 16 && pos < end) {
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            if (bc < 16) break loop;
            this.counter = bb & 0xffff;
            bb >>>= 16;
            bc -= 16;
            this.aux = 1;
          }
          while (bc < 16 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < 16) break loop;
          const nlen = bb & 0xffff;
          bb >>>= 16;
          bc -= 16;
          this.aux = 0;
          if ((nlen ^ 0xffff) !== this.counter) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          this.state = S_STORED;
          continue;
        }
        case S_STORED: {
          while (this.counter > 0) {
            if (op >= oend) {
              status = INFLATE_OUTPUT_FULL;
              break loop;
            }
            let b: number;
            if (bc >= 8) {
              b = bb & 255;
              bb >>>= 8;
              bc -= 8;
            } else if (pos < end) b = inp[pos++];
            else break loop;
            out[op++] = b;
            win[this.wpos] = b;
            this.wpos = (this.wpos + 1) & WMASK;
            this.counter--;
          }
          this.state = S_BLOCK;
          continue;
        }
        case S_DYN_COUNTS: {
          while (bc < 14 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < 14) break loop;
          this.hlit = (bb & 31) + 257;
          this.hdist = ((bb >>> 5) & 31) + 1;
          this.hclen = ((bb >>> 10) & 15) + 4;
          bb >>>= 14;
          bc -= 14;
          if (this.hlit > 286 || this.hdist > 30) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          this.counter = 0;
          this.state = S_DYN_CL;
          continue;
        }
        case S_DYN_CL: {
          const l = this.lengths;
          while (this.counter < this.hclen) {
            while (bc < 3 && pos < end) {
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            if (bc < 3) break loop;
            l[CL_ORDER[this.counter++]] = bb & 7;
            bb >>>= 3;
            bc -= 3;
          }
          while (this.counter < 19) l[CL_ORDER[this.counter++]] = 0;
          if (buildTable(l, 0, 19, this.clTable, CLROOT, this.scratch) !== 0) {
            status = INFLATE_ERR_DATA; // the code-length code must be complete
            this.state = S_ERROR;
            break loop;
          }
          this.counter = 0;
          this.state = S_DYN_LENS;
          continue;
        }
        case S_DYN_LENS: {
          const l = this.lengths;
          const total = this.hlit + this.hdist;
          while (this.counter < total) {
            while (bc < 15 && pos < end) {
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            const s = this.decode(this.clTable, CLMASK, CLROOT, bb, bc);
            if (s === -1) break loop;
            if (s === -2) {
              status = INFLATE_ERR_DATA;
              this.state = S_ERROR;
              break loop;
            }
            const used = this.codeLen;
            bb >>>= used;
            bc -= used;
            if (s < 16) l[this.counter++] = s;
            else {
              this.sym = s;
              this.state = S_DYN_REPEAT;
              continue loop;
            }
          }
          // Tables for this block.
          if (l[256] === 0) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          if (
            buildTable(l, 0, this.hlit, this.dynLenTable, LROOT, this.scratch) < 0 ||
            buildTable(l, this.hlit, this.hdist, this.dynDistTable, DROOT, this.scratch) < 0
          ) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          this.lenTable = this.dynLenTable;
          this.distTable = this.dynDistTable;
          this.state = S_LEN_SYM;
          continue;
        }
        case S_DYN_REPEAT: {
          const s = this.sym;
          const nbits = s === 16 ? 2 : s === 17 ? 3 : 7;
          while (bc < nbits && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < nbits) break loop;
          let rep = (bb & ((1 << nbits) - 1)) + (s === 18 ? 11 : 3);
          bb >>>= nbits;
          bc -= nbits;
          let val = 0;
          if (s === 16) {
            if (this.counter === 0) {
              status = INFLATE_ERR_DATA;
              this.state = S_ERROR;
              break loop;
            }
            val = this.lengths[this.counter - 1];
          }
          if (this.counter + rep > this.hlit + this.hdist) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          while (rep-- > 0) this.lengths[this.counter++] = val;
          this.state = S_DYN_LENS;
          continue;
        }
        case S_LEN_SYM: {
          if (end - pos >= FAST_IN && oend - op >= FAST_OUT) {
            // Plenty of input and output room: whole symbols at a time without state bookkeeping.
            this.bitbuf = bb;
            this.bitcnt = bc;
            this.fPos = pos;
            this.fOp = op;
            const st = this.fast(inp, inOff, end, out, oend, outBase);
            bb = this.bitbuf;
            bc = this.bitcnt;
            pos = this.fPos;
            op = this.fOp;
            if (st !== 0) {
              status = st;
              break loop;
            }
            if (this.state !== S_LEN_SYM) continue;
          }
          // Near the end of the input or output: one resumable step at a time.
          for (;;) {
            while (bc < 15 && pos < end) {
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            const s = this.decode(this.lenTable, LMASK, LROOT, bb, bc);
            if (s === -1) break loop;
            if (s === -2) {
              status = INFLATE_ERR_DATA;
              this.state = S_ERROR;
              break loop;
            }
            if (s < 256) {
              if (op >= oend) {
                status = INFLATE_OUTPUT_FULL;
                break loop; // symbol not consumed: decoded again next call
              }
              bb >>>= this.codeLen;
              bc -= this.codeLen;
              out[op++] = s;
              win[this.wpos] = s;
              this.wpos = (this.wpos + 1) & WMASK;
              continue;
            }
            bb >>>= this.codeLen;
            bc -= this.codeLen;
            if (s === 256) {
              this.state = S_BLOCK;
              continue loop;
            }
            if (s > 285) {
              status = INFLATE_ERR_DATA;
              this.state = S_ERROR;
              break loop;
            }
            this.sym = s - 257;
            this.state = S_LEN_EXTRA;
            continue loop;
          }
        }
        /* falls through */ // (unreachable: the loop above leaves only by `continue loop` / `break loop`)
        case S_LEN_EXTRA: {
          const n = LEN_EXTRA[this.sym];
          while (bc < n && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < n) break loop;
          this.copyLen = LEN_BASE[this.sym] + (bb & ((1 << n) - 1));
          bb >>>= n;
          bc -= n;
          this.state = S_DIST_SYM;
          continue;
        }
        case S_DIST_SYM: {
          while (bc < 15 && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          const s = this.decode(this.distTable, DMASK, DROOT, bb, bc);
          if (s === -1) break loop;
          if (s === -2 || s > 29) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          bb >>>= this.codeLen;
          bc -= this.codeLen;
          this.sym = s;
          this.state = S_DIST_EXTRA;
          continue;
        }
        case S_DIST_EXTRA: {
          const n = DIST_EXTRA[this.sym];
          while (bc < n && pos < end) {
            bb |= inp[pos++] << bc;
            bc += 8;
          }
          if (bc < n) break loop;
          const d = DIST_BASE[this.sym] + (bb & ((1 << n) - 1));
          bb >>>= n;
          bc -= n;
          if (d > this.totalOut + (op - outBase)) {
            status = INFLATE_ERR_DATA; // distance too far back
            this.state = S_ERROR;
            break loop;
          }
          this.copyDist = d;
          this.state = S_COPY;
          continue;
        }
        case S_COPY: {
          let n = this.copyLen;
          let wp = this.wpos;
          let src = (wp - this.copyDist) & WMASK;
          while (n > 0 && op < oend) {
            const b = win[src];
            out[op++] = b;
            win[wp] = b;
            wp = (wp + 1) & WMASK;
            src = (src + 1) & WMASK;
            n--;
          }
          this.wpos = wp;
          this.copyLen = n;
          if (n > 0) {
            status = INFLATE_OUTPUT_FULL;
            break loop;
          }
          this.state = S_LEN_SYM;
          continue;
        }
        case S_TRAILER: {
          // zlib: Adler-32 big-endian (4 bytes); gzip: CRC-32 then ISIZE, little-endian (8 bytes).
          const need = this.format === FORMAT_ZLIB ? 4 : 8;
          // Checksums over this call's output must be current before comparing.
          this.updateChecks(out, outOff, op);
          outOff = op;
          while (this.trailer < need) {
            if (bc < 8) {
              if (pos >= end) break loop;
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            const b = bb & 255;
            bb >>>= 8;
            bc -= 8;
            const i = this.trailer++;
            if (i < 4) this.chk1 = this.format === FORMAT_ZLIB ? ((this.chk1 << 8) | b) : (this.chk1 | (b << (8 * i)));
            else this.chk2 |= b << (8 * (i - 4));
          }
          let ok: boolean;
          if (this.format === FORMAT_ZLIB) ok = (this.chk1 >>> 0) === (((this.adlerB << 16) | this.adlerA) >>> 0);
          else {
            ok = (this.chk1 >>> 0) === ((this.crc ^ -1) >>> 0) &&
              (this.chk2 >>> 0) === ((this.totalOut + (op - outBase)) >>> 0);
          }
          if (!ok) {
            status = INFLATE_ERR_CHECK;
            this.state = S_ERROR;
            break loop;
          }
          this.state = S_DONE;
          continue;
        }
        case S_DONE:
          // Unused whole bytes left in the bit buffer belong to whatever follows the stream.
          pos -= bc >>> 3;
          if (pos < inOff) pos = inOff;
          bb = 0;
          bc = 0;
          status = INFLATE_DONE;
          break loop;
        default:
          status = INFLATE_ERR_DATA;
          break loop;
      }
    }
    this.bitbuf = bb;
    this.bitcnt = bc;
    this.updateChecks(out, outOff, op);
    this.inUsed = pos - inOff;
    this.outUsed = op - outBase;
    this.totalOut += this.outUsed;
    return status;
  }

  /** Runs checksums over `out[from .. to)` (zlib: Adler-32, gzip: CRC-32). */
  private updateChecks(out: Uint8Array, from: number, to: number): void {
    if (this.format === FORMAT_GZIP) {
      this.crc = crc32(this.crc, out, from, to);
    } else if (this.format === FORMAT_ZLIB) {
      let a = this.adlerA;
      let b = this.adlerB;
      let i = from;
      while (i < to) {
        const stop = Math.min(to, i + 3800);
        for (; i < stop; i++) {
          a += out[i];
          b += a;
        }
        a %= 65521;
        b %= 65521;
      }
      this.adlerA = a;
      this.adlerB = b;
    }
  }

  /**
   * Decodes one Huffman symbol from the low `bc` bits of `bb` (bits above `bc` are zero) without
   * consuming them; the code length goes to `codeLen`. Returns the symbol, -1 when more bits are
   * needed, -2 for a code not in the table.
   */
  private decode(t: Int32Array, mask: number, root: number, bb: number, bc: number): number {
    let e = t[bb & mask];
    if ((e & LINK) !== 0) e = t[((e >>> 4) & 0xffff) + ((bb >>> root) & ((1 << (e & 15)) - 1))];
    if (e === 0) return bc >= 15 ? -2 : -1;
    const len = e & 15;
    if (len > bc) return -1;
    this.codeLen = len;
    return e >>> 4;
  }

  /**
   * The hot loop, entered in S_LEN_SYM with at least FAST_IN input bytes and FAST_OUT output bytes
   * left: decodes whole literal / length-distance pairs with a 31-bit bit buffer (kept below 2^31 so that it
   * stays a small integer for the JIT), writing to `out`
   * only, and brings the window up to date on the way out. Stops at the end of the block (state
   * S_BLOCK) or when the margins run out (state unchanged). Returns 0 or an INFLATE_ERR_* code.
   * Bits, positions in and out travel through `bitbuf`, `bitcnt`, `fPos` and `fOp`.
   */
  private fast(inp: Uint8Array, inOff: number, end: number, out: Uint8Array, oend: number, outBase: number): number {
    let bb = this.bitbuf;
    let bc = this.bitcnt;
    let pos = this.fPos;
    let op = this.fOp;
    const lt = this.lenTable;
    const dt = this.distTable;
    const win = this.window;
    const start = op; // out[start .. op) is not yet in the window
    const inLast = end - FAST_IN;
    const outLast = oend - FAST_OUT;
    const history = this.totalOut - outBase; // + op = bytes of history available
    let status = 0;
    while (pos <= inLast && op <= outLast) {
      while (bc <= 23) {
        bb |= inp[pos++] << bc;
        bc += 8;
      }
      let e = lt[bb & LMASK];
      if ((e & LINK) !== 0) e = lt[((e >>> 4) & 0xffff) + ((bb >>> LROOT) & ((1 << (e & 15)) - 1))];
      let s = e >>> 4;
      let l = e & 15;
      bb >>>= l;
      bc -= l;
      if (s < 256) {
        if (e === 0) {
          status = INFLATE_ERR_DATA;
          break;
        }
        out[op++] = s;
        // Often a second literal fits in the bits left (bc >= 9 here).
        e = lt[bb & LMASK];
        l = e & 15;
        if (e !== 0 && (e & LINK) === 0 && l <= bc && (e >>> 4) < 256) {
          out[op++] = e >>> 4;
          bb >>>= l;
          bc -= l;
        }
        continue;
      }
      if (s === 256) {
        this.state = S_BLOCK;
        break;
      }
      if (s > 285) {
        status = INFLATE_ERR_DATA;
        break;
      }
      s -= 257;
      let n = LEN_EXTRA[s];
      const len = LEN_BASE[s] + (bb & ((1 << n) - 1));
      bb >>>= n;
      bc -= n;
      while (bc <= 23) {
        bb |= inp[pos++] << bc;
        bc += 8;
      }
      e = dt[bb & DMASK];
      if ((e & LINK) !== 0) e = dt[((e >>> 4) & 0xffff) + ((bb >>> DROOT) & ((1 << (e & 15)) - 1))];
      s = e >>> 4;
      if (e === 0 || s > 29) {
        status = INFLATE_ERR_DATA;
        break;
      }
      l = e & 15;
      bb >>>= l;
      bc -= l;
      n = DIST_EXTRA[s];
      if (bc < n) {
        while (bc <= 23) {
          bb |= inp[pos++] << bc;
          bc += 8;
        }
      }
      const d = DIST_BASE[s] + (bb & ((1 << n) - 1));
      bb >>>= n;
      bc -= n;
      if (d > history + op) {
        status = INFLATE_ERR_DATA; // distance too far back
        break;
      }
      let from = op - d;
      let k = len;
      if (from < start) {
        // The first bytes come from the window (output of earlier calls or steps).
        let wi = (this.wpos - (start - from)) & WMASK;
        let m = start - from < k ? start - from : k;
        k -= m;
        while (m-- > 0) {
          out[op++] = win[wi];
          wi = (wi + 1) & WMASK;
        }
        from = start;
      }
      if (k >= 16 && op - from >= k) {
        out.copyWithin(op, from, from + k);
        op += k;
      } else {
        while (k-- > 0) out[op++] = out[from++];
      }
    }
    // Give back whole bytes beyond 15 bits (they belong to this call's input), as the slow path keeps.
    while (bc >= 16 && pos > inOff) {
      pos--;
      bc -= 8;
    }
    bb &= (1 << bc) - 1;
    if (status !== 0) this.state = S_ERROR;
    // Window: the last WSIZE bytes of out[start .. op).
    let from = op - start > WSIZE ? op - WSIZE : start;
    let wp = this.wpos;
    while (from < op) {
      win[wp] = out[from++];
      wp = (wp + 1) & WMASK;
    }
    this.wpos = wp;
    this.bitbuf = bb;
    this.bitcnt = bc;
    this.fPos = pos;
    this.fOp = op;
    return status;
  }
}

/** Inflaters shared by a parser's flows, handed out by index while a compressed body is received. */
export class InflaterPool extends SlotPool {
  readonly items: Inflater[] = [];
  constructor(n: number) {
    super(n);
    for (let i = 0; i < n; i++) this.items.push(new Inflater());
  }
}
