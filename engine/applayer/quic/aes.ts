/**
 * AES-128, encrypt direction only (FIPS-197), and AES-128-GCM decryption with tag check (NIST SP 800-38D)
 * — what QUIC Initial packets need: ECB on one block for header protection, CTR for the payload, GHASH
 * for the tag. Tables (S-box, T-tables, GHASH reduction) are computed once at module load.
 *
 * Never allocates after construction and never throws: keys and blocks are read from and written to
 * caller-owned byte ranges; `setKey` expands into the instance's own arrays.
 *
 * @example
 * ```ts
 * import { Aes128Gcm } from "./aes.ts";
 * const g = new Aes128Gcm();
 * const key = new Uint8Array(16);
 * g.setKey(key, 0);
 * const out = new Uint8Array(16);
 * g.encryptBlock(new Uint8Array(16), 0, out, 0); // 66e94bd4ef8a2c3b884cfa59ca342b2e
 * // g.open(nonce, 0, aad, aOff, aLen, ct, cOff, cLen, tag, tOff, out, oOff) → true when the tag matches
 * ```
 */

const SBOX = new Uint8Array(256);
const TE0 = new Uint32Array(256);
const TE1 = new Uint32Array(256);
const TE2 = new Uint32Array(256);
const TE3 = new Uint32Array(256);
const RCON = new Uint8Array([0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36]);

function xtime(x: number): number {
  return ((x << 1) ^ (x & 0x80 ? 0x11b : 0)) & 0xff;
}

(function buildTables(): void {
  // multiplicative inverse via log/antilog tables over generator 3
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x);
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]) % 255];
    let s = inv;
    let r = inv;
    for (let k = 0; k < 4; k++) {
      r = ((r << 1) | (r >>> 7)) & 0xff;
      s ^= r;
    }
    SBOX[i] = s ^ 0x63;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i];
    const s2 = xtime(s);
    const s3 = s2 ^ s;
    const t = ((s2 << 24) | (s << 16) | (s << 8) | s3) >>> 0;
    TE0[i] = t;
    TE1[i] = ((t >>> 8) | (t << 24)) >>> 0;
    TE2[i] = ((t >>> 16) | (t << 16)) >>> 0;
    TE3[i] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

/** GHASH 4-bit reduction constants (Shoup's table), pre-shifted into the top 16 bits of the high word. */
const LAST4 = new Uint32Array([
  0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
  0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0,
]);

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** AES-128 block encryption with a key set by `setKey`. */
export class Aes128 {
  private readonly rk = new Uint32Array(44);

  /** Expands the 16-byte key at `key[off]`. */
  setKey(key: Uint8Array, off: number): void {
    const rk = this.rk;
    for (let i = 0; i < 4; i++) rk[i] = be32(key, off + 4 * i);
    for (let i = 4; i < 44; i++) {
      let t = rk[i - 1];
      if ((i & 3) === 0) {
        t = ((SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) | (SBOX[t & 0xff] << 8) |
          SBOX[t >>> 24]) ^ (RCON[(i >>> 2) - 1] << 24);
      }
      rk[i] = (rk[i - 4] ^ t) >>> 0;
    }
  }

