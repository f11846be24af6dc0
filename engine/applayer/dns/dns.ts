/**
 * The DNS parser (ALPROTO_DNS) and its probes: one message per UDP datagram, or over TCP a 2-byte
 * length before each message, split at any byte and several to a piece. Reads the header, every
 * question (names with compression pointers, loop-safe and bounded) and the answer records (A, AAAA and
 * CNAME decoded; other rdata stepped over by its length). Each message is a transaction: a query takes
 * the next tx id of the flow, a response takes its query's (paired by DNS id) or a new one.
 *
 * At each message the sink gets BUF_DNS_QUERY (one view per question name, dotted, no trailing dot, as
 * Suricata's `dns.query`), FIELD_DNS_RRTYPE (the first question's type) and FIELD_DNS_OPCODE. The answers
 * of the message being reported can be read during the `tx` call (`answerCount`, `answerType`,
 * `answerData`).
 *
 * Hot path: `parse` allocates nothing and never throws; names are decoded into one scratch buffer that
 * is valid during the `tx` call. TCP messages split across pieces are copied into a per-direction
 * buffer of `tcpMessageBytes`; larger split ones are skipped and counted. Malformed messages raise
 * `dns.malformed_data` (and `dns.not_a_request`, `dns.not_a_response`, `dns.z_flag_set`,
 * `dns.invalid_opcode`).
 *
 * @example
 * ```ts
 * import { DnsParser, defaultDnsConfig } from "./dns.ts";
 * const udp = new DnsParser(defaultDnsConfig());                          // one datagram per parse()
 * const tcp = new DnsParser({ ...defaultDnsConfig(), transport: "tcp" }); // length-prefixed stream
 * const slot = udp.open();
 * // udp.parse(slot, DIR_TOSERVER, datagram, off, len, sink);  // sink.tx(txId, dir, progress)
 * udp.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { BUF_DNS_QUERY, FIELD_DNS_OPCODE, FIELD_DNS_RRTYPE } from "../../detect/buffers.ts";
import type { AppParser, AppSink } from "../parser.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE, TX_REQUEST_DONE, TX_REQUEST_LINE, TX_RESPONSE_DONE, TX_RESPONSE_LINE } from "../parser.ts";
import { ALPROTO_DNS, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";

export const A_DNS_MALFORMED_DATA = defineAnomaly("dns.malformed_data", "applayer");
export const A_DNS_NOT_A_REQUEST = defineAnomaly("dns.not_a_request", "applayer");
export const A_DNS_NOT_A_RESPONSE = defineAnomaly("dns.not_a_response", "applayer");
export const A_DNS_Z_FLAG_SET = defineAnomaly("dns.z_flag_set", "applayer");
export const A_DNS_INVALID_OPCODE = defineAnomaly("dns.invalid_opcode", "applayer");

export interface DnsConfig {
  /**
   * "udp": each `parse` call is one datagram; "tcp": a stream of length-prefixed messages; "auto" (the
   * default, for a dispatcher that keeps one parser per protocol): each flow decides at its first bytes
   * (a 2-byte length followed by a sane DNS header means TCP).
   */
  transport: "udp" | "tcp" | "auto";
  /** Flows parsed at once (pool slots). */
  maxFlows: number;
  /** TCP: largest message kept when it arrives split over several pieces. */
  tcpMessageBytes: number;
  /** Question names offered as `dns.query` views per message. */
  maxQuestions: number;
  /** Answer records decoded per message. */
  maxAnswers: number;
}

export function defaultDnsConfig(): DnsConfig {
  return { transport: "auto", maxFlows: 1024, tcpMessageBytes: 2048, maxQuestions: 16, maxAnswers: 32 };
}

export const RR_A = 1;
export const RR_CNAME = 5;
export const RR_AAAA = 28;

/** Queries remembered per flow for pairing responses. */
const PENDING = 8;
/** Compression pointers followed in one name before it is taken for a loop. */
const MAX_HOPS = 32;
/** Longest name written (RFC 1035: 255 on the wire). */
const MAX_NAME = 255;

const DNS_HEADER = 12;

// Result of the last `readName`: where the name ends in place (-1 malformed) and the dotted length.
const NR = new Int32Array(2);

