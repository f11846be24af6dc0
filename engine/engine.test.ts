import { test } from "uvu";
import * as assert from "uvu/assert";
import { ether, fragmentIp, gre, ipPacket, tcpPacket, udpPacket, vxlan } from "../datapath/craft.ts";
import { defaultEngineConfig, type EngineConfig } from "./config.ts";
import { Engine } from "./engine.ts";
import { EV_DROP, EV_FIREWALL } from "./events.ts";
import { LINK_ETHERNET, PacketMeta } from "./packet.ts";
import { compilePolicy } from "./policy/compiled.ts";
import { loadPolicy } from "./policy/load.ts";
import {
  DROP_EXHAUSTED,
  DROP_FIREWALL_RULE,
  DROP_INVALID_FLAGS,
  DROP_NONE,
  DROP_OUT_OF_CONNECTION,
  DROP_OUT_OF_POLICY,
  VERDICT_DROP,
  VERDICT_PASS,
} from "./verdict.ts";

const IN = "198.18.0.10"; // home_net
const OUT = "198.19.0.20";
const HOME = "home_net: [198.18.0.0/16]\n";

function engineWith(policyYaml: string | null, tune?: (c: EngineConfig) => void): { e: Engine; send: (f: Uint8Array) => number } {
  const cfg = defaultEngineConfig();
  tune?.(cfg);
  const e = new Engine(cfg);
  if (policyYaml !== null) e.setPolicy(compilePolicy(loadPolicy(policyYaml, "test.yaml"), []));
  const meta = new PacketMeta();
  meta.linkType = LINK_ETHERNET;
  meta.tsUs = 1_700_000_000_000_000;
  const send = (f: Uint8Array): number => {
    meta.tsUs += 1000;
    meta.pcapCnt++;
    const v = e.process(f, 0, f.length, meta);
    e.ring.clear();
    return v;
  };
  return { e, send };
}

const syn = (src: string, dst: string, sport: number, dport: number) => ether(tcpPacket({ src, dst, sport, dport, flags: "S", seq: 1 }));
const synAck = (src: string, dst: string, sport: number, dport: number) =>
  ether(tcpPacket({ src, dst, sport, dport, flags: "SA", seq: 100, ack: 2 }));
const ack = (src: string, dst: string, sport: number, dport: number) =>
  ether(tcpPacket({ src, dst, sport, dport, flags: "A", seq: 2, ack: 101 }));

test("no policy: nothing is blocked, not even what a firewall would drop", () => {
  const { send } = engineWith(null);
  assert.is(send(ether(tcpPacket({ src: OUT, dst: IN, sport: 1, dport: 445, flags: "FPU" }))), VERDICT_PASS);
  assert.is(send(ack(OUT, IN, 2, 80)), VERDICT_PASS);
});

test("a policy swap takes effect on the next packet, and events name the rule of the policy that raised them", () => {
  const { e, send } = engineWith(null);
  assert.is(send(syn(OUT, IN, 1000, 445)), VERDICT_PASS);
  const deny = compilePolicy(loadPolicy(HOME + "firewall:\n  rules:\n    - { name: no smb, action: deny, protocol: tcp, dst: { port: 445 } }\n", "deny.yaml"), []);
  e.setPolicy(deny);
  const meta = new PacketMeta();
  meta.tsUs = 1_700_000_001_000_000;
  const f = syn(OUT, IN, 1001, 445);
  assert.is(e.process(f, 0, f.length, meta), VERDICT_DROP);
  assert.is(e.lastDropReason, DROP_FIREWALL_RULE);
  const i = e.ring.first();
  assert.is(e.ring.kind[i], EV_DROP);
  assert.is(e.ring.policyGen[i], deny.generation);
  assert.is(deny.firewall?.rules[e.ring.rule[i]].name, "no smb");
  e.ring.clear();
  e.setPolicy(null);
  assert.is(send(syn(OUT, IN, 1002, 445)), VERDICT_PASS);
});

