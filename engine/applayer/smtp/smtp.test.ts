import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { join } from "node:path";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import {
  BUF_FILE_DATA,
  BUF_SMTP_COMMAND,
  BUF_SMTP_HELO,
  BUF_SMTP_MAIL_FROM,
  BUF_SMTP_RCPT_TO,
} from "../../detect/buffers.ts";
import { DIR_TOCLIENT, DIR_TOSERVER, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE, TX_REQUEST_DONE } from "../parser.ts";
import { ALPROTO_SMTP, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { bytes, feedBytes, feedConversation, RecordingSink, tcpConversations } from "../stream-fixture.ts";
import { A_SMTP_MIME_INVALID_BASE64 } from "../mime.ts";
import { A_SMTP_TLS_REJECTED, probeSmtp, SmtpParser } from "./smtp.ts";

const CLIENT =
  "EHLO client.example.org\r\n" +
  "MAIL FROM:<alice@example.org> SIZE=100\r\n" +
  "RCPT TO:<bob@example.net>\r\n" +
  "RCPT TO: <carol@example.net>\r\n" +
  "DATA\r\n" +
  "From: alice\r\n" +
  'Content-Type: multipart/mixed; boundary="XX"\r\n' +
  "\r\n" +
  "preamble\r\n" +
  "--XX\r\n" +
  "Content-Type: text/plain\r\n" +
  "\r\n" +
  "message text, not a file\r\n" +
  "--XX\r\n" +
  "Content-Type: text/plain\r\n" +
  "Content-Disposition: attachment; filename=notes.txt\r\n" +
  "\r\n" +
  "..dot stuffed line\r\n" +
  "plain body\r\n" +
  "--XX\r\n" +
  "Content-Type: application/octet-stream; name=\"a.exe\"\r\n" +
  "Content-Transfer-Encoding: base64\r\n" +
  "\r\n" +
  "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n" +
  "bWFsaWNpb3VzIHBheWxvYWQ=\r\n" +
  "--XX\r\n" +
  "Content-Type: multipart/alternative; boundary=YY\r\n" +
  "\r\n" +
  "--YY\r\n" +
  "Content-Transfer-Encoding: quoted-printable\r\n" +
  "Content-Disposition: attachment; filename=\"caf.txt\"\r\n" +
  "\r\n" +
  "caf=C3=A9 soft=\r\n" +
  "break\r\n" +
  "--YY--\r\n" +
  "--XX--\r\n" +
  ".\r\n" +
  "QUIT\r\n";

function run(piece: number): RecordingSink {
  const p = new SmtpParser({ maxFlows: 2 });
  const slot = p.open();
  const sink = new RecordingSink();
  assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("220 mx.example.net ESMTP\r\n"), sink, piece), PARSE_OK);
  assert.is(feedBytes(p, slot, DIR_TOSERVER, bytes(CLIENT), sink, piece), PARSE_OK);
  return sink;
}

test("mail transaction: helo, mail_from, rcpt_to, commands, attachments as file.data", () => {
  const sink = run(0);
  assert.equal(sink.values(BUF_SMTP_HELO), ["client.example.org"]);
  assert.equal(sink.values(BUF_SMTP_MAIL_FROM), ["<alice@example.org>"]);
  assert.equal(sink.values(BUF_SMTP_RCPT_TO), ["<bob@example.net>", "<carol@example.net>"]);
  const files = sink.values(BUF_FILE_DATA);
  // the message text is not a file (Suricata tracks only parts that name one)
  assert.equal(files[0], ".dot stuffed line\r\nplain body");
  assert.ok(files[1].startsWith("MZ\x90\x00"), JSON.stringify(files[1]));
  assert.ok(files[1].endsWith("malicious payload"));
  assert.equal(files[2], "caf\xc3\xa9 softbreak\r\n");
  assert.equal(files.length, 3);
  const done = sink.inspections.find((i) => (i.progress & TX_REQUEST_DONE) !== 0);
  assert.ok(done);
  assert.is(done!.txId, 0);
  assert.ok(sink.values(BUF_SMTP_COMMAND).includes("DATA"));
  // QUIT starts the next transaction
  const quit = sink.inspections.find((i) => (i.bufs.get(BUF_SMTP_COMMAND) ?? []).includes("QUIT"));
  assert.is(quit!.txId, 1);
  assert.equal(sink.events, []);
});

