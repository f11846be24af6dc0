/**
 * Traffic tests for the heartbleed virtual patch (CVE-2014-0160) and the TLS parser's heartbeat
 * checks it relies on (engine/applayer/tls/tls.ts). Traffic:
 * - traffic/nmap-ssl-heartbleed.pcap: nmap's ssl-heartbleed NSE script (namespace tsv-cli-hc,
 *   198.18.4.101) against traffic/hb-server.py (tsv-cli-hs, 198.18.4.102:443), which advertises the
 *   heartbeat extension as OpenSSL 1.0.1 did; nmap sends a clear-text heartbeat claiming 0x4000 bytes
 *   in a 22-byte record, for each TLS version it tries. Captured with tcpdump by traffic/capture.sh.
 * - traffic/openssl-normal.pcap: openssl s_client -> openssl s_server (OpenSSL 3.0), TLS 1.2, a GET
 *   and its answer; same script. (OpenSSL 3 no longer implements heartbeats, so the well-formed
 *   heartbeats below are crafted.)
 * - crafted with TcpConversation (engine/ips.testing.ts) after RFC 6520 and the OpenSSL advisory:
 *   an SSL 3.0 attack sent by a malicious server to a client with the heartbeat header split over
 *   three segments; an encrypted (post-ChangeCipherSpec) heartbeat whose answer is 16 KiB; and
 *   well-formed clear-text and encrypted heartbeats (benign).
 */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TcpConversation } from "../../../../engine/ips.testing.ts";
import { parseRules } from "../../../parse.ts";
import { showProblem } from "../../../recommend/fields.ts";
import { checkVpatchFolder, parseVpatchMeta } from "../../../recommend/meta.ts";
import { packRig, replay } from "../../testing.ts";

const dir = new URL(".", import.meta.url).pathname;
const rig = packRig();

const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const u24 = (n: number): number[] => [n >> 16, (n >> 8) & 0xff, n & 0xff];
const record = (type: number, ver: number, body: number[]): number[] => [type, 3, ver, ...u16(body.length), ...body];
const rand = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
/** A handshake record with one message. */
const hs = (ver: number, t: number, body: number[]): number[] => record(22, ver, [t, ...u24(body.length), ...body]);
const HB_EXT = [0x00, 0x0f, 0x00, 0x01, 0x01];
function clientHello(ver: number): number[] {
  return hs(ver, 1, [3, ver, ...rand(32), 0, 0, 4, 0x00, 0x2f, 0x00, 0x35, 1, 0, ...u16(HB_EXT.length), ...HB_EXT]);
}
function serverHelloDone(ver: number): number[] {
  const sh = [3, ver, ...rand(32), 0, 0x00, 0x2f, 0, ...u16(HB_EXT.length), ...HB_EXT];
  return record(22, ver, [2, ...u24(sh.length), ...sh, 14, 0, 0, 0]);
}
const b = (a: number[]): Uint8Array => Uint8Array.from(a);

/** Handshake up to ServerHelloDone; returns the conversation and both stream offsets. */
function hello(ver: number): { c: TcpConversation; co: number; so: number } {
  const c = new TcpConversation(rig, { dport: 443 });
  c.handshake();
  const ch = clientHello(ver);
  c.sendClient(0, b(ch));
  const sh = serverHelloDone(ver);
  c.sendServer(0, b(sh));
  return { c, co: ch.length, so: sh.length };
}

/** Handshake through ChangeCipherSpec + an (opaque) Finished both ways: what follows is encrypted. */
function encrypted(): { c: TcpConversation; co: number; so: number } {
  const { c, co, so } = hello(3);
  const cke = [...hs(3, 16, [0, 64, ...rand(64)]), ...record(20, 3, [1]), ...record(22, 3, rand(40))];
  c.sendClient(co, b(cke));
  const fin = [...record(20, 3, [1]), ...record(22, 3, rand(40))];
  c.sendServer(so, b(fin));
  return { c, co: co + cke.length, so: so + fin.length };
}

