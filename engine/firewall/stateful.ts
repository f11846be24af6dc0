/**
 * Stateful sanity checks the firewall runs before its rules decide (only a bypass rule skips them):
 * impossible TCP flag combinations, TCP packets outside any connection, and SYN floods per source.
 *
 * Invalid flag combinations (only FIN SYN RST PSH ACK URG are looked at; ECE/CWR/NS are ignored):
 * NULL (none set), SYN+FIN, SYN+RST, XMAS (FIN+PSH+URG, with or without others), FIN without ACK,
 * PSH without ACK, URG without ACK.
 *
 * The SYN-flood table is a 4-way set-associative typed-array cache of `synFloodSources` entries keyed
 * by source address; a miss replaces the least recently seen entry of its set, so memory is fixed and
 * a spoofed-source flood evicts only other sources of the same set.
 *
 * Never here: allocation per packet, exceptions, ring writes. IPv6 neighbour discovery (ICMPv6
 * 133-137) and DHCP (UDP 67/68, DHCPv6 546/547) are never dropped here.
 *
 * @example
 * ```ts
 * import { StatefulChecks } from "./stateful.ts";
 * import { Packet, IPPROTO_TCP } from "../packet.ts";
 * const checks = new StatefulChecks({ invalidTcpFlags: true, outOfConnection: true, synFloodThreshold: 0, synFloodSources: 64 });
 * const p = new Packet();
 * p.ipVersion = 4; p.proto = IPPROTO_TCP; p.tcpFlags = 0;
 * console.log(checks.check(p, true, false)); // 3 (DROP_INVALID_FLAGS: a NULL scan)
 * ```
 */
