import { test } from "uvu";
import * as assert from "uvu/assert";
import { fragmentIp, ipPacket, tcpPacket, udpPacket } from "../../datapath/craft.ts";
import {
  A_IPV6_DATA_AFTER_NONE_HEADER,
  A_IPV6_EXTHDR_DUPL_AH,
  A_IPV6_EXTHDR_DUPL_DH,
  A_IPV6_EXTHDR_DUPL_FH,
  A_IPV6_EXTHDR_DUPL_HH,
  A_IPV6_EXTHDR_DUPL_RH,
  A_IPV6_EXTHDR_INVALID_OPTLEN,
  A_IPV6_EXTHDR_USELESS_FH,
  A_IPV6_HOPOPTS_NOT_FIRST,
  A_IPV6_PKT_TOO_SMALL,
  A_IPV6_RH_TYPE_0,
  A_IPV6_TRUNC_EXTHDR,
  A_IPV6_TRUNC_PKT,
  A_IPV6_UNKNOWN_NEXT_HEADER,
} from "../anomaly.ts";
import { defaultEngineConfig } from "../config.ts";
import { IPPROTO_ESP, IPPROTO_NONE, IPPROTO_TCP, IPPROTO_UDP, LINK_RAW, Packet } from "../packet.ts";
import type { Ipv6Ext } from "../../datapath/craft.ts";
import { Decoder } from "./decoder.ts";

function decode(bytes: Uint8Array): Packet {
  const p = new Packet();
  p.reset(bytes, 0, bytes.length);
  p.linkType = LINK_RAW;
  new Decoder(defaultEngineConfig().decode).decode(p);
  return p;
}
const codes = (p: Packet): number[] => Array.from(p.anomalies.subarray(0, p.anomalyCount));
const has = (p: Packet, code: number): boolean => codes(p).includes(code);
const A = "2001:db8::1";
const B = "2001:db8:0:1::2";
const tcpExt = (ext: Ipv6Ext[]): Uint8Array => tcpPacket({ src: A, dst: B, sport: 10, dport: 20, flags: "S", ext });
const padN4 = new Uint8Array([1, 4, 0, 0, 0, 0]); // PadN filling a 8-byte header body

test("fixed header fields and addresses", () => {
  const b = udpPacket({ src: A, dst: B, sport: 1, dport: 2, ttl: 9, tos: 0xb8, payload: "abc" });
  const p = decode(b);
  assert.is(p.ipVersion, 6);
  assert.equal(Array.from(p.src), [0x20010db8, 0, 0, 1]);
  assert.equal(Array.from(p.dst), [0x20010db8, 1, 0, 2]);
  assert.is(p.ttl, 9);
  assert.is(p.tos, 0xb8);
  assert.is(p.ipLen, b.length);
  assert.is(p.ipHdrLen, 40);
  assert.is(p.proto, IPPROTO_UDP);
  assert.is(p.payloadLen, 3);
  assert.is(p.anomalyCount, 0);
});

test("every extension header kind walked to TCP; l4Off after the last one", () => {
  const ext: Ipv6Ext[] = [
    { type: 0, data: padN4 },
    { type: 60, data: padN4 },
    { type: 43, data: new Uint8Array([2, 0, 0, 0, 0, 0]) }, // type 2 routing, no segments left
    { type: 51, data: new Uint8Array(10) }, // AH: SPI, seq, no ICV
    { type: 60, data: new Uint8Array([5, 2, 0, 0, 1, 0]) }, // dest opts after RH: router alert + PadN(0)
  ];
  const p = decode(tcpExt(ext));
  assert.is(p.proto, IPPROTO_TCP);
  assert.is(p.dstPort, 20);
  assert.is(p.tcpFlags, 2);
  assert.is(p.ipHdrLen, p.l4Off - p.l3Off);
  assert.ok(p.ipHdrLen > 40 + 8 * 3);
  assert.not.ok(has(p, A_IPV6_EXTHDR_DUPL_DH)); // two destination options headers are allowed
});

test("duplicates and misplacement of extension headers", () => {
  assert.ok(has(decode(tcpExt([{ type: 60, data: padN4 }, { type: 0, data: padN4 }])), A_IPV6_HOPOPTS_NOT_FIRST));
  assert.ok(has(decode(tcpExt([{ type: 0, data: padN4 }, { type: 0, data: padN4 }])), A_IPV6_EXTHDR_DUPL_HH));
  const rh = { type: 43, data: new Uint8Array([2, 0, 0, 0, 0, 0]) };
  assert.ok(has(decode(tcpExt([rh, rh])), A_IPV6_EXTHDR_DUPL_RH));
  const dh = { type: 60, data: padN4 };
  assert.ok(has(decode(tcpExt([dh, dh, dh])), A_IPV6_EXTHDR_DUPL_DH));
  const ah = { type: 51, data: new Uint8Array(10) };
  assert.ok(has(decode(tcpExt([ah, ah])), A_IPV6_EXTHDR_DUPL_AH));
  assert.ok(has(decode(tcpExt([{ type: 43, data: new Uint8Array([0, 0, 0, 0, 0, 0]) }])), A_IPV6_RH_TYPE_0));
});

