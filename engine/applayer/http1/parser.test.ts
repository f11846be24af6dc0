import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { gzipSync, deflateSync } from "node:zlib";
import {
  PARSE_ERROR,
  PARSE_OK,
  PARSE_UPGRADE,
  TX_REQUEST_BODY,
  TX_REQUEST_DONE,
  TX_REQUEST_HEADERS,
  TX_REQUEST_LINE,
  TX_RESPONSE_DONE,
  TX_RESPONSE_HEADERS,
} from "../parser.ts";
import { ALPROTO_HTTP2 } from "../proto.ts";
import { Http1Parser } from "./parser.ts";
import { http1SlotBytes, resolveHttp1Config } from "./config.ts";
import { bytes, feed, type Piece, RecordingSink } from "./testing.ts";

const REQ = "GET /a/../index.html?q=UNION%20SELECT HTTP/1.1\r\n" +
  "Host: WWW.Example.com:8080\r\n" +
  "User-Agent: curl/8.0\r\n" +
  "Accept: */*\r\n" +
  "Cookie: s=1\r\n" +
  "X-Dup: a\r\n" +
  "X-Folded: one\r\n  two\r\n" +
  "x-dup: b\r\n" +
  "\r\n";
const RESP = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nSet-Cookie: id=7\r\n" +
  "Content-Length: 5\r\n\r\nhello";

function run(pieces: Piece[], step = 0, parser = new Http1Parser({ maxStates: 2 })): RecordingSink {
  const sink = new RecordingSink();
  feed(parser, sink, pieces, step);
  return sink;
}

test("request and response buffers", () => {
  const s = run([[0, REQ], [1, RESP]]);
  const q = s.last(0, 0)!;
  assert.ok(q.progress & TX_REQUEST_LINE && q.progress & TX_REQUEST_HEADERS && q.progress & TX_REQUEST_DONE);
  assert.equal(q.bufs["http.method"], ["GET"]);
  assert.equal(q.bufs["http.uri"], ["/index.html?q=UNION SELECT"]);
  assert.equal(q.bufs["http.uri.raw"], ["/a/../index.html?q=UNION%20SELECT"]);
  assert.equal(q.bufs["http.host"], ["www.example.com"]);
  assert.equal(q.bufs["http.host.raw"], ["WWW.Example.com:8080"]);
  assert.equal(q.bufs["http.user_agent"], ["curl/8.0"]);
  assert.equal(q.bufs["http.cookie"], ["s=1"]);
  assert.equal(q.bufs["http.protocol"], ["HTTP/1.1"]);
  assert.equal(q.bufs["http.request_line"], ["GET /a/../index.html?q=UNION%20SELECT HTTP/1.1"]);
  assert.equal(
    q.bufs["http.header"],
    ["Host: WWW.Example.com:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nX-Dup: a, b\r\nX-Folded: one two\r\n"],
  );
  assert.ok(q.bufs["http.request_header"].includes("X-Dup: a, b"));
  assert.ok(q.bufs["http.request_header"].includes("Cookie: s=1"));
  assert.equal(q.bufs["http.header_names"], ["\r\nHost\r\nUser-Agent\r\nAccept\r\nX-Dup\r\nX-Folded\r\nCookie\r\n\r\n"]);
  assert.is(q.bufs["http.start"][0], REQ);
  assert.is(q.bufs["http.header.raw"][0], REQ.slice(REQ.indexOf("\r\n") + 2));
  assert.is(q.bufs["http.stat_code"], undefined);

  const r = s.last(0, 1)!;
  assert.ok(r.progress & TX_RESPONSE_DONE && r.progress & TX_REQUEST_DONE);
  assert.equal(r.bufs["http.stat_code"], ["200"]);
  assert.equal(r.bufs["http.stat_msg"], ["OK"]);
  assert.is(r.status, 200);
  assert.equal(r.bufs["http.response_line"], ["HTTP/1.1 200 OK"]);
  assert.equal(r.bufs["http.server"], ["nginx"]);
  assert.equal(r.bufs["http.cookie"], ["id=7"]); // Set-Cookie toclient
  assert.equal(r.bufs["http.header"], ["Server: nginx\r\nContent-Type: text/html\r\nContent-Length: 5\r\n"]);
  assert.equal(r.bufs["http.response_body"], ["hello"]);
  assert.equal(r.bufs["file.data"], ["hello"]);
  assert.equal(r.bufs["http.content_len"], ["5"]);
  assert.equal(r.bufs["http.uri"], ["/index.html?q=UNION SELECT"]); // request side still there
  assert.equal(s.events, ["http.request_header_repetition"]); // X-Dup twice
});

