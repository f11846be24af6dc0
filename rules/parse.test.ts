import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ContentMatch, Rule, RuleProblem } from "./ast.ts";
import { parseRules } from "./parse.ts";
import { readFileSync } from "node:fs";
import { corpusDir } from "../datapath/pcap/corpus.ts";
import { ALPROTO_HTTP1, ALPROTO_TLS } from "../engine/applayer/proto.ts";
import { BUF_HTTP_HEADER, BUF_HTTP_URI, BUF_PAYLOAD } from "../engine/detect/buffers.ts";

function ok(text: string): Rule {
  const r = parseRules(text, "t.rules");
  assert.equal(r.problems, [], `unexpected problems for ${text}`);
  assert.is(r.rules.length, 1);
  return r.rules[0];
}
function bad(text: string): RuleProblem {
  const r = parseRules(text, "t.rules");
  assert.is(r.rules.length, 0, `expected a problem for ${text}`);
  assert.is(r.problems.length, 1);
  return r.problems[0];
}
const bytes = (m: unknown) => new TextDecoder("latin1").decode((m as ContentMatch).bytes);

test("comments, blank lines, commented-out rules and continuation lines", () => {
  const text = [
    "# a comment",
    "",
    '# alert tcp any any -> any any (msg:"off"; sid:9;)',
    '   alert tcp any any -> any any (msg:"one"; \\',
    '  content:"x"; sid:1;)',
    'alert udp any any -> any 53 (msg:"two"; sid:2;)',
  ].join("\r\n");
  const r = parseRules(text, "t.rules");
  assert.equal(r.problems, []);
  assert.is(r.count, 2);
  assert.equal(r.rules.map((x) => x.sid), [1, 2]);
  assert.equal(r.rules[0].pos, { file: "t.rules", line: 4, col: 4 });
  assert.is(r.rules[0].msg, "one");
});

test("header: actions, protocols, app protocols, direction", () => {
  const r = ok('drop http $EXTERNAL_NET any <> $HOME_NET $HTTP_PORTS (sid:1;)');
  assert.is(r.header.action, "drop");
  assert.is(r.header.appProto, ALPROTO_HTTP1);
  assert.is(r.header.ipProto, 6);
  assert.ok(r.header.bidirectional);
  assert.equal(r.header.dstPorts.ranges, [[80, 80]]);
  assert.is(ok("alert ssl any any -> any any (sid:1;)").header.appProto, ALPROTO_TLS);
  const icmp = ok("alert icmp any any -> any any (sid:1;)").header;
  assert.ok(icmp.anyIcmp);
  assert.ok(ok("alert tcp-pkt any any -> any any (sid:1;)").header.pktOnly);
  assert.ok(ok("alert tcp-stream any any -> any any (sid:1;)").header.streamOnly);
  assert.is(ok("alert ip [1.1.1.1, 2.2.2.2] any -> any any (sid:1;)").header.src.ranges.length, 2);
  for (const a of ["reject", "rejectsrc", "rejectdst", "rejectboth", "pass", "alert"]) ok(`${a} tcp any any -> any any (sid:1;)`);
});

test("header problems carry reason and column", () => {
  let p = bad("config tcp any any -> any any (sid:1;)");
  assert.is(p.reason, "unsupported action");
  p = bad("alrt tcp any any -> any any (sid:1;)");
  assert.match(p.message, /did you mean "alert"/);
  p = bad("alert modbus any any -> any any (sid:1;)");
  assert.is(p.reason, "unsupported protocol: modbus");
  assert.is(p.pos.col, 7);
  p = bad("alert tcp $NOPE any -> any any (sid:1;)");
  assert.is(p.reason, "undefined variable");
  assert.match(p.message, /\$NOPE/);
  assert.is(p.pos.col, 11);
  p = bad("alert tcp any any <- any any (sid:1;)");
  assert.is(p.reason, "invalid header");
  p = bad("alert tcp any any -> any [80,!80] (sid:1;)");
  assert.is(p.reason, "port matches nothing");
  p = bad("alert tcp any any -> any any sid:1;");
  assert.is(p.reason, "invalid header");
});

