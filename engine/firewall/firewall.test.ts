import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileFirewall } from "./compile.ts";
import { FW_ALLOW, FW_BYPASS, FW_DENY, FW_FORCE_ALLOW, FW_NONE } from "./firewall.ts";
import type { CompiledFirewall } from "./firewall.ts";
import { addressRange, packet, rule } from "./testing.ts";
import type { PacketInit, RuleInit } from "./testing.ts";
import {
  DIR_IN,
  DIR_OUT,
  DIR_UNKNOWN,
  ETH_ARP,
  ETH_REVARP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_UDP,
  TH_ACK,
  TH_FIN,
  TH_SYN,
} from "../packet.ts";
import type { AddressRange, ListEntry } from "../policy/spec.ts";
import { LINK_ETHERNET, Packet } from "../packet.ts";
import { Decoder } from "../decode/decoder.ts";
import { defaultEngineConfig } from "../config.ts";
import { arpPacket, ether, fragmentIp, icmpPacket, tcpPacket, udpPacket } from "../../datapath/craft.ts";

function home(...nets: string[]): ListEntry<AddressRange>[] {
  return nets.map((n) => {
    const negated = n.startsWith("!");
    return { value: addressRange(negated ? n.slice(1) : n), negated, where: { file: "t", line: 1, col: 1 } };
  });
}

function fw(rules: RuleInit[], interfaces: string[] = [], homeNet = home("10.0.0.0/8")): CompiledFirewall {
  return compileFirewall({ rules: rules.map((r, i) => rule({ line: i + 1, ...r })) }, homeNet, interfaces);
}

/** Decision and the deciding rule's name. */
function run(f: CompiledFirewall, p: PacketInit, dir = DIR_UNKNOWN): [number, string] {
  const d = f.decide(packet(p), dir);
  return [d, f.decidingRule < 0 ? "" : f.rules[f.decidingRule].name];
}

const TCP = { src: "192.0.2.1", dst: "10.0.0.5", proto: 6, sport: 40000, dport: 80 };

test("each action decides with its code; no match is FW_NONE", () => {
  for (
    const [action, code] of [["allow", FW_ALLOW], ["deny", FW_DENY], ["force-allow", FW_FORCE_ALLOW], [
      "bypass",
      FW_BYPASS,
    ]] as const
  ) {
    const f = fw([{ name: "r", action, dst: { port: [80] } }]);
    assert.equal(run(f, TCP), [code, "r"], action);
    assert.equal(run(f, { ...TCP, dport: 81 }), [FW_NONE, ""], action);
  }
});

test("log-only never decides but is recorded before the deciding rule", () => {
  const f = fw([
    { name: "deny", action: "deny", dst: { port: [80] } },
    { name: "log1", action: "log-only" },
    { name: "log2", action: "log-only", dst: { port: [81] } },
  ]);
  let d = f.decide(packet(TCP), DIR_IN);
  assert.is(d, FW_DENY);
  assert.is(f.logCount, 1);
  assert.is(f.rules[f.logMatches[0]].name, "log1");
  d = f.decide(packet({ ...TCP, dport: 81 }), DIR_IN);
  assert.is(d, FW_NONE);
  assert.is(f.decidingRule, -1);
  assert.equal([...f.logMatches.subarray(0, f.logCount)].map((i) => f.rules[i].name), ["log1", "log2"]);
});

test("log-only rules after the deciding rule in evaluation order are not recorded", () => {
  const f = fw([
    { name: "log-low", action: "log-only", priority: 1 },
    { name: "allow-high", action: "allow", priority: 3 },
  ]);
  assert.is(f.decide(packet(TCP), DIR_IN), FW_ALLOW);
  assert.is(f.logCount, 0);
});

test("priority 4 is evaluated before 3, whatever the action", () => {
  const f = fw([
    { name: "bypass3", action: "bypass", priority: 3 },
    { name: "allow4", action: "allow", priority: 4 },
    { name: "deny0", action: "deny", priority: 0 },
  ]);
  assert.equal(run(f, TCP), [FW_ALLOW, "allow4"]);
  assert.equal(f.rules.map((r) => r.name), ["allow4", "bypass3", "deny0"]);
});

