/**
 * RDP connection-sequence parser (ALPROTO_RDP, MS-RDPBCGR 1.3.1.1): TPKT + X.224 Connection Request
 * (routing cookie `Cookie: mstshash=NAME` → BUF_RDP_COOKIE, RDP_NEG_REQ requested protocols),
 * Connection Confirm (selected protocol: when TLS / CredSSP / RDSTLS is selected the rest is
 * encrypted and the parser stops), and MCS Connect Initial (GCC Conference Create Request: client core
 * data, network data channel names → BUF_RDP_CHANNEL, one view per channel, e.g. "MS_T120" for
 * BlueKeep). After that the stream is RDP-encrypted or bulk data: the parser stops looking.
 *
 * Must never allocate after construction nor throw on input: TPKT PDUs split anywhere are gathered
 * per slot and direction up to `maxPdu` bytes (longer PDUs are inspected truncated).
 *
 * @example
 * ```ts
 * import { RdpParser } from "./rdp.ts";
 * const rdp = new RdpParser({ slots: 64 });
 * const slot = rdp.open();
 * // rdp.parse(slot, DIR_TOSERVER, bytes, 0, bytes.length, sink) → tx 0 (X.224), tx 1 (MCS)
 * rdp.channelName(slot, 0); // "MS_T120" (cold, for tests / diagnostics)
 * rdp.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { BUF_RDP_CHANNEL, BUF_RDP_COOKIE } from "../../detect/buffers.ts";
import type { AppParser, AppSink, Probe } from "../parser.ts";
import {
  DIR_TOCLIENT,
  DIR_TOSERVER,
  PARSE_ERROR,
  PARSE_OK,
  PROBE_NEED_MORE,
  TX_REQUEST_DONE,
  TX_RESPONSE_DONE,
} from "../parser.ts";
import { ALPROTO_RDP, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";

// Tsugi's own (Suricata's RDP parser defines no events).
export const A_RDP_MALFORMED = defineAnomaly("rdp.malformed_data", "applayer");
/** More static channels than MS-RDPBCGR allows (31) or than `maxChannels`. */
export const A_RDP_TOO_MANY_CHANNELS = defineAnomaly("rdp.too_many_channels", "applayer");

/** RDP_NEG_REQ / RDP_NEG_RSP protocol bits. */
export const PROTOCOL_RDP = 0;
export const PROTOCOL_SSL = 1;
export const PROTOCOL_HYBRID = 2;
export const PROTOCOL_RDSTLS = 4;
export const PROTOCOL_HYBRID_EX = 8;

export interface RdpConfig {
  slots: number;
  /** Bytes of one TPKT PDU gathered when it arrives split. */
  maxPdu: number;
  /** Channel names kept per flow (the protocol allows 31). */
  maxChannels: number;
  /** Bytes of the routing cookie kept. */
  maxCookie: number;
}

export function defaultRdpConfig(): RdpConfig {
  return { slots: 256, maxPdu: 4096, maxChannels: 31, maxCookie: 128 };
}

/** TPKT v3 carrying an X.224 Connection Request (toserver) or Confirm (toclient). */
export const probeRdp: Probe = (_dir, buf, off, len) => {
  if (len < 1) return PROBE_NEED_MORE;
  if (buf[off] !== 3) return ALPROTO_UNKNOWN;
  if (len < 6) return PROBE_NEED_MORE;
  if (buf[off + 1] !== 0) return ALPROTO_UNKNOWN;
  const tl = (buf[off + 2] << 8) | buf[off + 3];
  const li = buf[off + 4];
  const code = buf[off + 5] & 0xf0;
  if (tl < 11 || li + 5 > tl || li < 6) return ALPROTO_UNKNOWN;
  return code === 0xe0 || code === 0xd0 ? ALPROTO_RDP : ALPROTO_UNKNOWN;
};

const ST_X224 = 0; // expecting the Connection Request / Confirm
const ST_MCS = 1; // expecting MCS Connect Initial / Response
const ST_DONE = 2; // encrypted or past the connection sequence: ignore

const COOKIE = [0x43, 0x6f, 0x6f, 0x6b, 0x69, 0x65, 0x3a, 0x20, 0x6d, 0x73, 0x74, 0x73, 0x68, 0x61, 0x73, 0x68, 0x3d]; // "Cookie: mstshash="

