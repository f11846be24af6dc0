/**
 * Turns events from the ring into Suricata EVE JSON lines — field names, timestamp format, protocol
 * names and IPv6 spelling as Suricata writes them — so anything that reads Suricata's eve.json reads
 * Tsugi's. Cold path: runs in the consumer after `Engine.process`, never inside it; allocation is fine.
 *
 * @example
 * ```ts
 * import { EveWriter, formatTimestamp } from "./eve.ts";
 * console.log(formatTimestamp(1700000000123456)); // "2023-11-14T22:13:20.123456+0000"
 * const eve = new EveWriter({ interfaces: [] });
 * ```
 */
import { anomalyName, anomalyType } from "./anomaly.ts";
import { CAPTURE_BYTES, CAPTURE_SLOTS, EV_ALERT, EV_ANOMALY, EV_DROP, EV_FIREWALL, EV_FLOW, type EventRing } from "./events.ts";
import type { RuleSet } from "./detect/ruleset.ts";
import { alprotoName } from "./applayer/proto.ts";
import type { FirewallRuleSpec } from "./policy/spec.ts";
import type { CompiledPolicy } from "./policy/compiled.ts";
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, TUNNEL_NAMES } from "./packet.ts";
import { DROP_APP_CONTROL, DROP_IPS_RULE, dropReasonName } from "./verdict.ts";
import type { Signature } from "./detect/signature.ts";
import { APP_FUNCTION_SHIFT, APP_ID_MASK } from "./appid/tables.ts";

/** IANA protocol names as Suricata prints them in `proto`. */
const PROTO_NAMES: Record<number, string> = {
  0: "HOPOPT",
  1: "ICMP",
  2: "IGMP",
  4: "IPv4",
  6: "TCP",
  17: "UDP",
  41: "IPv6",
  43: "IPv6-Route",
  44: "IPv6-Frag",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "IPv6-ICMP",
  59: "IPv6-NoNxt",
  60: "IPv6-Opts",
  89: "OSPF",
  103: "PIM",
  112: "VRRP",
  132: "SCTP",
};

/** The `proto` value Suricata writes for an IP protocol number. */
export function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? String(proto);
}

const FLOW_STATES = ["", "new", "established", "closed"];
const FLOW_REASONS = ["", "timeout", "forced", "shutdown", "forced"];

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = "0" + s;
  return s;
}

