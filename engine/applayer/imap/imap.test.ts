import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { DIR_TOCLIENT, DIR_TOSERVER, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_IMAP, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { bytes, feedBytes, feedConversation, fuzzLines, RecordingSink, tcpConversations } from "../stream-fixture.ts";
import { ImapParser, probeImap } from "./imap.ts";

test("STARTTLS answered by its tagged OK upgrades (byte by byte too)", () => {
  for (const piece of [0, 1]) {
    const p = new ImapParser({ maxFlows: 1 });
    const slot = p.open();
    const sink = new RecordingSink();
    feedBytes(p, slot, DIR_TOCLIENT, bytes("* OK IMAP4rev1 ready\r\n"), sink, piece);
    feedBytes(p, slot, DIR_TOSERVER, bytes("a1 CAPABILITY\r\na2 STARTTLS\r\n"), sink, piece);
    assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n"), sink, piece), PARSE_OK);
    assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("a2 OK Begin TLS\r\n"), sink, piece), PARSE_UPGRADE);
    assert.is(p.upgradeTo, ALPROTO_TLS);
    assert.is(p.commandCount(slot), 2);
  }
});

test("literals are data, not lines", () => {
  const p = new ImapParser({ maxFlows: 1 });
  const slot = p.open();
  const sink = new RecordingSink();
  // the literal holds text that would look like the STARTTLS answer
  feedBytes(p, slot, DIR_TOSERVER, bytes("a2 STARTTLS\r\n"), sink, 0);
  assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("* 1 FETCH (BODY[] {16}\r\na2 OK fake!!\r\n)\r\n"), sink, 0), PARSE_OK);
  assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("a2 NO no tls\r\n"), sink, 0), PARSE_OK);
});

test("probeImap", () => {
  const g = bytes("* OK [CAPABILITY IMAP4rev1] ready\r\n");
  assert.is(probeImap(DIR_TOCLIENT, g, 0, g.length), ALPROTO_IMAP);
  const c = bytes("A001 LOGIN user pass\r\n");
  assert.is(probeImap(DIR_TOSERVER, c, 0, c.length), ALPROTO_IMAP);
  assert.is(probeImap(DIR_TOSERVER, c, 0, 3), PROBE_NEED_MORE);
  const h = bytes("GET / HTTP/1.1\r\n");
  assert.is(probeImap(DIR_TOSERVER, h, 0, h.length), ALPROTO_UNKNOWN);
  const s = bytes("+OK POP3\r\n");
  assert.is(probeImap(DIR_TOCLIENT, s, 0, s.length), ALPROTO_UNKNOWN);
});

test("malformed input never throws", () => {
  const p = new ImapParser({ maxFlows: 1, lineBytes: 16 });
  const sink = new RecordingSink();
  fuzzLines(p, sink, ["{5}\r\n", "{99999999999}\r\n", "a STARTTLS\r\n", "a OK\r\n"]);
  assert.is(p.exhausted, 0);
});

const corpus = corpusDir();
if (corpus !== null) {
  test("nDPI imap.pcap: greeting probed, commands counted", () => {
    const p = new ImapParser({ maxFlows: 2 });
    let commands = 0;
    let probed = 0;
    for (const c of tcpConversations(join(corpus, "ndpi/imap.pcap"))) {
      const first = c.segments.find((s) => s.dir === 1);
      if (first && probeImap(1, first.data, 0, first.data.length) === ALPROTO_IMAP) probed++;
      const slot = p.open();
      feedConversation(p, slot, c, new RecordingSink(), 0);
      commands += p.commandCount(slot);
      p.close(slot);
    }
    assert.ok(probed > 0);
    assert.ok(commands > 0);
  });
}

test.run();
