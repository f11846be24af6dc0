import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUF_DCERPC_STUB_DATA, FIELD_DCERPC_IFACE_VER, FIELD_DCERPC_OPNUM } from "../../detect/buffers.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_DCERPC, ALPROTO_UNKNOWN } from "../proto.ts";
import { ascii, bind, bindAck, EPM, feed, hex, le32, NDR, pdu, Rec, request, response, SRVSVC, uuidLe } from "../smb/testing.ts";
import {
  A_DCERPC_FRAGMENT_ORDER,
  A_DCERPC_STUB_TOO_LARGE,
  DcerpcExpectedPorts,
  DcerpcParser,
  probeDcerpc,
  PT_BIND,
  PT_REQUEST,
} from "./dcerpc.ts";

const u8 = (a: number[]) => new Uint8Array(a);

test("probe: DCERPC header, not DCERPC, need more", () => {
  const b = u8(bind(1, [{ id: 0, uuid: SRVSVC, ver: 3 }]));
  assert.is(probeDcerpc(0, b, 0, b.length), ALPROTO_DCERPC);
  assert.is(probeDcerpc(0, b, 0, 8), PROBE_NEED_MORE);
  assert.is(probeDcerpc(0, u8(ascii("GET / HTTP/1.1\r\n")), 0, 16), ALPROTO_UNKNOWN);
});

test("bind → bind_ack → request: iface, version, opnum, stub; whole equals byte-at-a-time", () => {
  const stream0 = u8([...bind(2, [{ id: 0, uuid: SRVSVC, ver: 3 }]), ...request(2, 0, 31, ascii("\\\\AAAA\\..\\..\\"))]);
  const stream1 = u8([...bindAck(2, [0]), ...response(2, 0, [0, 0, 0, 0])]);
  const run = (piece: number) => {
    const p = new DcerpcParser({ slots: 2 });
    const s = p.open();
    const sink = new Rec();
    const half = bind(2, [{ id: 0, uuid: SRVSVC, ver: 3 }]).length;
    assert.is(feed(p, s, 0, stream0.subarray(0, half), sink, piece), PARSE_OK);
    assert.is(feed(p, s, 1, stream1.subarray(0, bindAck(2, [0]).length), sink, piece), PARSE_OK);
    assert.ok(p.contextAccepted(s, 0));
    assert.is(feed(p, s, 0, stream0.subarray(half), sink, piece), PARSE_OK);
    assert.is(feed(p, s, 1, stream1.subarray(bindAck(2, [0]).length), sink, piece), PARSE_OK);
    return sink;
  };
  const whole = run(0);
  assert.is(whole.seen.length, 2);
  const rq = whole.seen[0];
  assert.is(rq.dir, 0);
  assert.is(rq.fields[FIELD_DCERPC_OPNUM], 31);
  assert.is(rq.fields[FIELD_DCERPC_IFACE_VER], 3);
  assert.is(rq.iface, hex(uuidLe(SRVSVC)));
  assert.equal(rq.bufs.get(BUF_DCERPC_STUB_DATA), ["\\\\AAAA\\..\\..\\"]);
  assert.is(whole.seen[1].dir, 1);
  assert.is(whole.seen[1].txId, rq.txId, "response pairs with its request by call_id");
  assert.is(whole.seen[1].fields[FIELD_DCERPC_OPNUM], 31);
  assert.is(run(1).summary(), whole.summary());
  assert.is(run(7).summary(), whole.summary());
});

