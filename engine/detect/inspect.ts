/**
 * Content inspection: runs a block's keywords (content, pcre, byte_test/jump/extract/math, isdataat,
 * bsize, base64_decode) over one buffer, with Suricata's semantics — relative matches follow the end
 * of the previous match, and when a later keyword fails the previous content or pcre is retried at
 * its next occurrence if (and only if) the later keyword depends on it (`within`, relative pcre).
 *
 * Hot path: no allocation. Recursion depth is bounded by the block's keyword count and the total work
 * by `recursionLimit` per block evaluation (Suricata's inspection-recursion-limit).
 *
 * @example
 * ```ts
 * import { ContentInspector } from "./inspect.ts";
 * import { Block, BlockOp, OP_CONTENT } from "./signature.ts";
 * const op = new BlockOp(OP_CONTENT);
 * op.pattern = new TextEncoder().encode("abc");
 * const ci = new ContentInspector();
 * const buf = new TextEncoder().encode("xxabcxx");
 * ci.inspect(new Block(0, new Int32Array(0), [op]), buf, 0, buf.length, 0); // true
 * ```
 */
import {
  type Block,
  type BlockOp,
  cmpNum,
  OP_BASE64_DECODE,
  OP_BSIZE,
  OP_BYTE_EXTRACT,
  OP_BYTE_JUMP,
  OP_BYTE_MATH,
  OP_BYTE_TEST,
  OP_CONTENT,
  OP_ISDATAAT,
  OP_PCRE,
  OP_URILEN,
} from "./signature.ts";

const LOWER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LOWER[i] = i >= 65 && i <= 90 ? i + 32 : i;

/** Finds `pat` (lower-cased when nocase) in buf[from, to); returns the start index or -1. */
export function findBytes(buf: Uint8Array, from: number, to: number, pat: Uint8Array, nocase: boolean): number {
  const n = pat.length;
  if (n === 0) return from <= to ? from : -1;
  const last = to - n;
  const p0 = pat[0];
  if (nocase) {
    for (let i = from; i <= last; i++) {
      if (LOWER[buf[i]] !== p0) continue;
      let k = 1;
      while (k < n && LOWER[buf[i + k]] === pat[k]) k++;
      if (k === n) return i;
    }
  } else {
    for (let i = from; i <= last; i++) {
      if (buf[i] !== p0) continue;
      let k = 1;
      while (k < n && buf[i + k] === pat[k]) k++;
      if (k === n) return i;
    }
  }
  return -1;
}

export const MAX_BYTE_VARS = 16;
const NO_MATCH = 0;
const MATCH = 1;
const DISCONTINUE = -1;

export class ContentInspector {
  /** byte_extract / byte_math values of the signature being evaluated. */
  readonly vars = new Float64Array(MAX_BYTE_VARS);
  /** Where the last match ended, relative to the view start (Suricata's buffer_offset). */
  bufferOffset = 0;
  /**
   * After a match: one past the furthest byte any keyword of the matching path depended on, relative to
   * the view start (content and pcre match ends, byte_test/byte_extract/byte_math/byte_jump read ends,
   * byte_jump targets, positive isdataat positions). Negated keywords, bsize and base64_decode add
   * nothing. A raw-stream match counts only when this reaches into the packet's new bytes.
   */
  reach = 0;
  /** Stream offset of the view's first byte (raw stream windows start past 0). */
  streamStart = 0;
  /** DCERPC little-endian data (for `dce` byte options). */
  dceLittle = true;
  recursionLimit = 3000;
  private recursion = 0;
  /** One past the last byte the latest byte_* keyword read. */
  private readEnd = 0;
  /** Times an evaluation stopped at the recursion limit. */
  limitHits = 0;
  /** Decoded base64 (base64_decode), bounded. */
  readonly b64 = new Uint8Array(65536);
  b64Len = 0;

