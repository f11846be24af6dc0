/**
 * Test support for the HTTP virtual patches (log4shell, shellshock, struts, spring4shell,
 * apache-path-traversal, http-sys-*, proxylogon, proxyshell, citrix, fortios, bigip, panos, moveit):
 * the bytes a client sent in a captured conversation (so a test can resend the very request curl or
 * nmap produced in other framings), splitting keep-alive requests, resending a request cut into pieces
 * with `TcpConversation`, one rule's pcre compiled alone, the folder check every patch test runs, and
 * the table-driven tests the web patches share ("these captures are blocked by sid N, also in 1-byte
 * segments and reversed pieces; these benign captures raise nothing").
 *
 * Test support only (cold path): reads files, allocates freely, throws on a capture it cannot use.
 * Must never be imported by engine code.
 *
 * @example
 * ```ts
 * import { blockedCaptureTests, clientBytes, sendCut } from "../../http.testing.ts";
 * const req = clientBytes("rules/packs/vpatch/log4shell/traffic/attack-ua-env.pcap"); // "GET / HTTP/1.1…"
 * sendCut(rig, req, 1); // one byte per segment
 * blockedCaptureTests(rig, here, [["attack-ua-env", 7102001]], (name, sid) => `captured ${name} is blocked by ${sid}`);
 * ```
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readAll } from "../../datapath/pcap/reader.ts";
import { compileRegex, type Regex } from "../../engine/detect/regex/regex.ts";
import { type IpsRig, TcpConversation } from "../../engine/ips.testing.ts";
import { LINK_ETHERNET } from "../../engine/packet.ts";
import { buildRuleSet } from "../build.ts";
import { checkVpatchFolder, parseVpatchMeta } from "../recommend/meta.ts";
import { replay } from "./testing.ts";

/** `<dir>/traffic/<name>.pcap`: a capture of the patch folder `dir`. */
export function capturePath(dir: string, name: string): string {
  return join(dir, "traffic", `${name}.pcap`);
}

/**
 * The TCP payload the client sent in the first conversation of an Ethernet/IPv4 capture that carries
 * client data containing `marker` (so a tool's connect probe or TLS probe before it, as nmap's, is
 * skipped), in sequence order (a retransmission counts once).
 */
export function clientBytes(path: string, marker = ""): Uint8Array {
  const flows = new Map<string, { isn: number; pieces: Map<number, Uint8Array> }>();
  const order: string[] = [];
  for (const r of readAll(path)) {
    if (r.linkType !== LINK_ETHERNET) throw new Error(`${path}: not an Ethernet capture`);
    const f = r.data;
    if (f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 6) continue;
    const t = 14 + (f[14] & 15) * 4;
    const total = (f[16] << 8) | f[17];
    const src = `${f[26]}.${f[27]}.${f[28]}.${f[29]}:${(f[t] << 8) | f[t + 1]}`;
    const seq = ((f[t + 4] << 24) | (f[t + 5] << 16) | (f[t + 6] << 8) | f[t + 7]) >>> 0;
    if ((f[t + 13] & 0x12) === 0x02) {
      if (!flows.has(src)) order.push(src);
      flows.set(src, { isn: seq, pieces: new Map() });
      continue;
    }
    const flow = flows.get(src);
    if (flow === undefined) continue;
    const data = f.subarray(t + (f[t + 12] >> 4) * 4, 14 + total);
    if (data.length > 0) flow.pieces.set((seq - flow.isn - 1) >>> 0, data);
  }
  for (const k of order) {
    const pieces = flows.get(k)!.pieces;
    if (pieces.size === 0) continue;
    const offs = [...pieces.keys()].sort((a, b) => a - b);
    const out = new Uint8Array(offs[offs.length - 1] + pieces.get(offs[offs.length - 1])!.length);
    for (const o of offs) out.set(pieces.get(o)!, o);
    let text = "";
    for (const c of out) text += String.fromCharCode(c);
    if (text.includes(marker)) return out;
  }
  throw new Error(`${path}: no conversation with client data containing ${JSON.stringify(marker)}`);
}

/** The `n`-th request (from 0) of `bytes` (requests split at "\r\n\r\n" plus any Content-Length body). */
export function nthRequest(bytes: Uint8Array, n: number): Uint8Array {
  const text = new TextDecoder("latin1").decode(bytes);
  let at = 0;
  for (let i = 0; ; i++) {
    const head = text.indexOf("\r\n\r\n", at);
    if (head < 0) throw new Error(`no request ${n} (only ${i})`);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(at, head));
    const end = head + 4 + (m === null ? 0 : Number(m[1]));
    if (i === n) return bytes.subarray(at, end);
    at = end;
  }
}

/** How `sendCut` connects: the server port (default 80); `keepOpen` leaves the flow open afterwards. */
export interface CutOptions {
  dport?: number;
  keepOpen?: boolean;
}

/**
 * Resends `req` from a fresh client on a clean rig in `size`-byte segments (all pieces reversed when
 * `reverse`), then ends the flow (unless `o.keepOpen`).
 */
export function sendCut(rig: IpsRig, req: Uint8Array | string, size: number, reverse = false, o: CutOptions = {}): void {
  rig.reset();
  const c = new TcpConversation(rig, { dport: o.dport });
  c.handshake();
  const cuts: number[] = [];
  for (let i = size; i < req.length; i += size) cuts.push(i);
  const order = [...Array(cuts.length + 1).keys()];
  if (reverse) order.reverse();
  c.sendClientPieces(0, req, cuts, order);
  if (o.keepOpen !== true) rig.finish();
}

