/**
 * The compiled firewall the engine evaluates per packet: which rule, if any, decides a packet, found
 * without scanning the rules one by one.
 *
 * How (bit-vector classification, Lakshman & Stiliadis): the rules are numbered in evaluation order
 * and every rule is one bit of a W-word bitset (W = ceil(rules / 32)). For each dimension — direction,
 * frame (EtherType), protocol, source and destination address (IPv4 and IPv6), source and destination
 * port, interface — `compile.ts` cut the dimension's domain into elementary intervals and stored, per
 * interval, the bitset of rules that match any value in it (deduplicated in one pool, `sets`). Per
 * packet each dimension costs one lookup (a direct table for 16-bit domains, a binary search over the
 * sorted interval starts for addresses), then the eight bitsets are ANDed word by word and the set bits
 * are read in order: the lowest bit is the first rule in evaluation order that matches every indexed
 * dimension. Only those candidates have their per-packet extras checked (MAC addresses, TCP flags,
 * ICMP type/code). Log-only candidates are recorded and skipped; the first other candidate decides.
 * A packet without a layer (no IP, no ports) takes the dimension's "absent" bitset: the rules that do
 * not constrain it.
 *
 * Never here: allocation, strings, exceptions, ring writes, loops over all rules. Instances are
 * immutable once `compile.ts` built them (apart from the per-call outputs `decidingRule`, `logMatches`,
 * `logCount`); the engine swaps policies by assignment.
 *
 * @example
 * ```ts
 * import { compileFirewall } from "./compile.ts";
 * import { FW_NONE } from "./firewall.ts";
 * import { Packet } from "../packet.ts";
 * const fw = compileFirewall({ rules: [] }, [], []);
 * const p = new Packet();
 * console.log(fw.decide(p, fw.directionOf(p)) === FW_NONE, fw.decidingRule); // true -1
 * ```
 */
import type { Packet } from "../packet.ts";
import { DIR_IN, DIR_OUT, DIR_UNKNOWN, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from "../packet.ts";
import type { FirewallRuleSpec } from "../policy/spec.ts";

/** Decision codes `decide()` returns. */
export const FW_NONE = 0, FW_ALLOW = 1, FW_DENY = 2, FW_FORCE_ALLOW = 3, FW_BYPASS = 4;
/** Internal action code of a log-only rule (never returned: log-only never decides). */
export const FW_LOG_ONLY = 5;

/** Per-rule extras checked only for candidates (bits of `FirewallTables.extras`). */
export const EXTRA_SRC_MAC = 1, EXTRA_DST_MAC = 2, EXTRA_TCP_FLAGS = 4, EXTRA_ICMP = 8;

/**
 * An address dimension: sorted interval starts for IPv4 (one word each) and IPv6 (four words each),
 * the bitset offset of each interval, and the offset for packets without an address.
 */
export class AddressIndex {
  constructor(
    readonly v4Starts: Uint32Array,
    readonly v4Sets: Int32Array,
    readonly v6Starts: Uint32Array,
    readonly v6Sets: Int32Array,
    readonly absentSet: number,
  ) {}

  /** The bitset offset for an address (`version` 4 or 6; anything else is "no address"). No allocation. */
  lookup(addr: Uint32Array, version: number): number {
    if (version === 4) {
      const s = this.v4Starts;
      const v = addr[0];
      let lo = 0, hi = s.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (s[mid] <= v) lo = mid;
        else hi = mid - 1;
      }
      return this.v4Sets[lo];
    }
    if (version === 6) {
      const s = this.v6Starts;
      const a0 = addr[0], a1 = addr[1], a2 = addr[2], a3 = addr[3];
      let lo = 0, hi = (s.length >>> 2) - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        const b = mid << 2;
        // starts[mid] <= addr, word by word (Uint32Array values compare unsigned)
        let le: boolean;
        if (s[b] !== a0) le = s[b] < a0;
        else if (s[b + 1] !== a1) le = s[b + 1] < a1;
        else if (s[b + 2] !== a2) le = s[b + 2] < a2;
        else le = s[b + 3] <= a3;
        if (le) lo = mid;
        else hi = mid - 1;
      }
      return this.v6Sets[lo];
    }
    return this.absentSet;
  }
}