export class RdpParser implements AppParser {
  readonly proto = ALPROTO_RDP;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: RdpConfig;
  /** Per slot: RDP_NEG_REQ requestedProtocols (-1 absent), RDP_NEG_RSP selectedProtocol (-1 absent). */
  readonly requestedProtocols: Int32Array;
  readonly selectedProtocol: Int32Array;
  /** Per slot: client core data `clientBuild` and `version` (0 unknown). */
  readonly clientBuild: Uint32Array;
  readonly clientVersion: Uint32Array;
  /** Per slot: channels requested in client network data (names in `channels`, 8 bytes each, NUL-padded). */
  readonly channelCount: Int32Array;
  readonly channels: Uint8Array;
  readonly channelLen: Uint8Array;

  private readonly pool: SlotPool;
  private readonly state: Uint8Array; // per slot*2+dir
  private readonly pdu: Uint8Array;
  private readonly have: Int32Array;
  private readonly pduLen: Int32Array;
  private readonly skip: Int32Array;
  private readonly cookie: Uint8Array;
  private readonly cookieLen: Int32Array;

  constructor(cfg: Partial<RdpConfig> = {}) {
    const c = { ...defaultRdpConfig(), ...cfg };
    if (!(c.slots > 0) || !(c.maxPdu >= 16) || !(c.maxChannels > 0) || !(c.maxCookie > 0)) {
      throw new Error("rdp config: slots, maxChannels, maxCookie > 0 and maxPdu >= 16 are required");
    }
    this.config = c;
    const n = c.slots;
    this.pool = new SlotPool(n);
    this.state = new Uint8Array(n * 2);
    this.pdu = new Uint8Array(n * 2 * c.maxPdu);
    this.have = new Int32Array(n * 2);
    this.pduLen = new Int32Array(n * 2);
    this.skip = new Int32Array(n * 2);
    this.cookie = new Uint8Array(n * c.maxCookie);
    this.cookieLen = new Int32Array(n);
    this.requestedProtocols = new Int32Array(n);
    this.selectedProtocol = new Int32Array(n);
    this.clientBuild = new Uint32Array(n);
    this.clientVersion = new Uint32Array(n);
    this.channelCount = new Int32Array(n);
    this.channels = new Uint8Array(n * c.maxChannels * 8);
    this.channelLen = new Uint8Array(n * c.maxChannels);
  }

  /** Bytes of typed-array state per slot. */
  static bytesPerSlot(cfg: Partial<RdpConfig> = {}): number {
    const c = { ...defaultRdpConfig(), ...cfg };
    return 2 * (1 + c.maxPdu + 12) + c.maxCookie + 4 + 4 * 4 + 4 + c.maxChannels * 9 + 1;
  }