  /**
   * Runs `block`'s ops over buf[start, start+len). Returns whether they all matched.
   * `streamStart`: the stream offset of buf[start] (0 for everything but raw stream windows).
   */
  inspect(block: Block, buf: Uint8Array, start: number, len: number, streamStart: number): boolean {
    this.bufferOffset = 0;
    this.reach = 0;
    this.recursion = 0;
    this.streamStart = streamStart;
    if (block.ops.length === 0) return true;
    return this.run(block, block.ops, 0, buf, start, len) === MATCH;
  }

  private run(block: Block, ops: BlockOp[], i: number, buf: Uint8Array, start: number, len: number): number {
    if (++this.recursion >= this.recursionLimit) {
      this.limitHits++;
      return DISCONTINUE;
    }
    const op = ops[i];
    const last = i === ops.length - 1;
    // how far this keyword looked (see `reach`), set by the simple keywords below
    let end = 0;
    switch (op.kind) {
      case OP_CONTENT:
        return this.content(block, ops, i, op, last, buf, start, len);
      case OP_PCRE:
        return this.pcre(block, ops, i, op, last, buf, start, len);
      case OP_ISDATAAT: {
        const at = op.valueVar >= 0 ? this.vars[op.valueVar] : op.value;
        let ok: boolean;
        if (op.relative) ok = this.bufferOffset + at <= len;
        else ok = at < len;
        if (!op.negated) end = op.relative ? this.bufferOffset + at : at + 1;
        if (op.negated) ok = !ok;
        if (!ok) return op.valueVar >= 0 ? NO_MATCH : DISCONTINUE;
        break;
      }
      case OP_BYTE_TEST:
        if (!this.byteTest(op, buf, start, len)) return NO_MATCH;
        end = this.readEnd;
        break;
      case OP_BYTE_JUMP:
        if (!this.byteJump(op, buf, start, len)) return NO_MATCH;
        // the jump target must exist too (a later relative keyword starts there)
        end = this.bufferOffset > this.readEnd ? this.bufferOffset : this.readEnd;
        break;
      case OP_BYTE_EXTRACT:
        if (!this.byteExtract(op, buf, start, len)) return NO_MATCH;
        end = this.readEnd;
        break;
      case OP_BYTE_MATH:
        if (!this.byteMath(op, buf, start, len)) return NO_MATCH;
        end = this.readEnd;
        break;
      case OP_BSIZE:
        if (!cmpNum(op.cmpOp, op.cmpA, op.cmpB, len + this.streamStart)) return DISCONTINUE;
        break;
      case OP_URILEN:
        if (!cmpNum(op.cmpOp, op.cmpA, op.cmpB, len > 65535 ? 65535 : len)) return DISCONTINUE;
        break;
      case OP_BASE64_DECODE: {
        let from = op.offset;
        if (op.relative) from += this.bufferOffset;
        if (from > len) return NO_MATCH;
        let n = len - from;
        if (op.count > 0 && op.count < n) n = op.count;
        this.b64Len = base64Lenient(buf, start + from, n, this.b64);
        if (this.b64Len > 0 && block.base64Ops !== null && block.base64Ops.length > 0) {
          const saveOffset = this.bufferOffset;
          const saveReach = this.reach;
          this.bufferOffset = 0;
          const r = this.run(block, block.base64Ops, 0, this.b64, 0, this.b64Len);
          this.bufferOffset = saveOffset;
          // positions in the decoded bytes are not positions in the view
          this.reach = saveReach;
          return r === MATCH ? MATCH : NO_MATCH;
        }
        if (block.base64Ops !== null && block.base64Ops.length > 0) return NO_MATCH;
        break;
      }
      default:
        return NO_MATCH;
    }
    // MATCH goes straight up the recursion, so only the keywords of the matching path extend `reach`
    const r = last ? MATCH : this.run(block, ops, i + 1, buf, start, len);
    if (r === MATCH && end > this.reach) this.reach = end;
    return r;
  }

