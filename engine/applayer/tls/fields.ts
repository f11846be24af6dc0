/**
 * Per-flow TLS facts kept after the handshake messages that carried them are gone: SNI, ALPN, JA3/JA3S
 * strings and hashes, JA4, the leaf certificate's subject/issuer/serial/fingerprint and validity, the
 * versions and the cipher. One fixed region of one `Uint8Array` per slot, laid out at construction.
 *
 * Never allocates after construction; writers stop at a field's capacity (`truncated` counts it).
 *
 * @example
 * ```ts
 * import { TlsFields, TF_SNI } from "./fields.ts";
 * const f = new TlsFields(4, { sniBytes: 256, ja3Bytes: 1024, nameBytes: 512 });
 * f.clear(0);
 * f.begin(0, TF_SNI);
 * f.putByte(0x61);
 * f.end();
 * f.len[0 * f.count + TF_SNI]; // 1
 * ```
 */

export const TF_SNI = 0;
export const TF_ALPN = 1; // client's ALPN values back to back; see alpnCount / alpnOff / alpnLen
export const TF_SALPN = 2; // the ALPN value the server selected
export const TF_JA3 = 3;
export const TF_JA3_HASH = 4;
export const TF_JA3S = 5;
export const TF_JA3S_HASH = 6;
export const TF_JA4 = 7;
export const TF_SUBJECT = 8;
export const TF_ISSUER = 9;
export const TF_SERIAL = 10;
export const TF_FINGERPRINT = 11;
export const TF_COUNT = 12;

/** Client ALPN values remembered per flow. */
export const MAX_ALPN = 8;

export interface TlsFieldSizes {
  /** Bytes of SNI kept. */
  sniBytes: number;
  /** Bytes of JA3 string kept (the hash always covers the whole string). */
  ja3Bytes: number;
  /** Bytes of certificate subject / issuer text kept. */
  nameBytes: number;
}

export class TlsFields {
  readonly count = TF_COUNT;
  readonly data: Uint8Array;
  readonly stride: number;
  private readonly fieldOff = new Int32Array(TF_COUNT);
  readonly fieldCap = new Int32Array(TF_COUNT);
  /** Length of each field per slot: `len[slot * TF_COUNT + field]`. */
  readonly len: Int32Array;
  readonly alpnCount: Uint8Array;
  readonly alpnOff: Uint16Array;
  readonly alpnLen: Uint16Array;
  /** Leaf certificate validity, seconds since the epoch (NaN when unknown). */
  readonly notBefore: Float64Array;
  readonly notAfter: Float64Array;
  /** Field values that did not fit and were cut. */
  truncated = 0;

  // the field being written
  private wBase = 0;
  private wLen = 0;
  private wCap = 0;
  private wIdx = 0;

  constructor(slots: number, sizes: TlsFieldSizes) {
    const caps = [sizes.sniBytes, 256, 64, sizes.ja3Bytes, 32, 256, 32, 36, sizes.nameBytes, sizes.nameBytes, 64, 59];
    let off = 0;
    for (let f = 0; f < TF_COUNT; f++) {
      this.fieldOff[f] = off;
      this.fieldCap[f] = caps[f];
      off += caps[f];
    }
    this.stride = off;
    this.data = new Uint8Array(slots * off);
    this.len = new Int32Array(slots * TF_COUNT);
    this.alpnCount = new Uint8Array(slots);
    this.alpnOff = new Uint16Array(slots * MAX_ALPN);
    this.alpnLen = new Uint16Array(slots * MAX_ALPN);
    this.notBefore = new Float64Array(slots).fill(NaN);
    this.notAfter = new Float64Array(slots).fill(NaN);
  }

  /** Bytes held per slot. */
  bytesPerSlot(): number {
    return this.stride + TF_COUNT * 4 + 1 + MAX_ALPN * 4 + 16;
  }

  /** Offset in `data` where `field` of `slot` starts. */
  base(slot: number, field: number): number {
    return slot * this.stride + this.fieldOff[field];
  }

  length(slot: number, field: number): number {
    return this.len[slot * TF_COUNT + field];
  }

  clear(slot: number): void {
    for (let f = 0; f < TF_COUNT; f++) this.len[slot * TF_COUNT + f] = 0;
    this.alpnCount[slot] = 0;
    this.notBefore[slot] = NaN;
    this.notAfter[slot] = NaN;
  }

  /** Starts (re)writing `field` of `slot`. */
  begin(slot: number, field: number): void {
    this.wBase = this.base(slot, field);
    this.wCap = this.fieldCap[field];
    this.wIdx = slot * TF_COUNT + field;
    this.wLen = 0;
  }

  putByte(b: number): void {
    if (this.wLen < this.wCap) this.data[this.wBase + this.wLen++] = b;
    else if (this.wLen === this.wCap) {
      this.truncated++;
      this.wLen++; // count once; clamped in end()
    }
  }

  putBytes(src: Uint8Array, off: number, n: number): void {
    for (let i = 0; i < n; i++) this.putByte(src[off + i]);
  }

  /** Bytes written to the current field so far (clamped to its capacity). */
  written(): number {
    return this.wLen > this.wCap ? this.wCap : this.wLen;
  }

  end(): void {
    this.len[this.wIdx] = this.written();
  }

  /** Appends one client ALPN value (ignored past MAX_ALPN or the field's capacity). */
  addAlpn(slot: number, src: Uint8Array, off: number, n: number): void {
    const k = this.alpnCount[slot];
    const i = slot * TF_COUNT + TF_ALPN;
    const used = this.len[i];
    if (k >= MAX_ALPN || used + n > this.fieldCap[TF_ALPN]) {
      this.truncated++;
      return;
    }
    const b = this.base(slot, TF_ALPN) + used;
    for (let j = 0; j < n; j++) this.data[b + j] = src[off + j];
    this.alpnOff[slot * MAX_ALPN + k] = used;
    this.alpnLen[slot * MAX_ALPN + k] = n;
    this.alpnCount[slot] = k + 1;
    this.len[i] = used + n;
  }
}