/** Everything `compile.ts` builds; each `*Set`/`*Sets` value is an offset into `sets`. */
export interface FirewallTables {
  /** Words per bitset. */
  words: number;
  /** The bitset pool. */
  sets: Uint32Array;
  /** Indexed by DIR_UNKNOWN / DIR_IN / DIR_OUT. */
  dirSets: Int32Array;
  /** Indexed by EtherType (65536 entries). */
  frameSets: Int32Array;
  /** Indexed by IP protocol 0..255; entry 256 is "no IP layer". */
  protoSets: Int32Array;
  src: AddressIndex;
  dst: AddressIndex;
  /** Indexed by port (65536 entries); the `*PortAbsentSet` when the packet has no ports. */
  srcPortSets: Int32Array;
  dstPortSets: Int32Array;
  srcPortAbsentSet: number;
  dstPortAbsentSet: number;
  /** Indexed by interface index; the last entry is "unknown interface". */
  ifaceSets: Int32Array;
  /** Per rule: FW_* action code (FW_LOG_ONLY for log-only). */
  actions: Uint8Array;
  /** Per rule: EXTRA_* bits. */
  extras: Uint8Array;
  tcpSet: Uint16Array;
  tcpClear: Uint16Array;
  /** Per rule: ICMP type and code, -1 for any. */
  icmpType: Int16Array;
  icmpCode: Int16Array;
  /** Per rule and side (rule*2 + 0 src, + 1 dst): first MAC entry, entry count, and 1 if any is positive. */
  macFirst: Int32Array;
  macCount: Int32Array;
  macHasPos: Uint8Array;
  /** MAC entries, 6 bytes each, and whether each is negated. */
  macBytes: Uint8Array;
  macNeg: Uint8Array;
  /** home_net as a one-rule address dimension over `homeSets` (bit 0 set: the address is ours). */
  home: AddressIndex;
  homeSets: Uint32Array;
  hasAllowIn: boolean;
  hasAllowOut: boolean;
}

export class CompiledFirewall {
  /** Rules in evaluation order; `decidingRule` and `logMatches` index this. */
  readonly rules: readonly FirewallRuleSpec[];
  readonly hasAllowIn: boolean;
  readonly hasAllowOut: boolean;
  /** The rule that decided the last `decide()` call, or -1. */
  decidingRule = -1;
  /** Log-only rules that matched before the deciding rule in the last `decide()` call: [0, logCount). */
  readonly logMatches: Int32Array;
  logCount = 0;
  /**
   * Whether the last `decide()` holds for every packet of the same flow in the same direction: no
   * candidate rule looked at per-packet fields (TCP flags, ICMP type, MAC) and no log-only rule matched.
   * The indexed fields (addresses, ports, protocol, frame, direction) do not change within a flow's
   * direction; interfaces can, so a policy with interface rules never reuses decisions.
   */
  reusable = false;
  private readonly perFlow: boolean;
  private readonly t: FirewallTables;

  /** Built by `compileFirewall`; not meant to be called directly. */
  constructor(rules: readonly FirewallRuleSpec[], tables: FirewallTables) {
    this.rules = rules;
    this.t = tables;
    this.hasAllowIn = tables.hasAllowIn;
    this.hasAllowOut = tables.hasAllowOut;
    this.logMatches = new Int32Array(rules.length);
    this.perFlow = rules.every((r) => r.interface === null);
  }

  /**
   * Direction of an IP packet from home_net: DIR_IN when dst is in home_net (internal->internal counts
   * as in), DIR_OUT when src is in home_net and dst is not, DIR_UNKNOWN otherwise (neither side is ours).
   */
  directionOf(p: Packet): number {
    const v = p.ipVersion;
    if (v !== 4 && v !== 6) return DIR_UNKNOWN;
    const t = this.t;
    if ((t.homeSets[t.home.lookup(p.dst, v)] & 1) !== 0) return DIR_IN;
    if ((t.homeSets[t.home.lookup(p.src, v)] & 1) !== 0) return DIR_OUT;
    return DIR_UNKNOWN;
  }

