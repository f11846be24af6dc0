import { test } from "uvu";
import * as assert from "uvu/assert";
import { arpPacket, ether, gre, ipPacket, tcpPacket, udpPacket, vxlan } from "../../datapath/craft.ts";
import {
  A_GRE_PKT_TOO_SMALL,
  A_GRE_VERSION0_FLAGS,
  A_GRE_VERSION0_HDR_TOO_BIG,
  A_GRE_VERSION0_RECUR,
  A_GRE_VERSION1_NO_KEY,
  A_GRE_WRONG_VERSION,
  A_IPV4_IN_IPV6_WRONG_IP_VER,
  A_TOO_MANY_LAYERS,
  A_VXLAN_UNKNOWN_PAYLOAD_TYPE,
} from "../anomaly.ts";
import { defaultEngineConfig } from "../config.ts";
import {
  ETH_ARP,
  IPPROTO_GRE,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINK_ETHERNET,
  LINK_RAW,
  Packet,
  TUNNEL_4IN6,
  TUNNEL_6IN4,
  TUNNEL_6IN6,
  TUNNEL_GRE,
  TUNNEL_IPIP,
  TUNNEL_NONE,
  TUNNEL_TEREDO,
  TUNNEL_VXLAN,
} from "../packet.ts";
import { Decoder } from "./decoder.ts";

function decode(bytes: Uint8Array, linkType = LINK_RAW, maxDepth = 4): Packet {
  const cfg = defaultEngineConfig().decode;
  cfg.maxTunnelDepth = maxDepth;
  const p = new Packet();
  p.reset(bytes, 0, bytes.length);
  p.linkType = linkType;
  new Decoder(cfg).decode(p);
  return p;
}
const codes = (p: Packet): number[] => Array.from(p.anomalies.subarray(0, p.anomalyCount));
const has = (p: Packet, code: number): boolean => codes(p).includes(code);

const inner4 = tcpPacket({ src: "192.168.0.1", dst: "192.168.0.2", sport: 1111, dport: 445, flags: "PA", payload: "smb" });
const inner6 = tcpPacket({ src: "2001:db8::a", dst: "2001:db8::b", sport: 2222, dport: 80, flags: "S" });
const O1 = "203.0.113.1";
const O2 = "203.0.113.2";

function assertInner4(p: Packet): void {
  assert.is(p.ipVersion, 4);
  assert.is(p.src[0], 0xc0a80001);
  assert.is(p.dst[0], 0xc0a80002);
  assert.is(p.proto, IPPROTO_TCP);
  assert.is(p.srcPort, 1111);
  assert.is(p.dstPort, 445);
  assert.is(p.payloadLen, 3);
  assert.is(p.decodeOk, 1);
}

test("GRE v0 with checksum, key and sequence carrying IPv4", () => {
  const p = decode(ipPacket(O1, O2, 47, gre(inner4, 0x0800, { key: 5, seq: 9, checksum: true })));
  assertInner4(p);
  assert.is(p.tunnelType, TUNNEL_GRE);
  assert.is(p.tunnelDepth, 1);
  assert.is(p.outerIpVersion, 4);
  assert.is(p.outerSrc[0], 0xcb007101);
  assert.is(p.outerDst[0], 0xcb007102);
  assert.is(p.outerProto, IPPROTO_GRE);
  assert.equal(codes(p), []);
});

test("GRE carrying IPv6, and transparent Ethernet bridging", () => {
  const p = decode(ipPacket(O1, O2, 47, gre(inner6, 0x86dd)));
  assert.is(p.ipVersion, 6);
  assert.is(p.dstPort, 80);
  assert.is(p.tunnelType, TUNNEL_GRE);
  const e = decode(ipPacket(O1, O2, 47, gre(ether(inner4), 0x6558)));
  assertInner4(e);
  assert.is(e.tunnelType, TUNNEL_GRE);
});

