/**
 * DCERPC connection-oriented (MS-RPCE / C706 "ncacn") parser: over plain TCP (ALPROTO_DCERPC, the
 * endpoint mapper on 135 and the dynamic ports it hands out) and, as a library, over SMB named pipes
 * (the SMB parser feeds each pipe's bytes to its own slot of a `DcerpcParser`).
 *
 * Per PDU: header (5.0, packed drep: little or big endian), bind / alter_context (context id →
 * interface UUID + version, per association), bind_ack / alter_context_resp (which contexts were
 * accepted), request (opnum, context id, object UUID flag, stub), response (stub). Fragmented stubs
 * (first/last frag flags) are reassembled up to `maxStub` bytes. At each complete request or response
 * it fills FIELD_DCERPC_OPNUM, `buffers.iface` / `ifaceSet` / FIELD_DCERPC_IFACE_VER and
 * BUF_DCERPC_STUB_DATA and calls `sink.tx`. ept_map responses (endpoint mapper, opnum 3) teach the
 * bounded `expected` table which TCP ports the server handed out.
 *
 * Never allocates after construction, never throws on input: PDUs split anywhere are gathered in a
 * per-slot buffer (`maxPdu` bytes; longer PDUs are inspected truncated), malformed PDUs raise events.
 *
 * @example
 * ```ts
 * import { DcerpcParser } from "./dcerpc.ts";
 * const rpc = new DcerpcParser({ slots: 64 });
 * const slot = rpc.open();
 * // rpc.parse(slot, DIR_TOSERVER, bytes, 0, bytes.length, sink) → sink.tx(...) per request/response
 * rpc.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { BUF_DCERPC_STUB_DATA, FIELD_DCERPC_IFACE_VER, FIELD_DCERPC_OPNUM } from "../../detect/buffers.ts";
import type { AppParser, AppSink, Probe } from "../parser.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE, TX_REQUEST_DONE, TX_RESPONSE_DONE } from "../parser.ts";
import { ALPROTO_DCERPC, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";

// Tsugi-specific event names (Suricata's DCERPC parser defines none; these follow its naming).
export const A_DCERPC_MALFORMED = defineAnomaly("dcerpc.malformed_data", "applayer");
export const A_DCERPC_PDU_TOO_LARGE = defineAnomaly("dcerpc.pdu_too_large", "applayer");
export const A_DCERPC_STUB_TOO_LARGE = defineAnomaly("dcerpc.stub_too_large", "applayer");
export const A_DCERPC_FRAGMENT_ORDER = defineAnomaly("dcerpc.fragment_out_of_order", "applayer");

/** PDU types (C706 12.6.4). */
export const PT_REQUEST = 0;
export const PT_RESPONSE = 2;
export const PT_FAULT = 3;
export const PT_BIND = 11;
export const PT_BIND_ACK = 12;
export const PT_BIND_NAK = 13;
export const PT_ALTER_CONTEXT = 14;
export const PT_ALTER_CONTEXT_RESP = 15;

const PFC_FIRST_FRAG = 0x01;
const PFC_LAST_FRAG = 0x02;
const PFC_OBJECT_UUID = 0x80;
const HDR = 16;

export interface DcerpcConfig {
  /** Per-flow (or per-pipe) state slots. */
  slots: number;
  /** Bytes of one PDU gathered when it arrives split; a longer PDU is inspected truncated. */
  maxPdu: number;
  /** Bytes of reassembled stub per direction (fragmented requests/responses). */
  maxStub: number;
  /** Presentation contexts remembered per association. */
  maxContexts: number;
  /** Entries of the endpoint-mapper expected-ports table (shared by all slots). */
  expectedPorts: number;
}

export function defaultDcerpcConfig(): DcerpcConfig {
  return { slots: 256, maxPdu: 8192, maxStub: 16384, maxContexts: 16, expectedPorts: 256 };
}

/** The endpoint mapper's interface, e1af8308-5d1f-11c9-91a4-08002b14a0fa, as it sits on the wire (LE). */
const EPM_UUID = new Uint8Array([0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa]);

