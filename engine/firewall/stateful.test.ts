import { test } from "uvu";
import * as assert from "uvu/assert";
import { invalidTcpFlags, StatefulChecks } from "./stateful.ts";
import { packet } from "./testing.ts";
import type { PacketInit } from "./testing.ts";
import type { StatefulSpec } from "../policy/spec.ts";
import {
  IPPROTO_ICMPV6,
  IPPROTO_UDP,
  TH_ACK,
  TH_CWR,
  TH_ECE,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "../packet.ts";
import { DROP_INVALID_FLAGS, DROP_NONE, DROP_OUT_OF_CONNECTION, DROP_SYN_FLOOD } from "../verdict.ts";

const ALL_ON: StatefulSpec = {
  invalidTcpFlags: true,
  outOfConnection: true,
  synFloodThreshold: 0,
  synFloodSources: 16,
};
const TCP: PacketInit = { src: "192.0.2.1", dst: "10.0.0.5", proto: 6, sport: 40000, dport: 80 };

test("invalid TCP flag combinations are dropped: NULL, XMAS, SYN+FIN, SYN+RST, FIN/PSH/URG without ACK", () => {
  const c = new StatefulChecks(ALL_ON);
  const bad = [
    0,
    TH_FIN | TH_PUSH | TH_URG,
    TH_FIN | TH_PUSH | TH_URG | TH_ACK,
    TH_SYN | TH_FIN,
    TH_SYN | TH_FIN | TH_ACK,
    TH_SYN | TH_RST,
    TH_FIN,
    TH_PUSH,
    TH_URG,
    0x3f,
    TH_ECE | TH_CWR,
  ];
  for (const flags of bad) {
    assert.is(
      c.check(packet({ ...TCP, flags }), true, false),
      DROP_INVALID_FLAGS,
      `flags ${flags.toString(16)}`,
    );
  }
  assert.is(c.stats.invalidFlags, bad.length);
  const good = [
    TH_SYN,
    TH_SYN | TH_ACK,
    TH_ACK,
    TH_ACK | TH_PUSH,
    TH_FIN | TH_ACK,
    TH_RST,
    TH_RST | TH_ACK,
    TH_SYN | TH_ECE | TH_CWR,
    TH_ACK | TH_URG,
  ];
  for (const flags of good) {
    assert.is(c.check(packet({ ...TCP, flags }), true, false), DROP_NONE, `flags ${flags.toString(16)}`);
    assert.not.ok(invalidTcpFlags(flags));
  }
});

test("invalid flags are let through when the check is off", () => {
  const c = new StatefulChecks({ ...ALL_ON, invalidTcpFlags: false });
  assert.is(c.check(packet({ ...TCP, flags: 0 }), true, false), DROP_NONE);
  assert.is(c.stats.invalidFlags, 0);
});

test("out of connection: TCP without a flow and not a SYN, unless midstream pickup is on", () => {
  const c = new StatefulChecks(ALL_ON);
  assert.is(c.check(packet({ ...TCP, flags: TH_ACK }), false, false), DROP_OUT_OF_CONNECTION);
  assert.is(c.check(packet({ ...TCP, flags: TH_SYN | TH_ACK }), false, false), DROP_OUT_OF_CONNECTION);
  assert.is(c.check(packet({ ...TCP, flags: TH_RST }), false, false), DROP_OUT_OF_CONNECTION);
  assert.is(c.stats.outOfConnection, 3);
  assert.is(c.check(packet({ ...TCP, flags: TH_ACK }), false, true), DROP_NONE, "midstream");
  assert.is(c.check(packet({ ...TCP, flags: TH_ACK }), true, false), DROP_NONE, "known flow");
  assert.is(c.check(packet({ ...TCP, flags: TH_SYN }), false, false), DROP_NONE, "connection attempt");
  assert.is(c.check(packet({ ...TCP, proto: IPPROTO_UDP }), false, false), DROP_NONE, "not TCP");
  const off = new StatefulChecks({ ...ALL_ON, outOfConnection: false });
  assert.is(off.check(packet({ ...TCP, flags: TH_ACK }), false, false), DROP_NONE, "check off");
});

test("SYN flood: SYNs per source per second over the threshold", () => {
  const c = new StatefulChecks({ ...ALL_ON, synFloodThreshold: 3 });
  const syn = (src: string, tsUs: number) =>
    c.check(packet({ ...TCP, src, flags: TH_SYN, tsUs }), false, false);
  const t0 = 1_700_000_000_000_000;
  assert.is(syn("192.0.2.1", t0), DROP_NONE);
  assert.is(syn("192.0.2.1", t0 + 1), DROP_NONE);
  assert.is(syn("192.0.2.1", t0 + 2), DROP_NONE);
  assert.is(syn("192.0.2.1", t0 + 3), DROP_SYN_FLOOD);
  // another source has its own count
  assert.is(syn("192.0.2.2", t0 + 4), DROP_NONE);
  assert.is(syn("2001:db8::1", t0 + 4), DROP_NONE);
  // SYN+ACK is not a connection attempt
  assert.is(c.check(packet({ ...TCP, flags: TH_SYN | TH_ACK, tsUs: t0 + 5 }), true, false), DROP_NONE);
  // the next second starts a new count
  assert.is(syn("192.0.2.1", t0 + 1_000_000), DROP_NONE);
  assert.is(c.stats.synFlood, 1);
});

test("SYN flood: a full table replaces old sources and keeps counting new ones", () => {
  const c = new StatefulChecks({ ...ALL_ON, synFloodThreshold: 2, synFloodSources: 4 });
  const t0 = 5_000_000;
  for (let i = 0; i < 50; i++) {
    c.check(packet({ ...TCP, src: `198.51.100.${i}`, flags: TH_SYN, tsUs: t0 + i }), false, false);
  }
  const syn = () =>
    c.check(packet({ ...TCP, src: "192.0.2.9", flags: TH_SYN, tsUs: t0 + 100 }), false, false);
  assert.is(syn(), DROP_NONE);
  assert.is(syn(), DROP_NONE);
  assert.is(syn(), DROP_SYN_FLOOD);
});

test("IPv6 neighbour discovery and DHCP are never dropped", () => {
  const c = new StatefulChecks({ ...ALL_ON, synFloodThreshold: 1 });
  for (let t = 133; t <= 137; t++) {
    assert.is(
      c.check(packet({ src: "fe80::1", dst: "ff02::1", proto: IPPROTO_ICMPV6, icmpType: t }), false, false),
      DROP_NONE,
    );
  }
  for (const [sport, dport] of [[68, 67], [67, 68], [546, 547], [547, 546]]) {
    assert.is(
      c.check(
        packet({ src: "0.0.0.0", dst: "255.255.255.255", proto: IPPROTO_UDP, sport, dport }),
        false,
        false,
      ),
      DROP_NONE,
    );
  }
  assert.equal(c.stats, { invalidFlags: 0, outOfConnection: 0, synFlood: 0 });
});

test("non-IP frames are not checked", () => {
  const c = new StatefulChecks(ALL_ON);
  assert.is(c.check(packet({ etherType: 0x0806 }), false, false), DROP_NONE);
});

test.run();
