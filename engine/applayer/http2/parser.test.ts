import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import {
  BUF_FILE_DATA,
  BUF_HTTP_HEADER,
  BUF_HTTP_HOST,
  BUF_HTTP_HOST_RAW,
  BUF_HTTP_METHOD,
  BUF_HTTP_PROTOCOL,
  BUF_HTTP_REQUEST_BODY,
  BUF_HTTP_REQUEST_HEADER,
  BUF_HTTP_RESPONSE_BODY,
  BUF_HTTP_RESPONSE_HEADER,
  BUF_HTTP_STAT_CODE,
  BUF_HTTP_URI,
  BUF_HTTP_URI_RAW,
  BUF_HTTP_USER_AGENT,
  FIELD_HTTP_STATUS,
} from "../../detect/buffers.ts";
import { DIR_TOCLIENT, DIR_TOSERVER, PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE, TX_REQUEST_DONE, TX_RESPONSE_DONE } from "../parser.ts";
import { ALPROTO_HTTP2, ALPROTO_UNKNOWN } from "../proto.ts";
import { bytes, feedBytes, feedConversation, RecordingSink, tcpConversations } from "../stream-fixture.ts";
import {
  A_HTTP2_INVALID_CLIENT_MAGIC,
  A_HTTP2_INVALID_FRAME_LENGTH,
  A_HTTP2_LONG_FRAME_DATA,
  A_HTTP2_TOO_MANY_STREAMS,
} from "./events.ts";
import { Http2Parser, probeHttp2 } from "./parser.ts";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

function frame(type: number, flags: number, sid: number, payload: number[] | Uint8Array): number[] {
  const p = Array.from(payload);
  return [p.length >> 16, (p.length >> 8) & 0xff, p.length & 0xff, type, flags, (sid >>> 24) & 0x7f, (sid >> 16) & 0xff, (sid >> 8) & 0xff, sid & 0xff, ...p];
}

/** HPACK literal without indexing, new name (no Huffman); `indexed` adds it to the dynamic table. */
function lit(name: string, value: string, indexed = false): number[] {
  return [indexed ? 0x40 : 0x00, name.length, ...Array.from(bytes(name)), value.length, ...Array.from(bytes(value))];
}

function clientBytes(): Uint8Array {
  const block = [
    0x82, // :method GET
    0x87, // :scheme https
    ...lit(":path", "/a/../malware/%70ayload.exe?x=1"),
    ...lit(":authority", "WWW.Example.COM:8443", true),
    ...lit("user-agent", "evil-agent/1.0"),
  ];
  // HEADERS (padded, 2 bytes of padding) with the first 10 block bytes, then a CONTINUATION
  const out: number[] = [];
  out.push(...Array.from(bytes(PREFACE)));
  out.push(...frame(4, 0, 0, [0, 3, 0, 0, 0, 100]));
  out.push(...frame(1, 0x1 | 0x8, 1, [2, ...block.slice(0, 10), 0, 0]));
  out.push(...frame(9, 0x4, 1, block.slice(10)));
  // stream 3: POST with a body in two DATA frames; the authority comes from the dynamic table (index 62)
  out.push(...frame(1, 0x4, 3, [0x83, 0x87, 0x84, 0xbe]));
  out.push(...frame(0, 0, 3, bytes("hello ")));
  out.push(...frame(0, 0x1 | 0x8, 3, [3, ...Array.from(bytes("world")), 0, 0, 0]));
  out.push(...frame(8, 0, 0, [0, 0, 0x10, 0]));
  return new Uint8Array(out);
}

