import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { BUF_DNS_QUERY, FIELD_DNS_OPCODE, FIELD_DNS_RRTYPE } from "../../detect/buffers.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE, TX_REQUEST_DONE } from "../parser.ts";
import { ALPROTO_DNS, ALPROTO_UNKNOWN } from "../proto.ts";
import { feedPieces, readFlows, RecordingSink } from "../tls/testing.ts";
import {
  A_DNS_MALFORMED_DATA,
  A_DNS_NOT_A_RESPONSE,
  A_DNS_Z_FLAG_SET,
  defaultDnsConfig,
  DnsParser,
  probeDns,
  probeDnsTcp,
  RR_A,
  RR_AAAA,
  RR_CNAME,
} from "./dns.ts";

// -- building messages (cold, test only)
const u16 = (v: number) => [v >> 8, v & 255];
function name(n: string): number[] {
  if (n === "") return [0];
  return [...n.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]), 0];
}
function query(id: number, names: string[], qtype = 1, flags = 0x0100): Uint8Array {
  return new Uint8Array([
    ...u16(id), ...u16(flags), ...u16(names.length), 0, 0, 0, 0, 0, 0,
    ...names.flatMap((n) => [...name(n), ...u16(qtype), 0, 1]),
  ]);
}
/** A response to "www.example.com" A: a CNAME (compressed) then an A and an AAAA record. */
function response(id: number): Uint8Array {
  const q = [...name("www.example.com"), 0, 1, 0, 1];
  const cnameTarget = [4, ...new TextEncoder().encode("edge"), 0xc0, 16]; // "edge" + pointer to "example.com"
  return new Uint8Array([
    ...u16(id), 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
    ...q,
    0xc0, 12, ...u16(RR_CNAME), 0, 1, 0, 0, 0, 60, ...u16(cnameTarget.length), ...cnameTarget,
    0xc0, 12, ...u16(RR_A), 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34,
    0xc0, 12, ...u16(RR_AAAA), 0, 1, 0, 0, 0, 60, 0, 16, 0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1,
  ]);
}
const names = (sink: RecordingSink, k: number) => sink.txs[k].bufs.get(BUF_DNS_QUERY) ?? [];

test("UDP query: names dotted without trailing dot, rrtype and opcode fields, tx ids count up", () => {
  const d = new DnsParser({ ...defaultDnsConfig(), transport: "udp" });
  const sink = new RecordingSink();
  const s = d.open();
  const m = query(0x1234, ["www.example.com", "a.b"], 28);
  assert.is(d.parse(s, 0, m, 0, m.length, sink), PARSE_OK);
  assert.equal(names(sink, 0), ["www.example.com", "a.b"]);
  assert.is(sink.txs[0].fields[FIELD_DNS_RRTYPE], 28);
  assert.is(sink.txs[0].fields[FIELD_DNS_OPCODE], 0);
  assert.is(sink.txs[0].txId, 0);
  d.parse(s, 0, query(0x9999, ["x.org"]), 0, query(0x9999, ["x.org"]).length, sink);
  assert.is(sink.txs[1].txId, 1);
  assert.is(sink.events.length, 0);
});

test("UDP response pairs with its query by DNS id; A, AAAA and compressed CNAME are decoded", () => {
  const d = new DnsParser();
  const sink = new RecordingSink();
  const s = d.open();
  const q1 = query(7, ["www.example.com"]);
  const q2 = query(8, ["other.example"]);
  d.parse(s, 0, q1, 0, q1.length, sink);
  d.parse(s, 0, q2, 0, q2.length, sink);
  let answers: string[] = [];
  const r = response(7);
  const orig = sink.tx.bind(sink);
  sink.tx = (txId, dir, progress) => {
    answers = [];
    for (let k = 0; k < d.answerCount(); k++) {
      const bytes = d.answerData().subarray(d.answerStart(k), d.answerStart(k) + d.answerLength(k));
      answers.push(`${d.answerType(k)}:${d.answerType(k) === RR_CNAME ? new TextDecoder().decode(bytes) : Array.from(bytes).join(".")}`);
    }
    orig(txId, dir, progress);
  };
  d.parse(s, 1, r, 0, r.length, sink);
  assert.is(sink.txs[2].txId, 0, "the response joins its query's transaction");
  assert.ok((sink.txs[2].progress & TX_REQUEST_DONE) !== 0);
  assert.equal(names(sink, 2), ["www.example.com"]);
  assert.equal(answers, ["5:edge.example.com", "1:93.184.216.34", "28:32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"]);
  assert.is(sink.events.length, 0);
});

