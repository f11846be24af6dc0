/**
 * The inspection engine: one call per packet, a verdict back, events in a preallocated ring.
 *
 *   decode → defrag → flow lookup / TCP state → firewall (bypass, stateful checks, rules, implicit
 *   deny) → TCP stream reassembly (when a `streamConsumer` is set) → verdict (+ events)
 *
 * `process` is the hot path: it creates no objects, arrays, strings or closures; every table it touches
 * was sized when the engine was constructed. It never throws on input: bad packets become anomalies
 * and counters. Policies are compiled elsewhere and swapped in with one assignment (`setPolicy`).
 *
 * @example
 * ```ts
 * import { Engine } from "./engine.ts";
 * import { defaultEngineConfig } from "./config.ts";
 * import { PacketMeta, LINK_RAW } from "./packet.ts";
 * const engine = new Engine(defaultEngineConfig());
 * const meta = new PacketMeta();
 * meta.linkType = LINK_RAW;
 * const verdict = engine.process(new Uint8Array(20), 0, 20, meta); // a truncated IPv4 header
 * console.log(verdict, engine.ring.size); // 0 1 (an anomaly event)
 * ```
 */
import { A_FLOW_MEMCAP } from "./anomaly.ts";
import type { EngineConfig } from "./config.ts";
import { Decoder } from "./decode/decoder.ts";
import { DEFRAG_COMPLETE, DEFRAG_DROPPED, Defragmenter } from "./defrag/defragmenter.ts";
import { EV_ANOMALY, EV_DROP, EV_FIREWALL, EventRing } from "./events.ts";
import { FW_BYPASS, FW_DENY, FW_NONE } from "./firewall/firewall.ts";
import { FLOW_BYPASS, FLOW_FW_ALLOWED, FLOW_MIDSTREAM, FLOW_PREEXISTING, FlowTable } from "./flow/table.ts";
import {
  CSUM_BAD,
  CSUM_OK,
  DIR_IN,
  DIR_OUT,
  DIR_UNKNOWN,
  ETH_IPV4,
  ETH_IPV6,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Packet,
  type PacketMeta,
  TH_ACK,
  TH_SYN,
} from "./packet.ts";
import type { CompiledPolicy } from "./policy/compiled.ts";
import type { StreamConsumer } from "./stream/consumer.ts";
import { Reassembler } from "./stream/reassembler.ts";
import type { Ips } from "./ips.ts";
import type { AppIdentifier } from "./appid/identifier.ts";
import {
  DROP_APP_CONTROL,
  DROP_EXHAUSTED,
  DROP_FIREWALL_RULE,
  DROP_IPS_RULE,
  DROP_MALFORMED,
  DROP_NONE,
  DROP_OUT_OF_POLICY,
  VERDICT_DROP,
  VERDICT_PASS,
  VERDICT_REJECT,
} from "./verdict.ts";


/**
 * A flow's cached firewall decision (FlowTable.fwCache): bits 0-2 and 3-5 the decision + 1 to server and
 * to client (0: none cached), 6-7 and 8-9 the direction each way, 10-30 the policy generation it was
 * made under (a swap invalidates every cache at once). Deny decisions are not cached: their packets
 * need the rule for the event, and they end the flow's traffic anyway.
 */
const FWC_DIR_SHIFT = 6;
const FWC_GEN_SHIFT = 10;
const FWC_GEN_MASK = 0x1fffff;

/** Suricata's automatic checksum mode: decide after this many packets whether captures have offloaded checksums. */
const CSUM_SAMPLE = 1000;
/** ... and stop validating when more than one in this many checked packets had a bad checksum. */
const CSUM_INVALID_RATIO = 10;

/** Work done on timeouts every this many packets (bounded by the tables' per-call limits). */
const HOUSEKEEPING_EVERY = 32;
/**
 * The flow table is swept once per this much traffic time: flows end at most this late after their
 * timeout. The slots looked at per housekeeping call follow the time that passed, not the packet
 * count, so a fast link does not pay for sweeping a large table over and over.
 */
