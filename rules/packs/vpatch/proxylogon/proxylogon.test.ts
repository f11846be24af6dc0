/**
 * ProxyLogon virtual patch (sids 7103000-7103003) against real and re-framed traffic, with the whole
 * built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh: curl (-b cookies, --data, --next
 *   for keep-alive) in network namespace tsv-web2-cli (198.18.3.129) against a python3 http.server
 *   standing in for Exchange in tsv-web2-srv (198.18.3.130). The attack requests follow the public
 *   ProxyLogon chain (the X-BEResource SSRF to the back end's autodiscover.xml, the DDIService SetObject
 *   of the OAB virtual directory and its reset to an .aspx) and the X-AnonResource-Backend /
 *   X-BEResource check of Microsoft's published CVE-2021-26855 nmap script; the benign capture is OWA /
 *   ECP use including a normal OAB virtual directory edit and reset.
 * - Segmented and crafted variants resend those captured requests (or edits of them) with
 *   engine/ips.testing.ts TcpConversation: 1-byte segments, pieces out of order.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replay } from "../../testing.ts";
import { assertBlockedAfterFirst, assertReplayBlocked, clientBytes, cutCapturesTest, type CutOptions, folderTest, nthRequest, sendCut } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();
const latin1 = (b: Uint8Array): string => new TextDecoder("latin1").decode(b);

const CUT: CutOptions = { keepOpen: true };
/** `sendCut` on this rig, the flow left open (no end-of-flow flush before the assertions). */
const cut = (req: Uint8Array | string, size: number, reverse = false): void => sendCut(rig, req, size, reverse, CUT);

folderTest(here);

test("the public chain's X-BEResource SSRF is blocked (captured curl)", () => assertReplayBlocked(rig, pcap("ssrf-autodiscover"), 7103000));

test("the scanner check after a benign OWA request on a keep-alive connection is blocked", () => {
  // the benign first request went through: the block came with the second request
  assertBlockedAfterFirst(rig, pcap("scanner-anonresource-keepalive"), 7103000);
});

cutCapturesTest(rig, here, "X-BEResource in 1-byte segments, and in reversed pieces, is still blocked", [
  { capture: "ssrf-autodiscover", sid: 7103000, size: 1 },
  { capture: "ssrf-autodiscover", sid: 7103000, size: 7, reverse: true },
], CUT);

test("X-AnonResource-Backend alone (no X-BEResource), percent-encoded path, is blocked", () => {
  const req = latin1(nthRequest(clientBytes(pcap("scanner-anonresource-keepalive")), 1))
    .replace("; x-beresource=localhost/owa/auth/logon.aspx?~3", "")
    .replace("x-anonresource-backend=localhost/ecp/default.flt?~3", "X-AnonResource-Backend = localhost%2fecp%2fdefault.flt%3f~3");
  assert.not.match(req, /beresource/i);
  cut(req, 1000);
  assert.ok(rig.blockedBy(7103001), JSON.stringify(rig.alerts));
});

test("CVE-2021-27065: a JSON-escaped web shell in ExternalUrl is blocked", () => assertReplayBlocked(rig, pcap("oab-externalurl-webshell"), 7103002));

test("CVE-2021-27065: raw <script> markup reached through the cookie SSRF (URI /ecp/y.js), body in 3-byte pieces", () => {
  const orig = latin1(clientBytes(pcap("oab-externalurl-webshell")));
  const body = orig.slice(orig.indexOf("\r\n\r\n") + 4).replace(/\\u003c/g, "<").replace(/\\u003e/g, ">").replace(/\\u0022/g, '\\"');
  const req = "POST /ecp/y.js HTTP/1.1\r\nHost: mail.contoso.com\r\nContent-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
  assert.match(req, /<script language=\\"JScript\\" runat=\\"server\\">/);
  cut(req, 3);
  assert.ok(rig.blockedBy(7103002), JSON.stringify(rig.alerts));
});

test("CVE-2021-27065: an escaped \\u003c tag without runat (a .NET <%...%> block) is blocked too", () => {
  const orig = latin1(clientBytes(pcap("oab-externalurl-webshell")));
  const body = orig.slice(orig.indexOf("\r\n\r\n") + 4).replace(/\\u003cscript[^\\]*?\\u0022JScript\\u0022 runat=\\u0022server\\u0022\\u003e/, "\\u003c%").replace("\\u003c/script\\u003e", "%\\u003e");
  assert.not.match(body, /runat/);
  const req = `POST /ecp/y.js HTTP/1.1\r\nHost: mail\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  cut(req, 1000);
  assert.ok(rig.blockedBy(7103002), JSON.stringify(rig.alerts));
});

test("CVE-2021-27065: resetting the OAB virtual directory into an .aspx is blocked, also as .aspx::$DATA", () => {
  rig.reset();
  replay(rig, pcap("oab-reset-aspx"));
  assert.ok(rig.blockedBy(7103003));
  const orig = latin1(clientBytes(pcap("oab-reset-aspx")));
  const req = orig.replace('tsugi.aspx"', 'tsugi.aspx::$DATA"').replace(/Content-Length: (\d+)/, (_m, n) => `Content-Length: ${Number(n) + 7}`);
  cut(req, 1);
  assert.ok(rig.blockedBy(7103003));
});

test("benign OWA / ECP traffic (logon, ECP cookies, normal OAB edit and reset to .txt) raises nothing", () => {
  rig.reset();
  replay(rig, pcap("benign-owa-ecp"));
  assert.equal(rig.alertSids(), []);
  // a genuine-looking X-BEResource value (server FQDN ~ version) is not an SSRF
  cut("GET /ecp/15.2.792.3/themes/resources/og_logo.png HTTP/1.1\r\nHost: mail.contoso.com\r\nCookie: X-BEResource=exch01.contoso.com~1942062522; msExchEcpCanary=abc\r\n\r\n", 10);
  assert.equal(rig.alertSids(), []);
});

test.run();
