/**
 * Workload generators for `tsugi bench engine`. A workload is a fixed set of frames laid out in one
 * buffer plus a `step(i)` that prepares packet `i` in place (rewriting addresses and ports for new
 * flows, advancing the clock) — the measured loop itself allocates nothing, so any GC it shows is the
 * engine's.
 */
import { ether, tcpPacket, udpPacket } from "../datapath/craft.ts";
import { LINK_ETHERNET } from "../engine/packet.ts";

export interface Workload {
  name: string;
  description: string;
  /** All frames back to back. */
  buf: Uint8Array;
  offs: Uint32Array;
  lens: Uint16Array;
  linkType: number;
  /** Packets to send before measuring (handshakes of long-lived flows, JIT warm-up). */
  warmup: number;
  /**
   * Prepares packet `i` (0-based over warm-up and measurement) and returns the frame index to send.
   * Writes only into `buf`; allocates nothing.
   */
  step(i: number): number;
  /** Microseconds of virtual time between packets. */
  usPerPacket: number;
  /** Flow figures the report states. */
  flows: { established: number; newPerSecondVirtual: number; tableSize: number };
  policy: string | null;
}

class FrameSet {
  private chunks: Uint8Array[] = [];
  private total = 0;
  add(frame: Uint8Array): number {
    this.chunks.push(frame);
    this.total += frame.length;
    return this.chunks.length - 1;
  }
  build(): { buf: Uint8Array; offs: Uint32Array; lens: Uint16Array } {
    const buf = new Uint8Array(this.total);
    const offs = new Uint32Array(this.chunks.length);
    const lens = new Uint16Array(this.chunks.length);
    let at = 0;
    this.chunks.forEach((c, i) => {
      buf.set(c, at);
      offs[i] = at;
      lens[i] = c.length;
      at += c.length;
    });
    return { buf, offs, lens };
  }
}

/** Pads a frame to `size` bytes (Ethernet minimum frames are 60 bytes captured, 64 with the FCS). */
function padTo(frame: Uint8Array, size: number): Uint8Array {
  if (frame.length >= size) return frame;
  const out = new Uint8Array(size);
  out.set(frame);
  return out;
}

const CLIENT_NET = 0xc6120000; // 198.18.0.0/16: home_net
const SERVER_NET = 0xc6130000; // 198.19.0.0/16: outside
function v4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * A policy of `n` rules shaped like a real branch-office one: allow rules for the services the
 * clients use, deny rules for ranges of ports and hosts the traffic never touches, a few log-only
 * rules, spread over all five priorities.
 */
