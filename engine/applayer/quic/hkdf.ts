/**
 * HMAC-SHA-256 (RFC 2104) and the two HKDF steps QUIC Initial keys need (RFC 5869 Extract; TLS 1.3's
 * HKDF-Expand-Label, RFC 8446 §7.1, with an empty context and at most 32 bytes of output), on our own
 * SHA-256.
 *
 * Never allocates after construction and never throws: keys longer than a block are not supported
 * (QUIC's salts and secrets are 20 and 32 bytes) and are cut to 64 bytes.
 *
 * @example
 * ```ts
 * import { Hkdf, expandLabelInfo } from "./hkdf.ts";
 * const h = new Hkdf();
 * const salt = new Uint8Array(20), cid = new Uint8Array(8), prk = new Uint8Array(32), key = new Uint8Array(16);
 * h.extract(salt, 0, 20, cid, 0, 8, prk, 0);
 * const KEY = expandLabelInfo("quic key", 16); // cold: built once
 * h.expand(prk, 0, KEY, key, 0, 16);
 * ```
 */
import { Sha256 } from "../hash/sha256.ts";

/** The HkdfLabel structure for `label` (without "tls13 ") and an empty context, built once (cold path). */
export function expandLabelInfo(label: string, length: number): Uint8Array {
  const full = "tls13 " + label;
  const out = new Uint8Array(4 + full.length);
  out[0] = length >>> 8;
  out[1] = length & 0xff;
  out[2] = full.length;
  for (let i = 0; i < full.length; i++) out[3 + i] = full.charCodeAt(i);
  out[3 + full.length] = 0;
  return out;
}

export class Hkdf {
  private readonly sha = new Sha256();
  private readonly pad = new Uint8Array(64);
  private readonly key = new Uint8Array(64);
  private readonly inner = new Uint8Array(32);
  private readonly t = new Uint8Array(32);

  private begin(key: Uint8Array, off: number, len: number): void {
    const n = len > 64 ? 64 : len;
    const k = this.key;
    for (let i = 0; i < 64; i++) k[i] = i < n ? key[off + i] : 0;
    for (let i = 0; i < 64; i++) this.pad[i] = k[i] ^ 0x36;
    this.sha.reset();
    this.sha.update(this.pad, 0, 64);
  }

  private finish(out: Uint8Array, oOff: number): void {
    this.sha.final(this.inner, 0);
    for (let i = 0; i < 64; i++) this.pad[i] = this.key[i] ^ 0x5c;
    this.sha.reset();
    this.sha.update(this.pad, 0, 64);
    this.sha.update(this.inner, 0, 32);
    this.sha.final(out, oOff);
  }

  /** HMAC-SHA-256(key, msg) into 32 bytes at `out[oOff]`. */
  hmac(key: Uint8Array, kOff: number, kLen: number, msg: Uint8Array, mOff: number, mLen: number, out: Uint8Array, oOff: number): void {
    this.begin(key, kOff, kLen);
    this.sha.update(msg, mOff, mLen);
    this.finish(out, oOff);
  }

  /** HKDF-Extract(salt, ikm): the 32-byte pseudo-random key at `out[oOff]`. */
  extract(salt: Uint8Array, sOff: number, sLen: number, ikm: Uint8Array, iOff: number, iLen: number, out: Uint8Array, oOff: number): void {
    this.hmac(salt, sOff, sLen, ikm, iOff, iLen, out, oOff);
  }

  /**
   * HKDF-Expand(prk, info, n) for n ≤ 32 (one HMAC block): `n` bytes at `out[oOff]`. `info` is an
   * `expandLabelInfo` result for Expand-Label.
   */
  expand(prk: Uint8Array, pOff: number, info: Uint8Array, out: Uint8Array, oOff: number, n: number): void {
    this.begin(prk, pOff, 32);
    this.sha.update(info, 0, info.length);
    this.sha.updateByte(1);
    this.finish(this.t, 0);
    const m = n > 32 ? 32 : n;
    for (let i = 0; i < m; i++) out[oOff + i] = this.t[i];
  }
}