/**
 * Decodes the name at `p` of the message `buf[msg, end)` into `out[o…]` (dotted, at most MAX_NAME
 * bytes, `out` null to only step over it). Sets NR[0] to the offset after the name in place (-1 when
 * malformed) and NR[1] to the bytes written.
 */
function readName(buf: Uint8Array, msg: number, end: number, p: number, out: Uint8Array | null, o: number): void {
  // never past the bytes that exist: a read beyond the array would be undefined, and NaN positions loop
  if (end > buf.length) end = buf.length;
  let after = -1;
  let hops = 0;
  let w = 0;
  NR[0] = -1;
  NR[1] = 0;
  for (;;) {
    if (p >= end) return;
    const l = buf[p];
    if (l === 0) {
      if (after < 0) after = p + 1;
      break;
    }
    if ((l & 0xc0) === 0xc0) {
      if (p + 1 >= end || ++hops > MAX_HOPS) return;
      if (after < 0) after = p + 2;
      const target = msg + (((l & 0x3f) << 8) | buf[p + 1]);
      if (target >= end) return;
      p = target;
      continue;
    }
    if ((l & 0xc0) !== 0) return; // 0x40 / 0x80 label types are obsolete
    if (p + 1 + l > end) return;
    if (w + (w > 0 ? 1 : 0) + l > MAX_NAME) return;
    if (out !== null) {
      if (w > 0) out[o + w] = 0x2e;
      const base = o + w + (w > 0 ? 1 : 0);
      for (let i = 0; i < l; i++) out[base + i] = buf[p + 1 + i];
    }
    w += (w > 0 ? 1 : 0) + l;
    p += 1 + l;
  }
  NR[0] = after;
  NR[1] = w;
}

/** Header and first question sanity, for the probes. */
function looksLikeDns(buf: Uint8Array, off: number, len: number): boolean {
  if (len < DNS_HEADER + 5) return false;
  const flags = (buf[off + 2] << 8) | buf[off + 3];
  const opcode = (flags >>> 11) & 15;
  if (opcode === 3 || opcode > 6) return false;
  const qd = (buf[off + 4] << 8) | buf[off + 5];
  const an = (buf[off + 6] << 8) | buf[off + 7];
  const ns = (buf[off + 8] << 8) | buf[off + 9];
  const ar = (buf[off + 10] << 8) | buf[off + 11];
  if (qd === 0 || qd > 16) return false;
  if ((flags & 0x8000) === 0 && an + ns > 16) return false; // a query carries (almost) no answers
  if (an > 1024 || ns > 1024 || ar > 1024) return false;
  readName(buf, off, off + len, off + DNS_HEADER, null, 0);
  const p = NR[0];
  if (p < 0 || p + 4 > off + len) return false;
  const qclass = (buf[p + 2] << 8) | buf[p + 3];
  return qclass === 1 || qclass === 3 || qclass === 4 || qclass === 254 || qclass === 255;
}

const MODE_UNDECIDED = 0;
const MODE_UDP = 1;
const MODE_TCP = 2;

/**
 * For transport "auto": whether a flow's first bytes are a TCP length prefix and a DNS message rather
 * than a datagram. (The dispatcher probed the same bytes as UDP or TCP DNS, so the two readings rarely
 * both fit; when they do, an exact length wins.)
 */
function framedLooksLikeTcp(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 2) return true; // a stream's first byte; no datagram is this short
  const ml = (buf[off] << 8) | buf[off + 1];
  if (ml < DNS_HEADER) return false; // no DNS message is this short: not a length prefix
  const udp = looksLikeDns(buf, off, len);
  if (ml + 2 <= len) return looksLikeDns(buf, off + 2, ml) && (!udp || ml + 2 === len);
  return !udp; // the first piece of a longer message
}

/** DNS over UDP by content: a sane header and a first question that parses. */
export function probeDns(_dir: number, buf: Uint8Array, off: number, len: number): number {
  return looksLikeDns(buf, off, len) ? ALPROTO_DNS : ALPROTO_UNKNOWN;
}