/** EVE timestamp: `2023-11-14T22:13:20.123456+0000` (UTC). */
export function formatTimestamp(tsUs: number): string {
  const sec = Math.floor(tsUs / 1e6);
  const us = tsUs - sec * 1e6;
  const d = new Date(sec * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${
    pad(d.getUTCMinutes(), 2)
  }:${pad(d.getUTCSeconds(), 2)}.${pad(us, 6)}+0000`;
}

/** An address from four big-endian words: dotted IPv4, or IPv6 written in full as Suricata does. */
export function formatAddress(version: number, words: Uint32Array, at: number): string {
  if (version === 4) {
    const w = words[at];
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  let s = "";
  for (let k = 0; k < 4; k++) {
    const w = words[at + k];
    s += (k === 0 ? "" : ":") + (w >>> 16).toString(16).padStart(4, "0") + ":" + (w & 0xffff).toString(16).padStart(4, "0");
  }
  return s;
}

export interface EveOptions {
  /** Interface names by index, for `in_iface`. */
  interfaces: string[];
}

/** Formats ring events as EVE lines. Remembers policies by generation so late events name the right rule. */
export class EveWriter {
  private readonly policies = new Map<number, CompiledPolicy>();
  private readonly opts: EveOptions;

  constructor(opts: EveOptions) {
    this.opts = opts;
  }

  private readonly ruleSets = new Map<number, RuleSet>();

  /** Makes an IPS rule set's signatures known (call when a rule set is loaded). */
  addRuleSet(rs: RuleSet): void {
    this.ruleSets.set(rs.generation, rs);
  }

  /** Application names by app id (engine/appid AppIdTables.names) and function names, for `application`. */
  private appNames: readonly string[] = [];
  private fnNames: readonly string[] = [];

  /** Makes application names known (call when app signatures are loaded). */
  setAppNames(apps: readonly string[], functions: readonly string[]): void {
    this.appNames = apps;
    this.fnNames = functions;
  }

  /** The application and function names of a packed label (`FlowTable.appLabel`); "" when unknown. */
  private appName(v: number): string {
    return this.appNames[v & APP_ID_MASK] ?? "";
  }
  private fnName(v: number): string {
    return this.fnNames[v >>> APP_FUNCTION_SHIFT] ?? "";
  }

  /** `,"application":"…"` (and `"app_function"`) for a packed label. */
  private applicationFields(v: number): string {
    const name = this.appName(v);
    if (name === "") return "";
    const fn = this.fnName(v);
    return fn === "" ? `,"application":"${name}"` : `,"application":"${name}","app_function":"${fn}"`;
  }

  /** Makes a policy's rules known (call when a policy is set). */
  addPolicy(policy: CompiledPolicy): void {
    this.policies.set(policy.generation, policy);
  }

  /** The IPS signature a drop/alert event names. */
  private signature(ring: EventRing, i: number): Signature | undefined {
    return this.ruleSets.get(ring.policyGen[i])?.signatures[ring.rule[i]];
  }

  private firewallRule(gen: number, rule: number): FirewallRuleSpec | undefined {
    const fw = this.policies.get(gen)?.firewall;
    return fw ? fw.rules[rule] : undefined;
  }

  /** The EVE JSON text of event `i` (without a newline), or "" for kinds this writer does not know. */
  format(ring: EventRing, i: number): string {
    const kind = ring.kind[i];
    switch (kind) {
      case EV_ANOMALY:
        return this.packetRecord(ring, i, "anomaly", true) +
          `,"anomaly":{"type":"${anomalyType(ring.code[i])}","event":"${anomalyName(ring.code[i])}"}}`;
      case EV_DROP:
        return this.packetRecord(ring, i, "drop", true) + `,"drop":${this.dropObject(ring, i)}}`;
      case EV_FIREWALL: {
        const r = this.firewallRule(ring.policyGen[i], ring.rule[i]);
        return this.packetRecord(ring, i, "firewall", true) + `,"firewall":{"action":"log-only","rule":${
          JSON.stringify(r?.name ?? "")
        },"priority":${r?.priority ?? 0},"direction":"${r?.direction ?? "any"}"}}`;
      }
      case EV_FLOW:
        return this.flowRecord(ring, i);
      case EV_ALERT:
        return this.alertRecord(ring, i);
      default:
        return "";
    }
  }

  /** The fields every packet record starts with; the caller closes the object. */
  private packetRecord(ring: EventRing, i: number, type: string, withPcapCnt: boolean): string {
    let s = `{"timestamp":"${formatTimestamp(ring.tsUs[i])}"`;
    if (ring.flowId[i] !== 0) s += `,"flow_id":${ring.flowId[i]}`;
    const iface = ring.ifIndex[i] >= 0 ? this.opts.interfaces[ring.ifIndex[i]] : undefined;
    if (iface !== undefined) s += `,"in_iface":${JSON.stringify(iface)}`;
    if (withPcapCnt && ring.pcapCnt[i] > 0) s += `,"pcap_cnt":${ring.pcapCnt[i]}`;
    s += `,"event_type":"${type}"`;
    if (ring.vlanCount[i] > 0) {
      s += ring.vlanCount[i] > 1 ? `,"vlan":[${ring.vlan0[i]},${ring.vlan1[i]}]` : `,"vlan":[${ring.vlan0[i]}]`;
    }
    s += this.addressing(ring, i);
    if (ring.tunnelType[i] !== 0) s += this.tunnel(ring, i);
    return s;
  }

  private addressing(ring: EventRing, i: number): string {
    const v = ring.ipVersion[i];
    if (v === 0) return "";
    const at = i * 4;
    const proto = ring.proto[i];
    let s = `,"src_ip":"${formatAddress(v, ring.src, at)}"`;
    const ports = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
    if (ports) s += `,"src_port":${ring.srcPort[i]}`;
    s += `,"dest_ip":"${formatAddress(v, ring.dst, at)}"`;
    if (ports) s += `,"dest_port":${ring.dstPort[i]}`;
    s += `,"proto":"${protoName(proto)}"`;
    if ((proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) && ring.icmpType[i] >= 0 && ring.kind[i] !== EV_FLOW) {
      s += `,"icmp_type":${ring.icmpType[i]},"icmp_code":${ring.icmpCode[i]}`;
    }
    return s;
  }

  private tunnel(ring: EventRing, i: number): string {
    const v = ring.outerIpVersion[i];
    const at = i * 4;
    const proto = ring.outerProto[i];
    let s = `,"tunnel":{"src_ip":"${formatAddress(v, ring.outerSrc, at)}"`;
    if (proto === IPPROTO_UDP) s += `,"src_port":${ring.outerSrcPort[i]}`;
    s += `,"dest_ip":"${formatAddress(v, ring.outerDst, at)}"`;
    if (proto === IPPROTO_UDP) s += `,"dest_port":${ring.outerDstPort[i]}`;
    s += `,"proto":"${protoName(proto)}","depth":${ring.tunnelDepth[i]},"type":"${TUNNEL_NAMES[ring.tunnelType[i]]}"}`;
    return s;
  }

  /** Suricata's `drop{}` object, plus the reason and (for firewall rules) the rule's name. */
  private dropObject(ring: EventRing, i: number): string {
    let s = `{"len":${ring.ipLen[i]},"tos":${ring.tos[i]},"ttl":${ring.ttl[i]},"ipid":${ring.ipId[i]}`;
    const proto = ring.proto[i];
    if (proto === IPPROTO_TCP) {
      const f = ring.tcpFlags[i];
      s += `,"tcpseq":${ring.tcpSeq[i]},"tcpack":${ring.tcpAck[i]},"tcpwin":${ring.tcpWin[i]},"syn":${(f & 2) !== 0},"ack":${
        (f & 16) !== 0
      },"psh":${(f & 8) !== 0},"rst":${(f & 4) !== 0},"urg":${(f & 32) !== 0},"fin":${(f & 1) !== 0},"tcpres":0,"tcpurgp":${
        ring.tcpUrp[i]
      }`;
    } else if (proto === IPPROTO_UDP) {
      s += `,"udplen":${ring.ipLen[i] > 0 ? ring.ipLen[i] : 0}`;
    }
    s += `,"reason":"${dropReasonName(ring.code[i])}"`;
    if (ring.code[i] === DROP_IPS_RULE) {
      const sig = this.signature(ring, i);
      if (sig !== undefined) s += `,"signature_id":${sig.sid},"signature":${JSON.stringify(sig.msg)}`;
    } else if (ring.code[i] === DROP_APP_CONTROL) {
      // app control keeps the flow's packed application label in `rule`
      if (ring.rule[i] > 0) s += this.applicationFields(ring.rule[i]);
    } else if (ring.rule[i] >= 0) {
      const r = this.firewallRule(ring.policyGen[i], ring.rule[i]);
      if (r !== undefined) {
        s += `,"rule":${JSON.stringify(r.name)},"action":"${r.action}","priority":${r.priority}`;
      }
    }
    return s + "}";
  }

  /** Suricata's `alert` record: the packet's addressing, `alert{}` and the flow's `app_proto`. */
  private alertRecord(ring: EventRing, i: number): string {
    const sig = this.signature(ring, i);
    let s = this.packetRecord(ring, i, "alert", true);
    if (ring.flowId[i] !== 0) s += `,"direction":"${ring.dir[i] === 0 ? "to_server" : "to_client"}"`;
    const blocked = (ring.flags[i] & 1) !== 0;
    s += `,"alert":{"action":"${blocked ? "blocked" : "allowed"}","gid":${sig?.gid ?? 1},"signature_id":${sig?.sid ?? 0},"rev":${
      sig?.rev ?? 0
    },"signature":${JSON.stringify(sig?.msg ?? "")},"category":${JSON.stringify(sig?.category ?? "")},"severity":${sig?.priority ?? 3}`;
    if (sig !== undefined && sig.metadataJson !== "") s += `,"metadata":${sig.metadataJson}`;
    s += "}";
    const ap = alprotoName(ring.appProto[i]);
    if (ap !== "") s += `,"app_proto":"${ap}"`;
    s += this.applicationFields(ring.application[i]);
    s += this.packetField(ring, i);
    return s + "}";
  }

  /** `"packet":"<base64>","packet_info":{"linktype":N}` when the event captured its packet. */
  private packetField(ring: EventRing, i: number): string {
    const no = ring.captureNo[i];
    if (no === 0) return "";
    const slot = no % CAPTURE_SLOTS;
    if (ring.captureOwner[slot] !== no) return ""; // overwritten by a later capture before this was drained
    const base = slot * CAPTURE_BYTES;
    let bin = "";
    for (let k = 0; k < ring.captureLen[slot]; k++) bin += String.fromCharCode(ring.captureBytes[base + k]);
    return `,"packet":"${btoa(bin)}","packet_info":{"linktype":${ring.captureLink[slot]}}`;
  }

  /** One line saying why a dropped packet was dropped: the reason, and the firewall rule's name if one decided. */
  dropSummary(ring: EventRing, i: number): string {
    const reason = dropReasonName(ring.code[i]);
    if (ring.code[i] === DROP_IPS_RULE) {
      const sig = this.signature(ring, i);
      return sig === undefined ? reason : `${reason} sid ${sig.sid} "${sig.msg}"`;
    }
    if (ring.code[i] === DROP_APP_CONTROL) {
      const fn = this.fnName(ring.rule[i]);
      return `app control: ${this.appName(ring.rule[i]) || "?"}${fn === "" ? "" : ` ${fn}`}`;
    }
    const r = ring.rule[i] >= 0 ? this.firewallRule(ring.policyGen[i], ring.rule[i]) : undefined;
    return r === undefined ? reason : `${reason} "${r.name}"`;
  }

  private flowRecord(ring: EventRing, i: number): string {
    const start = ring.startUs[i];
    const end = ring.endUs[i];
    let s = `{"timestamp":"${formatTimestamp(end)}","flow_id":${ring.flowId[i]},"event_type":"flow"`;
    if (ring.vlanCount[i] > 0) {
      s += ring.vlanCount[i] > 1 ? `,"vlan":[${ring.vlan0[i]},${ring.vlan1[i]}]` : `,"vlan":[${ring.vlan0[i]}]`;
    }
    s += this.addressing(ring, i);
    s += `,"flow":{"pkts_toserver":${ring.pktsToServer[i]},"pkts_toclient":${ring.pktsToClient[i]},"bytes_toserver":${
      ring.bytesToServer[i]
    },"bytes_toclient":${ring.bytesToClient[i]},"start":"${formatTimestamp(start)}","end":"${formatTimestamp(end)}","age":${
      Math.floor(end / 1e6) - Math.floor(start / 1e6)
    },"state":"${FLOW_STATES[ring.state[i]] ?? "new"}","reason":"${FLOW_REASONS[ring.code[i]] ?? "timeout"}","alerted":false}`;
    const ap = alprotoName(ring.appProto[i]);
    if (ap !== "") s += `,"app_proto":"${ap}"`;
    s += this.applicationFields(ring.application[i]);
    return s + "}";
  }
}
