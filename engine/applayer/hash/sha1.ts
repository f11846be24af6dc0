/**
 * SHA-1 (FIPS 180-4) over byte ranges, incremental, into caller-provided output. Used for TLS
 * certificate fingerprints and the `to_sha1` transform.
 *
 * Never allocates after construction and never throws: `update` reads only inside `buf`, `final`
 * writes 20 bytes at `out[outOff]`.
 *
 * @example
 * ```ts
 * import { Sha1 } from "./sha1.ts";
 * const h = new Sha1();
 * const out = new Uint8Array(20);
 * h.reset();
 * h.update(new TextEncoder().encode("abc"), 0, 3);
 * h.final(out, 0); // a9993e364706816aba3e25717850c26c9cd0d89d
 * ```
 */
import { BlockHash, writeBe32 } from "./block-hash.ts";

export class Sha1 extends BlockHash {
  private readonly h = new Int32Array(5);
  private readonly w = new Int32Array(80);

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
    h[4] = 0xc3d2e1f0 | 0;
    super.reset();
  }

  /** Finishes the digest: 20 bytes at `out[outOff]`. The hasher must be `reset` before reuse. */
  final(out: Uint8Array, outOff: number): void {
    this.pad(false);
    const h = this.h;
    for (let i = 0; i < 5; i++) writeBe32(out, outOff + i * 4, h[i]);
  }

  protected compress(): void {
    const w = this.w;
    const b8 = this.block;
    for (let i = 0; i < 16; i++) {
      const j = i * 4;
      w[i] = (b8[j] << 24) | (b8[j + 1] << 16) | (b8[j + 2] << 8) | b8[j + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    const h = this.h;
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
  }
}
