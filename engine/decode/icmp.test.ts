import { test } from "uvu";
import * as assert from "uvu/assert";
import { icmpPacket, ipPacket, udpPacket } from "../../datapath/craft.ts";
import {
  A_ICMPV4_IPV4_TRUNC_PKT,
  A_ICMPV4_IPV4_UNKNOWN_VER,
  A_ICMPV4_PKT_TOO_SMALL,
  A_ICMPV4_UNKNOWN_CODE,
  A_ICMPV4_UNKNOWN_TYPE,
} from "../anomaly.ts";
import { CSUM_BAD, CSUM_OK, IPPROTO_ICMP } from "../packet.ts";
import { codes, decode, has } from "./testing.ts";

const S = "10.0.0.1";
const D = "10.0.0.2";

test("echo request/reply: type, code, id, seq; checksum verified", () => {
  const p = decode(icmpPacket({ src: S, dst: D, type: 8, id: 0x4242, seq: 7, payload: new Uint8Array(32) }), true);
  assert.is(p.proto, IPPROTO_ICMP);
  assert.is(p.icmpType, 8);
  assert.is(p.icmpCode, 0);
  assert.is(p.icmpId, 0x4242);
  assert.is(p.icmpSeq, 7);
  assert.is(p.payloadLen, 32);
  assert.is(p.l4Csum, CSUM_OK);
  assert.equal(codes(p), []);
  const b = icmpPacket({ src: S, dst: D, type: 0, id: 1, seq: 2 });
  b[b.length - 1] ^= 0xff;
  assert.is(decode(b, true).l4Csum, CSUM_BAD);
});

test("timestamp / address mask carry id and seq", () => {
  const p = decode(icmpPacket({ src: S, dst: D, type: 13, rest: (9 << 16) | 10, payload: new Uint8Array(12) }));
  assert.is(p.icmpId, 9);
  assert.is(p.icmpSeq, 10);
  assert.equal(codes(p), []);
});

test("errors: embedded IPv4 header checked, outer header kept", () => {
  const inner = udpPacket({ src: D, dst: S, sport: 1000, dport: 53 });
  const p = decode(icmpPacket({ src: "192.0.2.9", dst: D, type: 3, code: 3, payload: inner.slice(0, 28) }));
  assert.is(p.icmpType, 3);
  assert.is(p.icmpHasInner, 1);
  assert.is(p.src[0], 0xc0000209);
  assert.is(p.srcPort, 0);
  assert.equal(codes(p), []);
  for (const type of [4, 5, 11, 12]) {
    const q = decode(icmpPacket({ src: S, dst: D, type, payload: inner.slice(0, 28) }));
    assert.is(q.icmpHasInner, 1, `type ${type}`);
    assert.equal(codes(q), [], `type ${type}`);
  }
  const trunc = decode(icmpPacket({ src: S, dst: D, type: 11, payload: inner.slice(0, 12) }));
  assert.ok(has(trunc, A_ICMPV4_IPV4_TRUNC_PKT));
  assert.is(trunc.icmpHasInner, 0);
  const v6 = udpPacket({ src: "::1", dst: "::2", sport: 1, dport: 2 });
  const ver = decode(icmpPacket({ src: S, dst: D, type: 3, code: 1, payload: v6.slice(0, 28) }));
  assert.ok(has(ver, A_ICMPV4_IPV4_UNKNOWN_VER));
});

test("unknown types and codes; too small", () => {
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 42, rest: 0 })), A_ICMPV4_UNKNOWN_TYPE));
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 9 })), A_ICMPV4_UNKNOWN_TYPE)); // router advert: not in Suricata's list
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 3, code: 16 })), A_ICMPV4_UNKNOWN_CODE));
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 8, code: 1 })), A_ICMPV4_UNKNOWN_CODE));
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 11, code: 2 })), A_ICMPV4_UNKNOWN_CODE));
  const small = decode(ipPacket(S, D, 1, new Uint8Array([8, 0, 0, 0])));
  assert.ok(has(small, A_ICMPV4_PKT_TOO_SMALL));
  assert.is(small.icmpType, 8);
  assert.is(small.decodeOk, 0);
});

test.run();