test("options inside hop-by-hop: bad lengths raise exthdr_invalid_optlen", () => {
  assert.ok(has(decode(tcpExt([{ type: 0, data: new Uint8Array([5, 3, 0, 0, 0, 0]) }])), A_IPV6_EXTHDR_INVALID_OPTLEN)); // RA len 3
  assert.ok(has(decode(tcpExt([{ type: 0, data: new Uint8Array([1, 9, 0, 0, 0, 0]) }])), A_IPV6_EXTHDR_INVALID_OPTLEN)); // past the header
  assert.ok(has(decode(tcpExt([{ type: 0, data: new Uint8Array([0xc2, 2, 0, 0, 0, 0]) }])), A_IPV6_EXTHDR_INVALID_OPTLEN)); // jumbo len 2
  const ok = decode(tcpExt([{ type: 0, data: new Uint8Array([0, 0, 5, 2, 0, 0]) }])); // Pad1 Pad1 RA
  assert.equal(codes(ok), []);
});

test("fragment header: first fragment decodes on, later ones stop after it", () => {
  const whole = udpPacket({ src: A, dst: B, sport: 7, dport: 9, payload: new Uint8Array(120), id: 0x1234 });
  const frags = fragmentIp(whole, 64);
  const first = decode(frags[0]);
  assert.is(first.isFragment, 1);
  assert.is(first.moreFragments, 1);
  assert.is(first.fragOffset, 0);
  assert.is(first.fragNextHdrOff, 6);
  assert.is(first.fragPayloadOff, 48);
  assert.is(first.buf[first.fragNextHdrOff], 44);
  assert.is(first.proto, IPPROTO_UDP);
  assert.is(first.dstPort, 9);
  assert.equal(codes(first), []);
  const second = decode(frags[1]);
  assert.is(second.isFragment, 1);
  assert.is(second.fragOffset, 64);
  assert.is(second.proto, IPPROTO_UDP);
  assert.is(second.dstPort, 0);
  assert.is(second.l4Off, 48);
  assert.is(second.ipHdrLen, 48);
});

test("atomic fragment (offset 0, no MF) is useless but decoded through; duplicate fragment header", () => {
  const atomic = decode(tcpExt([{ type: 44, data: new Uint8Array([0, 0, 0, 0, 0, 1]) }]));
  assert.ok(has(atomic, A_IPV6_EXTHDR_USELESS_FH));
  assert.is(atomic.isFragment, 0);
  assert.is(atomic.dstPort, 20);
  const fh = { type: 44, data: new Uint8Array([0, 0, 0, 0, 0, 1]) };
  assert.ok(has(decode(tcpExt([fh, fh])), A_IPV6_EXTHDR_DUPL_FH));
});

test("ESP is opaque; No Next Header stops (data after it is an anomaly)", () => {
  const esp = decode(ipPacket(A, B, 50, new Uint8Array(24)));
  assert.is(esp.proto, IPPROTO_ESP);
  assert.is(esp.l4Off, 40);
  assert.equal(codes(esp), []);
  const none = decode(ipPacket(A, B, 59, new Uint8Array(0)));
  assert.is(none.proto, IPPROTO_NONE);
  assert.equal(codes(none), []);
  assert.ok(has(decode(ipPacket(A, B, 59, new Uint8Array(8))), A_IPV6_DATA_AFTER_NONE_HEADER));
  assert.ok(has(decode(ipPacket(A, B, 253, new Uint8Array(8))), A_IPV6_UNKNOWN_NEXT_HEADER));
});

test("truncation: short header, truncated payload, truncated extension header", () => {
  assert.ok(has(decode(new Uint8Array([0x60, 0, 0, 0])), A_IPV6_PKT_TOO_SMALL));
  const b = tcpExt([{ type: 0, data: new Uint8Array([1, 12, ...new Array(12).fill(0)]) }]);
  const cut = decode(b.slice(0, 44));
  assert.ok(has(cut, A_IPV6_TRUNC_PKT));
  assert.ok(has(cut, A_IPV6_TRUNC_EXTHDR));
  assert.is(cut.decodeOk, 0);
  const t = tcpPacket({ src: A, dst: B, sport: 3, dport: 4, payload: "0123456789" });
  const pt = decode(t.slice(0, 65));
  assert.ok(has(pt, A_IPV6_TRUNC_PKT));
  assert.is(pt.dstPort, 4);
});

test.run();