/**
 * Ports the endpoint mapper handed out (ept_map responses): a bounded ring, oldest overwritten.
 * The dispatcher asks `match(ip, port)` when a new TCP flow starts and, when it returns true, runs the
 * DCERPC parser on that flow (the content probe would find it too; this makes it certain).
 * `ip` is an IPv4 address as an unsigned 32-bit number; 0 in an entry means "any address".
 *
 * @example
 * ```ts
 * const t = new DcerpcExpectedPorts(16);
 * t.add(0xc0a80001, 49155);
 * t.match(0xc0a80001, 49155); // true
 * ```
 */
export class DcerpcExpectedPorts {
  readonly ip: Uint32Array;
  readonly port: Uint16Array;
  count = 0;
  private nextIdx = 0;
  /** Entries ever added (moves on overwrite too). */
  added = 0;

  constructor(readonly capacity: number) {
    const n = Math.max(1, capacity | 0);
    this.ip = new Uint32Array(n);
    this.port = new Uint16Array(n);
  }

  add(ip: number, port: number): void {
    if (port === 0) return;
    for (let i = 0; i < this.count; i++) if (this.port[i] === port && this.ip[i] === ip >>> 0) return;
    this.ip[this.nextIdx] = ip >>> 0;
    this.port[this.nextIdx] = port;
    this.nextIdx = (this.nextIdx + 1) % this.ip.length;
    if (this.count < this.ip.length) this.count++;
    this.added++;
  }

  match(ip: number, port: number): boolean {
    for (let i = 0; i < this.count; i++) {
      if (this.port[i] === port && (this.ip[i] === 0 || this.ip[i] === ip >>> 0)) return true;
    }
    return false;
  }

  clear(): void {
    this.count = 0;
    this.nextIdx = 0;
  }
}

/** Recognises a DCERPC PDU header (version 5.0/5.1 and a known bind/request type) at the start of a direction. */
export const probeDcerpc: Probe = (_dir, buf, off, len) => {
  if (len < 1) return PROBE_NEED_MORE;
  if (buf[off] !== 5) return ALPROTO_UNKNOWN;
  if (len < HDR) return PROBE_NEED_MORE;
  if (buf[off + 1] > 1) return ALPROTO_UNKNOWN;
  const t = buf[off + 2];
  if (t > 19) return ALPROTO_UNKNOWN;
  if ((buf[off + 4] & 0xee) !== 0) return ALPROTO_UNKNOWN; // drep integer/char nibbles
  const le = (buf[off + 4] & 0x10) !== 0;
  const flen = le ? buf[off + 8] | (buf[off + 9] << 8) : (buf[off + 8] << 8) | buf[off + 9];
  if (flen < HDR) return ALPROTO_UNKNOWN;
  return ALPROTO_DCERPC;
};

const CALLS = 8; // outstanding calls remembered per slot (call_id → tx)

export class DcerpcParser implements AppParser {
  readonly proto = ALPROTO_DCERPC;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: DcerpcConfig;
  /** Ports learnt from endpoint-mapper responses (all slots). */
  readonly expected: DcerpcExpectedPorts;
  /** PDUs parsed (all slots). */
  pdus = 0;

  private readonly pool: SlotPool;
  // PDU gathering, per slot and direction (index slot*2+dir)
  private readonly pdu: Uint8Array;
  private readonly pduHave: Int32Array;
  private readonly pduLen: Int32Array; // frag_length once the header is in, else 0
  private readonly skip: Int32Array; // bytes of an over-long PDU still to discard
  // stub reassembly, per slot and direction
  private readonly stub: Uint8Array;
  private readonly stubLen: Int32Array;
  private readonly stubActive: Uint8Array;
  private readonly stubTrunc: Uint8Array;
  // presentation contexts per slot
  private readonly ctxId: Int32Array; // -1 free
  private readonly ctxUuid: Uint8Array;
  private readonly ctxVer: Uint16Array;
  private readonly ctxVerMinor: Uint16Array;
  private readonly ctxState: Uint8Array; // 1 proposed, 2 accepted, 3 rejected
  /** Context ids of the last bind/alter_context, in order (bind_ack results refer to them by position). */
  private readonly bindOrder: Int32Array;
  private readonly bindCount: Int32Array;
  // calls per slot
  private readonly callId: Int32Array;
  private readonly callTx: Int32Array;
  private readonly callOpnum: Int32Array;
  private readonly callCtx: Int32Array;
  private readonly callNext: Int32Array;
  private readonly txCounter: Int32Array;
  /** Per slot: the opnum and context id of the last request seen (-1 none). */
  readonly lastOpnum: Int32Array;
  readonly lastCtx: Int32Array;
  /** Per slot: the last PDU type seen (-1 none). */
  readonly lastType: Int32Array;
  /** Transaction id the library user wants reported (set by `setTxBase`), -1: own numbering. */
  private readonly fixedTx: Int32Array;