const SWEEP_PERIOD_US = 5_000_000;
const SWEEP_MIN_SLOTS = 8;
const SWEEP_MAX_SLOTS = 8192;

export class EngineStats {
  packets = 0;
  bytes = 0;
  passed = 0;
  dropped = 0;
  bypassed = 0;
  decodeAnomalies = 0;
  invalidChecksums = 0;
  fragmentsHeld = 0;
  reassembled = 0;
  flowExhausted = 0;
  /** Packets let through uninspected because a table was full and exhaustion is "open". */
  failOpen = 0;
  firewallDenied = 0;
  outOfPolicy = 0;
  statefulDropped = 0;
  malformedDropped = 0;
  logOnly = 0;
  /** Packets blocked by IPS rules (drop/reject in prevent mode, and the rest of their flows). */
  ipsDropped = 0;
  /** Packets blocked by app control (their flow's application or function is blocked). */
  appDropped = 0;
}

export class Engine {
  readonly cfg: EngineConfig;
  readonly ring: EventRing;
  readonly packet = new Packet();
  /** Scratch view of the datagram an ICMP error quotes (relatedFlow). */
  private readonly quoted = new Packet();
  readonly decoder: Decoder;
  readonly defrag: Defragmenter;
  readonly flows: FlowTable;
  readonly stats = new EngineStats();
  /** The active policy; replaced as a whole by `setPolicy`. null: no policy, nothing is blocked. */
  private policy: CompiledPolicy | null = null;
  /** The IPS stage (app-layer parsers and rules); null: none, nothing is inspected past the firewall. */
  private ips: Ips | null = null;
  /** TCP stream reassembly; created (with its memcap) when a stream consumer is first set. */
  private reasm: Reassembler | null = null;
  /** Application identification (and app control); null: flows are not named. */
  private appid: AppIdentifier | null = null;

  /** Traffic time of the last flow sweep. */
  private lastSweepUs = 0.5;
  /** Checksum validation state: "all" validates always, "none" never, "auto" until offload is evident. */
  private validate: boolean;
  private autoChecksum: boolean;
  private csumChecked = 0;
  private csumBad = 0;
  /** Set when `auto` mode turned validation off; the CLI tells the user once. */
  checksumAutoDisabled = false;

  /** Why the last packet was dropped (DROP_*), and the deciding firewall rule or -1. */
  lastDropReason = DROP_NONE;
  lastRule = -1;

  constructor(cfg: EngineConfig) {
    this.cfg = cfg;
    this.ring = new EventRing(cfg.eventRingSize);
    this.decoder = new Decoder(cfg.decode);
    this.defrag = new Defragmenter(cfg.defrag);
    this.flows = new FlowTable(cfg.flow, this.ring);
    this.validate = cfg.checksums !== "none";
    this.autoChecksum = cfg.checksums === "auto";
  }

  /** Swaps the policy in one assignment; packets already processed keep the decisions they got. */
  setPolicy(policy: CompiledPolicy | null): void {
    this.policy = policy;
  }

  get activePolicy(): CompiledPolicy | null {
    return this.policy;
  }

  /**
   * Where reassembled TCP bytes go (the app-layer dispatcher). null (the default): no reassembly and no
   * cost. Setting one the first time allocates the reassembler (`stream.reassembly.memcap` and the raw
   * windows) and hooks it to flow ends (cold path).
   */
  get streamConsumer(): StreamConsumer | null {
    return this.reasm === null ? null : this.reasm.consumer;
  }

  set streamConsumer(c: StreamConsumer | null) {
    if (c !== null && this.reasm === null) {
      this.reasm = new Reassembler(this.cfg.stream, this.flows.capacity, this.flows);
      this.flows.endHook = this.reasm;
    }
    if (this.reasm !== null) this.reasm.consumer = c;
  }

