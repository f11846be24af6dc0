import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { HpackDecoder, HUFFMAN_CODES, huffmanDecode, huffmanLength } from "./hpack.ts";

function hex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, "");
  const b = new Uint8Array(h.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function decode(d: HpackDecoder, block: Uint8Array): [string, string][] {
  const out: [string, string][] = [];
  const s = (b: Uint8Array, o: number, l: number) => String.fromCharCode(...b.subarray(o, o + l));
  const r = d.decode(block, 0, block.length, {
    header: (b, no, nl, vo, vl) => out.push([s(b, no, nl), s(b, vo, vl)]),
  });
  assert.is(r, 0);
  return out;
}

test("Huffman codes match RFC 7541 Appendix B (spot checks)", () => {
  assert.is(HUFFMAN_CODES[0], 0x1ff8);
  assert.is(huffmanLength(0), 13);
  assert.is(HUFFMAN_CODES[48], 0x0); // '0'
  assert.is(HUFFMAN_CODES[97], 0x3); // 'a'
  assert.is(HUFFMAN_CODES[241], 0x7ffffe6);
  assert.is(HUFFMAN_CODES[255], 0x3ffffee);
  assert.is(HUFFMAN_CODES[256], 0x3fffffff); // EOS
  assert.is(HUFFMAN_CODES[92], 0x7fff0); // '\\'
});

test("Huffman decode: RFC 7541 C.4.1 string and bad padding", () => {
  const dst = new Uint8Array(64);
  const n = huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"), 0, 12, dst, 0, 64);
  assert.is(String.fromCharCode(...dst.subarray(0, n)), "www.example.com");
  // padding with a zero bit is invalid
  assert.is(huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4fe"), 0, 12, dst, 0, 64), -1);
  // a whole byte of padding is invalid
  assert.is(huffmanDecode(hex("ff"), 0, 1, dst, 0, 64), -1);
});

/** Bit-at-a-time reference decoder straight from the code table (what the nibble tables replace). */
function referenceHuffman(src: Uint8Array, dst: Uint8Array, dstOff: number, cap: number): number {
  let code = 0;
  let len = 0;
  let w = 0;
  for (const byte of src) {
    for (let b = 7; b >= 0; b--) {
      code = code * 2 + ((byte >> b) & 1);
      len++;
      for (let sym = 0; sym <= 256; sym++) {
        if (huffmanLength(sym) !== len || HUFFMAN_CODES[sym] !== code) continue;
        if (sym === 256) return -1;
        if (w >= cap) return -2;
        dst[dstOff + w++] = sym;
        code = 0;
        len = 0;
        break;
      }
    }
  }
  return len > 7 || code !== 2 ** len - 1 ? -1 : w;
}

function huffmanEncode(data: Uint8Array, padBits: number, padOnes: boolean): Uint8Array {
  const bits: number[] = [];
  for (const b of data) {
    for (let i = huffmanLength(b) - 1; i >= 0; i--) bits.push(Math.floor(HUFFMAN_CODES[b] / 2 ** i) & 1);
  }
  for (let i = 0; i < padBits || bits.length % 8 !== 0; i++) bits.push(padOnes || i > 0 ? 1 : 0);
  const out = new Uint8Array(bits.length / 8);
  for (let i = 0; i < bits.length; i++) out[i >> 3] |= bits[i] << (7 - (i & 7));
  return out;
}

test("Huffman decode (nibble tables) agrees with a bit-at-a-time reference", () => {
  const dst = new Uint8Array(300);
  const ref = new Uint8Array(300);
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 0, max: 16 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 60 }),
      fc.uint8Array({ maxLength: 12 }),
      (data, padBits, padOnes, cap, garbage) => {
        for (const src of [huffmanEncode(data, padBits, padOnes), garbage]) {
          dst.fill(0);
          ref.fill(0);
          const got = huffmanDecode(src, 0, src.length, dst, 5, cap);
          const want = referenceHuffman(src, ref, 5, cap);
          assert.is(got, want);
          if (want >= 0) assert.equal(dst.subarray(0, 5 + want), ref.subarray(0, 5 + want));
        }
        const enc = huffmanEncode(data, 0, true);
        assert.is(huffmanDecode(enc, 0, enc.length, dst, 0, 300), data.length);
        assert.equal(dst.subarray(0, data.length), data);
      },
    ),
    { numRuns: 400 },
  );
});

test("RFC 7541 C.3: requests without Huffman coding", () => {
  const d = new HpackDecoder(4096);
  assert.equal(decode(d, hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d")), [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
  ]);
  assert.is(d.size, 57);
  assert.equal(decode(d, hex("8286 84be 5808 6e6f 2d63 6163 6865")), [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"],
  ]);
  assert.is(d.size, 110);
  assert.equal(decode(d, hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65")), [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ]);
  assert.is(d.size, 164);
  assert.is(d.entries, 3);
});

test("RFC 7541 C.4: requests with Huffman coding", () => {
  const d = new HpackDecoder(4096);
  assert.equal(decode(d, hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))[3], [":authority", "www.example.com"]);
  assert.equal(decode(d, hex("8286 84be 5886 a8eb 1064 9cbf"))[4], ["cache-control", "no-cache"]);
  assert.equal(decode(d, hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))[4], ["custom-key", "custom-value"]);
  assert.is(d.size, 164);
});

test("RFC 7541 C.6: responses with Huffman coding and eviction (table size 256)", () => {
  const d = new HpackDecoder(256);
  assert.equal(
    decode(d, hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3")),
    [
      [":status", "302"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["location", "https://www.example.com"],
    ],
  );
  assert.is(d.size, 222);
  assert.equal(decode(d, hex("4883 640e ffc1 c0bf"))[0], [":status", "307"]);
  assert.is(d.size, 222);
  const third = decode(
    d,
    hex(
      "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ),
  );
  assert.equal(third, [
    [":status", "200"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ["location", "https://www.example.com"],
    ["content-encoding", "gzip"],
    ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
  ]);
  assert.is(d.size, 215);
  assert.is(d.entries, 3);
});

test("dynamic table compaction keeps entries intact over many insertions", () => {
  const d = new HpackDecoder(128);
  for (let i = 0; i < 200; i++) {
    const v = "v" + i;
    // literal with incremental indexing, new name "k", value v; then index 62 (newest)
    const block = new Uint8Array([0x40, 1, 0x6b, v.length, ...Array.from(v, (c) => c.charCodeAt(0)), 0xbe]);
    const h = decode(d, block);
    assert.equal(h[1], ["k", v]);
  }
  assert.ok(d.size <= 128);
});

test("malformed blocks never throw; errors are reported", () => {
  const d = new HpackDecoder(4096);
  const sink = { header: () => {} };
  assert.ok(d.decode(new Uint8Array([0x80]), 0, 1, sink) !== 0); // index 0
  assert.ok(d.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 0, 6, sink) !== 0); // overflow
  assert.ok(d.decode(new Uint8Array([0xbe]), 0, 1, sink) !== 0); // dynamic index past the table
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      d.decode(b, 0, b.length, sink);
      return d.size <= d.maxSize;
    }),
    { numRuns: 2000 },
  );
});

test.run();
