// Real captures: the bytes the reassembler delivers equal what `tshark -z follow,tcp,raw` reassembles.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../../datapath/pcap/corpus.ts";
import { readAll } from "../../datapath/pcap/reader.ts";
import { defaultEngineConfig } from "../config.ts";
import { Engine } from "../engine.ts";
import { PacketMeta } from "../packet.ts";
import type { StreamConsumer } from "./consumer.ts";

const CASES = [
  "smb-eicar-file-segmentation-random",
  "http-post-file",
  "http-async",
  "smtp-eve",
  "tcp-fastopen-01",
  "prefilter-multibuf-multipkts",
  "smb-eicar-file",
];

function hasTshark(): boolean {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Per stream: sender port -> bytes, as tshark follows them. */
function tsharkStreams(pcap: string): Map<string, number[]>[] {
  const ids = execFileSync("tshark", ["-r", pcap, "-T", "fields", "-e", "tcp.stream"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    .split("\n").filter((l) => l.trim() !== "");
  const n = new Set(ids).size;
  const out: Map<string, number[]>[] = [];
  for (let s = 0; s < n; s++) {
    const text = execFileSync("tshark", ["-r", pcap, "-q", "-z", `follow,tcp,raw,${s}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 << 20,
    });
    const nodes: string[] = [];
    const m = new Map<string, number[]>();
    for (const line of text.split("\n")) {
      const node = /^Node ([01]): (.*):(\d+)$/.exec(line);
      if (node) {
        nodes[Number(node[1])] = node[3];
        m.set(node[3], []);
        continue;
      }
      const hex = /^(\t?)([0-9a-f]+)$/.exec(line);
      if (!hex || nodes.length < 2) continue;
      const port = nodes[hex[1] === "\t" ? 1 : 0];
      const arr = m.get(port)!;
      for (let i = 0; i < hex[2].length; i += 2) arr.push(parseInt(hex[2].slice(i, i + 2), 16));
    }
    out.push(m);
  }
  return out;
}

const dir = corpusDir();
const tshark = hasTshark();
if (!tshark) console.log("note: tshark not found; corpus reassembly comparison skipped");

for (const name of CASES) {
  const pcap = dir === null ? "" : join(dir, "suricata-verify", name, "input.pcap");
  test(`corpus ${name}: delivered bytes equal tshark's follow`, () => {
    if (dir === null || !tshark || !existsSync(pcap)) return;
    const cfg = defaultEngineConfig();
    cfg.checksums = "none";
    cfg.stream.midstream = true;
    cfg.stream.reassemblyDepth = 0;
    const e = new Engine(cfg);
    // Streams by "sender port>receiver port" (these captures do not reuse ports).
    const got = new Map<string, number[]>();
    let gaps = 0;
    const key = (flow: number, d: number): string => {
      const a = e.flows.keyPort[2 * flow];
      const b = e.flows.keyPort[2 * flow + 1];
      return d === 0 ? `${a}>${b}` : `${b}>${a}`;
    };
    const consumer: StreamConsumer = {
      streamData(flow, d, buf, off, len) {
        const k = key(flow, d);
        if (!got.has(k)) got.set(k, []);
        const arr = got.get(k)!;
        for (let i = 0; i < len; i++) arr.push(buf[off + i]);
      },
      streamGap() {
        gaps++;
      },
      streamEnd() {},
      flowEnd() {},
    };
    e.streamConsumer = consumer;
    const meta = new PacketMeta();
    let cnt = 0;
    for (const rec of readAll(pcap)) {
      meta.linkType = rec.linkType;
      meta.tsUs = rec.tsUs;
      meta.wireLen = rec.wireLen;
      meta.pcapCnt = ++cnt;
      e.process(rec.data, 0, rec.data.length, meta);
      e.ring.clear();
    }
    while (e.finish(1024) > 0) e.ring.clear();
    const want = tsharkStreams(pcap);
    let compared = 0;
    for (const m of want) {
      const ports = [...m.keys()];
      for (const p of ports) {
        const other = ports.find((x) => x !== p) ?? p;
        const w = m.get(p)!;
        const g = got.get(`${p}>${other}`) ?? [];
        assert.is(g.length, w.length, `${name} ${p}>${other}: length`);
        assert.ok(Buffer.from(g).equals(Buffer.from(w)), `${name} ${p}>${other}: bytes`);
        compared += w.length;
      }
    }
    assert.ok(compared > 0, "something was compared");
    assert.is(e.reassembler!.stats.heldNow, 0);
    void gaps;
  });
}

test.run();
