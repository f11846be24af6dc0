/**
 * Citrix ADC CVE-2019-19781 virtual patch (sids 7103200, 7103201) against real and re-framed traffic,
 * with the whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by ../proxylogon/traffic/capture.sh: curl (--path-as-is,
 *   -H, --data, --next for keep-alive) in network namespace tsv-web2-cli (198.18.3.129) against a python3
 *   http.server standing in for the gateway in tsv-web2-srv (198.18.3.130). Attacks follow the public
 *   checks and exploits (the /vpn/../vpns/cfg/smb.conf check; newbm.pl through /vpn/%2e%2e/vpns/ with
 *   a traversing NSC_USER and a Template Toolkit title, as in the published exploit scripts; an
 *   authenticated-looking newbm.pl with a percent-encoded lower-case nsc_user after a benign request).
 *   Benign: gateway logon page, login, portal and a normal bookmark with NSC_USER: alice.
 * - Segmented and crafted variants resend those requests with engine/ips.testing.ts TcpConversation.
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

const CUT: CutOptions = { keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

folderTest(here);

test("the /vpn/../vpns/cfg/smb.conf check is blocked (captured curl --path-as-is)", () => assertReplayBlocked(rig, pcap("smb-conf"), 7103200));

test("the traversal in 1-byte segments, and with a backslash separator in reversed pieces, is blocked", () => {
  cut(clientBytes(pcap("smb-conf")), 1);
  assert.ok(rig.blockedBy(7103200));
  cut("GET /vpn/..\\vpns/cfg/smb.conf HTTP/1.1\r\nHost: gw\r\n\r\n", 3, true);
  assert.ok(rig.blockedBy(7103200), JSON.stringify(rig.alerts));
});

test("the published newbm.pl exploit (/vpn/%2e%2e/vpns/) is blocked", () => {
  rig.reset();
  replay(rig, pcap("newbm-encoded"));
  // %2e%2e is also an encoded dot-dot segment, which apache-path-traversal's generic rule 7102400 may
  // block first; either way the request must not pass, and the NSC_USER rule catches it on its own
  // (next test).
  assert.ok(rig.blockedBy(7103200) || rig.blockedBy(7102400), JSON.stringify(rig.alerts));
  assert.ok(rig.alerts.every((a) => a.sid === 7103200 || a.sid === 7103201 || a.sid === 7102400));
});

test("NSC_USER traversal without URL traversal (percent-encoded, lower case, keep-alive) is blocked", () => {
  assertBlockedAfterFirst(rig, pcap("nsc-user-keepalive"), 7103201, "the first (benign) request passed");
});

test("the published NSC_USER header in 2-byte segments on a plain /vpns/ URL is blocked", () => {
  cut("POST /vpns/portal/scripts/newbm.pl HTTP/1.1\r\nHost: gw\r\nNSC_USER: ../../../netscaler/portal/templates/x\r\nNSC_NONCE: nsroot\r\nContent-Length: 5\r\n\r\nurl=x", 2);
  assert.ok(rig.blockedBy(7103201), JSON.stringify(rig.alerts));
});

benignCapturesTest(rig, here, "benign gateway traffic (logon, portal, a normal bookmark with NSC_USER) raises nothing", ["benign-gateway"]);

test.run();
