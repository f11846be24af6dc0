/**
 * The detection engine's hot path: for each packet (payload / raw-stream signatures) and each app-layer
 * transaction inspection point (sticky-buffer signatures), gather candidate signatures with the
 * prefilter, verify them fully, keep per-flow and per-host state (flowbits, flowints, xbits,
 * thresholds), and emit alerts. It also decides the IPS verdict: a matching `drop`/`reject` signature
 * blocks the packet (and the rest of its flow) in prevent mode; `pass` stops inspection of the flow.
 *
 * No allocation per packet: candidate lists, stamps and state tables are typed arrays sized at start.
 *
 * @example
 * ```ts
 * import { Detector } from "./detector.ts";
 * import { FlowTable } from "../flow/table.ts";
 * import { EventRing } from "../events.ts";
 * import { defaultEngineConfig } from "../config.ts";
 * const ring = new EventRing(64);
 * const flows = new FlowTable(defaultEngineConfig().flow, ring);
 * const det = new Detector(flows, ring, { prevent: false, stateEntries: 1 << 16 });
 * console.log(det.ruleSet); // null until setRuleSet
 * ```
 */
import { EV_ALERT, type EventRing } from "../events.ts";
import type { FlowTable } from "../flow/table.ts";
import { TCP_CLOSED, TCP_ESTABLISHED } from "../flow/table.ts";
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Packet } from "../packet.ts";
import { ALPROTO_FAILED, alprotoMatches } from "../applayer/proto.ts";
import {
  BUF_COUNT,
  BUF_FILE_DATA,
  BUF_HTTP_REQUEST_BODY,
  BUF_HTTP_RESPONSE_BODY,
  BUF_ICMPV4_HDR,
  BUF_ICMPV6_HDR,
  BUF_IPV4_HDR,
  BUF_IPV6_HDR,
  BUF_PAYLOAD,
  BUF_TCP_HDR,
  BUF_UDP_HDR,
  BUF_STREAM,
  FIELD_TLS_STATE,
  type InspectBuffers,
} from "./buffers.ts";
import { ContentInspector } from "./inspect.ts";
import { type AddressIndex, PG_ICMP, PG_OTHER, PG_TCP, PG_UDP, type PrefilterGroup, type RuleSet } from "./ruleset.ts";
import {
  ACT_DROP,
  ACT_PASS,
  ACT_REJECT,
  BIT_ISNOTSET,
  BIT_ISSET,
  BIT_SET,
  BIT_TOGGLE,
  BIT_UNSET,
  type Block,
  cmpNum,
  FL_ESTABLISHED,
  FL_NO_STREAM,
  FL_NOT_ESTABLISHED,
  FL_ONLY_STREAM,
  FL_TOCLIENT,
  FL_TOSERVER,
  INT_ADD,
  INT_ASSIGN,
  INT_CMP,
  INT_ISSET,
  INT_NOTSET,
  INT_SUB,
  type Signature,
  TH_BOTH,
  TH_DETECTION_FILTER,
  TH_LIMIT,
  TH_THRESHOLD,
  type ThresholdSpec,
  type XbitOp,
  TRACK_BOTH,
  TRACK_DST,
  TRACK_FLOW,
  TRACK_RULE,
  TRACK_SRC,
} from "./signature.ts";
import { StateTable } from "./state.ts";
import { Transformer } from "./transform.ts";

export interface DetectConfig {
  /** IPS ("prevent"): drop/reject signatures block. IDS ("detect"): they only alert. */
  prevent: boolean;
  /** Entries in each state table (flowbits/flowints, thresholds, transaction alert memory). */
  stateEntries: number;
  /** Every alert carries its packet (EVE `packet`); otherwise only alerts of rules with `tag`. */
  capturePackets?: boolean;
}

/** Per-flow detection flags. */
const DF_IPONLY_TOSERVER = 1;
const DF_IPONLY_TOCLIENT = 2;
const DF_PASS = 4;
const DF_DROP = 8;

const MAX_CANDIDATES = 8192;
const NS_FLOWBIT = 1;
const NS_FLOWINT = 2;
const NS_TX = 3;
const NS_BODY = 4;
const NS_PENDING = 5;
const NS_XBIT = 6;
/** State-table keys stay below 2^30 so they are passed as small integers, never boxed. */
const KEY_MASK = 0x3fffffff;
/** Signatures remembered per transaction for another look when its body grows. */
const PENDING_SLOTS = 8;

/** Buffers that grow while a transaction lasts (bodies, file data, DCERPC stubs). */
const BODY_BUFFERS = new Uint8Array(BUF_COUNT);
BODY_BUFFERS[BUF_FILE_DATA] = 1;
BODY_BUFFERS[BUF_HTTP_REQUEST_BODY] = 1;
BODY_BUFFERS[BUF_HTTP_RESPONSE_BODY] = 1;

export class DetectStats {
  packetsInspected = 0;
  candidates = 0;
  verified = 0;
  alerts = 0;
  drops = 0;
  prefilterOverflow = 0;
  /** Matches silenced by a policy exception or a suppression. */
  excepted = 0;
}

export class Detector {
  ruleSet: RuleSet | null = null;
  readonly cfg: DetectConfig;
  readonly stats = new DetectStats();
  private readonly flows: FlowTable;
  private readonly ring: EventRing;
  private readonly ci = new ContentInspector();
  private readonly xf = new Transformer();
  private readonly flowState: StateTable;
  private readonly thresholds: StateTable;
  /** Per-host state (xbits), not tied to flows. */
  private readonly hostState: StateTable;
  private readonly txSeen: StateTable;
  private readonly cand = new Int32Array(MAX_CANDIDATES);
  private readonly hits = new Int32Array(MAX_CANDIDATES);
  private stampGen = 1;
  private stamp = new Uint32Array(0);
  private readonly detFlags: Uint8Array;
  private readonly detFlowId: Float64Array;
  /** Per flow direction: stream offset where the raw scan of a packet with waiting candidates began (-1: none). */
  private readonly waitFrom: Float64Array;
  private readonly waitFlowId: Float64Array;

