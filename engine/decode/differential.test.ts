/**
 * Differential test: every capture under /work/shared/corpus is decoded here and by tshark, and per packet
 * the innermost IP layer (version, addresses, protocol, IP length) and its TCP/UDP ports and TCP flags
 * must agree; packets tshark calls malformed in a layer we decode must carry a decode anomaly here.
 *
 * "Innermost" means the innermost IP layer this decoder reaches: tshark also dissects encapsulations we
 * deliberately do not peel (GTP-U, L2TP, CAPWAP, ...) and the IP headers quoted inside ICMP errors; the
 * layer to compare is picked by walking tshark's frame.protocols and stopping where we stop. Skipped (with
 * a logged note) when tshark is not installed; CI installs it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ether, fragmentIp, gre, ipPacket, tcpPacket, udpPacket, vxlan } from "../../datapath/craft.ts";
import { CaptureReader } from "../../datapath/pcap/reader.ts";
import { pcapBytes } from "../../datapath/pcap/writer.ts";
import { defaultEngineConfig } from "../config.ts";
import { IPPROTO_SCTP, Packet } from "../packet.ts";
import { Decoder } from "./decoder.ts";
import { corpusDir } from "../../datapath/pcap/corpus.ts";

const CORPUS = corpusDir();
const FIELDS = [
  "frame.number",
  "frame.protocols",
  "ip.src",
  "ip.dst",
  "ip.proto",
  "ip.len",
  "ipv6.src",
  "ipv6.dst",
  "ipv6.nxt",
  "ipv6.plen",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.flags",
  "udp.srcport",
  "udp.dstport",
  "_ws.malformed",
];

/** tshark tokens that are part of the layer before them, not a layer of their own. */
const TRANSPARENT = new Set(["ethertype", "vlan", "ieee8021ad", "ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts", "ah"]);
/** Link layers (and link-layer encapsulations) the decoder walks through to reach the first IP header. */
const LINK_OK = new Set(["frame", "eth", "sll", "null", "raw", "chdlc", "loop", "pppoes", "ppp", "mpls"]);
/** What may sit between two IP layers for the decoder to peel the inner one (tokens joined by ":"). */
const TUNNEL_OK = new Set(["", "gre", "gre:eth", "gre:ppp", "gre:erspan:eth", "udp:vxlan:eth", "udp:teredo"]);
/** Layers this decoder decodes: tshark calling a packet malformed in one of these needs an anomaly here. */
const DECODED = new Set(["eth", "ethertype", "vlan", "ip", "ipv6", "tcp", "udp", "icmp", "icmpv6", "gre", "arp", "vxlan", "teredo", "sll", "null", "raw", "sctp", "ppp", "pppoes"]);
const PROTO_BY_TOKEN: Record<string, number> = { tcp: 6, udp: 17, icmpv6: 58, gre: 47, ip: 4, ipv6: 41, sctp: 132, esp: 50 };

function haveTshark(): boolean {
  const r = spawnSync("tshark", ["-v"], { encoding: "utf8" });
  return r.status === 0;
}

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...captures(path));
    else if (/\.(pcap|pcapng|cap)$/i.test(name)) out.push(path);
  }
  return out;
}

interface Row {
  protocols: string[];
  f: Map<string, string[]>;
}

function tsharkRows(path: string): Map<number, Row> {
  const args = ["-n", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields"];
  args.push("-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=/t");
  for (const f of FIELDS) args.push("-e", f);
  const text = execFileSync("tshark", args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
  const rows = new Map<number, Row>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const cols = line.split("\t");
    const f = new Map<string, string[]>();
    FIELDS.forEach((name, i) => f.set(name, cols[i] ? cols[i].split(",") : []));
    rows.set(Number(cols[0]), { protocols: (cols[1] ?? "").split(":"), f });
  }
  return rows;
}

/** Four big-endian words from a textual IPv4 or IPv6 address as tshark prints it. */
function words(addr: string): number[] {
  if (addr.includes(".") && !addr.includes(":")) {
    const b = addr.split(".").map(Number);
    return [((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0, 0, 0, 0];
  }
  let groups: string[];
  let text = addr;
  const tail: string[] = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text); // IPv4-mapped tail
  if (m) {
    const w = words(m[2])[0];
    tail.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
    text = m[1].endsWith("::") ? m[1] : m[1].slice(0, -1);
  }
  if (text.includes("::")) {
    const [a, b] = text.split("::");
    const left = a ? a.split(":") : [];
    const right = (b ? b.split(":") : []).concat(tail);
    groups = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  } else {
    groups = text.split(":").concat(tail);
  }
  const g = groups.map((x) => parseInt(x, 16));
  return [0, 1, 2, 3].map((i) => ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0);
}

interface Target {
  fam: "ip" | "ipv6";
  idx: number; // occurrence of that family's fields
  pos: number; // token position in frame.protocols
}

/** The IP layer of tshark's dissection this decoder should end on, or null when it reaches none. */
function pickTarget(tokens: string[]): { target: Target | null; unreached: string } {
  let target: Target | null = null;
  let since: string[] = [];
  let ip = 0;
  let ip6 = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === "ip" || t === "ipv6") {
      const idx = t === "ip" ? ip++ : ip6++;
      const ok = target === null ? since.every((s) => LINK_OK.has(s)) : TUNNEL_OK.has(since.join(":"));
      if (!ok) return { target, unreached: since.join(":") };
      target = { fam: t, idx, pos: i };
      since = [];
      continue;
    }
    if (t === "icmp" || t === "icmpv6") return { target, unreached: "" }; // quoted headers are not layers
    if (!TRANSPARENT.has(t)) since.push(t);
  }
  return { target, unreached: "" };
}

