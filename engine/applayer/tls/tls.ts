/**
 * The TLS parser (ALPROTO_TLS) and its probe. Walks TLS records in each direction across TCP pieces of
 * any size (a record header may arrive a byte at a time, a handshake message may span records),
 * reports an SSLv2-compatible ClientHello (its version; the body is skipped), and reads the handshake until it turns encrypted: ClientHello
 * (SNI, ALPN, JA3, JA4), ServerHello (negotiated version, cipher, JA3S) and the server's Certificate
 * message (every certificate as a `tls.certs` view; the leaf's subject, issuer, serial, SHA-1
 * fingerprint and validity). After ChangeCipherSpec or application data in a direction, records there
 * are only counted, never parsed.
 *
 * One transaction per flow (tx id 0), reported at ClientHello (TX_REQUEST_LINE | TX_REQUEST_HEADERS),
 * with `FIELD_TLS_VERSION` per direction as Suricata's `ssl_version` reads it (client: the hello's version;
 * server: the negotiated one),
 * ServerHello (+ TX_RESPONSE_LINE) and Certificate (+ TX_RESPONSE_HEADERS). Once both directions are
 * encrypted, progress also carries TX_REQUEST_DONE | TX_RESPONSE_DONE.
 *
 * Hot path: `parse` allocates nothing and never throws. Per-flow state lives in typed arrays sized from
 * `TlsConfig` at construction (`bytesPerSlot` says how much); handshake messages larger than the
 * direction's buffer are skipped and counted. Malformed records raise Suricata's `tls.*` events; a
 * stream that is not TLS at all returns PARSE_ERROR.
 *
 * @example
 * ```ts
 * import { TlsParser, defaultTlsConfig } from "./tls.ts";
 * const tls = new TlsParser(defaultTlsConfig());
 * const slot = tls.open();
 * // tls.parse(slot, DIR_TOSERVER, bytes, 0, bytes.length, sink);  // sink.tx(0, 0, progress) at ClientHello
 * tls.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import {
  BUF_JA3_HASH,
  BUF_JA3_STRING,
  BUF_JA3S_HASH,
  BUF_JA3S_STRING,
  BUF_JA4_HASH,
  BUF_TLS_ALPN,
  BUF_TLS_CERT_FINGERPRINT,
  BUF_TLS_CERT_ISSUER,
  BUF_TLS_CERT_SERIAL,
  BUF_TLS_CERT_SUBJECT,
  BUF_TLS_CERTS,
  BUF_TLS_SNI,
  FIELD_TLS_STATE,
  FIELD_TLS_VERSION,
} from "../../detect/buffers.ts";
import type { AppParser, AppSink } from "../parser.ts";
import {
  PARSE_ERROR,
  PARSE_OK,
  PROBE_NEED_MORE,
  TX_REQUEST_DONE,
  TX_REQUEST_HEADERS,
  TX_REQUEST_LINE,
  TX_RESPONSE_DONE,
  TX_RESPONSE_HEADERS,
  TX_RESPONSE_LINE,
} from "../parser.ts";
import { ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";
import {
  MAX_ALPN,
  TF_ALPN,
  TF_FINGERPRINT,
  TF_ISSUER,
  TF_JA3,
  TF_JA3_HASH,
  TF_JA3S,
  TF_JA3S_HASH,
  TF_JA4,
  TF_SALPN,
  TF_SERIAL,
  TF_SNI,
  TF_SUBJECT,
  TlsFields,
} from "./fields.ts";
import { HelloReader } from "./hello.ts";
import { X509Reader } from "./x509.ts";

export const A_TLS_INVALID_SSLV2_HEADER = defineAnomaly("tls.invalid_sslv2_header", "applayer");
export const A_TLS_INVALID_RECORD_TYPE = defineAnomaly("tls.invalid_record_type", "applayer");
export const A_TLS_INVALID_RECORD_VERSION = defineAnomaly("tls.invalid_record_version", "applayer");
export const A_TLS_INVALID_RECORD_LENGTH = defineAnomaly("tls.invalid_record_length", "applayer");
export const A_TLS_INVALID_HANDSHAKE_MESSAGE = defineAnomaly("tls.invalid_handshake_message", "applayer");
export const A_TLS_HEARTBEAT_MESSAGE = defineAnomaly("tls.heartbeat_message", "applayer");
/** A clear-text heartbeat whose payload_length + 3 exceeds its record (CVE-2014-0160, Heartbleed). */
export const A_TLS_OVERFLOW_HEARTBEAT_MESSAGE = defineAnomaly("tls.overflow_heartbeat_message", "applayer");
/** A clear-text heartbeat of unknown type or with less than the 16 bytes of padding RFC 6520 requires. */
export const A_TLS_INVALID_HEARTBEAT_MESSAGE = defineAnomaly("tls.invalid_heartbeat_message", "applayer");
/** An encrypted heartbeat answer longer than the request it answers: the peer returned more than it got. */
export const A_TLS_DATALEAK_HEARTBEAT_MISMATCH = defineAnomaly("tls.dataleak_heartbeat_mismatch", "applayer");
export const A_TLS_INVALID_CERTIFICATE = defineAnomaly("tls.invalid_certificate", "applayer");
export const A_TLS_CERTIFICATE_INVALID_LENGTH = defineAnomaly("tls.certificate_invalid_length", "applayer");
export const A_TLS_CERTIFICATE_INVALID_DER = defineAnomaly("tls.certificate_invalid_der", "applayer");

