/**
 * Compact builders of firewall rules and decoded packets for tests and benchmarks: write
 * `rule({ action: "deny", dst: { port: ["!22"] } })` instead of a full `FirewallRuleSpec`, and
 * `packet({ src: "10.0.0.1", dst: "2001:db8::1" ... })` instead of setting `Packet` fields one by one.
 * A leading "!" negates an entry.
 *
 * Cold path only (allocates, throws on malformed input); never used by the engine itself.
 *
 * @example
 * ```ts
 * import { packet, rule } from "./testing.ts";
 * import { compileFirewall } from "./compile.ts";
 * const fw = compileFirewall({ rules: [rule({ action: "deny", protocol: [6], dst: { port: ["23"] } })] }, [], []);
 * const p = packet({ src: "10.0.0.1", dst: "10.0.0.2", proto: 6, sport: 1024, dport: 23 });
 * console.log(fw.decide(p, 0)); // 2 (FW_DENY)
 * ```
 */
import type {
  AddressRange,
  Direction,
  FirewallAction,
  FirewallRuleSpec,
  ListEntry,
  MacAddress,
  PortRange,
  Where,
} from "../policy/spec.ts";
import { ETH_IPV4, ETH_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, Packet } from "../packet.ts";

export interface EndpointInit {
  ip?: string[];
  port?: (string | number)[];
  mac?: string[];
}

export interface RuleInit {
  name?: string;
  action: FirewallAction;
  priority?: number;
  direction?: Direction;
  frame?: (string | number)[];
  protocol?: (string | number)[];
  src?: EndpointInit;
  dst?: EndpointInit;
  interface?: string[];
  tcpFlags?: { set: number; clear: number };
  icmp?: { type?: number; code?: number };
  line?: number;
}

const where = (line: number): Where => ({ file: "test.yaml", line, col: 3 });

function entries<T>(
  list: (string | number)[] | undefined,
  parse: (s: string) => T,
  line: number,
): ListEntry<T>[] | null {
  if (list === undefined) return null;
  return list.map((x) => {
    const s = String(x);
    const negated = s.startsWith("!");
    return { value: parse(negated ? s.slice(1) : s), negated, where: where(line) };
  });
}

