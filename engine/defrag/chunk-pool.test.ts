import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { ChunkPool } from "./chunk-pool.ts";

test("bytes written to a chain read back the same across chunk boundaries", () => {
  const pool = new ChunkPool(1024, 64, 256);
  const src = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff);
  const head = pool.alloc(200);
  assert.ok(head >= 0);
  assert.is(pool.freeChunks, 16 - 4);
  pool.write(head, src, 0, 200);
  pool.readWithin(head, pool.extraOff + 10, 200);
  assert.equal(pool.data.slice(pool.extraOff + 10, pool.extraOff + 210), src);
  assert.is(pool.free(head), 4);
  assert.is(pool.freeChunks, 16);
});

test("a request larger than what is free fails without taking anything", () => {
  const pool = new ChunkPool(256, 64);
  const a = pool.alloc(192);
  assert.is(pool.alloc(65), -1);
  assert.is(pool.freeChunks, 1);
  assert.ok(pool.alloc(64) >= 0);
  assert.is(pool.alloc(1), -1);
  pool.free(a);
  assert.is(pool.alloc(0), -1, "nothing to hold");
  assert.is(new ChunkPool(100, 128).capacity, 0);
});

test("any interleaving of allocs and frees leaves the pool usable to its last chunk", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 500 })), { maxLength: 200 }), (ops) => {
      const pool = new ChunkPool(2048, 32);
      const held: number[] = [];
      let used = 0;
      for (const [doFree, len] of ops) {
        if (doFree && held.length > 0) used -= pool.free(held.splice(len % held.length, 1)[0]);
        else {
          const h = pool.alloc(len);
          if (h >= 0) {
            held.push(h);
            used += pool.chunksFor(len);
          } else if (pool.freeChunks >= pool.chunksFor(len)) return false;
        }
        if (pool.capacity - pool.freeChunks !== used) return false;
      }
      for (const h of held) pool.free(h);
      return pool.freeChunks === pool.capacity && pool.alloc(2048) >= 0;
    }),
  );
});

test.run();
