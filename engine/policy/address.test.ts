import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatAddress, parseAddress } from "./address.ts";
import { DocumentError } from "./document.ts";

const W = { file: "p.yaml", line: 3, col: 9 };

function fails(text: string): string {
  try {
    parseAddress(text, W);
  } catch (e) {
    assert.instance(e, DocumentError);
    return (e as DocumentError).message;
  }
  assert.unreachable(`no error for ${text}`);
  return "";
}

test("single addresses, CIDR blocks and ranges become inclusive word ranges", () => {
  const a = parseAddress("192.168.1.7", W);
  assert.equal([a.version, a.first, a.last, a.text], [4, [0xc0a80107, 0, 0, 0], [0xc0a80107, 0, 0, 0], "192.168.1.7"]);
  const c = parseAddress(" 10.0.0.0/8 ", W);
  assert.equal([c.first[0], c.last[0], c.text], [0x0a000000, 0x0affffff, "10.0.0.0/8"]);
  const all = parseAddress("0.0.0.0/0", W);
  assert.equal([all.first[0], all.last[0]], [0, 0xffffffff]);
  const r = parseAddress("10.0.0.1 - 10.0.0.9", W);
  assert.equal([r.first[0], r.last[0]], [0x0a000001, 0x0a000009]);
  const v6 = parseAddress("fd00::/8", W);
  assert.equal([v6.version, v6.first, v6.last], [6, [0xfd000000, 0, 0, 0], [0xfdffffff, 0xffffffff, 0xffffffff, 0xffffffff]]);
  const full = parseAddress("2001:0db8:0000:0000:0000:0000:0000:0001", W);
  assert.equal(full.first, [0x20010db8, 0, 0, 1]);
  assert.equal(parseAddress("2001:db8::1", W).first, [0x20010db8, 0, 0, 1]);
  assert.equal(parseAddress("::ffff:192.0.2.1", W).first, [0, 0, 0xffff, 0xc0000201]);
  assert.equal(parseAddress("::", W).last, [0, 0, 0, 0]);
  assert.equal(parseAddress("::/0", W).last, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  const r6 = parseAddress("fe80::1-fe80::ff", W);
  assert.equal([r6.first[3], r6.last[3]], [1, 0xff]);
  assert.equal(parseAddress("10.0.0.5/32", W).last[0], 0x0a000005);
});

test("bad addresses give a reason and a fix where there is one", () => {
  assert.is(fails("192.168.1.5/24"), "p.yaml:3:9: 192.168.1.5/24 has host bits set; did you mean 192.168.1.0/24?");
  assert.is(fails("fd00::1/8"), "p.yaml:3:9: fd00::1/8 has host bits set; did you mean fd00::/8?");
  assert.is(fails("2001:db8:0:0:1::/64"), "p.yaml:3:9: 2001:db8:0:0:1::/64 has host bits set; did you mean 2001:db8::/64?");
  assert.is(fails("10.0.0.9-10.0.0.1"), "p.yaml:3:9: the range 10.0.0.9-10.0.0.1 is backwards; did you mean 10.0.0.1-10.0.0.9?");
  assert.match(fails("10.0.0.1-::1"), /mixes IPv4 and IPv6/);
  assert.match(fails("1.2.3.4/33"), /prefix length "\/33" must be a number from 0 to 32 for IPv4/);
  assert.match(fails("::/129"), /from 0 to 128 for IPv6/);
  assert.match(fails("1.2.3.4/"), /prefix length/);
  assert.match(fails("256.1.1.1"), /"256.1.1.1" is not an IPv4 or IPv6 address/);
  assert.match(fails("1.2.3"), /not an IPv4 or IPv6 address/);
  assert.match(fails("01.2.3.4"), /not an IPv4 or IPv6 address/);
  assert.match(fails("1::2::3"), /not an IPv4 or IPv6 address/);
  assert.match(fails("1:2:3:4:5:6:7:8:9"), /not an IPv4 or IPv6 address/);
  assert.match(fails("example.com"), /not an IPv4 or IPv6 address/);
  assert.match(fails("fe80::1%eth0"), /zone ids/);
  assert.match(fails("10.0.0.0/8-10.1.0.0"), /a range cannot contain a CIDR block/);
  assert.match(fails("10.0.0.1-"), /a range needs a first and a last address/);
  assert.match(fails("!10.0.0.1"), /negation/);
  assert.match(fails(""), /empty address/);
});

test("formatAddress compresses IPv6 the way RFC 5952 says", () => {
  assert.is(formatAddress(4, 0xc0a80001n), "192.168.0.1");
  assert.is(formatAddress(6, 0n), "::");
  assert.is(formatAddress(6, 1n), "::1");
  assert.is(formatAddress(6, 0x20010db8000000000001000000000001n), "2001:db8::1:0:0:1");
  assert.is(formatAddress(6, 0x20010db8000100010001000100010001n), "2001:db8:1:1:1:1:1:1");
});

test.run();
