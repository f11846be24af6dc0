// Application identification from the host names the app-layer parsers read (engine/appid/hosts.ts):
// an IETF QUIC v1 Initial (SNI encrypted with the Initial keys; RFC 9001 §5) and a TLS ClientHello
// cut into three TCP segments (RFC 8446 §5.1 lets a handshake message span records and segments), run
// through Engine + Ips (IpsRig, wired as `tsugi inspect` wires it) + AppIdentifier; the payload path
// without the IPS stage; and no allocation per packet. The QUIC Initial is protected here with
// node:crypto (the same test-only protector as engine/applayer/quic/quic.test.ts), independent of the
// code under test.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { ether, tcpPacket, udpPacket } from "../../datapath/craft.ts";
import { QUIC_V1 } from "../applayer/quic/initial.ts";
import { cryptoFrame, protectInitial } from "../applayer/quic/testing.ts";
import { ALPROTO_QUIC, ALPROTO_TLS } from "../applayer/proto.ts";
import { defaultEngineConfig } from "../config.ts";
import { Engine } from "../engine.ts";
import { CLIENT_IP, IpsRig, SERVER_IP, TcpConversation } from "../ips.testing.ts";
import { LINK_RAW, PacketMeta } from "../packet.ts";
import { compileAppSignatures } from "./compile.ts";
import { AppIdentifier } from "./identifier.ts";

const SHIPPED = readFileSync(new URL("../../rules/packs/apps/apps.yaml", import.meta.url), "utf8");

function rig() {
  const r = new IpsRig("");
  const tables = compileAppSignatures(SHIPPED, "apps.yaml");
  const appid = new AppIdentifier(tables, r.engine.flows);
  r.engine.setAppIdentifier(appid);
  const appOf = (): string => {
    const f = r.engine.flows.lookup(r.engine.packet);
    return f < 0 ? "" : appid.appName(r.engine.flows.application[f]);
  };
  const protoOf = (): number => {
    const f = r.engine.flows.lookup(r.engine.packet);
    return f < 0 ? -1 : r.engine.flows.appProto[f];
  };
  return { r, appid, appOf, protoOf };
}