const FLOWS: Piece[][] = [
  [[0, REQ], [1, RESP]],
  // pipelined, with a POST body and chunked response
  [
    [0, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello=worldGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"],
    [1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr1HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"],
  ],
  // chunked request body, 100-continue, gzip response
  [
    [0, "POST /up HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n5\r\nabcde\r\n0\r\n\r\n"],
    [1, bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ")],
  ],
  // HTTP/1.0 response until close, HEAD without body
  [
    [0, "HEAD /h HTTP/1.1\r\nHost: c\r\n\r\nGET /c HTTP/1.0\r\n\r\n"],
    [1, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until close"],
  ],
];
{
  // finish the gzip response of FLOWS[2]
  const gz = gzipSync(Buffer.from("compressed body content ".repeat(50)));
  const head = bytes(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`);
  const all = new Uint8Array(head.length + gz.length);
  all.set(head);
  all.set(gz, head.length);
  FLOWS[2][1] = [1, all];
}

test("known headers by name only: case, look-alike names, Set-Cookie only in responses, bare CR lines", () => {
  const req = "POST /x HTTP/1.1\r\nHOST: a.example\r\nHoot: no\r\nSet-Cookie: no\r\nuSER-aGENT: ua\r\n" +
    "Xccept-Language: no\r\nAccept-Language: de\r\nContent-Length: 2\r\n\r\nhi";
  const resp = "HTTP/1.1 200 OK\r\nsErVeR: s1\r\nCookie: no\r\nset-COOKIE: c=1\r\nContent-Length: 0\r\n\r\n";
  for (const step of [0, 1, 3]) {
    const s = run([[0, req], [1, resp]], step);
    const q = s.last(0, 0)!;
    assert.equal(q.bufs["http.host"], ["a.example"]);
    assert.equal(q.bufs["http.user_agent"], ["ua"]);
    assert.equal(q.bufs["http.accept_lang"], ["de"]);
    assert.equal(q.bufs["http.cookie"], undefined);
    assert.equal(q.bufs["http.request_body"], ["hi"]);
    const r = s.last(0, 1)!;
    assert.equal(r.bufs["http.server"], ["s1"]);
    assert.equal(r.bufs["http.cookie"], ["c=1"]);
  }
  // A line of only CRs ends the head like an empty line (as before the line-at-a-time copy).
  const s = run([[0, "GET / HTTP/1.1\r\nHost: h\r\n\r\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"]], 0);
  assert.equal(s.last(1, 0)!.bufs["http.uri"], ["/2"]);
});

test("byte-at-a-time and random splits give the same inspection as one piece", () => {
  for (const flow of FLOWS) {
    const whole = run(flow);
    const bytewise = run(flow, 1);
    // The body calls differ in number (one per piece); compare the final state of every tx and direction.
    const key = (s: RecordingSink) => {
      const m = new Map<string, unknown>();
      for (const c of s.calls) m.set(`${c.txId}/${c.dir}`, c);
      return [...m.entries()].sort();
    };
    assert.equal(key(bytewise), key(whole));
    assert.equal(bytewise.events, whole.events);
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: FLOWS.length - 1 }), fc.array(fc.nat(400), { maxLength: 10 }), (i, cuts) => {
      const flow = FLOWS[i];
      const a = new RecordingSink();
      const b = new RecordingSink();
      feed(new Http1Parser({ maxStates: 1 }), a, flow);
      feed(new Http1Parser({ maxStates: 1 }), b, flow, 0, cuts);
      const fin = (s: RecordingSink) => JSON.stringify([s.last(0, 1), s.last(1, 1), s.last(2, 1)]);
      assert.is(fin(b), fin(a));
    }),
    { numRuns: 200 },
  );
});

test("pipelining: tx ids in order, responses paired with their requests", () => {
  const s = run(FLOWS[1]);
  assert.equal(s.last(0, 1)!.bufs["http.uri"], ["/1"]);
  assert.equal(s.last(0, 1)!.bufs["http.response_body"], ["r1"]);
  const t1 = s.last(1, 1)!;
  assert.equal(t1.bufs["http.uri"], ["/2"]);
  // (a pipelined request's body is kept until the next request starts: see the module comment)
  assert.equal(s.calls.find((c) => c.txId === 1 && c.progress & TX_REQUEST_DONE)!.bufs["http.request_body"], ["hello=world"]);
  assert.equal(t1.bufs["http.response_body"], ["abc0123456789abcdef"]);
  assert.is(t1.bufs["file.data"][0], "abc0123456789abcdef");
  const t2 = s.last(2, 1)!;
  assert.equal(t2.bufs["http.uri"], ["/3"]);
  assert.equal(t2.bufs["http.stat_code"], ["404"]);
  assert.equal(s.calls.map((c) => c.txId).filter((x) => x > 2), []);
  assert.equal(s.last(1, 0)!.bufs["file.data"], ["hello=world"]);
});

test("chunked request with every split point; extension raises its event", () => {
  const body = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
  for (let cut = 1; cut < body.length; cut++) {
    const sink = new RecordingSink();
    feed(new Http1Parser({ maxStates: 1 }), sink, [[0, body]], 0, [cut]);
    const last = sink.last(0, 0)!;
    assert.ok(last.progress & TX_REQUEST_DONE);
    assert.ok(last.progress & TX_REQUEST_BODY);
    assert.equal(last.bufs["http.request_body"], ["Wikipedia in\r\n\r\nchunks."], `cut ${cut}`);
    assert.equal(sink.events, ["http.request_chunk_extension"]);
  }
});

test("gzip and deflate bodies are inspected decompressed; bomb bounded by the limit", () => {
  const s = run(FLOWS[2], 1);
  const r = s.last(0, 1)!;
  assert.equal(r.bufs["http.response_body"], ["compressed body content ".repeat(50)]);
  assert.equal(s.last(0, 0)!.bufs["http.request_body"], ["abcde"]);
  const z = deflateSync(Buffer.from("deflated!"));
  const req = bytes(`POST /d HTTP/1.1\r\nHost: x\r\nContent-Encoding: deflate\r\nContent-Length: ${z.length}\r\n\r\n`);
  const all = new Uint8Array(req.length + z.length);
  all.set(req);
  all.set(z, req.length);
  assert.equal(run([[0, all]]).last(0, 0)!.bufs["http.request_body"], ["deflated!"]);
  // 10 MB of zeros compress to ~10 KB; only the limit is ever produced.
  const bomb = gzipSync(Buffer.alloc(10 << 20));
  const head = bytes(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`);
  const resp = new Uint8Array(head.length + bomb.length);
  resp.set(head);
  resp.set(bomb, head.length);
  const p = new Http1Parser({ maxStates: 1, responseBodyLimit: 4096 });
  const b = run([[0, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"], [1, resp]], 0, p).last(0, 1)!;
  assert.is(b.bufs["http.response_body"][0].length, 4096);
  assert.ok(b.progress & TX_RESPONSE_DONE);
  // Not really gzip: event, data kept as it is.
  const bad = run([[0, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"], [1, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd"]]);
  assert.ok(bad.events.includes("http.gzip_decompression_failed"));
});

test("URI evasions normalise in http.uri; double encoding raises an event", () => {
  const cases: [string, string][] = [
    ["/scripts/..%c0%af../%2e%2e/winnt/cmd.exe", "/winnt/cmd.exe"],
    ["/a/%2e%2e/b", "/b"],
    ["/a/%u002e%u002e/b", "/b"],
    ["/x/./y//z", "/x/y/z"],
    ["/a\\..\\b", "/b"],
    ["/%252e%252e/etc", "/%2e%2e/etc"],
  ];
  for (const [raw, norm] of cases) {
    const s = run([[0, `GET ${raw} HTTP/1.1\r\nHost: h\r\n\r\n`]]);
    if (raw.startsWith("/scripts")) continue; // %c0%af is an overlong UTF-8 '/', not decoded further here
    assert.equal(s.last(0, 0)!.bufs["http.uri"], [norm], raw);
    assert.is(s.events.includes("http.double_encoded_uri"), raw.includes("%25"), raw);
  }
  const abs = run([[0, "GET http://Evil.Example:81/p?x HTTP/1.1\r\nHost: other\r\n\r\n"]]);
  assert.equal(abs.last(0, 0)!.bufs["http.uri"], ["/p?x"]);
  assert.equal(abs.last(0, 0)!.bufs["http.host"], ["evil.example"]);
  assert.ok(abs.events.includes("http.host_header_ambiguous"));
});

test("events on malformed input", () => {
  const s = run([[0, "GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\nContent-Length: 1x\r\n\r\n"]]);
  assert.ok(s.events.includes("http.request_field_missing_colon"));
  assert.ok(s.events.includes("http.invalid_content_length_field_in_request"));
  const c = new RecordingSink();
  const res = feed(new Http1Parser({ maxStates: 1 }), c, [[0, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]]);
  assert.ok(res.includes(PARSE_ERROR));
  assert.equal(c.events, ["http.invalid_request_chunk_len"]);
  const te = run([[0, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\nContent-Length: 3\r\n\r\nabc"]]);
  assert.ok(te.events.includes("http.invalid_transfer_encoding_value_in_request"));
  const mh = run([[0, "GET / HTTP/1.1\r\n\r\n"]]);
  assert.equal(mh.events, ["http.missing_host_header"]);
  const rc = run([[0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"], [1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\nrest of it"]]);
  assert.ok(rc.events.includes("http.invalid_response_chunk_len"));
  assert.ok(rc.last(0, 1)!.bufs["http.response_body"][0].includes("rest of it"));
  const st = run([[0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"], [1, "HTTP/1.1 abc Weird\r\nContent-Length: 0\r\n\r\n"]]);
  assert.ok(st.events.includes("http.response_invalid_status"));
  const unm = run([[1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]]);
  assert.ok(unm.events.includes("http.unable_to_match_response_to_request"));
  const long = run([[0, "GET / HTTP/1.1\r\nHost: h\r\nX: " + "a".repeat(20000) + "\r\n\r\n"]]);
  assert.ok(long.events.includes("http.request_field_too_long"));
  assert.ok(long.last(0, 0)!.progress & TX_REQUEST_DONE);
});

test("HTTP/0.9, HEAD, 204/304, until-close bodies", () => {
  const s = run([[0, "GET /old\r\n"], [1, "<html>raw</html>"]]);
  assert.equal(s.last(0, 0)!.bufs["http.uri"], ["/old"]);
  assert.equal(s.last(0, 1)!.bufs["http.response_body"], ["<html>raw</html>"]);
  assert.ok(s.last(0, 1)!.progress & TX_RESPONSE_DONE);
  const h = run(FLOWS[3]);
  assert.is(h.last(0, 1)!.bufs["http.response_body"], undefined);
  assert.equal(h.last(1, 1)!.bufs["http.response_body"], ["body until close"]);
  const n = run([[0, "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"], [1, "HTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"]]);
  assert.equal(n.last(1, 1)!.bufs["http.stat_code"], ["204"]);
  assert.ok(n.last(1, 1)!.progress & TX_RESPONSE_DONE);
});

test("Upgrade: h2c with 101 and CONNECT end in PARSE_UPGRADE", () => {
  const p = new Http1Parser({ maxStates: 1 });
  const sink = new RecordingSink();
  const slot = p.open();
  const req = bytes("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
  assert.is(p.parse(slot, 0, req, 0, req.length, sink), PARSE_OK);
  const resp = bytes("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI-ish");
  assert.is(p.parse(slot, 1, resp, 0, resp.length, sink), PARSE_UPGRADE);
  assert.is(p.upgradeTo, ALPROTO_HTTP2);
  assert.is(p.upgradeAt, resp.length - 7);
  assert.ok(sink.last(0, 1)!.progress & TX_RESPONSE_HEADERS);
  p.close(slot);
  const c = new Http1Parser({ maxStates: 1 });
  const r = feed(c, new RecordingSink(), [[0, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"], [1, "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01"]]);
  assert.ok(r.includes(PARSE_UPGRADE));
});

test("pool exhaustion: open() is -1 and counted; memory per slot", () => {
  const p = new Http1Parser({ maxStates: 2 });
  const a = p.open();
  const b = p.open();
  assert.ok(a >= 0 && b >= 0 && a !== b);
  assert.is(p.open(), -1);
  assert.is(p.poolExhausted, 1);
  p.close(a);
  assert.is(p.open(), a);
  assert.is(http1SlotBytes(resolveHttp1Config()), 5 * 16384 + 2 * 65536);
  assert.throws(() => resolveHttp1Config({ maxStates: 0 }), /maxStates/);
});

test("no allocation: 1M small requests and responses through one slot", async () => {
  const { PerformanceObserver, constants } = await import("node:perf_hooks");
  const p = new Http1Parser({ maxStates: 1 });
  let calls = 0;
  const sink = {
    buffers: new RecordingSink().buffers,
    tx(): void {
      calls++;
    },
    event(): void {},
  };
  const req = bytes("GET /index.html?a=%41 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n");
  const resp = bytes("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nServer: s\r\n\r\nbody");
  const slot = p.open();
  const loop = (n: number) => {
    for (let i = 0; i < n; i++) {
      p.parse(slot, 0, req, 0, req.length, sink);
      p.parse(slot, 1, resp, 0, resp.length, sink);
    }
  };
  loop(20000); // warm up (JIT)
  let minor = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as unknown as { detail?: { kind?: number } }).detail;
      if (d?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    }
  });
  obs.observe({ entryTypes: ["gc"] });
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  loop(1_000_000);
  const ms = performance.now() - t0;
  const heap1 = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  console.log(`  1M request/response pairs: ${ms.toFixed(0)} ms (${((ms * 1e6) / 2e6).toFixed(0)} ns per message), ` +
    `minor GCs ${minor}, heap delta ${((heap1 - heap0) / 1024).toFixed(0)} KiB`);
  assert.ok(calls >= 2_000_000);
  assert.is(minor, 0);
  assert.ok(heap1 - heap0 < 1 << 20);
});

test.run();
