/**
 * The flow table: every connection the engine tracks, in typed arrays sized once from
 * `FlowConfig.maxFlows` (under 160 bytes per flow including the hash buckets; see `memoryBytes`).
 * A flow is an index; its fields are `table.field[idx]` (two-way counters at `[2 * idx + dir]`).
 *
 * Keys are symmetric: addresses, ports, protocol and both VLAN ids, stored oriented as the flow's
 * initiator (client, the source of the packet that created it) -> server; a reply finds the same flow and
 * `lookup` says which way it went in `dir`. IPv4 and IPv6 share the table (an IPv4 address is word 0 of
 * four). ICMP: echo request and reply (v4 8/0, v6 128/129) share a flow keyed by the echo id; other
 * informational ICMP types form one flow per address pair and type, with request/reply pairs (v4 13/14,
 * 15/16, 17/18; v6 133/134, 135/136, 139/140) folded together; ICMP errors (v4 3, 4, 5, 11, 12; v6 1-4)
 * belong to the flow they report on and get none here: `lookup` and `create` return -1 for them.
 *
 * Hashing: chained buckets, twice as many as flows. Each bucket word holds its chain head, a tag of the
 * head's hash and a "chain of one" bit, so most lookups that miss (every new flow) stop at the bucket;
 * on a table of a million flows each further step is a cache miss, and that is where the time goes.
 *
 * The engine calls, per packet: `lookup(p)`; when -1, `createLooked(p)` (or `create(p)`); then `update(idx, p, dir)` (the
 * creating packet is accounted by `update` too). Housekeeping: `expire(now, max)` with an incremental
 * sweep cursor, `flush(max)` at the end of input. When the table is full, `create` enters emergency
 * mode (Suricata's): short timeouts, eager expiry, and eviction of the least recently seen flow of a
 * small bounded sample; it leaves emergency mode below 70% use. Ended flows become EV_FLOW records when
 * `logFlows` is on; a full ring stops the ending (nothing is lost: the flow ends on a later call).
 *
 * Never allocates, throws or does unbounded work in lookup/create/update/expire/flush. The
 * constructor and `seedEstablished` are cold.
 *
 * @example
 * ```ts
 * import { FlowTable } from "./table.ts";
 * import { EventRing } from "../events.ts";
 * import { defaultEngineConfig } from "../config.ts";
 * import { Packet } from "../packet.ts";
 * const flows = new FlowTable(defaultEngineConfig().flow, new EventRing(1024));
 * const p = new Packet(); // filled by the decoder
 * let f = flows.lookup(p);
 * if (f < 0) f = flows.create(p);
 * if (f >= 0) flows.update(f, p, flows.dir);
 * flows.expire(p.tsUs, 8);
 * ```
 */
import type { FlowConfig, FlowTimeouts } from "../config.ts";
import type { EventRing } from "../events.ts";
import { EV_FLOW } from "../events.ts";
import type { Packet } from "../packet.ts";
import { ETH_IPV4, ETH_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, TH_ACK, TH_SYN } from "../packet.ts";
import { endpointHash, flowHash, writeFlowId } from "./hash.ts";
import { APP_FUNCTION_SHIFT } from "../appid/tables.ts";
import { TCP_CLOSED, TCP_ESTABLISHED, TCP_NONE, TCP_SYN_RECV, TCP_SYN_SENT, TCP_TIME_WAIT, TcpTracker } from "./tcp-state.ts";

export {
  TCP_CLOSE_WAIT,
  TCP_CLOSED,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_LAST_ACK,
  TCP_NONE,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  TCP_TIME_WAIT,
} from "./tcp-state.ts";

/** Flow states as Suricata's EVE `flow.state` names them: "new", "established", "closed". */
export const FLOW_STATE_NEW = 1, FLOW_STATE_ESTABLISHED = 2, FLOW_STATE_CLOSED = 3;
/** Why a flow ended (EVE `flow.reason`: "timeout", "forced" for evictions and FORCED, "shutdown"). */
export const FLOW_END_TIMEOUT = 1, FLOW_END_EVICTED = 2, FLOW_END_SHUTDOWN = 3, FLOW_END_FORCED = 4;
export const DIR_TOSERVER = 0, DIR_TOCLIENT = 1;

