import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExprError, parseAddrExpr, parsePortExpr } from "./address.ts";
import { defaultVars } from "./vars.ts";

const V = defaultVars();
const ip = (s: string) => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);

test("any and single addresses, host bits masked as Suricata", () => {
  assert.equal(parseAddrExpr("any", V), { any: true, ranges: [] });
  assert.equal(parseAddrExpr("192.168.1.5/24", V).ranges, [{ v: 4, lo: ip("192.168.1.0"), hi: ip("192.168.1.255") }]);
  assert.equal(parseAddrExpr("10.0.0.1", V).ranges, [{ v: 4, lo: ip("10.0.0.1"), hi: ip("10.0.0.1") }]);
  assert.equal(parseAddrExpr("1.2.3.0/255.255.255.0", V).ranges, [{ v: 4, lo: ip("1.2.3.0"), hi: ip("1.2.3.255") }]);
  assert.equal(parseAddrExpr("10.0.0.1-10.0.0.9", V).ranges, [{ v: 4, lo: ip("10.0.0.1"), hi: ip("10.0.0.9") }]);
});

test("HOME_NET default folds and merges; EXTERNAL_NET is its IPv4 complement", () => {
  const home = parseAddrExpr("$HOME_NET", V);
  assert.equal(home.ranges.length, 3);
  assert.equal(home.ranges[0], { v: 4, lo: ip("10.0.0.0"), hi: ip("10.255.255.255") });
  const ext = parseAddrExpr("$EXTERNAL_NET", V);
  assert.not.ok(ext.any);
  assert.ok(ext.ranges.every((r) => r.v === 4), "IPv4-only HOME_NET negates within IPv4 only (Suricata)");
  assert.equal(ext.ranges[0], { v: 4, lo: 0, hi: ip("9.255.255.255") });
  assert.equal(ext.ranges.length, 4);
});

test("nested groups and negation at any level", () => {
  const r = parseAddrExpr("[10.0.0.0/8,![10.1.0.0/16,!10.1.2.0/24]]", V);
  assert.equal(r.ranges, [
    { v: 4, lo: ip("10.0.0.0"), hi: ip("10.0.255.255") },
    { v: 4, lo: ip("10.1.2.0"), hi: ip("10.1.2.255") },
    { v: 4, lo: ip("10.2.0.0"), hi: ip("10.255.255.255") },
  ]);
  assert.equal(parseAddrExpr("!!1.1.1.1", V).ranges, [{ v: 4, lo: ip("1.1.1.1"), hi: ip("1.1.1.1") }]);
  assert.equal(parseAddrExpr("[1.1.1.1, 2.2.2.2]", V).ranges.length, 2);
});

test("IPv6 addresses and prefixes", () => {
  const r = parseAddrExpr("2001:db8::1/32", V);
  assert.equal(r.ranges, [{ v: 6, lo: [0x20010db8, 0, 0, 0], hi: [0x20010db8, 0xffffffff, 0xffffffff, 0xffffffff] }]);
  const m = parseAddrExpr("::ffff:1.2.3.4", V);
  assert.equal(m.ranges[0], { v: 6, lo: [0, 0, 0xffff, 0x01020304], hi: [0, 0, 0xffff, 0x01020304] });
  assert.equal(parseAddrExpr("[0.0.0.0/0,::/0]", V), { any: true, ranges: [] });
});

test("errors: nothing left, undefined variable, bad address, with offsets", () => {
  const err = (s: string, vars = V): ExprError => {
    try {
      parseAddrExpr(s, vars);
    } catch (e) {
      if (e instanceof ExprError) return e;
    }
    throw new Error(`no error for ${s}`);
  };
  assert.is(err("!any").reason, "address matches nothing");
  assert.is(err("[10.0.0.0/8,!10.0.0.0/7]").reason, "address matches nothing");
  const u = err("[1.1.1.1,$NOPE]");
  assert.is(u.reason, "undefined variable");
  assert.match(u.message, /\$NOPE/);
  assert.is(u.offset, 9);
  assert.is(err("300.1.1.1").reason, "invalid address");
  assert.is(err("1.1.1.1/33").reason, "invalid address");
  assert.is(err("[1.1.1.1").reason, "invalid address");
  assert.is(err("$A", { A: "$A" }).reason, "undefined variable");
});

test("ports: ranges, open ranges, negation, variables", () => {
  assert.equal(parsePortExpr("any", V), { any: true, ranges: [] });
  assert.equal(parsePortExpr("[1:1024,!80]", V).ranges, [[1, 79], [81, 1024]]);
  assert.equal(parsePortExpr(":1024", V).ranges, [[0, 1024]]);
  assert.equal(parsePortExpr("1024:", V).ranges, [[1024, 65535]]);
  assert.equal(parsePortExpr("$SHELLCODE_PORTS", V).ranges, [[0, 79], [81, 65535]]);
  assert.equal(parsePortExpr("$FILE_DATA_PORTS", V).ranges, [[80, 80], [110, 110], [143, 143]]);
  assert.equal(parsePortExpr("[80,81,82]", V).ranges, [[80, 82]]);
  assert.throws(() => parsePortExpr("70000", V), (e: unknown) => e instanceof ExprError && e.reason === "invalid port");
  assert.throws(() => parsePortExpr("[80,!80]", V), (e: unknown) => e instanceof ExprError && e.reason === "port matches nothing");
  assert.throws(() => parsePortExpr("!any", V), (e: unknown) => e instanceof ExprError);
  assert.throws(() => parsePortExpr("90:80", V), (e: unknown) => e instanceof ExprError);
});

test.run();
