import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { DocumentError, parseDocument } from "./document.ts";
import type { Node } from "./document.ts";

const F = "p.yaml";

/** The node as plain data without positions, for structural comparisons. */
function plain(n: Node): unknown {
  if (n.kind === "scalar") return n.value;
  if (n.kind === "seq") return n.items.map(plain);
  const o: Record<string, unknown> = {};
  for (const e of n.entries) o[e.key] = plain(e.value);
  return o;
}

/** Follows keys and indexes down the tree. */
function at(n: Node, ...path: (string | number)[]): Node {
  let cur = n;
  for (const p of path) {
    if (typeof p === "number") {
      assert.is(cur.kind, "seq");
      if (cur.kind === "seq") cur = cur.items[p];
    } else {
      assert.is(cur.kind, "map");
      if (cur.kind === "map") {
        const e = cur.entries.find((x) => x.key === p);
        assert.ok(e, `no key ${p}`);
        if (e) cur = e.value;
      }
    }
  }
  return cur;
}

function pos(n: Node): string {
  return `${n.where.line}:${n.where.col}`;
}

function fails(text: string): string {
  try {
    parseDocument(text, F);
  } catch (e) {
    assert.instance(e, DocumentError);
    return (e as DocumentError).message;
  }
  assert.unreachable(`no error for ${JSON.stringify(text)}`);
  return "";
}

test("block mappings and sequences by indentation, with positions", () => {
  const doc = parseDocument("a: 1\nb:\n  c: x\n  d:\n    - 1\n    - two\ne: [x, \"y\", 0x88cc]\n", F);
  assert.equal(plain(doc), { a: 1, b: { c: "x", d: [1, "two"] }, e: ["x", "y", 0x88cc] });
  assert.is(pos(doc), "1:1");
  assert.is(pos(at(doc, "a")), "1:4");
  assert.is(pos(at(doc, "b")), "3:3");
  assert.is(pos(at(doc, "b", "c")), "3:6");
  assert.is(pos(at(doc, "b", "d")), "5:5");
  assert.is(pos(at(doc, "b", "d", 1)), "6:7");
  assert.is(pos(at(doc, "e")), "7:4");
  assert.is(pos(at(doc, "e", 1)), "7:8");
  assert.is(pos(at(doc, "e", 2)), "7:13");
  if (doc.kind === "map") assert.equal(doc.entries[1].keyWhere, { file: F, line: 2, col: 1 });
});

test("a list of mappings: keys after '- name' at the same indentation belong to the item", () => {
  const doc = parseDocument("rules:\n  - name: x\n    action: deny\n  -   name: y\n      action: allow\nafter: 1\n", F);
  assert.equal(plain(doc), { rules: [{ name: "x", action: "deny" }, { name: "y", action: "allow" }], after: 1 });
  assert.is(pos(at(doc, "rules", 0)), "2:5");
  assert.is(pos(at(doc, "rules", 1, "action")), "5:15");
});

test("a list may sit at the same indentation as its key, and lists nest on one line", () => {
  assert.equal(plain(parseDocument("a:\n- 1\n- 2\nb: 3\n", F)), { a: [1, 2], b: 3 });
  assert.equal(plain(parseDocument("- - a\n  - b\n- c\n", F)), [["a", "b"], "c"]);
  assert.equal(plain(parseDocument("-\n  x: 1\n-\n", F)), [{ x: 1 }, null]);
});

test("flow sequences and mappings, nested and spanning lines, with comments", () => {
  const doc = parseDocument("x: { ip: [10.0.0.0/8, \"!fd00::/8\"],\n     port: [445, \"137-139\"], # ports\n     e: , f }\n", F);
  assert.equal(plain(doc), { x: { ip: ["10.0.0.0/8", "!fd00::/8"], port: [445, "137-139"], e: null, f: null } });
  assert.is(pos(at(doc, "x", "port")), "2:12");
  assert.is(pos(at(doc, "x", "port", 1)), "2:18");
  assert.equal(plain(parseDocument("a: [ ]\nb: {}\nc: [[1, 2], {k: v}]\nd: {\"q\":1}\n", F)), {
    a: [],
    b: {},
    c: [[1, 2], { k: "v" }],
    d: { q: 1 },
  });
  assert.equal(plain(parseDocument("a: [1, 2,]\n", F)), { a: [1, 2] });
});

test("scalars: null, booleans, integers, floats; addresses and patterns stay strings", () => {
  const doc = parseDocument(
    "n1:\nn2: ~\nn3: null\nt: true\nf: False\nd: 34958\nh: 0x88cc\no: 0o17\nneg: -5\nfl: 1.5\nexp: 1e3\n" +
      "any4: 0.0.0.0/0\nv6: fd00::/8\nneg4: !192.168.0.0/16\nrange: 137-139\nglob: eth*\nflags: SYN,!ACK\n" +
      "mac: 00:11:22:33:44:55\nyes: yes\nurl: http://x/y\n",
    F,
  );
  assert.equal(plain(doc), {
    n1: null,
    n2: null,
    n3: null,
    t: true,
    f: false,
    d: 34958,
    h: 0x88cc,
    o: 15,
    neg: -5,
    fl: 1.5,
    exp: 1000,
    any4: "0.0.0.0/0",
    v6: "fd00::/8",
    neg4: "!192.168.0.0/16",
    range: "137-139",
    glob: "eth*",
    flags: "SYN,!ACK",
    mac: "00:11:22:33:44:55",
    yes: "yes",
    url: "http://x/y",
  });
  const h = at(doc, "h");
  assert.is(h.kind === "scalar" && h.raw, "0x88cc");
  assert.is(h.kind === "scalar" && h.quoted, false);
  assert.is(pos(at(doc, "n1")), "1:4"); // an empty value sits just after the colon
});

