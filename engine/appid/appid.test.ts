// Tests of application identification: the signature compiler (errors with file:line:col), host
// matching on label boundaries, payload patterns and shapes, DNS-learned addresses, app control
// (drop once named) and the absence of allocation per packet. Traffic is built with datapath/craft.ts
// after each protocol's public description (BEP 3, BEP 29, WireGuard whitepaper, RFC 1035, RFC 6066).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { tcpPacket, udpPacket } from "../../datapath/craft.ts";
import { defaultEngineConfig } from "../config.ts";
import { Engine } from "../engine.ts";
import { LINK_RAW, PacketMeta } from "../packet.ts";
import { VERDICT_DROP, VERDICT_PASS } from "../verdict.ts";
import { AppSignatureError, compileAppSignatures } from "./compile.ts";
import { AppIdentifier } from "./identifier.ts";
import { FUNCTION_COUNT, functionByName } from "./tables.ts";

const SHIPPED = readFileSync(new URL("../../rules/packs/apps/apps.yaml", import.meta.url), "utf8");

function rig(text = SHIPPED) {
  const tables = compileAppSignatures(text, "apps.yaml");
  const engine = new Engine(defaultEngineConfig());
  const appid = new AppIdentifier(tables, engine.flows);
  engine.setAppIdentifier(appid);
  const meta = new PacketMeta();
  meta.linkType = LINK_RAW;
  let ts = 1_000_000;
  const send = (pkt: Uint8Array): number => {
    meta.tsUs = ts += 1000;
    return engine.process(pkt, 0, pkt.length, meta);
  };
  const appOf = (): string => {
    const p = engine.packet;
    const f = engine.flows.lookup(p);
    return f < 0 ? "" : appid.appName(engine.flows.application[f]);
  };
  const fnOf = (): number => {
    const f = engine.flows.lookup(engine.packet);
    return f < 0 ? -1 : engine.flows.appFunction[f];
  };
  return { tables, engine, appid, send, appOf, fnOf };
}