export interface TlsConfig {
  /** Flows parsed at once (pool slots). */
  maxFlows: number;
  /** Largest handshake message kept from the client (a ClientHello); larger ones are skipped. */
  clientHandshakeBytes: number;
  /** Largest handshake message kept from the server (the Certificate chain); larger ones are skipped. */
  serverHandshakeBytes: number;
  /** Bytes of SNI kept. */
  sniBytes: number;
  /** Bytes of the JA3 string kept (the hash always covers all of it). */
  ja3Bytes: number;
  /** Bytes of certificate subject / issuer text kept. */
  nameBytes: number;
  /** Certificates of one Certificate message offered as `tls.certs` views. */
  maxCerts: number;
}

export function defaultTlsConfig(): TlsConfig {
  return {
    maxFlows: 512,
    clientHandshakeBytes: 8192,
    serverHandshakeBytes: 24576,
    sniBytes: 256,
    ja3Bytes: 1024,
    nameBytes: 512,
    maxCerts: 16,
  };
}

const REC_HDR = 0;
const REC_BODY = 1;
const REC_SSLV2 = 2;

const CT_CCS = 20;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;
const CT_HEARTBEAT = 24;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_KEY_EXCHANGE = 12;
const HS_CLIENT_KEY_EXCHANGE = 16;
/** FIELD_TLS_STATE values: the handshake message an inspection is about (rules/ast.ts `sslState` bits). */
const SSL_STATE_CLIENT_HELLO = 1;
const SSL_STATE_SERVER_HELLO = 2;
const SSL_STATE_CLIENT_KEYX = 4;
const SSL_STATE_SERVER_KEYX = 8;
const SSL_STATE_UNKNOWN = 16;

/** Largest legal record body (2^14 plus the ciphertext expansion TLS 1.2 allows). */
const MAX_RECORD = 16384 + 2048;

const P_CLIENT = TX_REQUEST_LINE | TX_REQUEST_HEADERS;
const P_SERVER = TX_RESPONSE_LINE;
const P_CERT = TX_RESPONSE_HEADERS;
const P_DONE = TX_REQUEST_DONE | TX_RESPONSE_DONE;

/** Handshake message types TLS 1.0–1.3 define. */
function knownHandshake(t: number): boolean {
  return (t >= 0 && t <= 5) || t === 8 || (t >= 11 && t <= 16) || (t >= 20 && t <= 25) || t === 254;
}

/**
 * TLS by content: a handshake record (type 22, version 3.x) carrying a ClientHello or ServerHello, or an
 * SSLv2-format ClientHello. PROBE_NEED_MORE until enough bytes are there to tell.
 */