  /** Raw stream window for the current packet (set by the caller before `runPacket`). */
  rawBuf: Uint8Array = new Uint8Array(0);
  rawStart = 0;
  rawEnd = 0;
  rawNew = 0;
  rawStreamOffset = 0;
  hasRaw = false;

  private tcpStateBefore = 0;
  /** The protocol each flow was first detected as (before an upgrade), kept by the app-layer dispatcher. */
  originalProto: Uint8Array | null = null;
  /** Set by the app-layer dispatcher when this packet completed its flow's protocol detection. */
  protocolDetectedNow = false;
  /** The packet being inspected (for header buffers). */
  private curPacket: Packet | null = null;

  /** Verdict for the current packet: a drop/reject signature matched in prevent mode, and which. */
  drop = false;
  reject = false;
  dropSig = -1;

  constructor(flows: FlowTable, ring: EventRing, cfg: DetectConfig) {
    this.flows = flows;
    this.ring = ring;
    this.cfg = cfg;
    this.flowState = new StateTable(cfg.stateEntries, flows.flowId);
    this.thresholds = new StateTable(cfg.stateEntries, null);
    this.hostState = new StateTable(cfg.stateEntries, null);
    this.txSeen = new StateTable(cfg.stateEntries, flows.flowId);
    this.detFlags = new Uint8Array(flows.capacity);
    this.detFlowId = new Float64Array(flows.capacity);
    this.waitFrom = new Float64Array(2 * flows.capacity).fill(-1);
    this.waitFlowId = new Float64Array(2 * flows.capacity);
  }

  setRuleSet(rs: RuleSet | null): void {
    this.ruleSet = rs;
    if (rs !== null && this.stamp.length < rs.signatures.length) this.stamp = new Uint32Array(rs.signatures.length);
  }

  private flagsOf(flow: number): number {
    if (flow < 0) return 0;
    if (this.detFlowId[flow] !== this.flows.flowId[flow]) {
      this.detFlowId[flow] = this.flows.flowId[flow];
      this.detFlags[flow] = 0;
    }
    return this.detFlags[flow];
  }

  /** Whether the flow was blocked by an earlier drop (prevent mode) or passed by a pass rule. */
  flowDropped(flow: number): boolean {
    return (this.flagsOf(flow) & DF_DROP) !== 0;
  }

  flowPassed(flow: number): boolean {
    return (this.flagsOf(flow) & DF_PASS) !== 0;
  }

  /** Clears the per-packet verdict; call once per packet before any run*. */
  beginPacket(p: Packet, flow: number): void {
    // the time is read here, not passed: a microsecond timestamp is a double, boxed when passed
    this.protocolDetectedNow = false;
    // Suricata counts a TCP packet as "established" only when the session was before it (the ACK
    // completing the handshake is not).
    this.tcpStateBefore = flow >= 0 ? this.flows.tcpState[flow] : 0;
    this.drop = false;
    this.reject = false;
    this.dropSig = -1;
    this.hasRaw = false;
    this.flowState.nowUs = p.tsUs;
    this.thresholds.nowUs = p.tsUs;
    this.hostState.nowUs = p.tsUs;
    this.txSeen.nowUs = p.tsUs;
  }

  private nextStamp(): number {
    this.stampGen = (this.stampGen + 1) >>> 0;
    if (this.stampGen === 0) {
      this.stamp.fill(0);
      this.stampGen = 1;
    }
    return this.stampGen;
  }

  /** Adds a group's candidates for buf[start,end) to `cand` from `n`; returns the new count. */
  private gather(g: PrefilterGroup, buf: Uint8Array, start: number, end: number, n: number, gen: number): number {
    const st = this.stamp;
    const cand = this.cand;
    const always = g.always;
    for (let i = 0; i < always.length && n < MAX_CANDIDATES; i++) {
      const s = always[i];
      if (st[s] !== gen) {
        st[s] = gen;
        cand[n++] = s;
      }
    }
    const sc = g.scanner;
    if (sc === null || end <= start) return n;
    const k = sc.scan(buf, start, end, this.hits);
    if (sc.overflow) {
      this.stats.prefilterOverflow++;
      const all = g.patternSig;
      for (let i = 0; i < all.length && n < MAX_CANDIDATES; i++) {
        const s = all[i];
        if (st[s] !== gen) {
          st[s] = gen;
          cand[n++] = s;
        }
      }
      return n;
    }
    const map = g.patternSig;
    for (let i = 0; i < k && n < MAX_CANDIDATES; i++) {
      const s = map[this.hits[i]];
      if (st[s] !== gen) {
        st[s] = gen;
        cand[n++] = s;
      }
    }
    return n;
  }

