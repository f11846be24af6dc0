/**
 * The X.509 certificate fields rules and logs ask for, read straight from DER: subject and issuer as
 * Suricata writes them ("C=US, ST=California, O=Example, CN=example.com"; several attributes of one RDN
 * joined by " + "), the serial number as upper-case hex with colons ("00:E5:1B:…", the INTEGER's bytes as
 * encoded), the SHA-1 fingerprint as lower-case hex with colons, and the validity dates.
 *
 * Never allocates, never throws: malformed DER makes `parse` return false and the fields seen so far
 * stay as written. Reads only `buf[off, off+len)`.
 *
 * @example
 * ```ts
 * import { X509Reader } from "./x509.ts";
 * import { TlsFields, TF_SUBJECT } from "./fields.ts";
 * const fields = new TlsFields(1, { sniBytes: 256, ja3Bytes: 1024, nameBytes: 512 });
 * const x = new X509Reader();
 * const der = new Uint8Array(0); // a certificate's DER bytes
 * if (x.parse(der, 0, der.length, fields, 0)) console.log(fields.length(0, TF_SUBJECT));
 * ```
 */
import { Sha1 } from "../hash/sha1.ts";
import { TF_FINGERPRINT, TF_ISSUER, TF_SERIAL, TF_SUBJECT } from "./fields.ts";
import type { TlsFields } from "./fields.ts";

// The last DER header read by `hdr`: [tag byte, content length, header length].
const D = new Int32Array(3);

/** The tag byte of the last header read (a call, so type narrowing never sticks to it). */
function tg(): number {
  return D[0];
}

/** Reads the DER header at `p` (content must end by `end`); false when malformed. */
function hdr(buf: Uint8Array, p: number, end: number): boolean {
  if (p + 2 > end) return false;
  D[0] = buf[p];
  if ((D[0] & 0x1f) === 0x1f) return false; // high tag numbers: never in the parts we read
  let l = buf[p + 1];
  let h = 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4 || p + 2 + n > end) return false;
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + buf[p + 2 + i];
    h += n;
  }
  if (p + h + l > end) return false;
  D[1] = l;
  D[2] = h;
  return true;
}

const HEX_UPPER = "0123456789ABCDEF";
const HEX_LOWER = "0123456789abcdef";
const HEXU = new Uint8Array(16);
const HEXL = new Uint8Array(16);
for (let i = 0; i < 16; i++) {
  HEXU[i] = HEX_UPPER.charCodeAt(i);
  HEXL[i] = HEX_LOWER.charCodeAt(i);
}

/** Attribute short names, as Suricata (via x509-parser) prints them; OID content bytes -> name. */
const ATTR_NAMES: ReadonlyArray<readonly [Uint8Array, Uint8Array]> = [
  ["2.5.4.3", "CN"],
  ["2.5.4.6", "C"],
  ["2.5.4.7", "L"],
  ["2.5.4.8", "ST"],
  ["2.5.4.10", "O"],
  ["2.5.4.11", "OU"],
  ["0.9.2342.19200300.100.1.25", "DC"],
  ["1.2.840.113549.1.9.1", "Email"],
  ["2.5.4.4", "surname"],
  ["2.5.4.5", "serialNumber"],
  ["2.5.4.9", "street"],
  ["2.5.4.12", "title"],
  ["2.5.4.15", "businessCategory"],
  ["2.5.4.17", "postalCode"],
  ["2.5.4.41", "name"],
  ["2.5.4.42", "givenName"],
  ["2.5.4.43", "initials"],
  ["2.5.4.46", "dnQualifier"],
  ["0.9.2342.19200300.100.1.1", "UID"],
].map(([oid, name]) => [encodeOid(oid), new TextEncoder().encode(name)] as const);

/** DER content bytes of a dotted OID (cold: module load only). */
function encodeOid(dotted: string): Uint8Array {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (let i = 2; i < parts.length; i++) {
    let v = parts[i];
    const tmp: number[] = [v & 0x7f];
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...tmp);
  }
  return new Uint8Array(out);
}

export class X509Reader {
  private readonly sha1 = new Sha1();
  private readonly digest = new Uint8Array(20);
  /** Certificates that did not parse. */
  invalid = 0;

