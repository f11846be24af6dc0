/**
 * The QUIC parser (ALPROTO_QUIC, Suricata's "quic") and its probe: reads what a client says in the clear
 * at the start of a connection, for application identification and rules.
 *
 * - IETF QUIC (v1, v2, drafts 23–34): each client Initial packet (coalesced ones too) is opened with the
 *   Initial keys derived from its DCID (`initial.ts`); the tag is verified, so garbage is never parsed
 *   (a failure raises `quic.failed_decrypt` and the packet is dropped for parsing). CRYPTO frames are
 *   reassembled across Initial packets, in any order, into a bounded per-flow buffer; once the
 *   ClientHello is whole it is read with the TLS parser's `HelloReader`: SNI, ALPN, JA3, JA4 (with the
 *   `q` transport prefix).
 * - Google QUIC: the CHLO (`gquic.ts`) in clear in Q024–Q046 packets, and inside the Initial-protected
 *   payload of Q050: SNI, UAID (user agent), the CYU fingerprint. T050/T051 (TLS inside gQUIC framing)
 *   are recognised but their hello is not read.
 *
 * One transaction per flow (tx id 0, direction to server), reported at the first client long-header
 * packet (`quic.version`) and again when the hello has been read (`quic.sni`, `quic.ua`, `quic.cyu.*`,
 * `ja3.*`, `ja4.hash`). Server packets and everything after the hello are only counted.
 *
 * Hot path: `parse` allocates nothing and never throws. Per-flow state lives in typed arrays sized from
 * `QuicConfig` at construction; one datagram's plaintext is decrypted into one shared scratch buffer.
 *
 * @example
 * ```ts
 * import { QuicParser, defaultQuicConfig } from "./quic.ts";
 * const quic = new QuicParser(defaultQuicConfig());
 * const slot = quic.open();
 * // quic.parse(slot, DIR_TOSERVER, datagram, 0, datagram.length, sink); // sink.tx(0, 0, …) with quic.sni
 * // quic.data.subarray(quic.sniStart(slot), quic.sniStart(slot) + quic.sniLength(slot)) — in tests only
 * quic.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import {
  BUF_JA3_HASH,
  BUF_JA3_STRING,
  BUF_JA4_HASH,
  BUF_QUIC_CYU_HASH,
  BUF_QUIC_CYU_STRING,
  BUF_QUIC_SNI,
  BUF_QUIC_UA,
  BUF_QUIC_VERSION,
} from "../../detect/buffers.ts";
import { Md5 } from "../hash/md5.ts";
import { writeHex } from "../hash/hex.ts";
import type { AppParser, AppSink } from "../parser.ts";
import { PARSE_ERROR, PARSE_OK, TX_REQUEST_HEADERS, TX_REQUEST_LINE } from "../parser.ts";
import { ALPROTO_QUIC, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";
import { MAX_ALPN, TF_ALPN, TF_JA3, TF_JA3_HASH, TF_JA4, TF_SNI, TlsFields } from "../tls/fields.ts";
import { HelloReader } from "../tls/hello.ts";
import { ChloReader } from "./gquic.ts";
import {
  be32,
  initialSalt,
  initialType,
  InitialOpener,
  OPEN_BAD_TAG,
  OPEN_OK,
  OPEN_TOO_BIG,
  OPEN_UNKNOWN_VERSION,
  QUIC_Q046,
  QUIC_Q050,
  QUIC_T050,
  QUIC_T051,
  readVarint,
  VARINT_END,
} from "./initial.ts";

export const A_QUIC_FAILED_DECRYPT = defineAnomaly("quic.failed_decrypt", "applayer");
export const A_QUIC_ERROR_ON_DATA = defineAnomaly("quic.error_on_data", "applayer");
export const A_QUIC_ERROR_ON_HEADER = defineAnomaly("quic.error_on_header", "applayer");
export const A_QUIC_CRYPTO_FRAG_TOO_LONG = defineAnomaly("quic.crypto_frag_too_long", "applayer");

export interface QuicConfig {
  /** Flows parsed at once (pool slots). */
  maxFlows: number;
  /** CRYPTO stream bytes kept per flow for the ClientHello (larger hellos are skipped and counted). */
  cryptoBytes: number;
  /** Largest QUIC packet decrypted (bigger ones are skipped and counted). */
  maxPacketBytes: number;
  /** Bytes of SNI kept. */
  sniBytes: number;
  /** Bytes of the gQUIC user agent kept. */
  uaBytes: number;
  /** Bytes of the JA3 / CYU strings kept (hashes always cover all of it). */
  ja3Bytes: number;
}