/** Bits of `FlowTable.flags` (the engine sets them; the table sets MIDSTREAM and PREEXISTING too). */
export const FLOW_FW_ALLOWED = 1; // the firewall let the flow's first packet through
export const FLOW_MIDSTREAM = 2; // TCP picked up without its handshake
export const FLOW_PREEXISTING = 4; // seeded from the OS connection table
export const FLOW_BYPASS = 8;

/** `keyKind` bit: an ICMP flow keyed by message type rather than echo id. */
const KIND_ICMP_TYPE = 0x80;
const KIND_VERSION = 0x0f;

/** Timeout table layout: [protocol class * STATE_SLOTS + state]. */
const STATE_SLOTS = 16;
const CLASS_TCP = 0, CLASS_UDP = 1, CLASS_ICMP = 2, CLASS_OTHER = 3;

/** A sweep looks at no more than SWEEP_BASE + SWEEP_PER_END * max slots per call. */
const SWEEP_BASE = 64;
const SWEEP_PER_END = 4;
/** Emergency eviction picks the least recently seen flow among this many occupied slots. */
const EVICT_SAMPLE = 32;
/** Slots a create looks at for timed-out flows when the table is full, before evicting. */
const EMERGENCY_SWEEP = 32;
/** Emergency mode ends when the table is used below this fraction. */
const EMERGENCY_RECOVERY = 0.7;

export interface FlowTableStats {
  active: number;
  created: number;
  ended: number;
  timeouts: number;
  evicted: number;
  memcapDrops: number;
  emergency: boolean;
  lookups: number;
  /** Closed TCP flows ended because a new SYN reused their ports. */
  reused: number;
}

/** Told about every flow that ends (timeout, eviction, port reuse, flush) before its slot is reused. */
export interface FlowEndHook {
  flowEnded(idx: number): void;
}

export class FlowTable {
  /** Emit EV_FLOW records (for --eve-flows) when a flow ends. */
  logFlows = false;
  /** Called for every flow that ends, before its slot is freed (the stream reassembler flushes there). */
  endHook: FlowEndHook | null = null;
  /** Direction of the packet last passed to `lookup` / `create`: DIR_TOSERVER or DIR_TOCLIENT. */
  dir = DIR_TOSERVER;
  /** The current time (µs) as the last packet or `expire` call gave it; read by sweeps and inserts. */
  nowUs = 0.5;
  /** Whether the last `lookup` loaded a key (`createLooked` reuses it). */
  private keyValid = false;
  readonly stats: FlowTableStats = {
    active: 0,
    created: 0,
    ended: 0,
    timeouts: 0,
    evicted: 0,
    memcapDrops: 0,
    emergency: false,
    lookups: 0,
    reused: 0,
  };
  /** Flows the table holds at most. */
  readonly capacity: number;
  /** Bytes of typed-array memory the table holds. */
  readonly memoryBytes: number;

  // -- per-flow fields the engine reads and writes
  /** Unique, positive, < 2^53. */
  readonly flowId: Float64Array;
  /** FLOW_STATE_*; 0 marks a free slot. */
  readonly state: Uint8Array;
  /** TCP_* (TCP flows only). */
  readonly tcpState: Uint8Array;
  readonly startUs: Float64Array;
  readonly lastUs: Float64Array;
  /** [2 * idx + dir] */
  readonly pkts: Float64Array;
  /** [2 * idx + dir], IP length as Suricata counts. */
  readonly bytes: Float64Array;
  /** FLOW_FW_ALLOWED | FLOW_MIDSTREAM | FLOW_PREEXISTING | FLOW_BYPASS; bits 4..7 free (8 bits: per-flow memory is budgeted). */
  readonly flags: Uint8Array;
  /** The firewall's decision cache for this flow (encoded by the engine; 0 = nothing cached). */
  readonly fwCache: Int32Array;
  readonly appProto: Uint16Array;
  readonly application: Uint16Array;
  /** What the application is doing (engine/appid FUNCTION_NAMES index; 0: not known). */
  readonly appFunction: Uint8Array;
  /** TCP flags seen, OR-ed, [2 * idx + dir]. */
  readonly tcpFlagsSeen: Uint8Array;
  /** Per-side TCP sequence tracking (for the stream reassembler). */
  readonly tcp: TcpTracker;

