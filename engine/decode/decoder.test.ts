import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  arpPacket,
  ether,
  gre,
  icmpPacket,
  ipPacket,
  sll,
  tcpPacket,
  udpPacket,
  vxlan,
} from "../../datapath/craft.ts";
import { defaultEngineConfig } from "../config.ts";
import {
  LINK_ETHERNET,
  LINK_LOOP,
  LINK_NULL,
  LINK_RAW,
  LINK_SLL,
  LINK_SLL2,
  MAX_PACKET_ANOMALIES,
  Packet,
} from "../packet.ts";
import { Decoder } from "./decoder.ts";

const LINKS = [LINK_ETHERNET, LINK_RAW, LINK_SLL, LINK_SLL2, LINK_NULL, LINK_LOOP, 104, 228, 229, 12, 14, 9999];

/** Valid frames of every kind the decoder knows, to be mutated. */
const SEEDS: [Uint8Array, number][] = [
  [ether(tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, opts: { mss: 1460, wscale: 2, sackPerm: true, ts: [1, 2] }, payload: "GET / HTTP/1.1\r\n" }), { vlans: [5, 6] }), LINK_ETHERNET],
  [ether(udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 53, dport: 53, ext: [{ type: 0, data: new Uint8Array([1, 4, 0, 0, 0, 0]) }, { type: 44, data: new Uint8Array([0, 1, 0, 0, 0, 1]) }] })), LINK_ETHERNET],
  [icmpPacket({ src: "10.0.0.1", dst: "10.0.0.2", type: 3, code: 1, payload: udpPacket({ src: "10.0.0.2", dst: "10.0.0.1", sport: 5, dport: 6 }) }), LINK_RAW],
  [icmpPacket({ src: "fe80::1", dst: "ff02::1", type: 135, ttl: 255, payload: new Uint8Array(20) }), LINK_RAW],
  [tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, ipOptions: new Uint8Array([7, 7, 4, 0, 0, 0, 0, 1, 68, 8, 5, 0, 0, 0, 0, 0]) }), LINK_RAW],
  [ipPacket("1.1.1.1", "2.2.2.2", 47, gre(ether(tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2 })), 0x6558, { key: 1, seq: 2, checksum: true })), LINK_RAW],
  [ether(udpPacket({ src: "1.1.1.1", dst: "2.2.2.2", sport: 9, dport: 4789, payload: vxlan(ether(udpPacket({ src: "::1", dst: "::2", sport: 1, dport: 2 })), 7) })), LINK_ETHERNET],
  [udpPacket({ src: "1.1.1.1", dst: "2.2.2.2", sport: 3544, dport: 9, payload: tcpPacket({ src: "2001::1", dst: "2001::2", sport: 1, dport: 2 }) }), LINK_RAW],
  [ipPacket("2001::1", "2001::2", 4, ipPacket("1.1.1.1", "2.2.2.2", 41, tcpPacket({ src: "::1", dst: "::2", sport: 1, dport: 2 }))), LINK_RAW],
  [arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "1.1.1.1", targetIp: "1.1.1.2" }), LINK_ETHERNET],
  [sll(udpPacket({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 2 }), 0x0800), LINK_SLL],
];

const FIELDS = [
  "ipVersion", "ipHdrLen", "ipLen", "ttl", "proto", "ipId", "fragOffset", "isFragment", "l4Len", "srcPort", "dstPort",
  "tcpFlags", "tcpSeq", "tcpMss", "tcpWscale", "tcpSackBlocks", "icmpType", "icmpCode", "icmpHasInner", "payloadLen",
  "tunnelType", "tunnelDepth", "etherType", "vlanCount", "arpOp", "anomalyCount", "decodeOk", "ipCsum", "l4Csum",
] as const;
const OFFSETS = ["l3Off", "l4Off", "payloadOff"] as const;

const decoder = new Decoder(defaultEngineConfig().decode);
decoder.validateChecksums = true;

/** Decodes `bytes` placed at offset `pad` inside a larger buffer full of 0xff and checks the invariants. */
function check(bytes: Uint8Array, linkType: number, pad: number): void {
  const buf = new Uint8Array(pad + bytes.length + 64).fill(0xff);
  buf.set(bytes, pad);
  const p = new Packet();
  p.reset(buf, pad, bytes.length);
  p.linkType = linkType;
  decoder.decode(p);
  const end = pad + bytes.length;
  assert.ok(p.anomalyCount <= MAX_PACKET_ANOMALIES);
  assert.ok(p.decodeOk === 0 || p.decodeOk === 1);
  if (p.ipVersion !== 0) {
    assert.ok(p.l3Off >= pad && p.l3Off <= end, "l3Off in bounds");
  }
  if (p.l4Off !== 0) {
    assert.ok(p.l4Off >= pad && p.l4Off <= end, `l4Off ${p.l4Off} within [${pad}, ${end}]`);
    assert.ok(p.l4Len >= 0 && p.l4Off + p.l4Len <= end, "l4Len in bounds");
  }
  assert.ok(p.payloadLen >= 0, "payloadLen >= 0");
  if (p.payloadLen > 0) assert.ok(p.payloadOff >= pad && p.payloadOff + p.payloadLen <= end, "payload in bounds");
  for (const f of FIELDS) assert.ok(Number.isFinite(p[f]), `${f} is a number`);
  // the bytes after the packet must not matter: decoding an exact copy gives the same answer
  const q = new Packet();
  q.reset(bytes.slice(), 0, bytes.length);
  q.linkType = linkType;
  decoder.decode(q);
  for (const f of FIELDS) assert.is(q[f], p[f], `${f} independent of bytes outside the packet`);
  for (const f of OFFSETS) if (p[f] !== 0) assert.is(q[f] + pad, p[f], `${f} relative`);
  assert.equal(Array.from(q.src), Array.from(p.src));
  assert.equal(Array.from(q.anomalies.subarray(0, q.anomalyCount)), Array.from(p.anomalies.subarray(0, p.anomalyCount)));
}

test("seed frames decode cleanly", () => {
  for (const [b, lt] of SEEDS) {
    const p = new Packet();
    p.reset(b, 0, b.length);
    p.linkType = lt;
    decoder.decode(p);
    assert.is(p.decodeOk, 1);
    assert.ok(p.ipVersion !== 0 || p.arpOp !== 0);
  }
});

test("random bytes under every link type never throw and stay in bounds", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...LINKS), fc.nat(7), (bytes, lt, pad) => {
      check(bytes, lt, pad);
    }),
    { numRuns: 3000 },
  );
});

test("mutated valid packets (byte changes, truncation) never throw and stay in bounds", () => {
  const mutation = fc.record({
    seed: fc.nat(SEEDS.length - 1),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    pad: fc.nat(5),
  });
  fc.assert(
    fc.property(mutation, ({ seed, edits, cut, pad }) => {
      const [orig, lt] = SEEDS[seed];
      let b = orig.slice();
      for (const [at, v] of edits) b[at % b.length] = v;
      if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
      check(b, lt, pad);
    }),
    { numRuns: 5000 },
  );
});

test("offsets and lengths given by the caller are clamped to the buffer", () => {
  const b = SEEDS[0][0];
  const p = new Packet();
  p.reset(b, 0, b.length + 100);
  p.linkType = LINK_ETHERNET;
  decoder.decode(p);
  assert.ok(p.payloadOff + p.payloadLen <= b.length);
  assert.is(p.dstPort, 2);
});

test.run();