test("within a priority: bypass < log-only < force-allow < deny < allow, then file order", () => {
  const all: RuleInit[] = [
    { name: "allow", action: "allow" },
    { name: "deny", action: "deny" },
    { name: "force", action: "force-allow" },
    { name: "log", action: "log-only" },
    { name: "bypass", action: "bypass" },
    { name: "deny2", action: "deny" },
  ];
  const f = fw(all);
  assert.equal(f.rules.map((r) => r.name), ["bypass", "log", "force", "deny", "deny2", "allow"]);
  assert.equal(run(f, TCP), [FW_BYPASS, "bypass"]);
  assert.equal(run(fw(all.filter((r) => r.action !== "bypass")), TCP), [FW_FORCE_ALLOW, "force"]);
  assert.equal(run(fw(all.filter((r) => r.action === "deny" || r.action === "allow")), TCP), [
    FW_DENY,
    "deny",
  ]);
  assert.equal(
    run(fw([{ name: "d", action: "deny", dst: { port: [1] } }, { name: "a", action: "allow" }]), TCP),
    [FW_ALLOW, "a"],
  );
});

test("negation: ip lists (positive + negative, negative only)", () => {
  const f = fw([
    { name: "mixed", action: "deny", src: { ip: ["192.0.2.0/24", "!192.0.2.7"] } },
    { name: "negonly", action: "allow", src: { ip: ["!198.51.100.0/24"] } },
  ]);
  assert.equal(run(f, TCP), [FW_DENY, "mixed"]);
  assert.equal(run(f, { ...TCP, src: "192.0.2.7" }), [FW_ALLOW, "negonly"]);
  assert.equal(run(f, { ...TCP, src: "198.51.100.9" }), [FW_NONE, ""]);
  // a negative-only IPv4 list accepts IPv6; a positive IPv4 list does not
  assert.equal(run(f, { ...TCP, src: "2001:db8::1", dst: "2001:db8::2" }), [FW_ALLOW, "negonly"]);
});

test("negation: ports, protocol, frame", () => {
  const f = fw([
    { name: "ports", action: "deny", dst: { port: ["1-1000", "!22", "!80", "!443"] } },
    { name: "notssh", action: "bypass", priority: 1, dst: { port: ["!22"] } },
    { name: "notudp", action: "force-allow", priority: 0, protocol: ["!udp"] },
    { name: "notarp", action: "allow", priority: 0, frame: ["!arp"] },
  ]);
  assert.equal(run(f, { ...TCP, dport: 25 }), [FW_DENY, "ports"]);
  assert.equal(run(f, { ...TCP, dport: 80 }), [FW_BYPASS, "notssh"]);
  assert.equal(run(f, { ...TCP, dport: 22 }), [FW_FORCE_ALLOW, "notudp"]);
  assert.equal(run(f, { ...TCP, proto: IPPROTO_UDP, dport: 22 }), [FW_ALLOW, "notarp"]);
  assert.equal(run(f, { etherType: ETH_ARP }), [FW_NONE, ""]);
  assert.equal(run(f, { etherType: ETH_REVARP }), [FW_ALLOW, "notarp"]);
});

test("negation: MAC and interface", () => {
  const f = fw(
    [
      {
        name: "mac",
        action: "deny",
        src: { mac: ["02:00:00:00:00:01", "02:00:00:00:00:02", "!02:00:00:00:00:02"] },
      },
      { name: "notmac", action: "force-allow", dst: { mac: ["!ff:ff:ff:ff:ff:ff"] } },
      { name: "notwifi", action: "allow", interface: ["!wl*"] },
    ],
    ["eth0", "wlan0"],
  );
  const m = { ...TCP, macDst: "ff:ff:ff:ff:ff:ff" };
  assert.equal(run(f, { ...m, macSrc: "02:00:00:00:00:01" }), [FW_DENY, "mac"]);
  assert.equal(run(f, { ...m, macSrc: "02:00:00:00:00:02", ifIndex: 0 }), [FW_ALLOW, "notwifi"]);
  assert.equal(run(f, { ...m, macSrc: "02:00:00:00:00:02", ifIndex: 1 }), [FW_NONE, ""]);
  assert.equal(run(f, { ...TCP, macSrc: "02:00:00:00:00:02", macDst: "02:00:00:00:00:09" }), [
    FW_FORCE_ALLOW,
    "notmac",
  ]);
  // no MAC at all (raw IP): MAC rules never match; unknown interface never matches an interface rule
  assert.equal(run(f, { ...TCP, ifIndex: -1 }), [FW_NONE, ""]);
});

test("MAC match on source and destination", () => {
  const f = fw([{
    name: "m",
    action: "deny",
    src: { mac: ["02:aa:00:00:00:01"] },
    dst: { mac: ["02:bb:00:00:00:02"] },
  }]);
  assert.equal(run(f, { ...TCP, macSrc: "02:aa:00:00:00:01", macDst: "02:bb:00:00:00:02" }), [FW_DENY, "m"]);
  assert.equal(run(f, { ...TCP, macSrc: "02:aa:00:00:00:01", macDst: "02:bb:00:00:00:03" }), [FW_NONE, ""]);
  assert.equal(run(f, { ...TCP, macSrc: "02:bb:00:00:00:02", macDst: "02:aa:00:00:00:01" }), [FW_NONE, ""]);
});

