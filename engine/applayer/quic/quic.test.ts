import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ether, udpPacket } from "../../../datapath/craft.ts";
import { inspect, parseInspectArgs } from "../../../datapath/inspect.ts";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { pcapBytes } from "../../../datapath/pcap/writer.ts";
import {
  BUF_COUNT,
  BUF_JA3_HASH,
  BUF_JA4_HASH,
  BUF_QUIC_CYU_HASH,
  BUF_QUIC_CYU_STRING,
  BUF_QUIC_SNI,
  BUF_QUIC_UA,
  BUF_QUIC_VERSION,
  bufferByName,
  InspectBuffers,
} from "../../detect/buffers.ts";
import type { AppSink } from "../parser.ts";
import { ALPROTO_QUIC, ALPROTO_UNKNOWN, alprotoByName, alprotoName } from "../proto.ts";
import { defaultProbes } from "../registry.ts";
import { bufferStrings } from "../stream-fixture.ts";
import { readFlows } from "../tls/testing.ts";
import { Aes128, Aes128Gcm } from "./aes.ts";
import { ChloReader } from "./gquic.ts";
import { Hkdf } from "./hkdf.ts";
import { InitialOpener, OPEN_BAD_TAG, OPEN_OK, QUIC_V1, QUIC_V2 } from "./initial.ts";
import { cryptoFrame, protectInitial } from "./testing.ts";
import { A_QUIC_ERROR_ON_HEADER, A_QUIC_FAILED_DECRYPT, defaultQuicConfig, probeQuic, QuicParser } from "./quic.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const latin1 = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));

const RFC9001 = hex(readFileSync(new URL("./testdata/rfc9001-client-initial.hex", import.meta.url), "utf8"));
const RFC9369 = hex(readFileSync(new URL("./testdata/rfc9369-client-initial.hex", import.meta.url), "utf8"));
const DCID = hex("8394c8f03e515708");

class Sink implements AppSink {
  readonly buffers = new InspectBuffers();
  readonly txs: Map<number, string[]>[] = [];
  readonly events: number[] = [];
  tx(): void {
    this.txs.push(bufferStrings(this.buffers, BUF_COUNT));
  }
  event(code: number): void {
    this.events.push(code);
  }
  last(id: number): string[] {
    return this.txs.length === 0 ? [] : this.txs[this.txs.length - 1].get(id) ?? [];
  }
}

function feed(q: QuicParser, datagrams: Uint8Array[], sink = new Sink()): { slot: number; sink: Sink } {
  const slot = q.open();
  for (const d of datagrams) q.parse(slot, 0, d, 0, d.length, sink);
  return { slot, sink };
}

/** The RFC 9001 A.2 ClientHello (the CRYPTO frame's data), from its published plaintext. */
const HELLO = hex(
  "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578" +
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005" +
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba" +
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400" +
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100" +
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000" +
    "75300901100f088394c8f03e51570806048000ffff",
);

// -- primitives