test("option escaping: \\; \\\" \\\\ \\: in values, hex mixed with text", () => {
  const r = ok('alert tcp any any -> any any (msg:"a\\;b \\"q\\""; content:"x\\;y|3b 3A|z\\\\\\"\\:"; sid:1;)');
  assert.is(r.msg, 'a;b "q"');
  assert.is(bytes(r.blocks[0].matches[0]), 'x;y;:z\\":');
  const neg = ok('alert tcp any any -> any any (content:! "abc"; sid:1;)');
  assert.ok((neg.blocks[0].matches[0] as ContentMatch).negated);
  const hex = ok('alert tcp any any -> any any (content:"|00 01|AB|ff|"; sid:1;)');
  assert.equal([...(hex.blocks[0].matches[0] as ContentMatch).bytes], [0, 1, 65, 66, 255]);
});

test("content decoding errors", () => {
  assert.match(bad('alert tcp any any -> any any (content:"|4|"; sid:1;)').message, /hex/);
  assert.match(bad('alert tcp any any -> any any (content:"|zz|"; sid:1;)').message, /hex/);
  assert.match(bad('alert tcp any any -> any any (content:"|41"; sid:1;)').message, /unclosed/);
  assert.match(bad('alert tcp any any -> any any (content:"a\\nb"; sid:1;)').message, /not allowed/);
  assert.match(bad('alert tcp any any -> any any (content:""; sid:1;)').message, /empty/);
  assert.match(bad('alert tcp any any -> any any (content:abc; sid:1;)').message, /quoted/);
  // an unescaped ";" ends the option: the rest is a bad keyword
  assert.is(bad('alert tcp any any -> any any (content:"a;b"; sid:1;)').reason, "invalid content");
});

test("option list errors: missing ';', missing sid", () => {
  assert.is(bad('alert tcp any any -> any any (msg:"x"; sid:1)').reason, "invalid option");
  assert.is(bad('alert tcp any any -> any any (msg:"x";)').reason, "missing sid");
  assert.is(bad('alert tcp any any -> any any (msg:"x"; sid:1;) junk').reason, "invalid option");
});

test("unknown keyword: did-you-mean, line and column of the keyword", () => {
  const p = bad('alert http any any -> any any (msg:"x";\\\n  htp.uri; content:"/a"; sid:1;)');
  assert.is(p.reason, "unknown keyword");
  assert.is(p.message, 'unknown keyword "htp.uri" (did you mean "http.uri"?)');
  assert.equal(p.pos, { file: "t.rules", line: 2, col: 3 });
});

test("unsupported keywords are reported, never dropped", () => {
  const p = bad('alert tcp any any -> any any (content:"x"; lua:foo.lua; sid:1;)');
  assert.is(p.reason, "unsupported keyword: lua");
  assert.is(p.pos.col, 44);
  assert.is(bad('alert tcp any any -> any any (asn1:oversize_length 100; sid:1;)').reason, "unsupported keyword: asn1");
});

test("sticky buffers open blocks; pkt_data returns to the payload", () => {
  const r = ok('alert http any any -> any any (content:"a"; http.uri; content:"/x"; http.header; content:"H"; pkt_data; content:"b"; distance:0; sid:1;)');
  assert.equal(r.blocks.map((b) => b.buffer), [BUF_PAYLOAD, BUF_HTTP_URI, BUF_HTTP_HEADER]);
  assert.equal(r.blocks[0].matches.map(bytes), ["a", "b"]);
});

test("legacy modifiers move the previous content into the buffer's block", () => {
  const r = ok('alert http any any -> any any (content:"GET"; http_method; content:"/a"; http_uri; content:"b"; http_uri; distance:0; content:"p"; sid:1;)');
  const uri = r.blocks.find((b) => b.buffer === BUF_HTTP_URI);
  assert.ok(uri);
  assert.equal(uri.matches.map(bytes), ["/a", "b"]);
  assert.equal((uri.matches[1] as ContentMatch).distance, { num: 0 });
  const pay = r.blocks.find((b) => b.buffer === BUF_PAYLOAD);
  assert.equal(pay?.matches.map(bytes), ["p"]);
  // uricontent is content in http.uri
  const u = ok('alert http any any -> any any (uricontent:"/cgi"; nocase; sid:1;)');
  assert.is(u.blocks.length, 1);
  assert.is(u.blocks[0].buffer, BUF_HTTP_URI);
  assert.ok((u.blocks[0].matches[0] as ContentMatch).nocase);
  // a legacy modifier after a sticky buffer is an error, as in Suricata
  assert.match(bad('alert http any any -> any any (http.uri; content:"a"; http_uri; sid:1;)').message, /sticky buffer/);
  assert.match(bad('alert http any any -> any any (http_uri; sid:1;)').message, /preceding content/);
});

