/**
 * MD5 (RFC 1321) over byte ranges, incremental, into caller-provided output. Used for JA3 / JA3S.
 *
 * Never allocates after construction and never throws: `update` reads only `buf[off, off+len)` (a range
 * outside `buf` reads as the bytes that exist), `final` writes 16 bytes at `out[outOff]`.
 *
 * @example
 * ```ts
 * import { Md5 } from "./md5.ts";
 * const h = new Md5();
 * const out = new Uint8Array(16);
 * h.reset();
 * h.update(new TextEncoder().encode("abc"), 0, 3);
 * h.final(out, 0); // 900150983cd24fb0d6963f7d28e17f72
 * ```
 */
import { BlockHash, writeLe32 } from "./block-hash.ts";

const S = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0;

export class Md5 extends BlockHash {
  private readonly h = new Int32Array(4);
  private readonly w = new Int32Array(16);

  constructor() {
    super();
    this.reset();
  }

  /** Starts a new digest. */
  override reset(): void {
    const h = this.h;
    h[0] = 0x67452301;
    h[1] = 0xefcdab89 | 0;
    h[2] = 0x98badcfe | 0;
    h[3] = 0x10325476;
    super.reset();
  }

  /** Finishes the digest: 16 bytes at `out[outOff]`. The hasher must be `reset` before reuse. */
  final(out: Uint8Array, outOff: number): void {
    this.pad(true);
    const h = this.h;
    for (let i = 0; i < 4; i++) writeLe32(out, outOff + i * 4, h[i]);
  }

  protected compress(): void {
    const w = this.w;
    const b8 = this.block;
    for (let i = 0; i < 16; i++) {
      const j = i * 4;
      w[i] = b8[j] | (b8[j + 1] << 8) | (b8[j + 2] << 16) | (b8[j + 3] << 24);
    }
    const h = this.h;
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const t = d;
      d = c;
      c = b;
      const x = (a + f + K[i] + w[g]) | 0;
      const s = S[i];
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
      a = t;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
  }
}
