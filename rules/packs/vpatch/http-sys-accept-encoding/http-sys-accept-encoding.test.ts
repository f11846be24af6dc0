/**
 * CVE-2021-31166 http.sys Accept-Encoding virtual patch (sid 7102600) against real and re-framed
 * traffic, with the whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh in network namespace
 *   tsv-web1-ae-c (198.18.3.71) against a python3 http.server in tsv-web1-ae-s (198.18.3.72): curl -H
 *   with the public PoC's `Accept-Encoding: doar-e, ftw, imo, ,` (0vercl0k/CVE-2021-31166), and
 *   python3 http.client sending a list that opens with an empty element before unknown codings.
 *   Benign: curl --compressed (`deflate, gzip, br, zstd`) and http.client with q-values and identity.
 * - Segmented variants resend the captured requests with TcpConversation; the other empty-element
 *   placements and a repeated header are requests written here.
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

blockedCaptureTests(rig, here, ["attack-poc", "attack-leading"].map((name) => [name, 7102600] as const), (name) => `captured ${name} is blocked`);

benignCapturesTest(rig, here, "captured benign Accept-Encoding lists raise nothing from the whole pack", ["benign-compressed", "benign-qvalues"]);

cutCapturesTest(rig, here, "the captured PoC in 1-byte segments and reversed pieces is still blocked", [
  { capture: "attack-poc", sid: 7102600, size: 1 },
  { capture: "attack-leading", sid: 7102600, size: 5, reverse: true },
]);

test("an empty element anywhere is blocked; well-formed lists and an empty value pass", () => {
  for (const v of ["x-a,,gzip", "x-a, \t, gzip", "x-a, x-b,", "gzip,   ,"]) {
    sendRequest(rig, `GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: ${v}\r\n\r\n`);
    assert.ok(rig.blockedBy(7102600), v);
  }
  for (const v of ["gzip, deflate, br", "gzip;q=1.0, identity;q=0.5, *;q=0", "identity", ""]) {
    sendRequest(rig, `GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: ${v}\r\n\r\n`);
    assert.equal(rig.alertSids(), [], v);
  }
});

test.run();