test("AES-128: FIPS-197 C.1; GCM: SP 800-38D test cases 2 and 4, a wrong tag is refused", () => {
  const a = new Aes128();
  a.setKey(hex("000102030405060708090a0b0c0d0e0f"), 0);
  const o = new Uint8Array(16);
  a.encryptBlock(hex("00112233445566778899aabbccddeeff"), 0, o, 0);
  assert.is(toHex(o), "69c4e0d86a7b0430d8cdb78070b4c55a");
  const g = new Aes128Gcm();
  g.setKey(new Uint8Array(16), 0);
  const out = new Uint8Array(16);
  assert.ok(g.open(new Uint8Array(12), 0, new Uint8Array(0), 0, 0, hex("0388dace60b6a392f328c2b971b2fe78"), 0, 16, hex("ab6e47d42cec13bdf53a67b21257bddf"), 0, out, 0));
  assert.is(toHex(out), "00000000000000000000000000000000");
  g.setKey(hex("feffe9928665731c6d6a8f9467308308"), 0);
  const ct = hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091");
  const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const o2 = new Uint8Array(60);
  assert.ok(g.open(hex("cafebabefacedbaddecaf888"), 0, aad, 0, 20, ct, 0, 60, hex("5bc94fbc3221a5db94fae95ae7121a47"), 0, o2, 0));
  assert.is(toHex(o2), "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  assert.not.ok(g.open(hex("cafebabefacedbaddecaf888"), 0, aad, 0, 20, ct, 0, 60, hex("5bc94fbc3221a5db94fae95ae7121a46"), 0, o2, 0));
});

test("HMAC-SHA-256: RFC 4231 case 2; HKDF: RFC 5869 case 1 extract", () => {
  const h = new Hkdf();
  const out = new Uint8Array(32);
  const key = new TextEncoder().encode("Jefe");
  const msg = new TextEncoder().encode("what do ya want for nothing?");
  h.hmac(key, 0, key.length, msg, 0, msg.length, out, 0);
  assert.is(toHex(out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  h.extract(hex("000102030405060708090a0b0c"), 0, 13, hex("0b".repeat(22)), 0, 22, out, 0);
  assert.is(toHex(out), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
});

// -- RFC 9001 / RFC 9369 Appendix A

test("RFC 9001 A.1: client Initial secret, key, iv and hp from the DCID", () => {
  const o = new InitialOpener(2048);
  assert.ok(o.deriveFor(QUIC_V1, DCID));
  const k = o.keys();
  assert.is(toHex(k.secret), "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  assert.is(toHex(k.key), "1f369613dd76d5467730efcbe3b1a22d");
  assert.is(toHex(k.iv), "fa044b2f42a3fd3b46fb255c");
  assert.is(toHex(k.hp), "9f50449e04a0e810283a1e9933adedd2");
});

test("RFC 9369 A.1: QUIC v2 client Initial keys (v2 salt and quicv2 labels)", () => {
  const o = new InitialOpener(2048);
  assert.ok(o.deriveFor(QUIC_V2, DCID));
  const k = o.keys();
  assert.is(toHex(k.secret), "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
  assert.is(toHex(k.key), "8b1a0bc121284290a29e0971b5cd045d");
  assert.is(toHex(k.iv), "91f73e2351d8fa91660e909f");
  assert.is(toHex(k.hp), "45b95e15235d6f45a6b19cbcb0294ba9");
});

test("RFC 9001 A.2 / RFC 9369 A.2: header protection removed, payload decrypted, tag verified", () => {
  for (const [pkt, hdr] of [[RFC9001, "c300000001088394c8f03e5157080000449e00000002"], [RFC9369, "d36b3343cf088394c8f03e5157080000449e00000002"]] as const) {
    const o = new InitialOpener(2048);
    assert.is(o.open(pkt, 0, pkt.length), 1200);
    assert.is(o.status, OPEN_OK);
    assert.is(o.packetNumber, 2);
    assert.is(toHex(o.plain.subarray(0, o.payloadOff)), hdr);
    assert.is(o.payloadLen, 1162);
    assert.is(toHex(o.plain.subarray(o.payloadOff + 4, o.payloadOff + 4 + HELLO.length)), toHex(HELLO));
  }
});

test("parser: the RFC 9001 client Initial gives SNI example.com, ALPN, version, JA3 and a q-prefixed JA4", () => {
  const q = new QuicParser();
  const { slot, sink } = feed(q, [RFC9001]);
  assert.is(latin1(q.data, q.sniStart(slot), q.sniLength(slot)), "example.com");
  assert.is(q.alpnCount(slot), 1);
  assert.is(latin1(q.data, q.alpnStart(slot, 0), q.alpnLength(slot, 0)), "alpn");
  assert.is(q.quicVersion(slot), 1);
  assert.ok(q.helloSeen(slot));
  assert.equal(sink.last(BUF_QUIC_SNI), ["example.com"]);
  assert.equal(sink.last(BUF_QUIC_VERSION), ["\x00\x00\x00\x01"]);
  assert.is(sink.last(BUF_JA3_HASH)[0].length, 32);
  const ja4 = sink.last(BUF_JA4_HASH)[0];
  assert.is(ja4, latin1(q.data, q.ja4Start(slot), q.ja4Length(slot)));
  assert.match(ja4, /^q13d0211an_[0-9a-f]{12}_[0-9a-f]{12}$/);
  assert.equal(sink.events, []);
});

test("parser: the RFC 9369 (QUIC v2) client Initial gives SNI example.com", () => {
  const q = new QuicParser();
  const { slot, sink } = feed(q, [RFC9369]);
  assert.is(latin1(q.data, q.sniStart(slot), q.sniLength(slot)), "example.com");
  assert.is(q.quicVersion(slot), QUIC_V2);
  assert.equal(sink.last(BUF_QUIC_VERSION), ["\x6b\x33\x43\xcf"]);
});

test("parser: a ClientHello split over two Initial packets, sent out of order, v1 and v2", () => {
  for (const v of [QUIC_V1, QUIC_V2]) {
    const a = protectInitial(v, DCID, 0, cryptoFrame(0, HELLO.subarray(0, 100)));
    const b = protectInitial(v, DCID, 1, cryptoFrame(100, HELLO.subarray(100)));
    const q = new QuicParser();
    const slot = q.open();
    const sink = new Sink();
    q.parse(slot, 0, b, 0, b.length, sink);
    assert.is(q.sniLength(slot), 0, "nothing before the hello is whole");
    assert.equal(sink.last(BUF_QUIC_SNI), []);
    q.parse(slot, 0, a, 0, a.length, sink);
    assert.is(latin1(q.data, q.sniStart(slot), q.sniLength(slot)), "example.com");
    assert.equal(sink.last(BUF_QUIC_SNI), ["example.com"]);
    assert.is(q.decryptFailed, 0);
  }
});

test("parser: an Initial coalesced behind another long-header packet in one datagram is read", () => {
  // a 0-RTT packet (type 1, v1) with a Length field, then the client Initial
  const zeroRtt = hex("d000000001088394c8f03e51570800" + "4005" + "0000000000");
  const dg = new Uint8Array(zeroRtt.length + RFC9001.length);
  dg.set(zeroRtt);
  dg.set(RFC9001, zeroRtt.length);
  const q = new QuicParser();
  const { slot } = feed(q, [dg]);
  assert.is(latin1(q.data, q.sniStart(slot), q.sniLength(slot)), "example.com");
});

// -- bad input

test("corrupted packets: a wrong tag, a truncated packet, bad lengths raise no exception and parse nothing", () => {
  const cases: Array<[string, Uint8Array, number]> = [];
  const wrongTag = RFC9001.slice();
  wrongTag[wrongTag.length - 1] ^= 1;
  cases.push(["wrong tag", wrongTag, A_QUIC_FAILED_DECRYPT]);
  const body = RFC9001.slice();
  body[600] ^= 0x80;
  cases.push(["flipped ciphertext", body, A_QUIC_FAILED_DECRYPT]);
  cases.push(["truncated", RFC9001.slice(0, 700), A_QUIC_ERROR_ON_HEADER]);
  const dcil = RFC9001.slice();
  dcil[5] = 21;
  cases.push(["DCID length 21", dcil, A_QUIC_ERROR_ON_HEADER]);
  const len = RFC9001.slice();
  len[16] = 0x7f, len[17] = 0xff; // Length 0x3fff: beyond the datagram
  cases.push(["Length past the datagram", len, A_QUIC_ERROR_ON_HEADER]);
  const dcid = RFC9001.slice();
  dcid[6] ^= 1; // other keys: the tag fails
  cases.push(["other DCID", dcid, A_QUIC_FAILED_DECRYPT]);
  for (const [name, pkt, event] of cases) {
    const q = new QuicParser();
    const { slot, sink } = feed(q, [pkt]);
    assert.is(q.sniLength(slot), 0, name);
    assert.not.ok(q.helloSeen(slot), name);
    assert.ok(sink.events.includes(event), name);
    assert.equal(sink.last(BUF_QUIC_SNI), [], name);
  }
  const o = new InitialOpener(2048);
  o.open(wrongTag, 0, wrongTag.length);
  assert.is(o.status, OPEN_BAD_TAG);
});

test("fuzz: mutated and cut Initials never throw and never yield an SNI other than the real one", () => {
  const q = new QuicParser({ ...defaultQuicConfig(), maxFlows: 2 });
  const sink = new Sink();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(RFC9001.length - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
      fc.nat(RFC9001.length),
      (flips, cut) => {
        const pkt = RFC9001.slice(0, Math.max(1, cut));
        for (const [i, x] of flips) if (i < pkt.length) pkt[i] ^= x;
        const slot = q.open();
        q.parse(slot, 0, pkt, 0, pkt.length, sink);
        probeQuic(0, pkt, 0, pkt.length);
        const n = q.sniLength(slot);
        const sni = latin1(q.data, q.sniStart(slot), n);
        q.close(slot);
        return n === 0 || sni === "example.com";
      },
    ),
    { numRuns: 300 },
  );
});

// -- probe and registration

test("probe: QUIC v1/v2 client Initials and gQUIC headers yes; DNS, short headers, unknown versions no", () => {
  assert.is(probeQuic(0, RFC9001, 0, RFC9001.length), ALPROTO_QUIC);
  assert.is(probeQuic(0, RFC9369, 0, RFC9369.length), ALPROTO_QUIC);
  const unknown = RFC9001.slice();
  unknown[4] = 7; // version 0x00000007
  assert.is(probeQuic(0, unknown, 0, unknown.length), ALPROTO_UNKNOWN);
  const noFixed = RFC9001.slice();
  noFixed[0] &= ~0x40;
  assert.is(probeQuic(0, noFixed, 0, noFixed.length), ALPROTO_UNKNOWN);
  const handshake = RFC9001.slice();
  handshake[0] |= 0x20; // type 2 (Handshake) from the client: not a first packet
  assert.is(probeQuic(0, handshake, 0, handshake.length), ALPROTO_UNKNOWN);
  const gquic = hex("0d 1122334455667788 51303335 01 00000000");
  assert.is(probeQuic(0, gquic, 0, gquic.length), ALPROTO_QUIC);
  const dns = hex("123401000001000000000000076578616d706c6503636f6d0000010001");
  assert.is(probeQuic(0, dns, 0, dns.length), ALPROTO_UNKNOWN);
  assert.is(probeQuic(0, hex("4001020304050607080910111213"), 0, 14), ALPROTO_UNKNOWN);
  const e = defaultProbes().find((x) => x.proto === ALPROTO_QUIC);
  assert.ok(e !== undefined && e.udp && !e.tcp && e.ports.includes(443));
  assert.is(alprotoName(ALPROTO_QUIC), "quic");
  assert.is(alprotoByName("quic"), ALPROTO_QUIC);
  assert.is(bufferByName("quic.sni"), BUF_QUIC_SNI);
  assert.is(bufferByName("quic.version"), BUF_QUIC_VERSION);
  assert.is(bufferByName("quic.ua"), BUF_QUIC_UA);
});

test("gQUIC CHLO: tags read, a truncated value left out, a broken tag table refused", () => {
  // CHLO with 2 tags: SNI "a.example" (9 bytes), UAID "UA/1" (4 bytes)
  const chlo = hex("43484c4f 0200 0000 534e4900 09000000 55414944 0d000000") ;
  const values = new TextEncoder().encode("a.exampleUA/1");
  const msg = new Uint8Array(chlo.length + values.length);
  msg.set(chlo);
  msg.set(values, chlo.length);
  const r = new ChloReader();
  assert.ok(r.read(msg, 0, msg.length));
  assert.is(latin1(msg, r.sniOff, r.sniLen), "a.example");
  assert.is(latin1(msg, r.uaOff, r.uaLen), "UA/1");
  assert.ok(r.read(msg, 0, msg.length - 2));
  assert.ok(r.truncated);
  assert.is(r.uaLen, 0);
  assert.is(latin1(msg, r.sniOff, r.sniLen), "a.example");
  const bad = msg.slice();
  bad[12] = 0xff; // first end offset beyond the second: offsets go back
  assert.not.ok(r.read(bad, 0, bad.length));
});

// -- real captures (gQUIC Q025–Q046), against tshark

interface Ref {
  pcaps: Record<string, Array<{ client: number; sni: string; ua: string }>>;
}

test("captures: gQUIC SNI and user agent per flow equal tshark's (nDPI quic, youtube, telegram, wechat, ipv6)", () => {
  const dir = corpusDir();
  if (dir === null) {
    console.log("  (corpus not found: capture comparison skipped)");
    return;
  }
  const ref = JSON.parse(readFileSync(new URL("./testdata/ndpi-reference.json", import.meta.url), "utf8")) as Ref;
  let compared = 0;
  for (const [file, hellos] of Object.entries(ref.pcaps)) {
    const q = new QuicParser();
    const got = new Map<number, { sni: string; ua: string; cyu: string }>();
    for (const f of readFlows(join(dir, "ndpi", file))) {
      if (f.proto !== "udp" || f.datagrams.length === 0) continue;
      const first = f.datagrams.find((d) => d.dir === 0);
      if (first === undefined || probeQuic(0, first.data, 0, first.data.length) !== ALPROTO_QUIC) continue;
      const sink = new Sink();
      const slot = q.open();
      for (const d of f.datagrams) q.parse(slot, d.dir, d.data, 0, d.data.length, sink);
      const ua = latin1(q.userAgentData, q.userAgentStart(slot), q.userAgentLength(slot));
      const cyu = sink.txs.flatMap((t) => t.get(BUF_QUIC_CYU_STRING) ?? [])[0] ?? "";
      got.set(f.clientPort, { sni: latin1(q.data, q.sniStart(slot), q.sniLength(slot)), ua, cyu });
      if (q.sniLength(slot) > 0) assert.is(sink.last(BUF_QUIC_CYU_HASH)[0].length, 32);
      q.close(slot);
    }
    for (const h of hellos) {
      const g = got.get(h.client);
      assert.ok(g !== undefined, `${file}: flow from port ${h.client} not identified as QUIC`);
      assert.is(g.sni, h.sni, `${file} port ${h.client}`);
      assert.is(g.ua, h.ua, `${file} port ${h.client}`);
      assert.match(g.cyu, /^\d\d,[A-Z]/);
      compared++;
    }
  }
  assert.ok(compared >= 15, `compared ${compared}`);
});

test("rules: alert quic with quic.sni / quic.version / ja4.hash alerts on the RFC 9001 Initial, app_proto quic", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-quic-"));
  const frames = [
    ether(udpPacket({ src: "198.18.0.10", dst: "198.18.0.80", sport: 50000, dport: 443, payload: RFC9001 })),
    ether(udpPacket({ src: "198.18.0.10", dst: "198.18.0.80", sport: 50001, dport: 443, payload: RFC9369 })),
  ];
  const cap = join(dir, "quic.pcap");
  writeFileSync(cap, pcapBytes(1, frames.map((data, i) => ({ data, tsUs: 1_700_000_000_000_000 + i * 1000 }))));
  const rules = join(dir, "quic.rules");
  writeFileSync(
    rules,
    [
      'alert quic any any -> any any (msg:"sni"; quic.sni; content:"example.com"; endswith; sid:1;)',
      'alert quic any any -> any any (msg:"v2"; quic.version; content:"|6b 33 43 cf|"; sid:2;)',
      'alert quic any any -> any any (msg:"ja4"; ja4.hash; content:"q13d0211an_"; startswith; sid:3;)',
      'alert quic any any -> any any (msg:"other sni"; quic.sni; content:"example.org"; sid:4;)',
    ].join("\n") + "\n",
  );
  inspect(parseInspectArgs(["-r", cap, "-l", dir, "-S", rules, "--eve-flows"]));
  const recs = readFileSync(join(dir, "eve.json"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const sids = recs.filter((r) => r.event_type === "alert").map((r) => (r.alert as { signature_id: number }).signature_id).sort();
  assert.equal(sids, [1, 1, 2, 3, 3]);
  assert.ok(recs.filter((r) => r.event_type === "flow").every((r) => r.app_proto === "quic"));
});

test("zero allocation: 20,000 client Initials (keys derived again for each, split hellos) parse without a young-generation GC", async () => {
  const { PerformanceObserver } = await import("node:perf_hooks");
  const q = new QuicParser({ ...defaultQuicConfig(), maxFlows: 4 });
  const sink = new Sink();
  sink.tx = () => {};
  const a = protectInitial(QUIC_V1, hex("0102030405060708"), 0, cryptoFrame(0, HELLO.subarray(0, 120)));
  const b = protectInitial(QUIC_V1, hex("0102030405060708"), 1, cryptoFrame(120, HELLO.subarray(120)));
  const pkts = [RFC9001, RFC9369, a, b];
  for (let i = 0; i < 200; i++) q.close(feed(q, pkts, sink).slot);
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) gcs++;
  });
  obs.observe({ entryTypes: ["gc"] });
  for (let i = 0; i < 5000; i++) {
    const slot = q.open();
    for (const p of pkts) q.parse(slot, 0, p, 0, p.length, sink);
    q.close(slot);
  }
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  assert.is(q.sniLength(0) > 0 || q.sniLength(1) > 0, true);
  assert.is(gcs, 0, "young-generation GCs while parsing");
});

test.run();
