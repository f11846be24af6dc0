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

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/**
 * Canonical Huffman table construction (count per length, symbols in code order). Returns < 0 when the
 * lengths over-subscribe the code space; incomplete codes are accepted (decode fails on a missing code).
 */
function buildHuffman(
  count: Int16Array,
  sym: Int16Array,
  offs: Int16Array,
  lengths: Uint8Array,
  start: number,
  n: number,
): number {
  for (let i = 0; i < 16; i++) count[i] = 0;
  for (let i = 0; i < n; i++) count[lengths[start + i]]++;
  if (count[0] === n) return 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left <<= 1;
    left -= count[len];
    if (left < 0) return -1;
  }
  offs[1] = 0;
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
  for (let i = 0; i < n; i++) {
    const l = lengths[start + i];
    if (l !== 0) sym[offs[l]++] = i;
  }
  return left;
}

const FIXED_LEN_COUNT = new Int16Array(16);
const FIXED_LEN_SYM = new Int16Array(288);
const FIXED_DIST_COUNT = new Int16Array(16);
const FIXED_DIST_SYM = new Int16Array(32);
{
  const l = new Uint8Array(320);
  const offs = new Int16Array(16);
  for (let i = 0; i < 144; i++) l[i] = 8;
  for (let i = 144; i < 256; i++) l[i] = 9;
  for (let i = 256; i < 280; i++) l[i] = 7;
  for (let i = 280; i < 288; i++) l[i] = 8;
  buildHuffman(FIXED_LEN_COUNT, FIXED_LEN_SYM, offs, l, 0, 288);
  for (let i = 0; i < 30; i++) l[i] = 5;
  buildHuffman(FIXED_DIST_COUNT, FIXED_DIST_SYM, offs, l, 0, 30);
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
  private readonly offs = new Int16Array(16);
  private readonly dynLenCount = new Int16Array(16);
  private readonly dynLenSym = new Int16Array(288);
  private readonly dynDistCount = new Int16Array(16);
  private readonly dynDistSym = new Int16Array(32);
  private readonly clCount = new Int16Array(16);
  private readonly clSym = new Int16Array(19);
  private lenCount: Int16Array = FIXED_LEN_COUNT;
  private lenSym: Int16Array = FIXED_LEN_SYM;
  private distCount: Int16Array = FIXED_DIST_COUNT;
  private distSym: Int16Array = FIXED_DIST_SYM;

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
            this.lenCount = FIXED_LEN_COUNT;
            this.lenSym = FIXED_LEN_SYM;
            this.distCount = FIXED_DIST_COUNT;
            this.distSym = FIXED_DIST_SYM;
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
          if (buildHuffman(this.clCount, this.clSym, this.offs, l, 0, 19) !== 0) {
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
            const s = this.decode(this.clCount, this.clSym, bb, bc);
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
            buildHuffman(this.dynLenCount, this.dynLenSym, this.offs, l, 0, this.hlit) < 0 ||
            buildHuffman(this.dynDistCount, this.dynDistSym, this.offs, l, this.hlit, this.hdist) < 0
          ) {
            status = INFLATE_ERR_DATA;
            this.state = S_ERROR;
            break loop;
          }
          this.lenCount = this.dynLenCount;
          this.lenSym = this.dynLenSym;
          this.distCount = this.dynDistCount;
          this.distSym = this.dynDistSym;
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
          // The hot loop: literals straight to the output while there is room.
          for (;;) {
            while (bc < 15 && pos < end) {
              bb |= inp[pos++] << bc;
              bc += 8;
            }
            const s = this.decode(this.lenCount, this.lenSym, bb, bc);
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
          const s = this.decode(this.distCount, this.distSym, bb, bc);
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
      let c = this.crc;
      for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ out[i]) & 255] ^ (c >>> 8);
      this.crc = c;
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
   * Decodes one Huffman symbol from the low `bc` bits of `bb` without consuming them; the code length
   * goes to `codeLen`. Returns the symbol, -1 when more bits are needed, -2 for a code not in the table.
   */
  private decode(count: Int16Array, sym: Int16Array, bb: number, bc: number): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      if (len > bc) return -1;
      code |= (bb >>> (len - 1)) & 1;
      const c = count[len];
      if (code - c < first) {
        this.codeLen = len;
        return sym[index + (code - first)];
      }
      index += c;
      first += c;
      first <<= 1;
      code <<= 1;
    }
    return -2;
  }
}