function fmtWords(w: ArrayLike<number>): string {
  return Array.from(w, (x) => x.toString(16)).join(":");
}

interface Tally {
  files: number;
  packets: number;
  compared: number;
  noIp: number;
  malformedChecked: number;
  skipped: Map<string, number>;
  mismatches: string[];
}

/** Decodes every packet of `files` and compares it with tshark's dissection, adding up in `t`. */
function compareFiles(files: string[], root: string, t: Tally): void {
  const decoder = new Decoder(defaultEngineConfig().decode);
  const p = new Packet();
  const skip = (why: string): void => void t.skipped.set(why, (t.skipped.get(why) ?? 0) + 1);
  for (const file of files) {
    t.files++;
    const rows = tsharkRows(file);
    const reader = CaptureReader.open(file);
    try {
      for (let rec = reader.next(); rec !== null; rec = reader.next()) {
        t.packets++;
        p.reset(rec.buf, rec.off, rec.len);
        p.wireLen = rec.wireLen;
        p.linkType = rec.linkType;
        decoder.decode(p);
        const row = rows.get(rec.index);
        if (row === undefined) {
          skip("tshark printed no row");
          continue;
        }
        const where = `${file.slice(root.length + 1)}#${rec.index}`;
        const bad = (what: string, ours: unknown, theirs: unknown): void => {
          t.mismatches.push(`${where} ${row.protocols.join(":")}: ${what} ours=${ours} tshark=${theirs}`);
        };
        const f = (name: string, i: number): string | undefined => row.f.get(name)?.[i];
        const tokens = row.protocols;

        // malformed in a layer we decode: we must have said something too
        const last = tokens[tokens.length - 1];
        if ((row.f.get("_ws.malformed") ?? []).length > 0 && DECODED.has(last)) {
          t.malformedChecked++;
          if (p.anomalyCount === 0) bad("malformed without anomaly", "none", last);
        }

        const { target, unreached } = pickTarget(tokens);
        if (target === null) {
          if (unreached !== "") {
            // e.g. "eth:llc" or an encapsulation we do not decode before any IP
            skip(`no reachable IP layer (${unreached.split(":").slice(-1)[0]})`);
            continue;
          }
          t.noIp++;
          if (p.ipVersion !== 0) bad("ip version", p.ipVersion, "no IP");
          continue;
        }
        t.compared++;
        const v = target.fam === "ip" ? 4 : 6;
        if (p.ipVersion !== v) {
          bad("ip version", p.ipVersion, v);
          continue;
        }
        const src = f(`${target.fam}.src`, target.idx);
        const dst = f(`${target.fam}.dst`, target.idx);
        if (src !== undefined && fmtWords(words(src)) !== fmtWords(p.src)) bad("src", fmtWords(p.src), src);
        if (dst !== undefined && fmtWords(words(dst)) !== fmtWords(p.dst)) bad("dst", fmtWords(p.dst), dst);
        const len = v === 4 ? f("ip.len", target.idx) : f("ipv6.plen", target.idx);
        if (len !== undefined) {
          const want = v === 4 ? Number(len) : Number(len) + 40;
          if (want !== p.ipLen) bad("ip length", p.ipLen, want);
        }
        // the token after the IP layer and its extension headers names the upper layer
        let k = target.pos + 1;
        let ext = false;
        while (k < tokens.length && TRANSPARENT.has(tokens[k]) && tokens[k] !== "ethertype") {
          ext = true;
          k++;
        }
        const upper = tokens[k];
        if (v === 4 || !ext) {
          const proto = v === 4 ? f("ip.proto", target.idx) : f("ipv6.nxt", target.idx);
          if (proto !== undefined && Number(proto) !== p.proto) bad("protocol", p.proto, proto);
        } else if (upper !== undefined && PROTO_BY_TOKEN[upper] !== undefined && PROTO_BY_TOKEN[upper] !== p.proto) {
          bad("protocol after extension headers", p.proto, upper);
        }
        if (upper === "tcp" || upper === "udp") {
          const n = tokens.slice(0, k).filter((x) => x === upper).length;
          const sp = f(`${upper}.srcport`, n);
          const dp = f(`${upper}.dstport`, n);
          if (sp !== undefined && Number(sp) !== p.srcPort) bad(`${upper} src port`, p.srcPort, sp);
          if (dp !== undefined && Number(dp) !== p.dstPort) bad(`${upper} dst port`, p.dstPort, dp);
          if (upper === "tcp") {
            const fl = f("tcp.flags", n);
            if (fl !== undefined && (Number(fl) & 0x1ff) !== p.tcpFlags) bad("tcp flags", p.tcpFlags, fl);
          }
        } else if (p.proto !== IPPROTO_SCTP && (p.srcPort !== 0 || p.dstPort !== 0)) {
          // no transport layer per tshark (non-first fragment, or not TCP/UDP): we must have no ports either
          if (!(p.isFragment === 1 && p.fragOffset === 0)) bad("ports without a transport layer", `${p.srcPort}/${p.dstPort}`, upper);
        }
      }
    } finally {
      reader.close();
    }
  }
}