function serverBytes(): Uint8Array {
  const gz = gzipSync(Buffer.from("the gzipped response body"));
  return new Uint8Array([
    ...frame(4, 0, 0, []),
    ...frame(4, 1, 0, []),
    ...frame(1, 0x4, 1, [0x88, ...lit("server", "h2test"), ...lit("content-encoding", "gzip")]),
    ...frame(0, 0x1, 1, gz),
    ...frame(1, 0x4 | 0x1, 3, [0x8d]), // :status 404, END_STREAM
    ...frame(6, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
  ]);
}

function run(piece: number): RecordingSink {
  const p = new Http2Parser({ maxFlows: 2 });
  const slot = p.open();
  const sink = new RecordingSink();
  assert.is(feedBytes(p, slot, DIR_TOSERVER, clientBytes(), sink, piece), PARSE_OK);
  assert.is(feedBytes(p, slot, DIR_TOCLIENT, serverBytes(), sink, piece), PARSE_OK);
  return sink;
}

test("requests and responses fill the http.* buffers, one tx per stream", () => {
  const sink = run(0);
  assert.equal(sink.events, []);
  assert.equal(sink.values(BUF_HTTP_METHOD), ["GET", "POST"]);
  assert.equal(sink.values(BUF_HTTP_URI_RAW), ["/a/../malware/%70ayload.exe?x=1", "/"]);
  assert.equal(sink.values(BUF_HTTP_URI), ["/malware/payload.exe?x=1", "/"]);
  assert.equal(sink.values(BUF_HTTP_HOST), ["www.example.com"]);
  assert.equal(sink.values(BUF_HTTP_HOST_RAW), ["WWW.Example.COM:8443"]);
  assert.equal(sink.values(BUF_HTTP_USER_AGENT), ["evil-agent/1.0"]);
  assert.equal(sink.values(BUF_HTTP_PROTOCOL), ["HTTP/2"]);
  assert.ok(sink.values(BUF_HTTP_REQUEST_HEADER).includes(":authority: WWW.Example.COM:8443"));
  assert.ok(sink.values(BUF_HTTP_HEADER).includes("user-agent: evil-agent/1.0\r\n"));
  assert.equal(sink.values(BUF_HTTP_REQUEST_BODY), ["hello ", "hello world"]);
  assert.equal(sink.values(BUF_HTTP_STAT_CODE), ["200", "404"]);
  assert.ok(sink.values(BUF_HTTP_RESPONSE_HEADER).includes("server: h2test"));
  assert.equal(sink.values(BUF_HTTP_RESPONSE_BODY), ["the gzipped response body"]);
  const s1 = sink.inspections.filter((i) => i.txId === 0);
  const s3 = sink.inspections.filter((i) => i.txId === 1);
  assert.ok(s1.length > 0 && s3.length > 0);
  const last1 = s1[s1.length - 1];
  assert.ok((last1.progress & TX_RESPONSE_DONE) !== 0);
  assert.is(last1.fields[FIELD_HTTP_STATUS], 200);
  // a toclient inspection still sees the request side
  assert.is(last1.bufs.get(BUF_HTTP_METHOD)?.[0], "GET");
  assert.equal(last1.bufs.get(BUF_FILE_DATA), ["the gzipped response body"]);
  const last3 = s3[s3.length - 1];
  assert.ok((last3.progress & TX_REQUEST_DONE) !== 0);
  assert.is(last3.fields[FIELD_HTTP_STATUS], 404);
});

test("byte-at-a-time and odd pieces give the same inspections as one piece", () => {
  const a = run(0);
  for (const piece of [1, 5]) {
    const b = run(piece);
    for (const id of [BUF_HTTP_URI, BUF_HTTP_HOST, BUF_HTTP_METHOD, BUF_HTTP_STAT_CODE, BUF_HTTP_RESPONSE_BODY, BUF_HTTP_USER_AGENT]) {
      assert.equal(b.values(id), a.values(id), `piece ${piece}, buffer ${id}`);
    }
    assert.ok(b.values(BUF_HTTP_REQUEST_BODY).includes("hello world"));
  }
});

test("bad client magic gives up with http2.invalid_client_magic", () => {
  const p = new Http2Parser({ maxFlows: 1 });
  const slot = p.open();
  const sink = new RecordingSink();
  const b = bytes("GET / HTTP/1.1\r\n\r\n");
  assert.is(p.parse(slot, DIR_TOSERVER, b, 0, b.length, sink), PARSE_ERROR);
  assert.equal(sink.events, [A_HTTP2_INVALID_CLIENT_MAGIC]);
});

test("frame length errors and long frames raise events", () => {
  const p = new Http2Parser({ maxFlows: 1 });
  const slot = p.open();
  const sink = new RecordingSink();
  const b = new Uint8Array([...Array.from(bytes(PREFACE)), ...frame(8, 0, 0, [0, 0, 1]), ...frame(6, 0, 0, [1])]);
  p.parse(slot, DIR_TOSERVER, b, 0, b.length, sink);
  assert.equal(sink.events, [A_HTTP2_INVALID_FRAME_LENGTH, A_HTTP2_INVALID_FRAME_LENGTH]);
  const big = new Uint8Array(frame(0, 0, 1, new Uint8Array(20000)));
  p.parse(slot, DIR_TOSERVER, big, 0, big.length, sink);
  assert.ok(sink.events.includes(A_HTTP2_LONG_FRAME_DATA));
});

test("h2c upgrade: stream 1 is transaction 0 and the response is matched to it", () => {
  const p = new Http2Parser({ maxFlows: 1 });
  const slot = p.openUpgraded();
  const sink = new RecordingSink();
  const s = new Uint8Array([...frame(4, 0, 0, []), ...frame(1, 0x5, 1, [0x88])]);
  assert.is(p.parse(slot, DIR_TOCLIENT, s, 0, s.length, sink), PARSE_OK);
  const c = new Uint8Array([...Array.from(bytes(PREFACE)), ...frame(4, 0, 0, []), ...frame(1, 0x5, 3, [0x82, 0x84, 0x86])]);
  assert.is(p.parse(slot, DIR_TOSERVER, c, 0, c.length, sink), PARSE_OK);
  assert.is(sink.inspections[0].txId, 0);
  assert.is(sink.inspections[0].fields[FIELD_HTTP_STATUS], 200);
  assert.is(sink.inspections[1].txId, 1);
});

test("too many streams: the oldest is dropped, counted by an event", () => {
  const p = new Http2Parser({ maxFlows: 1, maxStreams: 2 });
  const slot = p.open();
  const sink = new RecordingSink();
  const c = [...Array.from(bytes(PREFACE))];
  for (let sid = 1; sid <= 7; sid += 2) c.push(...frame(1, 0x4, sid, [0x82, 0x84, 0x86]));
  const b = new Uint8Array(c);
  p.parse(slot, DIR_TOSERVER, b, 0, b.length, sink);
  assert.is(sink.events.filter((e) => e === A_HTTP2_TOO_MANY_STREAMS).length, 2);
  assert.equal(sink.inspections.map((i) => i.txId), [0, 1, 2, 3]);
});

test("pool exhaustion and memory per flow", () => {
  const p = new Http2Parser({ maxFlows: 1 });
  assert.is(p.open(), 0);
  assert.is(p.open(), -1);
  assert.is(p.exhausted, 1);
  assert.ok(p.bytesPerFlow > 50_000 && p.bytesPerFlow < 300_000, String(p.bytesPerFlow));
});

test("probeHttp2", () => {
  const pre = bytes(PREFACE);
  assert.is(probeHttp2(DIR_TOSERVER, pre, 0, pre.length), ALPROTO_HTTP2);
  assert.is(probeHttp2(DIR_TOSERVER, pre, 0, 5), PROBE_NEED_MORE);
  const g = bytes("GET / HTTP/1.1\r\n");
  assert.is(probeHttp2(DIR_TOSERVER, g, 0, g.length), ALPROTO_UNKNOWN);
  const st = new Uint8Array(frame(4, 0, 0, [0, 3, 0, 0, 0, 100]));
  assert.is(probeHttp2(DIR_TOCLIENT, st, 0, st.length), ALPROTO_HTTP2);
});

test("malformed input never throws", () => {
  const p = new Http2Parser({ maxFlows: 1, blockBytes: 256, bodyBytes: 256 });
  const sink = new RecordingSink();
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 40 }))
            .map(([t, f, s, pl]) => new Uint8Array(frame(t, f, s, pl))),
        ),
        { maxLength: 20 },
      ),
      fc.array(fc.boolean(), { maxLength: 20 }),
      (frames, dirs) => {
        const slot = p.open();
        const pre = bytes(PREFACE);
        p.parse(slot, 0, pre, 0, pre.length, sink);
        frames.forEach((f, i) => p.parse(slot, dirs[i] ? 1 : 0, f, 0, f.length, sink));
        p.close(slot);
        return true;
      },
    ),
    { numRuns: 500 },
  );
  assert.is(p.exhausted, 0);
});