test("quoted scalars: single, double with escapes; quotes keep numbers and keywords as text", () => {
  const doc = parseDocument(
    "a: 'it''s # not a comment'\nb: \"tab\\there \\\"q\\\" \\\\ \\x41\\u00e9\\n\"\nc: \"445\"\nd: 'true'\n\"k y\": 1\n",
    F,
  );
  assert.equal(plain(doc), { a: "it's # not a comment", b: "tab\there \"q\" \\ A\u00e9\n", c: "445", d: "true", "k y": 1 });
  const c = at(doc, "c");
  assert.ok(c.kind === "scalar" && c.quoted && c.raw === "\"445\"");
  assert.is(pos(c), "3:4");
});

test("comments, --- document start, blank lines and CRLF", () => {
  const text = "# head\r\n---   # start\r\n\r\na: 1 # one\r\n  # indented comment\r\nb: x#y\r\n...\r\n";
  const doc = parseDocument(text, F);
  assert.equal(plain(doc), { a: 1, b: "x#y" });
  assert.is(pos(at(doc, "b")), "6:4");
  assert.equal(plain(parseDocument("", F)), null);
  assert.equal(plain(parseDocument("# nothing\n---\n", F)), null);
});

test("block scalars: literal and folded with chomping", () => {
  const doc = parseDocument("a: |\n  one\n    two\n\nb: >-\n  f1\n  f2\n\n  f3\nc: |+\n  k\n\nd: x\n", F);
  assert.equal(plain(doc), { a: "one\n  two\n", b: "f1 f2\nf3", c: "k\n\n", d: "x" });
  assert.is(pos(at(doc, "b")), "5:4");
});

test("YAML errors name the line and column", () => {
  assert.is(fails("a:\n\tb: 1\n"), "p.yaml:2:1: tab character in indentation; indent with spaces");
  assert.is(fails("a:\n  \tb: 1\n"), "p.yaml:2:3: tab character in indentation; indent with spaces");
  assert.is(fails("a: 1\nb: 2\na: 3\n"), "p.yaml:3:1: duplicate key \"a\" (first at line 1, column 1)");
  assert.is(fails("x: {a: 1, a: 2}\n"), "p.yaml:1:11: duplicate key \"a\" (first at line 1, column 5)");
  assert.match(fails("a: &x 1\n"), /^p\.yaml:1:4: anchors/);
  assert.match(fails("a: *x\n"), /^p\.yaml:1:4: aliases/);
  assert.match(fails("a: !!str 1\n"), /^p\.yaml:1:4: YAML tags/);
  assert.match(fails("a: 1\n---\nb: 2\n"), /^p\.yaml:2:1: several documents/);
  assert.match(fails("%YAML 1.2\n---\na: 1\n"), /^p\.yaml:1:1: directives/);
  assert.match(fails("? a\n: b\n"), /^p\.yaml:1:1: complex keys/);
  assert.match(fails("a: \"abc\n"), /^p\.yaml:1:4: unterminated string/);
  assert.match(fails("a: 'abc\n"), /^p\.yaml:1:4: unterminated string/);
  assert.is(fails("a: \"x\\q\"\n"), "p.yaml:1:6: unknown escape \"\\q\" in a double-quoted string");
  assert.match(fails("a: \"\\x4\"\n"), /^p\.yaml:1:5: "\\x" needs 2 hex digits/);
  assert.match(fails("a: [1, 2\nb: 3\n"), /^p\.yaml:2:1: expected "," or "]" \(is the "]" for the "\[" at line 1, column 4 missing\?\)/);
  assert.match(fails("a: [1, 2"), /^p\.yaml:1:9: missing "]" for the "\[" at line 1, column 4/);
  assert.match(fails("a: {x: 1"), /^p\.yaml:1:9: missing "}" for the "{" at line 1, column 4/);
  assert.match(fails("a: [x: 1]\n"), /^p\.yaml:1:6: "key: value" inside \[ \] is not supported/);
  assert.match(fails("a: [1,,2]\n"), /^p\.yaml:1:7: unexpected ","/);
  assert.match(fails("a: b: c\n"), /^p\.yaml:1:5: unexpected ": " inside a value/);
  assert.match(fails("a: 1\n  b: 2\n"), /^p\.yaml:2:3: unexpected indentation/);
  assert.match(fails("a:\n    b: 1\n  c: 2\n"), /^p\.yaml:3:3: unexpected indentation/);
  assert.match(fails("a: 1\nb\n"), /^p\.yaml:2:1: expected "key: value" here, found "b" without ":"/);
  assert.match(fails("a: - b\n"), /^p\.yaml:1:4: a list cannot start on the same line as its key/);
  assert.match(fails("a:\n  - 1\n  b: 2\n"), /^p\.yaml:3:3: expected a list item/);
  assert.match(fails("a:\n  - 1\n  - 2\nb: 1\n- 3\n"), /^p\.yaml:5:1: a list item "- " cannot appear among the keys/);
  assert.match(fails("a: [1] x\n"), /^p\.yaml:1:8: unexpected "x" after the value/);
  assert.match(fails("a: \"x\"#c\n"), /^p\.yaml:1:7: a comment needs a space/);
  assert.match(fails("--- a: 1\n"), /^p\.yaml:1:5: put the document on the line after "---"/);
  assert.match(fails("a: @x\n"), /^p\.yaml:1:4: "@" cannot start a plain value/);
  assert.match(fails("a: [|x]\n"), /^p\.yaml:1:5: block scalars/);
  assert.match(fails("a: 1\n...\nb: 2\n"), /^p\.yaml:3:1: content after "..."/);
  assert.match(fails("x\ny\n"), /^p\.yaml:2:1: unexpected content after the document/);
});

