import { X509Certificate } from "node:crypto";
import { PerformanceObserver } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import {
  InspectBuffers,
  BUF_JA3_HASH,
  BUF_JA3_STRING,
  BUF_JA3S_HASH,
  BUF_JA3S_STRING,
  BUF_JA4_HASH,
  BUF_TLS_ALPN,
  BUF_TLS_CERT_FINGERPRINT,
  BUF_TLS_CERT_ISSUER,
  BUF_TLS_CERT_SERIAL,
  BUF_TLS_CERT_SUBJECT,
  BUF_TLS_CERTS,
  BUF_TLS_SNI,
  FIELD_TLS_STATE,
  FIELD_TLS_VERSION,
} from "../../detect/buffers.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE, TX_REQUEST_HEADERS, TX_RESPONSE_HEADERS } from "../parser.ts";
import { ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { A_TLS_MULTIPLE_SNI_EXTENSIONS } from "./hello.ts";
import {
  A_TLS_INVALID_HANDSHAKE_MESSAGE,
  A_TLS_INVALID_RECORD_TYPE,
  A_TLS_INVALID_RECORD_VERSION,
  defaultTlsConfig,
  probeTls,
  TlsParser,
} from "./tls.ts";
import { feedPieces, readFlows, RecordingSink } from "./testing.ts";
import type { TxRecord } from "./testing.ts";

// -- building hellos (cold, test only)
const u16 = (v: number) => [v >> 8, v & 255];
const u24 = (v: number) => [v >> 16, (v >> 8) & 255, v & 255];
function ext(type: number, body: number[]): number[] {
  return [...u16(type), ...u16(body.length), ...body];
}
function clientHello(opts: {
  version?: number;
  ciphers: number[];
  exts: number[][];
}): Uint8Array {
  const body = [
    ...u16(opts.version ?? 0x0303),
    ...new Array(32).fill(7),
    0, // session id
    ...u16(opts.ciphers.length * 2),
    ...opts.ciphers.flatMap(u16),
    1,
    0,
  ];
  const e = opts.exts.flat();
  body.push(...u16(e.length), ...e);
  const hs = [1, ...u24(body.length), ...body];
  return new Uint8Array([22, 3, 1, ...u16(hs.length), ...hs]);
}
function sni(name: string): number[] {
  const n = [...new TextEncoder().encode(name)];
  return ext(0, [...u16(n.length + 3), 0, ...u16(n.length), ...n]);
}
function alpn(...names: string[]): number[] {
  const list = names.flatMap((s) => [s.length, ...new TextEncoder().encode(s)]);
  return ext(16, [...u16(list.length), ...list]);
}
function list16(type: number, vals: number[], lenBytes = 2): number[] {
  const b = vals.flatMap(u16);
  return ext(type, [...(lenBytes === 2 ? u16(b.length) : [b.length]), ...b]);
}

/** The FoxIO JA4 README example hello: t13d1516h2_8daaf6152771_e5627efa2ab1. */
function foxioHello(): Uint8Array {
  const ciphers = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
    0x009d, 0x002f, 0x0035];
  return clientHello({
    ciphers: [0x0a0a, ...ciphers],
    exts: [
      ext(0x1a1a, []),
      sni("example.com"),
      ext(0x0017, []),
      ext(0xff01, [0]),
      list16(0x000a, [0x2a2a, 0x001d, 0x0017]),
      ext(0x000b, [1, 0]),
      ext(0x0023, []),
      alpn("h2", "http/1.1"),
      ext(0x0005, [1, 0, 0, 0, 0]),
      list16(0x000d, [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]),
      ext(0x0012, []),
      ext(0x0033, [0, 0]),
      ext(0x002d, [1, 1]),
      list16(0x002b, [0x3a3a, 0x0304, 0x0303], 1),
      ext(0x001b, [2, 0, 2]),
      ext(0x4469, [0, 0]),
      ext(0x0015, [0]),
    ],
  });
}

const str = (r: TxRecord, id: number) => r.bufs.get(id);