const corpus = corpusDir();
if (corpus !== null) {
  test("suricata-verify http2-long-frame: the request's http.uri is seen despite a long response frame", () => {
    for (const piece of [0, 1]) {
      const [conv] = tcpConversations(join(corpus, "suricata-verify/http2-long-frame/input.pcap"));
      const p = new Http2Parser({ maxFlows: 1 });
      const sink = new RecordingSink();
      feedConversation(p, p.open(), conv, sink, piece);
      assert.ok(sink.anyContains(BUF_HTTP_URI, "/malware/payload.exe"), `piece ${piece}`);
    }
  });

  test("suricata-verify http2-host and dns-over-http2: host and :authority", () => {
    const [h] = tcpConversations(join(corpus, "suricata-verify/http2-host/input.pcap"));
    const p = new Http2Parser({ maxFlows: 2 });
    const sink = new RecordingSink();
    feedConversation(p, p.open(), h, sink, 0);
    assert.ok(sink.values(BUF_HTTP_HOST).includes("play.google.com"), JSON.stringify(sink.values(BUF_HTTP_HOST)));
    const [d] = tcpConversations(join(corpus, "suricata-verify/dns-over-http2-progress/dns_over_https.pcap"));
    const sink2 = new RecordingSink();
    feedConversation(p, p.open(), d, sink2, 0);
    assert.ok(sink2.anyContains(BUF_HTTP_REQUEST_HEADER, "authority: dns.google"));
    assert.ok(sink2.values(BUF_HTTP_STAT_CODE).includes("200"));
  });
}

test.run();
