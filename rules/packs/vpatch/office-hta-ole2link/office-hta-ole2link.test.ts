/**
 * Traffic tests for the office-hta-ole2link virtual patch (CVE-2017-0199). Traffic:
 * - traffic/*.pcap: captured with tcpdump by ../follina/traffic/capture.sh: curl (Office-like
 *   User-Agent) in namespace tsv-cli-c (198.18.4.1) fetching from ../follina/traffic/serve.py
 *   (python3 http.server; .rtf as application/rtf, .hta as application/hta, plain or chunked) in
 *   tsv-cli-s (198.18.4.2). The documents are built by ../follina/traffic/make-docs.py after the
 *   public analyses of the April 2017 attacks: an RTF whose \objdata holds an OLE1 "OLE2Link" object
 *   with a compound file (StdOleLink CLSID) whose \1Ole stream names a URL moniker to an .hta.
 * - the binary compound-file variant and the HTA under another content type are crafted here with
 *   TcpConversation (engine/ips.testing.ts), the compound document byte for byte after MS-CFB/MS-OLEDS.
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

/** A 200 answer with `body` (latin-1) and content type `ct`, sent in 500-byte segments. */
function serve(ct: string, body: string): void {
  const c = new TcpConversation(rig);
  c.handshake();
  c.sendClient(0, "GET /doc HTTP/1.1\r\nHost: 198.18.4.2\r\nUser-Agent: Microsoft Office Word\r\n\r\n");
  const resp = `HTTP/1.1 200 OK\r\nContent-Type: ${ct}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const cuts: number[] = [];
  for (let i = 500; i < resp.length; i += 500) cuts.push(i);
  c.sendServerPieces(0, resp, cuts);
}
const hex = (h: string): string => String.fromCharCode(...h.match(/../g)!.map((x) => parseInt(x, 16)));

test("0199: RTF with an OLE2Link object and a URL moniker is blocked", () => {
  rig.reset();
  replay(rig, pcap("ole2link-rtf.pcap"));
  assert.ok(rig.blockedBy(7104100), JSON.stringify(rig.alerts));
});

test("0199: upper-case hex, odd-case class name, spaces and tabs in the hex, chunked: blocked", () => {
  rig.reset();
  replay(rig, pcap("ole2link-obf-chunked.pcap"));
  assert.ok(rig.blockedBy(7104100), JSON.stringify(rig.alerts));
});

test("0199: the HTA answer (Content-Type application/hta) is blocked", () => {
  rig.reset();
  replay(rig, pcap("hta.pcap"));
  assert.ok(rig.blockedBy(7104102), JSON.stringify(rig.alerts));
});

test("0199: an HTA body served as text/plain is blocked", () => {
  rig.reset();
  serve("text/plain", '<html><head><hta:application id="a"/><SCRIPT language="VBScript">CreateObject("WScript.Shell").Run "calc"</SCRIPT></head></html>');
  assert.ok(rig.blockedBy(7104103), JSON.stringify(rig.alerts));
});

test("0199: a binary compound document with an OLE2Link URL moniker is blocked", () => {
  rig.reset();
  const cfb = hex("d0cf11e0a1b11ae1") + "\0".repeat(500) + "R\0o\0o\0t\0" + "\0".repeat(60) +
    hex("0003000000000000c000000000000046") + "\0".repeat(300) + hex("0100000209000000") +
    hex("c6000000e0c9ea79f9bace118c8200aa004ba90b") + "h\0t\0t\0p\0:\0/\0/\0x\0/\0a\0.\0h\0t\0a\0\0\0" + "\0".repeat(200);
  serve("application/msword", cfb);
  assert.ok(rig.blockedBy(7104101), JSON.stringify(rig.alerts));
});

test("0199: a normal RTF (embedded Paint object, the word OLE2Link in text) raises nothing", () => {
  rig.reset();
  replay(rig, pcap("normal-rtf.pcap"));
  assert.equal(rig.alertSids(), []);
});

test("0199: a normal HTML page (gzip) raises nothing", () => {
  rig.reset();
  replay(rig, pcap("normal-html-gzip.pcap"));
  assert.equal(rig.alertSids(), []);
});

test("0199: metadata and rules agree", () => {
  const m = parseVpatchMeta(readFileSync(`${dir}office-hta-ole2link.vpatch.yaml`, "utf8"), `${dir}office-hta-ole2link.vpatch.yaml`);
  assert.equal(m.problems.map(showProblem), []);
  const { rules } = parseRules(readFileSync(`${dir}office-hta-ole2link.rules`, "latin1"), `${dir}office-hta-ole2link.rules`);
  assert.equal(checkVpatchFolder(m.meta!, "office-hta-ole2link", rules).map(showProblem), []);
  assert.equal(rules.map((r) => r.sid), [7104100, 7104101, 7104102, 7104103]);
});

test.run();
