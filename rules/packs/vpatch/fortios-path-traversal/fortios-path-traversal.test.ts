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
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "../../testing.ts";
import { benignCapturesTest, blockedCaptureTests, cutCapturesTest, type CutOptions, folderTest, sendCut } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const rig = packRig();

const CUT: CutOptions = { dport: 10443, keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

folderTest(here);

blockedCaptureTests(rig, here, [
  ["websession", 7103300, "the published sslvpn_websession request"],
  ["encoded-keepalive", 7103300, "the percent-encoded traversal after a benign request on one connection"],
  ["sslvpnd-scanner", 7103300, "a scanner's bin/sslvpnd read with doubled slashes"],
], (_name, _sid, what) => `${what} is blocked (captured curl)`);

cutCapturesTest(rig, here, "the published request in 1-byte segments, and in reversed 4-byte pieces, is still blocked", [
  { capture: "websession", sid: 7103300, size: 1 },
  { capture: "websession", sid: 7103300, size: 4, reverse: true },
], CUT);

test("lang after another parameter, with a backslash, is blocked", () => {
  cut("GET /remote/fgt_lang?x=1&lang=..%5c..%5cdev%5ccmdb%5csslvpn_websession HTTP/1.1\r\nHost: vpn\r\n\r\n", 6);
  assert.ok(rig.blockedBy(7103300), JSON.stringify(rig.alerts));
});

benignCapturesTest(rig, here, "benign SSL VPN portal traffic raises nothing", ["benign-login"]);

test.run();