test("interface wildcards are case-insensitive, * and ?", () => {
  const f = fw(
    [
      { name: "eth", action: "deny", interface: ["ETH?"] },
      { name: "vpn", action: "allow", interface: ["*vpn*"] },
    ],
    ["eth0", "eth10", "MyVPN-1", "Wi-Fi"],
  );
  assert.equal(run(f, { ...TCP, ifIndex: 0 }), [FW_DENY, "eth"]);
  assert.equal(run(f, { ...TCP, ifIndex: 1 }), [FW_NONE, ""]);
  assert.equal(run(f, { ...TCP, ifIndex: 2 }), [FW_ALLOW, "vpn"]);
  assert.equal(run(f, { ...TCP, ifIndex: 3 }), [FW_NONE, ""]);
  assert.equal(run(f, { ...TCP, ifIndex: 9 }), [FW_NONE, ""]);
});

test("direction: in, out, internal to internal is in, neither side ours", () => {
  const f = fw([
    { name: "in", action: "deny", direction: "in" },
    { name: "out", action: "allow", direction: "out" },
  ]);
  const dirOf = (src: string, dst: string) => f.directionOf(packet({ ...TCP, src, dst }));
  assert.is(dirOf("192.0.2.1", "10.1.2.3"), DIR_IN);
  assert.is(dirOf("10.1.2.3", "192.0.2.1"), DIR_OUT);
  assert.is(dirOf("10.1.2.3", "10.9.9.9"), DIR_IN);
  assert.is(dirOf("192.0.2.1", "198.51.100.1"), DIR_UNKNOWN);
  assert.is(f.directionOf(packet({ etherType: ETH_ARP })), DIR_UNKNOWN);
  assert.equal(run(f, TCP, DIR_IN), [FW_DENY, "in"]);
  assert.equal(run(f, TCP, DIR_OUT), [FW_ALLOW, "out"]);
  assert.equal(run(f, TCP, DIR_UNKNOWN), [FW_NONE, ""]);
  assert.ok(f.hasAllowOut);
  assert.not.ok(f.hasAllowIn);
});

test("direction: home_net with IPv6 and negation", () => {
  const f = fw([], [], home("10.0.0.0/8", "!10.9.0.0/16", "2001:db8:1::/48"));
  const dirOf = (src: string, dst: string) => f.directionOf(packet({ ...TCP, src, dst }));
  assert.is(dirOf("192.0.2.1", "10.9.1.1"), DIR_UNKNOWN);
  assert.is(dirOf("10.9.1.1", "10.1.1.1"), DIR_IN);
  assert.is(dirOf("2001:db8:1:ffff::1", "2001:db8:2::1"), DIR_OUT);
  assert.is(dirOf("2001:db8:2::1", "2001:db8:1::5"), DIR_IN);
  assert.is(fw([], [], []).directionOf(packet(TCP)), DIR_UNKNOWN);
});

test("non-IP frames have no direction and match only direction: any", () => {
  const f = fw([
    { name: "in", action: "deny", direction: "in" },
    { name: "arp", action: "allow", frame: ["arp"] },
  ]);
  assert.equal(run(f, { etherType: ETH_ARP }, DIR_IN), [FW_ALLOW, "arp"]);
  assert.equal(run(f, { etherType: 0x88cc }, DIR_IN), [FW_NONE, ""]);
  assert.ok(f.hasAllowIn && f.hasAllowOut);
});

test("frame types: ipv4, ipv6, ip, arp, revarp, numeric", () => {
  const f = fw([
    { name: "v4", action: "deny", priority: 4, frame: ["ipv4"], protocol: [17] },
    { name: "v6", action: "deny", priority: 4, frame: ["ipv6"], protocol: [17] },
    { name: "ip", action: "allow", priority: 3, frame: ["ip"] },
    { name: "arp", action: "allow", frame: ["arp"] },
    { name: "revarp", action: "deny", frame: ["revarp"] },
    { name: "lldp", action: "force-allow", frame: [0x88cc] },
  ]);
  const udp = { ...TCP, proto: IPPROTO_UDP };
  assert.equal(run(f, udp), [FW_DENY, "v4"]);
  assert.equal(run(f, { ...udp, src: "2001:db8::1", dst: "2001:db8::2" }), [FW_DENY, "v6"]);
  assert.equal(run(f, TCP), [FW_ALLOW, "ip"]);
  assert.equal(run(f, { ...TCP, src: "2001:db8::1", dst: "2001:db8::2" }), [FW_ALLOW, "ip"]);
  assert.equal(run(f, { etherType: ETH_ARP }), [FW_ALLOW, "arp"]);
  assert.equal(run(f, { etherType: ETH_REVARP }), [FW_DENY, "revarp"]);
  assert.equal(run(f, { etherType: 0x88cc }), [FW_FORCE_ALLOW, "lldp"]);
  assert.equal(run(f, { etherType: 0x88cd }), [FW_NONE, ""]);
});

