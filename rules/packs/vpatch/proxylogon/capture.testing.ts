/**
 * Test support for the web/appliance virtual patches (vp-web2): the bytes a client sent in a captured
 * conversation, so a test can resend the very request curl produced in other framings (1-byte
 * segments, reordered pieces) with `TcpConversation`, and the folder check every patch test runs
 * (metadata valid, every rule loads and is listed). Shared by the seven vp-web2 patch tests; a
 * candidate for `rules/packs/testing.ts`.
 *
 * Test support only (cold path): reads files, allocates freely, throws on a capture it cannot use.
 * Must never be imported by engine code.
 *
 * @example
 * ```ts
 * import { clientBytes } from "../proxylogon/capture.testing.ts";
 * const req = clientBytes("rules/packs/vpatch/proxyshell/traffic/mapi-nspi.pcap"); // "GET /autodiscover/…"
 * ```
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { readAll } from "../../../../datapath/pcap/reader.ts";
import { LINK_ETHERNET } from "../../../../engine/packet.ts";
import { buildRuleSet } from "../../../build.ts";
import { checkVpatchFolder, parseVpatchMeta } from "../../../recommend/meta.ts";

/**
 * The TCP payload the client (the sender of the first SYN) sent in the first conversation of an
 * Ethernet/IPv4 capture, in sequence order, retransmissions once.
 */
export function clientBytes(path: string): Uint8Array {
  const pieces = new Map<number, Uint8Array>();
  let client = "";
  let isn = -1;
  for (const r of readAll(path)) {
    if (r.linkType !== LINK_ETHERNET) throw new Error(`${path}: not an Ethernet capture`);
    const f = r.data;
    if (f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 6) continue;
    const ihl = (f[14] & 15) * 4;
    const t = 14 + ihl;
    const total = (f[16] << 8) | f[17];
    const src = `${f[26]}.${f[27]}.${f[28]}.${f[29]}:${(f[t] << 8) | f[t + 1]}`;
    const seq = ((f[t + 4] << 24) | (f[t + 5] << 16) | (f[t + 6] << 8) | f[t + 7]) >>> 0;
    const flags = f[t + 13];
    if (client === "" && (flags & 0x12) === 0x02) {
      client = src;
      isn = seq;
      continue;
    }
    if (src !== client) continue;
    const data = f.subarray(t + (f[t + 12] >> 4) * 4, 14 + total);
    if (data.length > 0) pieces.set((seq - isn - 1) >>> 0, data);
  }
  if (client === "") throw new Error(`${path}: no SYN`);
  const offs = [...pieces.keys()].sort((a, b) => a - b);
  const end = offs.length === 0 ? 0 : offs[offs.length - 1] + pieces.get(offs[offs.length - 1])!.length;
  const out = new Uint8Array(end);
  for (const o of offs) out.set(pieces.get(o)!, o);
  return out;
}

/** The first `n`-th request of `bytes` (requests split at "\r\n\r\n" plus any Content-Length body). */
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

/** Every problem of a patch folder: its metadata file, its rules loading, and the two agreeing. */
export function folderProblems(dir: string): string[] {
  const id = basename(dir);
  const metaFile = join(dir, `${id}.vpatch.yaml`);
  const rulesFile = join(dir, `${id}.rules`);
  const show = (p: { file: string; line: number; col: number; message: string }): string => `${p.file}:${p.line}:${p.col}: ${p.message}`;
  const { meta, problems } = parseVpatchMeta(readFileSync(metaFile, "latin1"), metaFile);
  const built = buildRuleSet([{ file: rulesFile, text: readFileSync(rulesFile, "latin1") }]);
  const out = [...problems.map(show), ...built.problems.map((p) => `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`)];
  if (meta !== undefined) out.push(...checkVpatchFolder(meta, id, built.parsed).map(show));
  return out;
}
