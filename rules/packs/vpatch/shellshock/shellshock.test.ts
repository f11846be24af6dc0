/**
 * Shellshock virtual patch (sids 7102100-7102103) against real and re-framed traffic, with the whole
 * built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh: curl 7.88 (-A, -e, -H,
 *   --path-as-is, --data-urlencode) and nmap 7.93's NSE script http-shellshock (payload in
 *   User-Agent, Referer and Cookie at once) in network namespace tsv-web1-ss-c (198.18.3.21) against a
 *   python3 http.server in tsv-web1-ss-s (198.18.3.22). Attacks: `() { :;};` in User-Agent, `(){ _; }`
 *   (CVE-2014-6278 form) in Referer with a Cookie, the CVE-2014-7169 `() { (a)=>\'` form in
 *   X-Forwarded-For, a percent-encoded definition as the query string, nmap. Benign: JavaScript
 *   `function () {` in a header and a posted code snippet, parentheses and braces in a query.
 * - Segmented variants resend the captured requests (clientBytes) with TcpConversation; the cookie and
 *   form-body variants are requests written here after the public Shellshock write-ups (the value must
 *   start with the definition: bash's `() {` check on imported variables).
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "../../testing.ts";
import { benignCapturesTest, blockedCaptureTests, cutCapturesTest, folderTest, sendRequest } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const rig = packRig();

folderTest(here);

blockedCaptureTests(rig, here, [
  ["attack-ua", 7102100],
  ["attack-referer-cookie", 7102100],
  ["attack-7169", 7102100],
  ["attack-query", 7102102],
  ["attack-nmap", 7102100],
], (name, sid) => `captured ${name} is blocked by ${sid}`);

benignCapturesTest(rig, here, "captured benign code snippets and queries raise nothing from the whole pack", ["benign-code", "benign-query"]);

cutCapturesTest(rig, here, "the captured User-Agent attack in 1-byte segments, and nmap's request reversed, are still blocked", [
  { capture: "attack-ua", sid: 7102100, size: 1 },
  { capture: "attack-nmap", marker: "() {", sid: 7102100, size: 5, reverse: true },
]);

test("spacing variants in a header, a cookie value and a form field are blocked", () => {
  for (const def of ["() { :;};", "(){ :;};", "()  {\t_; };", "() {:;};"]) {
    sendRequest(rig, `GET /cgi-bin/status HTTP/1.1\r\nHost: h\r\nAccept-Language:${def} id\r\n\r\n`);
    assert.ok(rig.blockedBy(7102100), def);
  }
  sendRequest(rig, "GET /cgi-bin/status HTTP/1.1\r\nHost: h\r\nCookie: () { :; }; /bin/id\r\n\r\n");
  assert.ok(rig.blockedBy(7102101));
  sendRequest(rig, "GET /cgi-bin/status HTTP/1.1\r\nHost: h\r\nCookie: sid=1; pref=() { _; }; id\r\n\r\n");
  assert.ok(rig.blockedBy(7102101));
  const body = "name=x&cmd=%28%29+%7B+%3A%3B+%7D%3B+%2Fbin%2Fid";
  sendRequest(rig, `POST /cgi-bin/form.cgi HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  assert.ok(rig.blockedBy(7102103));
});

test("a definition inside a value, not at its start, and `( ) {` (not a definition to bash) pass", () => {
  sendRequest(rig, "GET /docs?q=javascript+function()+{} HTTP/1.1\r\nHost: h\r\nX-Note: call f() { later }\r\nCookie: theme=dark\r\nX-Pair: ( ) { x }\r\n\r\n");
  assert.equal(rig.alertSids(), []);
});

test.run();