test("rules with ip, ports or protocol never match a frame without them", () => {
  const f = fw([
    { name: "ip", action: "deny", src: { ip: ["!1.2.3.4"] } },
    { name: "port", action: "deny", dst: { port: ["!1"] } },
    { name: "proto", action: "deny", protocol: ["!6"] },
    { name: "any", action: "allow" },
  ]);
  assert.equal(run(f, { etherType: ETH_ARP }), [FW_ALLOW, "any"]);
  // ICMP has no ports
  assert.equal(run(f, { src: "1.2.3.4", dst: "10.0.0.1", proto: IPPROTO_ICMP }), [FW_DENY, "proto"]);
});

test("tcp_flags: set bits present, clear bits absent, TCP only", () => {
  const f = fw([{ name: "syn", action: "deny", tcpFlags: { set: TH_SYN, clear: TH_ACK } }]);
  assert.equal(run(f, { ...TCP, flags: TH_SYN }), [FW_DENY, "syn"]);
  assert.equal(run(f, { ...TCP, flags: TH_SYN | TH_FIN }), [FW_DENY, "syn"]);
  assert.equal(run(f, { ...TCP, flags: TH_SYN | TH_ACK }), [FW_NONE, ""]);
  assert.equal(run(f, { ...TCP, flags: TH_ACK }), [FW_NONE, ""]);
  assert.equal(run(f, { ...TCP, proto: IPPROTO_UDP }), [FW_NONE, ""]);
});

test("icmp type and code, ICMP and ICMPv6", () => {
  const f = fw([
    { name: "unreach-port", action: "deny", icmp: { type: 3, code: 3 } },
    { name: "echo", action: "force-allow", icmp: { type: 8 } },
    { name: "v6echo", action: "allow", icmp: { type: 128 } },
    { name: "anyicmp", action: "allow", priority: 0, icmp: {} },
  ]);
  const icmp = { src: "192.0.2.1", dst: "10.0.0.1", proto: IPPROTO_ICMP };
  assert.equal(run(f, { ...icmp, icmpType: 3, icmpCode: 3 }), [FW_DENY, "unreach-port"]);
  assert.equal(run(f, { ...icmp, icmpType: 3, icmpCode: 1 }), [FW_ALLOW, "anyicmp"]);
  assert.equal(run(f, { ...icmp, icmpType: 8, icmpCode: 0 }), [FW_FORCE_ALLOW, "echo"]);
  assert.equal(run(f, { src: "2001:db8::1", dst: "2001:db8::2", proto: IPPROTO_ICMPV6, icmpType: 128 }), [
    FW_ALLOW,
    "v6echo",
  ]);
  assert.equal(run(f, TCP), [FW_NONE, ""]);
});