  // -- the key, oriented client -> server
  /** [8 * idx]: client address words 0..3, server address words 4..7. */
  readonly keyAddr: Uint32Array;
  /** [2 * idx]: client port (ICMP: echo id or type), [2 * idx + 1]: server port. */
  readonly keyPort: Uint16Array;
  readonly keyProto: Uint8Array;
  /** IP version (4 or 6) in the low bits; KIND_ICMP_TYPE for ICMP flows keyed by type. */
  private readonly keyKind: Uint8Array;
  /** [2 * idx]: outer VLAN id, [2 * idx + 1]: inner. */
  readonly keyVlan: Uint16Array;
  private readonly hashOf: Uint32Array;
  /** Hash chain (occupied slots) or free list (free slots). */
  private readonly next: Int32Array;
  private readonly buckets: Int32Array;
  private readonly mask: number;
  /** Bucket word layout: head index (idxMask), SINGLE bit, tag (tagMask << tagShift); -1 empty. */
  private readonly idxMask: number;
  private readonly singleBit: number;
  private readonly tagShift: number;
  private readonly tagMask: number;
  /** The tag is the hash's top bits: (hash >>> hashTagShift) & tagMask. */
  private readonly hashTagShift: number;
  private freeHead = 0;

  // -- the key being looked for (filled from a packet without allocating)
  private readonly kAddr = new Uint32Array(8);
  private kPortA = 0;
  private kPortB = 0;
  private kProto = 0;
  private kKind = 0;
  private kVlan0 = 0;
  private kVlan1 = 0;
  /** Hash of the search key (30 bits: a small integer, never a boxed heap number). */
  private kHash = 0;

  private readonly ring: EventRing;
  private readonly timeoutUs: Float64Array;
  private readonly emergencyUs: Float64Array;
  private readonly expirePerPacket: number;
  private readonly recoverBelow: number;
  private sweepCursor = 0;
  private evictCursor = 0;
  private flushCursor = 0;
  private idCounter = 0;

  constructor(cfg: FlowConfig, ring: EventRing) {
    const n = cfg.maxFlows;
    if (!Number.isInteger(n) || n < 1 || n > 0x3fffffff) {
      throw new RangeError(`flow.max-flows must be an integer from 1 to ${0x3fffffff}, got ${n}`);
    }
    this.capacity = n;
    this.ring = ring;
    this.expirePerPacket = cfg.expirePerPacket > 0 ? cfg.expirePerPacket : 8;
    this.recoverBelow = Math.floor(n * EMERGENCY_RECOVERY);
    // Twice as many buckets as flows: a lookup that misses (every new flow) walks half as long a chain,
    // and each step of a chain is a cache miss on a table this size (measured: firewall-64b 1.6 -> 1.8 Mpps).
    let nb = 16;
    while (nb < 2 * n) nb *= 2;
    this.mask = nb - 1;
    this.buckets = new Int32Array(nb).fill(-1);
    // A bucket word carries its head's index, a "chain of one" bit and a tag of the head's hash, so a
    // lookup that misses usually ends at the bucket without touching any flow (one cache miss, not two).
    let idxBits = 1;
    while (2 ** idxBits < n) idxBits++;
    this.idxMask = 2 ** idxBits - 1;
    this.singleBit = 2 ** idxBits;
    this.tagShift = idxBits + 1;
    const tagBits = idxBits < 30 ? 30 - idxBits : 0;
    this.tagMask = 2 ** tagBits - 1;
    this.hashTagShift = 30 - tagBits;
    this.next = new Int32Array(n);
    for (let i = 0; i < n; i++) this.next[i] = i + 1 < n ? i + 1 : -1;
    this.hashOf = new Uint32Array(n);
    this.keyAddr = new Uint32Array(8 * n);
    this.keyPort = new Uint16Array(2 * n);
    this.keyProto = new Uint8Array(n);
    this.keyKind = new Uint8Array(n);
    this.keyVlan = new Uint16Array(2 * n);
    this.flowId = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.tcpState = new Uint8Array(n);
    this.startUs = new Float64Array(n);
    this.lastUs = new Float64Array(n);
    this.pkts = new Float64Array(2 * n);
    this.bytes = new Float64Array(2 * n);
    this.flags = new Uint8Array(n);
    this.fwCache = new Int32Array(n);
    this.appProto = new Uint16Array(n);
    this.application = new Uint16Array(n);
    this.appFunction = new Uint8Array(n);
    this.tcpFlagsSeen = new Uint8Array(2 * n);
    this.tcp = new TcpTracker(n);
    this.timeoutUs = timeoutTable(cfg.tcp, cfg.udp, cfg.icmp, cfg.other);
    const e = cfg.emergency;
    this.emergencyUs = timeoutTable(e, e, e, e);
    const arrays = [
      this.buckets, this.next, this.hashOf, this.keyAddr, this.keyPort, this.keyProto, this.keyKind, this.keyVlan,
      this.flowId, this.state, this.tcpState, this.startUs, this.lastUs, this.pkts, this.bytes, this.flags,
      this.fwCache, this.appProto, this.application, this.appFunction, this.tcpFlagsSeen,
    ];
    let bytes = this.tcp.memoryBytes;
    for (const a of arrays) bytes += a.byteLength;
    this.memoryBytes = bytes;
    // Flip the flag once so V8 does not treat it as a constant and throw away optimised code later.
    this.stats.emergency = true;
    this.stats.emergency = false;
  }