  /** Encrypts the 16 bytes at `src[sOff]` into `dst[dOff]` (the two may be the same range). */
  encryptBlock(src: Uint8Array, sOff: number, dst: Uint8Array, dOff: number): void {
    const rk = this.rk;
    let s0 = be32(src, sOff) ^ rk[0];
    let s1 = be32(src, sOff + 4) ^ rk[1];
    let s2 = be32(src, sOff + 8) ^ rk[2];
    let s3 = be32(src, sOff + 12) ^ rk[3];
    let k = 4;
    for (let r = 1; r < 10; r++) {
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 0xff] ^ TE2[(s2 >>> 8) & 0xff] ^ TE3[s3 & 0xff] ^ rk[k];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 0xff] ^ TE2[(s3 >>> 8) & 0xff] ^ TE3[s0 & 0xff] ^ rk[k + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 0xff] ^ TE2[(s0 >>> 8) & 0xff] ^ TE3[s1 & 0xff] ^ rk[k + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 0xff] ^ TE2[(s1 >>> 8) & 0xff] ^ TE3[s2 & 0xff] ^ rk[k + 3];
      s0 = t0 >>> 0;
      s1 = t1 >>> 0;
      s2 = t2 >>> 0;
      s3 = t3 >>> 0;
      k += 4;
    }
    this.lastRound(dst, dOff, s0, s1, s2, s3, rk[40]);
    this.lastRound(dst, dOff + 4, s1, s2, s3, s0, rk[41]);
    this.lastRound(dst, dOff + 8, s2, s3, s0, s1, rk[42]);
    this.lastRound(dst, dOff + 12, s3, s0, s1, s2, rk[43]);
  }

  private lastRound(dst: Uint8Array, o: number, a: number, b: number, c: number, d: number, k: number): void {
    dst[o] = SBOX[a >>> 24] ^ (k >>> 24);
    dst[o + 1] = SBOX[(b >>> 16) & 0xff] ^ ((k >>> 16) & 0xff);
    dst[o + 2] = SBOX[(c >>> 8) & 0xff] ^ ((k >>> 8) & 0xff);
    dst[o + 3] = SBOX[d & 0xff] ^ (k & 0xff);
  }
}

/** AES-128-GCM with a 12-byte nonce and a 16-byte tag: decryption (`open`) only. */
export class Aes128Gcm extends Aes128 {
  /** Shoup's 4-bit multiplication table for H: entry i is 4 big-endian words. */
  private readonly m = new Uint32Array(64);
  /** The GHASH accumulator (4 words, big-endian). */
  private readonly y = new Uint32Array(4);
  private readonly block = new Uint8Array(16);
  private readonly ctr = new Uint8Array(16);
  private readonly ks = new Uint8Array(16);

  override setKey(key: Uint8Array, off: number): void {
    super.setKey(key, off);
    const h = this.block;
    h.fill(0);
    this.encryptBlock(h, 0, h, 0);
    const m = this.m;
    let v0 = be32(h, 0);
    let v1 = be32(h, 4);
    let v2 = be32(h, 8);
    let v3 = be32(h, 12);
    m.fill(0);
    m[32] = v0, m[33] = v1, m[34] = v2, m[35] = v3;
    for (let i = 4; i > 0; i >>= 1) {
      const t = (v3 & 1) !== 0 ? 0xe1000000 : 0;
      v3 = ((v3 >>> 1) | (v2 << 31)) >>> 0;
      v2 = ((v2 >>> 1) | (v1 << 31)) >>> 0;
      v1 = ((v1 >>> 1) | (v0 << 31)) >>> 0;
      v0 = ((v0 >>> 1) ^ t) >>> 0;
      m[i * 4] = v0, m[i * 4 + 1] = v1, m[i * 4 + 2] = v2, m[i * 4 + 3] = v3;
    }
    for (let i = 2; i <= 8; i *= 2) {
      for (let j = 1; j < i; j++) {
        for (let w = 0; w < 4; w++) m[(i + j) * 4 + w] = m[i * 4 + w] ^ m[j * 4 + w];
      }
    }
  }

  /** y = (y ^ x) · H, x being the 16 bytes at `x[o]` (zero-padded past `n` bytes). */
  private ghashBlock(x: Uint8Array, o: number, n: number): void {
    const b = this.block;
    const y = this.y;
    for (let i = 0; i < 16; i++) b[i] = i < n ? x[o + i] : 0;
    for (let w = 0; w < 4; w++) {
      const j = w * 4;
      const v = (y[w] ^ be32(b, j)) >>> 0;
      b[j] = v >>> 24, b[j + 1] = (v >>> 16) & 0xff, b[j + 2] = (v >>> 8) & 0xff, b[j + 3] = v & 0xff;
    }
    const m = this.m;
    let lo = b[15] & 0xf;
    let z0 = m[lo * 4];
    let z1 = m[lo * 4 + 1];
    let z2 = m[lo * 4 + 2];
    let z3 = m[lo * 4 + 3];
    for (let i = 15; i >= 0; i--) {
      lo = b[i] & 0xf;
      const hi = b[i] >>> 4;
      if (i !== 15) {
        const rem = z3 & 0xf;
        z3 = ((z3 >>> 4) | (z2 << 28)) >>> 0;
        z2 = ((z2 >>> 4) | (z1 << 28)) >>> 0;
        z1 = ((z1 >>> 4) | (z0 << 28)) >>> 0;
        z0 = ((z0 >>> 4) ^ (LAST4[rem] << 16)) >>> 0;
        z0 ^= m[lo * 4], z1 ^= m[lo * 4 + 1], z2 ^= m[lo * 4 + 2], z3 ^= m[lo * 4 + 3];
      }
      const rem = z3 & 0xf;
      z3 = ((z3 >>> 4) | (z2 << 28)) >>> 0;
      z2 = ((z2 >>> 4) | (z1 << 28)) >>> 0;
      z1 = ((z1 >>> 4) | (z0 << 28)) >>> 0;
      z0 = ((z0 >>> 4) ^ (LAST4[rem] << 16)) >>> 0;
      z0 ^= m[hi * 4], z1 ^= m[hi * 4 + 1], z2 ^= m[hi * 4 + 2], z3 ^= m[hi * 4 + 3];
    }
    y[0] = z0 >>> 0, y[1] = z1 >>> 0, y[2] = z2 >>> 0, y[3] = z3 >>> 0;
  }

