import { createHash } from "node:crypto";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeHex } from "./hex.ts";
import { Md5 } from "./md5.ts";
import { Sha1 } from "./sha1.ts";
import { Sha256 } from "./sha256.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface Hasher {
  reset(): void;
  update(buf: Uint8Array, off: number, len: number): void;
  final(out: Uint8Array, outOff: number): void;
}
const algos: Array<[string, Hasher, number]> = [
  ["md5", new Md5(), 16],
  ["sha1", new Sha1(), 20],
  ["sha256", new Sha256(), 32],
];

test("known vectors", () => {
  const abc = new TextEncoder().encode("abc");
  const want: Record<string, string> = {
    md5: "900150983cd24fb0d6963f7d28e17f72",
    sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  };
  for (const [name, h, n] of algos) {
    const out = new Uint8Array(n);
    h.reset();
    h.update(abc, 0, 3);
    h.final(out, 0);
    assert.is(hex(out), want[name], name);
  }
});

test("one shot and split updates match node:crypto (fast-check)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (data, s1, s2) => {
      for (const [name, h, n] of algos) {
        const ref = createHash(name).update(data).digest("hex");
        const out = new Uint8Array(n + 3);
        h.reset();
        h.update(data, 0, data.length);
        h.final(out, 3);
        assert.is(hex(out.subarray(3)), ref, name);
        const a = data.length === 0 ? 0 : s1 % (data.length + 1);
        const b = a + (data.length - a === 0 ? 0 : s2 % (data.length - a + 1));
        h.reset();
        h.update(data, 0, a);
        h.update(data, a, b - a);
        h.update(data, b, data.length - b);
        h.final(out, 0);
        assert.is(hex(out.subarray(0, n)), ref, `${name} split ${a}/${b}`);
      }
    }),
    { numRuns: 300 },
  );
});

test("lengths around block boundaries", () => {
  for (let len = 0; len < 200; len++) {
    const data = new Uint8Array(len).map((_, i) => (i * 7 + len) & 255);
    for (const [name, h, n] of algos) {
      const out = new Uint8Array(n);
      h.reset();
      h.update(data, 0, len);
      h.final(out, 0);
      assert.is(hex(out), createHash(name).update(data).digest("hex"), `${name} len ${len}`);
    }
  }
});

test("out-of-range update reads only what exists", () => {
  const h = new Sha1();
  const out = new Uint8Array(20);
  const data = new Uint8Array([1, 2, 3]);
  h.update(data, 1, 100);
  h.final(out, 0);
  assert.is(hex(out), createHash("sha1").update(data.subarray(1)).digest("hex"));
});

test("writeHex formats with separators and case", () => {
  const out = new Uint8Array(16);
  const n = writeHex(new Uint8Array([0x0a, 0x1b, 0xff]), 0, 3, out, 0, 0x3a, true);
  assert.is(new TextDecoder().decode(out.subarray(0, n)), "0A:1B:FF");
  const m = writeHex(new Uint8Array([0x0a, 0x1b]), 0, 2, out, 0, 0, false);
  assert.is(new TextDecoder().decode(out.subarray(0, m)), "0a1b");
  // bounded by the output
  assert.is(writeHex(new Uint8Array([1, 2, 3]), 0, 3, new Uint8Array(4), 0, 0x3a, false), 2);
});

test.run();