test("ClientHello: SNI, ALPN, JA3 (GREASE left out), JA4 as the FoxIO example", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  const s = t.open();
  assert.is(t.parse(s, 0, foxioHello(), 0, foxioHello().length, sink), PARSE_OK);
  assert.is(sink.txs.length, 1);
  const r = sink.txs[0];
  assert.equal(str(r, BUF_TLS_SNI), ["example.com"]);
  assert.equal(str(r, BUF_TLS_ALPN), ["h2", "http/1.1"]);
  assert.equal(str(r, BUF_JA4_HASH), ["t13d1516h2_8daaf6152771_e5627efa2ab1"]);
  const ja3 = str(r, BUF_JA3_STRING)![0];
  assert.ok(ja3.startsWith("771,4865-4866-4867-49195-"), ja3);
  assert.ok(ja3.endsWith(",29-23,0"), ja3);
  assert.not.ok(ja3.includes("2570") || ja3.includes("6682"), "GREASE values are left out");
  assert.is(str(r, BUF_JA3_HASH)![0].length, 32);
  assert.is(r.fields[FIELD_TLS_VERSION], 0x0303);
  assert.ok((r.progress & TX_REQUEST_HEADERS) !== 0);
  assert.is(new TextDecoder().decode(t.data.subarray(t.sniStart(s), t.sniStart(s) + t.sniLength(s))), "example.com");
  assert.is(t.alpnCount(s), 2);
});

test("byte at a time, records split and a handshake message across two records give the same result", () => {
  const whole = foxioHello();
  const ref = new RecordingSink();
  const t = new TlsParser();
  const s0 = t.open();
  t.parse(s0, 0, whole, 0, whole.length, ref);
  // the same ClientHello split over two handshake records
  const hs = whole.subarray(5);
  const cut = 50;
  const twoRecords = new Uint8Array([22, 3, 1, ...u16(cut), ...hs.subarray(0, cut), 22, 3, 1, ...u16(hs.length - cut), ...hs.subarray(cut)]);
  for (const [bytes, step] of [[whole, 1], [whole, 7], [twoRecords, 1], [twoRecords, 1000]] as const) {
    const sink = new RecordingSink();
    const s = t.open();
    assert.is(feedPieces((b, o, l) => t.parse(s, 0, b, o, l, sink), bytes, step), PARSE_OK);
    assert.is(sink.txs.length, 1);
    assert.equal(sink.txs[0].bufs, ref.txs[0].bufs);
    t.close(s);
  }
});

test("malformed records raise Suricata's events and give up", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  let s = t.open();
  assert.is(t.parse(s, 0, new Uint8Array([99, 3, 1, 0, 1, 0]), 0, 6, sink), PARSE_ERROR);
  assert.equal(sink.events, [A_TLS_INVALID_RECORD_TYPE]);
  t.close(s);
  s = t.open();
  assert.is(t.parse(s, 1, new Uint8Array([22, 9, 1, 0, 1, 0]), 0, 6, sink), PARSE_ERROR);
  assert.ok(sink.events.includes(A_TLS_INVALID_RECORD_VERSION));
});

test("handshake-level problems: unknown message type, two SNI extensions", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  let s = t.open();
  const unknown = new Uint8Array([22, 3, 3, 0, 4, 99, 0, 0, 0]);
  assert.is(t.parse(s, 1, unknown, 0, unknown.length, sink), PARSE_OK);
  assert.equal(sink.events, [A_TLS_INVALID_HANDSHAKE_MESSAGE]);
  t.close(s);
  s = t.open();
  const twoSni = clientHello({ ciphers: [0x1301], exts: [sni("a.example"), sni("b.example")] });
  t.parse(s, 0, twoSni, 0, twoSni.length, sink);
  assert.ok(sink.events.includes(A_TLS_MULTIPLE_SNI_EXTENSIONS));
  assert.equal(sink.txs[0].bufs.get(BUF_TLS_SNI), ["a.example"]);
});