test("heartbleed: nmap ssl-heartbleed (clear-text heartbeat claiming 0x4000 bytes) is blocked", () => {
  rig.reset();
  replay(rig, `${dir}traffic/nmap-ssl-heartbleed.pcap`);
  assert.ok(rig.blockedBy(7104300), JSON.stringify(rig.alerts));
  assert.ok(rig.anomalies.includes("tls.overflow_heartbeat_message"));
});

test("heartbleed: SSL 3.0, server attacking the client, header split over three segments: blocked", () => {
  rig.reset();
  const { c, so } = hello(0);
  const hb = record(24, 0, [1, ...u16(0xffff), ...rand(16)]);
  c.sendServer(so, b(hb.slice(0, 4)));
  c.sendServer(so + 4, b(hb.slice(4, 7)));
  const v = c.sendServer(so + 7, b(hb.slice(7)));
  assert.ok(rig.blockedBy(7104300), JSON.stringify(rig.alerts));
  assert.is.not(v, 0);
});

test("heartbleed: TLS 1.1 heartbeat whose payload_length exceeds the record by one byte: blocked", () => {
  rig.reset();
  const { c, co } = hello(2);
  // the record holds 35 bytes (type, length, 32 bytes); payload_length 33 needs 36
  c.sendClient(co, b(record(24, 2, [1, ...u16(33), ...rand(32)])));
  assert.ok(rig.blockedBy(7104300), JSON.stringify(rig.alerts));
});

test("heartbleed: encrypted heartbeat answered with 16 KiB (after the handshake): the answer is blocked", () => {
  rig.reset();
  const { c, co, so } = encrypted();
  c.sendClient(co, b(record(24, 3, rand(40))));
  const v = c.sendServer(so, b([24, 3, 3, ...u16(0x4000 + 40), ...rand(1200)]));
  assert.ok(rig.blockedBy(7104301), JSON.stringify(rig.alerts));
  assert.is.not(v, 0);
});

test("heartbleed: a normal openssl s_client / s_server session raises nothing", () => {
  rig.reset();
  replay(rig, `${dir}traffic/openssl-normal.pcap`);
  assert.equal(rig.alertSids(), []);
});

test("heartbleed: well-formed clear-text and encrypted heartbeats raise nothing", () => {
  rig.reset();
  const h = hello(3);
  h.c.sendClient(h.co, b(record(24, 3, [1, ...u16(16), ...rand(16), ...rand(16)])));
  h.c.sendServer(h.so, b(record(24, 3, [2, ...u16(16), ...rand(16), ...rand(16)])));
  const e = encrypted();
  e.c.sendClient(e.co, b(record(24, 3, rand(64))));
  e.c.sendServer(e.so, b(record(24, 3, rand(64))));
  e.c.sendServer(e.so + 69, b(record(24, 3, rand(64))));
  e.c.sendClient(e.co + 69, b(record(24, 3, rand(64))));
  assert.equal(rig.alertSids(), []);
  assert.ok(rig.anomalies.includes("tls.heartbeat_message"));
  assert.not.ok(rig.anomalies.some((a) => a.includes("overflow_heartbeat") || a.includes("dataleak") || a.includes("invalid_heartbeat")), rig.anomalies.join());
});

test("heartbleed: metadata and rules agree", () => {
  const m = parseVpatchMeta(readFileSync(`${dir}heartbleed.vpatch.yaml`, "utf8"), `${dir}heartbleed.vpatch.yaml`);
  assert.equal(m.problems.map(showProblem), []);
  const { rules } = parseRules(readFileSync(`${dir}heartbleed.rules`, "latin1"), `${dir}heartbleed.rules`);
  assert.equal(checkVpatchFolder(m.meta!, "heartbleed", rules).map(showProblem), []);
  assert.equal(rules.map((r) => r.sid), [7104300, 7104301]);
});

test.run();