  /**
   * Finds the flow of `p`; sets `dir` and returns its index, or -1 when there is none (or `p` cannot
   * have one: no IP layer, an ICMP error).
   */
  /**
   * Flow `i`'s application and its function packed as events carry them (EVE writes both): the app id in
   * the low bits, the function above `APP_FUNCTION_SHIFT` (engine/appid/tables.ts).
   */
  appLabel(i: number): number {
    return this.application[i] | (this.appFunction[i] << APP_FUNCTION_SHIFT);
  }

  lookup(p: Packet): number {
    this.stats.lookups++;
    this.keyValid = this.loadKey(p);
    if (!this.keyValid) return -1;
    const i = this.find();
    // TCP port reuse: a new connection attempt on a connection that has closed (or is in TIME_WAIT)
    // ends the old flow (reason "forced"); the caller then creates a new one for this SYN.
    if (
      i >= 0 && (p.tcpFlags & (TH_SYN | TH_ACK)) === TH_SYN && this.keyProto[i] === IPPROTO_TCP &&
      (this.tcpState[i] === TCP_CLOSED || this.tcpState[i] === TCP_TIME_WAIT) && this.end(i, FLOW_END_FORCED)
    ) {
      this.stats.reused++;
      return -1;
    }
    return i;
  }

  /**
   * Creates a flow for `p` with `p`'s source as the client and returns its index (`dir` becomes
   * DIR_TOSERVER), or -1 when `p` cannot have a flow or the table is full even after emergency eviction
   * (then `stats.memcapDrops` moves; raising `flow.memcap` is the engine's business).
   */
  create(p: Packet): number {
    if (!this.loadKey(p)) return -1;
    this.nowUs = p.tsUs;
    return this.insert();
  }

  /**
   * `create` for the key the last `lookup(p)` already loaded and hashed — the hot path's form, valid
   * only right after `lookup(p)` returned -1 for this same packet (it saves hashing the key twice).
   */
  createLooked(p: Packet): number {
    if (!this.keyValid) return -1;
    this.nowUs = p.tsUs;
    return this.insert();
  }

  /**
   * Accounts `p` to flow `idx` in direction `dir`: counters, last-seen time, and for TCP the state
   * machine (which may add stream anomalies to `p`).
   */
  update(idx: number, p: Packet, dir: number): void {
    if (p.tsUs > this.lastUs[idx]) this.lastUs[idx] = p.tsUs;
    const k = 2 * idx + dir;
    this.pkts[k]++;
    this.bytes[k] += p.ipLen;
    if (this.keyProto[idx] === IPPROTO_TCP) {
      this.tcpFlagsSeen[k] |= p.tcpFlags;
      const before = this.tcpState[idx];
      if (before === TCP_NONE && (p.tcpFlags & (TH_SYN | TH_ACK)) !== TH_SYN) this.flags[idx] |= FLOW_MIDSTREAM;
      const st = this.tcp.step(idx, p, dir, before);
      this.tcpState[idx] = st;
      this.state[idx] = st === TCP_CLOSED
        ? FLOW_STATE_CLOSED
        : st >= TCP_ESTABLISHED
        ? FLOW_STATE_ESTABLISHED
        : FLOW_STATE_NEW;
    } else if (this.state[idx] === FLOW_STATE_NEW && this.pkts[2 * idx] > 0 && this.pkts[2 * idx + 1] > 0) {
      this.state[idx] = FLOW_STATE_ESTABLISHED;
    }
  }

