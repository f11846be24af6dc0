// App control from policy: app_control rules (first match wins, per function) compiled against the
// shipped application signatures, per location profile, enforced by the engine. Traffic is built with
// datapath/craft.ts after the protocols' public descriptions (BEP 3 handshake, RFC 6066 SNI).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { tcpPacket } from "../../datapath/craft.ts";
import { defaultEngineConfig } from "../config.ts";
import { Engine } from "../engine.ts";
import { LINK_RAW, PacketMeta } from "../packet.ts";
import { loadPolicy, PolicyError, selectProfile } from "../policy/load.ts";
import { VERDICT_DROP, VERDICT_PASS } from "../verdict.ts";
import { compileAppSignatures } from "./compile.ts";
import { compileAppControl } from "./control.ts";
import { AppIdentifier } from "./identifier.ts";
import { FUNCTION_COUNT, functionByName } from "./tables.ts";

const tables = compileAppSignatures(readFileSync(new URL("../../rules/packs/apps/apps.yaml", import.meta.url), "utf8"), "apps.yaml");
const F = "policy.yaml";
const app = (n: string): number => tables.appByName(n);
const at = (t: Uint8Array, a: string, fn = ""): number => t[app(a) * FUNCTION_COUNT + (fn === "" ? 0 : functionByName(fn))];
const compile = (yaml: string, profile?: string) => compileAppControl(selectProfile(loadPolicy(yaml, F), profile).appControl, tables);

test("block an application: every function of it, nothing else", () => {
  const t = compile("app_control:\n  rules:\n    - { app: bittorrent, action: block }\n");
  for (let fn = 0; fn < FUNCTION_COUNT; fn++) assert.is(t[app("bittorrent") * FUNCTION_COUNT + fn], 1);
  assert.is(at(t, "whatsapp"), 0);
  assert.is(t.reduce((s, v) => s + v, 0), FUNCTION_COUNT);
});

test("one function only, and first match wins (an allow before a category block)", () => {
  const onlyFiles = compile("app_control:\n  rules:\n    - { app: line, function: file-transfer, action: block }\n");
  assert.is(at(onlyFiles, "line", "file-transfer"), 1);
  assert.is(at(onlyFiles, "line", "chat"), 0);
  assert.is(at(onlyFiles, "line"), 0);
  const t = compile(
    "app_control:\n  rules:\n    - { app: line, function: chat, action: allow }\n    - { category: messenger, action: block }\n",
  );
  assert.is(at(t, "line", "chat"), 0);
  assert.is(at(t, "line", "file-transfer"), 1);
  assert.is(at(t, "line"), 1);
  assert.is(at(t, "whatsapp", "chat"), 1);
  assert.is(at(t, "bittorrent"), 0);
  assert.is(at(compile("home_net: any\n"), "bittorrent"), 0);
});

test("unknown names are errors at file:line:col with a did-you-mean (never a silent allow)", () => {
  const err = (yaml: string): string => {
    try {
      compile(yaml);
    } catch (e) {
      assert.instance(e, PolicyError);
      return (e as Error).message;
    }
    return assert.unreachable("no error") as never;
  };
  assert.match(err("app_control:\n  rules:\n    - { app: bitorrent, action: block }\n"), /^policy\.yaml:3:14: unknown application "bitorrent" \(did you mean "bittorrent"\?\)/);
  assert.match(err("app_control:\n  rules:\n    - { category: p2pp, action: block }\n"), /^policy\.yaml:3:19: unknown category "p2pp" \(did you mean "p2p"\?\)/);
  assert.match(err("app_control:\n  rules:\n    - { app: line, function: files, action: block }\n"), /^policy\.yaml:3:30: unknown function "files"/);
});

test("location profiles: BitTorrent passes in the office profile and is dropped offsite", () => {
  const policy = `app_control:
  rules: []
profiles:
  office: {}
  offsite:
    app_control:
      rules:
        - { category: p2p, action: block }
`;
  const run = (profile: string): number[] => {
    const engine = new Engine(defaultEngineConfig());
    const appid = new AppIdentifier(tables, engine.flows);
    appid.blocked.set(compile(policy, profile));
    engine.setAppIdentifier(appid);
    const meta = new PacketMeta();
    meta.linkType = LINK_RAW;
    meta.tsUs = 1_000_000;
    const send = (p: Uint8Array): number => {
      meta.tsUs += 1000;
      return engine.process(p, 0, p.length, meta);
    };
    const c = { src: "198.18.0.10", dst: "198.18.9.9", sport: 40000, dport: 51413 };
    const s = { src: c.dst, dst: c.src, sport: c.dport, dport: c.sport };
    const hs = Uint8Array.from([19, ...new TextEncoder().encode("BitTorrent protocol"), ...new Array(48).fill(0)]);
    return [
      send(tcpPacket({ ...c, seq: 100, flags: "S" })),
      send(tcpPacket({ ...s, seq: 500, ack: 101, flags: "SA" })),
      send(tcpPacket({ ...c, seq: 101, ack: 501, flags: "A" })),
      send(tcpPacket({ ...c, seq: 101, ack: 501, payload: hs })),
      send(tcpPacket({ ...s, seq: 501, ack: 169, payload: hs })),
    ];
  };
  assert.equal(run("office"), [VERDICT_PASS, VERDICT_PASS, VERDICT_PASS, VERDICT_PASS, VERDICT_PASS]);
  assert.equal(run("offsite"), [VERDICT_PASS, VERDICT_PASS, VERDICT_PASS, VERDICT_DROP, VERDICT_DROP]);
});

test.run();