  /**
   * Parses one DER certificate, writing subject, issuer, serial, fingerprint and validity for `slot`.
   * Returns false when the DER is malformed (the fingerprint is still written).
   */
  parse(buf: Uint8Array, off: number, len: number, fields: TlsFields, slot: number): boolean {
    let end = off + len;
    if (end > buf.length) end = buf.length;
    this.sha1.reset();
    this.sha1.update(buf, off, end - off);
    this.sha1.final(this.digest, 0);
    fields.begin(slot, TF_FINGERPRINT);
    for (let i = 0; i < 20; i++) {
      if (i > 0) fields.putByte(0x3a);
      fields.putByte(HEXL[this.digest[i] >>> 4]);
      fields.putByte(HEXL[this.digest[i] & 15]);
    }
    fields.end();
    if (!this.fields(buf, off, end, fields, slot)) {
      this.invalid++;
      return false;
    }
    return true;
  }

  private fields(buf: Uint8Array, off: number, end: number, fields: TlsFields, slot: number): boolean {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... }, ... }
    if (!hdr(buf, off, end) || tg() !== 0x30) return false;
    let p = off + D[2];
    if (!hdr(buf, p, end) || tg() !== 0x30) return false;
    const tbsEnd = p + D[2] + D[1];
    p += D[2];
    if (!hdr(buf, p, tbsEnd)) return false;
    if (tg() === 0xa0) {
      // [0] EXPLICIT version
      p += D[2] + D[1];
      if (!hdr(buf, p, tbsEnd)) return false;
    }
    if (tg() !== 0x02) return false; // serialNumber INTEGER
    fields.begin(slot, TF_SERIAL);
    for (let i = 0; i < D[1]; i++) {
      const b = buf[p + D[2] + i];
      if (i > 0) fields.putByte(0x3a);
      fields.putByte(HEXU[b >>> 4]);
      fields.putByte(HEXU[b & 15]);
    }
    fields.end();
    p += D[2] + D[1];
    if (!hdr(buf, p, tbsEnd) || tg() !== 0x30) return false; // signature AlgorithmIdentifier
    p += D[2] + D[1];
    if (!hdr(buf, p, tbsEnd) || tg() !== 0x30) return false; // issuer Name
    const issuerEnd = p + D[2] + D[1];
    if (!this.name(buf, p + D[2], issuerEnd, fields, slot, TF_ISSUER)) return false;
    p = issuerEnd;
    if (!hdr(buf, p, tbsEnd) || tg() !== 0x30) return false; // validity
    const valEnd = p + D[2] + D[1];
    p += D[2];
    if (!hdr(buf, p, valEnd)) return false;
    fields.notBefore[slot] = readTime(buf, p + D[2], D[1], tg());
    p += D[2] + D[1];
    if (!hdr(buf, p, valEnd)) return false;
    fields.notAfter[slot] = readTime(buf, p + D[2], D[1], tg());
    p = valEnd;
    if (!hdr(buf, p, tbsEnd) || tg() !== 0x30) return false; // subject Name
    return this.name(buf, p + D[2], p + D[2] + D[1], fields, slot, TF_SUBJECT);
  }

  /** Writes a Name (SEQUENCE OF RDN content in [p, end)) as text into `field`. */
  private name(buf: Uint8Array, p: number, end: number, fields: TlsFields, slot: number, field: number): boolean {
    fields.begin(slot, field);
    let firstRdn = true;
    let ok = true;
    while (p < end) {
      if (!hdr(buf, p, end) || tg() !== 0x31) {
        ok = false;
        break;
      }
      const setEnd = p + D[2] + D[1];
      let q = p + D[2];
      let firstAtv = true;
      while (q < setEnd) {
        if (!hdr(buf, q, setEnd) || tg() !== 0x30) {
          ok = false;
          break;
        }
        const atvEnd = q + D[2] + D[1];
        let r = q + D[2];
        if (!hdr(buf, r, atvEnd) || tg() !== 0x06) {
          ok = false;
          break;
        }
        const oidOff = r + D[2];
        const oidLen = D[1];
        r += D[2] + D[1];
        if (!hdr(buf, r, atvEnd)) {
          ok = false;
          break;
        }
        if (!firstAtv) {
          fields.putByte(0x20);
          fields.putByte(0x2b);
          fields.putByte(0x20);
        } else if (!firstRdn) {
          fields.putByte(0x2c);
          fields.putByte(0x20);
        }
        firstAtv = false;
        firstRdn = false;
        writeAttrName(buf, oidOff, oidLen, fields);
        fields.putByte(0x3d);
        writeValue(buf, r + D[2], D[1], tg(), fields);
        q = atvEnd;
      }
      if (!ok) break;
      p = setEnd;
    }
    fields.end();
    return ok;
  }
}