export function benchPolicy(n: number): string {
  const lines = [
    "home_net: [198.18.0.0/16, fd00:18::/32]",
    "firewall:",
    "  stateful: { invalid_tcp_flags: true, out_of_connection: true, syn_flood: { threshold: 1000 } }",
    "  rules:",
    "    - { name: allow web out, action: allow, priority: 2, direction: out, protocol: tcp, dst: { port: [80, 443, 8080] } }",
    "    - { name: allow dns and ntp out, action: allow, priority: 2, direction: out, protocol: udp, dst: { port: [53, 123] } }",
    "    - { name: allow ssh in from admins, action: allow, priority: 2, direction: in, protocol: tcp, src: { ip: 198.19.250.0/24 }, dst: { port: 22 } }",
  ];
  for (let k = lines.length - 4; k < n; k++) {
    const pri = k % 5;
    const kind = k % 7;
    if (kind === 0) {
      lines.push(`    - { name: log telnet ${k}, action: log-only, priority: ${pri}, protocol: tcp, dst: { port: ${2300 + k} } }`);
    } else if (kind === 1) {
      lines.push(
        `    - { name: deny host range ${k}, action: deny, priority: ${pri}, direction: any, src: { ip: "10.${k % 250}.0.0-10.${k % 250}.255.255" } }`,
      );
    } else if (kind === 2) {
      lines.push(
        `    - { name: deny udp ${k}, action: deny, priority: ${pri}, protocol: udp, dst: { port: "${10000 + k * 10}-${10000 + k * 10 + 5}" } }`,
      );
    } else if (kind === 3) {
      lines.push(
        `    - { name: deny inbound ${k}, action: deny, priority: ${pri}, direction: in, protocol: tcp, dst: { port: [${3000 + k}, ${4000 + k}] }, src: { ip: ["0.0.0.0/0", "!198.19.250.0/24"] } }`,
      );
    } else if (kind === 4) {
      lines.push(`    - { name: deny v6 net ${k}, action: deny, priority: ${pri}, frame: ipv6, dst: { ip: "2001:db8:${k.toString(16)}::/48" } }`);
    } else if (kind === 5) {
      lines.push(`    - { name: allow mgmt ${k}, action: allow, priority: ${pri}, direction: out, protocol: tcp, dst: { ip: 198.19.${k % 250}.7, port: ${5000 + k} } }`);
    } else {
      lines.push(`    - { name: deny icmp type ${k}, action: deny, priority: ${pri}, protocol: icmp, icmp: { type: ${(k % 30) + 13} } }`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * 64-byte TCP and UDP packets: half open new flows (SYNs and first datagrams from ever-changing
 * sources), half belong to `established` long-lived connections (whose handshakes are sent during
 * warm-up).
 */
export function firewall64(established: number, withPolicy: boolean, name: string): Workload {
  const fs = new FrameSet();
  // Long-lived flows: handshake frames, then a data frame each way.
  const hs: number[] = [];
  const data: number[] = [];
  for (let f = 0; f < established; f++) {
    const c = v4(CLIENT_NET + 256 + f);
    const s = v4(SERVER_NET + (f % 200) + 1);
    const sport = 10000 + (f % 50000);
    const udp = f % 4 === 3;
    if (udp) {
      const q = fs.add(padTo(ether(udpPacket({ src: c, dst: s, sport, dport: 53, payload: new Uint8Array(18) })), 60));
      const r = fs.add(padTo(ether(udpPacket({ src: s, dst: c, sport: 53, dport: sport, payload: new Uint8Array(18) })), 60));
      hs.push(q, r);
      data.push(q, r);
    } else {
      const dport = f % 2 === 0 ? 443 : 80;
      hs.push(fs.add(padTo(ether(tcpPacket({ src: c, dst: s, sport, dport, flags: "S", seq: 1000 })), 60)));
      hs.push(fs.add(padTo(ether(tcpPacket({ src: s, dst: c, sport: dport, dport: sport, flags: "SA", seq: 5000, ack: 1001 })), 60)));
      const ack = fs.add(padTo(ether(tcpPacket({ src: c, dst: s, sport, dport, flags: "A", seq: 1001, ack: 5001 })), 60));
      hs.push(ack);
      data.push(fs.add(padTo(ether(tcpPacket({ src: c, dst: s, sport, dport, flags: "PA", seq: 1001, ack: 5001, payload: new Uint8Array(6) })), 60)));
      data.push(fs.add(padTo(ether(tcpPacket({ src: s, dst: c, sport: dport, dport: sport, flags: "A", seq: 5001, ack: 1007 })), 60)));
    }
  }
  // New-flow templates whose source address and port are rewritten per packet.
  const synT = fs.add(padTo(ether(tcpPacket({ src: v4(CLIENT_NET), dst: v4(SERVER_NET + 1), sport: 1024, dport: 443, flags: "S", seq: 77 })), 60));
  const udpT = fs.add(padTo(ether(udpPacket({ src: v4(CLIENT_NET), dst: v4(SERVER_NET + 2), sport: 1024, dport: 123, payload: new Uint8Array(18) })), 60));
  const { buf, offs, lens } = fs.build();
  const hsCount = hs.length;
  const hsIdx = Uint32Array.from(hs);
  const dataIdx = Uint32Array.from(data);
  let newCounter = 0;
  // Offsets inside an Ethernet+IPv4 frame: source address at 26, source port at 34.
  const rewrite = (frame: number): void => {
    const o = offs[frame];
    const n = newCounter++;
    const host = CLIENT_NET + 1024 + (n & 0x3fff); // 16,384 sources (under /16 home_net)
    const port = 1024 + ((n >>> 14) % 60000);
    buf[o + 26] = host >>> 24;
    buf[o + 27] = (host >>> 16) & 255;
    buf[o + 28] = (host >>> 8) & 255;
    buf[o + 29] = host & 255;
    buf[o + 34] = port >>> 8;
    buf[o + 35] = port & 255;
  };
  const usPerPacket = 20;
  return {
    name,
    description: `64-byte Ethernet frames (60 captured + FCS), TCP and UDP; half open new flows from 16,384 ` +
      `rotating sources, half belong to ${established} established flows` + (withPolicy ? "; 200-rule policy" : "; no policy"),
    buf,
    offs,
    lens,
    linkType: LINK_ETHERNET,
    warmup: hsCount + 400_000,
    usPerPacket,
    flows: { established, newPerSecondVirtual: 1e6 / usPerPacket / 2, tableSize: 1 << 20 },
    policy: withPolicy ? benchPolicy(200) : null,
    step(i: number): number {
      if (i < hsCount) return hsIdx[i];
      const j = i - hsCount;
      if ((j & 1) === 0) return dataIdx[(j >>> 1) % dataIdx.length];
      const frame = (j & 2) === 0 ? synT : udpT;
      rewrite(frame);
      return frame;
    },
  };
}