export function probeTls(_dir: number, buf: Uint8Array, off: number, len: number): number {
  if (len < 1) return PROBE_NEED_MORE;
  const b0 = buf[off];
  if (b0 === CT_HANDSHAKE) {
    if (len < 3) return PROBE_NEED_MORE;
    if (buf[off + 1] !== 3 || buf[off + 2] > 4) return ALPROTO_UNKNOWN;
    if (len < 6) return PROBE_NEED_MORE;
    const t = buf[off + 5];
    return t === HS_CLIENT_HELLO || t === HS_SERVER_HELLO ? ALPROTO_TLS : ALPROTO_UNKNOWN;
  }
  if (b0 & 0x80) {
    // SSLv2 record: 2-byte length, msg CLIENT-HELLO (1), version 0.2 or 3.0-3.4
    if (len < 5) return PROBE_NEED_MORE;
    return isSslv2Hello(buf, off) ? ALPROTO_TLS : ALPROTO_UNKNOWN;
  }
  return ALPROTO_UNKNOWN;
}

function isSslv2Hello(buf: Uint8Array, off: number): boolean {
  const recLen = ((buf[off] & 0x7f) << 8) | buf[off + 1];
  if (buf[off + 2] !== 1 || recLen < 9) return false;
  const major = buf[off + 3];
  const minor = buf[off + 4];
  return (major === 0 && minor === 2) || (major === 3 && minor <= 4);
}

export class TlsParser implements AppParser {
  /** The handshake message the next report is about (FIELD_TLS_STATE). */
  private stateNow = SSL_STATE_UNKNOWN;
  readonly proto = ALPROTO_TLS;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: TlsConfig;
  private readonly pool: SlotPool;
  /** Per-flow facts (SNI, ALPN, JA3, certificate fields …); see the getters below. */
  readonly fields: TlsFields;
  private readonly hello = new HelloReader();
  private readonly x509 = new X509Reader();

  // per direction (index slot * 2 + dir)
  private readonly recState: Uint8Array;
  private readonly hdr: Uint8Array;
  private readonly hdrLen: Uint8Array;
  private readonly recType: Uint8Array;
  private readonly recRemain: Int32Array;
  private readonly encrypted: Uint8Array;
  private readonly started: Uint8Array;
  private readonly hsHdr: Uint8Array;
  private readonly hsHdrLen: Uint8Array;
  private readonly hsLen: Int32Array;
  private readonly hsGot: Int32Array;
  private readonly hsKeep: Uint8Array;
  /** Clear-text heartbeat header bytes (type, payload_length) gathered so far, and their value. */
  private readonly hbGot: Uint8Array;
  private readonly hbVal: Int32Array;
  private readonly recLen: Int32Array;
  /** Records seen per direction, and those of them that were encrypted (not parsed). */
  readonly records: Uint32Array;
  readonly encryptedRecords: Uint32Array;
  // per flow
  private readonly progress: Uint8Array;
  private readonly clientVer: Uint16Array;
  private readonly version: Uint16Array;
  /** Per direction: the version of the last record header (what Suricata reports before the hello). */
  private readonly recVer: Uint16Array;
  private readonly cipher: Uint16Array;
  /** Encrypted heartbeat in flight: the requesting direction + 1 (0 none) and its record length. */
  private readonly hbInflight: Uint8Array;
  private readonly hbReqLen: Int32Array;
  private readonly clientBuf: Uint8Array;
  private readonly serverBuf: Uint8Array;

  /** Handshake messages skipped because they were larger than the direction's buffer. */
  oversized = 0;