test("PPTP enhanced GRE (v1) with PPP carrying IPv4; LCP stays GRE", () => {
  const ppp = new Uint8Array(4 + inner4.length);
  ppp.set([0xff, 0x03, 0x00, 0x21]);
  ppp.set(inner4, 4);
  const h = new Uint8Array(12 + ppp.length);
  h.set([0x30, 0x01, 0x88, 0x0b, 0, ppp.length, 0, 7, 0, 0, 0, 1]); // K, S, version 1; key = length, call id; seq
  h.set(ppp, 12);
  const p = decode(ipPacket(O1, O2, 47, h));
  assertInner4(p);
  assert.is(p.tunnelType, TUNNEL_GRE);
  const lcp = h.slice();
  lcp[14] = 0xc0;
  lcp[15] = 0x21;
  const q = decode(ipPacket(O1, O2, 47, lcp));
  assert.is(q.tunnelType, TUNNEL_NONE);
  assert.is(q.proto, IPPROTO_GRE);
  assert.is(q.src[0], 0xcb007101);
  const nokey = h.slice();
  nokey[0] = 0x10;
  assert.ok(has(decode(ipPacket(O1, O2, 47, nokey)), A_GRE_VERSION1_NO_KEY));
});

test("GRE anomalies: too small, bad version, recursion, reserved flags, header too big", () => {
  assert.ok(has(decode(ipPacket(O1, O2, 47, new Uint8Array([0, 0]))), A_GRE_PKT_TOO_SMALL));
  const g = gre(inner4, 0x0800);
  const v = g.slice();
  v[1] = 3;
  assert.ok(has(decode(ipPacket(O1, O2, 47, v)), A_GRE_WRONG_VERSION));
  const r = g.slice();
  r[0] = 0x01;
  assert.ok(has(decode(ipPacket(O1, O2, 47, r)), A_GRE_VERSION0_RECUR));
  const f = g.slice();
  f[1] = 0x40;
  assert.ok(has(decode(ipPacket(O1, O2, 47, f)), A_GRE_VERSION0_FLAGS));
  assert.ok(has(decode(ipPacket(O1, O2, 47, new Uint8Array([0x30, 0, 8, 0, 0, 0]))), A_GRE_VERSION0_HDR_TOO_BIG));
});

test("IP-in-IP: 4in4, 6in4, 4in6, 6in6", () => {
  const a = decode(ipPacket(O1, O2, IPPROTO_IPIP, inner4));
  assertInner4(a);
  assert.is(a.tunnelType, TUNNEL_IPIP);
  const b = decode(ipPacket(O1, O2, IPPROTO_IPV6, inner6));
  assert.is(b.tunnelType, TUNNEL_6IN4);
  assert.is(b.ipVersion, 6);
  assert.is(b.outerIpVersion, 4);
  const c = decode(ipPacket("2001:db8::1", "2001:db8::2", IPPROTO_IPIP, inner4));
  assertInner4(c);
  assert.is(c.tunnelType, TUNNEL_4IN6);
  assert.is(c.outerIpVersion, 6);
  assert.equal(Array.from(c.outerSrc), [0x20010db8, 0, 0, 1]);
  const d = decode(ipPacket("2001:db8::1", "2001:db8::2", IPPROTO_IPV6, inner6));
  assert.is(d.tunnelType, TUNNEL_6IN6);
  assert.is(d.dstPort, 80);
  const bad = decode(ipPacket("2001:db8::1", "2001:db8::2", IPPROTO_IPIP, inner6));
  assert.ok(has(bad, A_IPV4_IN_IPV6_WRONG_IP_VER));
  assert.is(bad.tunnelType, TUNNEL_NONE);
});