test("byte-at-a-time gives the same inspections as one piece", () => {
  const a = run(0);
  const b = run(1);
  const c = run(7);
  assert.equal(b.values(BUF_FILE_DATA), a.values(BUF_FILE_DATA));
  assert.equal(c.values(BUF_FILE_DATA), a.values(BUF_FILE_DATA));
  assert.equal(b.values(BUF_SMTP_RCPT_TO), a.values(BUF_SMTP_RCPT_TO));
  assert.equal(b.values(BUF_SMTP_COMMAND), a.values(BUF_SMTP_COMMAND));
});

test("STARTTLS answered by 220 upgrades to TLS; refused raises smtp.tls_rejected", () => {
  const p = new SmtpParser({ maxFlows: 1 });
  let slot = p.open();
  const sink = new RecordingSink();
  feedBytes(p, slot, DIR_TOCLIENT, bytes("220 mx ESMTP\r\n"), sink, 0);
  feedBytes(p, slot, DIR_TOSERVER, bytes("EHLO a\r\nSTARTTLS\r\n"), sink, 0);
  assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("250 ok\r\n"), sink, 0), PARSE_OK);
  const reply = bytes("220 go ahead\r\n\x16\x03\x01");
  assert.is(p.parse(slot, DIR_TOCLIENT, reply, 0, reply.length, sink), PARSE_UPGRADE);
  assert.is(p.upgradeTo, ALPROTO_TLS);
  assert.is(p.upgradeAt, 14); // the TLS record starts right after the 220 line
  p.close(slot);
  slot = p.open();
  assert.is(slot, 0);
  feedBytes(p, slot, DIR_TOCLIENT, bytes("220 mx ESMTP\r\n"), sink, 0);
  feedBytes(p, slot, DIR_TOSERVER, bytes("STARTTLS\r\n"), sink, 0);
  assert.is(feedBytes(p, slot, DIR_TOCLIENT, bytes("454 no\r\n"), sink, 0), PARSE_OK);
  assert.ok(sink.events.includes(A_SMTP_TLS_REJECTED));
});

test("BDAT chunks feed MIME like DATA", () => {
  const p = new SmtpParser({ maxFlows: 1 });
  const slot = p.open();
  const sink = new RecordingSink();
  const body1 = "Subject: x\r\nContent-Disposition: attachment; filename=x\r\n\r\nchunk one ";
  const body2 = "and two\r\n";
  const msg = `MAIL FROM:<a@b>\r\nBDAT ${body1.length}\r\n${body1}BDAT ${body2.length} LAST\r\n${body2}QUIT\r\n`;
  feedBytes(p, slot, DIR_TOSERVER, bytes(msg), sink, 3);
  assert.equal(sink.values(BUF_FILE_DATA), ["chunk one and two"]);
  assert.ok(sink.values(BUF_SMTP_COMMAND).includes("QUIT"));
});

test("invalid base64 in a part raises smtp.mime_invalid_base64", () => {
  const p = new SmtpParser({ maxFlows: 1 });
  const slot = p.open();
  const sink = new RecordingSink();
  const msg = "DATA\r\nContent-Transfer-Encoding: base64\r\nContent-Type: application/x; name=h\r\n\r\naGVs*bG8=\r\n.\r\n";
  feedBytes(p, slot, DIR_TOSERVER, bytes(msg), sink, 0);
  assert.ok(sink.events.includes(A_SMTP_MIME_INVALID_BASE64));
  assert.equal(sink.values(BUF_FILE_DATA), ["hello"]);
});

test("pool exhaustion returns -1 and is counted; memory per flow is reported", () => {
  const p = new SmtpParser({ maxFlows: 2 });
  assert.ok(p.open() >= 0);
  assert.ok(p.open() >= 0);
  assert.is(p.open(), -1);
  assert.is(p.exhausted, 1);
  assert.ok(p.bytesPerFlow > 32768 && p.bytesPerFlow < 64 * 1024, String(p.bytesPerFlow));
});

