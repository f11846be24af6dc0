/**
 * Test support for the vp-web1 virtual patches (log4shell, shellshock, struts-cve-2017-5638,
 * spring4shell, apache-path-traversal, http-sys-range, http-sys-accept-encoding): the bytes a client
 * sent in a captured conversation (so a test can resend the very request curl or nmap produced in
 * other framings), resending a request cut into pieces with `TcpConversation`, one rule's pcre compiled
 * alone (for property tests against a reference), and the folder check every patch test runs.
 *
 * Test support only (cold path): reads files, allocates freely, throws on a capture it cannot use.
 * Must never be imported by engine code.
 *
 * @example
 * ```ts
 * import { clientBytes, sendCut } from "../log4shell/web1.testing.ts";
 * const req = clientBytes("rules/packs/vpatch/log4shell/traffic/attack-ua-env.pcap"); // "GET / HTTP/1.1…"
 * sendCut(rig, req, 1); // one byte per segment
 * ```
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { readAll } from "../../../../datapath/pcap/reader.ts";
import { compileRegex, type Regex } from "../../../../engine/detect/regex/regex.ts";
import { type IpsRig, TcpConversation } from "../../../../engine/ips.testing.ts";
import { LINK_ETHERNET } from "../../../../engine/packet.ts";
import { buildRuleSet } from "../../../build.ts";
import { checkVpatchFolder, parseVpatchMeta } from "../../../recommend/meta.ts";

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

/**
 * Resends `req` from a fresh client on a clean rig in `size`-byte segments (all pieces reversed when
 * `reverse`), then ends the flow.
 */
export function sendCut(rig: IpsRig, req: Uint8Array | string, size: number, reverse = false): void {
  rig.reset();
  const c = new TcpConversation(rig);
  c.handshake();
  const cuts: number[] = [];
  for (let i = size; i < req.length; i += size) cuts.push(i);
  const order = [...Array(cuts.length + 1).keys()];
  if (reverse) order.reverse();
  c.sendClientPieces(0, req, cuts, order);
  rig.finish();
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
