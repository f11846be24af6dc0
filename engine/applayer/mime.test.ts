import { test } from "uvu";
import * as assert from "uvu/assert";
import { A_SMTP_MIME_LONG_LINE, A_SMTP_MIME_MALFORMED_MSG, MimeParser } from "./mime.ts";

function parse(lines: string[], filesOnly = false): { parts: string[]; events: number[] } {
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
  m.filesOnly = filesOnly;
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
  assert.equal(r.parts, ["text part", "hello world", "a=b\r\n"]);
  assert.equal(r.events, []);
});

test("a message without MIME headers is one part; unterminated multipart is malformed", () => {
  assert.equal(parse(["Subject: hi", "", "body"]).parts, ["body"]);
  const r = parse(["Content-Type: multipart/mixed; boundary=b", "", "--b", "", "x"]);
  assert.equal(r.parts, ["x"]);
  assert.ok(r.events.includes(A_SMTP_MIME_MALFORMED_MSG));
});

test("long lines raise smtp.mime_long_line once", () => {
  const r = parse(["", "x".repeat(1200), "y".repeat(1200)]);
  assert.equal(r.events, [A_SMTP_MIME_LONG_LINE]);
});

test("a plain body keeps its inner line breaks, not the one before the boundary", () => {
  const r = parse(["Content-Type: multipart/mixed; boundary=b", "", "--b", "", "one", "", "two", "--b--"]);
  assert.equal(r.parts, ["one\r\n\r\ntwo"]);
});

test("filesOnly: only parts naming a file (Content-Disposition filename=, Content-Type name=) are handed on", () => {
  const lines = [
    "Content-Type: multipart/mixed; boundary=b",
    "",
    "--b",
    "Content-Type: text/plain",
    "",
    "message text",
    "--b",
    "Content-Type: text/plain",
    "Content-Disposition: attachment;",
    ' filename="J.txt"',
    "",
    "if was",
    "--b",
    'Content-Type: application/octet-stream; name="a.bin"',
    "Content-Transfer-Encoding: base64",
    "",
    "aGVsbG8=",
    "--b",
    "Content-Type: text/plain; x-filename=no",
    "Content-Disposition: inline",
    "",
    "not a file either",
    "--b--",
  ];
  assert.equal(parse(lines, true).parts, ["if was", "hello"]);
  assert.equal(parse(lines, false).parts, ["message text", "if was", "hello", "not a file either"]);
  // a single-part message is a file when its own headers name one
  assert.equal(parse(["Subject: x", "Content-Disposition: attachment; filename=a.txt", "", "body"], true).parts, ["body"]);
  assert.equal(parse(["Subject: x", "", "body"], true).parts, []);
});

test.run();