  /**
   * Installs the IPS stage (cold path): its app-layer dispatcher becomes the stream consumer. Rule sets
   * are swapped on `ips.detector.setRuleSet` in one assignment.
   */
  setIps(ips: Ips | null): void {
    this.ips = ips;
    this.streamConsumer = ips === null ? null : ips.app;
    this.wireAppHosts();
  }

  /** Installs application identification (cold path); it runs on every packet the firewall and IPS let through. */
  setAppIdentifier(a: AppIdentifier | null): void {
    this.appid = a;
    this.wireAppHosts();
  }

  /** Application identification reads the app-layer parsers' host names (QUIC / reassembled TLS SNI) when the IPS runs. */
  private wireAppHosts(): void {
    if (this.appid !== null) this.appid.hostSource = this.ips === null ? null : this.ips.app;
  }

  get appIdentifier(): AppIdentifier | null {
    return this.appid;
  }

  /** The stream reassembler (raw windows, counters), null until a stream consumer was set. */
  get reassembler(): Reassembler | null {
    return this.reasm;
  }

  /** Emit EV_FLOW records when flows end (`--eve-flows`). */
  set logFlows(on: boolean) {
    this.flows.logFlows = on;
  }

  /**
   * Inspects one packet: `len` bytes of `buf` from `off`. Returns VERDICT_PASS or VERDICT_DROP; the
   * reason is in `lastDropReason`. Events go to `ring`; drain it before it fills.
   */
  process(buf: Uint8Array, off: number, len: number, meta: PacketMeta): number {
    const p = this.packet;
    const st = this.stats;
    st.packets++;
    st.bytes += len;
    this.lastDropReason = DROP_NONE;
    this.lastRule = -1;
    this.load(p, buf, off, len, meta);
    this.decoder.decode(p);
    this.afterDecode(p);

    if ((st.packets & (HOUSEKEEPING_EVERY - 1)) === 0) {
      this.flows.nowUs = p.tsUs;
      this.defrag.nowUs = p.tsUs;
      this.housekeeping();
    }

    // A first fragment whose transport header looks wrong still goes to reassembly: judging it before the
    // datagram is whole would let a bogus first fragment plus an overlapping good one slip past.
    if (p.isFragment === 1) {
      const ds = this.defrag.stats;
      const full = ds.memcapDrops + ds.trackerDrops;
      const r = this.defrag.insert(p);
      if (r !== DEFRAG_COMPLETE) {
        this.emitAnomalies(p, 0, 0);
        // A full reassembly table: fail as configured.
        if (r === DEFRAG_DROPPED && ds.memcapDrops + ds.trackerDrops !== full) return this.exhausted(p);
        st.fragmentsHeld++;
        st.passed++;
        return VERDICT_PASS;
      }
      // The last fragment completed a datagram: inspect the whole of it in this packet's place.
      this.emitAnomalies(p, 0, 0);
      st.reassembled++;
      this.load(p, this.defrag.out, 0, this.defrag.outLen, meta);
      this.decoder.decode(p);
      this.afterDecode(p);
    }
    return this.inspect(p);
  }