  constructor(cfg: Partial<DcerpcConfig> = {}) {
    const c = { ...defaultDcerpcConfig(), ...cfg };
    if (!(c.slots > 0) || !(c.maxPdu >= HDR) || !(c.maxStub >= 0) || !(c.maxContexts > 0)) {
      throw new Error("dcerpc config: slots > 0, maxPdu >= 16, maxStub >= 0 and maxContexts > 0 are required");
    }
    this.config = c;
    const n = c.slots;
    this.expected = new DcerpcExpectedPorts(c.expectedPorts);
    this.pool = new SlotPool(n);
    this.pdu = new Uint8Array(n * 2 * c.maxPdu);
    this.pduHave = new Int32Array(n * 2);
    this.pduLen = new Int32Array(n * 2);
    this.skip = new Int32Array(n * 2);
    this.stub = new Uint8Array(n * 2 * c.maxStub);
    this.stubLen = new Int32Array(n * 2);
    this.stubActive = new Uint8Array(n * 2);
    this.stubTrunc = new Uint8Array(n * 2);
    const k = n * c.maxContexts;
    this.ctxId = new Int32Array(k).fill(-1);
    this.ctxUuid = new Uint8Array(k * 16);
    this.ctxVer = new Uint16Array(k);
    this.ctxVerMinor = new Uint16Array(k);
    this.ctxState = new Uint8Array(k);
    this.bindOrder = new Int32Array(k);
    this.bindCount = new Int32Array(n);
    this.callId = new Int32Array(n * CALLS);
    this.callTx = new Int32Array(n * CALLS);
    this.callOpnum = new Int32Array(n * CALLS);
    this.callCtx = new Int32Array(n * CALLS);
    this.callNext = new Int32Array(n);
    this.txCounter = new Int32Array(n);
    this.lastOpnum = new Int32Array(n);
    this.lastCtx = new Int32Array(n);
    this.lastType = new Int32Array(n);
    this.fixedTx = new Int32Array(n);
  }

  /** Bytes of typed-array state per slot (what `slots` multiplies). */
  static bytesPerSlot(cfg: Partial<DcerpcConfig> = {}): number {
    const c = { ...defaultDcerpcConfig(), ...cfg };
    return 2 * c.maxPdu + 2 * c.maxStub + 2 * 4 * 3 + 2 * 6 + c.maxContexts * (4 + 16 + 2 + 2 + 1 + 4) + 4 +
      CALLS * 16 + 4 * 6;
  }