  /**
   * Ends flows whose timeout passed at `nowUs` (emergency timeouts in emergency mode), at most `max`;
   * returns how many ended. One call looks at no more than 64 + 4 * `max` slots and never more than
   * one pass over the table, continuing where the previous call stopped.
   */
  expire(nowUs: number, max: number): number {
    this.nowUs = nowUs;
    return this.sweep(max, SWEEP_BASE + SWEEP_PER_END * max);
  }

  /**
   * `expire` at the time last given to the table (`nowUs`): the hot-path form. A time is a double, and
   * V8 boxes a double passed to a function it did not inline — so the engine sets the field instead.
   * `budget` bounds the slots looked at (default as `expire`).
   */
  expireNow(max: number, budget = SWEEP_BASE + SWEEP_PER_END * max): number {
    return this.sweep(max, budget);
  }

  /** Ends up to `max` timed-out flows, looking at no more than `budget` slots from the sweep cursor. */
  private sweep(max: number, budget: number): number {
    const nowUs = this.nowUs;
    const n = this.capacity;
    if (this.stats.active === 0 || !(max > 0)) return 0;
    if (budget > n) budget = n;
    const t = this.stats.emergency ? this.emergencyUs : this.timeoutUs;
    let i = this.sweepCursor;
    let ended = 0;
    for (; budget > 0; budget--) {
      if (this.state[i] !== 0 && nowUs - this.lastUs[i] > t[this.timeoutSlot(i)]) {
        if (!this.end(i, FLOW_END_TIMEOUT)) break; // ring full: retry this flow next time
        this.stats.timeouts++;
        ended++;
        if (ended >= max) {
          i = i + 1 === n ? 0 : i + 1;
          break;
        }
      }
      i = i + 1 === n ? 0 : i + 1;
    }
    this.sweepCursor = i;
    return ended;
  }

  /**
   * Ends every flow (reason shutdown), at most `max` per call; returns how many ended. 0 means the
   * table is empty, or the event ring is full (drain it and call again; `stats.active` tells which).
   */
  flush(max: number): number {
    const n = this.capacity;
    let ended = 0;
    let i = this.flushCursor;
    for (let scanned = 0; scanned < n && ended < max && this.stats.active > 0; scanned++) {
      if (this.state[i] !== 0) {
        if (!this.end(i, FLOW_END_SHUTDOWN)) break;
        ended++;
      }
      i = i + 1 === n ? 0 : i + 1;
    }
    this.flushCursor = i;
    return ended;
  }

  /**
   * Records a connection that was open before the engine started as established (flag PREEXISTING),
   * so its packets are not "outside any connection". `src`/`dst` are four address words (IPv4 in word
   * 0), `src` the side that opened it. Returns the flow (an existing one if already tracked) or -1 when
   * the table is full. Cold path.
   */
  seedEstablished(
    ipVersion: 4 | 6,
    src: Uint32Array,
    sport: number,
    dst: Uint32Array,
    dport: number,
    proto: number,
    nowUs: number,
  ): number {
    const k = this.kAddr;
    for (let w = 0; w < 4; w++) {
      k[w] = ipVersion === 4 && w > 0 ? 0 : src[w] ?? 0;
      k[4 + w] = ipVersion === 4 && w > 0 ? 0 : dst[w] ?? 0;
    }
    this.kPortA = sport & 0xffff;
    this.kPortB = dport & 0xffff;
    this.kProto = proto & 0xff;
    this.kKind = ipVersion;
    this.kVlan0 = 0;
    this.kVlan1 = 0;
    this.hashKey();
    const found = this.find();
    if (found >= 0) return found;
    this.nowUs = nowUs;
    const idx = this.insert();
    if (idx < 0) return -1;
    this.state[idx] = FLOW_STATE_ESTABLISHED;
    if (this.kProto === IPPROTO_TCP) this.tcpState[idx] = TCP_ESTABLISHED;
    this.flags[idx] |= FLOW_PREEXISTING;
    return idx;
  }

  /** IP version (4 or 6) of flow `idx`. */
  ipVersionOf(idx: number): number {
    return this.keyKind[idx] & KIND_VERSION;
  }

  // -- internals

