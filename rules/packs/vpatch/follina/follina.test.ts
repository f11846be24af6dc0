/**
 * Traffic tests for the follina virtual patch (CVE-2022-30190). Traffic:
 * - traffic/*.pcap: captured with tcpdump by traffic/capture.sh: curl (Office-like User-Agent) in
 *   namespace tsv-cli-c (198.18.4.1) fetching documents from traffic/serve.py (python3 http.server,
 *   plain, gzip and chunked answers) in tsv-cli-s (198.18.4.2), and curl's SMTP client mailing the
 *   HTML as a base64 MIME attachment to serve.py's SMTP receiver. The documents are built by
 *   traffic/make-docs.py after the public analyses of the May 2022 maldoc (window.location.href to
 *   "ms-msdt:/id PCWDiagnostic /skip force /param IT_RebrowseForFile=… IT_BrowseForFile=$(…)").
 * - the segmented variant is the same HTML crafted with TcpConversation (engine/ips.testing.ts) as a
 *   chunked answer cut into 7-byte segments.
 */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TcpConversation } from "../../../../engine/ips.testing.ts";
import { parseRules } from "../../../parse.ts";
import { showProblem } from "../../../recommend/fields.ts";
import { checkVpatchFolder, parseVpatchMeta } from "../../../recommend/meta.ts";
import { packRig, replay } from "../../testing.ts";

const dir = new URL(".", import.meta.url).pathname;
const pcap = (n: string): string => `${dir}traffic/${n}`;
const rig = packRig();

test("follina: the maldoc's HTML over HTTP is blocked (plain ms-msdt:)", () => {
  rig.reset();
  replay(rig, pcap("follina-http.pcap"));
  assert.ok(rig.blockedBy(7104000), JSON.stringify(rig.alerts));
});

test("follina: upper case, -id switch, extra whitespace, gzip + chunked answer is blocked", () => {
  rig.reset();
  replay(rig, pcap("follina-case-gzip-chunked.pcap"));
  assert.ok(rig.blockedBy(7104000), JSON.stringify(rig.alerts));
});

test("follina: scheme hidden with JavaScript \\x escapes (gzip) is blocked", () => {
  rig.reset();
  replay(rig, pcap("follina-jsesc-gzip.pcap"));
  assert.ok(rig.blockedBy(7104001), JSON.stringify(rig.alerts));
});

test("follina: scheme hidden with HTML character references in an iframe is blocked", () => {
  rig.reset();
  replay(rig, pcap("follina-entity.pcap"));
  assert.ok(rig.blockedBy(7104001), JSON.stringify(rig.alerts));
});

test("follina: the HTML as a base64 mail attachment (curl SMTP) is blocked", () => {
  rig.reset();
  replay(rig, pcap("follina-smtp.pcap"));
  assert.ok(rig.blockedBy(7104000), JSON.stringify(rig.alerts));
});

test("follina: crafted chunked answer in 7-byte segments is blocked", () => {
  rig.reset();
  const html = '<html><script>location.href = "Ms-Msdt:/id PCWDiagnostic /skip force /param \\"IT_BrowseForFile=$(calc)i/../../Windows/System32/mpsigstub.exe\\"";</script></html>';
  const chunked = html.match(/[\s\S]{1,40}/g)!.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join("") + "0\r\n\r\n";
  const c = new TcpConversation(rig);
  c.handshake();
  const req = "GET /t.html HTTP/1.1\r\nHost: 198.18.4.2\r\nUser-Agent: Microsoft Office Word\r\n\r\n";
  c.sendClient(0, req);
  const resp = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked;
  const cuts: number[] = [];
  for (let i = 7; i < resp.length; i += 7) cuts.push(i);
  c.sendServerPieces(0, resp, cuts);
  assert.ok(rig.blockedBy(7104000), JSON.stringify(rig.alerts));
});

test("follina: a help page naming msdt.exe and PCWDiagnostic without the protocol handler raises nothing", () => {
  rig.reset();
  replay(rig, pcap("msdt-help.pcap"));
  assert.equal(rig.alertSids(), []);
});

test("follina: metadata and rules agree", () => {
  const m = parseVpatchMeta(readFileSync(`${dir}follina.vpatch.yaml`, "utf8"), `${dir}follina.vpatch.yaml`);
  assert.equal(m.problems.map(showProblem), []);
  const { rules } = parseRules(readFileSync(`${dir}follina.rules`, "latin1"), `${dir}follina.rules`);
  assert.equal(checkVpatchFolder(m.meta!, "follina", rules).map(showProblem), []);
  assert.equal(rules.map((r) => r.sid), [7104000, 7104001]);
});

test.run();