test("rejected context: no iface; big-endian drep reads the same interface", () => {
  const p = new DcerpcParser({ slots: 1 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(bind(1, [{ id: 0, uuid: SRVSVC, ver: 3 }, { id: 1, uuid: EPM, ver: 3 }])), sink);
  feed(p, s, 1, u8(bindAck(1, [2, 0])), sink);
  feed(p, s, 0, u8(request(2, 0, 5, [1])), sink);
  feed(p, s, 0, u8(request(3, 1, 3, [1])), sink);
  assert.is(sink.seen[0].iface, "", "context 0 was rejected");
  assert.is(sink.seen[1].iface, hex(uuidLe(EPM)));

  // big-endian: fields of the header, context and UUID in big-endian
  const q = new DcerpcParser({ slots: 1 });
  const t = q.open();
  const be = new Rec();
  const uuidBe = SRVSVC.replace(/-/g, "").match(/../g)!.map((x) => parseInt(x, 16));
  const body = [0x10, 0xb8, 0x10, 0xb8, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, ...uuidBe, 0, 3, 0, 0, ...NDR];
  feed(q, t, 0, u8(pdu(PT_BIND, 3, 1, body, true)), be);
  const req = pdu(PT_REQUEST, 3, 2, [0, 0, 0, 1, 0, 0, 0, 31, 0x41], true);
  feed(q, t, 0, u8(req), be);
  assert.is(be.seen.length, 1);
  assert.is(be.seen[0].fields[FIELD_DCERPC_OPNUM], 31);
  assert.is(be.seen[0].iface, hex(uuidLe(SRVSVC)), "normalised to the little-endian wire form");
  assert.equal(be.seen[0].bufs.get(BUF_DCERPC_STUB_DATA), ["A"]);
});

test("fragmented request: stub reassembled, one inspection at the last fragment; bound by maxStub", () => {
  const p = new DcerpcParser({ slots: 1, maxStub: 8 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(bind(1, [{ id: 0, uuid: SRVSVC, ver: 3 }])), sink);
  feed(p, s, 0, u8(request(2, 0, 31, ascii("abcd"), 1)), sink);
  feed(p, s, 0, u8(request(2, 0, 31, ascii("efg"), 0)), sink);
  assert.is(sink.seen.length, 0);
  feed(p, s, 0, u8(request(2, 0, 31, ascii("hijk"), 2)), sink);
  assert.is(sink.seen.length, 1);
  assert.equal(sink.seen[0].bufs.get(BUF_DCERPC_STUB_DATA), ["abcdefgh"]);
  assert.ok(sink.events.includes(A_DCERPC_STUB_TOO_LARGE));
  // a middle fragment with no first
  feed(p, s, 0, u8(request(3, 0, 31, ascii("x"), 2)), sink);
  assert.ok(sink.events.includes(A_DCERPC_FRAGMENT_ORDER));
});

test("authenticated request: auth padding before the sec_trailer is not stub, also across fragments", () => {
  // request PDU with an 8-byte sec_trailer (auth_pad_length at +2) and a 16-byte verifier
  const authed = (callId: number, stub: number[], pad: number, flags: number): number[] => {
    const b = request(callId, 0, 26, [...stub, ...new Array<number>(pad).fill(0xaa)], flags);
    b.push(10, 5, pad, 0, ...le32(0), ...new Array<number>(16).fill(0x77));
    b[8] = b.length & 0xff;
    b[9] = b.length >> 8;
    b[10] = 16; // auth_length
    b[16] = stub.length + pad; // alloc_hint
    return b;
  };
  const p = new DcerpcParser({ slots: 1 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(bind(1, [{ id: 0, uuid: SRVSVC, ver: 3 }])), sink);
  feed(p, s, 0, u8(authed(2, ascii("abcdef"), 10, 3)), sink);
  assert.equal(sink.seen[0].bufs.get(BUF_DCERPC_STUB_DATA), ["abcdef"]);
  feed(p, s, 0, u8(authed(3, ascii("ghi"), 13, 1)), sink);
  feed(p, s, 0, u8(authed(3, ascii("jkl"), 5, 2)), sink, 3);
  assert.equal(sink.seen[1].bufs.get(BUF_DCERPC_STUB_DATA), ["ghijkl"]);
  // a pad length past the stub start is ignored rather than trusted
  feed(p, s, 0, u8(authed(4, ascii("mn"), 0, 3).map((v, i, a) => (i === a.length - 22 ? 200 : v))), sink);
  assert.equal(sink.seen[2].bufs.get(BUF_DCERPC_STUB_DATA), ["mn"]);
});

test("endpoint mapper: ept_map response teaches the expected-ports table", () => {
  const p = new DcerpcParser({ slots: 1, expectedPorts: 4 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(bind(1, [{ id: 0, uuid: EPM, ver: 3 }])), sink);
  feed(p, s, 1, u8(bindAck(1, [0])), sink);
  feed(p, s, 0, u8(request(2, 0, 3, new Array(40).fill(0))), sink);
  // handle(20) num_towers(4) array hdr(12) referent(4) tower len(4)+len(4) floors…
  const floors = [
    5, 0,
    19, 0, 0x0d, ...uuidLe(SRVSVC), 3, 0, 2, 0, 0, 0,
    19, 0, 0x0d, ...NDR.slice(0, 18), 2, 0, 0, 0,
    1, 0, 0x0b, 2, 0, 0, 0,
    1, 0, 0x07, 2, 0, 0xc0, 0x03, // port 49155
    1, 0, 0x09, 4, 0, 192, 168, 1, 3,
  ];
  const stub = [...new Array(20).fill(0), ...le32(1), ...le32(1), ...le32(0), ...le32(1), ...le32(3), ...le32(floors.length), ...le32(floors.length), ...floors, 0, 0, 0, 0];
  feed(p, s, 1, u8(response(2, 0, stub)), sink);
  assert.ok(p.expected.match(0xc0a80103, 49155));
  assert.not.ok(p.expected.match(0xc0a80104, 49155));
  assert.not.ok(p.expected.match(0xc0a80103, 49156));
});

test("expected ports: bounded ring, wildcard address", () => {
  const t = new DcerpcExpectedPorts(2);
  t.add(0, 1000);
  t.add(1, 1001);
  t.add(1, 1002);
  assert.is(t.count, 2);
  assert.not.ok(t.match(5, 1000), "oldest overwritten");
  assert.ok(t.match(1, 1002));
  t.clear();
  assert.not.ok(t.match(1, 1002));
});

test("PDU longer than maxPdu is inspected truncated; not DCERPC gives PARSE_ERROR", () => {
  const p = new DcerpcParser({ slots: 1, maxPdu: 64 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(bind(1, [{ id: 0, uuid: SRVSVC, ver: 3 }])), sink);
  const big = u8(request(2, 0, 9, new Array(200).fill(0x41)));
  assert.is(feed(p, s, 0, big, sink, 10), PARSE_OK);
  assert.is(sink.seen.length, 1);
  assert.is(sink.seen[0].bufs.get(BUF_DCERPC_STUB_DATA)![0].length, 64 - 24);
  assert.is(feed(p, s, 0, u8(request(3, 0, 9, [1])), sink, 3), PARSE_OK, "resynchronised after the long PDU");
  assert.is(sink.seen.length, 2);
  assert.is(p.parse(s, 0, u8(ascii("GET / HTTP/1.1\r\n\r\n")), 0, 18, sink), PARSE_ERROR);
});

test("pool exhaustion: open returns -1 and counts; close gives the slot back", () => {
  const p = new DcerpcParser({ slots: 2 });
  const a = p.open();
  p.open();
  assert.is(p.open(), -1);
  assert.is(p.exhausted, 1);
  p.close(a);
  assert.is(p.open(), a);
  assert.ok(DcerpcParser.bytesPerSlot() > 0);
});

test("fuzz: arbitrary and mutated input never throws", () => {
  const good = [...bind(1, [{ id: 0, uuid: SRVSVC, ver: 3 }]), ...request(2, 0, 31, ascii("stub")), ...request(3, 0, 1, [1, 2], 1)];
  const p = new DcerpcParser({ slots: 1, maxPdu: 128, maxStub: 64 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (rnd, muts, piece) => {
      const sink = new Rec();
      let s = p.open();
      feed(p, s, 0, rnd, sink, piece);
      p.close(s);
      const m = good.slice();
      for (const [i, v] of muts) m[i] = v;
      s = p.open();
      feed(p, s, 0, u8(m), sink, piece);
      feed(p, s, 1, u8(m), sink, piece);
      p.close(s);
    }),
    { numRuns: 500 },
  );
});

test.run();