test("probeSmtp", () => {
  assert.is(probeSmtp(DIR_TOSERVER, bytes("EHLO x\r\n"), 0, 8), ALPROTO_SMTP);
  assert.is(probeSmtp(DIR_TOSERVER, bytes("EH"), 0, 2), PROBE_NEED_MORE);
  assert.is(probeSmtp(DIR_TOSERVER, bytes("GET / HTTP/1.1\r\n"), 0, 16), ALPROTO_UNKNOWN);
  const g = bytes("220 mx.example.net ESMTP Postfix\r\n");
  assert.is(probeSmtp(DIR_TOCLIENT, g, 0, g.length), ALPROTO_SMTP);
  const f = bytes("220 ProFTPD Server ready\r\n");
  assert.is(probeSmtp(DIR_TOCLIENT, f, 0, f.length), ALPROTO_UNKNOWN);
});

test("malformed input never throws", () => {
  const p = new SmtpParser({ maxFlows: 1, lineBytes: 64, dataLineBytes: 64, fileDepth: 128 });
  const sink = new RecordingSink();
  const alphabet = ["DATA\r\n", ".\r\n", "BDAT 5\r\n", "BDAT 0 LAST\r\n", "--b\r\n", "Content-Type: multipart/x; boundary=b\r\n",
    "Content-Transfer-Encoding: base64\r\n", "\r\n", "=A", "250-", "354 ", "STARTTLS\r\n", "\n", "x".repeat(80)];
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...alphabet), fc.string()), { maxLength: 40 }),
      fc.array(fc.boolean(), { maxLength: 40 }),
      (parts, dirs) => {
        const slot = p.open();
        parts.forEach((s, i) => p.parse(slot, dirs[i] ? 1 : 0, bytes(s), 0, s.length, sink));
        p.eof(slot, 0, sink);
        p.close(slot);
        return true;
      },
    ),
    { numRuns: 300 },
  );
  assert.is(p.exhausted, 0);
});

const corpus = corpusDir();
if (corpus !== null) {
  test("suricata-verify smtp-file-data-01: the attachment text reaches file.data", () => {
    for (const piece of [0, 1]) {
      const [conv] = tcpConversations(join(corpus, "suricata-verify/smtp-file-data-01/input.pcap"));
      const p = new SmtpParser({ maxFlows: 1 });
      const sink = new RecordingSink();
      feedConversation(p, p.open(), conv, sink, piece);
      assert.ok(sink.anyContains(BUF_FILE_DATA, "if was"), `piece ${piece}`);
      // the message text (no filename) is not a file: the attachment is the transaction's first file.data,
      // so it starts at "if was" (detection prefilters a growing body only from where it left off)
      const files = sink.values(BUF_FILE_DATA);
      assert.ok(files.length > 0 && files[0].startsWith("if was! My of"), JSON.stringify(files[0]?.slice(0, 20)));
      assert.not.ok(sink.anyContains(BUF_FILE_DATA, "She sat there"));
      assert.equal(sink.values(BUF_SMTP_MAIL_FROM), ["<sender@example.com>"]);
    }
  });

  test("suricata-verify smtp-file-data-02 and nDPI smtp.pcap", () => {
    const [conv] = tcpConversations(join(corpus, "suricata-verify/smtp-file-data-02/input.pcap"));
    const p = new SmtpParser({ maxFlows: 2 });
    const sink = new RecordingSink();
    feedConversation(p, p.open(), conv, sink, 0);
    assert.ok(sink.anyContains(BUF_FILE_DATA, "Added"));
    const convs = tcpConversations(join(corpus, "ndpi/smtp.pcap"));
    const sink2 = new RecordingSink();
    let helo = 0;
    for (const c of convs) {
      const slot = p.open();
      feedConversation(p, slot, c, sink2, 0);
      p.close(slot);
      helo = sink2.values(BUF_SMTP_HELO).length;
    }
    assert.ok(helo > 0);
    assert.ok(sink2.values(BUF_SMTP_RCPT_TO).length > 0);
  });
}

test.run();