  /** The part of `process` after decoding and reassembly. */
  private inspect(p: Packet): number {
    const st = this.stats;
    const policy = this.policy;
    const fw = policy === null ? null : policy.firewall;

    // Flow tracking for IP packets (ICMP errors belong to the flow they report on, not a flow of their own).
    let flow = -1;
    let flowDir = 0;
    let tracked = false;
    // A bad TCP checksum keeps the segment out of connection state (it would corrupt sequence tracking);
    // UDP and ICMP flows do not depend on it (Suricata parses their payloads regardless).
    const badCsum = (p.l4Csum === CSUM_BAD && p.proto === IPPROTO_TCP) || p.ipCsum === CSUM_BAD;
    // A TCP segment with a bad checksum still belongs to its connection for inspection (Suricata looks
    // its flow up), but changes nothing there: no new flow, no TCP state, no reassembly.
    const lookupOnly = badCsum && p.ipCsum !== CSUM_BAD;
    if (p.ipVersion !== 0 && p.decodeOk === 1 && (!badCsum || lookupOnly) && !isIcmpError(p)) {
      flow = this.flows.lookup(p);
      if (flow >= 0) {
        flowDir = this.flows.dir;
        tracked = !lookupOnly && (p.proto !== IPPROTO_TCP || this.tcpTracked(flow));
      } else if (!lookupOnly) {
        const syn = (p.tcpFlags & (TH_SYN | TH_ACK)) === TH_SYN;
        const midstream = this.cfg.stream.midstream;
        const outOfConn = p.proto === IPPROTO_TCP && !syn && !midstream;
        // A firewall that drops out-of-connection packets must not let junk fill the flow table.
        const willDrop = outOfConn && policy !== null && policy.stateful !== null && policy.stateful.outOfConnectionOn;
        if (!willDrop) {
          flow = this.flows.createLooked(p);
          if (flow < 0) {
            st.flowExhausted++;
            this.addAnomaly(p, A_FLOW_MEMCAP);
            this.emitAnomalies(p, 0, 0);
            return this.exhausted(p);
          }
          flowDir = 0;
          tracked = !outOfConn;
        }
      }
    }
    const flowId = flow >= 0 ? this.flows.flowId[flow] : 0;
    if (p.anomalyCount > 0) this.emitAnomalies(p, flowId, flowDir);

    if (fw !== null && policy !== null) {
      // The flow's cached decision for this direction, when the policy that made it is still the one in force.
      let decision = -1;
      let dir = DIR_UNKNOWN;
      let logCount = 0;
      let cache = 0;
      if (flow >= 0) {
        const c = this.flows.fwCache[flow];
        if (c >>> FWC_GEN_SHIFT === (policy.generation & FWC_GEN_MASK)) {
          cache = c;
          const d = (c >>> (3 * flowDir)) & 7;
          if (d !== 0) {
            decision = d - 1;
            dir = (c >>> (FWC_DIR_SHIFT + 2 * flowDir)) & 3;
          }
        }
      }
      if (decision < 0) {
        dir = p.datapathDirection;
        if (dir === DIR_UNKNOWN && p.ipVersion !== 0) dir = fw.directionOf(p);
        decision = fw.decide(p, dir);
        logCount = fw.logCount;
        if (flow >= 0 && fw.reusable && decision !== FW_DENY) {
          if (cache === 0) cache = (policy.generation & FWC_GEN_MASK) << FWC_GEN_SHIFT;
          this.flows.fwCache[flow] = cache | ((decision + 1) << (3 * flowDir)) | (dir << (FWC_DIR_SHIFT + 2 * flowDir));
        }
      }
      if (decision === FW_BYPASS) {
        if (flow >= 0 && !lookupOnly) {
          this.flows.flags[flow] |= FLOW_BYPASS | FLOW_FW_ALLOWED;
          this.flows.update(flow, p, flowDir);
        }
        st.bypassed++;
        st.passed++;
        return VERDICT_PASS;
      }
      // What cannot be decoded cannot be checked: under a firewall it does not pass (fail closed).
      if (p.decodeOk === 0) {
        st.malformedDropped++;
        return this.drop(p, DROP_MALFORMED, -1, policy.generation, flowId, flowDir);
      }
      const stateful = policy.stateful;
      if (stateful !== null) {
        const reason = stateful.check(p, tracked, this.cfg.stream.midstream);
        if (reason !== DROP_NONE) {
          st.statefulDropped++;
          return this.drop(p, reason, -1, policy.generation, flowId, flowDir);
        }
      }
      for (let k = 0; k < logCount; k++) {
        const ev = this.ring.pushPacket(EV_FIREWALL, p, flowId, flowDir);
        if (ev >= 0) {
          this.ring.rule[ev] = fw.logMatches[k];
          this.ring.policyGen[ev] = policy.generation;
        }
        st.logOnly++;
      }
      if (decision === FW_DENY) {
        st.firewallDenied++;
        return this.drop(p, DROP_FIREWALL_RULE, fw.decidingRule, policy.generation, flowId, flowDir);
      }
      if (decision === FW_NONE) {
        const restricted = dir === DIR_IN ? fw.hasAllowIn : dir === DIR_OUT ? fw.hasAllowOut : false;
        const continuation = flow >= 0 && (this.flows.flags[flow] & FLOW_FW_ALLOWED) !== 0;
        if (restricted && !continuation) {
          st.outOfPolicy++;
          return this.drop(p, DROP_OUT_OF_POLICY, -1, policy.generation, flowId, flowDir);
        }
      }
      if (flow >= 0) this.flows.flags[flow] |= FLOW_FW_ALLOWED;
    }

    const ips = this.ips;
    // An ICMP error belongs to the connection it reports on (Suricata): the IPS inspects it with that
    // flow, so a flow a drop rule blocked stays blocked for its ICMP errors too.
    let ipsFlow = flow;
    let ipsDir = flowDir;
    if (ips !== null && flow < 0 && p.icmpHasInner === 1 && isIcmpError(p)) {
      ipsFlow = this.relatedFlow(p);
      if (ipsFlow >= 0) ipsDir = this.flows.dir ^ 1; // the error travels against the packet it quotes
    }
    if (ips !== null) ips.begin(p, ipsFlow, ipsDir, this.reasm);
    if (flow >= 0 && !lookupOnly) {
      this.flows.update(flow, p, flowDir);
      // Reassembly sees what the firewall let through, on tracked, not bypassed TCP flows, with TCP state current.
      const r = this.reasm;
      if (
        r !== null && r.consumer !== null && p.proto === IPPROTO_TCP && tracked &&
        (this.flows.flags[flow] & FLOW_BYPASS) === 0
      ) {
        r.onPacket(flow, flowDir, p);
      }
    }
    if (ips !== null && (flow < 0 || (this.flows.flags[flow] & FLOW_BYPASS) === 0)) {
      const v = ips.finish(p, ipsFlow, ipsDir, this.reasm);
      if (p.anomalyCount > 0) this.emitAnomalies(p, flowId, flowDir);
      if (v !== VERDICT_PASS) {
        st.ipsDropped++;
        const rs = ips.detector.ruleSet;
        const d = this.drop(p, DROP_IPS_RULE, ips.detector.dropSig, rs === null ? 0 : rs.generation, flowId, flowDir);
        return v === VERDICT_REJECT ? VERDICT_REJECT : d; // reject: the datapath answers with a RST / ICMP unreachable
      }
    } else if (p.anomalyCount > 0) this.emitAnomalies(p, flowId, flowDir);
    // Application identification after the app layer parsed this packet; a blocked application's
    // flow is dropped from the packet that named it on (fail closed once named).
    const appid = this.appid;
    if (appid !== null && flow >= 0 && !lookupOnly && (this.flows.flags[flow] & FLOW_BYPASS) === 0 && appid.onPacket(p, flow, flowDir)) {
      st.appDropped++;
      // the drop record names the application (and function) in its rule field
      return this.drop(p, DROP_APP_CONTROL, this.flows.appLabel(flow), 0, flowId, flowDir);
    }
    st.passed++;
    return VERDICT_PASS;
  }