  constructor(config: TlsConfig = defaultTlsConfig()) {
    if (!(config.maxFlows > 0)) throw new Error(`tls: maxFlows must be positive (got ${config.maxFlows})`);
    if (config.clientHandshakeBytes < 64 || config.serverHandshakeBytes < 64) {
      throw new Error("tls: clientHandshakeBytes and serverHandshakeBytes must be at least 64");
    }
    this.config = config;
    const n = config.maxFlows;
    this.pool = new SlotPool(n);
    this.fields = new TlsFields(n, config);
    this.recState = new Uint8Array(n * 2);
    this.hdr = new Uint8Array(n * 2 * 5);
    this.hdrLen = new Uint8Array(n * 2);
    this.recType = new Uint8Array(n * 2);
    this.recRemain = new Int32Array(n * 2);
    this.encrypted = new Uint8Array(n * 2);
    this.started = new Uint8Array(n * 2);
    this.hsHdr = new Uint8Array(n * 2 * 4);
    this.hsHdrLen = new Uint8Array(n * 2);
    this.hsLen = new Int32Array(n * 2);
    this.hsGot = new Int32Array(n * 2);
    this.hsKeep = new Uint8Array(n * 2);
    this.hbGot = new Uint8Array(n * 2);
    this.hbVal = new Int32Array(n * 2);
    this.recLen = new Int32Array(n * 2);
    this.hbInflight = new Uint8Array(n);
    this.hbReqLen = new Int32Array(n);
    this.records = new Uint32Array(n * 2);
    this.encryptedRecords = new Uint32Array(n * 2);
    this.progress = new Uint8Array(n);
    this.clientVer = new Uint16Array(n);
    this.version = new Uint16Array(n);
    this.recVer = new Uint16Array(n * 2);
    this.cipher = new Uint16Array(n);
    this.clientBuf = new Uint8Array(n * config.clientHandshakeBytes);
    this.serverBuf = new Uint8Array(n * config.serverHandshakeBytes);
  }

  /** Bytes of state one flow slot holds. */
  bytesPerSlot(): number {
    return (
      this.config.clientHandshakeBytes + this.config.serverHandshakeBytes + this.fields.bytesPerSlot() +
      2 * (5 + 1 + 1 + 4 + 1 + 1 + 4 + 1 + 4 + 4 + 1 + 4 + 4 + 1 + 4 + 4) + 1 + 6 + 1 + 4
    );
  }

