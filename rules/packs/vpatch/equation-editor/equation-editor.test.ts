/**
 * Traffic tests for the equation-editor virtual patch (CVE-2017-11882, CVE-2018-0802). Traffic:
 * - traffic/*.pcap: captured with tcpdump by ../follina/traffic/capture.sh: curl in namespace
 *   tsv-cli-c (198.18.4.1) fetching from ../follina/traffic/serve.py (python3 http.server; plain,
 *   gzip or chunked) in tsv-cli-s (198.18.4.2). The documents are built by
 *   ../follina/traffic/make-docs.py after the published CVE-2017-11882 analyses (Embedi, Nov 2017):
 *   an RTF \objdata OLE1 "Equation.3" object whose compound file (CLSID 0002CE02-…) carries an
 *   "Equation Native" stream: 28-byte header, MTEF 03 01 01 03 0a, FULL, LINE, then a FONT record
 *   (08 5a 5a) named "cmd.exe /c calc.exe AAAA…" + a 3-byte return address: 68 non-NUL bytes.
 *   Variants: plain RTF; class name "EqUaTiOn.3" with upper-case hex broken by spaces, gzip; hex broken
 *   by \par and an ignorable group inside the font name, chunked; the bare compound file (.doc-style).
 *   Benign: an RTF with a real equation (fonts "Times New Roman" and "Symbol").
 * - the segmented variant is the plain RTF crafted with TcpConversation (engine/ips.testing.ts) in
 *   8-byte segments sent in reverse order.
 */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TcpConversation } from "../../../../engine/ips.testing.ts";
import { parseRules } from "../../../parse.ts";
import { showProblem } from "../../../recommend/fields.ts";
import { checkVpatchFolder, parseVpatchMeta } from "../../../recommend/meta.ts";
import { readAll } from "../../../../datapath/pcap/reader.ts";
import { packRig, replay } from "../../testing.ts";

const dir = new URL(".", import.meta.url).pathname;
const pcap = (n: string): string => `${dir}traffic/${n}`;
const rig = packRig();

test("11882: RTF with an Equation.3 object and a 68-byte MTEF font name is blocked", () => {
  rig.reset();
  replay(rig, pcap("equation-rtf.pcap"));
  assert.ok(rig.blockedBy(7104200), JSON.stringify(rig.alerts));
});

test("11882: odd-case class name, upper-case hex split by spaces, gzip: blocked", () => {
  rig.reset();
  replay(rig, pcap("equation-obf-gzip.pcap"));
  assert.ok(rig.blockedBy(7104200), JSON.stringify(rig.alerts));
});

test("11882: objdata hex broken by \\par and a {\\*…} group, chunked: blocked", () => {
  rig.reset();
  replay(rig, pcap("equation-par.pcap"));
  assert.ok(rig.blockedBy(7104202), JSON.stringify(rig.alerts));
});

test("11882: the binary compound document is blocked", () => {
  rig.reset();
  replay(rig, pcap("equation-doc.pcap"));
  assert.ok(rig.blockedBy(7104201), JSON.stringify(rig.alerts));
});

test("11882: the RTF in 8-byte segments sent in reverse order is blocked", () => {
  rig.reset();
  const pkts = [...readPcapPayloadFromServer("equation-rtf.pcap")];
  const resp = pkts.join("");
  const c = new TcpConversation(rig);
  c.handshake();
  c.sendClient(0, "GET /equation.rtf HTTP/1.1\r\nHost: 198.18.4.2\r\n\r\n");
  const cuts: number[] = [];
  for (let i = 8; i < resp.length; i += 8) cuts.push(i);
  const order = [...Array(cuts.length + 1).keys()].reverse();
  c.sendServerPieces(0, resp, cuts, order);
  assert.ok(rig.blockedBy(7104200), JSON.stringify(rig.alerts));
});

test("11882: an RTF with a normal equation (Times New Roman, Symbol) raises nothing", () => {
  rig.reset();
  replay(rig, pcap("equation-normal.pcap"));
  assert.equal(rig.alertSids(), []);
});

test("11882: metadata and rules agree", () => {
  const m = parseVpatchMeta(readFileSync(`${dir}equation-editor.vpatch.yaml`, "utf8"), `${dir}equation-editor.vpatch.yaml`);
  assert.equal(m.problems.map(showProblem), []);
  const { rules } = parseRules(readFileSync(`${dir}equation-editor.rules`, "latin1"), `${dir}equation-editor.rules`);
  assert.equal(checkVpatchFolder(m.meta!, "equation-editor", rules).map(showProblem), []);
  assert.equal(rules.map((r) => r.sid), [7104200, 7104201, 7104202]);
});

/** The server's TCP payloads (port 80 source) of a fixture, in capture order, as latin-1 strings. */
function readPcapPayloadFromServer(name: string): string[] {
  const out: string[] = [];
  for (const r of readAll(pcap(name))) {
    const d = r.data;
    if (d.length < 54 || d[12] !== 8 || d[13] !== 0) continue;
    const ihl = (d[14] & 15) * 4;
    const tcp = 14 + ihl;
    if (((d[tcp] << 8) | d[tcp + 1]) !== 80) continue;
    const off = tcp + (d[tcp + 12] >> 4) * 4;
    const end = 14 + ((d[16] << 8) | d[17]);
    if (end > off) out.push(String.fromCharCode(...d.subarray(off, end)));
  }
  return out;
}

test.run();