import type { Packet } from "../packet.ts";
import {
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "../packet.ts";
import type { StatefulSpec } from "../policy/spec.ts";
import { DROP_INVALID_FLAGS, DROP_NONE, DROP_OUT_OF_CONNECTION, DROP_SYN_FLOOD } from "../verdict.ts";

/** Words per SYN-flood table record. */
const SLOT_WORDS = 8;
const WAYS = 4;
const MAIN_FLAGS = TH_FIN | TH_SYN | TH_RST | TH_PUSH | TH_ACK | TH_URG;

/** True for a combination of TCP flags no conforming stack sends. */
export function invalidTcpFlags(flags: number): boolean {
  const f = flags & MAIN_FLAGS;
  if (f === 0) return true; // NULL
  if ((f & (TH_SYN | TH_FIN)) === (TH_SYN | TH_FIN)) return true;
  if ((f & (TH_SYN | TH_RST)) === (TH_SYN | TH_RST)) return true;
  if ((f & (TH_FIN | TH_PUSH | TH_URG)) === (TH_FIN | TH_PUSH | TH_URG)) return true; // XMAS
  if ((f & TH_ACK) === 0 && (f & (TH_FIN | TH_PUSH | TH_URG)) !== 0) return true;
  return false;
}

export class StatefulChecks {
  readonly stats = { invalidFlags: 0, outOfConnection: 0, synFlood: 0 };
  private readonly invalidFlagsOn: boolean;
  /** Whether TCP packets of no known connection are dropped (the engine then does not track them). */
  readonly outOfConnectionOn: boolean;
  private readonly threshold: number;
  private readonly sets: number;
  /**
   * SYN-flood table: one 8-word (32-byte) record per entry, so a set of WAYS entries spans two cache
   * lines: source address (words 0-3), IP version (4, 0 = empty), second (5), SYNs that second (6), and
   * when it was last used (7, a running count of SYNs: the least recently used entry is replaced).
   */
  private readonly slots: Uint32Array;
  private tick = 0;

  constructor(spec: StatefulSpec) {
    this.invalidFlagsOn = spec.invalidTcpFlags;
    this.outOfConnectionOn = spec.outOfConnection;
    this.threshold = spec.synFloodThreshold > 0 ? spec.synFloodThreshold : 0;
    const entries = this.threshold > 0
      ? Math.max(WAYS, Math.ceil(Math.max(1, spec.synFloodSources) / WAYS) * WAYS)
      : 0;
    this.sets = entries / WAYS;
    this.slots = new Uint32Array(entries * SLOT_WORDS);
  }

  /**
   * Returns a DROP_* reason or DROP_NONE. `hasFlow`: the packet belongs to a known flow; `midstream`:
   * midstream pickup is on (a TCP packet without a flow may start one).
   */
  check(p: Packet, hasFlow: boolean, midstream: boolean): number {
    if (p.ipVersion === 0 || neverDropped(p)) return DROP_NONE;
    // Every check below is about TCP; other protocols pass (their policy is the rules' business).
    if (p.proto !== IPPROTO_TCP) return DROP_NONE;
    const f = p.tcpFlags;
    if (this.invalidFlagsOn && invalidTcpFlags(f)) {
      this.stats.invalidFlags++;
      return DROP_INVALID_FLAGS;
    }
    const syn = (f & (TH_SYN | TH_ACK)) === TH_SYN;
    if (syn) {
      if (this.threshold > 0 && this.countSyn(p) > this.threshold) {
        this.stats.synFlood++;
        return DROP_SYN_FLOOD;
      }
      return DROP_NONE;
    }
    if (this.outOfConnectionOn && !hasFlow && !midstream) {
      this.stats.outOfConnection++;
      return DROP_OUT_OF_CONNECTION;
    }
    return DROP_NONE;
  }

  /** Counts a SYN for p's source in the current second; returns the count so far this second. */
  private countSyn(p: Packet): number {
    const a = p.src;
    const v = p.ipVersion;
    let h = Math.imul(a[0] ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ a[1] ^ (h >>> 15), 0xc2b2ae35);
    h = Math.imul(h ^ a[2] ^ (h >>> 13), 0x85ebca6b);
    h = Math.imul(h ^ a[3] ^ v ^ (h >>> 16), 0xc2b2ae35);
    h ^= h >>> 16;
    const s = this.slots;
    const base = ((h >>> 0) % this.sets) * WAYS * SLOT_WORDS;
    const sec = Math.floor(p.tsUs / 1_000_000) >>> 0;
    const tick = (this.tick = (this.tick + 1) >>> 0);
    let slot = -1;
    let victim = -1; // an empty slot, else the least recently used one of the set
    for (let i = base; i < base + WAYS * SLOT_WORDS; i += SLOT_WORDS) {
      if (s[i + 4] === 0) {
        if (victim < 0 || s[victim + 4] !== 0) victim = i;
        continue;
      }
      if (s[i] === a[0] && s[i + 1] === a[1] && s[i + 2] === a[2] && s[i + 3] === a[3] && s[i + 4] === v) {
        slot = i;
        break;
      }
      if (victim < 0 || (s[victim + 4] !== 0 && s[i + 7] < s[victim + 7])) victim = i;
    }
    if (slot < 0) {
      slot = victim;
      s[slot] = a[0];
      s[slot + 1] = a[1];
      s[slot + 2] = a[2];
      s[slot + 3] = a[3];
      s[slot + 4] = v;
      s[slot + 5] = sec;
      s[slot + 6] = 0;
    } else if (s[slot + 5] !== sec) {
      s[slot + 5] = sec;
      s[slot + 6] = 0;
    }
    s[slot + 7] = tick;
    return ++s[slot + 6];
  }

}

/** Neighbour discovery and DHCP keep a host on the network; the sanity checks never drop them. */
function neverDropped(p: Packet): boolean {
  if (p.proto === IPPROTO_ICMPV6) return p.icmpType >= 133 && p.icmpType <= 137;
  if (p.proto === IPPROTO_UDP) {
    const s = p.srcPort, d = p.dstPort;
    return s === 67 || s === 68 || d === 67 || d === 68 || s === 546 || s === 547 || d === 546 || d === 547;
  }
  return false;
}
