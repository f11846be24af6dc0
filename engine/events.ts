/**
 * The event ring: a preallocated struct-of-arrays that the hot path appends to and a consumer outside
 * the hot path drains (to EVE JSON, MQTT, a database). Appending copies numbers only; nothing here
 * allocates after construction. When the ring is full the new event is not written and `lost` moves,
 * so a slow consumer is visible instead of silently overwritten.
 *
 * @example
 * ```ts
 * import { EventRing, EV_ANOMALY } from "./events.ts";
 * const ring = new EventRing(1024);
 * const i = ring.push(EV_ANOMALY);
 * ring.code[i] = 3;
 * for (let j = ring.first(); j !== -1; j = ring.next(j)) console.log(ring.kind[j]);
 * ring.clear();
 * ```
 */
import type { Packet } from "./packet.ts";

/** Event kinds. */
export const EV_ANOMALY = 1;
export const EV_DROP = 2; // the packet was blocked (firewall, stateful check, fail-closed)
export const EV_FIREWALL = 3; // a log-only firewall rule matched
export const EV_FLOW = 4; // a flow ended (timeout, eviction, end of input)
export const EV_ALERT = 5; // an IPS rule matched

/** Field counts per event that do not fit the scalar arrays. */
const ADDR_WORDS = 4;
/** Captured packets (EVE `packet`): how many are kept at once and how many bytes of each. */
export const CAPTURE_SLOTS = 256;
export const CAPTURE_BYTES = 2048;

export class EventRing {
  readonly capacity: number;
  /** Events that could not be written because the ring was full. */
  lost = 0;
  private head = 0;
  private count = 0;

