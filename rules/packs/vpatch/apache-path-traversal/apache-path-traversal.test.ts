/**
 * Apache 2.4.49/2.4.50 path traversal virtual patch (sid 7102400) against real and re-framed traffic,
 * with the whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh: curl 7.88 --path-as-is in network
 *   namespace tsv-web1-apt-c (198.18.3.51) against a python3 http.server in tsv-web1-apt-s
 *   (198.18.3.52). Attacks: CVE-2021-41773 `/icons/.%2e/%2e%2e/...` file read and
 *   `/cgi-bin/.%2e/.%2e/.../bin/sh` with a shell script as POST body; CVE-2021-42013
 *   `/cgi-bin/%%32%65%%32%65/...` and `/icons/.%%32%65/...`. Benign: /icons/ and /cgi-bin/ used
 *   normally, an encoded dot in a file name, dots inside names, on one keep-alive connection.
 * - Segmented variants resend the captured requests with TcpConversation; the other encodings
 *   (`%252e`, `%2%65`, upper case, encoded slash) are request lines written here after the Apache
 *   advisory and the public 2.4.50 bypass write-ups.
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

blockedCaptureTests(
  rig,
  here,
  ["attack-41773-icons", "attack-41773-cgi", "attack-42013-cgi", "attack-42013-icons"].map((name) => [name, 7102400] as const),
  (name) => `captured curl ${name} is blocked`,
);

benignCapturesTest(rig, here, "captured benign /icons/ and /cgi-bin/ requests raise nothing from the whole pack", ["benign-paths"]);

cutCapturesTest(rig, here, "the captured requests in 1-byte segments and reversed pieces are still blocked", [
  { capture: "attack-42013-cgi", sid: 7102400, size: 1 },
  { capture: "attack-41773-icons", sid: 7102400, size: 4, reverse: true },
]);

test("every encoding of an encoded dot-dot segment is blocked", () => {
  for (
    const path of [
      "/icons/%2E%2E/%2E%2E/etc/passwd",
      "/icons/%2e./%2e./etc/passwd",
      "/cgi-bin/%252e%252e/%252e%252e/bin/sh",
      "/cgi-bin/.%2%65/.%2%65/bin/sh",
      "/cgi-bin/%%32e%%32e/bin/sh",
      "/icons/.%%32%45/x",
      "/icons/.%2e%2fetc%2fpasswd",
      "/icons/.%2e",
      "http://h/icons/.%2e/.%2e/etc/passwd",
    ]
  ) {
    sendRequest(rig, `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.ok(rig.blockedBy(7102400), path);
  }
});

test("plain dot-dot, encoded dots that are not a segment, and traversal in the query pass this rule", () => {
  for (const path of ["/icons/%2e%2e%2e/x", "/a/.%2ehtaccess", "/a/x%2e%2e/b", "/search?p=/%2e%2e/x"]) {
    sendRequest(rig, `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.not.ok(rig.alertSids().includes(7102400), path);
  }
});

test.run();
