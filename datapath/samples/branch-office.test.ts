import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { defaultEngineConfig } from "../../engine/config.ts";
import { Engine } from "../../engine/engine.ts";
import { EV_ANOMALY, EV_DROP, EV_FIREWALL } from "../../engine/events.ts";
import { LINK_ETHERNET, PacketMeta } from "../../engine/packet.ts";
import { compilePolicy } from "../../engine/policy/compiled.ts";
import { loadPolicy } from "../../engine/policy/load.ts";
import { VERDICT_DROP, VERDICT_PASS, dropReasonName } from "../../engine/verdict.ts";
import { readAll } from "../pcap/reader.ts";
import { branchOfficeFrames } from "./branch-office.ts";

const policyPath = new URL("./branch-office.yaml", import.meta.url).pathname;
const capturePath = new URL("./branch-office.pcap", import.meta.url).pathname;

/** Runs every sample frame through a fresh engine with the sample policy; returns per-frame outcomes. */
function runSample() {
  const engine = new Engine(defaultEngineConfig());
  engine.setPolicy(compilePolicy(loadPolicy(readFileSync(policyPath, "utf8"), policyPath), []));
  const meta = new PacketMeta();
  meta.linkType = LINK_ETHERNET;
  return branchOfficeFrames().map((f, i) => {
    meta.tsUs = f.tsUs;
    meta.pcapCnt = i + 1;
    const verdict = engine.process(f.data, 0, f.data.length, meta);
    const kinds: string[] = [];
    const ring = engine.ring;
    for (let j = ring.first(); j !== -1; j = ring.next(j)) {
      kinds.push(ring.kind[j] === EV_DROP ? `drop:${dropReasonName(ring.code[j])}` : ring.kind[j] === EV_ANOMALY ? "anomaly" : ring.kind[j] === EV_FIREWALL ? "log" : "other");
    }
    ring.clear();
    return { note: f.note, verdict, kinds };
  });
}

test("the bundled capture is what branch-office.ts builds (run `npm run sample` after changing it)", () => {
  const frames = branchOfficeFrames();
  const file = readAll(capturePath);
  assert.is(file.length, frames.length);
  file.forEach((p, i) => assert.equal(Array.from(p.data), Array.from(frames[i].data), `frame ${i + 1}`));
});

test("every part of the sample gets the verdict its note promises", () => {
  for (const r of runSample()) {
    const blocked = /[(, ]blocked\)/.test(r.note);
    assert.is(r.verdict, blocked ? VERDICT_DROP : VERDICT_PASS, `${r.note}: verdict`);
    if (r.note.includes("(anomaly")) assert.ok(r.kinds.includes("anomaly"), `${r.note}: anomaly expected, got ${r.kinds}`);
  }
});

test("each kind of block carries its own reason", () => {
  const byNote = new Map(runSample().map((r) => [r.note, r.kinds]));
  assert.equal(byNote.get("inbound SMB SYN (blocked)"), ["drop:firewall rule"]);
  assert.equal(byNote.get("XMAS scan (blocked)"), ["drop:invalid tcp flags"]);
  assert.equal(byNote.get("NULL scan (blocked)"), ["drop:invalid tcp flags"]);
  assert.equal(byNote.get("ACK outside any connection (blocked)"), ["drop:out of connection"]);
  assert.equal(byNote.get("telnet SYN inside GRE (blocked)"), ["drop:firewall rule"]);
  assert.equal(byNote.get("SYN flood (blocked)"), ["drop:syn flood"]);
  assert.equal(byNote.get("SYN to printer"), ["log"]);
  assert.equal(byNote.get("truncated IPv4 header (anomaly, blocked)"), ["anomaly", "drop:decode error"]);
});

test.run();