/** IPv4 or IPv6 text to four big-endian words. */
export function addrWords(s: string): { version: 4 | 6; words: [number, number, number, number] } {
  if (!s.includes(":")) {
    const b = s.split(".").map(Number);
    if (b.length !== 4 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
      throw new Error(`bad IPv4 ${s}`);
    }
    return { version: 4, words: [((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0, 0, 0, 0] };
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${s}`);
  const g = groups.map((x) => parseInt(x, 16));
  return {
    version: 6,
    words: [0, 1, 2, 3].map((i) => ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0) as [
      number,
      number,
      number,
      number,
    ],
  };
}

/** "10.0.0.0/8", "10.0.0.1-10.0.0.9", "2001:db8::/32" or one address. */
export function addressRange(text: string): AddressRange {
  if (text.includes("-")) {
    const [a, b] = text.split("-");
    const x = addrWords(a), y = addrWords(b);
    return { version: x.version, first: x.words, last: y.words, text };
  }
  const [a, lenText] = text.split("/");
  const x = addrWords(a);
  const bits = x.version === 4 ? 32 : 128;
  const len = lenText === undefined ? bits : Number(lenText);
  const first = [...x.words] as [number, number, number, number];
  const last = [...x.words] as [number, number, number, number];
  for (let i = 0; i < (x.version === 4 ? 1 : 4); i++) {
    const keep = Math.max(0, Math.min(32, len - 32 * i));
    const mask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
    first[i] = (first[i] & mask) >>> 0;
    last[i] = (first[i] | (~mask >>> 0)) >>> 0;
  }
  return { version: x.version, first, last, text };
}

export function portRange(s: string): PortRange {
  const [a, b] = s.split("-");
  return { first: Number(a), last: Number(b ?? a) };
}

export function macBytes(s: string): MacAddress {
  const b = s.split(":").map((x) => parseInt(x, 16));
  if (b.length !== 6) throw new Error(`bad MAC ${s}`);
  return b as MacAddress;
}

const FRAMES: Record<string, number> = { ipv4: 0x0800, ipv6: 0x86dd, arp: 0x0806, revarp: 0x8035 };
const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132 };

function endpoint(e: EndpointInit | undefined, line: number) {
  return {
    ip: entries(e?.ip, addressRange, line),
    port: entries(e?.port, portRange, line),
    mac: entries(e?.mac, macBytes, line),
  };
}

/** A full rule from a compact description; `frame: ["ip"]` expands to IPv4 and IPv6 as the loader does. */
export function rule(r: RuleInit): FirewallRuleSpec {
  const line = r.line ?? 1;
  let frame = entries(r.frame, (s) => (s === "ip" ? -1 : FRAMES[s] ?? Number(s)), line);
  if (frame !== null) {
    frame = frame.flatMap((
      e,
    ) => (e.value === -1 ? [{ ...e, value: ETH_IPV4 }, { ...e, value: ETH_IPV6 }] : [e]));
  }
  return {
    name: r.name ?? "",
    action: r.action,
    priority: r.priority ?? 2,
    direction: r.direction ?? "any",
    frame,
    protocol: entries(r.protocol, (s) => PROTOS[s] ?? Number(s), line),
    src: endpoint(r.src, line),
    dst: endpoint(r.dst, line),
    interface: entries(r.interface, (s) => s, line),
    tcpFlags: r.tcpFlags === undefined ? null : { ...r.tcpFlags, text: "" },
    icmp: r.icmp === undefined ? null : { type: r.icmp.type ?? null, code: r.icmp.code ?? null },
    where: where(line),
  };
}

export interface PacketInit {
  src?: string;
  dst?: string;
  proto?: number;
  sport?: number;
  dport?: number;
  flags?: number;
  icmpType?: number;
  icmpCode?: number;
  /** Defaults to the IP version's EtherType; 0x0806 etc. for a non-IP frame (give no src/dst then). */
  etherType?: number;
  macSrc?: string;
  macDst?: string;
  ifIndex?: number;
  tsUs?: number;
}

/** A decoded packet as the decoder would leave it (fields set directly; no bytes behind them except MACs). */
export function packet(i: PacketInit, p: Packet = new Packet()): Packet {
  const buf = new Uint8Array(64);
  p.reset(buf, 0, buf.length);
  if (i.macDst !== undefined) {
    buf.set(macBytes(i.macDst), 0);
    p.macDstOff = 0;
  }
  if (i.macSrc !== undefined) {
    buf.set(macBytes(i.macSrc), 6);
    p.macSrcOff = 6;
  }
  if (i.src !== undefined && i.dst !== undefined) {
    const s = addrWords(i.src), d = addrWords(i.dst);
    p.ipVersion = s.version;
    p.src.set(s.words);
    p.dst.set(d.words);
    p.etherType = s.version === 4 ? ETH_IPV4 : ETH_IPV6;
    p.proto = i.proto ?? IPPROTO_TCP;
    if (p.hasPorts()) {
      p.srcPort = i.sport ?? 1024;
      p.dstPort = i.dport ?? 80;
    }
    if (p.proto === IPPROTO_TCP) p.tcpFlags = i.flags ?? 0x10;
    if (p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6) {
      p.icmpType = i.icmpType ?? 8;
      p.icmpCode = i.icmpCode ?? 0;
    }
  }
  if (i.etherType !== undefined) p.etherType = i.etherType;
  if (i.ifIndex !== undefined) p.ifIndex = i.ifIndex;
  if (i.tsUs !== undefined) p.tsUs = i.tsUs;
  return p;
}
