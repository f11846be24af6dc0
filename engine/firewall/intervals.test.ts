import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  BitsetPool,
  buildDimension,
  directTable,
  listMatchSet,
  mergeSpans,
  subtractSpans,
} from "./intervals.ts";

const sp = (lo: number, hi: number) => ({ lo: BigInt(lo), hi: BigInt(hi) });
const e = (lo: number, hi: number, negated = false) => ({ ...sp(lo, hi), negated });

test("mergeSpans sorts and joins overlapping and adjacent spans", () => {
  assert.equal(mergeSpans([sp(10, 20), sp(0, 3), sp(4, 5), sp(15, 30), sp(40, 40)]), [
    sp(0, 5),
    sp(10, 30),
    sp(40, 40),
  ]);
  assert.equal(mergeSpans([]), []);
});

test("subtractSpans cuts holes and trims edges", () => {
  assert.equal(subtractSpans([sp(0, 100)], [sp(0, 0), sp(10, 20), sp(100, 200)]), [sp(1, 9), sp(21, 99)]);
  assert.equal(subtractSpans([sp(5, 6)], [sp(0, 10)]), []);
  assert.equal(subtractSpans([sp(0, 3), sp(8, 9)], []), [sp(0, 3), sp(8, 9)]);
});

test("listMatchSet: positive minus negative, negative-only is the complement, empty is nothing", () => {
  assert.equal(listMatchSet([e(80, 90), e(85, 85, true)], true, 65535n), [sp(80, 84), sp(86, 90)]);
  assert.equal(listMatchSet([e(22, 22, true)], false, 65535n), [sp(0, 21), sp(23, 65535)]);
  assert.equal(listMatchSet([], false, 65535n, false), []);
  // positives exist only in another domain (the other IP version): nothing here matches
  assert.equal(listMatchSet([], true, 255n), []);
});

test("buildDimension: elementary intervals with the rules matching each, deduplicated", () => {
  const pool = new BitsetPool(1);
  const dim = buildDimension([[sp(10, 19)], null, [sp(15, 255)], []], 255n, pool);
  assert.equal(dim.starts, [0n, 10n, 15n, 20n]);
  const sets = pool.finish();
  assert.equal(dim.sets.map((o) => sets[o]), [0b0010, 0b0011, 0b0111, 0b0110]);
  assert.is(sets[dim.absent], 0b0010);
  const table = directTable(dim, 255, 1);
  assert.is(sets[table[9]], 0b0010);
  assert.is(sets[table[15]], 0b0111);
  assert.is(sets[table[255]], 0b0110);
  assert.is(sets[table[256]], 0b0010, "the extra entry is the absent set");
  // equal bitsets share storage
  const again = buildDimension([[sp(10, 19)], null, [sp(15, 255)], []], 255n, pool);
  assert.equal(again.sets, dim.sets);
});

test("bitsets span several words for more than 32 rules", () => {
  const pool = new BitsetPool(2);
  const perRule = Array.from({ length: 40 }, (_, i) => (i === 35 ? [sp(5, 5)] : null));
  const dim = buildDimension(perRule, 9n, pool);
  const sets = pool.finish();
  const five = dim.sets[dim.starts.indexOf(5n)];
  assert.is(sets[five + 1] >>> 0, 0xff);
  const six = dim.sets[dim.starts.indexOf(6n)];
  assert.is(sets[six + 1] >>> 0, 0xf7);
});

test.run();
