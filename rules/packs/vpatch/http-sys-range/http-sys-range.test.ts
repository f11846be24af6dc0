/**
 * MS15-034 HTTP.sys Range virtual patch (sid 7102500) against real and re-framed traffic, with the
 * whole built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh in network namespace
 *   tsv-web1-rng-c (198.18.3.61) against a python3 http.server in tsv-web1-rng-s (198.18.3.62):
 *   nmap 7.93's NSE script http-vuln-cve2015-1635 (`Range: bytes=0-18446744073709551615`, random
 *   Host), curl -H with the DoS PoC's `bytes=18-18446744073709551615`, and curl -r with a range list
 *   whose second end is 2^64. Benign: resumed downloads (curl -r 0-1048575, 1048576-) and a suffix
 *   range `bytes=-500`.
 * - Segmented variants resend the captured requests with TcpConversation; the boundary values are
 *   request headers written here; the rule's number regex is checked against BigInt with fast-check.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "../../testing.ts";
import { benignCapturesTest, blockedCaptureTests, cutCapturesTest, folderTest, rulePcre, sendRequest } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const rig = packRig();
const LIMIT = (1n << 64n) - 1n;

folderTest(here);

blockedCaptureTests(rig, here, ["attack-nmap", "attack-dos", "attack-multi"].map((name) => [name, 7102500] as const), (name) => `captured ${name} is blocked`);

benignCapturesTest(rig, here, "captured benign download ranges raise nothing from the whole pack", ["benign-ranges"]);

cutCapturesTest(rig, here, "nmap's request in 1-byte segments and the DoS request reversed are still blocked", [
  { capture: "attack-nmap", marker: "Range:", sid: 7102500, size: 1 },
  { capture: "attack-dos", sid: 7102500, size: 6, reverse: true },
]);

test("boundary: 2^64-2 passes, 2^64-1 with leading zeros, spaces or lower-case name is blocked", () => {
  sendRequest(rig, "GET /a.png HTTP/1.1\r\nHost: h\r\nRange: bytes=0-18446744073709551614\r\n\r\n");
  assert.equal(rig.alertSids(), []);
  for (const v of ["bytes=0-0018446744073709551615", "bytes = 18 - 18446744073709551615", "bytes=18446744073709551615-", "bytes=1-2,3-99999999999999999999999"]) {
    sendRequest(rig, `GET /a.png HTTP/1.1\r\nHost: h\r\nrange: ${v}\r\n\r\n`);
    assert.ok(rig.blockedBy(7102500), v);
  }
});

test("the rule's number test agrees with BigInt: blocked exactly when a position >= 2^64-1", () => {
  const re = rulePcre(join(here, "http-sys-range.rules"), 7102500);
  const near = fc.bigInt({ min: LIMIT - 100000n, max: LIMIT + 100000n });
  const any = fc.bigInt({ min: 0n, max: (1n << 72n) });
  fc.assert(
    fc.property(fc.oneof(near, any), fc.nat(3), (n, zeros) => {
      const s = `Host: h\r\nRange: bytes=0-${"0".repeat(zeros)}${n}\r\nAccept: */*\r\n`;
      const b = Uint8Array.from(s, (c) => c.charCodeAt(0));
      return re.exec(b, 0, b.length) === (n >= LIMIT);
    }),
    { numRuns: 3000 },
  );
});

test.run();
