import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_HTTP1, ALPROTO_UNKNOWN } from "../proto.ts";
import { probeHttp1 } from "./probe.ts";

const p = (s: string, dir = 0) => {
  const b = new TextEncoder().encode("xx" + s);
  return probeHttp1(dir, b, 2, b.length - 2);
};

test("methods, unusual methods and responses are HTTP", () => {
  assert.is(p("GET / HTTP/1.1\r\n"), ALPROTO_HTTP1);
  assert.is(p("PROPFIND /x HTTP/1.1\r\n"), ALPROTO_HTTP1);
  assert.is(p("M-SEARCH * HTTP/1.1\r\n"), ALPROTO_HTTP1);
  assert.is(p("HTTP/1.1 200 OK\r\n", 1), ALPROTO_HTTP1);
});

test("short prefixes need more; others are not HTTP", () => {
  assert.is(p(""), PROBE_NEED_MORE);
  assert.is(p("G"), PROBE_NEED_MORE);
  assert.is(p("POS"), PROBE_NEED_MORE);
  assert.is(p("HTTP"), PROBE_NEED_MORE);
  assert.is(p("\x16\x03\x01\x00"), ALPROTO_UNKNOWN);
  assert.is(p("SSH-2.0-OpenSSH"), ALPROTO_UNKNOWN);
  assert.is(p("GETX / HTTP/1.1"), ALPROTO_UNKNOWN);
});

test.run();