/** A TLS 1.3 ClientHello handshake message (no record header) with SNI `sni`, for QUIC or TLS. */
function clientHello(sni: string, quic: boolean): Uint8Array {
  const name = new TextEncoder().encode(sni);
  const exts: number[] = [0, 0, 0, name.length + 5, 0, name.length + 3, 0, name.length >> 8, name.length & 255, ...name];
  exts.push(0, 0x2b, 0, 3, 2, 3, 4); // supported_versions: TLS 1.3
  exts.push(0, 0x10, 0, 5, 0, 3, 2, 0x68, 0x33); // ALPN h3
  if (quic) exts.push(0, 0x39, 0, 3, 0x01, 0x01, 0x00); // quic_transport_parameters (max_idle_timeout 0)
  const body = [3, 3, ...new Array(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0, exts.length >> 8, exts.length & 255, ...exts];
  return Uint8Array.from([1, 0, body.length >> 8, body.length & 255, ...body]);
}

/** A TLS record (handshake) carrying `hs`. */
function record(hs: Uint8Array): Uint8Array {
  return Uint8Array.from([0x16, 3, 1, hs.length >> 8, hs.length & 255, ...hs]);
}

const DCID = Uint8Array.from([0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]);

function quicInitial(sni: string, sport: number, dcid = DCID): Uint8Array {
  const frames = cryptoFrame(0, clientHello(sni, true));
  return udpPacket({ src: CLIENT_IP, dst: SERVER_IP, sport, dport: 443, payload: protectInitial(QUIC_V1, dcid, 0, frames) });
}

test("IETF QUIC v1 Initial with SNI www.youtube.com → youtube (the SNI the QUIC parser decrypted)", () => {
  const { r, appOf, protoOf } = rig();
  r.sendIp(quicInitial("www.youtube.com", 41000));
  assert.is(protoOf(), ALPROTO_QUIC);
  assert.is(appOf(), "youtube");
  // the same Initial for a host no application claims stays unnamed
  r.sendIp(quicInitial("www.example.org", 41001));
  assert.is(protoOf(), ALPROTO_QUIC);
  assert.is(appOf(), "");
});

test("IETF QUIC: the ClientHello in two Initials (CRYPTO frames in reverse order) still names the flow", () => {
  const { r, appOf } = rig();
  const hello = clientHello("rr3---sn-abc.googlevideo.com", true);
  const cut = 40;
  const second = protectInitial(QUIC_V1, DCID, 1, cryptoFrame(cut, hello.subarray(cut)));
  const first = protectInitial(QUIC_V1, DCID, 0, cryptoFrame(0, hello.subarray(0, cut)));
  r.sendIp(udpPacket({ src: CLIENT_IP, dst: SERVER_IP, sport: 41002, dport: 443, payload: second }));
  assert.is(appOf(), "");
  r.sendIp(udpPacket({ src: CLIENT_IP, dst: SERVER_IP, sport: 41002, dport: 443, payload: first }));
  assert.is(appOf(), "youtube");
});

test("TLS ClientHello cut into 3 TCP segments with SNI web.whatsapp.com → whatsapp (reassembled by the app layer)", () => {
  const { r, appOf, protoOf } = rig();
  const c = new TcpConversation(r, { dport: 443 });
  c.handshake();
  const ch = record(clientHello("web.whatsapp.com", false));
  // the first segment ends before the SNI extension, the second inside the name
  const sniAt = ch.indexOf(0x77); // 'w' of "web.whatsapp.com"
  c.sendClientPieces(0, ch, [20, sniAt + 5]);
  c.sendServer(0, new Uint8Array(0)); // the server's ACK of all three
  assert.is(protoOf(), ALPROTO_TLS);
  assert.is(appOf(), "whatsapp");
});

test("without the IPS stage: the payload path names a whole ClientHello, a QUIC Initial stays unnamed; wiring follows setIps", () => {
  const tables = compileAppSignatures(SHIPPED, "apps.yaml");
  const engine = new Engine(defaultEngineConfig());
  const appid = new AppIdentifier(tables, engine.flows);
  engine.setAppIdentifier(appid);
  assert.is(appid.hostSource, null);
  const meta = new PacketMeta();
  meta.linkType = LINK_RAW;
  meta.tsUs = 1_000_000;
  const send = (p: Uint8Array): void => {
    meta.tsUs += 1000;
    engine.process(p, 0, p.length, meta);
  };
  const appOf = (): string => {
    const f = engine.flows.lookup(engine.packet);
    return f < 0 ? "" : appid.appName(engine.flows.application[f]);
  };
  send(quicInitial("www.youtube.com", 41003));
  assert.is(appOf(), ""); // encrypted: only the QUIC parser can read it
  const hs = (flags: string, seq: number, ack: number, src = CLIENT_IP, dst = SERVER_IP, sport = 41004, dport = 443) =>
    tcpPacket({ src, dst, sport, dport, flags, seq, ack });
  send(hs("S", 100, 0));
  send(hs("SA", 500, 101, SERVER_IP, CLIENT_IP, 443, 41004));
  send(hs("A", 101, 501));
  const ch = record(clientHello("web.whatsapp.com", false));
  send(tcpPacket({ src: CLIENT_IP, dst: SERVER_IP, sport: 41004, dport: 443, flags: "PA", seq: 101, ack: 501, payload: ch }));
  assert.is(appOf(), "whatsapp");

  // the identifier reads the app layer's host names whichever of the two is installed first
  const r = new IpsRig("");
  const a2 = new AppIdentifier(tables, r.engine.flows);
  r.engine.setIps(null);
  r.engine.setAppIdentifier(a2);
  assert.is(a2.hostSource, null);
  r.engine.setIps(r.ips);
  assert.is(a2.hostSource, r.ips.app);
  r.engine.setIps(null);
  assert.is(a2.hostSource, null);
});

test("no allocation per packet (QUIC and split TLS flows through Engine + Ips + AppIdentifier)", () => {
  const { r, appid } = rig();
  const meta = r.meta;
  const named = quicInitial("www.youtube.com", 42000);
  // a QUIC flow whose hello never completes: the identifier asks the app layer on every packet
  const partial = udpPacket({
    src: CLIENT_IP,
    dst: SERVER_IP,
    sport: 42001,
    dport: 443,
    payload: protectInitial(QUIC_V1, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, cryptoFrame(100, clientHello("www.youtube.com", true).subarray(100))),
  });
  const c = new TcpConversation(r, { dport: 443, sport: 42002 });
  c.handshake();
  const ch = record(clientHello("web.whatsapp.com", false));
  c.sendClientPieces(0, ch, [20, 60]);
  const ack = c.serverIp(0, new Uint8Array(0), "A");
  const pkts = [ether(named), ether(partial), ether(ack)];
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const p = pkts[i % 3];
      meta.tsUs += 10;
      r.engine.process(p, 0, p.length, meta);
      if (r.engine.ring.size > 0) r.engine.ring.clear();
    }
  };
  run(3);
  const f = r.engine.flows.lookup(r.engine.packet);
  assert.is(appid.appName(r.engine.flows.application[f]), "whatsapp");
  const app = r.ips.app;
  const lookups = (n: number): number => {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const len = app.flowHost(f);
      if (len > 0 && appid.matchHost(app.hostData, app.hostStart, app.hostStart + len)) hits++;
    }
    return hits;
  };
  run(30_000); // warm up (JIT) both loops before measuring
  lookups(30_000);
  // the least growth of three rounds (another test file's leftovers can land in one of them)
  const g = globalThis as { gc?: () => void };
  let grown = Infinity;
  let hits = 0;
  for (let round = 0; round < 3; round++) {
    if (g.gc) g.gc();
    const before = process.memoryUsage().heapUsed;
    run(100_000);
    hits = lookups(200_000);
    if (g.gc) g.gc();
    const d = process.memoryUsage().heapUsed - before;
    if (d < grown) grown = d;
  }
  assert.is(hits, 200_000);
  assert.ok(grown < 4 * 1024 * 1024, `heap grew ${grown} bytes`);
});

test.run();