function writeAttrName(buf: Uint8Array, off: number, len: number, fields: TlsFields): void {
  for (let i = 0; i < ATTR_NAMES.length; i++) {
    const oid = ATTR_NAMES[i][0];
    if (oid.length !== len) continue;
    let same = true;
    for (let j = 0; j < len; j++) {
      if (oid[j] !== buf[off + j]) {
        same = false;
        break;
      }
    }
    if (same) {
      const name = ATTR_NAMES[i][1];
      fields.putBytes(name, 0, name.length);
      return;
    }
  }
  // dotted decimal
  let v = 0;
  let first = true;
  for (let i = 0; i < len; i++) {
    const b = buf[off + i];
    v = v * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      const a = v < 40 ? 0 : v < 80 ? 1 : 2;
      writeDecimal(a, fields);
      fields.putByte(0x2e);
      writeDecimal(v - a * 40, fields);
      first = false;
    } else {
      fields.putByte(0x2e);
      writeDecimal(v, fields);
    }
    v = 0;
  }
}

function writeDecimal(v: number, fields: TlsFields): void {
  if (v >= 10) writeDecimal(Math.floor(v / 10), fields);
  fields.putByte(48 + (v % 10));
}

/** An attribute value: string types as their bytes (BMPString as UTF-8), anything else as upper-case hex. */
function writeValue(buf: Uint8Array, off: number, len: number, tag: number, fields: TlsFields): void {
  switch (tag) {
    case 0x07: // ObjectDescriptor
    case 0x0c: // UTF8String
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x14: // TeletexString
    case 0x15: // VideotexString
    case 0x16: // IA5String
    case 0x19: // GraphicString
    case 0x1a: // VisibleString
    case 0x1b: // GeneralString
      fields.putBytes(buf, off, len);
      return;
    case 0x1e: // BMPString: UTF-16BE
      for (let i = 0; i + 1 < len; i += 2) {
        const c = (buf[off + i] << 8) | buf[off + i + 1];
        if (c < 0x80) fields.putByte(c);
        else if (c < 0x800) {
          fields.putByte(0xc0 | (c >>> 6));
          fields.putByte(0x80 | (c & 0x3f));
        } else {
          fields.putByte(0xe0 | (c >>> 12));
          fields.putByte(0x80 | ((c >>> 6) & 0x3f));
          fields.putByte(0x80 | (c & 0x3f));
        }
      }
      return;
    default:
      for (let i = 0; i < len; i++) {
        const b = buf[off + i];
        fields.putByte(HEXU[b >>> 4]);
        fields.putByte(HEXU[b & 15]);
      }
  }
}

function digits(buf: Uint8Array, off: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[off + i] - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** UTCTime (0x17) or GeneralizedTime (0x18) as seconds since the epoch, NaN when unreadable. */
function readTime(buf: Uint8Array, off: number, len: number, tag: number): number {
  let y: number;
  let p = off;
  if (tag === 0x17 && len >= 11) {
    y = digits(buf, p, 2);
    y += y < 50 ? 2000 : 1900;
    p += 2;
  } else if (tag === 0x18 && len >= 13) {
    y = digits(buf, p, 4);
    p += 4;
  } else return NaN;
  const mo = digits(buf, p, 2);
  const d = digits(buf, p + 2, 2);
  const h = digits(buf, p + 4, 2);
  const mi = digits(buf, p + 6, 2);
  const rest = off + len - (p + 8);
  const s = rest >= 3 ? digits(buf, p + 8, 2) : 0;
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
