import { test } from "uvu";
import * as assert from "uvu/assert";
import { base64Lenient, ContentInspector, findBytes } from "./inspect.ts";
import { Block, BlockOp, OP_BYTE_EXTRACT, OP_BYTE_JUMP, OP_BYTE_TEST, OP_CONTENT, OP_ISDATAAT } from "./signature.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function content(pat: string, o: Partial<BlockOp> = {}): BlockOp {
  const op = new BlockOp(OP_CONTENT);
  op.pattern = o.nocase ? enc(pat.toLowerCase()) : enc(pat);
  Object.assign(op, o);
  op.relative = op.hasDistance || op.hasWithin;
  return op;
}

function run(ops: BlockOp[], subject: string): boolean {
  for (let i = 0; i + 1 < ops.length; i++) {
    ops[i].withinNext = ops[i + 1].kind === OP_CONTENT && ops[i + 1].hasWithin;
    ops[i].relativeNext = ops[i + 1].relative;
  }
  const buf = enc("##" + subject + "##");
  return new ContentInspector().inspect(new Block(0, new Int32Array(0), ops), buf, 2, buf.length - 4, 0);
}

test("findBytes: case-sensitive and nocase, bounds", () => {
  const b = enc("xxAbCxx");
  assert.is(findBytes(b, 0, b.length, enc("AbC"), false), 2);
  assert.is(findBytes(b, 0, b.length, enc("abc"), false), -1);
  assert.is(findBytes(b, 0, b.length, enc("abc"), true), 2);
  assert.is(findBytes(b, 0, 4, enc("abc"), true), -1);
});

test("content: offset and depth are absolute within the view", () => {
  assert.ok(run([content("abc", { offset: 2, depth: 5 })], "xxabcxx"));
  assert.not.ok(run([content("abc", { offset: 3 })], "xxabcxx"));
  assert.not.ok(run([content("abc", { depth: 4 })], "xxabcxx"));
});

test("content: distance/within retry the earlier content at its next occurrence", () => {
  // first "a" is followed by x; the second "a" is followed by b within 1
  assert.ok(run([content("a"), content("b", { hasDistance: true, distance: 0, hasWithin: true, within: 1 })], "axxab"));
  assert.not.ok(run([content("a"), content("b", { hasDistance: true, distance: 0, hasWithin: true, within: 1 })], "axxaxb"));
  // within counts from the end of the previous match plus distance (Suricata)
  assert.ok(run([content("a"), content("b", { hasDistance: true, distance: 2, hasWithin: true, within: 1 })], "axxb"));
});

test("content: negation, startswith, endswith", () => {
  assert.ok(run([content("abc"), content("zzz", { negated: true })], "abc"));
  assert.not.ok(run([content("abc"), content("abc", { negated: true })], "abc"));
  assert.ok(run([content("GET", { startsWith: true, depth: 3 })], "GET /"));
  assert.not.ok(run([content("GET", { startsWith: true, depth: 3 })], " GET /"));
  assert.ok(run([content(".exe", { endsWith: true })], "a.exe"));
  assert.not.ok(run([content(".exe", { endsWith: true })], "a.exe?"));
});

test("byte_test, byte_jump, byte_extract and isdataat", () => {
  const bt = new BlockOp(OP_BYTE_TEST);
  Object.assign(bt, { count: 2, op: 1, value: 0x100, offset: 0 }); // > 256 big-endian
  assert.ok(run([bt], "\x01\x01zz"));
  assert.not.ok(run([bt], "\x00\xffzz"));
  const bj = new BlockOp(OP_BYTE_JUMP);
  Object.assign(bj, { count: 1, offset: 0 });
  const after = content("X", { hasDistance: true, distance: 0, hasWithin: true, within: 1 });
  assert.ok(run([bj, after], "\x02abX"));
  assert.not.ok(run([bj, after], "\x01abX"));
  const be = new BlockOp(OP_BYTE_EXTRACT);
  Object.assign(be, { count: 1, offset: 0, resultVar: 0, stringBase: 10 });
  const dataat = new BlockOp(OP_ISDATAAT);
  Object.assign(dataat, { valueVar: 0, relative: true });
  assert.ok(run([be, dataat], "3abc"));
  assert.not.ok(run([be, dataat], "5abc"));
});

test("base64Lenient decodes and stops at invalid bytes", () => {
  const out = new Uint8Array(64);
  const src = enc("aGVsbG8gd29ybGQ=!!!");
  const n = base64Lenient(src, 0, src.length, out);
  assert.is(new TextDecoder().decode(out.subarray(0, n)), "hello world");
});

test.run();
