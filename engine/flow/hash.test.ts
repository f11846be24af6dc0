import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { endpointHash, flowHash, fmix32, scrambleFlowId } from "./hash.ts";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: 0xffff });

test("the flow hash is symmetric and stays a uint32", () => {
  fc.assert(
    fc.property(fc.array(u32, { minLength: 8, maxLength: 8 }), port, port, fc.integer({ min: 0, max: 255 }), (w, pa, pb, proto) => {
      const words = Uint32Array.from(w);
      const a = endpointHash(words, 0, pa);
      const b = endpointHash(words, 4, pb);
      const h = flowHash(a, b, proto, 4, 10, 0);
      return h === flowHash(b, a, proto, 4, 10, 0) && h >>> 0 === h;
    }),
  );
});

test("the key's other parts change the hash", () => {
  const a = endpointHash(Uint32Array.of(0x0a000001, 0, 0, 0), 0, 40000);
  const b = endpointHash(Uint32Array.of(0x0a000002, 0, 0, 0), 0, 80);
  const h = flowHash(a, b, 6, 4, 0, 0);
  assert.is.not(flowHash(a, b, 17, 4, 0, 0), h);
  assert.is.not(flowHash(a, b, 6, 6, 0, 0), h);
  assert.is.not(flowHash(a, b, 6, 4, 1, 0), h);
  assert.is.not(flowHash(a, b, 6, 4, 0, 1), h);
  assert.is.not(endpointHash(Uint32Array.of(0x0a000001, 0, 0, 0), 0, 40001), a);
});

test("sequential ports spread evenly over buckets", () => {
  const buckets = new Uint32Array(1024);
  const b = endpointHash(Uint32Array.of(0x0a000002, 0, 0, 0), 0, 80);
  for (let i = 0; i < 8192; i++) {
    const h = flowHash(endpointHash(Uint32Array.of(0x0a000001, 0, 0, 0), 0, 1024 + i), b, 6, 4, 0, 0);
    buckets[h & 1023]++;
  }
  let max = 0;
  for (const n of buckets) if (n > max) max = n;
  assert.ok(max <= 24, `longest chain ${max} for a mean of 8`);
});

test("addresses and ports counting up together do not cancel out", () => {
  const buckets = new Uint32Array(4096);
  const b = endpointHash(Uint32Array.of(0x0a100001, 0, 0, 0), 0, 80);
  for (let i = 0; i < 100_000; i++) {
    const a = endpointHash(Uint32Array.of(0x0a000000 + (i & 0xffff), 0, 0, 0), 0, 1024 + (i % 50_000));
    buckets[flowHash(a, b, 6, 4, 0, 0) & 4095]++;
  }
  let max = 0;
  let used = 0;
  for (const n of buckets) {
    if (n > max) max = n;
    if (n > 0) used++;
  }
  assert.is(used, 4096);
  assert.ok(max <= 60, `longest chain ${max} for a mean of 24`);
});

test("fmix32 is a bijection on a sample; flow ids are unique, positive and below 2^53", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) seen.add(fmix32(i));
  assert.is(seen.size, 100_000);
  const ids = new Set<number>();
  for (const n of [0, 1, 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52 - 1]) {
    const id = scrambleFlowId(n);
    assert.ok(id > 0 && id < 2 ** 53 && Number.isInteger(id), `id ${id} for ${n}`);
    ids.add(id);
  }
  assert.is(ids.size, 7);
  assert.is.not(scrambleFlowId(1) - scrambleFlowId(0), 1, "consecutive flows do not get consecutive ids");
});

test.run();
