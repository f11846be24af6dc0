/**
 * Buffer transforms (`http.uri; url_decode; content:...`): applied in rule order to a copy of the
 * buffer before the block's keywords inspect it. Two preallocated scratch areas are used in turn; the
 * result is in `out[0, returned length)`. Output is bounded by the scratch size (longer input is cut).
 *
 * Hot path: no allocation.
 *
 * @example
 * ```ts
 * import { Transformer } from "./transform.ts";
 * import { Block, XF_TO_LOWERCASE } from "./signature.ts";
 * const t = new Transformer();
 * const src = new TextEncoder().encode("GET /A");
 * const n = t.apply(new Block(2, Int32Array.of(XF_TO_LOWERCASE), []), src, 0, src.length);
 * console.log(new TextDecoder().decode(t.out.subarray(0, n))); // "get /a"
 * ```
 */
import {
  type Block,
  XF_COMPRESS_WHITESPACE,
  XF_DOTPREFIX,
  XF_HEADER_LOWERCASE,
  XF_PCREXFORM,
  XF_STRIP_PSEUDO_HEADERS,
  XF_STRIP_WHITESPACE,
  XF_TO_LOWERCASE,
  XF_TO_UPPERCASE,
  XF_URL_DECODE,
  XF_URL_DECODE_UNI,
  XF_XOR,
} from "./signature.ts";

const SCRATCH = 65536;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 11 || c === 12 || c === 13;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export class Transformer {
  private readonly a = new Uint8Array(SCRATCH);
  private readonly b = new Uint8Array(SCRATCH);
  /** The last result (one of the two scratch areas). */
  out: Uint8Array = this.a;

  /** Applies the block's transforms to buf[start, start+len); the result is `out[0, returned)`. */
  apply(blk: Block, buf: Uint8Array, start: number, len: number): number {
    let src = buf;
    let s = start;
    let n = len;
    const xs = blk.transforms;
    for (let i = 0; i < xs.length; i++) {
      const dst = src === this.a ? this.b : this.a;
      n = this.one(xs[i], blk, src, s, n, dst);
      src = dst;
      s = 0;
    }
    this.out = src;
    return n;
  }

  private one(x: number, blk: Block, src: Uint8Array, s: number, n: number, dst: Uint8Array): number {
    const cap = dst.length;
    if (n > cap) n = cap;
    let o = 0;
    switch (x) {
      case XF_TO_LOWERCASE:
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          dst[o++] = c >= 65 && c <= 90 ? c + 32 : c;
        }
        return o;
      case XF_TO_UPPERCASE:
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          dst[o++] = c >= 97 && c <= 122 ? c - 32 : c;
        }
        return o;
      case XF_STRIP_WHITESPACE:
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          if (!isSpace(c)) dst[o++] = c;
        }
        return o;
      case XF_COMPRESS_WHITESPACE:
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          if (isSpace(c)) {
            if (o > 0 && isSpace(dst[o - 1])) continue;
          }
          dst[o++] = c;
        }
        return o;
      case XF_DOTPREFIX:
        if (n + 1 > cap) n = cap - 1;
        dst[o++] = 46;
        for (let i = 0; i < n; i++) dst[o++] = src[s + i];
        return o;
      case XF_URL_DECODE:
      case XF_URL_DECODE_UNI:
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          if (c === 37 && i + 2 < n + 0 && hexVal(src[s + i + 1]) >= 0 && hexVal(src[s + i + 2]) >= 0) {
            dst[o++] = (hexVal(src[s + i + 1]) << 4) | hexVal(src[s + i + 2]);
            i += 2;
          } else if (
            x === XF_URL_DECODE_UNI && c === 37 && i + 5 < n && (src[s + i + 1] | 32) === 117 &&
            hexVal(src[s + i + 2]) >= 0 && hexVal(src[s + i + 3]) >= 0 && hexVal(src[s + i + 4]) >= 0 &&
            hexVal(src[s + i + 5]) >= 0
          ) {
            dst[o++] = (hexVal(src[s + i + 4]) << 4) | hexVal(src[s + i + 5]);
            i += 5;
          } else if (c === 43) {
            dst[o++] = 32;
          } else {
            dst[o++] = c;
          }
        }
        return o;
      case XF_HEADER_LOWERCASE: {
        // lower-case header names: from line start to the first ':'
        let inName = true;
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          if (c === 10) inName = true;
          else if (c === 58) inName = false;
          dst[o++] = inName && c >= 65 && c <= 90 ? c + 32 : c;
        }
        return o;
      }
      case XF_STRIP_PSEUDO_HEADERS: {
        // drop lines starting with ':'
        let lineStart = true;
        let skip = false;
        for (let i = 0; i < n; i++) {
          const c = src[s + i];
          if (lineStart) skip = c === 58;
          if (!skip) dst[o++] = c;
          lineStart = c === 10;
        }
        return o;
      }
      case XF_XOR: {
        const key = blk.xorKey;
        if (key === null || key.length === 0) return 0;
        for (let i = 0; i < n; i++) dst[o++] = src[s + i] ^ key[i % key.length];
        return o;
      }
      case XF_PCREXFORM: {
        const re = blk.xformRegex;
        if (re === null || !re.exec(src, s, s + n)) return 0;
        // the first capture group becomes the buffer (the whole match when there is none)
        let a = re.matchStart;
        let e = re.matchEnd;
        const gs = re.groupStart;
        const ge = re.groupEnd;
        if (gs !== undefined && ge !== undefined && gs.length > 1 && gs[1] >= 0) {
          a = gs[1];
          e = ge[1];
        }
        for (let i = a; i < e; i++) dst[o++] = src[i];
        return o;
      }
      default:
        for (let i = 0; i < n; i++) dst[o++] = src[s + i];
        return o;
    }
  }
}