  /**
   * The flow of the datagram an ICMP or ICMPv6 error quotes (its IP header and first bytes), or -1;
   * sets `flows.dir` to the quoted packet's direction. Reads the quote into a scratch packet. (An IPv6
   * quote with extension headers before its transport header is not followed.)
   */
  private relatedFlow(p: Packet): number {
    const q = this.quoted;
    const b = p.buf;
    const at = p.l4Off + 8;
    const end = p.off + p.len;
    q.clearIp();
    q.vlanCount = p.vlanCount;
    q.vlan0 = p.vlan0;
    q.vlan1 = p.vlan1;
    let l4: number;
    if (p.proto === IPPROTO_ICMP) {
      if (at + 20 > end) return -1;
      const ihl = (b[at] & 15) * 4;
      if (ihl < 20) return -1;
      q.ipVersion = 4;
      q.proto = b[at + 9];
      q.src[0] = ((b[at + 12] << 24) | (b[at + 13] << 16) | (b[at + 14] << 8) | b[at + 15]) >>> 0;
      q.dst[0] = ((b[at + 16] << 24) | (b[at + 17] << 16) | (b[at + 18] << 8) | b[at + 19]) >>> 0;
      l4 = at + ihl;
    } else if (p.proto === IPPROTO_ICMPV6) {
      if (at + 40 > end || b[at] >>> 4 !== 6) return -1;
      q.ipVersion = 6;
      q.proto = b[at + 6];
      for (let w = 0; w < 4; w++) {
        const s = at + 8 + 4 * w;
        const d = at + 24 + 4 * w;
        q.src[w] = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
        q.dst[w] = ((b[d] << 24) | (b[d + 1] << 16) | (b[d + 2] << 8) | b[d + 3]) >>> 0;
      }
      l4 = at + 40;
    } else return -1;
    if (q.proto === IPPROTO_TCP || q.proto === IPPROTO_UDP) {
      if (l4 + 4 > end) return -1;
      q.srcPort = (b[l4] << 8) | b[l4 + 1];
      q.dstPort = (b[l4 + 2] << 8) | b[l4 + 3];
    } else if (q.proto === IPPROTO_ICMP || q.proto === IPPROTO_ICMPV6) {
      if (l4 + 8 > end) return -1;
      q.icmpType = b[l4];
      q.icmpCode = b[l4 + 1];
      q.icmpId = (b[l4 + 4] << 8) | b[l4 + 5];
    } else return -1;
    return this.flows.lookup(q);
  }