  /** `open` calls that found the pool exhausted. */
  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s < 0) return -1;
    for (let d = 0; d < 2; d++) {
      this.state[s * 2 + d] = ST_X224;
      this.have[s * 2 + d] = 0;
      this.pduLen[s * 2 + d] = 0;
      this.skip[s * 2 + d] = 0;
    }
    this.cookieLen[s] = 0;
    this.requestedProtocols[s] = -1;
    this.selectedProtocol[s] = -1;
    this.clientBuild[s] = 0;
    this.clientVersion[s] = 0;
    this.channelCount[s] = 0;
    return s;
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  available(): number {
    return this.pool.available;
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    dir &= 1;
    const i = slot * 2 + dir;
    const max = this.config.maxPdu;
    const base = i * max;
    const end = off + len;
    let p = off;
    while (p < end && this.state[i] !== ST_DONE) {
      if (this.skip[i] > 0) {
        const n = Math.min(this.skip[i], end - p);
        this.skip[i] -= n;
        p += n;
        continue;
      }
      let have = this.have[i];
      if (have === 0 && end - p >= 4) {
        if (buf[p] !== 3) return this.fail(i, sink);
        const tl = (buf[p + 2] << 8) | buf[p + 3];
        if (tl < 7) return this.fail(i, sink);
        if (end - p >= tl) {
          this.tpkt(slot, dir, buf, p, tl, sink);
          p += tl;
          continue;
        }
      }
      if (have < 4) {
        while (have < 4 && p < end) this.pdu[base + have++] = buf[p++];
        this.have[i] = have;
        if (have < 4) break;
        if (this.pdu[base] !== 3) return this.fail(i, sink);
        const tl = (this.pdu[base + 2] << 8) | this.pdu[base + 3];
        if (tl < 7) return this.fail(i, sink);
        this.pduLen[i] = tl;
      }
      const tl = this.pduLen[i];
      const want = tl < max ? tl : max;
      const n = Math.min(want - have, end - p);
      for (let k = 0; k < n; k++) this.pdu[base + have + k] = buf[p + k];
      have += n;
      p += n;
      this.have[i] = have;
      if (have < want) break;
      this.have[i] = 0;
      if (tl > max) this.skip[i] = tl - max;
      this.tpkt(slot, dir, this.pdu, base, want, sink);
    }
    return PARSE_OK;
  }

  private fail(i: number, sink: AppSink): number {
    sink.event(A_RDP_MALFORMED);
    this.state[i] = ST_DONE;
    return PARSE_ERROR;
  }

  gap(slot: number, dir: number, _len: number): number {
    if (slot < 0 || slot >= this.pool.size) return PARSE_ERROR;
    this.state[slot * 2 + (dir & 1)] = ST_DONE;
    return PARSE_OK;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  /** One TPKT PDU (`len` bytes at `off`, header included). */
  private tpkt(slot: number, dir: number, b: Uint8Array, off: number, len: number, sink: AppSink): void {
    const i = slot * 2 + dir;
    const end = off + len;
    if (len < 7) {
      sink.event(A_RDP_MALFORMED);
      return;
    }
    const li = b[off + 4];
    const code = b[off + 5] & 0xf0;
    const xEnd = off + 5 + li;
    if (xEnd > end) {
      sink.event(A_RDP_MALFORMED);
      return;
    }
    if (this.state[i] === ST_X224) {
      if (dir === DIR_TOSERVER && code === 0xe0) {
        this.connectionRequest(slot, b, off + 11, xEnd, sink);
        this.state[i] = ST_MCS;
        this.emitX224(slot, DIR_TOSERVER, TX_REQUEST_DONE, sink);
        return;
      }
      if (dir === DIR_TOCLIENT && code === 0xd0) {
        const p = off + 11;
        if (p + 8 <= xEnd && b[p] === 2) this.selectedProtocol[slot] = u32(b, p + 4);
        else if (p + 8 <= xEnd && b[p] === 3) this.selectedProtocol[slot] = -1; // RDP_NEG_FAILURE
        else this.selectedProtocol[slot] = PROTOCOL_RDP;
        // Anything but standard RDP security means TLS/CredSSP follows: nothing more to read.
        if (this.selectedProtocol[slot] !== PROTOCOL_RDP) {
          this.state[i] = ST_DONE;
          this.state[slot * 2] = ST_DONE;
        } else this.state[i] = ST_MCS;
        this.emitX224(slot, DIR_TOCLIENT, TX_REQUEST_DONE | TX_RESPONSE_DONE, sink);
        return;
      }
      sink.event(A_RDP_MALFORMED);
      this.state[i] = ST_DONE;
      return;
    }
    // ST_MCS: X.224 Data TPDU (LI 2, 0xF0, EOT) carrying MCS
    if (code !== 0xf0) return;
    if (dir === DIR_TOSERVER) {
      if (xEnd + 2 <= end && b[xEnd] === 0x7f && b[xEnd + 1] === 0x65) {
        this.connectInitial(slot, b, xEnd, end, sink);
        const bufs = sink.buffers;
        bufs.reset();
        this.fillChannels(slot, sink);
        this.fillCookie(slot, sink);
        sink.tx(1, DIR_TOSERVER, TX_REQUEST_DONE);
      }
    }
    this.state[i] = ST_DONE;
  }

  private connectionRequest(slot: number, b: Uint8Array, p: number, end: number, sink: AppSink): void {
    // routing token or cookie, CRLF-terminated, then optional RDP_NEG_REQ
    if (end - p >= COOKIE.length) {
      let k = 0;
      while (k < COOKIE.length && b[p + k] === COOKIE[k]) k++;
      if (k === COOKIE.length) {
        const s = p + k;
        let e = s;
        while (e + 1 < end && !(b[e] === 0x0d && b[e + 1] === 0x0a)) e++;
        const crlf = e + 1 < end;
        if (!crlf) e = end;
        const mc = this.config.maxCookie;
        const n = e - s < mc ? e - s : mc;
        for (let j = 0; j < n; j++) this.cookie[slot * mc + j] = b[s + j];
        this.cookieLen[slot] = n;
        p = crlf ? e + 2 : end;
      }
    }
    if (p < end && b[p] !== 1) {
      // a routing token ("Cookie: msts=...") — skip to its CRLF
      let e = p;
      while (e + 1 < end && !(b[e] === 0x0d && b[e + 1] === 0x0a)) e++;
      p = e + 1 < end ? e + 2 : end;
    }
    if (p + 8 <= end && b[p] === 1) {
      if (b[p + 2] !== 8 || b[p + 3] !== 0) sink.event(A_RDP_MALFORMED);
      this.requestedProtocols[slot] = u32(b, p + 4);
    }
  }

  /** MCS Connect Initial: finds the GCC Conference Create Request ("Duca") and walks its client data blocks. */
  private connectInitial(slot: number, b: Uint8Array, p: number, end: number, sink: AppSink): void {
    let q = -1;
    for (let k = p; k + 4 <= end; k++) {
      if (b[k] === 0x44 && b[k + 1] === 0x75 && b[k + 2] === 0x63 && b[k + 3] === 0x61) {
        q = k + 4;
        break;
      }
    }
    if (q < 0 || q >= end) {
      sink.event(A_RDP_MALFORMED);
      return;
    }
    // PER length
    let blen = b[q];
    q++;
    if ((blen & 0x80) !== 0) {
      if (q >= end) return;
      blen = ((blen & 0x7f) << 8) | b[q];
      q++;
    }
    const bend = q + blen < end ? q + blen : end;
    for (let k = 0; k < 32 && q + 4 <= bend; k++) {
      const type = u16(b, q);
      const l = u16(b, q + 2);
      if (l < 4) {
        sink.event(A_RDP_MALFORMED);
        return;
      }
      const e = q + l < bend ? q + l : bend;
      if (type === 0xc001 && q + 24 <= e) {
        this.clientVersion[slot] = u32(b, q + 4);
        this.clientBuild[slot] = u32(b, q + 20);
      } else if (type === 0xc003 && q + 8 <= e) {
        const count = u32(b, q + 4);
        const mc = this.config.maxChannels;
        if (count > 31 || count > mc) sink.event(A_RDP_TOO_MANY_CHANNELS);
        let n = 0;
        for (let c = 0; c < count && n < mc; c++) {
          const d = q + 8 + c * 12;
          if (d + 12 > e) {
            sink.event(A_RDP_MALFORMED);
            break;
          }
          const at = (slot * mc + n) * 8;
          let nl = 0;
          while (nl < 8 && b[d + nl] !== 0) {
            this.channels[at + nl] = b[d + nl];
            nl++;
          }
          this.channelLen[slot * mc + n] = nl;
          n++;
        }
        this.channelCount[slot] = n;
      }
      q += l;
    }
  }

  private emitX224(slot: number, dir: number, progress: number, sink: AppSink): void {
    sink.buffers.reset();
    this.fillCookie(slot, sink);
    sink.tx(0, dir, progress);
  }

  private fillCookie(slot: number, sink: AppSink): void {
    if (this.cookieLen[slot] > 0) {
      sink.buffers.add(BUF_RDP_COOKIE, this.cookie, slot * this.config.maxCookie, this.cookieLen[slot]);
    }
  }

  private fillChannels(slot: number, sink: AppSink): void {
    const mc = this.config.maxChannels;
    for (let c = 0; c < this.channelCount[slot]; c++) {
      sink.buffers.add(BUF_RDP_CHANNEL, this.channels, (slot * mc + c) * 8, this.channelLen[slot * mc + c]);
    }
  }

  /** Channel `i` of a slot as a string (cold; tests and diagnostics). */
  channelName(slot: number, i: number): string {
    if (i < 0 || i >= this.channelCount[slot]) return "";
    const mc = this.config.maxChannels;
    let s = "";
    const at = (slot * mc + i) * 8;
    for (let k = 0; k < this.channelLen[slot * mc + i]; k++) s += String.fromCharCode(this.channels[at + k]);
    return s;
  }

  /** The routing cookie of a slot as a string (cold). */
  cookieText(slot: number): string {
    const mc = this.config.maxCookie;
    let s = "";
    for (let k = 0; k < this.cookieLen[slot]; k++) s += String.fromCharCode(this.cookie[slot * mc + k]);
    return s;
  }
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