test("per-flow decisions: a swap re-decides live flows; per-packet rules and log-only rules still see every packet", () => {
  const allow = HOME + "firewall:\n  rules:\n    - { name: web out, action: allow, direction: out, protocol: tcp, dst: { port: 80 } }\n";
  const { e, send } = engineWith(allow);
  assert.is(send(syn(IN, OUT, 40000, 80)), VERDICT_PASS);
  assert.is(send(synAck(OUT, IN, 80, 40000)), VERDICT_PASS);
  assert.is(send(ack(IN, OUT, 40000, 80)), VERDICT_PASS);
  e.setPolicy(compilePolicy(loadPolicy(HOME + "firewall:\n  rules:\n    - { name: no web, action: deny, protocol: tcp, dst: { port: 80 } }\n", "swap.yaml"), []));
  assert.is(send(ack(IN, OUT, 40000, 80)), VERDICT_DROP, "the same connection, under the new policy");
  assert.is(e.lastDropReason, DROP_FIREWALL_RULE);

  // A rule on per-packet fields (TCP flags) is re-checked on every packet of the flow.
  const flagsRule = engineWith(HOME + "firewall:\n  rules:\n    - { name: no pushes to 80, action: deny, protocol: tcp, dst: { port: 80 }, tcp_flags: PSH }\n");
  assert.is(flagsRule.send(syn(IN, OUT, 41000, 80)), VERDICT_PASS);
  assert.is(flagsRule.send(synAck(OUT, IN, 80, 41000)), VERDICT_PASS);
  assert.is(flagsRule.send(ack(IN, OUT, 41000, 80)), VERDICT_PASS);
  assert.is(flagsRule.send(ack(IN, OUT, 41000, 80)), VERDICT_PASS);
  const push = ether(tcpPacket({ src: IN, dst: OUT, sport: 41000, dport: 80, flags: "PA", seq: 2, ack: 101, payload: "GET / HTTP/1.0\r\n\r\n" }));
  assert.is(flagsRule.send(push), VERDICT_DROP, "the tcp_flags rule still sees each packet of the flow");

  // A log-only rule logs every packet it matches, not only the flow's first.
  const logged = engineWith(HOME + "firewall:\n  rules:\n    - { name: log web, action: log-only, protocol: tcp, dst: { port: 80 } }\n");
  let logs = 0;
  const meta = new PacketMeta();
  meta.linkType = LINK_ETHERNET;
  for (const f of [syn(IN, OUT, 42000, 80), synAck(OUT, IN, 80, 42000), ack(IN, OUT, 42000, 80), ack(IN, OUT, 42000, 80)]) {
    meta.tsUs = 1_800_000_000_000_000 + logs * 10 + f.length;
    logged.e.process(f, 0, f.length, meta);
    for (let j = logged.e.ring.first(); j !== -1; j = logged.e.ring.next(j)) if (logged.e.ring.kind[j] === EV_FIREWALL) logs++;
    logged.e.ring.clear();
  }
  assert.is(logs, 3, "SYN and both ACKs to port 80 are logged");
});

test("bypass skips the stateful checks; nothing else does", () => {
  const policy = HOME + "firewall:\n  rules:\n    - { name: trust the scanner, action: bypass, src: { ip: 198.19.0.99 } }\n";
  const { e, send } = engineWith(policy);
  const xmas = (src: string) => ether(tcpPacket({ src, dst: IN, sport: 5, dport: 80, flags: "FPU" }));
  assert.is(send(xmas("198.19.0.99")), VERDICT_PASS);
  assert.is(e.stats.bypassed, 1);
  assert.is(send(xmas(OUT)), VERDICT_DROP);
  assert.is(e.lastDropReason, DROP_INVALID_FLAGS);
});

test("implicit deny: replies of an allowed connection pass, unsolicited traffic in that direction does not", () => {
  const policy = HOME + "firewall:\n  rules:\n" +
    "    - { name: web out, action: allow, direction: out, protocol: tcp, dst: { port: 443 } }\n" +
    "    - { name: ssh in, action: allow, direction: in, protocol: tcp, dst: { port: 22 } }\n";
  const { e, send } = engineWith(policy);
  assert.is(send(syn(IN, OUT, 40000, 443)), VERDICT_PASS);
  assert.is(send(synAck(OUT, IN, 443, 40000)), VERDICT_PASS, "the reply comes in, where only ssh is allowed");
  assert.is(send(ack(IN, OUT, 40000, 443)), VERDICT_PASS);
  assert.is(send(syn(OUT, IN, 50000, 80)), VERDICT_DROP);
  assert.is(e.lastDropReason, DROP_OUT_OF_POLICY);
  assert.is(send(syn(IN, OUT, 40001, 80)), VERDICT_DROP, "outbound to a port no rule allows");
  assert.is(send(syn(OUT, IN, 50001, 22)), VERDICT_PASS);
});

test("out of connection: dropped unless midstream pickup is on or the connection was seeded as pre-existing", () => {
  const policy = HOME + "firewall:\n  rules: []\n";
  const strict = engineWith(policy);
  assert.is(strict.send(ack(OUT, IN, 3000, 80)), VERDICT_DROP);
  assert.is(strict.e.lastDropReason, DROP_OUT_OF_CONNECTION);
  assert.is(strict.e.flows.stats.active, 0, "junk does not fill the flow table");

  const mid = engineWith(policy, (c) => (c.stream.midstream = true));
  assert.is(mid.send(ack(OUT, IN, 3000, 80)), VERDICT_PASS);
  assert.is(mid.send(ack(IN, OUT, 80, 3000)), VERDICT_PASS);

  const seeded = engineWith(policy);
  const w = (a: number) => Uint32Array.of(a, 0, 0, 0);
  assert.ok(seeded.e.seedConnection(4, w(0xc6130014), 3000, w(0xc612000a), 80, 1_700_000_000_000_000) >= 0);
  assert.is(seeded.send(ack(OUT, IN, 3000, 80)), VERDICT_PASS);
  assert.is(seeded.send(ack(IN, OUT, 80, 3000)), VERDICT_PASS);
  assert.is(seeded.send(ack(OUT, IN, 3001, 80)), VERDICT_DROP, "only the seeded connection");
});