  readonly kind: Uint8Array;
  /** Anomaly code, drop reason (DROP_*), or flow end reason. */
  readonly code: Int32Array;
  /** Firewall rule index (into the policy that was active), IPS rule index, or -1. */
  readonly rule: Int32Array;
  /** Index of the policy generation the rule index refers to (policies swap while events wait). */
  readonly policyGen: Int32Array;
  readonly tsUs: Float64Array;
  readonly pcapCnt: Float64Array;
  readonly flowId: Float64Array;
  readonly ipVersion: Uint8Array;
  readonly proto: Uint8Array;
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly srcPort: Uint16Array;
  readonly dstPort: Uint16Array;
  readonly icmpType: Int16Array;
  readonly icmpCode: Int16Array;
  readonly ifIndex: Int32Array;
  readonly etherType: Uint16Array;
  readonly vlan0: Uint16Array;
  readonly vlan1: Uint16Array;
  readonly vlanCount: Uint8Array;
  // drop record details (Suricata's `drop{}` object)
  readonly ipLen: Uint16Array;
  readonly ttl: Uint8Array;
  readonly tos: Uint8Array;
  readonly ipId: Uint32Array;
  readonly tcpSeq: Uint32Array;
  readonly tcpAck: Uint32Array;
  readonly tcpWin: Uint16Array;
  readonly tcpFlags: Uint16Array;
  readonly tcpUrp: Uint16Array;
  // tunnel
  readonly tunnelType: Uint8Array;
  readonly tunnelDepth: Uint8Array;
  readonly outerIpVersion: Uint8Array;
  readonly outerSrc: Uint32Array;
  readonly outerDst: Uint32Array;
  readonly outerProto: Uint8Array;
  readonly outerSrcPort: Uint16Array;
  readonly outerDstPort: Uint16Array;
  // flow record details (EV_FLOW); also used for the direction of a packet event (0 toserver, 1 toclient)
  readonly dir: Uint8Array;
  readonly pktsToServer: Float64Array;
  readonly pktsToClient: Float64Array;
  readonly bytesToServer: Float64Array;
  readonly bytesToClient: Float64Array;
  readonly startUs: Float64Array;
  readonly endUs: Float64Array;
  /** Flow state at the end (FLOW_STATE_* from flow/), and the app-layer protocol id (0 unknown). */
  readonly state: Uint8Array;
  readonly appProto: Uint16Array;
  /** Application id from app identification (0 unknown). */
  readonly application: Uint16Array;
  /** Per-event flags; bit 0: the packet was blocked because of this event (alert with drop). */
  readonly flags: Uint8Array;
  /**
   * Packet captures: an event's capture number (0: none) and, per slot, the bytes, their length, link
   * type and the capture number that owns the slot (a later capture reusing the slot before the event
   * was drained makes its packet unavailable rather than wrong).
   */
  readonly captureNo: Float64Array;
  readonly captureBytes = new Uint8Array(CAPTURE_SLOTS * CAPTURE_BYTES);
  readonly captureLen = new Uint16Array(CAPTURE_SLOTS);
  readonly captureLink = new Uint16Array(CAPTURE_SLOTS);
  readonly captureOwner = new Float64Array(CAPTURE_SLOTS);
  private captures = 0;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`event ring capacity must be positive, got ${capacity}`);
    this.capacity = capacity;
    const n = capacity;
    this.kind = new Uint8Array(n);
    this.code = new Int32Array(n);
    this.rule = new Int32Array(n);
    this.policyGen = new Int32Array(n);
    this.tsUs = new Float64Array(n);
    this.pcapCnt = new Float64Array(n);
    this.flowId = new Float64Array(n);
    this.ipVersion = new Uint8Array(n);
    this.proto = new Uint8Array(n);
    this.src = new Uint32Array(n * ADDR_WORDS);
    this.dst = new Uint32Array(n * ADDR_WORDS);
    this.srcPort = new Uint16Array(n);
    this.dstPort = new Uint16Array(n);
    this.icmpType = new Int16Array(n);
    this.icmpCode = new Int16Array(n);
    this.ifIndex = new Int32Array(n);
    this.etherType = new Uint16Array(n);
    this.vlan0 = new Uint16Array(n);
    this.vlan1 = new Uint16Array(n);
    this.vlanCount = new Uint8Array(n);
    this.ipLen = new Uint16Array(n);
    this.ttl = new Uint8Array(n);
    this.tos = new Uint8Array(n);
    this.ipId = new Uint32Array(n);
    this.tcpSeq = new Uint32Array(n);
    this.tcpAck = new Uint32Array(n);
    this.tcpWin = new Uint16Array(n);
    this.tcpFlags = new Uint16Array(n);
    this.tcpUrp = new Uint16Array(n);
    this.tunnelType = new Uint8Array(n);
    this.tunnelDepth = new Uint8Array(n);
    this.outerIpVersion = new Uint8Array(n);
    this.outerSrc = new Uint32Array(n * ADDR_WORDS);
    this.outerDst = new Uint32Array(n * ADDR_WORDS);
    this.outerProto = new Uint8Array(n);
    this.outerSrcPort = new Uint16Array(n);
    this.outerDstPort = new Uint16Array(n);
    this.dir = new Uint8Array(n);
    this.pktsToServer = new Float64Array(n);
    this.pktsToClient = new Float64Array(n);
    this.bytesToServer = new Float64Array(n);
    this.bytesToClient = new Float64Array(n);
    this.startUs = new Float64Array(n);
    this.endUs = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.appProto = new Uint16Array(n);
    this.captureNo = new Float64Array(n);
    this.application = new Uint16Array(n);
    this.flags = new Uint8Array(n);
  }

  /** Number of events waiting. */
  get size(): number {
    return this.count;
  }

  /** True when no more events fit. */
  get full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * Reserves a slot for a new event of `kind` and returns its index, or -1 (and `lost` moves) when the
   * ring is full. Scalar fields of the slot are zeroed; the caller fills what applies.
   */
  push(kind: number): number {
    if (this.count === this.capacity) {
      this.lost++;
      return -1;
    }
    let i = this.head + this.count;
    if (i >= this.capacity) i -= this.capacity;
    this.count++;
    this.kind[i] = kind;
    this.code[i] = 0;
    this.rule[i] = -1;
    this.policyGen[i] = 0;
    this.flowId[i] = 0;
    this.dir[i] = 0;
    this.flags[i] = 0;
    this.appProto[i] = 0;
    this.application[i] = 0;
    this.tunnelType[i] = 0;
    this.captureNo[i] = 0;
    return i;
  }

  /** Keeps a copy of the packet's frame (up to CAPTURE_BYTES) for event `i` (EVE `packet`). */
  capture(i: number, p: Packet): void {
    const no = ++this.captures;
    const slot = no % CAPTURE_SLOTS;
    const base = slot * CAPTURE_BYTES;
    const n = p.len < CAPTURE_BYTES ? p.len : CAPTURE_BYTES;
    const src = p.buf;
    const off = p.off;
    const dst = this.captureBytes;
    for (let k = 0; k < n; k++) dst[base + k] = src[off + k];
    this.captureLen[slot] = n;
    this.captureLink[slot] = p.linkType;
    this.captureOwner[slot] = no;
    this.captureNo[i] = no;
  }

  /**
   * Reserves a slot and copies the packet's addressing, timing and header fields into it. Returns the
   * slot or -1 when the ring is full.
   */
  pushPacket(kind: number, p: Packet, flowId: number, dir: number): number {
    const i = this.push(kind);
    if (i < 0) return i;
    this.tsUs[i] = p.tsUs;
    this.pcapCnt[i] = p.pcapCnt;
    this.flowId[i] = flowId;
    this.dir[i] = dir;
    this.ipVersion[i] = p.ipVersion;
    this.proto[i] = p.proto;
    const a = i * ADDR_WORDS;
    for (let w = 0; w < ADDR_WORDS; w++) {
      this.src[a + w] = p.src[w];
      this.dst[a + w] = p.dst[w];
    }
    this.srcPort[i] = p.srcPort;
    this.dstPort[i] = p.dstPort;
    this.icmpType[i] = p.icmpType;
    this.icmpCode[i] = p.icmpCode;
    this.ifIndex[i] = p.ifIndex;
    this.etherType[i] = p.etherType;
    this.vlanCount[i] = p.vlanCount;
    this.vlan0[i] = p.vlan0;
    this.vlan1[i] = p.vlan1;
    this.ipLen[i] = p.ipLen;
    this.ttl[i] = p.ttl;
    this.tos[i] = p.tos;
    this.ipId[i] = p.ipId;
    this.tcpSeq[i] = p.tcpSeq;
    this.tcpAck[i] = p.tcpAck;
    this.tcpWin[i] = p.tcpWin;
    this.tcpFlags[i] = p.tcpFlags;
    this.tcpUrp[i] = p.tcpUrp;
    this.tunnelType[i] = p.tunnelType;
    if (p.tunnelType !== 0) {
      this.tunnelDepth[i] = p.tunnelDepth;
      this.outerIpVersion[i] = p.outerIpVersion;
      for (let w = 0; w < ADDR_WORDS; w++) {
        this.outerSrc[a + w] = p.outerSrc[w];
        this.outerDst[a + w] = p.outerDst[w];
      }
      this.outerProto[i] = p.outerProto;
      this.outerSrcPort[i] = p.outerSrcPort;
      this.outerDstPort[i] = p.outerDstPort;
    }
    return i;
  }

  /** Index of the oldest waiting event, or -1. */
  first(): number {
    return this.count === 0 ? -1 : this.head;
  }

  /** Index of the event after `i` in arrival order, or -1 at the end. */
  next(i: number): number {
    let n = i + 1;
    if (n === this.capacity) n = 0;
    const end = this.head + this.count;
    const endIdx = end >= this.capacity ? end - this.capacity : end;
    return n === endIdx ? -1 : n;
  }

  /** Forgets every waiting event (after the consumer has read them). */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
