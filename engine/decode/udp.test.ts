import { test } from "uvu";
import * as assert from "uvu/assert";
import { ipPacket, udpPacket } from "../../datapath/craft.ts";
import { A_UDP_HLEN_INVALID, A_UDP_HLEN_TOO_SMALL, A_UDP_LEN_INVALID, A_UDP_PKT_TOO_SMALL } from "../anomaly.ts";
import { CSUM_BAD, CSUM_OK, IPPROTO_UDP } from "../packet.ts";
import { codes, decode, has } from "./testing.ts";

const rawUdp = (ulen: number, body: number): Uint8Array => {
  const u = new Uint8Array(8 + body);
  u.set([0x13, 0x88, 0x00, 0x35, ulen >> 8, ulen & 0xff, 0, 0]);
  return ipPacket("10.0.0.1", "10.0.0.2", 17, u);
};

test("ports and payload (IPv4 and IPv6)", () => {
  const p = decode(udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 5000, dport: 53, payload: "query" }));
  assert.is(p.proto, IPPROTO_UDP);
  assert.is(p.srcPort, 5000);
  assert.is(p.dstPort, 53);
  assert.is(p.payloadOff, 28);
  assert.is(p.payloadLen, 5);
  assert.equal(codes(p), []);
  const q = decode(udpPacket({ src: "::1", dst: "::2", sport: 1, dport: 2, payload: "ab" }));
  assert.is(q.payloadOff, 48);
  assert.is(q.payloadLen, 2);
});

test("checksums: zero over IPv4 is OK, bad is BAD, IPv6 verified with its pseudo-header", () => {
  assert.is(decode(udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, zeroChecksum: true }), true).l4Csum, CSUM_OK);
  assert.is(decode(udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, badChecksum: true }), true).l4Csum, CSUM_BAD);
  assert.is(decode(udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 1, dport: 2, payload: "odd" }), true).l4Csum, CSUM_OK);
  assert.is(decode(udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 1, dport: 2, badChecksum: true }), true).l4Csum, CSUM_BAD);
});

test("length field checks (decode-udp.c)", () => {
  const short = decode(ipPacket("10.0.0.1", "10.0.0.2", 17, new Uint8Array([0, 1, 0, 2, 0])));
  assert.ok(has(short, A_UDP_HLEN_TOO_SMALL));
  assert.is(short.decodeOk, 0);
  const lenSmall = decode(rawUdp(4, 4));
  assert.ok(has(lenSmall, A_UDP_LEN_INVALID));
  assert.is(lenSmall.decodeOk, 0);
  const lenBig = decode(rawUdp(40, 4));
  assert.ok(has(lenBig, A_UDP_PKT_TOO_SMALL));
  assert.is(lenBig.decodeOk, 0);
  assert.is(lenBig.dstPort, 53);
  const trailing = decode(rawUdp(10, 6));
  assert.ok(has(trailing, A_UDP_HLEN_INVALID));
  assert.is(trailing.payloadLen, 2);
  assert.is(trailing.decodeOk, 1);
});

test.run();