  /** Slots refused because the pool was full. */
  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s >= 0) this.resetSlot(s);
    return s;
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  /** Slots free in the pool. */
  available(): number {
    return this.pool.available;
  }

  /** Library use (SMB pipes): report every transaction of this slot as `txId` (-1: number them per call). */
  setTxId(slot: number, txId: number): void {
    this.fixedTx[slot] = txId;
  }

  private resetSlot(s: number): void {
    for (let d = 0; d < 2; d++) {
      const i = s * 2 + d;
      this.pduHave[i] = 0;
      this.pduLen[i] = 0;
      this.skip[i] = 0;
      this.stubLen[i] = 0;
      this.stubActive[i] = 0;
      this.stubTrunc[i] = 0;
    }
    const m = this.config.maxContexts;
    for (let i = 0; i < m; i++) this.ctxId[s * m + i] = -1;
    this.bindCount[s] = 0;
    for (let i = 0; i < CALLS; i++) this.callId[s * CALLS + i] = -1;
    this.callNext[s] = 0;
    this.txCounter[s] = 0;
    this.lastOpnum[s] = -1;
    this.lastCtx[s] = -1;
    this.lastType[s] = -1;
    this.fixedTx[s] = -1;
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const i = slot * 2 + (dir & 1);
    const maxPdu = this.config.maxPdu;
    const base = i * maxPdu;
    let p = off;
    const end = off + len;
    while (p < end) {
      if (this.skip[i] > 0) {
        const n = Math.min(this.skip[i], end - p);
        this.skip[i] -= n;
        p += n;
        continue;
      }
      let have = this.pduHave[i];
      // Zero-copy: a whole PDU at the start of what is left, nothing gathered.
      if (have === 0 && end - p >= HDR) {
        if (buf[p] !== 5 || buf[p + 1] > 1) {
          sink.event(A_DCERPC_MALFORMED);
          return PARSE_ERROR;
        }
        const flen = fragLen(buf, p);
        if (flen < HDR) {
          sink.event(A_DCERPC_MALFORMED);
          return PARSE_ERROR;
        }
        if (end - p >= flen) {
          this.pduOne(slot, buf, p, flen, flen, sink);
          p += flen;
          continue;
        }
      }
      // Gather the header, then the PDU (up to maxPdu).
      if (have < HDR) {
        const n = Math.min(HDR - have, end - p);
        for (let k = 0; k < n; k++) this.pdu[base + have + k] = buf[p + k];
        have += n;
        p += n;
        this.pduHave[i] = have;
        if (have < HDR) break;
        if (this.pdu[base] !== 5 || this.pdu[base + 1] > 1) {
          sink.event(A_DCERPC_MALFORMED);
          this.pduHave[i] = 0;
          return PARSE_ERROR;
        }
        const flen = fragLen(this.pdu, base);
        if (flen < HDR) {
          sink.event(A_DCERPC_MALFORMED);
          this.pduHave[i] = 0;
          return PARSE_ERROR;
        }
        this.pduLen[i] = flen;
      }
      const flen = this.pduLen[i];
      const want = Math.min(flen, maxPdu);
      if (have < want) {
        const n = Math.min(want - have, end - p);
        for (let k = 0; k < n; k++) this.pdu[base + have + k] = buf[p + k];
        have += n;
        p += n;
        this.pduHave[i] = have;
        if (have < want) break;
      }
      // Complete (or as much as fits): inspect, then discard the rest of an over-long PDU.
      if (flen > maxPdu) {
        sink.event(A_DCERPC_PDU_TOO_LARGE);
        this.skip[i] = flen - maxPdu;
      }
      this.pduHave[i] = 0;
      this.pduLen[i] = 0;
      this.pduOne(slot, this.pdu, base, want, flen, sink);
    }
    return PARSE_OK;
  }

  gap(slot: number, dir: number, _len: number): number {
    if (slot < 0 || slot >= this.pool.size) return PARSE_ERROR;
    // A lost piece leaves no way to find the next PDU boundary in a byte stream.
    const i = slot * 2 + (dir & 1);
    this.pduHave[i] = 0;
    this.pduLen[i] = 0;
    this.skip[i] = 0;
    this.stubActive[i] = 0;
    this.stubLen[i] = 0;
    return PARSE_ERROR;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  /** One PDU: `avail` bytes of it at `off` (less than `flen` when truncated). */
  private pduOne(slot: number, b: Uint8Array, off: number, avail: number, flen: number, sink: AppSink): void {
    this.pdus++;
    const le = (b[off + 4] & 0x10) !== 0;
    const type = b[off + 2];
    const flags = b[off + 3];
    const authLen = u16(b, off + 10, le);
    const callId = u32(b, off + 12, le);
    this.lastType[slot] = type;
    // Stub/body ends before the auth verifier (8-byte sec_trailer + auth_length).
    let bodyEnd = off + flen - (authLen > 0 ? authLen + 8 : 0);
    if (bodyEnd < off + HDR) {
      sink.event(A_DCERPC_MALFORMED);
      bodyEnd = off + HDR;
    }
    const availEnd = off + avail;
    // The sec_trailer's auth_pad_length bytes before it are padding, not stub (MS-RPCE 2.2.2.11): the
    // server strips them, so must we (else a padded or fragmented authenticated call shifts or splits
    // the stub that end-anchored and string rules look at).
    if (authLen > 0 && bodyEnd + 8 <= availEnd) {
      const pad = b[bodyEnd + 2];
      if (bodyEnd - pad >= off + HDR) bodyEnd -= pad;
    }
    if (bodyEnd > availEnd) bodyEnd = availEnd;
    switch (type) {
      case PT_BIND:
      case PT_ALTER_CONTEXT:
        this.bind(slot, b, off, bodyEnd, le, sink);
        return;
      case PT_BIND_ACK:
      case PT_ALTER_CONTEXT_RESP:
        this.bindAck(slot, b, off, bodyEnd, le, sink);
        return;
      case PT_REQUEST: {
        if (bodyEnd < off + 24) {
          sink.event(A_DCERPC_MALFORMED);
          return;
        }
        const ctx = u16(b, off + 20, le);
        const opnum = u16(b, off + 22, le);
        let stubOff = off + 24;
        if ((flags & PFC_OBJECT_UUID) !== 0) stubOff += 16;
        if (stubOff > bodyEnd) {
          sink.event(A_DCERPC_MALFORMED);
          stubOff = bodyEnd;
        }
        this.lastOpnum[slot] = opnum;
        this.lastCtx[slot] = ctx;
        this.stubPiece(slot, 0, flags, callId, opnum, ctx, b, stubOff, bodyEnd - stubOff, sink);
        return;
      }
      case PT_RESPONSE:
      case PT_FAULT: {
        if (bodyEnd < off + 24) {
          sink.event(A_DCERPC_MALFORMED);
          return;
        }
        const stubOff = off + 24;
        const c = this.findCall(slot, callId);
        const opnum = c >= 0 ? this.callOpnum[c] : -1;
        const ctx = c >= 0 ? this.callCtx[c] : u16(b, off + 20, le);
        this.stubPiece(slot, 1, flags, callId, opnum, ctx, b, stubOff, type === PT_FAULT ? 0 : bodyEnd - stubOff, sink);
        return;
      }
      default:
        return;
    }
  }

  private bind(slot: number, b: Uint8Array, off: number, end: number, le: boolean, sink: AppSink): void {
    // max_xmit(2) max_recv(2) assoc_group(4) n_context_elem(1) reserved(3)
    if (end < off + 28) {
      sink.event(A_DCERPC_MALFORMED);
      return;
    }
    const n = b[off + 24];
    let p = off + 28;
    const m = this.config.maxContexts;
    this.bindCount[slot] = 0;
    for (let e = 0; e < n; e++) {
      if (p + 24 > end) {
        sink.event(A_DCERPC_MALFORMED);
        return;
      }
      const id = u16(b, p, le);
      const nts = b[p + 2];
      const k = this.ctxSlot(slot, id);
      if (k >= 0) {
        this.ctxId[k] = id;
        copyUuid(b, p + 4, le, this.ctxUuid, k * 16);
        this.ctxVer[k] = u16(b, p + 20, le);
        this.ctxVerMinor[k] = u16(b, p + 22, le);
        this.ctxState[k] = 1;
      }
      const bc = this.bindCount[slot];
      if (bc < m) {
        this.bindOrder[slot * m + bc] = id;
        this.bindCount[slot] = bc + 1;
      }
      p += 24 + 20 * nts;
    }
  }

  private bindAck(slot: number, b: Uint8Array, off: number, end: number, le: boolean, sink: AppSink): void {
    if (end < off + 26) {
      sink.event(A_DCERPC_MALFORMED);
      return;
    }
    const secLen = u16(b, off + 24, le);
    let p = off + 26 + secLen;
    p = off + ((p - off + 3) & ~3); // pad to 4 from the PDU start
    if (p + 4 > end) {
      sink.event(A_DCERPC_MALFORMED);
      return;
    }
    const n = b[p];
    p += 4;
    const m = this.config.maxContexts;
    for (let r = 0; r < n && r < this.bindCount[slot]; r++) {
      if (p + 24 > end) {
        sink.event(A_DCERPC_MALFORMED);
        return;
      }
      const result = u16(b, p, le);
      const k = this.findCtx(slot, this.bindOrder[slot * m + r]);
      if (k >= 0) this.ctxState[k] = result === 0 ? 2 : 3;
      p += 24;
    }
  }

  /** A request/response stub fragment: single-fragment stubs are viewed in place, others gathered. */
  private stubPiece(
    slot: number,
    dir: number,
    flags: number,
    callId: number,
    opnum: number,
    ctx: number,
    b: Uint8Array,
    off: number,
    len: number,
    sink: AppSink,
  ): void {
    const i = slot * 2 + dir;
    const first = (flags & PFC_FIRST_FRAG) !== 0;
    const last = (flags & PFC_LAST_FRAG) !== 0;
    let data = b;
    let dOff = off;
    let dLen = len;
    if (first && last) {
      this.stubActive[i] = 0;
      this.stubLen[i] = 0;
    } else {
      if (first) {
        this.stubActive[i] = 1;
        this.stubLen[i] = 0;
        this.stubTrunc[i] = 0;
      } else if (this.stubActive[i] === 0) {
        sink.event(A_DCERPC_FRAGMENT_ORDER);
        this.stubActive[i] = 1;
        this.stubLen[i] = 0;
        this.stubTrunc[i] = 0;
      }
      const cap = this.config.maxStub;
      const have = this.stubLen[i];
      const n = Math.min(len, cap - have);
      const sb = i * cap;
      for (let k = 0; k < n; k++) this.stub[sb + have + k] = b[off + k];
      this.stubLen[i] = have + n;
      if (n < len && this.stubTrunc[i] === 0) {
        this.stubTrunc[i] = 1;
        sink.event(A_DCERPC_STUB_TOO_LARGE);
      }
      if (!last) {
        if (dir === 0 && first) this.rememberCall(slot, callId, opnum, ctx);
        return;
      }
      this.stubActive[i] = 0;
      data = this.stub;
      dOff = sb;
      dLen = this.stubLen[i];
    }
    let txId: number;
    if (dir === 0) {
      txId = this.rememberCall(slot, callId, opnum, ctx);
    } else {
      const c = this.findCall(slot, callId);
      txId = c >= 0 ? this.callTx[c] : this.txCounter[slot]++;
      if (opnum === 3 && this.ctxIsEpm(slot, ctx)) this.eptMapResponse(data, dOff, dLen);
    }
    if (this.fixedTx[slot] >= 0) txId = this.fixedTx[slot];
    const bufs = sink.buffers;
    bufs.reset();
    this.fill(slot, opnum, ctx, sink);
    bufs.add(BUF_DCERPC_STUB_DATA, data, dOff, dLen);
    sink.tx(txId, dir, dir === 0 ? TX_REQUEST_DONE : TX_REQUEST_DONE | TX_RESPONSE_DONE);
  }

  /** Adds the opnum and interface of a call to `sink.buffers` (no reset; no stub). */
  fill(slot: number, opnum: number, ctx: number, sink: AppSink): void {
    const bufs = sink.buffers;
    if (opnum >= 0) bufs.setField(FIELD_DCERPC_OPNUM, opnum);
    const k = this.findCtx(slot, ctx);
    if (k >= 0 && this.ctxState[k] !== 3) {
      for (let j = 0; j < 16; j++) bufs.iface[j] = this.ctxUuid[k * 16 + j];
      bufs.ifaceSet = true;
      bufs.setField(FIELD_DCERPC_IFACE_VER, this.ctxVer[k]);
    }
  }

  /** The interface bound to context `ctx` of `slot`, copied into `out` (16 bytes, LE wire order); its major version or -1. */
  contextInterface(slot: number, ctx: number, out: Uint8Array): number {
    const k = this.findCtx(slot, ctx);
    if (k < 0) return -1;
    for (let j = 0; j < 16; j++) out[j] = this.ctxUuid[k * 16 + j];
    return this.ctxVer[k];
  }

  /** Whether context `ctx` of `slot` was accepted by a bind_ack (false when proposed only or rejected). */
  contextAccepted(slot: number, ctx: number): boolean {
    const k = this.findCtx(slot, ctx);
    return k >= 0 && this.ctxState[k] === 2;
  }

  private ctxIsEpm(slot: number, ctx: number): boolean {
    const k = this.findCtx(slot, ctx);
    if (k < 0) return false;
    for (let j = 0; j < 16; j++) if (this.ctxUuid[k * 16 + j] !== EPM_UUID[j]) return false;
    return true;
  }

  /**
   * ept_map response stub: towers whose floors carry TCP (protocol 0x07, port big-endian) and IP
   * (0x09, IPv4 big-endian). Floors are scanned by their encoding (lhs_len=1, proto, rhs_len).
   */
  private eptMapResponse(b: Uint8Array, off: number, len: number): void {
    const end = off + len;
    let ip = 0;
    let port = 0;
    for (let p = off; p + 7 <= end; p++) {
      if (b[p] !== 1 || b[p + 1] !== 0) continue;
      const proto = b[p + 2];
      if (proto === 0x07 && b[p + 3] === 2 && b[p + 4] === 0) {
        port = (b[p + 5] << 8) | b[p + 6];
        p += 6;
      } else if (proto === 0x09 && b[p + 3] === 4 && b[p + 4] === 0 && p + 9 <= end) {
        ip = ((b[p + 5] << 24) | (b[p + 6] << 16) | (b[p + 7] << 8) | b[p + 8]) >>> 0;
        if (port !== 0) {
          this.expected.add(ip, port);
          port = 0;
          ip = 0;
        }
        p += 8;
      }
    }
    if (port !== 0) this.expected.add(ip, port);
  }

  private rememberCall(slot: number, callId: number, opnum: number, ctx: number): number {
    const c = this.findCall(slot, callId);
    if (c >= 0) {
      this.callOpnum[c] = opnum;
      this.callCtx[c] = ctx;
      return this.callTx[c];
    }
    const k = slot * CALLS + this.callNext[slot];
    this.callNext[slot] = (this.callNext[slot] + 1) % CALLS;
    this.callId[k] = callId;
    this.callOpnum[k] = opnum;
    this.callCtx[k] = ctx;
    this.callTx[k] = this.txCounter[slot]++;
    return this.callTx[k];
  }

  private findCall(slot: number, callId: number): number {
    const b = slot * CALLS;
    for (let i = 0; i < CALLS; i++) if (this.callId[b + i] === callId) return b + i;
    return -1;
  }

  private findCtx(slot: number, id: number): number {
    const m = this.config.maxContexts;
    const b = slot * m;
    for (let i = 0; i < m; i++) if (this.ctxId[b + i] === id) return b + i;
    return -1;
  }

  /** Where context `id` goes: its current entry, a free one, or -1 when the table is full. */
  private ctxSlot(slot: number, id: number): number {
    const k = this.findCtx(slot, id);
    if (k >= 0) return k;
    return this.findCtx(slot, -1);
  }
}

function fragLen(b: Uint8Array, off: number): number {
  return (b[off + 4] & 0x10) !== 0 ? b[off + 8] | (b[off + 9] << 8) : (b[off + 8] << 8) | b[off + 9];
}

function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

function u32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Copies a UUID, normalised to the little-endian wire form (a big-endian drep swaps its first three fields). */
function copyUuid(b: Uint8Array, o: number, le: boolean, out: Uint8Array, at: number): void {
  if (le) {
    for (let j = 0; j < 16; j++) out[at + j] = b[o + j];
    return;
  }
  out[at] = b[o + 3];
  out[at + 1] = b[o + 2];
  out[at + 2] = b[o + 1];
  out[at + 3] = b[o];
  out[at + 4] = b[o + 5];
  out[at + 5] = b[o + 4];
  out[at + 6] = b[o + 7];
  out[at + 7] = b[o + 6];
  for (let j = 8; j < 16; j++) out[at + j] = b[o + j];
}
