import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { BUF_FTP_COMMAND } from "../../detect/buffers.ts";
import { DIR_TOCLIENT, DIR_TOSERVER, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_FTP, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { bytes, feedBytes, feedConversation, fuzzLines, RecordingSink, tcpConversations } from "../stream-fixture.ts";
import { A_FTP_REQUEST_TOO_LONG, FtpParser, probeFtp } from "./ftp.ts";

const ip = (a: number, b: number, c: number, d: number) => new Uint32Array([((a << 24) | (b << 16) | (c << 8) | d) >>> 0, 0, 0, 0]);

test("commands are transactions with ftp.command_line, byte by byte too", () => {
  for (const piece of [0, 1]) {
    const p = new FtpParser({ maxFlows: 1 });
    const slot = p.open();
    const sink = new RecordingSink();
    feedBytes(p, slot, DIR_TOSERVER, bytes("USER anonymous\r\nPASS x@y\r\nRETR /etc/passwd\r\n"), sink, piece);
    assert.equal(sink.values(BUF_FTP_COMMAND), ["USER anonymous", "PASS x@y", "RETR /etc/passwd"]);
    assert.equal(sink.inspections.map((i) => i.txId), [0, 1, 2]);
  }
});

test("PASV/EPSV replies and PORT/EPRT commands become expectations that expire", () => {
  const p = new FtpParser({ maxFlows: 1, expectTimeoutUs: 1000 });
  const slot = p.open();
  const sink = new RecordingSink();
  p.nowUs = 10_000;
  feedBytes(p, slot, DIR_TOCLIENT, bytes("227 Entering Passive Mode (10,0,0,2,195,80).\r\n229 Entering Extended Passive Mode (|||6446|)\r\n"), sink, 3);
  feedBytes(p, slot, DIR_TOSERVER, bytes("PORT 192,168,1,5,4,1\r\nEPRT |1|132.235.1.2|6275|\r\n"), sink, 0);
  assert.is(p.expectations.count, 4);
  assert.not.ok(p.expectations.match(4, ip(10, 0, 0, 3), 50000, 10_500)); // wrong address
  assert.ok(p.expectations.match(4, ip(10, 0, 0, 2), 50000, 10_500));
  assert.not.ok(p.expectations.match(4, ip(10, 0, 0, 2), 50000, 10_500)); // used up
  assert.ok(p.expectations.match(4, ip(1, 2, 3, 4), 6446, 10_500)); // EPSV: any address
  assert.ok(p.expectations.match(4, ip(192, 168, 1, 5), 1025, 10_500));
  assert.not.ok(p.expectations.match(4, ip(132, 235, 1, 2), 6275, 20_000)); // expired
  assert.is(p.expectations.count, 0);
});

test("the expectation table is bounded", () => {
  const p = new FtpParser({ maxFlows: 1, maxExpectations: 2 });
  const slot = p.open();
  const sink = new RecordingSink();
  feedBytes(p, slot, DIR_TOSERVER, bytes("PORT 1,1,1,1,0,1\r\nPORT 1,1,1,1,0,2\r\nPORT 1,1,1,1,0,3\r\n"), sink, 0);
  assert.is(p.expectations.count, 2);
  assert.is(p.expectations.dropped, 1);
});

test("AUTH TLS answered by 234 upgrades; long lines raise an event", () => {
  const p = new FtpParser({ maxFlows: 1, lineBytes: 32 });
  const slot = p.open();
  const sink = new RecordingSink();
  feedBytes(p, slot, DIR_TOSERVER, bytes("STOR " + "a".repeat(100) + "\r\nAUTH TLS\r\n"), sink, 0);
  assert.ok(sink.events.includes(A_FTP_REQUEST_TOO_LONG));
  const reply = bytes("xx234 AUTH TLS OK\r\n\x16\x03");
  assert.is(p.parse(slot, DIR_TOCLIENT, reply, 2, reply.length - 2, sink), PARSE_UPGRADE);
  assert.is(p.upgradeAt, 19);
  assert.is(p.upgradeTo, ALPROTO_TLS);
});

test("probeFtp", () => {
  const u = bytes("USER ftp\r\n");
  assert.is(probeFtp(DIR_TOSERVER, u, 0, u.length), ALPROTO_FTP);
  assert.is(probeFtp(DIR_TOSERVER, u, 0, 2), PROBE_NEED_MORE);
  const g = bytes("220 (vsFTPd 3.0.3)\r\n");
  assert.is(probeFtp(DIR_TOCLIENT, g, 0, g.length), ALPROTO_FTP);
  const s = bytes("220 mx ESMTP\r\n");
  assert.is(probeFtp(DIR_TOCLIENT, s, 0, s.length), ALPROTO_UNKNOWN);
  const h = bytes("GET / HTTP/1.1\r\n");
  assert.is(probeFtp(DIR_TOSERVER, h, 0, h.length), ALPROTO_UNKNOWN);
});

test("malformed input never throws", () => {
  const p = new FtpParser({ maxFlows: 1, lineBytes: 16, maxExpectations: 4 });
  const sink = new RecordingSink();
  fuzzLines(p, sink, ["PORT 1,2,", "EPRT |2|::1|", "227 (", "229 (|||", "\r\n", "999,999"], (r) => assert.is(r, PARSE_OK));
});

const corpus = corpusDir();
if (corpus !== null) {
  test("nDPI ftp.pcap: commands and a passive data connection", () => {
    const p = new FtpParser({ maxFlows: 4 });
    const sink = new RecordingSink();
    for (const c of tcpConversations(join(corpus, "ndpi/ftp.pcap"))) {
      if (c.serverPort !== 21) continue;
      const slot = p.open();
      feedConversation(p, slot, c, sink, 0);
      p.close(slot);
    }
    const cmds = sink.values(BUF_FTP_COMMAND);
    assert.ok(cmds.some((c) => c.startsWith("USER ")), JSON.stringify(cmds));
    assert.ok(p.expectations.count + p.expectations.matched > 0);
  });
}

test.run();