  private ghash(x: Uint8Array, o: number, n: number): void {
    for (let i = 0; i < n; i += 16) this.ghashBlock(x, o + i, n - i < 16 ? n - i : 16);
  }

  /**
   * Decrypts `cLen` bytes of ciphertext at `ct[cOff]` into `out[oOff]` (may be the same range) and checks
   * the 16-byte tag at `tag[tOff]` over the `aLen` bytes of associated data at `aad[aOff]`. Returns false
   * (and the plaintext must not be used) when the tag does not match.
   */
  open(
    nonce: Uint8Array, nOff: number,
    aad: Uint8Array, aOff: number, aLen: number,
    ct: Uint8Array, cOff: number, cLen: number,
    tag: Uint8Array, tOff: number,
    out: Uint8Array, oOff: number,
  ): boolean {
    const y = this.y;
    y[0] = y[1] = y[2] = y[3] = 0;
    this.ghash(aad, aOff, aLen);
    this.ghash(ct, cOff, cLen);
    // length block: bit lengths of A and C, 64-bit big-endian each
    const b = this.ks;
    b.fill(0);
    const ab = aLen * 8;
    const cb = cLen * 8;
    b[3] = Math.floor(ab / 4294967296) & 0xff;
    b[4] = ab >>> 24, b[5] = (ab >>> 16) & 0xff, b[6] = (ab >>> 8) & 0xff, b[7] = ab & 0xff;
    b[11] = Math.floor(cb / 4294967296) & 0xff;
    b[12] = cb >>> 24, b[13] = (cb >>> 16) & 0xff, b[14] = (cb >>> 8) & 0xff, b[15] = cb & 0xff;
    this.ghashBlock(b, 0, 16);
    // tag = E(J0) ^ GHASH, J0 = nonce || 1
    const c = this.ctr;
    for (let i = 0; i < 12; i++) c[i] = nonce[nOff + i];
    c[12] = 0, c[13] = 0, c[14] = 0, c[15] = 1;
    this.encryptBlock(c, 0, b, 0);
    let diff = 0;
    for (let w = 0; w < 4; w++) {
      const v = y[w];
      const j = w * 4;
      diff |= (b[j] ^ (v >>> 24) ^ tag[tOff + j]) | (b[j + 1] ^ ((v >>> 16) & 0xff) ^ tag[tOff + j + 1]) |
        (b[j + 2] ^ ((v >>> 8) & 0xff) ^ tag[tOff + j + 2]) | (b[j + 3] ^ (v & 0xff) ^ tag[tOff + j + 3]);
    }
    if (diff !== 0) return false;
    // CTR from J0 + 1
    let n = 1;
    for (let i = 0; i < cLen; i += 16) {
      n++;
      c[12] = (n >>> 24) & 0xff, c[13] = (n >>> 16) & 0xff, c[14] = (n >>> 8) & 0xff, c[15] = n & 0xff;
      this.encryptBlock(c, 0, b, 0);
      const k = cLen - i < 16 ? cLen - i : 16;
      for (let j = 0; j < k; j++) out[oOff + i + j] = ct[cOff + i + j] ^ b[j];
    }
    return true;
  }
}