  /** Ends flows and reassembly whose time has passed (as of the last packet), bounded work per call. */
  private housekeeping(): void {
    const now = this.flows.nowUs;
    let elapsed = now - this.lastSweepUs;
    if (elapsed < 0 || elapsed > SWEEP_PERIOD_US) elapsed = SWEEP_PERIOD_US;
    this.lastSweepUs = now;
    let slots = Math.ceil((this.flows.capacity * elapsed) / SWEEP_PERIOD_US);
    if (slots < SWEEP_MIN_SLOTS) slots = SWEEP_MIN_SLOTS;
    else if (slots > SWEEP_MAX_SLOTS) slots = SWEEP_MAX_SLOTS;
    this.flows.expireNow(this.cfg.flow.expirePerPacket * HOUSEKEEPING_EVERY, slots);
    this.defrag.expireNow(64);
  }

  /**
   * Ends every flow at the end of the input (EVE `flow` records with reason "shutdown"), at most `max`
   * per call so the caller can drain the ring in between. Returns how many ended (0: done).
   */
  finish(max: number): number {
    return this.flows.flush(max);
  }

  /**
   * Records a connection open before the engine started (live datapaths read the OS's connection
   * table at start-up) so its packets are not dropped as "outside any connection". Cold path.
   */
  seedConnection(ipVersion: 4 | 6, src: Uint32Array, sport: number, dst: Uint32Array, dport: number, nowUs: number): number {
    const idx = this.flows.seedEstablished(ipVersion, src, sport, dst, dport, IPPROTO_TCP, nowUs);
    if (idx >= 0) this.flows.flags[idx] |= FLOW_PREEXISTING | FLOW_FW_ALLOWED;
    return idx;
  }