test("after ChangeCipherSpec records are counted, not parsed", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  const s = t.open();
  const ccs = [20, 3, 3, 0, 1, 1];
  const garbageHs = [22, 3, 3, 0, 4, 0xee, 0xee, 0xee, 0xee]; // an encrypted Finished
  const app = [23, 3, 3, 0, 3, 1, 2, 3];
  const bytes = new Uint8Array([...ccs, ...garbageHs, ...app]);
  assert.is(t.parse(s, 1, bytes, 0, bytes.length, sink), PARSE_OK);
  assert.is(sink.events.length, 0);
  assert.is(t.records[s * 2 + 1], 3);
  assert.is(t.encryptedRecords[s * 2 + 1], 2);
});

test("probe: TLS records, SSLv2 ClientHello, need-more, and not-TLS", () => {
  const ch = foxioHello();
  assert.is(probeTls(0, ch, 0, ch.length), ALPROTO_TLS);
  assert.is(probeTls(0, ch, 0, 2), PROBE_NEED_MORE);
  const v2 = new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15]);
  assert.is(probeTls(0, v2, 0, v2.length), ALPROTO_TLS);
  const http = new TextEncoder().encode("GET / HTTP/1.1\r\n");
  assert.is(probeTls(0, http, 0, http.length), ALPROTO_UNKNOWN);
  assert.is(probeTls(0, new Uint8Array([22, 3, 1, 0, 5, 9]), 0, 6), ALPROTO_UNKNOWN);
});

test("an SSLv2-compatible ClientHello is stepped over", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  const s = t.open();
  const body = [0x01, 0x03, 0x01, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f, ...new Array(16).fill(1)];
  const v2 = new Uint8Array([0x80 | (body.length >> 8), body.length & 255, ...body]);
  assert.is(t.parse(s, 0, v2, 0, v2.length, sink), PARSE_OK);
  assert.is(t.tlsVersion(s), 0x0301);
  assert.is(sink.events.length, 0);
});

function serverHello(version: number, exts: number[][]): Uint8Array {
  const e = exts.flat();
  const body = [...u16(version), ...new Array(32).fill(9), 0, ...u16(0x1301), 0, ...(e.length > 0 ? [...u16(e.length), ...e] : [])];
  const hs = [2, ...u24(body.length), ...body];
  return new Uint8Array([22, 3, 3, ...u16(hs.length), ...hs]);
}

test("an SSLv2-compatible ClientHello is a client-side inspection with its version (ssl_version), no JA3", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  const s = t.open();
  const body = [0x01, 0x03, 0x01, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f, ...new Array(16).fill(1)];
  const v2 = new Uint8Array([0x80 | (body.length >> 8), body.length & 255, ...body]);
  assert.is(t.parse(s, 0, v2, 0, v2.length, sink), PARSE_OK);
  assert.is(sink.txs.length, 1);
  assert.is(sink.txs[0].dir, 0);
  assert.is(sink.txs[0].fields[FIELD_TLS_VERSION], 0x0301);
  assert.ok((sink.txs[0].progress & TX_REQUEST_HEADERS) !== 0);
  assert.is(str(sink.txs[0], BUF_JA3_HASH), undefined);
});

test("FIELD_TLS_VERSION is per side: the client's offer toserver, the negotiated version toclient", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  const s = t.open();
  const ch = foxioHello(); // legacy version 0x0303, supported_versions offers 1.3
  t.parse(s, 0, ch, 0, ch.length, sink);
  const sh = serverHello(0x0303, [ext(0x002b, [0x03, 0x04])]);
  assert.is(t.parse(s, 1, sh, 0, sh.length, sink), PARSE_OK);
  const ccs = new Uint8Array([20, 3, 3, 0, 1, 1]);
  t.parse(s, 0, ccs, 0, ccs.length, sink); // both sides encrypted now: a last client-side inspection
  const byDir = (d: number) => sink.txs.filter((r) => r.dir === d).map((r) => r.fields[FIELD_TLS_VERSION]);
  assert.equal(byDir(1), [0x0304]);
  assert.equal(byDir(0), [0x0303, 0x0303]);
});

