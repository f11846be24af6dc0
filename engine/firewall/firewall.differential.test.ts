/**
 * Differential test: the indexed `decide()` against a straightforward linear evaluator written from the
 * documented semantics, on random policies and random packets (fast-check).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { compileFirewall } from "./compile.ts";
import { FW_ALLOW, FW_BYPASS, FW_DENY, FW_FORCE_ALLOW, FW_NONE } from "./firewall.ts";
import { addressRange, packet, rule } from "./testing.ts";
import type { PacketInit, RuleInit } from "./testing.ts";
import { DIR_IN, DIR_OUT, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from "../packet.ts";
import type { Packet } from "../packet.ts";
import type { AddressRange, FirewallRuleSpec, ListEntry } from "../policy/spec.ts";

const IFACES = ["eth0", "eth1", "wlan0", "MyVPN"];

// ---- the reference: one rule at a time, straight from the semantics in docs/firewall.md

function listOk<T>(list: ListEntry<T>[] | null, present: boolean, has: (v: T) => boolean): boolean {
  if (list === null) return true;
  if (!present) return false;
  let hasPos = false, inPos = false;
  for (const e of list) {
    if (e.negated) {
      if (has(e.value)) return false;
    } else {
      hasPos = true;
      if (has(e.value)) inPos = true;
    }
  }
  return hasPos ? inPos : list.length > 0;
}

function big(words: ArrayLike<number>, version: number): bigint {
  if (version === 4) return BigInt(words[0] >>> 0);
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(words[i] >>> 0);
  return v;
}

function inRange(a: AddressRange, addr: Uint32Array, version: number): boolean {
  if (a.version !== version) return false;
  const x = big(addr, version);
  return big(a.first, version) <= x && x <= big(a.last, version);
}

function glob(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase(), s = name.toLowerCase();
  const go = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (p[i] === "*") return go(i + 1, j) || (j < s.length && go(i, j + 1));
    return j < s.length && (p[i] === "?" || p[i] === s[j]) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

function ruleMatches(r: FirewallRuleSpec, p: Packet, dir: number): boolean {
  const ip = p.ipVersion !== 0;
  if (r.direction === "in" && !(ip && dir === DIR_IN)) return false;
  if (r.direction === "out" && !(ip && dir === DIR_OUT)) return false;
  if (!listOk(r.frame, true, (v) => v === p.etherType)) return false;
  if (!listOk(r.protocol, ip, (v) => v === p.proto)) return false;
  if (!listOk(r.src.ip, ip, (v) => inRange(v, p.src, p.ipVersion))) return false;
  if (!listOk(r.dst.ip, ip, (v) => inRange(v, p.dst, p.ipVersion))) return false;
  const ports = ip && p.hasPorts();
  if (!listOk(r.src.port, ports, (v) => v.first <= p.srcPort && p.srcPort <= v.last)) return false;
  if (!listOk(r.dst.port, ports, (v) => v.first <= p.dstPort && p.dstPort <= v.last)) return false;
  const mac = (off: number) => (m: number[]) => m.every((b, i) => p.buf[off + i] === b);
  if (!listOk(r.src.mac, p.macSrcOff >= 0, mac(p.macSrcOff))) return false;
  if (!listOk(r.dst.mac, p.macDstOff >= 0, mac(p.macDstOff))) return false;
  const knownIf = p.ifIndex >= 0 && p.ifIndex < IFACES.length;
  if (!listOk(r.interface, knownIf, (v) => glob(v, IFACES[p.ifIndex]))) return false;
  if (r.tcpFlags !== null) {
    if (!ip || p.proto !== IPPROTO_TCP) return false;
    if ((p.tcpFlags & r.tcpFlags.set) !== r.tcpFlags.set || (p.tcpFlags & r.tcpFlags.clear) !== 0) {
      return false;
    }
  }
  if (r.icmp !== null) {
    if (!ip || (p.proto !== IPPROTO_ICMP && p.proto !== IPPROTO_ICMPV6)) return false;
    if (r.icmp.type !== null && r.icmp.type !== p.icmpType) return false;
    if (r.icmp.code !== null && r.icmp.code !== p.icmpCode) return false;
  }
  return true;
}

const RANK = { "bypass": 0, "log-only": 1, "force-allow": 2, "deny": 3, "allow": 4 };
const CODE = {
  "bypass": FW_BYPASS,
  "log-only": FW_NONE,
  "force-allow": FW_FORCE_ALLOW,
  "deny": FW_DENY,
  "allow": FW_ALLOW,
};

function reference(rules: FirewallRuleSpec[], p: Packet, dir: number) {
  const order = rules.map((r, i) => ({ r, i })).sort((a, b) =>
    b.r.priority - a.r.priority || RANK[a.r.action] - RANK[b.r.action] || a.i - b.i
  ).map((x) => x.r);
  const logs: FirewallRuleSpec[] = [];
  for (const r of order) {
    if (!ruleMatches(r, p, dir)) continue;
    if (r.action === "log-only") logs.push(r);
    else return { code: CODE[r.action], rule: r as FirewallRuleSpec | null, logs };
  }
  return { code: FW_NONE, rule: null, logs };
}

// ---- generators over small domains so that rules and packets overlap often

const neg = (s: string) => fc.boolean().map((n) => (n ? "!" + s : s));
/** Mostly absent (each rule constrains a few fields), else 0-3 entries, some negated. */
const sparse = <T>(g: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: g });
const listOf = (g: fc.Arbitrary<string>) => sparse(fc.array(g.chain(neg), { maxLength: 3 }));
const v4 = fc.integer({ min: 0, max: 31 }).map((i) => `10.0.0.${i}`);
const v6 = fc.integer({ min: 0, max: 31 }).map((i) => `2001:db8::${i.toString(16)}`);
const addrEntry = fc.oneof(
  v4,
  v6,
  fc.tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 27, max: 32 })).map(([i, l]) =>
    `10.0.0.${i}/${l}`
  ),
  fc.tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 123, max: 128 })).map(([i, l]) =>
    `2001:db8::${i.toString(16)}/${l}`
  ),
  fc.tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 8 })).map(([i, n]) =>
    `10.0.0.${i}-10.0.0.${i + n}`
  ),
  fc.constantFrom("0.0.0.0/0", "::/0", "255.255.255.255"),
);
const portEntry = fc.oneof(
  fc.integer({ min: 0, max: 12 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 6 })).map(([a, n]) => `${a}-${a + n}`),
  fc.constantFrom("65535", "1024-65535"),
);
const macs = ["02:00:00:00:00:01", "02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff"];
const endpoint = fc.record({
  ip: listOf(addrEntry),
  port: listOf(portEntry),
  mac: listOf(fc.constantFrom(...macs)),
});
const ruleArb: fc.Arbitrary<RuleInit> = fc.record({
  action: fc.constantFrom("allow", "deny", "force-allow", "bypass", "log-only"),
  priority: fc.integer({ min: 0, max: 4 }),
  direction: fc.constantFrom("in", "out", "any"),
  frame: listOf(fc.constantFrom("ipv4", "ipv6", "ip", "arp", "revarp", "34525", "35020")),
  protocol: listOf(fc.constantFrom("6", "17", "1", "58", "0", "255")),
  src: endpoint,
  dst: endpoint,
  interface: listOf(fc.constantFrom("eth*", "*0", "?lan?", "myvpn", "x*", "*")),
  tcpFlags: sparse(
    fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 63 })).map(([s, c]) => ({
      set: s & c,
      clear: c & ~s,
    })),
  ),
  icmp: sparse(
    fc.record({
      type: fc.option(fc.constantFrom(0, 3, 8, 128), { nil: undefined }),
      code: fc.option(fc.constantFrom(0, 1, 3), { nil: undefined }),
    }),
  ),
}, { requiredKeys: ["action"] }) as fc.Arbitrary<RuleInit>;