  /** Fills the search key from `p`; false when `p` cannot have a flow. */
  private loadKey(p: Packet): boolean {
    const v = p.ipVersion;
    if (v !== 4 && v !== 6) return false;
    const proto = p.proto;
    let kind = v;
    let pa = 0;
    let pb = 0;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      pa = p.srcPort;
      pb = p.dstPort;
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      const t = p.icmpType;
      if (t < 0) return false;
      if (proto === IPPROTO_ICMP) {
        if (t === 3 || t === 4 || t === 5 || t === 11 || t === 12) return false;
        if (t === 8 || t === 0) pa = pb = p.icmpId;
        else {
          kind |= KIND_ICMP_TYPE;
          pa = pb = t === 14 || t === 16 || t === 18 ? t - 1 : t;
        }
      } else {
        if (t >= 1 && t <= 4) return false;
        if (t === 128 || t === 129) pa = pb = p.icmpId;
        else {
          kind |= KIND_ICMP_TYPE;
          pa = pb = t === 134 || t === 136 || t === 140 ? t - 1 : t;
        }
      }
    }
    const k = this.kAddr;
    const s = p.src;
    const d = p.dst;
    k[0] = s[0];
    k[1] = s[1];
    k[2] = s[2];
    k[3] = s[3];
    k[4] = d[0];
    k[5] = d[1];
    k[6] = d[2];
    k[7] = d[3];
    this.kPortA = pa & 0xffff;
    this.kPortB = pb & 0xffff;
    this.kProto = proto;
    this.kKind = kind;
    this.kVlan0 = p.vlan0 & 0xffff;
    this.kVlan1 = p.vlan1 & 0xffff;
    this.hashKey();
    return true;
  }

  private hashKey(): void {
    const k = this.kAddr;
    const ha = endpointHash(k, 0, this.kPortA);
    const hb = endpointHash(k, 4, this.kPortB);
    this.kHash = flowHash(ha, hb, this.kProto, this.kKind, this.kVlan0, this.kVlan1);
  }

  /** The flow matching the search key in either orientation (sets `dir`), or -1. */
  private find(): number {
    const h = this.kHash;
    const k = this.kAddr;
    const pa = this.kPortA;
    const pb = this.kPortB;
    const ka = this.keyAddr;
    const w = this.buckets[h & this.mask];
    if (w < 0) return -1;
    let i = w & this.idxMask;
    if (((w >>> this.tagShift) & this.tagMask) !== ((h >>> this.hashTagShift) & this.tagMask)) {
      // Not the head; a chain of one ends here without reading the flow.
      if ((w & this.singleBit) !== 0) return -1;
      i = this.next[i];
    }
    for (; i !== -1; i = this.next[i]) {
      if (
        this.hashOf[i] !== h || this.keyProto[i] !== this.kProto || this.keyKind[i] !== this.kKind ||
        this.keyVlan[2 * i] !== this.kVlan0 || this.keyVlan[2 * i + 1] !== this.kVlan1
      ) continue;
      const a = 8 * i;
      const p0 = this.keyPort[2 * i];
      const p1 = this.keyPort[2 * i + 1];
      if (
        p0 === pa && p1 === pb && ka[a] === k[0] && ka[a + 1] === k[1] && ka[a + 2] === k[2] && ka[a + 3] === k[3] &&
        ka[a + 4] === k[4] && ka[a + 5] === k[5] && ka[a + 6] === k[6] && ka[a + 7] === k[7]
      ) {
        this.dir = DIR_TOSERVER;
        return i;
      }
      if (
        p0 === pb && p1 === pa && ka[a] === k[4] && ka[a + 1] === k[5] && ka[a + 2] === k[6] && ka[a + 3] === k[7] &&
        ka[a + 4] === k[0] && ka[a + 5] === k[1] && ka[a + 6] === k[2] && ka[a + 7] === k[3]
      ) {
        this.dir = DIR_TOCLIENT;
        return i;
      }
    }
    return -1;
  }

  /** Stores the search key as a new flow (making room in emergency mode); -1 when full. */
  private insert(): number {
    const nowUs = this.nowUs;
    if (this.freeHead < 0) {
      this.stats.emergency = true;
      this.sweep(this.expirePerPacket, EMERGENCY_SWEEP);
      if (this.freeHead < 0) this.evictOne();
      if (this.freeHead < 0) {
        this.stats.memcapDrops++;
        return -1;
      }
    }
    const i = this.freeHead;
    this.freeHead = this.next[i];
    const k = this.kAddr;
    const a = 8 * i;
    for (let w = 0; w < 8; w++) this.keyAddr[a + w] = k[w];
    this.keyPort[2 * i] = this.kPortA;
    this.keyPort[2 * i + 1] = this.kPortB;
    this.keyProto[i] = this.kProto;
    this.keyKind[i] = this.kKind;
    this.keyVlan[2 * i] = this.kVlan0;
    this.keyVlan[2 * i + 1] = this.kVlan1;
    const h = this.kHash;
    this.hashOf[i] = h;
    const b = h & this.mask;
    const old = this.buckets[b];
    this.next[i] = old < 0 ? -1 : old & this.idxMask;
    this.buckets[b] = this.headWord(i);

    writeFlowId(this.flowId, i, this.idCounter++);
    this.state[i] = FLOW_STATE_NEW;
    this.tcpState[i] = TCP_NONE;
    this.startUs[i] = nowUs;
    this.lastUs[i] = nowUs;
    this.pkts[2 * i] = 0;
    this.pkts[2 * i + 1] = 0;
    this.bytes[2 * i] = 0;
    this.bytes[2 * i + 1] = 0;
    this.tcpFlagsSeen[2 * i] = 0;
    this.tcpFlagsSeen[2 * i + 1] = 0;
    this.flags[i] = 0;
    this.fwCache[i] = 0;
    this.appProto[i] = 0;
    this.application[i] = 0;
    this.appFunction[i] = 0;
    this.tcp.reset(i);
    this.stats.active++;
    this.stats.created++;
    this.dir = DIR_TOSERVER;
    return i;
  }

  /** Ends the least recently seen flow of a bounded sample (reason evicted). */
  private evictOne(): void {
    const n = this.capacity;
    let best = -1;
    let bestUs = Infinity;
    let i = this.evictCursor;
    let sampled = 0;
    for (let scanned = 0; scanned < n && sampled < EVICT_SAMPLE; scanned++) {
      if (this.state[i] !== 0) {
        sampled++;
        if (this.lastUs[i] < bestUs) {
          bestUs = this.lastUs[i];
          best = i;
        }
      }
      i = i + 1 === n ? 0 : i + 1;
    }
    this.evictCursor = i;
    if (best >= 0 && this.end(best, FLOW_END_EVICTED)) this.stats.evicted++;
  }

  /** Timeout table slot of flow `i`: its protocol class and state. */
  private timeoutSlot(i: number): number {
    const proto = this.keyProto[i];
    if (proto === IPPROTO_TCP) return CLASS_TCP * STATE_SLOTS + this.tcpState[i];
    const cls = proto === IPPROTO_UDP
      ? CLASS_UDP
      : proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6
      ? CLASS_ICMP
      : CLASS_OTHER;
    return cls * STATE_SLOTS + this.state[i];
  }

  /**
   * Ends flow `i` for `reason`: writes its EV_FLOW record (when logging) and frees the slot. False when
   * the ring is full; the flow then stays.
   */
  private end(i: number, reason: number): boolean {
    if (this.logFlows && !this.writeRecord(i, reason)) return false;
    if (this.endHook !== null) this.endHook.flowEnded(i);
    this.remove(i);
    this.stats.ended++;
    return true;
  }

  private writeRecord(i: number, reason: number): boolean {
    const r = this.ring;
    if (r.full) return false; // not lost: the flow stays and is ended later, so `lost` must not move
    const e = r.push(EV_FLOW);
    if (e < 0) return false;
    const kind = this.keyKind[i];
    const v = kind & KIND_VERSION;
    const proto = this.keyProto[i];
    r.tsUs[e] = this.lastUs[i];
    r.pcapCnt[e] = 0;
    r.flowId[e] = this.flowId[i];
    r.code[e] = reason;
    r.ipVersion[e] = v;
    r.proto[e] = proto;
    const a = 8 * i;
    const o = 4 * e;
    for (let w = 0; w < 4; w++) {
      r.src[o + w] = this.keyAddr[a + w];
      r.dst[o + w] = this.keyAddr[a + 4 + w];
    }
    const p0 = this.keyPort[2 * i];
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      r.srcPort[e] = 0;
      r.dstPort[e] = 0;
      r.icmpType[e] = (kind & KIND_ICMP_TYPE) !== 0 ? p0 : proto === IPPROTO_ICMP ? 8 : 128;
      r.icmpCode[e] = 0;
    } else {
      r.srcPort[e] = p0;
      r.dstPort[e] = this.keyPort[2 * i + 1];
      r.icmpType[e] = -1;
      r.icmpCode[e] = -1;
    }
    r.ifIndex[e] = -1;
    r.etherType[e] = v === 4 ? ETH_IPV4 : ETH_IPV6;
    const v0 = this.keyVlan[2 * i];
    const v1 = this.keyVlan[2 * i + 1];
    r.vlan0[e] = v0;
    r.vlan1[e] = v1;
    r.vlanCount[e] = v1 !== 0 ? 2 : v0 !== 0 ? 1 : 0;
    r.ipLen[e] = 0;
    r.ttl[e] = 0;
    r.tos[e] = 0;
    r.ipId[e] = 0;
    r.tcpSeq[e] = 0;
    r.tcpAck[e] = 0;
    r.tcpWin[e] = 0;
    r.tcpUrp[e] = 0;
    // TCP flags seen toserver in the low byte, toclient in the high byte.
    r.tcpFlags[e] = this.tcpFlagsSeen[2 * i] | (this.tcpFlagsSeen[2 * i + 1] << 8);
    r.pktsToServer[e] = this.pkts[2 * i];
    r.pktsToClient[e] = this.pkts[2 * i + 1];
    r.bytesToServer[e] = this.bytes[2 * i];
    r.bytesToClient[e] = this.bytes[2 * i + 1];
    r.startUs[e] = this.startUs[i];
    r.endUs[e] = this.lastUs[i];
    r.state[e] = this.state[i];
    r.appProto[e] = this.appProto[i];
    r.application[e] = this.appLabel(i);
    return true;
  }

  /** The bucket word for chain head `i` (its `next` already set). */
  private headWord(i: number): number {
    return i | (this.next[i] === -1 ? this.singleBit : 0) |
      (((this.hashOf[i] >>> this.hashTagShift) & this.tagMask) << this.tagShift);
  }

  /** Unlinks flow `i` from its hash chain and puts the slot on the free list. */
  private remove(i: number): void {
    const b = this.hashOf[i] & this.mask;
    const w = this.buckets[b];
    const head = w & this.idxMask;
    if (head === i) {
      const nx = this.next[i];
      this.buckets[b] = nx === -1 ? -1 : this.headWord(nx);
    } else {
      let j = head;
      while (j !== -1 && this.next[j] !== i) j = this.next[j];
      if (j !== -1) this.next[j] = this.next[i];
      if (this.next[head] === -1) this.buckets[b] = w | this.singleBit;
    }
    this.state[i] = 0;
    this.tcpState[i] = TCP_NONE;
    this.next[i] = this.freeHead;
    this.freeHead = i;
    this.stats.active--;
    if (this.stats.emergency && this.stats.active < this.recoverBelow) this.stats.emergency = false;
  }
}