test("FIELD_TLS_STATE names the handshake message each inspection is about (ssl_state)", () => {
  const t = new TlsParser();
  const sink = new RecordingSink();
  const s = t.open();
  const ch = foxioHello();
  t.parse(s, 0, ch, 0, ch.length, sink);
  const sh = serverHello(0x0303, []);
  t.parse(s, 1, sh, 0, sh.length, sink);
  const ske = new Uint8Array([22, 3, 3, 0, 8, 12, 0, 0, 4, 1, 2, 3, 4]);
  t.parse(s, 1, ske, 0, ske.length, sink);
  const cke = new Uint8Array([22, 3, 3, 0, 8, 16, 0, 0, 4, 1, 2, 3, 4]);
  t.parse(s, 0, cke, 0, cke.length, sink);
  assert.equal(sink.txs.map((r) => r.fields[FIELD_TLS_STATE]), [1, 2, 8, 4]);
});

test("pool exhaustion: open returns -1 and is counted; parse on a bad slot is an error", () => {
  const t = new TlsParser({ ...defaultTlsConfig(), maxFlows: 2 });
  const a = t.open();
  const b = t.open();
  assert.ok(a >= 0 && b >= 0);
  assert.is(t.open(), -1);
  assert.is(t.exhausted, 1);
  t.close(a);
  assert.ok(t.open() >= 0);
  assert.is(t.parse(-1, 0, new Uint8Array(1), 0, 1, new RecordingSink()), PARSE_ERROR);
  assert.ok(t.bytesPerSlot() > 0);
});

test("random and mutated input never throws (fast-check)", () => {
  const t = new TlsParser({ ...defaultTlsConfig(), maxFlows: 4 });
  const sink = new RecordingSink();
  const base = foxioHello();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((muts) => {
          const b = base.slice();
          for (const [i, v] of muts) b[i] = v;
          return b;
        }),
        fc.nat(base.length).map((n) => base.slice(0, n)),
      ),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 1 }),
      (bytes, step, dir) => {
        const s = t.open();
        const r = feedPieces((b, o, l) => t.parse(s, dir, b, o, l, sink), bytes, step);
        assert.ok(r === PARSE_OK || r === PARSE_ERROR);
        t.gap(s, dir, 10);
        t.eof(s, dir, sink);
        t.close(s);
        sink.txs.length = 0;
      },
    ),
    { numRuns: 500 },
  );
});

test("steady state: parsing ClientHellos byte-split and whole causes no young-generation GC", async () => {
  const t = new TlsParser();
  const hello = foxioHello();
  const sink = { buffers: new InspectBuffers(), n: 0, tx() { this.n++; }, event() {} };
  const once = () => {
    const s = t.open();
    t.parse(s, 0, hello, 0, 40, sink);
    t.parse(s, 0, hello, 40, hello.length - 40, sink);
    t.close(s);
  };
  for (let k = 0; k < 2000; k++) once(); // warm up (JIT)
  let minor = 0;
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) minor++;
  });
  obs.observe({ entryTypes: ["gc"] });
  await new Promise((r) => setTimeout(r, 20));
  const before = minor;
  for (let k = 0; k < 50000; k++) once();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  assert.is(sink.n, 52000);
  assert.is(minor - before, 0, "young-generation GCs while parsing");
});

// -- real traffic

/** node's (OpenSSL's) one-RDN-a-line form as Suricata writes it: ", " between RDNs, no escapes. */
function opensslName(s: string): string {
  return s.split("\n").map((l) => l.replace(/^emailAddress=/, "Email=").replace(/\\(.)/g, "$1")).join(", ");
}

interface Ref {
  pcaps: Record<string, {
    clientHellos: { client: number; server: number; sni: string; ja3: string; ja3Hash: string; alpn: string[]; ja4: string }[];
    serverHellos: { client: number; server: number; ja3s: string; ja3sHash: string }[];
  }>;
}