  private content(
    block: Block,
    ops: BlockOp[],
    i: number,
    op: BlockOp,
    last: boolean,
    buf: Uint8Array,
    start: number,
    len: number,
  ): number {
    const plen = op.pattern.length;
    let prevOffset = 0;
    const prevBufferOffset = this.bufferOffset;
    const ss = this.streamStart;
    for (;;) {
      let depth = len;
      let offset = 0;
      if (op.relative) {
        offset = prevBufferOffset;
        let distance = 0;
        if (op.hasDistance) {
          distance = op.distanceVar >= 0 ? this.vars[op.distanceVar] : op.distance;
          if (distance < 0 && -distance > offset) offset = 0;
          else offset += distance;
        }
        if (op.hasWithin) {
          const w = op.withinVar >= 0 ? this.vars[op.withinVar] : op.within;
          if (depth > prevBufferOffset + w + distance) depth = prevBufferOffset + w + distance;
        }
        const d = op.depthVar >= 0 ? this.vars[op.depthVar] : op.depth;
        if (d !== 0 && d + prevBufferOffset < depth) depth = prevBufferOffset + d;
        const o = op.offsetVar >= 0 ? this.vars[op.offsetVar] : op.offset;
        if (o > offset) offset = o;
      } else {
        const d = op.depthVar >= 0 ? this.vars[op.depthVar] : op.depth;
        if (d !== 0) depth = d;
        offset = op.offsetVar >= 0 ? this.vars[op.offsetVar] : op.offset;
        if (ss !== 0) {
          // absolute positions count from the stream start, the view starts later
          if (d !== 0) {
            if (depth <= ss) return op.negated ? this.next(block, ops, i, last, buf, start, len) : NO_MATCH;
            depth -= ss;
          }
          offset = offset > ss ? offset - ss : 0;
        }
        if (op.offsetVar >= 0 || op.depthVar >= 0) depth += offset;
      }
      if (prevOffset !== 0) offset = prevOffset;
      if (depth > len) depth = len;
      if (offset > depth || depth === 0) {
        if (op.negated) return this.next(block, ops, i, last, buf, start, len);
        return NO_MATCH;
      }
      let found = -1;
      if (op.endsWith && depth < len) found = -1;
      else if (plen <= depth - offset) found = findBytes(buf, start + offset, start + depth, op.pattern, op.nocase);
      if (found >= 0 && op.startsWith && found - start !== 0) found = -1;
      if (found < 0) {
        if (op.negated) return this.next(block, ops, i, last, buf, start, len);
        return op.relative ? NO_MATCH : DISCONTINUE;
      }
      const matchOffset = found - start + plen;
      if (op.negated) {
        if (op.endsWith && matchOffset !== depth) return this.next(block, ops, i, last, buf, start, len);
        return op.relative ? NO_MATCH : DISCONTINUE;
      }
      this.bufferOffset = matchOffset;
      if (!op.endsWith || matchOffset === len) {
        const r = last ? MATCH : this.run(block, ops, i + 1, buf, start, len);
        if (r === MATCH && matchOffset > this.reach) this.reach = matchOffset;
        if (r !== NO_MATCH) return r;
        if (!op.withinNext) return DISCONTINUE;
      }
      prevOffset = matchOffset - plen + 1;
    }
  }

  private next(block: Block, ops: BlockOp[], i: number, last: boolean, buf: Uint8Array, start: number, len: number): number {
    return last ? MATCH : this.run(block, ops, i + 1, buf, start, len);
  }