test("a fragmented datagram is judged whole: the fragment that completes it carries the verdict", () => {
  const policy = HOME + "firewall:\n  rules:\n    - { name: no tftp, action: deny, protocol: udp, dst: { port: 69 } }\n";
  const { e, send } = engineWith(policy);
  const frags = fragmentIp(udpPacket({ src: OUT, dst: IN, sport: 5000, dport: 69, payload: new Uint8Array(3000) }), 1024);
  assert.ok(frags.length >= 3);
  const verdicts = frags.map((f) => send(ether(f)));
  assert.equal(verdicts.slice(0, -1), verdicts.slice(0, -1).map(() => VERDICT_PASS));
  assert.is(verdicts[verdicts.length - 1], VERDICT_DROP);
  assert.is(e.lastDropReason, DROP_FIREWALL_RULE);
  assert.is(e.stats.reassembled, 1);
});

test("fragments inside tunnels (IPIP, GRE, VXLAN, IPv6-in-IPv6) reassemble into a frame that decodes whole", () => {
  const policy = HOME + "firewall:\n  rules:\n    - { name: no tftp, action: deny, protocol: udp, dst: { port: 69 } }\n";
  const inner = udpPacket({ src: OUT, dst: IN, sport: 5000, dport: 69, payload: new Uint8Array(3000) });
  const inner6 = udpPacket({ src: "fd00:19::20", dst: "fd00:18::10", sport: 5000, dport: 69, payload: new Uint8Array(3000) });
  const wraps: [string, (frag: Uint8Array) => Uint8Array, Uint8Array][] = [
    ["IPIP", (f) => ether(ipPacket("198.19.9.1", "198.18.9.1", 4, f)), inner],
    ["GRE", (f) => ether(ipPacket("198.19.9.1", "198.18.9.1", 47, gre(f, 0x0800))), inner],
    ["VXLAN", (f) => ether(udpPacket({ src: "198.19.9.1", dst: "198.18.9.1", sport: 4000, dport: 4789, payload: vxlan(ether(f), 42) })), inner],
    ["IPv6-in-IPv6", (f) => ether(ipPacket("fd00:19::1", "fd00:18::1", 41, f)), inner6],
  ];
  for (const [name, wrap, datagram] of wraps) {
    const { e, send } = engineWith(policy.replace("198.18.0.0/16", "198.18.0.0/16, fd00:18::/32"));
    const verdicts = fragmentIp(datagram, 1024).map((f) => send(wrap(f)));
    assert.is(verdicts[verdicts.length - 1], VERDICT_DROP, `${name}: the reassembled inner datagram meets the rule`);
    assert.is(e.packet.payloadLen, 3000, `${name}: the whole payload`);
    assert.is(e.stats.decodeAnomalies, 0, `${name}: no anomaly (a stale outer length would be a truncation)`);
    assert.ok(e.packet.tunnelType !== 0, `${name}: still recorded as tunnelled`);
  }
});

test("a full reassembly table fails closed by default and open when configured", () => {
  const policy = HOME + "firewall:\n  rules: []\n";
  const tiny = (c: EngineConfig) => {
    c.defrag.memcap = 1024;
  };
  const big = fragmentIp(udpPacket({ src: OUT, dst: IN, sport: 1, dport: 2, payload: new Uint8Array(6000) }), 1024).map((f) => ether(f));
  const closed = engineWith(policy, tiny);
  const vc = big.map((f) => closed.send(f));
  assert.ok(vc.includes(VERDICT_DROP));
  assert.is(closed.e.lastDropReason, DROP_EXHAUSTED);
  const open = engineWith(policy, (c) => {
    tiny(c);
    c.exhaustion = "open";
  });
  const vo = big.map((f) => open.send(f));
  assert.not.ok(vo.includes(VERDICT_DROP));
  assert.ok(open.e.stats.failOpen > 0);
  assert.is(open.e.lastDropReason, DROP_NONE);
});

test("-k auto stops validating after a sample with mostly bad checksums; -k all keeps validating", () => {
  const bad = (k: number) => ether(tcpPacket({ src: OUT, dst: IN, sport: 1024 + (k % 60000), dport: 80, flags: "S", badChecksum: true }));
  const auto = engineWith(null);
  for (let k = 0; k < 1000; k++) auto.send(bad(k));
  assert.ok(auto.e.checksumAutoDisabled);
  const all = engineWith(null, (c) => (c.checksums = "all"));
  for (let k = 0; k < 1000; k++) all.send(bad(k));
  assert.not.ok(all.e.checksumAutoDisabled);
  assert.is(all.e.stats.invalidChecksums, 1000);
  assert.is(all.e.flows.stats.created, 0, "a packet with a bad checksum is not applied to flow state");
});

test.run();
