import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { defaultEngineConfig } from "../../engine/config.ts";
import { Engine } from "../../engine/engine.ts";
import { EV_ALERT, EV_ANOMALY, EV_DROP, EV_FIREWALL } from "../../engine/events.ts";
import { Ips } from "../../engine/ips.ts";
import { defaultParsers, defaultProbes } from "../../engine/applayer/registry.ts";
import { AppIdentifier } from "../../engine/appid/identifier.ts";
import { compileAppControl } from "../../engine/appid/control.ts";
import { buildRuleSet } from "../../rules/build.ts";
import { builtinRuleFiles } from "../../rules/packs/builtin.ts";
import { loadAppSignatures } from "../../rules/packs/apps.ts";
import { LINK_ETHERNET, PacketMeta } from "../../engine/packet.ts";
import { compilePolicy } from "../../engine/policy/compiled.ts";
import { loadPolicy } from "../../engine/policy/load.ts";
import { VERDICT_DROP, VERDICT_PASS, dropReasonName } from "../../engine/verdict.ts";
import { readAll } from "../pcap/reader.ts";
import { branchOfficeFrames } from "./branch-office.ts";

const policyPath = new URL("./branch-office.yaml", import.meta.url).pathname;
const capturePath = new URL("./branch-office.pcap", import.meta.url).pathname;

/**
 * Runs every sample frame through a fresh engine wired as `npm start` wires it (the sample policy, the
 * built-in virtual patches in prevent mode, application identification with the policy's app
 * control); returns per-frame outcomes.
 */
function runSample() {
  const engine = new Engine(defaultEngineConfig());
  const spec = loadPolicy(readFileSync(policyPath, "utf8"), policyPath);
  engine.setPolicy(compilePolicy(spec, []));
  const built = buildRuleSet(builtinRuleFiles());
  assert.equal(built.problems, []);
  const ips = new Ips(engine.flows, engine.ring, { prevent: spec.ips?.mode === "prevent", stateEntries: 1 << 12 }, defaultParsers(), defaultProbes());
  ips.detector.setRuleSet(built.ruleSet);
  engine.setIps(ips);
  const tables = loadAppSignatures();
  const appid = new AppIdentifier(tables, engine.flows);
  appid.blocked.set(compileAppControl(spec.appControl, tables));
  engine.setAppIdentifier(appid);
  const meta = new PacketMeta();
  meta.linkType = LINK_ETHERNET;
  return branchOfficeFrames().map((f, i) => {
    meta.tsUs = f.tsUs;
    meta.pcapCnt = i + 1;
    const verdict = engine.process(f.data, 0, f.data.length, meta);
    const kinds: string[] = [];
    const ring = engine.ring;
    for (let j = ring.first(); j !== -1; j = ring.next(j)) {
      const k = ring.kind[j];
      if (k === EV_ALERT) continue; // the drop record that follows says why
      kinds.push(k === EV_DROP ? `drop:${dropReasonName(ring.code[j])}` : k === EV_ANOMALY ? "anomaly" : k === EV_FIREWALL ? "log" : "other");
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
  assert.equal(byNote.get("Log4Shell request 1 (virtual patch, blocked)"), ["drop:rules"]);
  assert.equal(byNote.get("Log4Shell request 2 (virtual patch, blocked)"), ["drop:rules"]);
  assert.equal(byNote.get("wiki page about JNDI (allowed)"), []);
  assert.equal(byNote.get("BitTorrent handshake (app control, blocked)"), ["drop:application"]);
});

test.run();