test("nesting is bounded", () => {
  assert.match(fails("a: " + "[".repeat(100) + "]".repeat(100)), /nesting deeper than 64 levels/);
  assert.match(fails("- ".repeat(100) + "x"), /nesting deeper than 64 levels/);
});

test("JSON: standard JSON with positions", () => {
  const doc = parseDocument(
    "  {\n  \"home_net\": [\"10.0.0.0/8\"],\n  \"n\": -1.5e2, \"t\": true, \"z\": null,\n  \"s\": \"a\\u0041\\n\"\n}\n",
    F,
  );
  assert.equal(plain(doc), { home_net: ["10.0.0.0/8"], n: -150, t: true, z: null, s: "aA\n" });
  assert.is(pos(doc), "1:3");
  assert.is(pos(at(doc, "home_net")), "2:15");
  assert.is(pos(at(doc, "home_net", 0)), "2:16");
  assert.is(pos(at(doc, "t")), "3:21");
  if (doc.kind === "map") assert.equal(doc.entries[2].keyWhere, { file: F, line: 3, col: 16 });
  assert.equal(plain(parseDocument("[1, [2, {}]]", F)), [1, [2, {}]]);
});

test("JSON errors at the exact column", () => {
  assert.is(fails("{\"a\": [1, 2,]}"), "p.yaml:1:13: trailing comma before \"]\" is not allowed in JSON");
  assert.is(fails("{\"a\": 1,}"), "p.yaml:1:9: trailing comma before \"}\" is not allowed in JSON");
  assert.match(fails("{\n  ip: 1\n}"), /^p\.yaml:2:3: expected a double-quoted key, found "i"/);
  assert.is(fails("{\"a\": 01}"), "p.yaml:1:7: leading zeros are not allowed in JSON numbers");
  assert.is(fails("{\"a\": 1 \"b\": 2}"), "p.yaml:1:9: expected \",\" or \"}\", found \"\\\"\"");
  assert.is(fails("{\"a\": 1, \"a\": 2}"), "p.yaml:1:10: duplicate key \"a\" (first at line 1, column 2)");
  assert.is(fails("{\"a\": \"x\\q\"}"), "p.yaml:1:9: unknown escape \"\\q\" in a JSON string");
  assert.match(fails("[1] // c"), /^p\.yaml:1:5: unexpected "\/" after the JSON value/);
  assert.match(fails("[// c\n1]"), /^p\.yaml:1:2: comments are not allowed in JSON/);
  assert.match(fails("{\"a\": \"x\n\"}"), /^p\.yaml:1:7: unterminated string/);
  assert.match(fails("{\"a\": \"x\ty\"}"), /^p\.yaml:1:9: control character/);
  assert.match(fails("[1, 2"), /^p\.yaml:1:6: missing "]" for the "\[" at line 1, column 1/);
  assert.match(fails("{\"a\": tru}"), /^p\.yaml:1:7: unexpected "t"; expected a JSON value/);
  assert.match(fails("[" + "[".repeat(100)), /nesting deeper than 64 levels/);
});

test("random text never throws anything but DocumentError", () => {
  const pieces = fc.constantFrom(
    "a", ":", " ", "\n", "\t", "-", "[", "]", "{", "}", ",", "#", "\"", "'", "\\", "|", ">", "!", "&", "*",
    "0x1", "1.5", "---", "...", "  ", "key: ", "- ", "~", "%", "?", "\r", "\u00e9",
  );
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(pieces).map((a) => a.join(""))), (text) => {
      try {
        parseDocument(text, F);
      } catch (e) {
        if (!(e instanceof DocumentError)) throw e;
        assert.ok(e.where.line >= 1 && e.where.col >= 1);
      }
    }),
    { numRuns: 3000 },
  );
});

test.run();
