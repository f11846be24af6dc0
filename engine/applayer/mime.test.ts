import { test } from "uvu";
import * as assert from "uvu/assert";
import { A_SMTP_MIME_LONG_LINE, A_SMTP_MIME_MALFORMED_MSG, MimeParser } from "./mime.ts";

function parse(lines: string[]): { parts: string[]; events: number[] } {
  const parts: string[] = [];
  let cur = "";
  const events: number[] = [];
  const m = new MimeParser({
    mimeData: (b, o, l) => (cur += String.fromCharCode(...b.subarray(o, o + l))),
    mimePartEnd: () => {
      parts.push(cur);
      cur = "";
    },
    mimeEvent: (c) => events.push(c),
  }, 64);
  for (const s of lines) {
    const b = Uint8Array.from(s, (c) => c.charCodeAt(0));
    m.line(b, 0, b.length, false);
  }
  m.end();
  return { parts, events };
}

test("nested multipart with folded headers and base64 / qp parts", () => {
  const r = parse([
    "Content-Type: multipart/mixed;",
    '\tboundary="outer"',
    "",
    "--outer",
    "Content-Type: multipart/alternative; boundary=inner",
    "",
    "--inner",
    "",
    "text part",
    "--inner",
    "Content-Transfer-Encoding: BASE64",
    "",
    "aGVsbG8g",
    "d29ybGQ=",
    "--inner--",
    "--outer",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "a=3Db",
    "--outer--",
    "epilogue is ignored",
  ]);
  assert.equal(r.parts, ["text part\r\n", "hello world", "a=b\r\n"]);
  assert.equal(r.events, []);
});

test("a message without MIME headers is one part; unterminated multipart is malformed", () => {
  assert.equal(parse(["Subject: hi", "", "body"]).parts, ["body\r\n"]);
  const r = parse(["Content-Type: multipart/mixed; boundary=b", "", "--b", "", "x"]);
  assert.equal(r.parts, ["x\r\n"]);
  assert.ok(r.events.includes(A_SMTP_MIME_MALFORMED_MSG));
});

test("long lines raise smtp.mime_long_line once", () => {
  const r = parse(["", "x".repeat(1200), "y".repeat(1200)]);
  assert.equal(r.events, [A_SMTP_MIME_LONG_LINE]);
});

test.run();
