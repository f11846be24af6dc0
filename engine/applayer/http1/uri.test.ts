import { test } from "uvu";
import * as assert from "uvu/assert";
import { UriNormalizer } from "./uri.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");
const n = new UriNormalizer();

function norm(s: string): string {
  const raw = enc.encode(s);
  const out = new Uint8Array(raw.length + 16);
  const len = n.normalize(raw, 0, raw.length, out, 0, out.length);
  return dec.decode(out.subarray(0, len));
}

test("plain paths and queries are unchanged; + is left alone", () => {
  assert.is(norm("/index.html"), "/index.html");
  assert.is(norm("/search?q=a+b&x=1"), "/search?q=a+b&x=1");
  assert.is(norm("/"), "/");
  assert.is(n.doubleEncoded, false);
});

test("percent and %u decoding in path and query", () => {
  assert.is(norm("/a%20b"), "/a b");
  assert.is(norm("/x?q=UNION%20SELECT"), "/x?q=UNION SELECT");
  assert.is(norm("/%u0041dmin"), "/Admin");
  assert.is(norm("/%uff0e%uff0e/etc"), "/etc"); // full-width dots are dots
  assert.is(norm("/%u4e2d"), "/?");
  assert.is(norm("/bad%zzescape%"), "/bad%zzescape%");
});

test("path normalisation: /./, /../, //, backslashes, encoded dots", () => {
  assert.is(norm("/a/./b"), "/a/b");
  assert.is(norm("/a/b/../c"), "/a/c");
  assert.is(norm("/a//b///c"), "/a/b/c");
  assert.is(norm("/a\\b\\..\\c"), "/a/c");
  assert.is(norm("/a/%2e%2e/b"), "/b");
  assert.is(norm("/a/%u002e%u002e/b"), "/b");
  assert.is(norm("/../../etc/passwd"), "/etc/passwd");
  assert.is(norm("/a/b/.."), "/a/");
  assert.is(norm("/a/."), "/a/");
  assert.is(norm("/cgi-bin/%2e%2e%5c%2e%2e%5cwinnt/system32/cmd.exe?/c+dir"), "/winnt/system32/cmd.exe?/c+dir");
  assert.is(norm("/a/..?x=/../y"), "/?x=/../y"); // the query is not a path
});

test("double encoding is decoded once and reported", () => {
  assert.is(norm("/%252e%252e/x"), "/%2e%2e/x");
  assert.is(n.doubleEncoded, true);
  norm("/100%25");
  assert.is(n.doubleEncoded, false);
  norm("/%25u002e");
  assert.is(n.doubleEncoded, true);
});

test("absolute-form target: path and query only, host reported", () => {
  const s = "http://User@Example.COM:8080/a/../b?c=1";
  assert.is(norm(s), "/b?c=1");
  assert.is(n.absolute, true);
  assert.is(s.slice(n.hostStart, n.hostStart + n.hostLen), "Example.COM:8080");
  norm("/http://x");
  assert.is(n.absolute, false);
});

test("output is bounded by cap", () => {
  const raw = enc.encode("/aaaaaaaaaa?bbbbbbbbbb");
  const out = new Uint8Array(32).fill(7);
  const len = n.normalize(raw, 0, raw.length, out, 2, 5);
  assert.is(len, 5);
  assert.is(out[7], 7);
  assert.is(out[1], 7);
});

test.run();