function tlsClientHello(sni: string): Uint8Array {
  const name = new TextEncoder().encode(sni);
  const ext = [0, 0, 0, name.length + 5, 0, name.length + 3, 0, name.length >> 8, name.length & 255, ...name];
  const body = [3, 3, ...new Array(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0, 0, ext.length, ...ext];
  const hs = [1, 0, body.length >> 8, body.length & 255, ...body];
  return Uint8Array.from([0x16, 3, 1, hs.length >> 8, hs.length & 255, ...hs]);
}

function dnsMessage(name: string, answerIp: number[] | null): Uint8Array {
  const q: number[] = [];
  for (const l of name.split(".")) q.push(l.length, ...new TextEncoder().encode(l));
  q.push(0, 0, 1, 0, 1);
  const hdr = [0x12, 0x34, answerIp ? 0x81 : 0x01, 0x00, 0, 1, 0, answerIp ? 1 : 0, 0, 0, 0, 0];
  const an = answerIp ? [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answerIp] : [];
  return Uint8Array.from([...hdr, ...q, ...an]);
}

function handshake(send: (p: Uint8Array) => number, c: string, s: string, sport: number, dport: number): void {
  send(tcpPacket({ src: c, dst: s, sport, dport, flags: "S", seq: 100 }));
  send(tcpPacket({ src: s, dst: c, sport: dport, dport: sport, flags: "SA", seq: 500, ack: 101 }));
  send(tcpPacket({ src: c, dst: s, sport, dport, flags: "A", seq: 101, ack: 501 }));
}

test("compiler: errors name file:line:col", () => {
  const bad: [string, RegExp][] = [
    ["apps:\n  - name: x\n    category: nope\n", /^a\.yaml:3:15: unknown category "nope"/],
    ["apps:\n  - name: x\n    category: p2p\n    patterns:\n      - { bytes: \"|1|\" }\n", /^a\.yaml:5:\d+: bad hex byte/],
    ["apps:\n  - name: x\n    category: p2p\n    hostz: [a.com]\n", /^a\.yaml:4:5: unknown key "hostz"/],
    ["apps:\n  - name: x\n    category: p2p\n    hosts: [a.com]\n  - name: y\n    category: p2p\n    hosts: [a.com]\n", /^a\.yaml:7:13: host "a\.com" already belongs to x/],
    ["apps:\n  - name: x\n    category: p2p\n    patterns:\n      - { shape: nosuch }\n", /^a\.yaml:5:\d+: unknown shape "nosuch"/],
    ["apps:\n  - name: x\n    category: p2p\n    ip_ranges: [300.1.2.3/8]\n", /^a\.yaml:4:17: bad address range/],
    ["apps:\n  - name: x\n    category: p2p\n    hosts: [{ host: a.com, function: call }]\n", /^a\.yaml:4:\d+: function "call" is not in x's functions/],
  ];
  for (const [text, re] of bad) {
    try {
      compileAppSignatures(text, "a.yaml");
      assert.unreachable(`accepted: ${text}`);
    } catch (e) {
      assert.instance(e, AppSignatureError);
      assert.match((e as Error).message, re);
    }
  }
});

test("compiler: the shipped signatures compile and name at least 20 applications", () => {
  const t = compileAppSignatures(SHIPPED, "apps.yaml");
  assert.ok(t.names.length > 27);
  for (const n of ["bittorrent", "whatsapp", "teams", "wireguard", "openvpn", "smtps", "imaps", "pop3s"]) assert.ok(t.appByName(n) > 0, n);
});

test("hosts: suffixes match on label boundaries only; the longest wins", () => {
  const { appid, tables } = rig();
  const m = (h: string): string => {
    const b = new TextEncoder().encode(h);
    return appid.matchHost(b, 0, b.length) ? tables.names[tables.hostApp[(appid as unknown as { hostHit: number }).hostHit]] : "";
  };
  assert.is(m("whatsapp.net"), "whatsapp");
  assert.is(m("g.WhatsApp.NET"), "whatsapp");
  assert.is(m("notwhatsapp.net"), "");
  assert.is(m("whatsapp.net.evil.com"), "");
  assert.is(m("teams.microsoft.com"), "teams");
  assert.is(m("login.microsoft.com"), "microsoft");
  assert.is(m("upload.youtube.com:443"), "youtube");
  assert.is(m("www.youtube.com."), "youtube");
});

test("TLS SNI names the flow and the function (WhatsApp media = file-transfer)", () => {
  const r = rig();
  handshake(r.send, "10.0.0.1", "10.9.9.9", 40000, 443);
  r.send(tcpPacket({ src: "10.0.0.1", dst: "10.9.9.9", sport: 40000, dport: 443, seq: 101, ack: 501, payload: tlsClientHello("mmg.whatsapp.net") }));
  assert.is(r.appOf(), "whatsapp");
  assert.is(r.fnOf(), functionByName("file-transfer"));
  const r2 = rig();
  handshake(r2.send, "10.0.0.1", "10.9.9.9", 40001, 443);
  r2.send(tcpPacket({ src: "10.0.0.1", dst: "10.9.9.9", sport: 40001, dport: 443, seq: 101, ack: 501, payload: tlsClientHello("notwhatsapp.net") }));
  assert.is(r2.appOf(), "");
});

/** A Google QUIC (Q046-style) client packet: a long header, then a CHLO whose SNI tag holds `sni`. */
function gquicChlo(sni: string): Uint8Array {
  const name = new TextEncoder().encode(sni);
  const ver = new TextEncoder().encode("VER");
  const hdr = [0xc3, ...new TextEncoder().encode("Q046"), 0x50, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0xa0, 0x01, 0x00, 0x04, 0x00];
  const tags = [0x53, 0x4e, 0x49, 0, name.length, 0, 0, 0, 0x56, 0x45, 0x52, 0, name.length + 4, 0, 0, 0];
  const chlo = [0x43, 0x48, 0x4c, 0x4f, 2, 0, 0, 0, ...tags, ...name, ...ver, 0];
  return Uint8Array.from([...hdr, ...chlo, ...new Array(200).fill(0)]);
}

test("Google QUIC: the CHLO's SNI (read by the QUIC parser's CHLO reader) names the flow", () => {
  const r = rig();
  r.send(udpPacket({ src: "10.0.0.1", dst: "10.9.9.9", sport: 40000, dport: 443, payload: gquicChlo("www.youtube.com") }));
  assert.is(r.appOf(), "youtube");
  const r2 = rig();
  r2.send(udpPacket({ src: "10.0.0.1", dst: "10.9.9.9", sport: 40001, dport: 443, payload: gquicChlo("www.example.org") }));
  assert.is(r2.appOf(), "");
});

test("patterns: BitTorrent handshake, uTP SYN, WireGuard initiation; near misses stay unknown", () => {
  const r = rig();
  handshake(r.send, "10.0.0.1", "10.0.0.2", 40000, 6881);
  const bt = Uint8Array.from([19, ...new TextEncoder().encode("BitTorrent protocol"), ...new Array(48).fill(0)]);
  r.send(tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 6881, seq: 101, ack: 501, payload: bt }));
  assert.is(r.appOf(), "bittorrent");

  const utp = new Uint8Array(20);
  utp[0] = 0x41;
  utp[2] = 0x12;
  utp[16] = 0x33;
  r.send(udpPacket({ src: "10.0.0.1", dst: "10.0.0.3", sport: 5000, dport: 6000, payload: utp }));
  assert.is(r.appOf(), "bittorrent");
  const notUtp = utp.slice();
  notUtp[8] = 1; // a SYN carries no timestamp difference
  r.send(udpPacket({ src: "10.0.0.1", dst: "10.0.0.4", sport: 5000, dport: 6000, payload: notUtp }));
  assert.is(r.appOf(), "");

  const wg = new Uint8Array(148);
  wg[0] = 1;
  r.send(udpPacket({ src: "10.0.0.1", dst: "10.0.0.5", sport: 5001, dport: 51820, payload: wg }));
  assert.is(r.appOf(), "wireguard");
  r.send(udpPacket({ src: "10.0.0.1", dst: "10.0.0.6", sport: 5001, dport: 51820, payload: wg.subarray(0, 147) }));
  assert.is(r.appOf(), "");
});

