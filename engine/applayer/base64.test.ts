import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { B64_RELAX, B64_RFC2045, B64_STRICT, Base64State, base64Decode, base64DecodeStream, base64StreamEnd, qpDecodeLine, QpState } from "./base64.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const str = (b: Uint8Array, n: number) => String.fromCharCode(...b.subarray(0, n));

function dec(s: string, mode: number): string | number {
  const out = new Uint8Array(256);
  const n = base64Decode(enc(s), 0, s.length, out, 0, out.length, mode);
  return n < 0 ? n : str(out, n);
}

test("RFC 4648 test vectors, strict", () => {
  const v: [string, string][] = [["", ""], ["Zg==", "f"], ["Zm8=", "fo"], ["Zm9v", "foo"], ["Zm9vYg==", "foob"], ["Zm9vYmE=", "fooba"], ["Zm9vYmFy", "foobar"]];
  for (const [e, d] of v) assert.is(dec(e, B64_STRICT), d);
  assert.is(dec("Zm9v YmFy", B64_STRICT), -1);
  assert.is(dec("Zm9v*", B64_STRICT), -1);
  assert.is(dec("Zg==Zg==", B64_STRICT), -1);
});

test("relaxed (base64_decode): skips whitespace, stops at an invalid byte or padding", () => {
  assert.is(dec("Zm9v\r\n YmFy", B64_RELAX), "foobar");
  assert.is(dec("Zm9v*YmFy", B64_RELAX), "foo");
  assert.is(dec("Zm8=YmFy", B64_RELAX), "fo");
  assert.is(dec("Zm9vYg", B64_RELAX), "foob"); // partial quantum kept
  assert.is(dec("Zm9v*YmFy", B64_RFC2045), "foobar");
});

test("output is bounded by dstCap", () => {
  const out = new Uint8Array(8).fill(0xee);
  assert.is(base64Decode(enc("Zm9vYmFy"), 0, 8, out, 2, 4, B64_RELAX), 4);
  assert.is(out[6], 0xee);
});

test("streaming decode gives the same bytes however the input is split", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 17 }), (data, step) => {
      const b64 = enc(Buffer.from(data).toString("base64").replace(/(.{7})/g, "$1\r\n"));
      const st = new Base64State();
      const out = new Uint8Array(400);
      let w = 0;
      for (let o = 0; o < b64.length; o += step) w += base64DecodeStream(st, b64, o, Math.min(step, b64.length - o), out, w, out.length - w);
      w += base64StreamEnd(st, out, w, out.length - w);
      assert.equal(Array.from(out.subarray(0, w)), Array.from(data));
      assert.is(st.invalid, 0);
    }),
  );
});

test("quoted-printable lines", () => {
  const out = new Uint8Array(64);
  const st = new QpState();
  const l = (s: string, partial = false) => str(out, qpDecodeLine(enc(s), 0, s.length, out, 0, out.length, partial, st));
  assert.is(l("caf=C3=A9"), "caf\xc3\xa9\r\n");
  assert.is(l("soft="), "soft");
  assert.is(l("trailing   "), "trailing\r\n");
  assert.is(l("lower=3d"), "lower=\r\n");
  assert.is(st.invalid, 0);
  assert.is(l("bad=ZZ"), "bad=ZZ\r\n");
  assert.is(st.invalid, 1);
  assert.is(l("part", true), "part");
});

test.run();