/** DNS over TCP by content: a 2-byte length, then what `probeDns` checks. */
export function probeDnsTcp(_dir: number, buf: Uint8Array, off: number, len: number): number {
  if (len < 2) return PROBE_NEED_MORE;
  const ml = (buf[off] << 8) | buf[off + 1];
  if (ml < DNS_HEADER + 5) return ALPROTO_UNKNOWN;
  const have = len - 2 < ml ? len - 2 : ml;
  if (have < DNS_HEADER + 5) return PROBE_NEED_MORE;
  if (looksLikeDns(buf, off + 2, have)) return ALPROTO_DNS;
  // the first question may be cut by the piece: need more before saying no
  return have < ml ? PROBE_NEED_MORE : ALPROTO_UNKNOWN;
}

export class DnsParser implements AppParser {
  readonly proto = ALPROTO_DNS;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: DnsConfig;
  /** Whether TCP framing state is allocated (transport "tcp" or "auto"). */
  private readonly tcp: boolean;
  private readonly initialMode: number;
  /** Per flow: MODE_UNDECIDED, MODE_UDP or MODE_TCP. */
  private readonly mode: Uint8Array;
  private readonly pool: SlotPool;
  // per flow
  private readonly nextTx: Uint32Array;
  private readonly pendId: Int32Array;
  private readonly pendTx: Uint32Array;
  private readonly pendHead: Uint8Array;
  // per direction (slot * 2 + dir), TCP framing
  private readonly lenBuf: Uint8Array;
  private readonly lenGot: Uint8Array;
  private readonly msgLen: Int32Array;
  private readonly msgGot: Int32Array;
  private readonly msgKeep: Uint8Array;
  private readonly msgBuf: Uint8Array;
  // per message being reported
  private readonly names: Uint8Array;
  private readonly ansType: Uint16Array;
  private readonly ansOff: Int32Array;
  private readonly ansLen: Int32Array;
  private readonly ansData: Uint8Array;
  private ansCount = 0;

  /** Messages seen, malformed ones, and TCP messages skipped for being larger than `tcpMessageBytes`. */
  messages = 0;
  malformed = 0;
  oversized = 0;

  constructor(config: DnsConfig = defaultDnsConfig()) {
    if (!(config.maxFlows > 0)) throw new Error(`dns: maxFlows must be positive (got ${config.maxFlows})`);
    if (config.transport !== "udp" && config.transport !== "tcp" && config.transport !== "auto") {
      throw new Error(`dns: transport must be "udp", "tcp" or "auto" (got ${String(config.transport)})`);
    }
    this.config = config;
    this.tcp = config.transport !== "udp";
    this.initialMode = config.transport === "udp" ? MODE_UDP : config.transport === "tcp" ? MODE_TCP : MODE_UNDECIDED;
    const n = config.maxFlows;
    this.pool = new SlotPool(n);
    this.mode = new Uint8Array(n);
    this.nextTx = new Uint32Array(n);
    this.pendId = new Int32Array(n * PENDING);
    this.pendTx = new Uint32Array(n * PENDING);
    this.pendHead = new Uint8Array(n);
    const d = this.tcp ? n * 2 : 0;
    this.lenBuf = new Uint8Array(d * 2);
    this.lenGot = new Uint8Array(d);
    this.msgLen = new Int32Array(d);
    this.msgGot = new Int32Array(d);
    this.msgKeep = new Uint8Array(d);
    this.msgBuf = new Uint8Array(this.tcp ? d * config.tcpMessageBytes : 0);
    this.names = new Uint8Array(config.maxQuestions * (MAX_NAME + 1));
    this.ansType = new Uint16Array(config.maxAnswers);
    this.ansOff = new Int32Array(config.maxAnswers);
    this.ansLen = new Int32Array(config.maxAnswers);
    this.ansData = new Uint8Array(config.maxAnswers * (MAX_NAME + 1));
  }