test("duplicate sid: the first is kept, the later one is a problem", () => {
  const r = parseRules("alert tcp any any -> any any (sid:5;)\nalert tcp any any -> any any (sid:5; rev:2;)\nalert tcp any any -> any any (sid:5; gid:2;)", "d.rules");
  assert.is(r.rules.length, 2);
  assert.is(r.problems.length, 1);
  assert.is(r.problems[0].reason, "duplicate sid");
  assert.is(r.problems[0].pos.line, 2);
  assert.match(r.problems[0].message, /d\.rules:1/);
  const seenSids = new Map();
  parseRules("alert tcp any any -> any any (sid:7;)", "a.rules", { seenSids });
  assert.is(parseRules("alert tcp any any -> any any (sid:7;)", "b.rules", { seenSids }).problems[0].reason, "duplicate sid");
});

test("strict returns no rules when any rule has a problem; vars override defaults", () => {
  const text = "alert tcp any any -> any any (sid:1;)\nalert tcp any any -> any any (foo; sid:2;)";
  assert.is(parseRules(text, "s.rules").rules.length, 1);
  assert.is(parseRules(text, "s.rules", { strict: true }).rules.length, 0);
  const r = parseRules("alert tcp $HOME_NET any -> $X any (sid:1;)", "v.rules", { vars: { HOME_NET: "10.9.0.0/16", X: "[$HOME_NET,1.1.1.1]" } });
  assert.equal(r.problems, []);
  assert.is(r.rules[0].header.src.ranges.length, 1);
  assert.is(r.rules[0].header.dst.ranges.length, 2);
});

test("classtype gives category and priority; priority keyword wins", () => {
  const r = ok("alert tcp any any -> any any (classtype:trojan-activity; sid:1;)");
  assert.is(r.category, "A Network Trojan was detected");
  assert.is(r.priority, 1);
  assert.is(ok("alert tcp any any -> any any (priority:4; classtype:trojan-activity; sid:1;)").priority, 4);
  assert.is(ok("alert tcp any any -> any any (sid:1;)").priority, 3);
  const p = bad("alert tcp any any -> any any (classtype:trojan-activty; sid:1;)");
  assert.is(p.reason, "unknown classtype");
  assert.match(p.message, /did you mean "trojan-activity"/);
});

test("transactional direction => (Suricata 8): one rule over request and response", () => {
  // suricata-verify detect-bidir-flowbits, shortened
  const r = ok(
    'alert http any any => any any (msg:"tx"; http.method; content:"POST"; http.stat_code; content:"500"; file.data: to_client; content:"org.openqa"; sid:1;)',
  );
  assert.ok(r.header.transactional);
  assert.not.ok(r.header.bidirectional);
  assert.equal(r.blocks.map((b) => b.direction), [undefined, undefined, "to_client"]);
  // transactional rules keep both directions: no flow direction is folded in
  assert.is(r.flow, null);
  const plain = ok("alert http any any -> any any (sid:1;)").header;
  assert.not.ok(plain.transactional);
  assert.not.ok(ok("alert http any any <> any any (sid:1;)").header.transactional);
  assert.match(bad("alert http any any <= any any (sid:1;)").message, /"=>" \(transactional\)/);
});

test("suricata-verify rules Suricata loads are loaded (except config action / doh2)", () => {
  const corpus = corpusDir();
  if (corpus === null) return;
  const root = `${corpus}/suricata-verify`;
  const manifest = JSON.parse(readFileSync(`${root}/manifest.json`, "utf8")) as { cases: Array<{ name: string; rules: string }> };
  const problems: string[] = [];
  for (const c of manifest.cases) {
    const r = parseRules(readFileSync(`${root}/${c.name}/${c.rules}`, "utf8"), `${c.name}/${c.rules}`);
    for (const p of r.problems) {
      if (p.reason === "unsupported action" || p.reason === "unsupported protocol: doh2") continue;
      problems.push(`${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`);
    }
  }
  assert.equal(problems, []);
});

test.run();