export function defaultQuicConfig(): QuicConfig {
  return { maxFlows: 512, cryptoBytes: 4096, maxPacketBytes: 2048, sniBytes: 256, uaBytes: 256, ja3Bytes: 1024 };
}

/** Google's versions: "Q0dd" / "T0dd". */
function isGoogleVersion(v: number): boolean {
  const hi = v >>> 24;
  if (hi !== 0x51 && hi !== 0x54) return false;
  const a = (v >>> 16) & 0xff;
  const b = (v >>> 8) & 0xff;
  const c = v & 0xff;
  return a === 0x30 && b >= 0x30 && b <= 0x39 && c >= 0x30 && c <= 0x39;
}

/** Versions this parser knows the packet layout of. */
export function isKnownQuicVersion(v: number): boolean {
  return initialSalt(v) !== null || isGoogleVersion(v);
}

/**
 * QUIC by content: a long-header packet (fixed bit set) of a known version with sane connection ID
 * lengths — for IETF versions an Initial when it comes from the client — or a gQUIC public header with
 * the version flag and a "Q0dd" version. A datagram is whole, so the answer is always yes or no.
 */
export function probeQuic(dir: number, buf: Uint8Array, off: number, len: number): number {
  if (len < 13 || off + len > buf.length) return ALPROTO_UNKNOWN;
  const b0 = buf[off];
  if ((b0 & 0x80) !== 0) {
    const v = be32(buf, off + 1);
    if (v === QUIC_Q046) return (b0 & 0x40) !== 0 ? ALPROTO_QUIC : ALPROTO_UNKNOWN;
    if (initialSalt(v) === null && !isGoogleVersion(v)) return ALPROTO_UNKNOWN;
    if ((b0 & 0x40) === 0) return ALPROTO_UNKNOWN;
    const dcil = buf[off + 5];
    if (dcil > 20 || 7 + dcil > len) return ALPROTO_UNKNOWN;
    const scil = buf[off + 6 + dcil];
    if (scil > 20 || 7 + dcil + scil > len) return ALPROTO_UNKNOWN;
    if (dir === 0 && ((b0 >>> 4) & 3) !== initialType(v)) return ALPROTO_UNKNOWN;
    return ALPROTO_QUIC;
  }
  // gQUIC public header: version flag, 8-byte connection ID, no reset / multipath / reserved bits
  if ((b0 & 0x09) !== 0x09 || (b0 & 0xc2) !== 0) return ALPROTO_UNKNOWN;
  return isGoogleVersion(be32(buf, off + 9)) ? ALPROTO_QUIC : ALPROTO_UNKNOWN;
}

const P_CLIENT = TX_REQUEST_LINE | TX_REQUEST_HEADERS;
const HELLO_NONE = 0;
const HELLO_TLS = 1;
const HELLO_CHLO = 2;
/** Coalesced packets walked per datagram. */
const MAX_COALESCED = 8;
/** Bytes kept of a CYU string. */
const CYU_BYTES = 512;

export class QuicParser implements AppParser {
  readonly proto = ALPROTO_QUIC;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: QuicConfig;
  private readonly pool: SlotPool;
  /** Per-flow TLS facts (SNI, ALPN, JA3, JA4) in the TLS parser's layout; see the getters below. */
  readonly fields: TlsFields;
  private readonly hello = new HelloReader();
  private readonly chloReader = new ChloReader();
  private readonly opener: InitialOpener;
  private readonly md5 = new Md5();
  private readonly digest = new Uint8Array(16);

