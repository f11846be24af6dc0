/**
 * The block framing MD5, SHA-1 and SHA-256 share (Merkle–Damgård over 64-byte blocks): bytes gathered
 * into a block, `compress` run on each full one, and the final padding — 0x80, zeros, the message
 * length in bits in the last 8 bytes (little-endian for MD5, big-endian for SHA). A hash extends it with
 * its state words, `compress` and `final`.
 *
 * Never allocates after construction and never throws: `update` reads only inside `buf`.
 *
 * @example
 * ```ts
 * import { BlockHash } from "./block-hash.ts";
 * class Xor extends BlockHash {
 *   x = 0;
 *   protected compress(): void { for (let i = 0; i < 64; i++) this.x ^= this.block[i]; }
 * }
 * const h = new Xor();
 * h.update(new Uint8Array([1, 2, 3]), 0, 3);
 * ```
 */
export abstract class BlockHash {
  protected readonly block = new Uint8Array(64);
  protected blockLen = 0;
  protected total = 0;

  /** Runs the compression function on the full `block`. */
  protected abstract compress(): void;

  /** Starts a new digest (a hash also resets its state words, then calls this). */
  reset(): void {
    this.blockLen = 0;
    this.total = 0;
  }

  /** Adds `len` bytes of `buf` from `off`. */
  update(buf: Uint8Array, off: number, len: number): void {
    let end = off + len;
    if (end > buf.length) end = buf.length;
    if (off < 0) off = 0;
    const block = this.block;
    for (let i = off; i < end; i++) {
      block[this.blockLen++] = buf[i];
      if (this.blockLen === 64) {
        this.compress();
        this.blockLen = 0;
      }
    }
    if (end > off) this.total += end - off;
  }

  /** Adds one byte. */
  updateByte(b: number): void {
    this.block[this.blockLen++] = b;
    this.total++;
    if (this.blockLen === 64) {
      this.compress();
      this.blockLen = 0;
    }
  }

  /** Pads the message, appends its bit length and compresses the last block(s); `final` then reads the state. */
  protected pad(littleEndian: boolean): void {
    const total = this.total;
    const block = this.block;
    block[this.blockLen++] = 0x80;
    if (this.blockLen > 56) {
      while (this.blockLen < 64) block[this.blockLen++] = 0;
      this.compress();
      this.blockLen = 0;
    }
    while (this.blockLen < 56) block[this.blockLen++] = 0;
    const lo = (total * 8) >>> 0;
    const hi = Math.floor(total / 536870912) >>> 0;
    if (littleEndian) {
      writeLe32(block, 56, lo);
      writeLe32(block, 60, hi);
    } else {
      writeBe32(block, 56, hi);
      writeBe32(block, 60, lo);
    }
    this.compress();
    this.blockLen = 0;
  }
}

/** Writes `v` big-endian at `out[off]`. */
export function writeBe32(out: Uint8Array, off: number, v: number): void {
  out[off] = v >>> 24;
  out[off + 1] = v >>> 16;
  out[off + 2] = v >>> 8;
  out[off + 3] = v;
}

/** Writes `v` little-endian at `out[off]`. */
export function writeLe32(out: Uint8Array, off: number, v: number): void {
  out[off] = v;
  out[off + 1] = v >>> 8;
  out[off + 2] = v >>> 16;
  out[off + 3] = v >>> 24;
}
