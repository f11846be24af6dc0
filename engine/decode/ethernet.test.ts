import { test } from "uvu";
import * as assert from "uvu/assert";
import { arpPacket, ether, tcpPacket, udpPacket } from "../../datapath/craft.ts";
import {
  A_ARP_PKT_TOO_SMALL,
  A_PKT_TOO_SMALL,
  A_VLAN_HEADER_TOO_SMALL,
  A_VLAN_TOO_MANY_LAYERS,
} from "../anomaly.ts";
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_REVARP, LINK_ETHERNET, Packet } from "../packet.ts";
import { decode as decodeWith, has } from "./testing.ts";

/** Decodes an Ethernet frame. */
const decode = (bytes: Uint8Array): Packet => decodeWith(bytes, false, LINK_ETHERNET);

const tcp4 = tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1234, dport: 80, flags: "S" });

test("ethernet II: macs, ethertype, IPv4 above", () => {
  const p = decode(ether(tcp4, { src: "02:00:00:00:00:aa", dst: "02:00:00:00:00:bb" }));
  assert.is(p.decodeOk, 1);
  assert.is(p.macDstOff, 0);
  assert.is(p.macSrcOff, 6);
  assert.is(p.buf[p.macSrcOff + 5], 0xaa);
  assert.is(p.etherType, ETH_IPV4);
  assert.is(p.ipVersion, 4);
  assert.is(p.dstPort, 80);
  assert.is(p.anomalyCount, 0);
});

test("ethernet: IPv6 by ethertype", () => {
  const p = decode(ether(udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 53, dport: 5353 })));
  assert.is(p.etherType, ETH_IPV6);
  assert.is(p.ipVersion, 6);
  assert.is(p.srcPort, 53);
});

test("802.1Q single tag and QinQ (0x88a8 outer) record vlan0/vlan1", () => {
  const one = decode(ether(tcp4, { vlans: [100] }));
  assert.is(one.vlanCount, 1);
  assert.is(one.vlan0, 100);
  assert.is(one.ipVersion, 4);
  const two = decode(ether(tcp4, { vlans: [10, 20], qinq: true }));
  assert.is(two.buf[12], 0x88);
  assert.is(two.vlanCount, 2);
  assert.is(two.vlan0, 10);
  assert.is(two.vlan1, 20);
  assert.is(two.dstPort, 80);
  assert.is(two.anomalyCount, 0);
});

test("0x9100 tag is a VLAN tag too", () => {
  const f = ether(tcp4, { vlans: [7] });
  f[12] = 0x91;
  f[13] = 0x00;
  const p = decode(f);
  assert.is(p.vlan0, 7);
  assert.is(p.ipVersion, 4);
});

test("three tags: too_many_layers, first two recorded, still decoded", () => {
  const p = decode(ether(tcp4, { vlans: [1, 2, 3] }));
  assert.ok(has(p, A_VLAN_TOO_MANY_LAYERS));
  assert.is(p.vlanCount, 2);
  assert.is(p.vlan1, 2);
  assert.is(p.ipVersion, 4);
  assert.is(p.dstPort, 80);
  assert.is(p.decodeOk, 1);
});

test("truncated frames: ethernet and VLAN too small", () => {
  const short = decode(new Uint8Array(10));
  assert.ok(has(short, A_PKT_TOO_SMALL));
  assert.is(short.decodeOk, 0);
  const f = ether(tcp4, { vlans: [5] }).slice(0, 16);
  const v = decode(f);
  assert.ok(has(v, A_VLAN_HEADER_TOO_SMALL));
  assert.is(v.decodeOk, 0);
});

test("ARP request and reply fill op and addresses", () => {
  const p = decode(arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "192.168.1.1", targetIp: "192.168.1.2" }));
  assert.is(p.etherType, ETH_ARP);
  assert.is(p.arpOp, 1);
  assert.is(p.arpSpa, 0xc0a80101);
  assert.is(p.arpTpa, 0xc0a80102);
  assert.is(p.ipVersion, 0);
  const r = decode(arpPacket({ op: 2, senderMac: "02:00:00:00:00:01", senderIp: "10.1.2.3", targetIp: "10.3.2.1", targetMac: "02:00:00:00:00:02" }));
  assert.is(r.arpOp, 2);
  assert.is(r.arpSpa, 0x0a010203);
});

test("RARP decodes like ARP", () => {
  const p = decode(arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "0.0.0.0", targetIp: "0.0.0.0", rarp: true }));
  assert.is(p.etherType, ETH_REVARP);
  assert.is(p.arpOp, 3); // craft writes RARP request as opcode 3
});

test("short ARP raises arp.pkt_too_small", () => {
  const f = arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "1.1.1.1", targetIp: "2.2.2.2" });
  const p = decode(f.slice(0, 14 + 20));
  assert.ok(has(p, A_ARP_PKT_TOO_SMALL));
  assert.is(p.arpOp, 1);
  assert.is(p.arpSpa, 0);
  assert.is(p.decodeOk, 0);
});

test("PPPoE session carrying IPv4", () => {
  const ppp = new Uint8Array(8 + tcp4.length);
  ppp.set([0x11, 0x00, 0x00, 0x01, (tcp4.length + 2) >> 8, (tcp4.length + 2) & 0xff, 0x00, 0x21]);
  ppp.set(tcp4, 8);
  const p = decode(ether(ppp, { type: 0x8864 }));
  assert.is(p.ipVersion, 4);
  assert.is(p.dstPort, 80);
});

test("MPLS label stack then IPv4", () => {
  const m = new Uint8Array(8 + tcp4.length);
  m.set([0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40]); // two labels, bottom of stack on the second
  m.set(tcp4, 8);
  const p = decode(ether(m, { type: 0x8847 }));
  assert.is(p.ipVersion, 4);
  assert.is(p.srcPort, 1234);
});

test("unknown ethertype: recorded, no IP, no anomaly", () => {
  const p = decode(ether(new Uint8Array(46), { type: 0x88cc }));
  assert.is(p.etherType, 0x88cc);
  assert.is(p.ipVersion, 0);
  assert.is(p.anomalyCount, 0);
  assert.is(p.decodeOk, 1);
});

test.run();