function report(name: string, t: Tally): void {
  const skips = [...t.skipped].map(([k, n]) => `${k}: ${n}`).join("; ");
  console.log(
    `differential.test (${name}): ${t.files} files, ${t.packets} packets, ${t.compared} compared on an IP layer, ` +
      `${t.noIp} without IP (checked), ${t.malformedChecked} tshark-malformed checked; skipped: ${skips || "none"}; ` +
      `mismatches: ${t.mismatches.length}`,
  );
  if (t.mismatches.length > 0) console.log(t.mismatches.slice(0, 60).join("\n"));
}

const newTally = (): Tally => ({ files: 0, packets: 0, compared: 0, noIp: 0, malformedChecked: 0, skipped: new Map(), mismatches: [] });

test("decoder agrees with tshark on every corpus capture", () => {
  if (!haveTshark()) {
    assert.not.ok(process.env.CI, "tshark must be installed in CI (.ci/run installs it)");
    console.log("differential.test: tshark not found on PATH; skipped (install wireshark's tshark to run it)");
    return;
  }
  if (CORPUS === null) return;
  const files = captures(CORPUS);
  assert.ok(files.length > 0, `no captures under ${CORPUS}`);
  const t = newTally();
  compareFiles(files, CORPUS, t);
  report("corpus", t);
  assert.ok(t.compared > 0, "nothing compared");
  assert.is(t.mismatches.length, 0, `${t.mismatches.length} packets differ from tshark`);
});

test("decoder agrees with tshark on crafted tunnels and fragments (kinds the corpus lacks)", () => {
  if (!haveTshark()) {
    console.log("differential.test: tshark not found on PATH; crafted comparison skipped");
    return;
  }
  const in4 = tcpPacket({ src: "192.168.0.1", dst: "192.168.0.2", sport: 1111, dport: 445, flags: "PA", payload: "abc" });
  const in6 = tcpPacket({ src: "2001:db8::a", dst: "2001:db8::b", sport: 2222, dport: 80, flags: "S" });
  const O1 = "203.0.113.1";
  const O2 = "203.0.113.2";
  const frames: Uint8Array[] = [
    ipPacket(O1, O2, 47, gre(in4, 0x0800, { key: 1, seq: 2, checksum: true })),
    ipPacket(O1, O2, 47, gre(in6, 0x86dd)),
    ipPacket(O1, O2, 47, gre(ether(in4), 0x6558)),
    ipPacket(O1, O2, 4, in4),
    ipPacket(O1, O2, 41, in6),
    ipPacket("2001:db8::1", "2001:db8::2", 4, in4),
    ipPacket("2001:db8::1", "2001:db8::2", 41, in6),
    udpPacket({ src: O1, dst: O2, sport: 40000, dport: 4789, payload: vxlan(ether(in4), 42) }),
    udpPacket({ src: O1, dst: O2, sport: 3544, dport: 50000, payload: in6 }),
    tcpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 5, dport: 6, ext: [{ type: 0, data: new Uint8Array([1, 4, 0, 0, 0, 0]) }, { type: 60, data: new Uint8Array([1, 4, 0, 0, 0, 0]) }] }),
    ...fragmentIp(udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 7, dport: 9, payload: new Uint8Array(100) }), 48),
    ...fragmentIp(tcpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 7, dport: 9, payload: new Uint8Array(100) }), 48),
  ];
  const dir = mkdtempSync(join(tmpdir(), "tsugi-decode-"));
  try {
    const path = join(dir, "crafted.pcap");
    writeFileSync(path, pcapBytes(1, frames.map((b, i) => ({ data: ether(b), tsUs: 1_700_000_000_000_000 + i }))));
    const t = newTally();
    compareFiles([path], dir, t);
    report("crafted", t);
    assert.is(t.compared, frames.length);
    assert.is(t.mismatches.length, 0, `${t.mismatches.length} crafted packets differ from tshark`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