test("TCP: length-prefixed messages split at every byte, and several in one piece, give the same result", () => {
  const msgs = [query(1, ["a.example"]), query(2, ["b.example"], 15), query(3, ["c.example", "d.example"])];
  const stream = new Uint8Array(msgs.flatMap((m) => [...u16(m.length), ...m]));
  const d = new DnsParser({ ...defaultDnsConfig(), transport: "tcp" });
  const ref = new RecordingSink();
  let s = d.open();
  assert.is(d.parse(s, 0, stream, 0, stream.length, ref), PARSE_OK);
  assert.equal(ref.txs.map((t) => t.bufs.get(BUF_DNS_QUERY)), [["a.example"], ["b.example"], ["c.example", "d.example"]]);
  d.close(s);
  for (const step of [1, 2, 3, 5, 13]) {
    const sink = new RecordingSink();
    s = d.open();
    feedPieces((b, o, l) => d.parse(s, 0, b, o, l, sink), stream, step);
    assert.equal(sink.txs.map((t) => t.bufs.get(BUF_DNS_QUERY)), ref.txs.map((t) => t.bufs.get(BUF_DNS_QUERY)), `step ${step}`);
    d.close(s);
  }
  // a gap breaks the framing: the parser gives up
  s = d.open();
  assert.is(d.gap(s, 0, 3), PARSE_ERROR);
});

test("transport auto: each flow tells UDP datagrams from a TCP stream by its first bytes", () => {
  const d = new DnsParser(); // transport "auto"
  const q = query(0x0102, ["auto.example"]);
  const framed = new Uint8Array([...u16(q.length), ...q, ...u16(q.length), ...q]);
  for (const step of [1, 4, framed.length]) {
    const sink = new RecordingSink();
    const s = d.open();
    feedPieces((b, o, l) => d.parse(s, 0, b, o, l, sink), framed, step);
    assert.equal(sink.txs.map((t) => t.bufs.get(BUF_DNS_QUERY)), [["auto.example"], ["auto.example"]], `tcp step ${step}`);
    d.close(s);
  }
  const sink = new RecordingSink();
  const s = d.open();
  d.parse(s, 0, q, 0, q.length, sink);
  d.parse(s, 0, q, 0, q.length, sink);
  assert.equal(sink.txs.map((t) => t.bufs.get(BUF_DNS_QUERY)), [["auto.example"], ["auto.example"]], "udp");
  d.close(s);
  // a caller that knows the transport says so
  const s2 = d.open();
  d.setTcp(s2, true);
  const sink2 = new RecordingSink();
  d.parse(s2, 0, framed, 0, 1, sink2);
  d.parse(s2, 0, framed, 1, framed.length - 1, sink2);
  assert.is(sink2.txs.length, 2);
});

test("malformed: pointer loops, truncation, bad direction and Z flag raise events, never throw", () => {
  const d = new DnsParser();
  const sink = new RecordingSink();
  const s = d.open();
  const loop = new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  d.parse(s, 0, loop, 0, loop.length, sink);
  assert.ok(sink.events.includes(A_DNS_MALFORMED_DATA));
  sink.events.length = 0;
  d.parse(s, 0, new Uint8Array(5), 0, 5, sink);
  assert.equal(sink.events, [A_DNS_MALFORMED_DATA]);
  sink.events.length = 0;
  const q = query(5, ["x.y"], 1, 0x0140); // Z bit
  d.parse(s, 1, q, 0, q.length, sink);
  assert.ok(sink.events.includes(A_DNS_NOT_A_RESPONSE));
  assert.ok(sink.events.includes(A_DNS_Z_FLAG_SET));
  const r = response(1);
  sink.events.length = 0;
  d.parse(s, 1, r, 0, r.length - 3, sink); // the AAAA cut short
  assert.ok(sink.events.includes(A_DNS_MALFORMED_DATA));
});

test("fast-check: random and mutated messages never throw, over UDP and TCP", () => {
  const udp = new DnsParser({ ...defaultDnsConfig(), maxFlows: 2 });
  const tcp = new DnsParser({ ...defaultDnsConfig(), maxFlows: 2, transport: "tcp", tcpMessageBytes: 64 });
  const sink = new RecordingSink();
  const base = response(3);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }).map((muts) => {
          const b = base.slice();
          for (const [i, v] of muts) b[i] = v;
          return b;
        }),
      ),
      fc.integer({ min: 1, max: 40 }),
      (bytes, step) => {
        for (const d of [udp, tcp]) {
          const s = d.open();
          const r = feedPieces((b, o, l) => d.parse(s, 1, b, o, l, sink), bytes, step);
          assert.is(r, PARSE_OK);
          d.close(s);
        }
        probeDns(0, bytes, 0, bytes.length);
        probeDnsTcp(0, bytes, 0, bytes.length);
        sink.txs.length = 0;
      },
    ),
    { numRuns: 500 },
  );
});

