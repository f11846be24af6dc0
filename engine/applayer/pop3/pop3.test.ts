import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { DIR_TOCLIENT, DIR_TOSERVER, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_POP3, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { bytes, feedBytes, feedConversation, fuzzLines, RecordingSink, tcpConversations } from "../stream-fixture.ts";
import { A_POP3_UNKNOWN_COMMAND, Pop3Parser, probePop3 } from "./pop3.ts";

test("STLS answered by +OK upgrades; a mail body line '+OK' does not (byte by byte too)", () => {
  for (const piece of [0, 1]) {
    const p = new Pop3Parser({ maxFlows: 1 });
    const slot = p.open();
    const sink = new RecordingSink();
    feedBytes(p, slot, DIR_TOCLIENT, bytes("+OK POP3 ready\r\n"), sink, piece);
    feedBytes(p, slot, DIR_TOSERVER, bytes("RETR 1\r\nSTLS\r\n"), sink, piece);
    assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("+OK 20 octets\r\n+OK in the body\r\n.\r\n"), sink, piece), PARSE_OK);
    assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("+OK Begin TLS\r\n"), sink, piece), PARSE_UPGRADE);
    assert.is(p.upgradeTo, ALPROTO_TLS);
    assert.equal(sink.events, []);
  }
});

test("unknown commands raise pop3.unknown_command", () => {
  const p = new Pop3Parser({ maxFlows: 1 });
  const slot = p.open();
  const sink = new RecordingSink();
  feedBytes(p, slot, DIR_TOSERVER, bytes("XYZZY\r\n"), sink, 0);
  assert.equal(sink.events, [A_POP3_UNKNOWN_COMMAND]);
});

test("probePop3", () => {
  const g = bytes("+OK Dovecot ready.\r\n");
  assert.is(probePop3(DIR_TOCLIENT, g, 0, g.length), ALPROTO_POP3);
  const c = bytes("CAPA\r\n");
  assert.is(probePop3(DIR_TOSERVER, c, 0, c.length), ALPROTO_POP3);
  assert.is(probePop3(DIR_TOSERVER, c, 0, 2), PROBE_NEED_MORE);
  assert.is(probePop3(DIR_TOSERVER, bytes("GE"), 0, 2), ALPROTO_UNKNOWN);
  const u = bytes("USER bob\r\n");
  assert.is(probePop3(DIR_TOSERVER, u, 0, u.length), ALPROTO_UNKNOWN);
  const s = bytes("220 smtp\r\n");
  assert.is(probePop3(DIR_TOCLIENT, s, 0, s.length), ALPROTO_UNKNOWN);
});

test("malformed input never throws", () => {
  const p = new Pop3Parser({ maxFlows: 1, lineBytes: 16 });
  const sink = new RecordingSink();
  fuzzLines(p, sink, ["RETR 1\r\n", "+OK\r\n", ".\r\n", "STLS\r\n", "AUTH PLAIN\r\n", "+ \r\n"]);
  assert.is(p.exhausted, 0);
});

const corpus = corpusDir();
if (corpus !== null) {
  test("nDPI pop3.pcap: greeting probed, commands counted, no unknown commands", () => {
    const p = new Pop3Parser({ maxFlows: 2 });
    let commands = 0;
    let probed = 0;
    const sink = new RecordingSink();
    for (const c of tcpConversations(join(corpus, "ndpi/pop3.pcap"))) {
      const first = c.segments.find((s) => s.dir === 1);
      if (first && probePop3(1, first.data, 0, first.data.length) === ALPROTO_POP3) probed++;
      const slot = p.open();
      feedConversation(p, slot, c, sink, 0);
      commands += p.commandCount(slot);
      p.close(slot);
    }
    assert.ok(probed > 0);
    assert.ok(commands > 0);
    assert.equal(sink.events, []);
  });
}

test.run();