test("VXLAN: outer UDP ports recorded, inner Ethernet/IPv4 decoded, outer L2 kept", () => {
  const frame = ether(udpPacket({ src: O1, dst: O2, sport: 40000, dport: 4789, payload: vxlan(ether(inner4), 42) }));
  const p = decode(frame, LINK_ETHERNET);
  assertInner4(p);
  assert.is(p.tunnelType, TUNNEL_VXLAN);
  assert.is(p.outerProto, IPPROTO_UDP);
  assert.is(p.outerSrcPort, 40000);
  assert.is(p.outerDstPort, 4789);
  assert.is(p.macDstOff, 0);
  assert.equal(codes(p), []);
  const arp = arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "10.9.9.1", targetIp: "10.9.9.2" });
  const q = decode(udpPacket({ src: O1, dst: O2, sport: 1, dport: 4789, payload: vxlan(arp, 1) }));
  assert.is(q.etherType, ETH_ARP);
  assert.is(q.arpSpa, 0x0a090901);
  assert.is(q.ipVersion, 0);
  const odd = decode(udpPacket({ src: O1, dst: O2, sport: 1, dport: 4789, payload: vxlan(ether(new Uint8Array(40), { type: 0x88cc }), 1) }));
  assert.ok(has(odd, A_VXLAN_UNKNOWN_PAYLOAD_TYPE));
  // not VXLAN (I flag clear): stays UDP
  const notv = vxlan(ether(inner4), 1);
  notv[0] = 0;
  const r = decode(udpPacket({ src: O1, dst: O2, sport: 1, dport: 4789, payload: notv }));
  assert.is(r.tunnelType, TUNNEL_NONE);
  assert.is(r.dstPort, 4789);
});

test("Teredo: plain, with origin indication, with authentication; non-IPv6 stays UDP", () => {
  const plain = decode(udpPacket({ src: O1, dst: O2, sport: 3544, dport: 50000, payload: inner6 }));
  assert.is(plain.tunnelType, TUNNEL_TEREDO);
  assert.is(plain.ipVersion, 6);
  assert.is(plain.dstPort, 80);
  assert.is(plain.outerSrcPort, 3544);
  const origin = new Uint8Array(8 + inner6.length);
  origin.set([0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  origin.set(inner6, 8);
  const o = decode(udpPacket({ src: O1, dst: O2, sport: 50000, dport: 3544, payload: origin }));
  assert.is(o.tunnelType, TUNNEL_TEREDO);
  assert.is(o.srcPort, 2222);
  const auth = new Uint8Array(13 + 2 + 8 + inner6.length); // id len 1, auth len 1
  auth.set([0, 1, 1, 1, 0xaa, 0xbb]);
  auth.set(origin, 15);
  const a = decode(udpPacket({ src: O1, dst: O2, sport: 50000, dport: 3544, payload: auth }));
  assert.is(a.tunnelType, TUNNEL_TEREDO);
  assert.is(a.dstPort, 80);
  const junk = decode(udpPacket({ src: O1, dst: O2, sport: 50000, dport: 3544, payload: new Uint8Array(60).fill(0x61) }));
  assert.is(junk.tunnelType, TUNNEL_NONE);
  assert.is(junk.dstPort, 3544);
  const cfg = defaultEngineConfig().decode;
  cfg.teredo = false;
  const off = new Packet();
  const bytes = udpPacket({ src: O1, dst: O2, sport: 3544, dport: 50000, payload: inner6 });
  off.reset(bytes, 0, bytes.length);
  off.linkType = LINK_RAW;
  new Decoder(cfg).decode(off);
  assert.is(off.tunnelType, TUNNEL_NONE);
});

test("nested tunnels: outermost recorded, depth counted, limit raises too_many_layers", () => {
  const twice = ipPacket(O1, O2, 47, gre(ipPacket("10.1.1.1", "10.1.1.2", IPPROTO_IPIP, inner4), 0x0800));
  const p = decode(twice);
  assertInner4(p);
  assert.is(p.tunnelType, TUNNEL_GRE);
  assert.is(p.tunnelDepth, 2);
  assert.is(p.outerSrc[0], 0xcb007101);
  const limited = decode(twice, LINK_RAW, 1);
  assert.ok(has(limited, A_TOO_MANY_LAYERS));
  assert.is(limited.tunnelDepth, 1);
  assert.is(limited.decodeOk, 0);
});

test.run();
