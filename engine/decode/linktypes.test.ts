import { test } from "uvu";
import * as assert from "uvu/assert";
import { nullLoop, sll, sll2, tcpPacket, udpPacket } from "../../datapath/craft.ts";
import {
  A_IPRAW_INVALID_IPV,
  A_NULL_PKT_TOO_SMALL,
  A_NULL_UNSUPPORTED_TYPE,
  A_SLL_PKT_TOO_SMALL,
  A_UNSUPPORTED_LINKTYPE,
} from "../anomaly.ts";
import {
  LINK_IPV4,
  LINK_IPV6,
  LINK_LOOP,
  LINK_NULL,
  LINK_RAW,
  LINK_RAW_ALT12,
  LINK_RAW_ALT14,
  LINK_SLL,
  LINK_SLL2,
  Packet,
} from "../packet.ts";
import { LINK_CHDLC } from "./linktypes.ts";
import { decode as decodeWith, has } from "./testing.ts";

/** Decodes a frame of the given link type. */
const decode = (bytes: Uint8Array, linkType: number): Packet => decodeWith(bytes, false, linkType);

const v4 = tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1000, dport: 22, flags: "SA" });
const v6 = udpPacket({ src: "fe80::1", dst: "ff02::fb", sport: 5353, dport: 5353, payload: "x" });

test("SLL v1 and v2 carry IPv4 and IPv6", () => {
  const a = decode(sll(v4, 0x0800), LINK_SLL);
  assert.is(a.ipVersion, 4);
  assert.is(a.dstPort, 22);
  assert.is(a.tcpFlags, 0x12);
  const b = decode(sll2(v6, 0x86dd, 3), LINK_SLL2);
  assert.is(b.ipVersion, 6);
  assert.is(b.dstPort, 5353);
  assert.is(b.anomalyCount, 0);
});

test("SLL too short", () => {
  const p = decode(sll(v4, 0x0800).slice(0, 12), LINK_SLL);
  assert.ok(has(p, A_SLL_PKT_TOO_SMALL));
  assert.is(p.decodeOk, 0);
  const q = decode(sll2(v4, 0x0800).slice(0, 18), LINK_SLL2);
  assert.ok(has(q, A_SLL_PKT_TOO_SMALL));
});

test("raw IP under every raw link type number: version from the first nibble", () => {
  for (const lt of [LINK_RAW, LINK_RAW_ALT12, LINK_RAW_ALT14, LINK_IPV4, LINK_IPV6]) {
    assert.is(decode(v4, lt).ipVersion, 4, `link ${lt} v4`);
    assert.is(decode(v6, lt).ipVersion, 6, `link ${lt} v6`);
  }
  const bad = new Uint8Array(40);
  bad[0] = 0x50;
  const p = decode(bad, LINK_RAW);
  assert.ok(has(p, A_IPRAW_INVALID_IPV));
  assert.is(p.decodeOk, 0);
});

test("null/loop: families 2, 24, 28, 30 in both byte orders; LOOP is big-endian", () => {
  assert.is(decode(nullLoop(v4, 2), LINK_NULL).ipVersion, 4);
  assert.is(decode(nullLoop(v4, 2, true), LINK_NULL).ipVersion, 4); // written big-endian by a BE host
  for (const fam of [24, 28, 30]) {
    assert.is(decode(nullLoop(v6, fam), LINK_NULL).ipVersion, 6, `family ${fam}`);
    assert.is(decode(nullLoop(v6, fam, true), LINK_LOOP).ipVersion, 6, `loop family ${fam}`);
  }
  assert.is(decode(nullLoop(v4, 2, true), LINK_LOOP).srcPort, 1000);
});

test("null: unknown family and short header", () => {
  const p = decode(nullLoop(v4, 7), LINK_NULL);
  assert.ok(has(p, A_NULL_UNSUPPORTED_TYPE));
  assert.is(p.decodeOk, 0);
  const q = decode(new Uint8Array(3), LINK_NULL);
  assert.ok(has(q, A_NULL_PKT_TOO_SMALL));
});

test("Cisco HDLC carries IPv4", () => {
  const f = new Uint8Array(4 + v4.length);
  f.set([0x0f, 0x00, 0x08, 0x00]);
  f.set(v4, 4);
  const p = decode(f, LINK_CHDLC);
  assert.is(p.ipVersion, 4);
  assert.is(p.dstPort, 22);
});

test("unknown link type: anomaly and decodeOk 0", () => {
  const p = decode(v4, 147);
  assert.ok(has(p, A_UNSUPPORTED_LINKTYPE));
  assert.is(p.decodeOk, 0);
  assert.is(p.ipVersion, 0);
});

test.run();