test("a TCP length prefix longer than the piece never makes the probe read past the bytes (it hung)", () => {
  // a length prefix of 300 over a 40-byte piece whose question name runs to the end of the piece
  const piece = new Uint8Array(40);
  piece[0] = 0x01;
  piece[1] = 0x2c;
  piece[2 + 5] = 1; // qdcount 1
  for (let i = 2 + 12; i < 40; i++) piece[i] = 1; // labels of length 1, no terminator
  assert.is(probeDnsTcp(0, piece, 0, piece.length), PROBE_NEED_MORE);
  assert.is(probeDns(0, piece, 0, piece.length), ALPROTO_UNKNOWN);
});

test("probe: claims DNS, not random UDP", () => {
  const q = query(1, ["www.example.com"]);
  assert.is(probeDns(0, q, 0, q.length), ALPROTO_DNS);
  const r = response(1);
  assert.is(probeDns(1, r, 0, r.length), ALPROTO_DNS);
  const framed = new Uint8Array([...u16(q.length), ...q]);
  assert.is(probeDnsTcp(0, framed, 0, framed.length), ALPROTO_DNS);
  assert.is(probeDnsTcp(0, framed, 0, 1), PROBE_NEED_MORE);
  const http = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.is(probeDns(0, http, 0, http.length), ALPROTO_UNKNOWN);
  // random datagrams: claimed rarely (seeded, so the count is stable)
  let claimed = 0;
  const runs = 5000;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 12, maxLength: 200 }), (b) => {
      if (probeDns(0, b, 0, b.length) === ALPROTO_DNS) claimed++;
    }),
    { numRuns: runs, seed: 42 },
  );
  assert.ok(claimed < runs * 0.005, `random UDP claimed as DNS ${claimed}/${runs}`);
});

test("pool exhaustion", () => {
  const d = new DnsParser({ ...defaultDnsConfig(), maxFlows: 1 });
  assert.ok(d.open() >= 0);
  assert.is(d.open(), -1);
  assert.is(d.exhausted, 1);
  assert.is(d.parse(5, 0, new Uint8Array(12), 0, 12, new RecordingSink()), PARSE_ERROR);
});

interface Ref {
  pcaps: Record<string, {
    transport: string;
    src: number;
    dst: number;
    id: number | null;
    response: boolean;
    opcode: number;
    names: string[];
    qtype: number[];
    a: string[];
  }[]>;
}

test("real traffic: question names, types and opcodes equal tshark's on the nDPI captures", () => {
  const dir = corpusDir();
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(new URL("./testdata/ndpi-reference.json", import.meta.url), "utf8")) as Ref;
  const d = new DnsParser();
  let compared = 0;
  for (const [pcap, rows] of Object.entries(ref.pcaps)) {
    const flows = readFlows(join(dir, "ndpi", pcap)).filter((f) => f.proto === "udp");
    for (const f of flows) {
      const mine = rows.filter((r) =>
        r.transport === "udp" &&
        ((r.src === f.clientPort && r.dst === f.serverPort) || (r.dst === f.clientPort && r.src === f.serverPort))
      );
      if (mine.length === 0 || mine.length !== f.datagrams.length) continue;
      const s = d.open();
      const sink = new RecordingSink();
      for (const g of f.datagrams) {
        const before = sink.txs.length;
        d.parse(s, g.dir, g.data, 0, g.data.length, sink);
        assert.is(sink.txs.length, before + 1, `${pcap}: one tx per message`);
      }
      d.close(s);
      for (let k = 0; k < mine.length; k++) {
        const want = mine[k];
        const got = sink.txs[k];
        const label = `${pcap} ${f.clientPort}->${f.serverPort} #${k}`;
        assert.equal(got.bufs.get(BUF_DNS_QUERY) ?? [], want.names.map((n) => (n === "<Root>" ? "" : n)), label);
        if (want.qtype.length > 0) assert.is(got.fields[FIELD_DNS_RRTYPE], want.qtype[0], label);
        assert.is(got.fields[FIELD_DNS_OPCODE], want.opcode, label);
        compared++;
      }
    }
  }
  console.log(`  dns corpus: ${compared} messages compared`);
  assert.ok(compared >= 150, `compared ${compared} DNS messages`);
});

test.run();