  /** Flows that found the pool empty. */
  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s < 0) return -1;
    for (let d = 0; d < 2; d++) {
      const i = s * 2 + d;
      this.recState[i] = REC_HDR;
      this.hdrLen[i] = 0;
      this.recRemain[i] = 0;
      this.encrypted[i] = 0;
      this.started[i] = 0;
      this.hsHdrLen[i] = 0;
      this.hsGot[i] = 0;
      this.hsLen[i] = 0;
      this.records[i] = 0;
      this.encryptedRecords[i] = 0;
      this.recVer[i] = 0;
      this.hbGot[i] = 0;
    }
    this.hbInflight[s] = 0;
    this.progress[s] = 0;
    this.clientVer[s] = 0;
    this.version[s] = 0;
    this.cipher[s] = 0;
    this.fields.clear(s);
    return s;
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot) || (dir !== 0 && dir !== 1)) return PARSE_ERROR;
    const i = slot * 2 + dir;
    let end = off + len;
    if (end > buf.length) end = buf.length;
    let p = off;
    if (p < end && this.started[i] === 0) {
      this.started[i] = 1;
      if (dir === 0 && (buf[p] & 0x80) !== 0) this.recState[i] = REC_SSLV2;
    }
    while (p < end) {
      const st = this.recState[i];
      if (st === REC_HDR || st === REC_SSLV2) {
        const h = i * 5;
        while (this.hdrLen[i] < 5 && p < end) this.hdr[h + this.hdrLen[i]++] = buf[p++];
        if (this.hdrLen[i] < 5) break;
        this.hdrLen[i] = 0;
        if (st === REC_SSLV2) {
          if (!isSslv2Hello(this.hdr, h)) {
            sink.event(A_TLS_INVALID_SSLV2_HEADER);
            return PARSE_ERROR;
          }
          // an SSLv2-format ClientHello: its version field is the client's offer (Suricata reports it
          // for the client direction); there is no JA3 for it
          this.clientVer[slot] = (this.hdr[h + 3] << 8) | this.hdr[h + 4];
          this.records[i]++;
          this.recType[i] = 0;
          this.recRemain[i] = (((this.hdr[h] & 0x7f) << 8) | this.hdr[h + 1]) - 3;
          this.recState[i] = REC_BODY;
          this.progress[slot] |= P_CLIENT;
          this.stateNow = SSL_STATE_CLIENT_HELLO;
          this.report(slot, dir, sink, null, 0, 0);
          continue;
        }
        const type = this.hdr[h];
        const rl = (this.hdr[h + 3] << 8) | this.hdr[h + 4];
        if (type < CT_CCS || type > CT_HEARTBEAT) {
          sink.event(A_TLS_INVALID_RECORD_TYPE);
          return PARSE_ERROR;
        }
        if (this.hdr[h + 1] !== 3 || this.hdr[h + 2] > 4) {
          sink.event(A_TLS_INVALID_RECORD_VERSION);
          return PARSE_ERROR;
        }
        if (rl > MAX_RECORD) {
          // a leaking heartbeat answer (up to 64 KiB) is longer than any legal record: say what it is
          if (type === CT_HEARTBEAT && this.encrypted[i] !== 0) this.encryptedHeartbeat(slot, dir, rl, sink);
          sink.event(A_TLS_INVALID_RECORD_LENGTH);
          return PARSE_ERROR;
        }
        this.records[i]++;
        this.recVer[i] = (this.hdr[h + 1] << 8) | this.hdr[h + 2];
        if (type === CT_APPDATA) this.encrypted[i] = 1;
        if (this.encrypted[i] !== 0) this.encryptedRecords[i]++;
        if (type === CT_HEARTBEAT) {
          sink.event(A_TLS_HEARTBEAT_MESSAGE);
          if (this.encrypted[i] !== 0) this.encryptedHeartbeat(slot, dir, rl, sink);
          else if (rl < 3) sink.event(A_TLS_INVALID_HEARTBEAT_MESSAGE);
        }
        this.recType[i] = type;
        this.recRemain[i] = rl;
        this.recLen[i] = rl;
        this.hbGot[i] = 0;
        if (rl > 0) this.recState[i] = REC_BODY;
        if (type === CT_CCS) this.turnEncrypted(slot, dir, sink);
        continue;
      }
      // record body
      let n = end - p;
      if (n > this.recRemain[i]) n = this.recRemain[i];
      if (this.recType[i] === CT_HANDSHAKE && this.encrypted[i] === 0) {
        const r = this.handshake(slot, dir, buf, p, n, sink);
        if (r !== PARSE_OK) return r;
      } else if (this.recType[i] === CT_HEARTBEAT && this.encrypted[i] === 0 && this.hbGot[i] < 3) {
        this.heartbeatHeader(i, buf, p, n, sink);
      }
      p += n;
      this.recRemain[i] -= n;
      if (this.recRemain[i] === 0) this.recState[i] = REC_HDR;
    }
    return PARSE_OK;
  }

  /**
   * The first 3 body bytes of a clear-text heartbeat (type, payload_length), gathered across pieces.
   * RFC 6520: payload_length + 3 + at least 16 bytes of padding must fit the record; a vulnerable
   * OpenSSL (CVE-2014-0160) answers with payload_length bytes from its memory whatever the record held.
   */
  private heartbeatHeader(i: number, buf: Uint8Array, p: number, n: number, sink: AppSink): void {
    let k = 0;
    while (k < n && this.hbGot[i] < 3) {
      const g = this.hbGot[i]++;
      const b = buf[p + k++];
      if (g === 0) this.hbVal[i] = b << 16;
      else if (g === 1) this.hbVal[i] |= b << 8;
      else this.hbVal[i] |= b;
    }
    if (this.hbGot[i] < 3) return;
    const type = this.hbVal[i] >>> 16;
    const payload = this.hbVal[i] & 0xffff;
    if (payload + 3 > this.recLen[i]) sink.event(A_TLS_OVERFLOW_HEARTBEAT_MESSAGE);
    else if ((type !== 1 && type !== 2) || payload + 3 + 16 > this.recLen[i]) sink.event(A_TLS_INVALID_HEARTBEAT_MESSAGE);
  }

  /**
   * An encrypted heartbeat record (its payload_length is unreadable): the first one in flight is the
   * request; an answer from the other side longer than the request means the peer sent back more than
   * it was given (Heartbleed after the handshake).
   */
  private encryptedHeartbeat(slot: number, dir: number, rl: number, sink: AppSink): void {
    const inflight = this.hbInflight[slot];
    if (inflight === 0) {
      this.hbInflight[slot] = dir + 1;
      this.hbReqLen[slot] = rl;
      return;
    }
    if (inflight === dir + 1) {
      // another request from the same side: the newest is the one an answer would mirror
      this.hbReqLen[slot] = rl;
      return;
    }
    if (rl > this.hbReqLen[slot]) sink.event(A_TLS_DATALEAK_HEARTBEAT_MISMATCH);
    this.hbInflight[slot] = 0;
  }

  /** ChangeCipherSpec in `dir`: what follows there is encrypted. */
  private turnEncrypted(slot: number, dir: number, sink: AppSink): void {
    const i = slot * 2 + dir;
    if (this.encrypted[i] !== 0) return;
    this.encrypted[i] = 1;
    const other = slot * 2 + (dir ^ 1);
    if (this.encrypted[other] !== 0 && (this.progress[slot] & P_DONE) === 0) {
      this.progress[slot] |= P_DONE;
      this.report(slot, dir, sink, null, 0, 0);
    }
  }

  /** Handshake-layer bytes (the concatenated bodies of handshake records) of one direction. */
  private handshake(slot: number, dir: number, buf: Uint8Array, p: number, n: number, sink: AppSink): number {
    const i = slot * 2 + dir;
    const end = p + n;
    const cap = dir === 0 ? this.config.clientHandshakeBytes : this.config.serverHandshakeBytes;
    const hb = dir === 0 ? this.clientBuf : this.serverBuf;
    const base = slot * cap;
    while (p < end) {
      if (this.hsHdrLen[i] < 4) {
        this.hsHdr[i * 4 + this.hsHdrLen[i]++] = buf[p++];
        if (this.hsHdrLen[i] < 4) continue;
        const h = i * 4;
        const t = this.hsHdr[h];
        const ml = (this.hsHdr[h + 1] << 16) | (this.hsHdr[h + 2] << 8) | this.hsHdr[h + 3];
        if (!knownHandshake(t)) {
          sink.event(A_TLS_INVALID_HANDSHAKE_MESSAGE);
          // nothing after an unknown message can be trusted to be aligned
          this.encrypted[i] = 1;
          return PARSE_OK;
        }
        this.hsLen[i] = ml;
        this.hsGot[i] = 0;
        const wanted = (dir === 0 && t === HS_CLIENT_HELLO) ||
          (dir === 1 && (t === HS_SERVER_HELLO || t === HS_CERTIFICATE));
        this.hsKeep[i] = wanted && ml <= cap ? 1 : 0;
        if (wanted && ml > cap) this.oversized++;
      } else {
        let take = end - p;
        const left = this.hsLen[i] - this.hsGot[i];
        if (take > left) take = left;
        if (this.hsKeep[i] !== 0) {
          const o = base + this.hsGot[i];
          for (let k = 0; k < take; k++) hb[o + k] = buf[p + k];
        }
        this.hsGot[i] += take;
        p += take;
      }
      if (this.hsHdrLen[i] === 4 && this.hsGot[i] === this.hsLen[i]) {
        this.hsHdrLen[i] = 0;
        const t = this.hsHdr[i * 4];
        if (this.hsKeep[i] !== 0) this.message(slot, dir, t, hb, base, this.hsLen[i], sink);
        else if (t === HS_CLIENT_KEY_EXCHANGE || t === HS_SERVER_KEY_EXCHANGE) {
          // key exchanges are not parsed, but `ssl_state:client_keyx|server_keyx` rules look at them
          this.stateNow = t === HS_CLIENT_KEY_EXCHANGE ? SSL_STATE_CLIENT_KEYX : SSL_STATE_SERVER_KEYX;
          this.report(slot, dir, sink, null, 0, 0);
        }
      }
    }
    return PARSE_OK;
  }

  /** A complete kept handshake message. */
  private message(slot: number, dir: number, type: number, b: Uint8Array, off: number, len: number, sink: AppSink): void {
    const f = this.fields;
    this.stateNow = type === HS_CLIENT_HELLO ? SSL_STATE_CLIENT_HELLO : type === HS_SERVER_HELLO ? SSL_STATE_SERVER_HELLO : SSL_STATE_UNKNOWN;
    if (type === HS_CLIENT_HELLO) {
      const err = this.hello.client(b, off, len, f, slot);
      if (err !== 0) sink.event(err);
      this.clientVer[slot] = this.hello.clientVersion;
      this.progress[slot] |= P_CLIENT;
      this.report(slot, dir, sink, null, 0, 0);
    } else if (type === HS_SERVER_HELLO) {
      const err = this.hello.server(b, off, len, f, slot);
      if (err !== 0) sink.event(err);
      const sel = this.hello.serverSelectedVersion;
      this.version[slot] = sel !== 0 ? sel : this.hello.serverVersion;
      this.cipher[slot] = this.hello.serverCipher;
      this.progress[slot] |= P_SERVER;
      // TLS 1.3: everything after the ServerHello is encrypted, in both directions
      if (this.version[slot] === 0x0304) this.encrypted[slot * 2 + 1] = 1;
      this.report(slot, dir, sink, null, 0, 0);
    } else if (type === HS_CERTIFICATE) {
      if (len < 3) {
        sink.event(A_TLS_CERTIFICATE_INVALID_LENGTH);
        return;
      }
      const listLen = (b[off] << 16) | (b[off + 1] << 8) | b[off + 2];
      if (listLen + 3 !== len) {
        sink.event(A_TLS_CERTIFICATE_INVALID_LENGTH);
        return;
      }
      if (listLen >= 3) {
        const cl = (b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5];
        if (cl + 3 > listLen) {
          sink.event(A_TLS_CERTIFICATE_INVALID_LENGTH);
          return;
        }
        if (!this.x509.parse(b, off + 6, cl, f, slot)) sink.event(A_TLS_CERTIFICATE_INVALID_DER);
      }
      this.progress[slot] |= P_CERT;
      this.report(slot, dir, sink, b, off + 3, listLen);
    }
  }

  /** Fills the sink's buffers with everything known about the flow and reports transaction 0. */
  private report(slot: number, dir: number, sink: AppSink, certs: Uint8Array | null, cOff: number, cLen: number): void {
    const b = sink.buffers;
    const f = this.fields;
    const d = f.data;
    b.reset();
    const pr = this.progress[slot];
    if (f.length(slot, TF_SNI) > 0) b.add(BUF_TLS_SNI, d, f.base(slot, TF_SNI), f.length(slot, TF_SNI));
    const na = f.alpnCount[slot];
    const ab = f.base(slot, TF_ALPN);
    for (let k = 0; k < na; k++) {
      b.add(BUF_TLS_ALPN, d, ab + f.alpnOff[slot * MAX_ALPN + k], f.alpnLen[slot * MAX_ALPN + k]);
    }
    if (f.length(slot, TF_SALPN) > 0) b.add(BUF_TLS_ALPN, d, f.base(slot, TF_SALPN), f.length(slot, TF_SALPN));
    if ((pr & P_CLIENT) !== 0 && f.length(slot, TF_JA3_HASH) > 0) {
      b.add(BUF_JA3_HASH, d, f.base(slot, TF_JA3_HASH), f.length(slot, TF_JA3_HASH));
      b.add(BUF_JA3_STRING, d, f.base(slot, TF_JA3), f.length(slot, TF_JA3));
      b.add(BUF_JA4_HASH, d, f.base(slot, TF_JA4), f.length(slot, TF_JA4));
    }
    if ((pr & P_SERVER) !== 0) {
      b.add(BUF_JA3S_HASH, d, f.base(slot, TF_JA3S_HASH), f.length(slot, TF_JA3S_HASH));
      b.add(BUF_JA3S_STRING, d, f.base(slot, TF_JA3S), f.length(slot, TF_JA3S));
    }
    if ((pr & P_CERT) !== 0) {
      if (f.length(slot, TF_SUBJECT) > 0) {
        b.add(BUF_TLS_CERT_SUBJECT, d, f.base(slot, TF_SUBJECT), f.length(slot, TF_SUBJECT));
      }
      if (f.length(slot, TF_ISSUER) > 0) b.add(BUF_TLS_CERT_ISSUER, d, f.base(slot, TF_ISSUER), f.length(slot, TF_ISSUER));
      if (f.length(slot, TF_SERIAL) > 0) b.add(BUF_TLS_CERT_SERIAL, d, f.base(slot, TF_SERIAL), f.length(slot, TF_SERIAL));
      if (f.length(slot, TF_FINGERPRINT) > 0) {
        b.add(BUF_TLS_CERT_FINGERPRINT, d, f.base(slot, TF_FINGERPRINT), f.length(slot, TF_FINGERPRINT));
      }
    }
    if (certs !== null) {
      let p = cOff;
      const end = cOff + cLen;
      let k = 0;
      while (p + 3 <= end && k < this.config.maxCerts) {
        const cl = (certs[p] << 16) | (certs[p + 1] << 8) | certs[p + 2];
        if (p + 3 + cl > end) {
          sink.event(A_TLS_INVALID_CERTIFICATE);
          break;
        }
        b.add(BUF_TLS_CERTS, certs, p + 3, cl);
        p += 3 + cl;
        k++;
      }
    }
    const v = this.dirVersion(slot, dir);
    if (v !== 0) b.setField(FIELD_TLS_VERSION, v);
    // Suricata's ssl_state tests the handshake message being processed now
    b.setField(FIELD_TLS_STATE, this.stateNow);
    this.stateNow = SSL_STATE_UNKNOWN;
    sink.tx(0, dir, pr);
  }

  /**
   * The version `ssl_version` / `tls.version` test in direction `dir`, per side as Suricata keeps it: the
   * client's is the ClientHello's (SSLv2 or TLS) version, the server's the ServerHello's (the
   * supported_versions choice for TLS 1.3); before its hello, a side's last record-header version.
   */
  private dirVersion(slot: number, dir: number): number {
    const hello = dir === 0 ? this.clientVer[slot] : this.version[slot];
    return hello !== 0 ? hello : this.recVer[slot * 2 + dir];
  }

  gap(slot: number, dir: number, len: number): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const i = slot * 2 + dir;
    // Inside an encrypted record body the record walk survives; anything else loses the framing.
    if (this.recState[i] === REC_BODY && this.encrypted[i] !== 0 && len <= this.recRemain[i]) {
      this.recRemain[i] -= len;
      if (this.recRemain[i] === 0) this.recState[i] = REC_HDR;
      return PARSE_OK;
    }
    return PARSE_ERROR;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {
    // a partial record or handshake message is simply dropped: nothing is pending to inspect
  }

  // -- getters for application identification (views into `fields.data`, valid until the slot closes)

  /** The bytes behind every getter below. */
  get data(): Uint8Array {
    return this.fields.data;
  }
  sniStart(slot: number): number {
    return this.fields.base(slot, TF_SNI);
  }
  /** 0 when the ClientHello had no SNI (or none was seen yet). */
  sniLength(slot: number): number {
    return this.fields.length(slot, TF_SNI);
  }
  alpnCount(slot: number): number {
    return this.fields.alpnCount[slot];
  }
  alpnStart(slot: number, k: number): number {
    return this.fields.base(slot, TF_ALPN) + this.fields.alpnOff[slot * MAX_ALPN + k];
  }
  alpnLength(slot: number, k: number): number {
    return this.fields.alpnLen[slot * MAX_ALPN + k];
  }
  /** JA3 MD5 as 32 lower-case hex characters (length 0 before the ClientHello). */
  ja3HashStart(slot: number): number {
    return this.fields.base(slot, TF_JA3_HASH);
  }
  ja3HashLength(slot: number): number {
    return this.fields.length(slot, TF_JA3_HASH);
  }
  ja4Start(slot: number): number {
    return this.fields.base(slot, TF_JA4);
  }
  ja4Length(slot: number): number {
    return this.fields.length(slot, TF_JA4);
  }
  /** Negotiated version (ServerHello, supported_versions-aware), else the ClientHello's; 0 when unknown. */
  tlsVersion(slot: number): number {
    return this.version[slot] !== 0 ? this.version[slot] : this.clientVer[slot];
  }
  /** The cipher suite the server selected (0 when unknown). */
  selectedCipher(slot: number): number {
    return this.cipher[slot];
  }
  /** TX_* flags of what the handshake reached. */
  txProgress(slot: number): number {
    return this.progress[slot];
  }
}

/** Field ids for `fields.base` / `fields.length` (re-exported for callers that read `fields` directly). */
export { TF_FINGERPRINT, TF_ISSUER, TF_JA3, TF_JA3_HASH, TF_JA3S, TF_JA3S_HASH, TF_JA4, TF_SALPN, TF_SERIAL, TF_SNI, TF_SUBJECT };