  private pcre(
    block: Block,
    ops: BlockOp[],
    i: number,
    op: BlockOp,
    last: boolean,
    buf: Uint8Array,
    start: number,
    len: number,
  ): number {
    const re = op.regex;
    if (re === null) return NO_MATCH;
    const prevBufferOffset = this.bufferOffset;
    let from = op.relative ? prevBufferOffset : 0;
    for (;;) {
      if (from > len) return op.negated ? this.next(block, ops, i, last, buf, start, len) : NO_MATCH;
      const hit = re.exec(buf, start + from, start + len);
      if (op.negated) {
        if (hit) return NO_MATCH;
        return this.next(block, ops, i, last, buf, start, len);
      }
      if (!hit) return NO_MATCH;
      const end = re.matchEnd - start;
      this.bufferOffset = end;
      const r = last || !op.relativeNext ? this.next(block, ops, i, last, buf, start, len) : this.run(block, ops, i + 1, buf, start, len);
      if (r === MATCH && end > this.reach) this.reach = end;
      if (last || !op.relativeNext) return r;
      if (r !== NO_MATCH) return r;
      this.bufferOffset = prevBufferOffset;
      const nextFrom = re.matchStart - start + 1;
      if (nextFrom <= from) return NO_MATCH;
      from = nextFrom;
    }
  }

  /** Reads `count` bytes at buf[start+at] as a number per the op's endianness/string base; NaN when it cannot. */
  private read(op: BlockOp, count: number, buf: Uint8Array, start: number, len: number, at: number): number {
    // Suricata reads at most 8 bytes as a number (23 digits as a string); 0 bytes read as 0
    if (at < 0 || count < 0 || count > (op.stringBase !== 0 ? 23 : 10) || at + count > len) return NaN;
    if (count === 0) return 0;
    const p = start + at;
    if (op.stringBase !== 0) {
      let v = 0;
      let digits = 0;
      for (let k = 0; k < count; k++) {
        const c = buf[p + k];
        let d: number;
        if (c >= 48 && c <= 57) d = c - 48;
        else if (c >= 97 && c <= 102) d = c - 87;
        else if (c >= 65 && c <= 70) d = c - 55;
        else break;
        if (d >= op.stringBase) break;
        v = v * op.stringBase + d;
        digits++;
      }
      return digits === 0 ? NaN : v;
    }
    const little = op.dce ? this.dceLittle : !op.bigEndian;
    let v = 0;
    if (little) for (let k = count - 1; k >= 0; k--) v = v * 256 + buf[p + k];
    else for (let k = 0; k < count; k++) v = v * 256 + buf[p + k];
    return v;
  }

  private applyMask(op: BlockOp, v: number): number {
    if (op.bitmask === 0) return v;
    let m = op.bitmask;
    // value & mask, then shift right by the mask's trailing zero bits (Suricata)
    let r = Number(BigIntFree.and(v, m));
    while (m !== 0 && m % 2 === 0) {
      m = m / 2;
      r = Math.floor(r / 2);
    }
    return r;
  }

  private byteTest(op: BlockOp, buf: Uint8Array, start: number, len: number): boolean {
    const count = op.countVar >= 0 ? this.vars[op.countVar] : op.count;
    let at = op.offsetVar >= 0 ? this.vars[op.offsetVar] : op.offset;
    if (op.relative) at += this.bufferOffset;
    this.readEnd = at + count;
    let v = this.read(op, count, buf, start, len, at);
    if (v !== v) return false;
    v = this.applyMask(op, v);
    const x = op.valueVar >= 0 ? this.vars[op.valueVar] : op.value;
    let ok: boolean;
    switch (op.op) {
      case 0: // <
        ok = v < x;
        break;
      case 1: // >
        ok = v > x;
        break;
      case 2: // =
        ok = v === x;
        break;
      case 3: // &
        ok = BigIntFree.and(v, x) !== 0;
        break;
      case 4: // ^
        ok = BigIntFree.xor(v, x) !== 0;
        break;
      case 5: // <=
        ok = v <= x;
        break;
      case 6: // >=
        ok = v >= x;
        break;
      default:
        ok = false;
    }
    return op.negated ? !ok : ok;
  }