  /**
   * Finds the first deciding rule for p seen in direction dir. Returns FW_* and sets `decidingRule`
   * (index or -1); log-only rules matched before it land in `logMatches[0..logCount)`. Non-IP frames
   * and DIR_UNKNOWN match only `direction: any` rules. No allocation; no ring writes.
   */
  decide(p: Packet, dir: number): number {
    this.decidingRule = -1;
    this.logCount = 0;
    this.reusable = this.perFlow;
    const t = this.t;
    const W = t.words;
    if (W === 0) return FW_NONE;
    const v = p.ipVersion;
    const ip = v === 4 || v === 6;
    const d = ip && (dir === DIR_IN || dir === DIR_OUT) ? dir : DIR_UNKNOWN;

    const oDir = t.dirSets[d];
    const oFrame = t.frameSets[p.etherType & 0xffff];
    let oProto: number, oSp: number, oDp: number;
    if (ip) {
      oProto = t.protoSets[p.proto & 0xff];
      if (p.hasPorts() && p.fragOffset === 0) {
        oSp = t.srcPortSets[p.srcPort & 0xffff];
        oDp = t.dstPortSets[p.dstPort & 0xffff];
      } else {
        oSp = t.srcPortAbsentSet;
        oDp = t.dstPortAbsentSet;
      }
    } else {
      oProto = t.protoSets[256];
      oSp = t.srcPortAbsentSet;
      oDp = t.dstPortAbsentSet;
    }
    const oSrc = t.src.lookup(p.src, v);
    const oDst = t.dst.lookup(p.dst, v);
    const ifs = t.ifaceSets;
    const ifi = p.ifIndex;
    const oIf = ifi >= 0 && ifi < ifs.length - 1 ? ifs[ifi] : ifs[ifs.length - 1];

    const s = t.sets;
    const actions = t.actions;
    const extras = t.extras;
    for (let w = 0; w < W; w++) {
      let m = s[oDir + w] & s[oFrame + w] & s[oProto + w] & s[oSrc + w] & s[oDst + w] & s[oSp + w] &
        s[oDp + w] & s[oIf + w];
      while (m !== 0) {
        const low = m & -m;
        m ^= low;
        const r = (w << 5) | (31 - Math.clz32(low));
        if (extras[r] !== 0) {
          this.reusable = false;
          if (!this.extrasMatch(r, p)) continue;
        }
        const a = actions[r];
        if (a === FW_LOG_ONLY) {
          this.reusable = false;
          this.logMatches[this.logCount++] = r;
          continue;
        }
        this.decidingRule = r;
        return a;
      }
    }
    return FW_NONE;
  }

  /** The per-candidate checks that are not indexed: MAC addresses, TCP flags, ICMP type/code. */
  private extrasMatch(r: number, p: Packet): boolean {
    const t = this.t;
    const x = t.extras[r];
    if ((x & EXTRA_TCP_FLAGS) !== 0) {
      if (p.proto !== IPPROTO_TCP || p.ipVersion === 0) return false;
      const f = p.tcpFlags, set = t.tcpSet[r];
      if ((f & set) !== set || (f & t.tcpClear[r]) !== 0) return false;
    }
    if ((x & EXTRA_ICMP) !== 0) {
      if (p.ipVersion === 0 || (p.proto !== IPPROTO_ICMP && p.proto !== IPPROTO_ICMPV6) || p.icmpType < 0) {
        return false;
      }
      const ty = t.icmpType[r], co = t.icmpCode[r];
      if (ty >= 0 && p.icmpType !== ty) return false;
      if (co >= 0 && p.icmpCode !== co) return false;
    }
    if ((x & EXTRA_SRC_MAC) !== 0 && !this.macMatch(r * 2, p.buf, p.macSrcOff)) return false;
    if ((x & EXTRA_DST_MAC) !== 0 && !this.macMatch(r * 2 + 1, p.buf, p.macDstOff)) return false;
    return true;
  }

  /** List semantics over a rule's MAC entries: in some positive entry (if any) and in no negative one. */
  private macMatch(side: number, buf: Uint8Array, off: number): boolean {
    if (off < 0 || off + 6 > buf.length) return false;
    const t = this.t;
    const bytes = t.macBytes;
    const first = t.macFirst[side], end = first + t.macCount[side];
    let inPos = false;
    for (let e = first; e < end; e++) {
      const b = e * 6;
      if (
        bytes[b] === buf[off] && bytes[b + 1] === buf[off + 1] && bytes[b + 2] === buf[off + 2] &&
        bytes[b + 3] === buf[off + 3] && bytes[b + 4] === buf[off + 4] && bytes[b + 5] === buf[off + 5]
      ) {
        if (t.macNeg[e] !== 0) return false;
        inPos = true;
      }
    }
    // An empty list matches nothing; a negative-only list matches anything but its entries.
    return t.macHasPos[side] !== 0 ? inPos : end > first;
  }
}