  private load(p: Packet, buf: Uint8Array, off: number, len: number, meta: PacketMeta): void {
    p.reset(buf, off, len);
    p.tsUs = meta.tsUs;
    p.pcapCnt = meta.pcapCnt;
    p.ifIndex = meta.ifIndex;
    p.datapathDirection = meta.direction;
    p.linkType = meta.linkType;
    p.wireLen = meta.wireLen > 0 ? meta.wireLen : len;
    this.decoder.validateChecksums = this.validate;
  }

  /** Whether the TCP flow saw its handshake start, or is allowed without one (pre-existing, or midstream on). */
  private tcpTracked(flow: number): boolean {
    const f = this.flows.flags[flow];
    return (f & FLOW_MIDSTREAM) === 0 || (f & FLOW_PREEXISTING) !== 0 || this.cfg.stream.midstream;
  }

  private afterDecode(p: Packet): void {
    // Raw-IP link types carry no EtherType; the firewall's `frame:` matches on one.
    if (p.etherType === 0 && p.ipVersion !== 0) p.etherType = p.ipVersion === 4 ? ETH_IPV4 : ETH_IPV6;
    this.noteChecksums(p);
  }

  /** Suricata's `-k auto`: keep validating until a sample shows the capture has offloaded checksums. */
  private noteChecksums(p: Packet): void {
    if (!this.validate) return;
    const bad = p.ipCsum === CSUM_BAD || p.l4Csum === CSUM_BAD;
    if (bad) this.stats.invalidChecksums++;
    if (!this.autoChecksum) return;
    if (p.ipCsum !== CSUM_OK && p.l4Csum !== CSUM_OK && !bad) return;
    this.csumChecked++;
    if (bad) this.csumBad++;
    if (this.csumChecked >= CSUM_SAMPLE) {
      this.autoChecksum = false;
      if (this.csumBad * CSUM_INVALID_RATIO > this.csumChecked) {
        this.validate = false;
        this.checksumAutoDisabled = true;
      }
    }
  }

  private addAnomaly(p: Packet, code: number): void {
    if (p.anomalyCount < p.anomalies.length) p.anomalies[p.anomalyCount] = code;
    p.anomalyCount++;
  }

  private emitAnomalies(p: Packet, flowId: number, dir: number): void {
    const n = p.anomalyCount < p.anomalies.length ? p.anomalyCount : p.anomalies.length;
    for (let k = 0; k < n; k++) {
      const ev = this.ring.pushPacket(EV_ANOMALY, p, flowId, dir);
      if (ev >= 0) this.ring.code[ev] = p.anomalies[k];
    }
    this.stats.decodeAnomalies += p.anomalyCount;
    p.anomalyCount = 0;
  }

  private drop(p: Packet, reason: number, rule: number, gen: number, flowId: number, dir: number): number {
    this.lastDropReason = reason;
    this.lastRule = rule;
    this.stats.dropped++;
    const ev = this.ring.pushPacket(EV_DROP, p, flowId, dir);
    if (ev >= 0) {
      this.ring.code[ev] = reason;
      this.ring.rule[ev] = rule;
      this.ring.policyGen[ev] = gen;
    }
    return VERDICT_DROP;
  }

  /** A table is full: drop (fail closed) or pass uninspected (fail open), as configured. */
  private exhausted(p: Packet): number {
    if (this.cfg.exhaustion === "closed" && this.policy !== null) {
      return this.drop(p, DROP_EXHAUSTED, -1, this.policy.generation, 0, 0);
    }
    this.stats.failOpen++;
    this.stats.passed++;
    return VERDICT_PASS;
  }
}

/** ICMP error messages report on another flow; they do not start one. */
function isIcmpError(p: Packet): boolean {
  if (p.proto === IPPROTO_ICMP) {
    const t = p.icmpType;
    return t === 3 || t === 4 || t === 5 || t === 11 || t === 12;
  }
  if (p.proto === IPPROTO_ICMPV6) return p.icmpType >= 1 && p.icmpType <= 4;
  return false;
}