  // per flow
  private readonly version: Uint32Array;
  private readonly versionBytes: Uint8Array;
  private readonly helloKind: Uint8Array;
  private readonly done: Uint8Array;
  private readonly reported: Uint8Array;
  private readonly crypto: Uint8Array;
  private readonly have: Uint8Array;
  private readonly prefix: Int32Array;
  private readonly ua: Uint8Array;
  private readonly uaLen: Uint16Array;
  private readonly cyu: Uint8Array;
  private readonly cyuLen: Uint16Array;
  private readonly cyuHash: Uint8Array;
  /** Client packets seen per flow. */
  readonly packets: Uint32Array;

  /** Initial packets whose AEAD tag did not verify (dropped for parsing). */
  decryptFailed = 0;
  /** Long headers that did not fit their datagram; frames that could not be walked. */
  malformed = 0;
  /** Packets or ClientHellos larger than the configured buffers; CRYPTO data past `cryptoBytes`. */
  oversized = 0;
  /** Initials of versions whose salt is not known. */
  unknownVersion = 0;

  constructor(config: QuicConfig = defaultQuicConfig()) {
    if (!(config.maxFlows > 0)) throw new Error(`quic: maxFlows must be positive (got ${config.maxFlows})`);
    if (config.cryptoBytes < 512 || config.maxPacketBytes < 1200) {
      throw new Error("quic: cryptoBytes must be at least 512 and maxPacketBytes at least 1200 (the minimum Initial size)");
    }
    this.config = config;
    const n = config.maxFlows;
    this.pool = new SlotPool(n);
    this.fields = new TlsFields(n, { sniBytes: config.sniBytes, ja3Bytes: config.ja3Bytes, nameBytes: 1 });
    this.opener = new InitialOpener(config.maxPacketBytes);
    this.version = new Uint32Array(n);
    this.versionBytes = new Uint8Array(n * 4);
    this.helloKind = new Uint8Array(n);
    this.done = new Uint8Array(n);
    this.reported = new Uint8Array(n);
    this.crypto = new Uint8Array(n * config.cryptoBytes);
    this.have = new Uint8Array(n * ((config.cryptoBytes + 7) >>> 3));
    this.prefix = new Int32Array(n);
    this.ua = new Uint8Array(n * config.uaBytes);
    this.uaLen = new Uint16Array(n);
    this.cyu = new Uint8Array(n * CYU_BYTES);
    this.cyuLen = new Uint16Array(n);
    this.cyuHash = new Uint8Array(n * 32);
    this.packets = new Uint32Array(n);
  }

  /** Bytes of state one flow slot holds (the shared plaintext buffer not included). */
  bytesPerSlot(): number {
    const c = this.config;
    return c.cryptoBytes + ((c.cryptoBytes + 7) >>> 3) + this.fields.bytesPerSlot() + c.uaBytes + CYU_BYTES + 32 +
      4 + 4 + 1 + 1 + 1 + 4 + 2 + 2 + 4;
  }