  private byteJump(op: BlockOp, buf: Uint8Array, start: number, len: number): boolean {
    const count = op.countVar >= 0 ? this.vars[op.countVar] : op.count;
    let at = op.offsetVar >= 0 ? this.vars[op.offsetVar] : op.offset;
    if (op.relative) at += this.bufferOffset;
    this.readEnd = at + count;
    let v = this.read(op, count, buf, start, len, at);
    if (v !== v) return false;
    v = this.applyMask(op, v);
    v *= op.multiplier;
    if (op.align && v % 4 !== 0) v += 4 - (v % 4);
    let pos: number;
    if (op.fromEnd) pos = len + v;
    else if (op.fromBeginning) pos = v;
    else pos = at + count + v;
    pos += op.postOffset;
    if (pos < 0) pos = 0; // a jump back past the start lands on the start (Suricata)
    if (pos > len) return false;
    this.bufferOffset = pos;
    return true;
  }

  private byteExtract(op: BlockOp, buf: Uint8Array, start: number, len: number): boolean {
    let at = op.offset;
    if (op.relative) at += this.bufferOffset;
    this.readEnd = at + op.count;
    let v = this.read(op, op.count, buf, start, len, at);
    if (v !== v) return false;
    v = this.applyMask(op, v);
    v *= op.multiplier;
    if (op.align > 1 && v % op.align !== 0) v += op.align - (v % op.align);
    this.vars[op.resultVar] = v;
    this.bufferOffset = at + op.count;
    return true;
  }

  private byteMath(op: BlockOp, buf: Uint8Array, start: number, len: number): boolean {
    const count = op.countVar >= 0 ? this.vars[op.countVar] : op.count;
    let at = op.offsetVar >= 0 ? this.vars[op.offsetVar] : op.offset;
    if (op.relative) at += this.bufferOffset;
    this.readEnd = at + count;
    let v = this.read(op, count, buf, start, len, at);
    if (v !== v) return false;
    const r = op.valueVar >= 0 ? this.vars[op.valueVar] : op.value;
    switch (op.op) {
      case 0:
        v = v + r;
        break;
      case 1:
        v = v - r;
        break;
      case 2:
        v = v * r;
        break;
      case 3:
        if (r === 0) return false;
        v = Math.floor(v / r);
        break;
      case 4:
        v = v * Math.pow(2, r);
        break;
      default:
        v = Math.floor(v / Math.pow(2, r));
    }
    v = this.applyMask(op, v);
    this.vars[op.resultVar] = v;
    return true;
  }
}

/** Bitwise and/xor on non-negative integers up to 2^53 without bigint (split into 32-bit halves). */
const BigIntFree = {
  and(a: number, b: number): number {
    const ah = Math.floor(a / 4294967296);
    const bh = Math.floor(b / 4294967296);
    return ((ah & bh) >>> 0) * 4294967296 + (((a >>> 0) & (b >>> 0)) >>> 0);
  },
  xor(a: number, b: number): number {
    const ah = Math.floor(a / 4294967296);
    const bh = Math.floor(b / 4294967296);
    return ((ah ^ bh) >>> 0) * 4294967296 + (((a >>> 0) ^ (b >>> 0)) >>> 0);
  },
};

const B64 = new Int16Array(256).fill(-1);
{
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < 64; i++) B64[alphabet.charCodeAt(i)] = i;
}

/** Suricata's lenient base64 for `base64_decode`: stops at the first byte that is not base64 (or '='). */
export function base64Lenient(buf: Uint8Array, at: number, n: number, out: Uint8Array): number {
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let k = 0; k < n; k++) {
    const c = buf[at + k];
    const d = B64[c];
    if (d < 0) {
      if (c === 61 || c === 32 || c === 10 || c === 13 || c === 9) {
        if (c === 61) break;
        continue;
      }
      break;
    }
    acc = ((acc << 6) | d) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= out.length) return o;
      out[o++] = (acc >>> bits) & 255;
    }
  }
  return o;
}