  private sortCandidates(n: number): void {
    const a = this.cand;
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

  /**
   * Packet signatures for one packet: header, flow and packet tests, payload blocks against the packet
   * payload and (TCP) the raw stream window. `flow` is -1 for packets without a flow; `dir` 0 toserver.
   */
  /**
   * Stream bytes of direction `dir` became in-order while a packet of the other direction was processed
   * (its ACK ended a gap, or the flow is being flushed): the payload signatures look at that direction's
   * raw stream window, with addresses taken the other way round. Sets nothing about the packet itself.
   */
  runStreamOther(p: Packet, flow: number, dir: number, rawBuf: Uint8Array, rawStart: number, rawEnd: number, rawNew: number): void {
    this.rawBuf = rawBuf;
    this.rawStart = rawStart;
    this.rawEnd = rawEnd;
    this.rawNew = rawNew;
    this.hasRaw = true;
    this.streamOnly = true;
    this.swapAddrs = true;
    this.runPacket(p, flow, dir);
    this.streamOnly = false;
    this.swapAddrs = false;
    this.hasRaw = false;
  }

  /** Set while `runStreamOther` runs: only the raw stream is inspected, addresses reversed. */
  private streamOnly = false;
  private swapAddrs = false;
  /** Furthest byte (from the view start) the payload blocks of the signature being verified inspected. */
  private rawReach = 0;

  runPacket(p: Packet, flow: number, dir: number): void {
    const rs = this.ruleSet;
    if (rs === null) return;
    const fflags = this.flagsOf(flow);
    if ((fflags & DF_PASS) !== 0 || this.drop) return;
    this.curPacket = p;
    this.stats.packetsInspected++;
    const proto = p.proto;
    const g = proto === IPPROTO_TCP
      ? PG_TCP
      : proto === IPPROTO_UDP
      ? PG_UDP
      : proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6
      ? PG_ICMP
      : PG_OTHER;
    const sw = this.swapAddrs;
    const group = rs.packetGroups[2 * g + dir].group(dir === 0 ? (sw ? p.srcPort : p.dstPort) : (sw ? p.dstPort : p.srcPort));
    const gen = this.nextStamp();
    let n = 0;
    // IP-only signatures: once per direction of a flow (every packet without a flow), found by address
    const ipOnlyDue = !this.streamOnly && (flow < 0 || (fflags & (dir === 0 ? DF_IPONLY_TOSERVER : DF_IPONLY_TOCLIENT)) === 0);
    if (ipOnlyDue) n = this.gatherIpOnly(rs, p, n, gen);
    let scanFrom = 0;
    if (this.streamOnly) {
      const from = this.rawScanFrom(rs.maxPatternLength, group.lookback, flow, dir);
      scanFrom = from;
      n = this.gather(group, this.rawBuf, from, this.rawEnd, n, gen);
    } else if (this.hasRaw) {
      // new stream bytes plus enough history for a pattern to straddle the boundary (and, after a
      // packet whose candidates may need more data, the history they need: see rawScanFrom)
      const from = this.rawScanFrom(rs.maxPatternLength, group.lookback, flow, dir);
      scanFrom = from;
      n = this.gather(group, this.rawBuf, from, this.rawEnd, n, gen);
      if (p.payloadLen !== this.rawEnd - this.rawNew) {
        n = this.gather(group, p.buf, p.payloadOff, p.payloadOff + p.payloadLen, n, gen);
      }
    } else {
      n = this.gather(group, p.buf, p.payloadOff, p.payloadOff + p.payloadLen, n, gen);
    }
    this.sortCandidates(n);
    this.stats.candidates += n;
    const sigs = rs.signatures;
    const lookback = rs.streamLookback;
    let waiting = false;
    for (let i = 0; i < n; i++) {
      const s = sigs[this.cand[i]];
      if (!this.headerMatches(s, p, flow, dir)) continue;
      this.stats.verified++;
      if (!this.packetTests(s, p, flow, dir)) continue;
      if (!this.payloadBlocks(s, p, flow)) {
        // it may still match on the stream once more bytes arrive
        if (lookback[s.idx] > 0) waiting = true;
        continue;
      }
      if (!this.stateConditions(s, flow)) continue;
      if (this.matched(s, p, flow, dir)) break; // pass
      if (this.drop) break; // a blocked packet is not inspected further (Suricata discards later alerts)
    }
    if (this.hasRaw && flow >= 0) this.rawWaiting(flow, dir, waiting, scanFrom);
    if (flow >= 0 && !this.streamOnly) {
      // IP-only signatures are looked at once per direction of a flow (Suricata)
      this.detFlags[flow] |= dir === 0 ? DF_IPONLY_TOSERVER : DF_IPONLY_TOCLIENT;
    }
  }

  /**
   * Where the raw-window prefilter starts: the new bytes plus the longest pattern's length before them.
   * When a signature that reads past its fast pattern (`RuleSet.streamLookback`) was a candidate on an
   * earlier packet of this flow direction and did not match, its pattern may lie in older bytes and the
   * bytes its byte_test / relative content needs arrive now: the scan then goes back to where that
   * packet's scan started, at most the group's lookback.
   */
  private rawScanFrom(maxPat: number, lookback: number, flow: number, dir: number): number {
    let from = this.rawNew - maxPat;
    if (lookback > 0 && flow >= 0) {
      const k = 2 * flow + dir;
      if (this.waitFlowId[k] === this.flows.flowId[flow] && this.waitFrom[k] >= 0) {
        let pf = this.waitFrom[k] - this.rawStreamOffset + this.rawStart;
        const floor = from - lookback;
        if (pf < floor) pf = floor;
        if (pf < from) from = pf;
      }
    }
    return from < this.rawStart ? this.rawStart : from;
  }

  /** Remembers (or forgets) that a candidate of this flow direction may match with more stream bytes. */
  private rawWaiting(flow: number, dir: number, waiting: boolean, scanFrom: number): void {
    const k = 2 * flow + dir;
    const fid = this.flows.flowId[flow];
    if (!waiting) {
      this.waitFrom[k] = -1;
      return;
    }
    // keep the older start while it is pending: rawScanFrom bounds how far back it goes
    if (this.waitFlowId[k] !== fid || this.waitFrom[k] < 0) {
      this.waitFlowId[k] = fid;
      this.waitFrom[k] = scanFrom - this.rawStart + this.rawStreamOffset;
    }
  }

  /** Adds the IP-only signatures whose address sets contain the packet's addresses. */
  private gatherIpOnly(rs: RuleSet, p: Packet, n: number, gen: number): number {
    const ix = rs.ipOnly;
    n = this.addList(ix.always, 0, ix.always.length, n, gen);
    if (p.ipVersion !== 4) return this.addList(ix.v6, 0, ix.v6.length, n, gen);
    n = this.lookupIndex(ix.byDst, p.dst[0], n, gen);
    return this.lookupIndex(ix.bySrc, p.src[0], n, gen);
  }

  private lookupIndex(ix: AddressIndex, addr: number, n: number, gen: number): number {
    const b = ix.bounds;
    // the last boundary <= addr
    let lo = 0;
    let hi = b.length - 1;
    if (hi < 0 || addr < b[0]) return n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid] <= addr) lo = mid;
      else hi = mid - 1;
    }
    return this.addList(ix.sigs, ix.start[lo], ix.start[lo + 1], n, gen);
  }

  private addList(list: Int32Array, from: number, to: number, n: number, gen: number): number {
    const st = this.stamp;
    for (let i = from; i < to && n < MAX_CANDIDATES; i++) {
      const s = list[i];
      if (st[s] !== gen) {
        st[s] = gen;
        this.cand[n++] = s;
      }
    }
    return n;
  }

  /** Transaction signatures at an app-layer inspection point; `buffers` hold the transaction's views. */
  runTx(p: Packet, flow: number, dir: number, b: InspectBuffers, txId: number, alproto: number): void {
    const rs = this.ruleSet;
    if (rs === null || !rs.hasTx || this.drop) return;
    // a passed flow is not inspected; a dropped one is blocked without looking further
    if ((this.flagsOf(flow) & (DF_PASS | DF_DROP)) !== 0) return;
    this.curPacket = p;
    const gen = this.nextStamp();
    const always = rs.txAlwaysByProto[alproto];
    let n = this.addList(always, 0, always.length, 0, gen);
    const any = rs.txAlwaysByProto[0];
    if (alproto !== 0) n = this.addList(any, 0, any.length, n, gen);
    // signatures that were candidates on an unfinished body of this transaction and did not match yet
    if (flow >= 0) {
      const st = this.flowState;
      for (let k = 0; k < PENDING_SLOTS; k++) {
        const e = st.find(flow, 0, NS_PENDING, txId, k);
        if (e < 0) continue;
        const sig = st.value[e] - 1;
        st.remove(e);
        if (sig >= 0 && sig < this.stamp.length && this.stamp[sig] !== gen && n < MAX_CANDIDATES) {
          this.stamp[sig] = gen;
          this.cand[n++] = sig;
        }
      }
    }
    const groups = rs.txGroups;
    const maxPat = rs.maxPatternLength;
    const base = dir * BUF_COUNT;
    for (let id = 0; id < BUF_COUNT; id++) {
      const g = groups[base + id];
      if (g === null) continue;
      let v = b.first(id);
      if (v >= 0 && BODY_BUFFERS[id] === 1 && flow >= 0) {
        // growing bodies: prefilter only what is new since the last inspection of this transaction
        const e = this.flowState.upsert(flow, 0, NS_BODY, txId, id);
        const done = this.flowState.value[e];
        const len = b.len[v];
        let from = done - maxPat;
        if (from < 0 || done > len) from = 0;
        this.flowState.value[e] = len;
        if (len > from) n = this.gather(g, b.data[v], b.start[v] + from, b.start[v] + len, n, gen);
        v = b.next(v);
      }
      for (; v >= 0; v = b.next(v)) {
        n = this.gather(g, b.data[v], b.start[v], b.start[v] + b.len[v], n, gen);
      }
    }
    this.sortCandidates(n);
    this.stats.candidates += n;
    const sigs = rs.signatures;
    let pending = 0;
    for (let i = 0; i < n; i++) {
      const s = sigs[this.cand[i]];
      if (s.txDir !== 2 && s.txDir !== dir) continue;
      if (s.appProto !== 0 && !alprotoMatches(s.appProto, alproto)) continue;
      if (!this.headerMatches(s, p, flow, dir)) continue;
      // each direction of a transaction is inspected once per signature (Suricata's per-direction state)
      if (flow >= 0 && this.txSeen.find(flow, 0, NS_TX, txId * 2 + dir, s.idx) >= 0) continue;
      this.stats.verified++;
      if (!this.packetTests(s, p, flow, dir)) continue;
      if (!this.txTests(s, b)) continue;
      if (!this.txBlocks(s, p, b)) {
        // a body may still grow: look at this signature again on the next inspection of the transaction
        if (flow >= 0 && s.bodyBuffer && pending < PENDING_SLOTS) {
          const e = this.flowState.upsert(flow, 0, NS_PENDING, txId, pending++);
          this.flowState.value[e] = s.idx + 1;
        }
        continue;
      }
      if (!this.stateConditions(s, flow)) continue;
      if (flow >= 0) this.txSeen.upsert(flow, 0, NS_TX, txId * 2 + dir, s.idx);
      if (this.matched(s, p, flow, dir)) break;
      if (this.drop) break;
    }
  }

  private headerMatches(s: Signature, p: Packet, flow: number, dir: number): boolean {
    if (s.ipProto >= 0 && s.ipProto !== p.proto) {
      if (!(s.anyIcmp && (p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6))) return false;
    }
    if (s.appProto !== 0 && !s.isTx) {
      const ap = flow >= 0 ? this.flows.appProto[flow] : 0;
      if (!alprotoMatches(s.appProto, ap)) return false;
    }
    const ff = s.flowFlags;
    if (ff !== 0) {
      if (flow < 0) {
        if ((ff & (FL_TOSERVER | FL_TOCLIENT | FL_ESTABLISHED)) !== 0) return false;
      } else {
        if ((ff & FL_TOSERVER) !== 0 && dir !== 0) return false;
        if ((ff & FL_TOCLIENT) !== 0 && dir !== 1) return false;
        if ((ff & (FL_ESTABLISHED | FL_NOT_ESTABLISHED)) !== 0) {
          const est = this.established(flow, p);
          if ((ff & FL_ESTABLISHED) !== 0 && !est) return false;
          if ((ff & FL_NOT_ESTABLISHED) !== 0 && est) return false;
        }
      }
    }
    const sw = this.swapAddrs;
    if (s.transactional) return this.addrPortsMatch(s, p, (dir === 1) !== sw);
    if (this.addrPortsMatch(s, p, sw)) return true;
    return s.bidirectional && this.addrPortsMatch(s, p, !sw);
  }

  private established(flow: number, p: Packet): boolean {
    if (p.proto === IPPROTO_TCP) {
      const st = this.tcpStateBefore;
      return st >= TCP_ESTABLISHED && st !== TCP_CLOSED;
    }
    // other protocols: both directions seen
    return this.flows.pkts[2 * flow] > 0 && this.flows.pkts[2 * flow + 1] > 0;
  }

  private addrPortsMatch(s: Signature, p: Packet, swap: boolean): boolean {
    const sa = swap ? p.dst : p.src;
    const da = swap ? p.src : p.dst;
    const sp = swap ? p.dstPort : p.srcPort;
    const dp = swap ? p.srcPort : p.dstPort;
    if (!s.srcAny && !addrIn(p.ipVersion, sa, s.src4, s.src6)) return false;
    if (!s.dstAny && !addrIn(p.ipVersion, da, s.dst4, s.dst6)) return false;
    const ports = p.proto === IPPROTO_TCP || p.proto === IPPROTO_UDP || p.proto === 132;
    if (!s.srcPortsAny && (!ports || !portIn(sp, s.srcPorts))) return false;
    if (!s.dstPortsAny && (!ports || !portIn(dp, s.dstPorts))) return false;
    return true;
  }

  private packetTests(s: Signature, p: Packet, flow: number, dir: number): boolean {
    if (s.dsizeOp >= 0 && !cmpNum(s.dsizeOp, s.dsizeA, s.dsizeB, p.payloadLen)) return false;
    if (s.ttlOp >= 0 && !cmpNum(s.ttlOp, s.ttlA, s.ttlB, p.ttl)) return false;
    if (s.itypeOp >= 0 && (p.icmpType < 0 || !cmpNum(s.itypeOp, s.itypeA, s.itypeB, p.icmpType))) return false;
    if (s.icodeOp >= 0 && (p.icmpCode < 0 || !cmpNum(s.icodeOp, s.icodeA, s.icodeB, p.icmpCode))) return false;
    if (s.icmpId >= 0 && (p.icmpType < 0 || p.icmpId !== s.icmpId || !isEcho(p))) return false;
    if (s.icmpSeq >= 0 && (p.icmpType < 0 || p.icmpSeq !== s.icmpSeq || !isEcho(p))) return false;
    if (s.ipProtoOp >= 0) {
      const ok = cmpNum(s.ipProtoOp, s.ipProtoA, s.ipProtoB, p.proto);
      if (ok === s.ipProtoNeg) return false;
    }
    if (s.ack >= 0 && (p.proto !== IPPROTO_TCP || p.tcpAck !== s.ack)) return false;
    if (s.seq >= 0 && (p.proto !== IPPROTO_TCP || p.tcpSeq !== s.seq)) return false;
    if (s.window >= 0 && (p.proto !== IPPROTO_TCP || (p.tcpWin === s.window) === s.windowNeg)) return false;
    if (s.ipId >= 0 && p.ipId !== s.ipId) return false;
    if (s.tos >= 0 && (p.tos === s.tos) === s.tosNeg) return false;
    if (s.tcpFlagsMode >= 0) {
      if (p.proto !== IPPROTO_TCP) return false;
      const f = p.tcpFlags & 0xff & ~s.tcpFlagsIgnore;
      const w = s.tcpFlags;
      switch (s.tcpFlagsMode) {
        case 0:
          if (f !== w) return false;
          break;
        case 1:
          if ((f & w) !== w) return false;
          break;
        case 2:
          if ((f & w) === 0 && w !== 0) return false;
          break;
        default:
          if ((f & w) !== 0) return false;
      }
    }
    if (s.fragbitsMode >= 0) {
      const f = p.ipFlags;
      const w = s.fragbits;
      switch (s.fragbitsMode) {
        case 0:
          if (f !== w) return false;
          break;
        case 1:
          if ((f & w) !== w) return false;
          break;
        case 2:
          if ((f & w) === 0) return false;
          break;
        default:
          if ((f & w) !== 0) return false;
      }
    }
    if (s.fragoffOp >= 0 && cmpNum(s.fragoffOp, s.fragoffA, s.fragoffB, p.fragOffset) === s.fragoffNeg) return false;
    if (s.sameip >= 0) {
      const same = p.src[0] === p.dst[0] && p.src[1] === p.dst[1] && p.src[2] === p.dst[2] && p.src[3] === p.dst[3];
      if (same !== (s.sameip === 1)) return false;
    }
    const alp = s.alpTests;
    if (alp !== null && s.alpNegs !== null) {
      // a signature that is nothing but app-layer-protocol matches on the packet that finished
      // protocol detection, not on every packet after (Suricata's "PD-only" signatures)
      if (s.pdOnly && !this.protocolDetectedNow) return false;
      const ap = flow >= 0 ? this.flows.appProto[flow] : 0;
      // nothing is known before detection finished: neither "is" nor "is not" holds yet
      if (ap === 0) return false;
      for (let i = 0; i < alp.length; i++) {
        const want = alp[i];
        let have = ap;
        if (s.alpOriginal !== null && s.alpOriginal[i] === 1) {
          const o = this.originalProto !== null && flow >= 0 ? this.originalProto[flow] : 0;
          if (o !== 0) have = o;
        }
        const ok = want === ALPROTO_FAILED ? have === ALPROTO_FAILED : alprotoMatches(want, have);
        if (ok === (s.alpNegs[i] === 1)) return false;
      }
    }
    const evs = s.events;
    if (evs !== null) {
      const n = p.anomalyCount < p.anomalies.length ? p.anomalyCount : p.anomalies.length;
      for (let i = 0; i < evs.length; i++) {
        let seen = false;
        for (let k = 0; k < n; k++) if (p.anomalies[k] === evs[i]) seen = true;
        if (!seen) return false;
      }
    }
    if (s.streamSizeSide >= 0) {
      if (flow < 0 || p.proto !== IPPROTO_TCP) return false;
      const t = this.flows.tcp;
      const cli = ((t.nextSeq[2 * flow] - t.isn[2 * flow]) >>> 0);
      const srv = ((t.nextSeq[2 * flow + 1] - t.isn[2 * flow + 1]) >>> 0);
      const a = s.streamSizeA;
      const b = s.streamSizeB;
      const op = s.streamSizeOp;
      const side = s.streamSizeSide;
      let ok: boolean;
      if (side === 0) ok = cmpNum(op, a, b, srv);
      else if (side === 1) ok = cmpNum(op, a, b, cli);
      else if (side === 2) ok = cmpNum(op, a, b, srv) && cmpNum(op, a, b, cli);
      else ok = cmpNum(op, a, b, srv) || cmpNum(op, a, b, cli);
      if (!ok) return false;
    }
    void dir;
    return true;
  }

  private txTests(s: Signature, b: InspectBuffers): boolean {
    if (s.dceIface !== null) {
      if (!b.ifaceSet) return false;
      for (let i = 0; i < 16; i++) if (b.iface[i] !== s.dceIface[i]) return false;
      if (s.dceIfaceVerOp >= 0) {
        const v = b.fields[1 + 1];
        if (v !== v || !cmpNum(s.dceIfaceVerOp, s.dceIfaceVerA, s.dceIfaceVerB, v)) return false;
      }
    }
    if (s.dceOpnums !== null) {
      const op = b.fields[1];
      if (op !== op) return false;
      let ok = false;
      for (let i = 0; i < s.dceOpnums.length; i += 2) if (op >= s.dceOpnums[i] && op <= s.dceOpnums[i + 1]) ok = true;
      if (!ok) return false;
    }
    if (s.sslStateAny >= 0) {
      const st = b.fields[FIELD_TLS_STATE];
      if (st !== st) return false;
      if (s.sslStateAny !== 0 && (st & s.sslStateAny) === 0) return false;
      if ((st & s.sslStateNone) !== 0) return false;
    }
    if (s.tlsVersions !== null) {
      const v = b.fields[3];
      let ok = false;
      if (v === v) for (let i = 0; i < s.tlsVersions.length; i++) if (s.tlsVersions[i] === v) ok = true;
      if (ok === s.tlsVersionNeg) return false;
    }
    return true;
  }

  /** Payload blocks of a packet signature: packet payload, else (TCP, unless no_stream) the raw stream window. */
  private payloadBlocks(s: Signature, p: Packet, flow: number): boolean {
    const blocks = s.blocks;
    if (blocks.length === 0) return true;
    const ff = s.flowFlags;
    const canPacket = (ff & FL_ONLY_STREAM) === 0 && !this.streamOnly;
    const canStream = (ff & FL_NO_STREAM) === 0 && this.hasRaw && flow >= 0;
    this.curPacket = p;
    if (canPacket && this.allBlocks(blocks, p.buf, p.payloadOff, p.payloadLen, 0, p.payloadLen > 0)) return true;
    if (canStream) {
      const start = this.rawStart;
      const len = this.rawEnd - start;
      this.rawReach = 0;
      if (this.allBlocks(blocks, this.rawBuf, start, len, this.rawStreamOffset, true)) {
        // only a match that depended on this packet's new bytes counts (older ones alerted before):
        // the furthest byte any keyword inspected (content end, byte_test read end …) must be new
        return this.rawReach > this.rawNew - start;
      }
    }
    return false;
  }

  private allBlocks(blocks: Block[], buf: Uint8Array, start: number, len: number, streamStart: number, present: boolean): boolean {
    for (let k = 0; k < blocks.length; k++) {
      const blk = blocks[k];
      const id = blk.buffer;
      if (id >= BUF_IPV4_HDR && id <= BUF_ICMPV6_HDR) {
        if (!this.headerBlock(blk, this.curPacket)) return false;
        continue;
      }
      if (!present) return false;
      if (id !== BUF_PAYLOAD && id !== BUF_STREAM) return false;
      if (!this.inspectBlock(blk, buf, start, len, streamStart)) return false;
      if (this.ci.reach > this.rawReach) this.rawReach = this.ci.reach;
    }
    return true;
  }

  /** ipv4.hdr, tcp.hdr, …: the header bytes of the packet as Suricata gives them to rules. */
  private headerBlock(blk: Block, p: Packet | null): boolean {
    if (p === null) return false;
    const id = blk.buffer;
    let at = -1;
    let n = 0;
    if (id === BUF_IPV4_HDR) {
      if (p.ipVersion === 4) {
        at = p.l3Off;
        n = p.ipHdrLen;
      }
    } else if (id === BUF_IPV6_HDR) {
      if (p.ipVersion === 6) {
        at = p.l3Off;
        n = p.l4Off - p.l3Off;
      }
    } else if (id === BUF_TCP_HDR) {
      if (p.proto === IPPROTO_TCP && p.tcpHdrLen > 0) {
        at = p.l4Off;
        n = p.tcpHdrLen;
      }
    } else if (id === BUF_UDP_HDR) {
      if (p.proto === IPPROTO_UDP) {
        at = p.l4Off;
        n = 8;
      }
    } else if (id === BUF_ICMPV4_HDR) {
      if (p.proto === IPPROTO_ICMP) {
        at = p.l4Off;
        n = p.l4Len < 8 ? p.l4Len : 8;
      }
    } else if (id === BUF_ICMPV6_HDR) {
      if (p.proto === IPPROTO_ICMPV6) {
        at = p.l4Off;
        n = p.l4Len < 8 ? p.l4Len : 8;
      }
    }
    if (at < 0 || n <= 0) return false;
    return this.inspectBlock(blk, p.buf, at, n, 0);
  }

  private inspectBlock(blk: Block, buf: Uint8Array, start: number, len: number, streamStart: number): boolean {
    if (blk.transforms.length > 0) {
      const out = this.xf.apply(blk, buf, start, len);
      return this.ci.inspect(blk, this.xf.out, 0, out, 0);
    }
    return this.ci.inspect(blk, buf, start, len, streamStart);
  }

  private txBlocks(s: Signature, p: Packet, b: InspectBuffers): boolean {
    const blocks = s.blocks;
    for (let k = 0; k < blocks.length; k++) {
      const blk = blocks[k];
      const id = blk.buffer;
      if (id === BUF_PAYLOAD || id === BUF_STREAM) {
        if (!this.inspectBlock(blk, p.buf, p.payloadOff, p.payloadLen, 0)) return false;
        continue;
      }
      let ok = false;
      for (let v = b.first(id); v >= 0 && !ok; v = b.next(v)) {
        ok = this.inspectBlock(blk, b.data[v], b.start[v], b.len[v], 0);
      }
      if (!ok) return false;
    }
    return true;
  }

  /** The host key of an xbit: the packet's source, destination, or both (order-free). */
  private xbitKey(track: number, p: Packet): number {
    const src = p.src[0] ^ p.src[1] ^ p.src[2] ^ p.src[3];
    const dst = p.dst[0] ^ p.dst[1] ^ p.dst[2] ^ p.dst[3];
    const k = track === 0 ? src : track === 1 ? dst : src ^ dst; // ip_pair: the same either way round
    return k & KEY_MASK;
  }

  private xbitHigh(track: number, p: Packet): number {
    const src = p.src[0] ^ p.src[1] ^ p.src[2] ^ p.src[3];
    const dst = p.dst[0] ^ p.dst[1] ^ p.dst[2] ^ p.dst[3];
    const k = track === 0 ? src : track === 1 ? dst : src ^ dst;
    return (k >>> 30) & 3;
  }

  private xbitEntry(op: XbitOp, p: Packet, create: boolean): number {
    const key = this.xbitKey(op.track, p);
    const t = this.hostState;
    const v = p.ipVersion;
    if (!create) {
      const e = t.find(-1, NS_XBIT, op.bit, key, op.track * 16 + v + 256 * this.xbitHigh(op.track, p));
      if (e >= 0 && t.value2[e] < t.nowUs) {
        t.remove(e); // expired
        return -1;
      }
      return e;
    }
    return t.upsert(-1, NS_XBIT, op.bit, key, op.track * 16 + v + 256 * this.xbitHigh(op.track, p));
  }

  /** xbits conditions (isset / isnotset on hosts). */
  private xbitConditions(s: Signature, p: Packet): boolean {
    const xs = s.xbits;
    for (let i = 0; i < xs.length; i++) {
      const op = xs[i];
      if (op.op === BIT_ISSET && this.xbitEntry(op, p, false) < 0) return false;
      if (op.op === BIT_ISNOTSET && this.xbitEntry(op, p, false) >= 0) return false;
    }
    return true;
  }

  /** flowbits / flowint / xbits conditions. */
  private stateConditions(s: Signature, flow: number): boolean {
    if (s.xbits.length > 0 && this.curPacket !== null && !this.xbitConditions(s, this.curPacket)) return false;
    const fb = s.flowbits;
    for (let i = 0; i < fb.length; i++) {
      const op = fb[i];
      if (op.op !== BIT_ISSET && op.op !== BIT_ISNOTSET) continue;
      if (flow < 0) return false;
      const bits = op.bits;
      let any = false;
      let all = true;
      for (let k = 0; k < bits.length; k++) {
        const set = this.flowState.find(flow, 0, NS_FLOWBIT, bits[k], 0) >= 0;
        if (set) any = true;
        else all = false;
      }
      if (op.op === BIT_ISSET) {
        if (op.anyOf ? !any : !all) return false;
      } else {
        // isnotset a|b: any of them unset; a&b: all unset
        if (op.anyOf ? all : any) return false;
      }
    }
    const fi = s.flowints;
    for (let i = 0; i < fi.length; i++) {
      const op = fi[i];
      if (op.op !== INT_ISSET && op.op !== INT_NOTSET && op.op !== INT_CMP) continue;
      if (flow < 0) return false;
      const e = this.flowState.find(flow, 0, NS_FLOWINT, op.id, 0);
      if (op.op === INT_ISSET && e < 0) return false;
      if (op.op === INT_NOTSET && e >= 0) return false;
      if (op.op === INT_CMP) {
        if (e < 0) return false;
        let rhs = op.value;
        if (op.valueVar >= 0) {
          const r = this.flowState.find(flow, 0, NS_FLOWINT, op.valueVar, 0);
          if (r < 0) return false;
          rhs = this.flowState.value[r];
        }
        if (!cmpNum(op.cmpOp, rhs, 0, this.flowState.value[e])) return false;
      }
    }
    return true;
  }

  /** The signature matched: side effects, thresholds, alert, verdict. Returns true when inspection stops (pass). */
  /** Whether a policy exception or suppression silences `s` for this packet. */
  private excepted(s: Signature, p: Packet): boolean {
    const list = s.exceptions;
    if (list === null) return false;
    const v = p.ipVersion;
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (x.src4 !== null && !addrIn(v, p.src, x.src4, x.src6 as Uint32Array)) continue;
      if (x.dst4 !== null && !addrIn(v, p.dst, x.dst4, x.dst6 as Uint32Array)) continue;
      if (
        x.either4 !== null && !addrIn(v, p.src, x.either4, x.either6 as Uint32Array) &&
        !addrIn(v, p.dst, x.either4, x.either6 as Uint32Array)
      ) continue;
      if (x.ports !== null && !portIn(p.srcPort, x.ports) && !portIn(p.dstPort, x.ports)) continue;
      this.stats.excepted++;
      return true;
    }
    return false;
  }

  private matched(s: Signature, p: Packet, flow: number, dir: number): boolean {
    if (s.exceptions !== null && this.excepted(s, p)) return false;
    if (flow >= 0) {
      const fb = s.flowbits;
      for (let i = 0; i < fb.length; i++) {
        const op = fb[i];
        for (let k = 0; k < op.bits.length; k++) {
          const bit = op.bits[k];
          if (op.op === BIT_SET) this.flowState.upsert(flow, 0, NS_FLOWBIT, bit, 0);
          else if (op.op === BIT_UNSET || op.op === BIT_TOGGLE) {
            const e = this.flowState.find(flow, 0, NS_FLOWBIT, bit, 0);
            if (e >= 0) this.flowState.remove(e);
            else if (op.op === BIT_TOGGLE) this.flowState.upsert(flow, 0, NS_FLOWBIT, bit, 0);
          }
        }
      }
      const fi = s.flowints;
      for (let i = 0; i < fi.length; i++) {
        const op = fi[i];
        if (op.op !== INT_ASSIGN && op.op !== INT_ADD && op.op !== INT_SUB) continue;
        let v = op.value;
        if (op.valueVar >= 0) {
          const r = this.flowState.find(flow, 0, NS_FLOWINT, op.valueVar, 0);
          if (r < 0) continue;
          v = this.flowState.value[r];
        }
        const existing = this.flowState.find(flow, 0, NS_FLOWINT, op.id, 0);
        if (op.op !== INT_ASSIGN && existing < 0) continue; // Suricata: + and - need the var set
        const e = existing >= 0 ? existing : this.flowState.upsert(flow, 0, NS_FLOWINT, op.id, 0);
        const cur = this.flowState.value[e];
        this.flowState.value[e] = op.op === INT_ASSIGN ? v : op.op === INT_ADD ? cur + v : cur - v;
      }
    }
    const xs = s.xbits;
    for (let i = 0; i < xs.length; i++) {
      const op = xs[i];
      if (op.op === BIT_SET) {
        const e = this.xbitEntry(op, p, true);
        this.hostState.value2[e] = this.hostState.nowUs + op.expireUs;
      } else if (op.op === BIT_UNSET || op.op === BIT_TOGGLE) {
        const e = this.xbitEntry(op, p, false);
        if (e >= 0) this.hostState.remove(e);
        else if (op.op === BIT_TOGGLE) {
          const n = this.xbitEntry(op, p, true);
          this.hostState.value2[n] = this.hostState.nowUs + op.expireUs;
        }
      }
    }
    const isPass = s.action === ACT_PASS;
    // pass signatures stop inspection silently (Suricata logs no alert for them)
    let alert = (!s.noalert && !isPass) || s.forceAlert;
    if (alert && s.detectionFilter !== null) alert = this.threshold(s.detectionFilter, s, p, flow);
    if (alert && s.threshold !== null) alert = this.threshold(s.threshold, s, p, flow);
    const blocks = this.cfg.prevent && !s.detectOnly && (s.action === ACT_DROP || s.action === ACT_REJECT);
    if (blocks) {
      this.drop = true;
      if (s.action === ACT_REJECT) this.reject = true;
      if (this.dropSig < 0) this.dropSig = s.idx;
      if (flow >= 0) this.detFlags[flow] |= DF_DROP;
      this.stats.drops++;
    }
    if (alert) {
      const rs = this.ruleSet;
      const ev = this.ring.pushPacket(EV_ALERT, p, flow >= 0 ? this.flows.flowId[flow] : 0, dir);
      if (ev >= 0) {
        this.ring.rule[ev] = s.idx;
        this.ring.policyGen[ev] = rs === null ? 0 : rs.generation;
        this.ring.flags[ev] = blocks ? 1 : 0;
        this.ring.appProto[ev] = flow >= 0 ? this.flows.appProto[flow] : 0;
        this.ring.application[ev] = flow >= 0 ? this.flows.appLabel(flow) : 0;
        // the packet goes with the alert when the rule tags traffic or the policy asks for it
        if (s.tagPackets > 0 || s.tagSeconds > 0 || s.tagBytes > 0 || this.cfg.capturePackets === true) this.ring.capture(ev, p);
      }
      this.stats.alerts++;
    }
    if (isPass) {
      if (flow >= 0) this.detFlags[flow] |= DF_PASS;
      return true;
    }
    return false;
  }

  /** Threshold / detection_filter bookkeeping; returns whether this match may alert. */
  private threshold(t: ThresholdSpec, s: Signature, p: Packet, flow: number): boolean {
    const tab = this.thresholds;
    const now = tab.nowUs;
    let e: number;
    const key = -2 - s.idx;
    // keys are kept below 2^30 (small integers are never boxed): address words split in 30 + 2 bits
    switch (t.track) {
      case TRACK_SRC:
        e = tab.upsert(key, p.src[0] & KEY_MASK, (p.src[0] >>> 30) | ((p.src[1] ^ p.src[2] ^ p.src[3]) & KEY_MASK) << 2 & KEY_MASK, 1, 0);
        break;
      case TRACK_DST:
        e = tab.upsert(key, p.dst[0] & KEY_MASK, (p.dst[0] >>> 30) | ((p.dst[1] ^ p.dst[2] ^ p.dst[3]) & KEY_MASK) << 2 & KEY_MASK, 2, 0);
        break;
      case TRACK_BOTH: {
        const x = (p.src[0] ^ p.dst[0]) >>> 0;
        const y = (p.src[3] ^ p.dst[3]) >>> 0;
        e = tab.upsert(key, x & KEY_MASK, (x >>> 30) | ((y & KEY_MASK) << 2 & KEY_MASK), 3, 0);
        break;
      }
      case TRACK_FLOW:
        e = tab.upsert(key, flow, 0, 4, 0);
        break;
      case TRACK_RULE:
      default:
        e = tab.upsert(key, 0, 0, 0, 0);
    }
    const v = tab.value;
    const start = tab.value2;
    if (v[e] === 0 || now - start[e] > t.secondsUs) {
      v[e] = 0;
      start[e] = now;
    }
    v[e]++;
    const c = v[e];
    switch (t.type) {
      case TH_LIMIT:
        return c <= t.count;
      case TH_THRESHOLD:
        if (c >= t.count) {
          v[e] = 0;
          start[e] = now;
          return true;
        }
        return false;
      case TH_BOTH:
        return c === t.count;
      case TH_DETECTION_FILTER:
        return c > t.count;
      default:
        return true;
    }
  }
}

function isEcho(p: Packet): boolean {
  const t = p.icmpType;
  return p.proto === IPPROTO_ICMP ? t === 8 || t === 0 || t === 13 || t === 14 || t === 15 || t === 16 || t === 17 || t === 18 : t === 128 || t === 129;
}

function addrIn(version: number, a: Uint32Array, r4: Uint32Array, r6: Uint32Array): boolean {
  if (version === 4) {
    const x = a[0];
    for (let i = 0; i < r4.length; i += 2) if (x >= r4[i] && x <= r4[i + 1]) return true;
    return false;
  }
  if (version !== 6) return false;
  for (let i = 0; i < r6.length; i += 8) {
    if (cmp128(a, r6, i) >= 0 && cmp128(a, r6, i + 4) <= 0) return true;
  }
  return false;
}

function cmp128(a: Uint32Array, r: Uint32Array, at: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[k];
    const y = r[at + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function portIn(port: number, ranges: Uint16Array): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (port >= ranges[i] && port <= ranges[i + 1]) return true;
  return false;
}
