// Application identification over real captures from nDPI's test suite (../shared/corpus/ndpi, the
// labels are nDPI's own): each named capture must name its application on the flows nDPI labels so.
// Skipped when the corpus is absent (datapath/pcap/corpus.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../../datapath/pcap/corpus.ts";
import { CaptureReader } from "../../datapath/pcap/reader.ts";
import { defaultEngineConfig } from "../config.ts";
import { Engine } from "../engine.ts";
import { EV_FLOW } from "../events.ts";
import { PacketMeta } from "../packet.ts";
import { compileAppSignatures } from "./compile.ts";
import { AppIdentifier } from "./identifier.ts";
import { APP_ID_MASK } from "./tables.ts";

const dir = corpusDir();
const tables = compileAppSignatures(readFileSync(new URL("../../rules/packs/apps/apps.yaml", import.meta.url), "utf8"), "apps.yaml");

/** Applications named on the flows of one capture, counted. */
function namedIn(pcap: string): Map<string, number> {
  const cfg = defaultEngineConfig();
  cfg.checksums = "none"; // as appid-run.mjs runs inspect (-k none): some captures have offloaded checksums
  const engine = new Engine(cfg);
  engine.logFlows = true;
  const appid = new AppIdentifier(tables, engine.flows);
  engine.setAppIdentifier(appid);
  const out = new Map<string, number>();
  const drain = (): void => {
    const r = engine.ring;
    for (let i = r.first(); i !== -1; i = r.next(i)) {
      if (r.kind[i] !== EV_FLOW) continue;
      const name = appid.appName(r.application[i] & APP_ID_MASK);
      if (name !== "") out.set(name, (out.get(name) ?? 0) + 1);
    }
    r.clear();
  };
  const reader = CaptureReader.open(pcap);
  const meta = new PacketMeta();
  for (;;) {
    const rec = reader.next();
    if (rec === null) break;
    meta.tsUs = rec.tsUs;
    meta.linkType = rec.linkType;
    meta.wireLen = rec.wireLen;
    engine.process(rec.buf, rec.off, rec.len, meta);
    if (engine.ring.size > 0) drain();
  }
  reader.close();
  while (engine.finish(engine.ring.capacity) > 0) drain();
  drain();
  return out;
}

const cases: [string, string, number][] = [
  ["bittorrent.pcap", "bittorrent", 20],
  ["whatsapp.pcap", "whatsapp", 50],
  ["wireguard.pcap", "wireguard", 2],
  ["openvpn.pcap", "openvpn", 8],
  ["ssh.pcap", "ssh", 2],
  ["signal.pcap", "signal", 8],
  ["gnutella.pcap", "gnutella", 100],
];

for (const [pcap, app, min] of cases) {
  test(`corpus: ${pcap} names ${app} on at least ${min} flows, and nothing as a wrong target`, () => {
    if (dir === null) return;
    const named = namedIn(join(dir, "ndpi", pcap));
    assert.ok((named.get(app) ?? 0) >= min, `${app}: ${named.get(app) ?? 0} flows (${JSON.stringify([...named])})`);
  });
}

test.run();
