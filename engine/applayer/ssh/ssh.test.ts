import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { BUF_SSH_PROTO, BUF_SSH_SOFTWARE } from "../../detect/buffers.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE, TX_REQUEST_DONE, TX_REQUEST_LINE, TX_RESPONSE_LINE } from "../parser.ts";
import { ALPROTO_SSH, ALPROTO_UNKNOWN } from "../proto.ts";
import { feedPieces, readFlows, RecordingSink } from "../tls/testing.ts";
import { A_SSH_INVALID_BANNER, A_SSH_INVALID_RECORD_LENGTH, A_SSH_LONG_BANNER, defaultSshConfig, probeSsh, SshParser } from "./ssh.ts";

const enc = (s: string) => new TextEncoder().encode(s);
function packet(code: number, bodyLen = 10): number[] {
  const pad = 4;
  const len = 1 + 1 + bodyLen + pad;
  return [len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, pad, code, ...new Array(bodyLen + pad).fill(0)];
}

test("banner: proto and software (comments left out), byte at a time or whole", () => {
  const bytes = new Uint8Array([...enc("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n"), ...packet(20, 100), ...packet(21, 0)]);
  for (const step of [1, 3, bytes.length]) {
    const p = new SshParser();
    const sink = new RecordingSink();
    const s = p.open();
    assert.is(feedPieces((b, o, l) => p.parse(s, 0, b, o, l, sink), bytes, step), PARSE_OK);
    assert.is(sink.txs.length, 1, `step ${step}`);
    assert.equal(sink.txs[0].bufs.get(BUF_SSH_PROTO), ["2.0"]);
    assert.equal(sink.txs[0].bufs.get(BUF_SSH_SOFTWARE), ["OpenSSH_8.9p1"]);
    assert.is(sink.txs[0].progress, TX_REQUEST_LINE);
    assert.is(p.packets[s * 2], 2);
    assert.is(p.bannerLength(s, 0), "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1".length);
  }
});

test("NEWKEYS both ways: encrypted bytes are counted, not parsed; the handshake is reported done", () => {
  const p = new SshParser();
  const sink = new RecordingSink();
  const s = p.open();
  const c = new Uint8Array([...enc("SSH-2.0-PuTTY_Release_0.78\r\n"), ...packet(20), ...packet(21), 0xff, 0xff, 0xff, 0xff, 1, 2]);
  const sv = new Uint8Array([...enc("a greeting line\r\nSSH-1.99-Cisco-1.25\r\n"), ...packet(20), ...packet(21), 9, 9, 9]);
  assert.is(p.parse(s, 0, c, 0, c.length, sink), PARSE_OK);
  assert.is(p.parse(s, 1, sv, 0, sv.length, sink), PARSE_OK);
  assert.is(p.encryptedBytes[s * 2], 6);
  assert.is(p.encryptedBytes[s * 2 + 1], 3);
  const last = sink.txs[sink.txs.length - 1];
  assert.ok((last.progress & TX_REQUEST_DONE) !== 0 && (last.progress & TX_RESPONSE_LINE) !== 0);
  assert.equal(sink.txs[1].bufs.get(BUF_SSH_PROTO), ["1.99"]);
  assert.equal(sink.txs[1].bufs.get(BUF_SSH_SOFTWARE), ["Cisco-1.25"]);
  assert.is(sink.events.length, 0);
});

test("malformed: not a banner, an overlong banner, a bad packet length", () => {
  const p = new SshParser();
  const sink = new RecordingSink();
  let s = p.open();
  const http = enc("GET / HTTP/1.1\r\n");
  assert.is(p.parse(s, 0, http, 0, http.length, sink), PARSE_ERROR);
  assert.equal(sink.events, [A_SSH_INVALID_BANNER]);
  s = p.open();
  const long = enc(`SSH-2.0-${"x".repeat(400)}\r\n`);
  assert.is(p.parse(s, 0, long, 0, long.length, sink), PARSE_OK);
  assert.ok(sink.events.includes(A_SSH_LONG_BANNER));
  const bad = new Uint8Array([0x7f, 0, 0, 0, 4, 20]);
  assert.is(p.parse(s, 0, bad, 0, bad.length, sink), PARSE_ERROR);
  assert.ok(sink.events.includes(A_SSH_INVALID_RECORD_LENGTH));
});

test("probe and pool", () => {
  const b = enc("SSH-2.0-x\r\n");
  assert.is(probeSsh(0, b, 0, b.length), ALPROTO_SSH);
  assert.is(probeSsh(0, b, 0, 2), PROBE_NEED_MORE);
  assert.is(probeSsh(0, enc("HTTP"), 0, 4), ALPROTO_UNKNOWN);
  const p = new SshParser({ ...defaultSshConfig(), maxFlows: 1 });
  assert.ok(p.open() >= 0);
  assert.is(p.open(), -1);
  assert.is(p.exhausted, 1);
});

test("fast-check: random input never throws", () => {
  const p = new SshParser({ ...defaultSshConfig(), maxFlows: 2 });
  const sink = new RecordingSink();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 1 }), (tail, prefix, step, dir) => {
      const bytes = prefix ? new Uint8Array([...enc("SSH-2.0-a\r\n"), ...tail]) : tail;
      const s = p.open();
      const r = feedPieces((b, o, l) => p.parse(s, dir, b, o, l, sink), bytes, step);
      assert.ok(r === PARSE_OK || r === PARSE_ERROR);
      p.gap(s, dir, 5);
      p.close(s);
      sink.txs.length = 0;
    }),
    { numRuns: 300 },
  );
});

test("real traffic: banners of the nDPI ssh capture equal tshark's", () => {
  const dir = corpusDir();
  if (dir === null) return;
  const ref = JSON.parse(readFileSync(new URL("./testdata/ndpi-reference.json", import.meta.url), "utf8")) as {
    pcaps: Record<string, { src: number; dst: number; banner: string }[]>;
  };
  let compared = 0;
  for (const [pcap, rows] of Object.entries(ref.pcaps)) {
    for (const f of readFlows(join(dir, "ndpi", pcap)).filter((x) => x.proto === "tcp")) {
      if (probeSsh(0, f.toServer, 0, f.toServer.length) !== ALPROTO_SSH) continue;
      const p = new SshParser();
      const sink = new RecordingSink();
      const s = p.open();
      for (const piece of f.pieces) assert.is(p.parse(s, piece.dir, piece.data, 0, piece.data.length, sink), PARSE_OK);
      for (const dir of [0, 1]) {
        const want = rows.find((r) => (dir === 0 ? r.src === f.clientPort : r.dst === f.clientPort));
        const got = sink.txs.find((t) => t.dir === dir);
        if (want === undefined || got === undefined) continue;
        const [, proto, software] = /^SSH-([^-]+)-(\S+)/.exec(want.banner)!;
        assert.equal(got.bufs.get(BUF_SSH_PROTO), [proto]);
        assert.equal(got.bufs.get(BUF_SSH_SOFTWARE), [software]);
        compared++;
      }
      // the capture goes on past NEWKEYS: the rest was counted as encrypted
      assert.ok(p.encryptedBytes[s * 2] > 0 && p.encryptedBytes[s * 2 + 1] > 0);
      assert.is(sink.events.length, 0);
    }
  }
  assert.is(compared, 2);
});

test.run();
