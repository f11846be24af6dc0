/**
 * Spring4Shell virtual patch (sids 7102300-7102301) against real and re-framed traffic, with the whole
 * built-in pack loaded (prevent mode).
 *
 * Traffic:
 * - traffic/*.pcap were captured with tcpdump by traffic/capture.sh: curl 7.88 (--data, -g, -F) in
 *   network namespace tsv-web1-s4s-c (198.18.3.41) against a python3 http.server in tsv-web1-s4s-s
 *   (198.18.3.42). Attacks: the five fields of the public exploit (pattern/suffix/directory/prefix/
 *   fileDateFormat of `class.module.classLoader.resources.context.parent.pipeline.first`, with its
 *   suffix/c1/c2 headers) as a form POST, the path in key syntax `class['module']["classLoader"]` in
 *   the query, and capitalised `Class.Module.ClassLoader` as a multipart field. Benign: a form with
 *   fields named class, module and classLoaderHint, a search for "java class module classloader".
 * - Segmented variants resend the captured requests with TcpConversation; the encoded and nested-bean
 *   variants are requests written here after Spring's advisory (property paths, key syntax, the
 *   capitalisation fallback of the bean wrapper).
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
  ["attack-form-post", 7102301],
  ["attack-query-brackets", 7102300],
  ["attack-multipart", 7102301],
], (name, sid) => `captured ${name} is blocked by ${sid}`);

benignCapturesTest(rig, here, "captured benign forms and searches raise nothing from the whole pack", ["benign-form", "benign-search"]);

cutCapturesTest(rig, here, "the captured exploit POST in 1-byte segments and reversed pieces is still blocked", [
  { capture: "attack-form-post", sid: 7102301, size: 1 },
  { capture: "attack-query-brackets", sid: 7102300, size: 3, reverse: true },
]);

test("percent-encoded, nested-bean and protectionDomain paths are blocked", () => {
  sendRequest(rig, "GET /g?%63lass%2Emodule%2E%43lassLoader.URLs%5B0%5D=x HTTP/1.1\r\nHost: h\r\n\r\n");
  assert.ok(rig.blockedBy(7102300));
  const body = "user.class.module.classLoader.resources.context.parent.pipeline.first.pattern=x&name=a";
  sendRequest(rig, `POST /g HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  assert.ok(rig.blockedBy(7102301));
  sendRequest(rig, "GET /g?class.protectionDomain.classLoader.x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  assert.ok(rig.blockedBy(7102300));
});

test("subclass and prose about class loaders pass", () => {
  sendRequest(rig, "GET /g?subclass.module.classLoaderName=a&q=the+class+module+classloader HTTP/1.1\r\nHost: h\r\n\r\n");
  assert.equal(rig.alertSids(), []);
});

test.run();