test("real traffic: SNI, ALPN, JA3, JA3S and JA4 equal tshark's on the nDPI captures; certificates equal node:crypto's", () => {
  const dir = corpusDir();
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(new URL("./testdata/ndpi-reference.json", import.meta.url), "utf8")) as Ref;
  const t = new TlsParser();
  let hellos = 0;
  let servers = 0;
  let certs = 0;
  let missed = 0;
  let unreadable = 0;
  for (const [name, want] of Object.entries(ref.pcaps)) {
    const flows = readFlows(join(dir, "ndpi", name)).filter((f) => f.proto === "tcp");
    for (const f of flows) {
      if (probeTls(0, f.toServer, 0, f.toServer.length) !== ALPROTO_TLS) continue;
      const s = t.open();
      const sink = new RecordingSink();
      // interleave as captured, so transactions come in the order they happened
      for (const p of f.pieces) t.parse(s, p.dir, p.data, 0, p.data.length, sink);
      t.close(s);
      const ch = want.clientHellos.find((h) => h.client === f.clientPort && h.server === f.serverPort);
      const got = sink.txs.find((x) => x.dir === 0);
      if (ch !== undefined) {
        if (got === undefined) {
          missed++;
          continue;
        }
        hellos++;
        const label = `${name} ${f.clientPort}`;
        assert.equal(str(got, BUF_TLS_SNI) ?? [""], [ch.sni], label);
        assert.equal(str(got, BUF_JA3_STRING), [ch.ja3], label);
        assert.equal(str(got, BUF_JA3_HASH), [ch.ja3Hash], label);
        assert.equal(str(got, BUF_JA4_HASH), [ch.ja4], label);
        assert.equal(str(got, BUF_TLS_ALPN) ?? [], ch.alpn, label);
      }
      const sh = want.serverHellos.find((h) => h.client === f.clientPort && h.server === f.serverPort);
      const gs = sink.txs.find((x) => x.dir === 1);
      if (sh !== undefined && gs !== undefined) {
        servers++;
        assert.equal(str(gs, BUF_JA3S_STRING), [sh.ja3s], `${name} ${f.clientPort}`);
        assert.equal(str(gs, BUF_JA3S_HASH), [sh.ja3sHash]);
      }
      const gc = sink.txs.find((x) => (x.progress & TX_RESPONSE_HEADERS) !== 0 && x.raw.has(BUF_TLS_CERTS));
      if (gc !== undefined) {
        certs++;
        const der = gc.raw.get(BUF_TLS_CERTS)![0];
        let x: X509Certificate;
        try {
          x = new X509Certificate(der);
        } catch {
          unreadable++; // node's X509Certificate rejects some certificates the openssl CLI reads
          continue;
        }
        assert.is(str(gc, BUF_TLS_CERT_FINGERPRINT)![0], x.fingerprint.toLowerCase());
        const serial = str(gc, BUF_TLS_CERT_SERIAL)![0].replaceAll(":", "");
        assert.is(serial.replace(/^(00)+/, ""), x.serialNumber.replace(/^(00)+/, "").toUpperCase());
        assert.is(str(gc, BUF_TLS_CERT_SUBJECT)![0], opensslName(x.subject), `${name} subject`);
        assert.is(str(gc, BUF_TLS_CERT_ISSUER)![0], opensslName(x.issuer), `${name} issuer`);
        assert.is(t.fields.notBefore[s] * 1000, Date.parse(x.validFrom), `${name} notBefore`);
        assert.is(t.fields.notAfter[s] * 1000, Date.parse(x.validTo), `${name} notAfter`);
      }
    }
  }
  console.log(`  tls corpus: ${hellos} ClientHellos, ${servers} ServerHellos, ${certs} certificate chains compared (${unreadable} more node could not read); ${missed} missed`);
  assert.ok(hellos >= 150, `compared ${hellos} ClientHellos`);
  assert.ok(servers >= 100, `compared ${servers} ServerHellos`);
  assert.ok(certs >= 20, `compared ${certs} certificates`);
  assert.is(missed, 0);
});

test.run();
