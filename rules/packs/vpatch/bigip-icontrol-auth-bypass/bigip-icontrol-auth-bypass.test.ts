/**
 * BIG-IP CVE-2022-1388 virtual patch (sid 7103400) against real and re-framed traffic, with the whole
 * built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by ../proxylogon/traffic/capture.sh: curl (-H, -u style
 *   Authorization, --data, --next for keep-alive) in network namespace tsv-web2-cli (198.18.3.129)
 *   against a node http server on port 8443 standing in for iControl REST in tsv-web2-srv
 *   (198.18.3.130). Attacks: the published request (Connection: keep-alive, X-F5-Auth-Token; Host
 *   127.0.0.1; Basic admin with an empty password; /mgmt/tm/util/bash); after a normal token request on
 *   one connection, the header list lower case without blanks and Authorization first. Benign: token
 *   login, /mgmt/tm/sys/version and /mgmt/tm/util/bash with a valid X-F5-Auth-Token and Connection:
 *   keep-alive.
 * - Segmented variants resend the captured request with engine/ips.testing.ts TcpConversation.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "../../testing.ts";
import { assertBlockedAfterFirst, assertReplayBlocked, benignCapturesTest, cutCapturesTest, type CutOptions, folderTest, sendCut } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();

const CUT: CutOptions = { dport: 8443, keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

folderTest(here);

test("the published /mgmt/tm/util/bash request is blocked (captured curl)", () => assertReplayBlocked(rig, pcap("bash-published"), 7103400));

test("lower-case header list after a valid-token request on one connection is blocked; the first passes", () => {
  assertBlockedAfterFirst(rig, pcap("lowercase-keepalive"), 7103400);
});

cutCapturesTest(rig, here, "the request in 1-byte segments, and reversed 9-byte pieces, is still blocked", [
  { capture: "bash-published", sid: 7103400, size: 1 },
  { capture: "bash-published", sid: 7103400, size: 9, reverse: true },
], CUT);

test("X-F5-Auth-Token listed between other hop-by-hop names, any endpoint, is blocked", () => {
  cut("GET /mgmt/shared/authz/users HTTP/1.1\r\nHost: localhost\r\nX-F5-Auth-Token: x\r\nConnection: X-Forwarded-Host , X-F5-AUTH-TOKEN , Keep-Alive\r\nAuthorization: Basic YWRtaW46\r\n\r\n", 16);
  assert.ok(rig.blockedBy(7103400), JSON.stringify(rig.alerts));
});

benignCapturesTest(rig, here, "benign iControl REST use with a valid token raises nothing", ["benign-token"]);

test.run();
