import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatAddress, formatTimestamp, protoName } from "./eve.ts";

test("timestamps are Suricata's: microseconds, UTC offset written as +0000", () => {
  assert.is(formatTimestamp(1_700_000_000_123_456), "2023-11-14T22:13:20.123456+0000");
  assert.is(formatTimestamp(1_700_000_000_000_001), "2023-11-14T22:13:20.000001+0000");
  assert.is(formatTimestamp(0), "1970-01-01T00:00:00.000000+0000");
});

test("IPv4 dotted; IPv6 written in full with leading zeros, as Suricata writes it", () => {
  assert.is(formatAddress(4, Uint32Array.of(0xc6120001), 0), "198.18.0.1");
  assert.is(formatAddress(6, Uint32Array.of(0, 0, 0xfd000018, 0, 0, 0x10), 2), "fd00:0018:0000:0000:0000:0000:0000:0010");
  assert.is(formatAddress(6, Uint32Array.of(0xfe800000, 0, 0x02000000, 0x000000ff), 0), "fe80:0000:0000:0000:0200:0000:0000:00ff");
});

test("protocol names as Suricata prints them; unknown numbers as digits", () => {
  assert.is(protoName(6), "TCP");
  assert.is(protoName(17), "UDP");
  assert.is(protoName(1), "ICMP");
  assert.is(protoName(58), "IPv6-ICMP");
  assert.is(protoName(253), "253");
});

test.run();
