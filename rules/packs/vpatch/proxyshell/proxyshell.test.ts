/**
 * ProxyShell virtual patch (sid 7103100) against real and re-framed traffic, with the whole built-in
 * pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by ../proxylogon/traffic/capture.sh: curl (--path-as-is,
 *   --data, --next for keep-alive) in network namespace tsv-web2-cli (198.18.3.129) against a python3
 *   http.server standing in for Exchange in tsv-web2-srv (198.18.3.130). Attacks follow the published
 *   ProxyShell requests (Orange Tsai, Black Hat 2021; the public PoCs): /mapi/nspi, /powershell with an
 *   X-Rps-CAT token (mixed case, %45mail, %2F/%3F), /EWS after a normal autodiscover.json request on
 *   the same keep-alive connection. Benign: Autodiscover V2 (/autodiscover.json/v1.0/<address>),
 *   autodiscover.json?Email=<address>, POX autodiscover.xml, MAPI over HTTP and OWA.
 * - Segmented variants resend a captured request with engine/ips.testing.ts TcpConversation.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replay } from "../../testing.ts";
import { benignCapturesTest, blockedCaptureTests, clientBytes, type CutOptions, folderTest, sendCut } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();

const CUT: CutOptions = { keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

folderTest(here);

blockedCaptureTests(rig, here, [
  ["mapi-nspi", 7103100, "the published /mapi/nspi request"],
  ["powershell-encoded", 7103100, "/powershell with X-Rps-CAT, mixed case and percent-encoded parameter name"],
  ["ews-keepalive", 7103100, "/EWS after a benign autodiscover.json request on one connection"],
], (_name, _sid, what) => `${what} is blocked (captured curl)`);

test("the keep-alive capture's first (benign) request passes; the block comes with the second", () => {
  rig.reset();
  replay(rig, pcap("ews-keepalive"));
  assert.ok(rig.alerts.length > 0 && rig.alerts.every((a) => a.packet > 4), JSON.stringify(rig.alerts));
});

test("the request in 1-byte segments, and in reversed 5-byte pieces, is still blocked", () => {
  const req = clientBytes(pcap("powershell-encoded"));
  cut(req, 1);
  assert.ok(rig.blockedBy(7103100));
  cut(clientBytes(pcap("mapi-nspi")), 5, true);
  assert.ok(rig.blockedBy(7103100));
});

test("Email first in the query (?&Email= ordering) and double-slashed path are blocked", () => {
  cut("GET //autodiscover//autodiscover.json?&Email=autodiscover/autodiscover.json%3f@a.b&@a.b/mapi/nspi/ HTTP/1.1\r\nHost: mail\r\n\r\n", 4);
  assert.ok(rig.blockedBy(7103100), JSON.stringify(rig.alerts));
});

benignCapturesTest(rig, here, "benign autodiscover, MAPI and OWA traffic raises nothing", ["benign-autodiscover"]);

test.run();