/** Sends one request (or several, pipelined) in a single segment on a fresh connection of a clean rig. */
export function sendRequest(rig: IpsRig, req: Uint8Array | string): void {
  rig.reset();
  const c = new TcpConversation(rig);
  c.handshake();
  c.sendClient(0, req);
  rig.finish();
}

/** The pcre of rule `sid` in `rulesFile`, compiled alone with its flags (`i`, `m`, `s` honoured). */
export function rulePcre(rulesFile: string, sid: number): Regex {
  const line = readFileSync(rulesFile, "latin1").split("\n").find((l) => l.includes(`sid:${sid};`));
  if (line === undefined) throw new Error(`${rulesFile}: no rule with sid ${sid}`);
  const m = /pcre:"\/(.*)\/([a-zA-Z]*)";/.exec(line);
  if (m === null) throw new Error(`${rulesFile}: sid ${sid} has no pcre`);
  const src = m[1].replace(/\\;/g, ";");
  return compileRegex(src, { caseless: m[2].includes("i"), multiline: m[2].includes("m"), dotAll: m[2].includes("s") });
}

/** Every problem of a patch folder: its metadata file, its rules loading, and the two agreeing. */
export function folderProblems(dir: string): string[] {
  const id = basename(dir);
  const metaFile = join(dir, `${id}.vpatch.yaml`);
  const rulesFile = join(dir, `${id}.rules`);
  const show = (p: { file: string; line: number; col: number; message: string }): string => `${p.file}:${p.line}:${p.col}: ${p.message}`;
  const { meta, problems } = parseVpatchMeta(readFileSync(metaFile, "utf8"), metaFile);
  const built = buildRuleSet([{ file: rulesFile, text: readFileSync(rulesFile, "latin1") }]);
  const out = [...problems.map(show), ...built.problems.map((p) => `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`)];
  if (meta !== undefined) out.push(...checkVpatchFolder(meta, id, built.parsed).map(show));
  return out;
}

/** Registers the test that the folder's metadata and rules agree and load (`folderProblems` is empty). */
export function folderTest(dir: string): void {
  test("metadata and rules agree and load", () => {
    assert.equal(folderProblems(dir), []);
  });
}

/** Replays a capture on a clean rig and asserts that `sid` blocked it. */
export function assertReplayBlocked(rig: IpsRig, path: string, sid: number): void {
  rig.reset();
  replay(rig, path);
  assert.ok(rig.blockedBy(sid), JSON.stringify(rig.alerts));
}

/**
 * Replays a keep-alive capture whose first request is benign: `sid` blocks it, and no alert comes
 * before the fifth packet (the handshake and the first request passed).
 */
export function assertBlockedAfterFirst(rig: IpsRig, path: string, sid: number, message?: string): void {
  rig.reset();
  replay(rig, path);
  assert.ok(rig.blockedBy(sid), JSON.stringify(rig.alerts));
  assert.ok(rig.alerts.every((a) => a.packet > 4), message ?? JSON.stringify(rig.alerts));
}

/** Replays each capture on a clean rig and asserts that the whole pack raised nothing. */
export function assertSilent(rig: IpsRig, paths: readonly string[]): void {
  for (const p of paths) {
    rig.reset();
    replay(rig, p);
    assert.equal(rig.alertSids(), [], p);
  }
}

/** A captured request to resend cut up: its capture (and marker, as `clientBytes`), pieces, and the sid that must block it. */
export interface CutCase {
  capture: string;
  marker?: string;
  sid: number;
  size: number;
  reverse?: boolean;
}

/**
 * Registers one test per capture of `dir`: replayed whole, it is blocked by its sid. `what` (third
 * member, optional) is handed to `title` to name the test.
 */
export function blockedCaptureTests(
  rig: IpsRig,
  dir: string,
  cases: readonly (readonly [capture: string, sid: number, what?: string])[],
  title: (capture: string, sid: number, what: string) => string,
): void {
  for (const [capture, sid, what] of cases) {
    test(title(capture, sid, what ?? capture), () => assertReplayBlocked(rig, capturePath(dir, capture), sid));
  }
}

/** Registers one test: each benign capture of `dir`, replayed on a clean rig, raises nothing from the whole pack. */
export function benignCapturesTest(rig: IpsRig, dir: string, title: string, captures: readonly string[]): void {
  test(title, () => assertSilent(rig, captures.map((c) => capturePath(dir, c))));
}

/**
 * Registers one test: each case's captured request (`clientBytes`), resent in `size`-byte segments
 * (reversed when asked, connected as `o` says), is blocked by its sid.
 */
export function cutCapturesTest(rig: IpsRig, dir: string, title: string, cases: readonly CutCase[], o: CutOptions = {}): void {
  test(title, () => {
    for (const k of cases) {
      sendCut(rig, clientBytes(capturePath(dir, k.capture), k.marker), k.size, k.reverse ?? false, o);
      assert.ok(rig.blockedBy(k.sid), `${k.capture} in ${k.size}-byte pieces${k.reverse === true ? ", reversed" : ""}: ${JSON.stringify(rig.alerts)}`);
    }
  });
}
