/**
 * MOVEit Transfer CVE-2023-34362 virtual patch (sids 7103500-7103504) against real and re-framed
 * traffic, with the whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by ../proxylogon/traffic/capture.sh: curl (-H, -b,
 *   --data, --next for keep-alive) in network namespace tsv-web2-cli (198.18.3.129) against a python3
 *   http.server standing in for MOVEit Transfer in tsv-web2-srv (198.18.3.130). Attacks follow the
 *   published exploit analyses (Horizon3.ai, Assetnote): MOVEitISAPI.dll?action=m2 with
 *   "xX-siLock-Transaction: folder_add_by_path" then "X-siLock-Transaction: session_setvars" and
 *   X-siLock-SessVarN headers (one carrying the SQL of the public PoC); the same with another prefix in
 *   lower case after a benign request, folder_add_by_path also in the form body; SQL in guestaccess.aspx's
 *   Arg06 (form) and human.aspx's Arg06 (query, a sqlmap-style probe). Benign: sign-on page and form,
 *   folder listing, a guest package post whose message has a quote, "--", ";" and "/*", and a single
 *   X-siLock-Transaction: folder_add_by_path through the ISAPI.
 * - Crafted variants (one header removed or changed, 1-byte segments) resend those captured requests
 *   with engine/ips.testing.ts TcpConversation.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replay } from "../../testing.ts";
import { assertBlockedAfterFirst, assertReplayBlocked, benignCapturesTest, clientBytes, type CutOptions, folderTest, sendCut } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();
const latin1 = (b: Uint8Array): string => new TextDecoder("latin1").decode(b);

const CUT: CutOptions = { keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

/** The captured smuggling request with header lines matching `drop` removed. */
function smugglingWithout(drop: RegExp): string {
  return latin1(clientBytes(pcap("isapi-smuggling"))).split("\r\n").filter((l) => !drop.test(l)).join("\r\n");
}

folderTest(here);

test("the published header smuggling (xX-siLock-Transaction) is blocked (captured curl)", () => assertReplayBlocked(rig, pcap("isapi-smuggling"), 7103500));

test("another prefix, lower case, after a benign request on one connection is blocked", () => {
  assertBlockedAfterFirst(rig, pcap("isapi-smuggling-keepalive"), 7103500);
});

test("the smuggling request in 1-byte segments is still blocked", () => {
  cut(clientBytes(pcap("isapi-smuggling")), 1);
  assert.ok(rig.blockedBy(7103500));
});

test("session_setvars without the prefixed header (another smuggling trick) is blocked", () => {
  const req = smugglingWithout(/^xX-siLock-Transaction/);
  assert.not.match(req, /xX-siLock/);
  cut(req, 5);
  assert.ok(rig.blockedBy(7103501), JSON.stringify(rig.alerts));
});

test("SQL in a session-variable header on its own is blocked", () => {
  const req = smugglingWithout(/silock-transaction/i);
  assert.match(req, /MyPkgSelfProvisionedRecips: SQL Injection'\)/);
  cut(req, 3, true);
  assert.ok(rig.blockedBy(7103502), JSON.stringify(rig.alerts));
});

test("SQL in guestaccess.aspx's Arg06 (form body) is blocked, also in 1-byte segments", () => {
  rig.reset();
  replay(rig, pcap("guestaccess-arg06"));
  assert.ok(rig.blockedBy(7103503));
  cut(clientBytes(pcap("guestaccess-arg06")), 1);
  assert.ok(rig.blockedBy(7103503));
});

test("SQL in human.aspx's Arg06 (query string) is blocked", () => assertReplayBlocked(rig, pcap("human-arg06-query"), 7103504));

benignCapturesTest(rig, here, "benign MOVEit browsing (sign-on, folders, a guest package with quotes in the message) raises nothing", ["benign-browsing"]);

test.run();
