// The firewall templates load, compile and do what their names promise, checked with crafted traffic
// through the whole engine (policy → engine → verdicts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadPolicy } from "../../../engine/policy/load.ts";
import { compilePolicy } from "../../../engine/policy/compiled.ts";
import { defaultEngineConfig } from "../../../engine/config.ts";
import { Engine } from "../../../engine/engine.ts";
import { PacketMeta, LINK_ETHERNET } from "../../../engine/packet.ts";
import { VERDICT_PASS } from "../../../engine/verdict.ts";
import { ether, icmpPacket, tcpPacket, udpPacket } from "../../../datapath/craft.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));

function engineWith(template: string): { send: (frame: Uint8Array) => boolean } {
  const engine = new Engine(defaultEngineConfig());
  engine.setPolicy(compilePolicy(loadPolicy(readFileSync(join(dir, template), "utf8"), template), []));
  const meta = new PacketMeta();
  meta.linkType = LINK_ETHERNET;
  meta.tsUs = 1_700_000_000_000_000;
  return {
    send(frame: Uint8Array): boolean {
      meta.tsUs += 1000;
      meta.pcapCnt++;
      return engine.process(frame, 0, frame.length, meta) === VERDICT_PASS;
    },
  };
}

const syn = (src: string, dst: string, dport: number, sport = 50000) => ether(tcpPacket({ src, dst, sport, dport, flags: "S", seq: 100 }));
const synAck = (src: string, dst: string, sport: number, dport = 50000) => ether(tcpPacket({ src, dst, sport, dport, flags: "SA", seq: 500, ack: 101 }));

test("every template loads and compiles", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  assert.equal(files.sort(), ["block-outbound-smb.yaml", "ipv6-icmpv6-essentials.yaml", "kiosk-allowlist.yaml", "off-domain-lockdown.yaml", "windows-client-baseline.yaml"]);
  for (const f of files) compilePolicy(loadPolicy(readFileSync(join(dir, f), "utf8"), f), []);
});

test("Windows client baseline: out freely with replies, SMB/RDP only from the office, no unasked inbound", () => {
  const fw = engineWith("windows-client-baseline.yaml");
  assert.ok(fw.send(syn("192.168.1.10", "93.184.216.34", 443)), "web out");
  assert.ok(fw.send(synAck("93.184.216.34", "192.168.1.10", 443)), "its reply");
  assert.not.ok(fw.send(syn("198.51.100.7", "192.168.1.10", 445)), "SMB from the internet");
  assert.not.ok(fw.send(syn("198.51.100.7", "192.168.1.10", 3389, 50001)), "RDP from the internet");
  assert.not.ok(fw.send(syn("198.51.100.7", "192.168.1.10", 8080, 50002)), "anything else unasked");
  assert.ok(fw.send(ether(icmpPacket({ src: "192.168.1.1", dst: "192.168.1.10", type: 8, id: 1, seq: 1 }))), "ping from the office");
  assert.ok(fw.send(ether(udpPacket({ src: "192.168.1.1", dst: "192.168.1.10", sport: 67, dport: 68, payload: "x" }))), "DHCP reply");
  assert.ok(fw.send(ether(icmpPacket({ src: "fe80::1", dst: "fe80::10", type: 135, payload: new Uint8Array(20) }))), "neighbour solicitation");
});

test("off-domain lockdown: lateral-movement ports closed from everywhere, the laptop's own traffic works", () => {
  const fw = engineWith("off-domain-lockdown.yaml");
  for (const [port, i] of [[445, 0], [139, 1], [135, 2], [3389, 3], [5985, 4], [5986, 5]]) {
    assert.not.ok(fw.send(syn("10.9.9.9", "10.9.9.10", port, 40000 + i)), `tcp ${port} in`);
  }
  assert.not.ok(fw.send(ether(udpPacket({ src: "10.9.9.9", dst: "10.9.9.10", sport: 137, dport: 137, payload: "x" }))), "NetBIOS name service in");
  assert.ok(fw.send(syn("10.9.9.10", "93.184.216.34", 443)), "web out");
  assert.ok(fw.send(synAck("93.184.216.34", "10.9.9.10", 443)), "its reply");
  assert.ok(fw.send(ether(icmpPacket({ src: "fe80::1", dst: "fe80::10", type: 136, payload: new Uint8Array(20) }))), "neighbour advertisement");
});

test("block outbound SMB: SMB to the internet is dropped, SMB inside the office works", () => {
  const fw = engineWith("block-outbound-smb.yaml");
  assert.not.ok(fw.send(syn("192.168.1.10", "198.51.100.80", 445)), "SMB to the internet");
  assert.not.ok(fw.send(syn("192.168.1.10", "198.51.100.80", 139, 50001)), "NetBIOS session to the internet");
  assert.ok(fw.send(syn("192.168.1.10", "192.168.1.20", 445, 50002)), "SMB to the office file server");
  assert.ok(fw.send(syn("192.168.1.10", "198.51.100.80", 443, 50003)), "other traffic out");
});

test("kiosk allow-list: only the listed services, their replies, and neighbour discovery", () => {
  const fw = engineWith("kiosk-allowlist.yaml");
  assert.ok(fw.send(syn("192.168.5.5", "203.0.113.10", 443)), "the kiosk application");
  assert.ok(fw.send(synAck("203.0.113.10", "192.168.5.5", 443)), "its reply");
  assert.ok(fw.send(ether(udpPacket({ src: "192.168.5.5", dst: "192.168.0.53", sport: 5353, dport: 53, payload: "q" }))), "DNS to the office resolver");
  assert.not.ok(fw.send(syn("192.168.5.5", "93.184.216.34", 443, 50001)), "any other web site");
  assert.not.ok(fw.send(ether(udpPacket({ src: "192.168.5.5", dst: "8.8.8.8", sport: 5354, dport: 53, payload: "q" }))), "another resolver");
  assert.not.ok(fw.send(ether(udpPacket({ src: "198.51.100.1", dst: "192.168.5.5", sport: 9999, dport: 9999, payload: "x" }))), "unasked inbound");
  assert.ok(fw.send(ether(icmpPacket({ src: "fd00::1", dst: "fd00::5", type: 135, payload: new Uint8Array(20) }))), "neighbour solicitation");
});

test("IPv6 essentials: neighbour discovery, path MTU and MLD always pass; unasked echo from outside does not", () => {
  const fw = engineWith("ipv6-icmpv6-essentials.yaml");
  for (const t of [133, 134, 135, 136, 143]) {
    assert.ok(fw.send(ether(icmpPacket({ src: "fe80::1", dst: "ff02::1", type: t, payload: new Uint8Array(20) }))), `ICMPv6 type ${t}`);
  }
  assert.ok(fw.send(ether(icmpPacket({ src: "2001:db8::1", dst: "fd00::5", type: 2, rest: 1280, payload: new Uint8Array(48) }))), "packet too big from the internet");
  assert.not.ok(fw.send(ether(icmpPacket({ src: "2001:db8::1", dst: "fd00::5", type: 128, id: 1, seq: 1 }))), "echo request from the internet");
  assert.ok(fw.send(ether(icmpPacket({ src: "fd00::9", dst: "fd00::5", type: 128, id: 2, seq: 1 }))), "echo request from the office");
});

test.run();