  /** Bytes of state one flow slot holds. */
  bytesPerSlot(): number {
    const tcp = this.tcp ? 2 * (2 + 1 + 4 + 4 + 1 + this.config.tcpMessageBytes) : 0;
    return 4 + PENDING * 8 + 1 + tcp;
  }

  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s < 0) return -1;
    this.nextTx[s] = 0;
    this.mode[s] = this.initialMode;
    this.pendHead[s] = 0;
    for (let k = 0; k < PENDING; k++) this.pendId[s * PENDING + k] = -1;
    if (this.tcp) {
      for (let d = 0; d < 2; d++) {
        const i = s * 2 + d;
        this.lenGot[i] = 0;
        this.msgLen[i] = -1;
        this.msgGot[i] = 0;
      }
    }
    return s;
  }

  /** Fixes a flow's transport when the caller knows it (transport "auto" otherwise guesses at the first bytes). */
  setTcp(slot: number, tcp: boolean): void {
    if (!this.pool.isUsed(slot)) return;
    if (tcp && !this.tcp) return; // no framing state was allocated (transport "udp")
    this.mode[slot] = tcp ? MODE_TCP : MODE_UDP;
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot) || (dir !== 0 && dir !== 1)) return PARSE_ERROR;
    let end = off + len;
    if (end > buf.length) end = buf.length;
    if (this.mode[slot] === MODE_UNDECIDED && end > off) this.mode[slot] = framedLooksLikeTcp(buf, off, end - off) ? MODE_TCP : MODE_UDP;
    if (this.mode[slot] !== MODE_TCP) {
      this.message(slot, dir, buf, off, end - off, sink);
      return PARSE_OK;
    }
    const i = slot * 2 + dir;
    const cap = this.config.tcpMessageBytes;
    const mb = i * cap;
    let p = off;
    while (p < end) {
      if (this.msgLen[i] < 0) {
        // whole message in this piece: parse in place
        if (this.lenGot[i] === 0 && p + 2 <= end) {
          const ml = (buf[p] << 8) | buf[p + 1];
          if (p + 2 + ml <= end) {
            this.message(slot, dir, buf, p + 2, ml, sink);
            p += 2 + ml;
            continue;
          }
        }
        this.lenBuf[i * 2 + this.lenGot[i]++] = buf[p++];
        if (this.lenGot[i] < 2) continue;
        this.lenGot[i] = 0;
        this.msgLen[i] = (this.lenBuf[i * 2] << 8) | this.lenBuf[i * 2 + 1];
        this.msgGot[i] = 0;
        this.msgKeep[i] = this.msgLen[i] <= cap ? 1 : 0;
        if (this.msgKeep[i] === 0) this.oversized++;
      } else {
        let take = end - p;
        const left = this.msgLen[i] - this.msgGot[i];
        if (take > left) take = left;
        if (this.msgKeep[i] !== 0) {
          const o = mb + this.msgGot[i];
          for (let k = 0; k < take; k++) this.msgBuf[o + k] = buf[p + k];
        }
        this.msgGot[i] += take;
        p += take;
      }
      if (this.msgLen[i] >= 0 && this.msgGot[i] === this.msgLen[i]) {
        if (this.msgKeep[i] !== 0) this.message(slot, dir, this.msgBuf, mb, this.msgLen[i], sink);
        this.msgLen[i] = -1;
      }
    }
    return PARSE_OK;
  }

  /** One whole DNS message `buf[off, off+len)`. */
  private message(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): void {
    this.messages++;
    const end = off + len;
    if (len < DNS_HEADER) {
      this.malformed++;
      sink.event(A_DNS_MALFORMED_DATA);
      return;
    }
    const id = (buf[off] << 8) | buf[off + 1];
    const flags = (buf[off + 2] << 8) | buf[off + 3];
    const response = (flags & 0x8000) !== 0;
    const opcode = (flags >>> 11) & 15;
    const qd = (buf[off + 4] << 8) | buf[off + 5];
    const an = (buf[off + 6] << 8) | buf[off + 7];
    if (dir === 0 && response) sink.event(A_DNS_NOT_A_REQUEST);
    if (dir === 1 && !response) sink.event(A_DNS_NOT_A_RESPONSE);
    if ((flags & 0x0040) !== 0) sink.event(A_DNS_Z_FLAG_SET);
    if (opcode === 3 || opcode > 6) sink.event(A_DNS_INVALID_OPCODE);

    const b = sink.buffers;
    b.reset();
    b.setField(FIELD_DNS_OPCODE, opcode);
    let bad = false;
    let p = off + DNS_HEADER;
    const maxQ = this.config.maxQuestions;
    for (let q = 0; q < qd; q++) {
      const slotOff = (q < maxQ ? q : 0) * (MAX_NAME + 1);
      readName(buf, off, end, p, q < maxQ ? this.names : null, slotOff);
      const after = NR[0];
      if (after < 0 || after + 4 > end) {
        bad = true;
        break;
      }
      if (q < maxQ) b.add(BUF_DNS_QUERY, this.names, slotOff, NR[1]);
      if (q === 0) b.setField(FIELD_DNS_RRTYPE, (buf[after] << 8) | buf[after + 1]);
      p = after + 4;
    }
    this.ansCount = 0;
    if (!bad) {
      for (let a = 0; a < an; a++) {
        readName(buf, off, end, p, null, 0);
        const q = NR[0];
        if (q < 0 || q + 10 > end) {
          bad = true;
          break;
        }
        const type = (buf[q] << 8) | buf[q + 1];
        const rdlen = (buf[q + 8] << 8) | buf[q + 9];
        const rd = q + 10;
        if (rd + rdlen > end) {
          bad = true;
          break;
        }
        if (this.ansCount < this.config.maxAnswers) {
          const k = this.ansCount;
          const o = k * (MAX_NAME + 1);
          if (type === RR_A || type === RR_AAAA) {
            if (rdlen !== (type === RR_A ? 4 : 16)) {
              bad = true;
              break;
            }
            for (let j = 0; j < rdlen; j++) this.ansData[o + j] = buf[rd + j];
            this.ansLen[k] = rdlen;
          } else if (type === RR_CNAME) {
            readName(buf, off, rd + rdlen, rd, this.ansData, o);
            if (NR[0] < 0) {
              bad = true;
              break;
            }
            this.ansLen[k] = NR[1];
          } else this.ansLen[k] = 0;
          this.ansType[k] = type;
          this.ansOff[k] = o;
          this.ansCount = k + 1;
        }
        p = rd + rdlen;
      }
    }
    if (bad) {
      this.malformed++;
      sink.event(A_DNS_MALFORMED_DATA);
    }
    // transaction id: a query takes the next one; a response its query's when the DNS id is pending
    let txId = -1;
    let progress: number;
    const base = slot * PENDING;
    if (response) {
      for (let k = 0; k < PENDING; k++) {
        if (this.pendId[base + k] === id) {
          txId = this.pendTx[base + k];
          this.pendId[base + k] = -1;
          break;
        }
      }
      progress = TX_RESPONSE_LINE | TX_RESPONSE_DONE | (txId >= 0 ? TX_REQUEST_LINE | TX_REQUEST_DONE : 0);
      if (txId < 0) txId = this.nextTx[slot]++;
    } else {
      txId = this.nextTx[slot]++;
      const h = this.pendHead[slot];
      this.pendId[base + h] = id;
      this.pendTx[base + h] = txId;
      this.pendHead[slot] = (h + 1) % PENDING;
      progress = TX_REQUEST_LINE | TX_REQUEST_DONE;
    }
    sink.tx(txId, dir, progress);
  }

  gap(slot: number, dir: number, _len: number): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    if (this.mode[slot] !== MODE_TCP) return PARSE_OK;
    // lost bytes break the length framing for good
    const i = slot * 2 + dir;
    this.msgLen[i] = -1;
    this.lenGot[i] = 0;
    return PARSE_ERROR;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {
    // a partial TCP message cannot be inspected as DNS; nothing to flush
  }

  // -- answers of the message being reported (valid during the sink's `tx` call)

  answerCount(): number {
    return this.ansCount;
  }
  /** RR type of answer `k`. */
  answerType(k: number): number {
    return this.ansType[k];
  }
  /** The bytes behind `answerStart`: A/AAAA address bytes, CNAME target dotted (other types: length 0). */
  answerData(): Uint8Array {
    return this.ansData;
  }
  answerStart(k: number): number {
    return this.ansOff[k];
  }
  answerLength(k: number): number {
    return this.ansLen[k];
  }
}