const packetArb: fc.Arbitrary<PacketInit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      v: fc.constantFrom(4, 6),
      s: fc.integer({ min: 0, max: 40 }),
      d: fc.integer({ min: 0, max: 40 }),
      proto: fc.constantFrom(6, 17, 1, 58, 0, 255, 132),
      sport: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(1024, 65535)),
      dport: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(1024, 65535)),
      flags: fc.integer({ min: 0, max: 255 }),
      icmpType: fc.constantFrom(0, 3, 8, 128),
      icmpCode: fc.constantFrom(0, 1, 3),
      macSrc: fc.option(fc.constantFrom(...macs), { nil: undefined }),
      macDst: fc.option(fc.constantFrom(...macs), { nil: undefined }),
      ifIndex: fc.integer({ min: -1, max: 4 }),
    }).map((x): PacketInit => ({
      src: x.v === 4 ? (x.s === 40 ? "255.255.255.255" : `10.0.0.${x.s}`) : `2001:db8::${x.s.toString(16)}`,
      dst: x.v === 4 ? `10.0.0.${x.d}` : (x.d === 40 ? "ffff::1" : `2001:db8::${x.d.toString(16)}`),
      proto: x.proto,
      sport: x.sport,
      dport: x.dport,
      flags: x.flags,
      icmpType: x.icmpType,
      icmpCode: x.icmpCode,
      macSrc: x.macSrc,
      macDst: x.macDst,
      ifIndex: x.ifIndex,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      etherType: fc.constantFrom(0x0806, 0x8035, 0x88cc),
      macSrc: fc.option(fc.constantFrom(...macs), { nil: undefined }),
      ifIndex: fc.integer({ min: -1, max: 4 }),
    }) as fc.Arbitrary<PacketInit>,
  },
);

test("decide() equals the linear reference on random policies and packets", () => {
  fc.assert(
    fc.property(
      fc.array(ruleArb, { maxLength: 45 }),
      fc.array(fc.tuple(packetArb, fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 30 }),
      (inits, packets) => {
        const rules = inits.map((r, i) => rule({ ...r, name: `r${i}`, line: i + 1 }));
        const fw = compileFirewall({ rules }, [{
          value: addressRange("10.0.0.0/29"),
          negated: false,
          where: rules[0]?.where ?? { file: "t", line: 1, col: 1 },
        }], IFACES);
        for (const [init, dir] of packets) {
          const p = packet(init);
          const want = reference(rules, p, dir);
          const got = fw.decide(p, dir);
          assert.is(got, want.code);
          assert.is(fw.decidingRule < 0 ? null : fw.rules[fw.decidingRule], want.rule);
          const logs = Array.from(fw.logMatches.subarray(0, fw.logCount), (i) => fw.rules[i]);
          assert.equal(logs.map((r) => r.name), want.logs.map((r) => r.name));
        }
      },
    ),
    { numRuns: 400 },
  );
});

test("the reference itself is not vacuous: random policies do decide packets", () => {
  let decided = 0, none = 0;
  fc.assert(
    fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 20 }), packetArb, (inits, init) => {
      const rules = inits.map((r, i) => rule({ ...r, name: `r${i}` }));
      if (reference(rules, packet(init), DIR_IN).code === FW_NONE) none++;
      else decided++;
    }),
    { numRuns: 500 },
  );
  assert.ok(decided > 50, `decided ${decided}`);
  assert.ok(none > 50, `none ${none}`);
});

test.run();
