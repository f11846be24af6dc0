import { test } from "uvu";
import * as assert from "uvu/assert";
import { icmpPacket, ipPacket, tcpPacket } from "../../datapath/craft.ts";
import {
  A_ICMPV6_IPV6_TRUNC_PKT,
  A_ICMPV6_IPV6_UNKNOWN_VER,
  A_ICMPV6_MLD_INVALID_HL,
  A_ICMPV6_PKT_TOO_SMALL,
  A_ICMPV6_UNKNOWN_CODE,
  A_ICMPV6_UNKNOWN_TYPE,
} from "../anomaly.ts";
import { CSUM_BAD, CSUM_OK, IPPROTO_ICMPV6 } from "../packet.ts";
import { codes, decode, has } from "./testing.ts";

const S = "fe80::1";
const D = "fe80::2";

test("echo: id, seq, checksum over the IPv6 pseudo-header", () => {
  const p = decode(icmpPacket({ src: S, dst: D, type: 128, id: 3, seq: 4, payload: new Uint8Array(9) }), true);
  assert.is(p.proto, IPPROTO_ICMPV6);
  assert.is(p.icmpType, 128);
  assert.is(p.icmpId, 3);
  assert.is(p.icmpSeq, 4);
  assert.is(p.l4Csum, CSUM_OK);
  assert.equal(codes(p), []);
  const b = icmpPacket({ src: S, dst: D, type: 129, id: 3, seq: 4 });
  b[b.length - 1] ^= 1;
  assert.is(decode(b, true).l4Csum, CSUM_BAD);
});

test("neighbour discovery 133..137 decodes cleanly (hop limit 255)", () => {
  for (const type of [133, 134, 135, 136, 137]) {
    const body = new Uint8Array(type === 137 ? 36 : type === 134 ? 12 : type === 133 ? 4 : 20);
    const p = decode(icmpPacket({ src: S, dst: "ff02::1", type, ttl: 255, payload: body.slice(4), rest: 0 }), true);
    assert.is(p.icmpType, type);
    assert.equal(codes(p), [], `type ${type}`);
    assert.is(p.l4Csum, CSUM_OK, `type ${type}`);
    assert.is(p.decodeOk, 1);
  }
});

test("MLD with hop limit 1 is clean, otherwise mld_message_with_invalid_hl", () => {
  assert.equal(codes(decode(icmpPacket({ src: S, dst: "ff02::16", type: 143, ttl: 1, payload: new Uint8Array(4) }))), []);
  assert.ok(has(decode(icmpPacket({ src: S, dst: "ff02::16", type: 131, ttl: 64, payload: new Uint8Array(16) })), A_ICMPV6_MLD_INVALID_HL));
});

test("errors 1..4 carry an embedded IPv6 header", () => {
  const inner = tcpPacket({ src: D, dst: S, sport: 80, dport: 999 });
  for (const type of [1, 2, 3, 4]) {
    const p = decode(icmpPacket({ src: S, dst: D, type, payload: inner }));
    assert.is(p.icmpHasInner, 1, `type ${type}`);
    assert.equal(codes(p), [], `type ${type}`);
    assert.is(p.srcPort, 0);
  }
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 1, payload: inner.slice(0, 20) })), A_ICMPV6_IPV6_TRUNC_PKT));
  const v4 = new Uint8Array(40);
  v4[0] = 0x45;
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 3, payload: v4 })), A_ICMPV6_IPV6_UNKNOWN_VER));
});

test("unknown type / code, too small", () => {
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 50 })), A_ICMPV6_UNKNOWN_TYPE));
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 250 })), A_ICMPV6_UNKNOWN_TYPE));
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 128, code: 1 })), A_ICMPV6_UNKNOWN_CODE));
  assert.ok(has(decode(icmpPacket({ src: S, dst: D, type: 1, code: 9 })), A_ICMPV6_UNKNOWN_CODE));
  const small = decode(ipPacket(S, D, 58, new Uint8Array([128, 0, 0])));
  assert.ok(has(small, A_ICMPV6_PKT_TOO_SMALL));
  assert.is(small.decodeOk, 0);
});

test.run();
