/**
 * ClientHello and ServerHello bodies: versions, cipher suites, extensions (SNI, ALPN, supported_versions,
 * supported_groups, ec_point_formats, signature_algorithms), and the fingerprints built from them —
 * JA3 and JA3S (string + MD5, GREASE values left out as Suricata does) and JA4 (FoxIO's spec:
 * `t13d1516h2_8daaf6152771_e5627efa2ab1`). Results go into the flow's `TlsFields`.
 *
 * Never allocates after construction, never throws: a malformed hello returns an anomaly code (or 0),
 * and lists longer than the scratch arrays are cut (`cut` counts it).
 *
 * @example
 * ```ts
 * import { HelloReader } from "./hello.ts";
 * import { TlsFields } from "./fields.ts";
 * const fields = new TlsFields(1, { sniBytes: 256, ja3Bytes: 1024, nameBytes: 512 });
 * const h = new HelloReader();
 * const body = new Uint8Array(0); // a ClientHello body (after the 4-byte handshake header)
 * const err = h.client(body, 0, body.length, fields, 0);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { Md5 } from "../hash/md5.ts";
import { Sha256 } from "../hash/sha256.ts";
import { MAX_ALPN, TF_ALPN, TF_JA3, TF_JA3_HASH, TF_JA3S, TF_JA3S_HASH, TF_JA4, TF_SALPN, TF_SNI } from "./fields.ts";
import type { TlsFields } from "./fields.ts";

export const A_TLS_HANDSHAKE_INVALID_LENGTH = defineAnomaly("tls.handshake_invalid_length", "applayer");
export const A_TLS_MULTIPLE_SNI_EXTENSIONS = defineAnomaly("tls.multiple_sni_extensions", "applayer");
export const A_TLS_INVALID_SNI_TYPE = defineAnomaly("tls.invalid_sni_type", "applayer");
export const A_TLS_INVALID_SNI_LENGTH = defineAnomaly("tls.invalid_sni_length", "applayer");

const EXT_SNI = 0;
const EXT_GROUPS = 10;
const EXT_POINT_FORMATS = 11;
const EXT_SIG_ALGS = 13;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >>> 8) === (v & 0xff);
}

const CAP_CIPHERS = 1024;
const CAP_EXTS = 256;
const CAP_GROUPS = 256;
const CAP_POINTS = 64;
const CAP_SIGALGS = 256;

const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function sortU16(a: Uint16Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

export class HelloReader {
  private readonly ciphers = new Uint16Array(CAP_CIPHERS);
  private readonly exts = new Uint16Array(CAP_EXTS);
  private readonly groups = new Uint16Array(CAP_GROUPS);
  private readonly points = new Uint8Array(CAP_POINTS);
  private readonly sigalgs = new Uint16Array(CAP_SIGALGS);
  private readonly sorted = new Uint16Array(CAP_CIPHERS);
  private nCiphers = 0;
  private nExts = 0;
  private nGroups = 0;
  private nPoints = 0;
  private nSigalgs = 0;
  private readonly md5 = new Md5();
  private readonly sha = new Sha256();
  private readonly digest = new Uint8Array(32);
  /** JA3 string writer state: the fields object and whether a number was written in this group. */
  private out: TlsFields | null = null;

  /** ClientHello legacy_version. */
  clientVersion = 0;
  /** Highest non-GREASE supported_versions entry (0 without the extension). */
  clientMaxVersion = 0;
  /** ServerHello: legacy_version, supported_versions selection (0 if absent), cipher. */
  serverVersion = 0;
  serverSelectedVersion = 0;
  serverCipher = 0;
  /** Lists cut because they were longer than the scratch arrays. */
  cut = 0;

  /** Parses a ClientHello body. Returns 0, or an anomaly code when it is malformed. */
  client(b: Uint8Array, off: number, len: number, f: TlsFields, slot: number): number {
    const end = off + len;
    this.nCiphers = this.nExts = this.nGroups = this.nPoints = this.nSigalgs = 0;
    this.clientVersion = 0;
    this.clientMaxVersion = 0;
    if (len < 38) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    this.clientVersion = (b[off] << 8) | b[off + 1];
    let p = off + 34;
    p += 1 + b[p]; // session id
    if (p + 2 > end) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    const cl = (b[p] << 8) | b[p + 1];
    p += 2;
    if (p + cl > end) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    for (let i = 0; i + 1 < cl; i += 2) {
      const c = (b[p + i] << 8) | b[p + i + 1];
      if (isGrease(c)) continue;
      if (this.nCiphers < CAP_CIPHERS) this.ciphers[this.nCiphers++] = c;
      else this.cut++;
    }
    p += cl;
    if (p + 1 > end) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    p += 1 + b[p]; // compression methods
    if (p > end) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    let err = 0;
    let sniCount = 0;
    f.len[slot * f.count + TF_SNI] = 0;
    f.len[slot * f.count + TF_ALPN] = 0;
    f.alpnCount[slot] = 0;
    if (p + 2 <= end) {
      let el = (b[p] << 8) | b[p + 1];
      p += 2;
      if (p + el > end) {
        err = A_TLS_HANDSHAKE_INVALID_LENGTH;
        el = end - p;
      }
      const eend = p + el;
      while (p + 4 <= eend) {
        const t = (b[p] << 8) | b[p + 1];
        let l = (b[p + 2] << 8) | b[p + 3];
        p += 4;
        if (p + l > eend) {
          err = A_TLS_HANDSHAKE_INVALID_LENGTH;
          l = eend - p;
        }
        if (!isGrease(t)) {
          if (this.nExts < CAP_EXTS) this.exts[this.nExts++] = t;
          else this.cut++;
        }
        switch (t) {
          case EXT_SNI: {
            sniCount++;
            if (sniCount > 1) {
              err = A_TLS_MULTIPLE_SNI_EXTENSIONS;
              break;
            }
            // server_name_list len(2), name_type(1), host_name len(2)
            if (l < 5) {
              err = A_TLS_INVALID_SNI_LENGTH;
              break;
            }
            if (b[p + 2] !== 0) {
              err = A_TLS_INVALID_SNI_TYPE;
              break;
            }
            let nl = (b[p + 3] << 8) | b[p + 4];
            if (5 + nl > l) {
              err = A_TLS_INVALID_SNI_LENGTH;
              nl = l - 5;
            }
            f.begin(slot, TF_SNI);
            f.putBytes(b, p + 5, nl);
            f.end();
            break;
          }
          case EXT_ALPN: {
            let q = p + 2;
            const qend = p + l;
            while (q < qend) {
              let n = b[q];
              if (q + 1 + n > qend) n = qend - q - 1;
              f.addAlpn(slot, b, q + 1, n);
              q += 1 + n;
            }
            break;
          }
          case EXT_SUPPORTED_VERSIONS: {
            const n = l > 0 ? b[p] : 0;
            for (let i = 1; i + 1 <= n && i + 1 < l; i += 2) {
              const v = (b[p + i] << 8) | b[p + i + 1];
              if (!isGrease(v) && v > this.clientMaxVersion) this.clientMaxVersion = v;
            }
            break;
          }
          case EXT_GROUPS:
            for (let i = 2; i + 1 < l; i += 2) {
              const v = (b[p + i] << 8) | b[p + i + 1];
              if (isGrease(v)) continue;
              if (this.nGroups < CAP_GROUPS) this.groups[this.nGroups++] = v;
              else this.cut++;
            }
            break;
          case EXT_POINT_FORMATS:
            for (let i = 1; i < l && i <= b[p]; i++) {
              if (this.nPoints < CAP_POINTS) this.points[this.nPoints++] = b[p + i];
              else this.cut++;
            }
            break;
          case EXT_SIG_ALGS:
            for (let i = 2; i + 1 < l; i += 2) {
              const v = (b[p + i] << 8) | b[p + i + 1];
              if (this.nSigalgs < CAP_SIGALGS) this.sigalgs[this.nSigalgs++] = v;
              else this.cut++;
            }
            break;
        }
        p += l;
      }
    }
    this.writeJa3(f, slot);
    this.writeJa4(f, slot, sniCount > 0);
    return err;
  }

  /** Parses a ServerHello body. Returns 0, or an anomaly code when it is malformed. */
  server(b: Uint8Array, off: number, len: number, f: TlsFields, slot: number): number {
    const end = off + len;
    this.nExts = 0;
    this.serverVersion = 0;
    this.serverSelectedVersion = 0;
    this.serverCipher = 0;
    if (len < 38) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    this.serverVersion = (b[off] << 8) | b[off + 1];
    let p = off + 34;
    p += 1 + b[p];
    if (p + 3 > end) return A_TLS_HANDSHAKE_INVALID_LENGTH;
    this.serverCipher = (b[p] << 8) | b[p + 1];
    p += 3; // cipher, compression
    let err = 0;
    f.len[slot * f.count + TF_SALPN] = 0;
    if (p + 2 <= end) {
      let el = (b[p] << 8) | b[p + 1];
      p += 2;
      if (p + el > end) {
        err = A_TLS_HANDSHAKE_INVALID_LENGTH;
        el = end - p;
      }
      const eend = p + el;
      while (p + 4 <= eend) {
        const t = (b[p] << 8) | b[p + 1];
        let l = (b[p + 2] << 8) | b[p + 3];
        p += 4;
        if (p + l > eend) {
          err = A_TLS_HANDSHAKE_INVALID_LENGTH;
          l = eend - p;
        }
        if (!isGrease(t)) {
          if (this.nExts < CAP_EXTS) this.exts[this.nExts++] = t;
          else this.cut++;
        }
        if (t === EXT_SUPPORTED_VERSIONS && l >= 2) this.serverSelectedVersion = (b[p] << 8) | b[p + 1];
        else if (t === EXT_ALPN && l >= 3) {
          let n = b[p + 2];
          if (3 + n > l) n = l - 3;
          f.begin(slot, TF_SALPN);
          f.putBytes(b, p + 3, n);
          f.end();
        }
        p += l;
      }
    }
    // JA3S: version,cipher,extensions
    this.out = f;
    this.md5.reset();
    f.begin(slot, TF_JA3S);
    this.num(this.serverVersion);
    this.chr(0x2c);
    this.num(this.serverCipher);
    this.chr(0x2c);
    for (let i = 0; i < this.nExts; i++) {
      if (i > 0) this.chr(0x2d);
      this.num(this.exts[i]);
    }
    f.end();
    this.hashInto(f, slot, TF_JA3S_HASH);
    return err;
  }

  private writeJa3(f: TlsFields, slot: number): void {
    this.out = f;
    this.md5.reset();
    f.begin(slot, TF_JA3);
    this.num(this.clientVersion);
    this.chr(0x2c);
    for (let i = 0; i < this.nCiphers; i++) {
      if (i > 0) this.chr(0x2d);
      this.num(this.ciphers[i]);
    }
    this.chr(0x2c);
    for (let i = 0; i < this.nExts; i++) {
      if (i > 0) this.chr(0x2d);
      this.num(this.exts[i]);
    }
    this.chr(0x2c);
    for (let i = 0; i < this.nGroups; i++) {
      if (i > 0) this.chr(0x2d);
      this.num(this.groups[i]);
    }
    this.chr(0x2c);
    for (let i = 0; i < this.nPoints; i++) {
      if (i > 0) this.chr(0x2d);
      this.num(this.points[i]);
    }
    f.end();
    this.hashInto(f, slot, TF_JA3_HASH);
  }

  private hashInto(f: TlsFields, slot: number, field: number): void {
    this.md5.final(this.digest, 0);
    f.begin(slot, field);
    for (let i = 0; i < 16; i++) {
      f.putByte(HEX[this.digest[i] >>> 4]);
      f.putByte(HEX[this.digest[i] & 15]);
    }
    f.end();
  }

  /** One JA3 character: into the field (up to its capacity) and the MD5 (always). */
  private chr(c: number): void {
    this.md5.updateByte(c);
    if (this.out !== null) this.out.putByte(c);
  }

  private num(v: number): void {
    if (v >= 10) this.num(Math.floor(v / 10));
    this.chr(48 + (v % 10));
  }

  private writeJa4(f: TlsFields, slot: number, hasSni: boolean): void {
    f.begin(slot, TF_JA4);
    f.putByte(0x74); // 't': TCP
    const v = this.clientMaxVersion !== 0 ? this.clientMaxVersion : this.clientVersion;
    switch (v) {
      case 0x0304:
        f.putByte(0x31), f.putByte(0x33);
        break;
      case 0x0303:
        f.putByte(0x31), f.putByte(0x32);
        break;
      case 0x0302:
        f.putByte(0x31), f.putByte(0x31);
        break;
      case 0x0301:
        f.putByte(0x31), f.putByte(0x30);
        break;
      case 0x0300:
        f.putByte(0x73), f.putByte(0x33);
        break;
      case 0x0002:
        f.putByte(0x73), f.putByte(0x32);
        break;
      default:
        f.putByte(0x30), f.putByte(0x30);
    }
    f.putByte(hasSni ? 0x64 : 0x69);
    const cc = this.nCiphers > 99 ? 99 : this.nCiphers;
    f.putByte(48 + Math.floor(cc / 10));
    f.putByte(48 + (cc % 10));
    const ec = this.nExts > 99 ? 99 : this.nExts;
    f.putByte(48 + Math.floor(ec / 10));
    f.putByte(48 + (ec % 10));
    // ALPN: first and last characters of the first value (hex digits of it when not alphanumeric)
    const nAlpn = f.alpnCount[slot];
    const alen = nAlpn > 0 ? f.alpnLen[slot * MAX_ALPN] : 0;
    if (alen === 0) {
      f.putByte(0x30), f.putByte(0x30);
    } else {
      const a0 = f.base(slot, TF_ALPN) + f.alpnOff[slot * MAX_ALPN];
      const first = f.data[a0];
      const last = f.data[a0 + alen - 1];
      if (isAlnum(first) && isAlnum(last)) {
        f.putByte(first), f.putByte(last);
      } else {
        f.putByte(HEX[first >>> 4]), f.putByte(HEX[last & 15]);
      }
    }
    f.putByte(0x5f);
    // JA4_b: sorted cipher list
    const s = this.sorted;
    for (let i = 0; i < this.nCiphers; i++) s[i] = this.ciphers[i];
    sortU16(s, this.nCiphers);
    this.sha.reset();
    for (let i = 0; i < this.nCiphers; i++) {
      if (i > 0) this.sha.updateByte(0x2c);
      this.hex16(s[i]);
    }
    this.truncatedSha(f, this.nCiphers === 0);
    f.putByte(0x5f);
    // JA4_c: sorted extensions without SNI and ALPN, "_", signature algorithms in order
    let n = 0;
    for (let i = 0; i < this.nExts; i++) {
      const e = this.exts[i];
      if (e !== EXT_SNI && e !== EXT_ALPN) s[n++] = e;
    }
    sortU16(s, n);
    this.sha.reset();
    for (let i = 0; i < n; i++) {
      if (i > 0) this.sha.updateByte(0x2c);
      this.hex16(s[i]);
    }
    if (this.nSigalgs > 0) {
      this.sha.updateByte(0x5f);
      for (let i = 0; i < this.nSigalgs; i++) {
        if (i > 0) this.sha.updateByte(0x2c);
        this.hex16(this.sigalgs[i]);
      }
    }
    this.truncatedSha(f, this.nExts === 0);
    f.end();
  }

  private hex16(v: number): void {
    const h = this.sha;
    h.updateByte(HEX[(v >>> 12) & 15]);
    h.updateByte(HEX[(v >>> 8) & 15]);
    h.updateByte(HEX[(v >>> 4) & 15]);
    h.updateByte(HEX[v & 15]);
  }

  /** The first 12 hex characters of the SHA-256 so far, or twelve zeros when the list was empty. */
  private truncatedSha(f: TlsFields, empty: boolean): void {
    if (empty) {
      for (let i = 0; i < 12; i++) f.putByte(0x30);
      return;
    }
    this.sha.final(this.digest, 0);
    for (let i = 0; i < 6; i++) {
      f.putByte(HEX[this.digest[i] >>> 4]);
      f.putByte(HEX[this.digest[i] & 15]);
    }
  }
}
