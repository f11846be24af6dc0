/**
 * FortiOS CVE-2018-13379 virtual patch (sid 7103300) against real and re-framed traffic, with the
 * whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by ../proxylogon/traffic/capture.sh: curl (--path-as-is,
 *   --next for keep-alive) in network namespace tsv-web2-cli (198.18.3.129) against a python3
 *   http.server on port 10443 standing in for the SSL VPN portal in tsv-web2-srv (198.18.3.130).
 *   Attacks: the published sslvpn_websession request; the same percent-encoded with an upper-case
 *   parameter name after /remote/login on one connection; a scanner's bin/sslvpnd read with doubled
 *   slashes in the path. Benign: login page, fgt_lang?lang=en and zh-cn, logincheck, portal.
 * - Segmented variants resend a captured request with engine/ips.testing.ts TcpConversation.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TcpConversation } from "../../../../engine/ips.testing.ts";
import { packRig, replay } from "../../testing.ts";
import { clientBytes, folderProblems } from "../proxylogon/capture.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();

function sendCut(req: Uint8Array | string, size: number, reverse = false): void {
  rig.reset();
  const c = new TcpConversation(rig, { dport: 10443 });
  c.handshake();
  const cuts: number[] = [];
  for (let i = size; i < req.length; i += size) cuts.push(i);
  const order = [...Array(cuts.length + 1).keys()];
  if (reverse) order.reverse();
  c.sendClientPieces(0, req, cuts, order);
}

test("metadata and rules agree and load", () => {
  assert.equal(folderProblems(here), []);
});

for (const [name, what] of [
  ["websession", "the published sslvpn_websession request"],
  ["encoded-keepalive", "the percent-encoded traversal after a benign request on one connection"],
  ["sslvpnd-scanner", "a scanner's bin/sslvpnd read with doubled slashes"],
]) {
  test(`${what} is blocked (captured curl)`, () => {
    rig.reset();
    replay(rig, pcap(name));
    assert.ok(rig.blockedBy(7103300), JSON.stringify(rig.alerts));
  });
}

test("the published request in 1-byte segments, and in reversed 4-byte pieces, is still blocked", () => {
  const req = clientBytes(pcap("websession"));
  sendCut(req, 1);
  assert.ok(rig.blockedBy(7103300));
  sendCut(req, 4, true);
  assert.ok(rig.blockedBy(7103300));
});

test("lang after another parameter, with a backslash, is blocked", () => {
  sendCut("GET /remote/fgt_lang?x=1&lang=..%5c..%5cdev%5ccmdb%5csslvpn_websession HTTP/1.1\r\nHost: vpn\r\n\r\n", 6);
  assert.ok(rig.blockedBy(7103300), JSON.stringify(rig.alerts));
});

test("benign SSL VPN portal traffic raises nothing", () => {
  rig.reset();
  replay(rig, pcap("benign-login"));
  assert.equal(rig.alertSids(), []);
});

test.run();