/** Timeouts in microseconds per [protocol class * STATE_SLOTS + state] (cold). */
function timeoutTable(tcp: FlowTimeouts, udp: FlowTimeouts, icmp: FlowTimeouts, other: FlowTimeouts): Float64Array {
  const t = new Float64Array(4 * STATE_SLOTS);
  const us = 1_000_000;
  for (let s = 0; s < STATE_SLOTS; s++) {
    let sec: number;
    if (s === TCP_SYN_SENT) sec = tcp.synSent;
    else if (s === TCP_NONE || s === TCP_SYN_RECV) sec = tcp.new;
    else if (s === TCP_ESTABLISHED) sec = tcp.established;
    else if (s === TCP_CLOSED) sec = tcp.closed;
    else sec = tcp.closing;
    t[CLASS_TCP * STATE_SLOTS + s] = sec * us;
  }
  const fill = (cls: number, c: FlowTimeouts): void => {
    t[cls * STATE_SLOTS + FLOW_STATE_NEW] = c.new * us;
    t[cls * STATE_SLOTS + FLOW_STATE_ESTABLISHED] = c.established * us;
    t[cls * STATE_SLOTS + FLOW_STATE_CLOSED] = c.closed * us;
  };
  fill(CLASS_UDP, udp);
  fill(CLASS_ICMP, icmp);
  fill(CLASS_OTHER, other);
  return t;
}