test("DNS: the question names the DNS flow, the answer names later flows to that address", () => {
  const r = rig();
  r.send(udpPacket({ src: "10.0.0.1", dst: "10.0.0.53", sport: 3333, dport: 53, payload: dnsMessage("web.whatsapp.com", null) }));
  assert.is(r.appOf(), "whatsapp");
  r.send(udpPacket({ src: "10.0.0.53", dst: "10.0.0.1", sport: 53, dport: 3333, payload: dnsMessage("web.whatsapp.com", [203, 0, 113, 7]) }));
  handshake(r.send, "10.0.0.1", "203.0.113.7", 40000, 443);
  assert.is(r.appOf(), "whatsapp");
  assert.ok(r.appid.stats.dnsLearned >= 1);
  // an address nobody resolved stays unknown
  handshake(r.send, "10.0.0.1", "203.0.113.8", 40001, 443);
  assert.is(r.appOf(), "");
});

test("app control: a blocked application's flow is dropped once named; a blocked function only", () => {
  const r = rig();
  const bt = r.tables.appByName("bittorrent");
  r.appid.blocked.fill(1, bt * FUNCTION_COUNT, (bt + 1) * FUNCTION_COUNT); // the whole application
  handshake(r.send, "10.0.0.1", "10.0.0.2", 40000, 6881);
  const hs = Uint8Array.from([19, ...new TextEncoder().encode("BitTorrent protocol"), ...new Array(48).fill(0)]);
  assert.is(r.send(tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 6881, seq: 101, ack: 501, payload: hs })), VERDICT_DROP);
  assert.is(r.send(tcpPacket({ src: "10.0.0.2", dst: "10.0.0.1", sport: 6881, dport: 40000, seq: 501, ack: 169, flags: "A" })), VERDICT_DROP);
  assert.is(r.engine.stats.appDropped, 2);

  const wa = r.tables.appByName("whatsapp");
  r.appid.blocked[wa * FUNCTION_COUNT + functionByName("file-transfer")] = 1;
  handshake(r.send, "10.0.0.1", "10.9.9.9", 40002, 443);
  assert.is(r.send(tcpPacket({ src: "10.0.0.1", dst: "10.9.9.9", sport: 40002, dport: 443, seq: 101, ack: 501, payload: tlsClientHello("g.whatsapp.net") })), VERDICT_PASS);
  handshake(r.send, "10.0.0.1", "10.9.9.9", 40003, 443);
  assert.is(r.send(tcpPacket({ src: "10.0.0.1", dst: "10.9.9.9", sport: 40003, dport: 443, seq: 101, ack: 501, payload: tlsClientHello("mmg.whatsapp.net") })), VERDICT_DROP);
});

test("no allocation per packet: no young-generation GC over 200k identified packets", async () => {
  const { PerformanceObserver } = await import("node:perf_hooks");
  const r = rig();
  const pkts = [
    udpPacket({ src: "10.0.0.1", dst: "10.0.0.53", sport: 3333, dport: 53, payload: dnsMessage("web.whatsapp.com", null) }),
    udpPacket({ src: "10.0.0.53", dst: "10.0.0.1", sport: 53, dport: 3333, payload: dnsMessage("web.whatsapp.com", [203, 0, 113, 7]) }),
    udpPacket({ src: "10.0.0.1", dst: "10.0.0.5", sport: 5001, dport: 51820, payload: Uint8Array.from([1, ...new Array(147).fill(0)]) }),
  ];
  const meta = new PacketMeta();
  meta.linkType = LINK_RAW;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      meta.tsUs = 2_000_000 + i;
      const p = pkts[i % 3];
      r.engine.process(p, 0, p.length, meta);
      if (r.engine.ring.size > 0) r.engine.ring.clear();
    }
  };
  run(20_000); // warm-up: JIT compilation and feedback allocate; the measured window must not
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) gcs++;
  });
  obs.observe({ entryTypes: ["gc"] });
  run(200_000);
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the observer deliver
  obs.disconnect();
  assert.is(gcs, 0, "young-generation GCs while identifying");
});

test.run();