  /** Flows that found the pool empty. */
  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s < 0) return -1;
    this.version[s] = 0;
    this.helloKind[s] = HELLO_NONE;
    this.done[s] = 0;
    this.reported[s] = 0;
    this.prefix[s] = 0;
    this.uaLen[s] = 0;
    this.cyuLen[s] = 0;
    this.packets[s] = 0;
    const hb = (this.config.cryptoBytes + 7) >>> 3;
    this.have.fill(0, s * hb, (s + 1) * hb);
    this.fields.clear(s);
    return s;
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot) || (dir !== 0 && dir !== 1)) return PARSE_ERROR;
    let end = off + len;
    if (end > buf.length) end = buf.length;
    if (off < 0 || off >= end || dir !== 0) return PARSE_OK;
    this.packets[slot]++;
    if (this.done[slot] !== 0) return PARSE_OK;
    const b0 = buf[off];
    if ((b0 & 0x80) === 0) {
      // gQUIC public header with the version flag: the CHLO follows in clear (short IETF headers: nothing)
      if ((b0 & 0x09) === 0x09 && (b0 & 0xc2) === 0 && off + 13 <= end && isGoogleVersion(be32(buf, off + 9))) {
        this.setVersion(slot, buf, off + 9);
        this.chlo(slot, buf, off + 13, end);
        this.report(slot, sink);
      }
      return PARSE_OK;
    }
    let p = off;
    for (let k = 0; k < MAX_COALESCED && p < end && (buf[p] & 0x80) !== 0 && this.done[slot] === 0; k++) {
      if (p + 5 > end) break;
      const v = be32(buf, p + 1);
      if (v === QUIC_Q046) {
        // Q046: IETF-like long header, gQUIC frames in clear after it
        this.setVersion(slot, buf, p + 1);
        this.chlo(slot, buf, p + 5, end);
        break;
      }
      const next = this.opener.open(buf, p, end);
      if (next < 0) {
        this.malformed++;
        sink.event(A_QUIC_ERROR_ON_HEADER);
        break;
      }
      const st = this.opener.status;
      if (st === OPEN_OK) {
        this.setVersion(slot, buf, p + 1);
        const o = this.opener;
        if (v === QUIC_Q050) this.chlo(slot, o.plain, o.payloadOff, o.payloadOff + o.payloadLen);
        else if (v !== QUIC_T050 && v !== QUIC_T051) this.frames(slot, o.plain, o.payloadOff, o.payloadLen, sink);
      } else if (st === OPEN_BAD_TAG) {
        this.decryptFailed++;
        sink.event(A_QUIC_FAILED_DECRYPT);
      } else if (st === OPEN_TOO_BIG) {
        this.oversized++;
      } else if (st === OPEN_UNKNOWN_VERSION) {
        this.unknownVersion++;
      }
      p = next;
    }
    if (this.version[slot] !== 0 && (this.reported[slot] === 0 || this.done[slot] !== 0)) this.report(slot, sink);
    return PARSE_OK;
  }

  private setVersion(slot: number, b: Uint8Array, o: number): void {
    this.version[slot] = be32(b, o);
    for (let i = 0; i < 4; i++) this.versionBytes[slot * 4 + i] = b[o + i];
  }

  /** The frames of one opened Initial packet: CRYPTO data is kept, PADDING / PING / ACK / CLOSE stepped over. */
  private frames(slot: number, b: Uint8Array, p: number, len: number, sink: AppSink): void {
    const end = p + len;
    while (p < end) {
      const t = b[p];
      if (t === 0x00 || t === 0x01) {
        p++;
        continue;
      }
      if (t === 0x06) {
        const o = readVarint(b, p + 1, end);
        let q = VARINT_END[0];
        if (q < 0) break;
        const n = readVarint(b, q, end);
        q = VARINT_END[0];
        if (q < 0 || q + n > end) break;
        this.cryptoData(slot, b, q, n, o, sink);
        p = q + n;
        continue;
      }
      if (t === 0x02 || t === 0x03) {
        // largest, delay, range count, first range, then (gap, range) pairs, then 3 ECN counts for 0x03
        let q = p + 1;
        readVarint(b, q, end);
        q = VARINT_END[0];
        if (q < 0) break;
        readVarint(b, q, end);
        q = VARINT_END[0];
        if (q < 0) break;
        const ranges = readVarint(b, q, end);
        q = VARINT_END[0];
        if (q < 0) break;
        let words = 1 + 2 * ranges + (t === 0x03 ? 3 : 0);
        while (words > 0 && q >= 0) {
          readVarint(b, q, end);
          q = VARINT_END[0];
          words--;
        }
        if (q < 0) break;
        p = q;
        continue;
      }
      if (t === 0x1c || t === 0x1d) {
        let q = p + 1;
        readVarint(b, q, end);
        q = VARINT_END[0];
        if (q >= 0 && t === 0x1c) {
          readVarint(b, q, end);
          q = VARINT_END[0];
        }
        if (q < 0) break;
        const rl = readVarint(b, q, end);
        q = VARINT_END[0];
        if (q < 0 || q + rl > end) break;
        p = q + rl;
        continue;
      }
      break; // a frame an Initial packet may not carry
    }
    if (p < end) {
      this.malformed++;
      sink.event(A_QUIC_ERROR_ON_DATA);
    }
    this.tryHello(slot, sink);
  }

  /** `n` CRYPTO stream bytes at stream offset `o`, kept in the flow's buffer (marked byte by byte). */
  private cryptoData(slot: number, b: Uint8Array, src: number, n: number, o: number, sink: AppSink): void {
    const cap = this.config.cryptoBytes;
    if (o >= cap) {
      this.oversized++;
      sink.event(A_QUIC_CRYPTO_FRAG_TOO_LONG);
      return;
    }
    if (o + n > cap) {
      this.oversized++;
      n = cap - o;
    }
    const base = slot * cap;
    const hb = slot * ((cap + 7) >>> 3);
    const c = this.crypto;
    const have = this.have;
    for (let i = 0; i < n; i++) {
      const x = o + i;
      c[base + x] = b[src + i];
      have[hb + (x >>> 3)] |= 1 << (x & 7);
    }
    let pre = this.prefix[slot];
    while (pre < cap && (have[hb + (pre >>> 3)] & (1 << (pre & 7))) !== 0) pre++;
    this.prefix[slot] = pre;
  }

  /** Reads the ClientHello once the CRYPTO stream holds all of it. */
  private tryHello(slot: number, sink: AppSink): void {
    const pre = this.prefix[slot];
    if (pre < 4 || this.done[slot] !== 0) return;
    const cap = this.config.cryptoBytes;
    const base = slot * cap;
    const c = this.crypto;
    if (c[base] !== 1) {
      // not a ClientHello: nothing more to learn from this flow
      this.malformed++;
      sink.event(A_QUIC_ERROR_ON_DATA);
      this.done[slot] = 1;
      return;
    }
    const hl = (c[base + 1] << 16) | (c[base + 2] << 8) | c[base + 3];
    if (4 + hl > cap) {
      this.oversized++;
      sink.event(A_QUIC_CRYPTO_FRAG_TOO_LONG);
      this.done[slot] = 1;
      return;
    }
    if (pre < 4 + hl) return;
    const f = this.fields;
    const err = this.hello.client(c, base + 4, hl, f, slot);
    if (err !== 0) sink.event(err);
    // JA4's first character names the transport: "q" for QUIC
    if (f.length(slot, TF_JA4) > 0) f.data[f.base(slot, TF_JA4)] = 0x71;
    this.helloKind[slot] = HELLO_TLS;
    this.done[slot] = 1;
  }

  /** Looks for a gQUIC CHLO in `b[from, end)` and keeps SNI, UAID and the CYU fingerprint. */
  private chlo(slot: number, b: Uint8Array, from: number, end: number): void {
    const r = this.chloReader;
    if (!r.read(b, from, end)) return;
    const f = this.fields;
    f.begin(slot, TF_SNI);
    f.putBytes(b, r.sniOff, r.sniLen);
    f.end();
    const uc = this.config.uaBytes;
    const un = r.uaLen < uc ? r.uaLen : uc;
    for (let i = 0; i < un; i++) this.ua[slot * uc + i] = b[r.uaOff + i];
    this.uaLen[slot] = un;
    this.writeCyu(slot, b);
    this.helloKind[slot] = HELLO_CHLO;
    this.done[slot] = 1;
  }

  /** CYU: "<version digits>,<TAG>-<TAG>-…" (tags without their NUL padding) and its MD5 in hex. */
  private writeCyu(slot: number, b: Uint8Array): void {
    const base = slot * CYU_BYTES;
    const out = this.cyu;
    let n = 0;
    const md5 = this.md5;
    md5.reset();
    const v = this.version[slot];
    // "Q046" → "46": the version's digits after "Q0"
    const d1 = (v >>> 8) & 0xff;
    const d2 = v & 0xff;
    if (n < CYU_BYTES) out[base + n++] = d1;
    if (n < CYU_BYTES) out[base + n++] = d2;
    md5.updateByte(d1);
    md5.updateByte(d2);
    md5.updateByte(0x2c);
    if (n < CYU_BYTES) out[base + n++] = 0x2c;
    const r = this.chloReader;
    for (let k = 0; k < r.tagCount; k++) {
      if (k > 0) {
        md5.updateByte(0x2d);
        if (n < CYU_BYTES) out[base + n++] = 0x2d;
      }
      const t = r.tagAt(b, k);
      for (let i = 0; i < 4; i++) {
        const ch = (t >>> (8 * i)) & 0xff;
        if (ch === 0) break;
        md5.updateByte(ch);
        if (n < CYU_BYTES) out[base + n++] = ch;
      }
    }
    this.cyuLen[slot] = n;
    md5.final(this.digest, 0);
    writeHex(this.digest, 0, 16, this.cyuHash, slot * 32, 0, false);
  }

  /** Fills the sink's buffers with what the flow's client said and reports transaction 0. */
  private report(slot: number, sink: AppSink): void {
    this.reported[slot] = 1;
    const b = sink.buffers;
    const f = this.fields;
    const d = f.data;
    b.reset();
    if (this.version[slot] !== 0) b.add(BUF_QUIC_VERSION, this.versionBytes, slot * 4, 4);
    if (f.length(slot, TF_SNI) > 0) b.add(BUF_QUIC_SNI, d, f.base(slot, TF_SNI), f.length(slot, TF_SNI));
    const kind = this.helloKind[slot];
    if (kind === HELLO_TLS && f.length(slot, TF_JA3_HASH) > 0) {
      b.add(BUF_JA3_HASH, d, f.base(slot, TF_JA3_HASH), f.length(slot, TF_JA3_HASH));
      b.add(BUF_JA3_STRING, d, f.base(slot, TF_JA3), f.length(slot, TF_JA3));
      b.add(BUF_JA4_HASH, d, f.base(slot, TF_JA4), f.length(slot, TF_JA4));
    } else if (kind === HELLO_CHLO) {
      if (this.uaLen[slot] > 0) b.add(BUF_QUIC_UA, this.ua, slot * this.config.uaBytes, this.uaLen[slot]);
      b.add(BUF_QUIC_CYU_HASH, this.cyuHash, slot * 32, 32);
      b.add(BUF_QUIC_CYU_STRING, this.cyu, slot * CYU_BYTES, this.cyuLen[slot]);
    }
    sink.tx(0, 0, P_CLIENT);
  }

  gap(_slot: number, _dir: number, _len: number): number {
    return PARSE_OK; // datagrams: nothing to resynchronise
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {
    // a ClientHello still missing CRYPTO bytes is simply dropped
  }

  // -- getters for application identification (views into `data`, valid until the slot closes)

  /** The bytes behind sniStart / alpnStart / ja4Start. */
  get data(): Uint8Array {
    return this.fields.data;
  }
  sniStart(slot: number): number {
    return this.fields.base(slot, TF_SNI);
  }
  /** 0 when no hello (or one without SNI) was read yet. */
  sniLength(slot: number): number {
    return this.fields.length(slot, TF_SNI);
  }
  /** Client ALPN values (IETF QUIC only; "h3", …). */
  alpnCount(slot: number): number {
    return this.fields.alpnCount[slot];
  }
  alpnStart(slot: number, k: number): number {
    return this.fields.base(slot, TF_ALPN) + this.fields.alpnOff[slot * MAX_ALPN + k];
  }
  alpnLength(slot: number, k: number): number {
    return this.fields.alpnLen[slot * MAX_ALPN + k];
  }
  /** JA4 ("q13d…"), IETF QUIC only; length 0 before the ClientHello. */
  ja4Start(slot: number): number {
    return this.fields.base(slot, TF_JA4);
  }
  ja4Length(slot: number): number {
    return this.helloKind[slot] === HELLO_TLS ? this.fields.length(slot, TF_JA4) : 0;
  }
  /** The QUIC version of the flow's client packets (0 before one was seen): 1, 0x6b3343cf, 0x51303436 ("Q046") … */
  quicVersion(slot: number): number {
    return this.version[slot];
  }
  /** gQUIC user agent (UAID), in `userAgentData`. */
  get userAgentData(): Uint8Array {
    return this.ua;
  }
  userAgentStart(slot: number): number {
    return slot * this.config.uaBytes;
  }
  userAgentLength(slot: number): number {
    return this.uaLen[slot];
  }
  /** Whether the client's hello (TLS ClientHello or gQUIC CHLO) has been read. */
  helloSeen(slot: number): boolean {
    return this.helloKind[slot] !== HELLO_NONE;
  }
}