test("IPv6 addresses and ranges (CIDR, dash ranges, single addresses)", () => {
  const f = fw([
    { name: "one", action: "deny", priority: 4, src: { ip: ["2001:db8::dead:beef"] } },
    { name: "range", action: "force-allow", src: { ip: ["2001:db8::100-2001:db8::1ff"] } },
    {
      name: "cidr",
      action: "allow",
      src: { ip: ["2001:db8::/32", "!2001:db8:ffff::/48"] },
      dst: { ip: ["fe80::/10"] },
    },
  ]);
  const p = (src: string, dst = "fe80::1") => ({ src, dst, proto: 6, dport: 1 });
  assert.equal(run(f, p("2001:db8::dead:beef")), [FW_DENY, "one"]);
  assert.equal(run(f, p("2001:db8::100")), [FW_FORCE_ALLOW, "range"]);
  assert.equal(run(f, p("2001:db8::1ff")), [FW_FORCE_ALLOW, "range"]);
  assert.equal(run(f, p("2001:db8::200")), [FW_ALLOW, "cidr"]);
  assert.equal(run(f, p("2001:db8:ffff::1")), [FW_NONE, ""]);
  assert.equal(run(f, p("2001:db9::1")), [FW_NONE, ""]);
  assert.equal(run(f, p("2001:db8::200", "fec0::1")), [FW_NONE, ""]);
  assert.equal(run(f, p("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), [FW_NONE, ""]);
});

test("IPv4 edges: 0.0.0.0, 255.255.255.255, and ranges ending at the top", () => {
  const f = fw([
    { name: "top", action: "deny", dst: { ip: ["255.255.255.0/24"] } },
    { name: "zero", action: "allow", src: { ip: ["0.0.0.0"] } },
  ]);
  assert.equal(run(f, { ...TCP, dst: "255.255.255.255" }), [FW_DENY, "top"]);
  assert.equal(run(f, { ...TCP, src: "0.0.0.0" }), [FW_ALLOW, "zero"]);
  assert.equal(run(f, { ...TCP, src: "0.0.0.1" }), [FW_NONE, ""]);
});

test("more than 32 rules span several bitset words", () => {
  const rules: RuleInit[] = [];
  for (let i = 0; i < 100; i++) rules.push({ name: `r${i}`, action: "deny", dst: { port: [1000 + i] } });
  rules.push({ name: "last", action: "allow", src: { ip: ["192.0.2.1"] } });
  const f = fw(rules);
  assert.equal(run(f, { ...TCP, dport: 1000 }), [FW_DENY, "r0"]);
  assert.equal(run(f, { ...TCP, dport: 1063 }), [FW_DENY, "r63"]);
  assert.equal(run(f, { ...TCP, dport: 1099 }), [FW_DENY, "r99"]);
  assert.equal(run(f, { ...TCP, dport: 5 }), [FW_ALLOW, "last"]);
});

test("an empty firewall decides nothing", () => {
  const f = fw([]);
  assert.equal(run(f, TCP), [FW_NONE, ""]);
  assert.is(f.logMatches.length, 0);
});

// ---- with real frames: datapath/craft.ts builds them, the engine's decoder fills the Packet

const decoder = new Decoder(defaultEngineConfig().decode);
function decoded(frame: Uint8Array): Packet {
  const p = new Packet();
  p.reset(frame, 0, frame.length);
  p.linkType = LINK_ETHERNET;
  decoder.decode(p);
  return p;
}

test("decoded frames: MACs behind VLAN tags, ports, ARP, ICMPv6, fragments", () => {
  const f = fw([
    { name: "mac+port", action: "deny", src: { mac: ["02:00:00:00:00:01"] }, dst: { port: [445] } },
    { name: "arp-reply", action: "force-allow", frame: ["arp"] },
    { name: "echo6", action: "allow", frame: ["ipv6"], icmp: { type: 128 } },
    { name: "udp-any-port", action: "bypass", priority: 1, protocol: ["udp"], dst: { port: ["!1"] } },
    { name: "udp", action: "allow", priority: 0, protocol: ["udp"] },
  ]);
  const smb = tcpPacket({ src: "192.0.2.1", dst: "10.0.0.5", sport: 40000, dport: 445, flags: "S" });
  let p = decoded(ether(smb, { src: "02:00:00:00:00:01", dst: "02:00:00:00:00:02", vlans: [7] }));
  assert.is(f.decide(p, f.directionOf(p)), FW_DENY);
  p = decoded(ether(smb, { src: "02:00:00:00:00:03", dst: "02:00:00:00:00:02" }));
  assert.is(f.decide(p, f.directionOf(p)), FW_NONE);
  p = decoded(
    arpPacket({
      op: 2,
      senderMac: "02:00:00:00:00:01",
      senderIp: "10.0.0.1",
      targetMac: "02:00:00:00:00:02",
      targetIp: "10.0.0.2",
    }),
  );
  assert.is(f.decide(p, f.directionOf(p)), FW_FORCE_ALLOW);
  p = decoded(ether(icmpPacket({ src: "2001:db8::1", dst: "2001:db8::2", type: 128, id: 1, seq: 1 })));
  assert.is(f.decide(p, f.directionOf(p)), FW_ALLOW);
  assert.is(f.rules[f.decidingRule].name, "echo6");
  // the first fragment carries the ports, a later one does not: it matches only the port-less rule
  const frags = fragmentIp(
    udpPacket({ src: "192.0.2.1", dst: "10.0.0.5", sport: 5000, dport: 53, payload: new Uint8Array(64) }),
    32,
  );
  assert.ok(frags.length >= 2);
  p = decoded(ether(frags[0]));
  assert.is(f.decide(p, DIR_IN), FW_BYPASS);
  p = decoded(ether(frags[1]));
  assert.is(f.decide(p, DIR_IN), FW_ALLOW);
  assert.is(f.rules[f.decidingRule].name, "udp");
});

test.run();
