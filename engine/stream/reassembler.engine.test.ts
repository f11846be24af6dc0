// The reassembler inside the engine: crafted packets in, exact byte streams out.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ether, tcpPacket } from "../../datapath/craft.ts";
import { applySetting, defaultEngineConfig, type EngineConfig } from "../config.ts";
import { Engine } from "../engine.ts";
import { LINK_ETHERNET, PacketMeta } from "../packet.ts";
import { compilePolicy } from "../policy/compiled.ts";
import { loadPolicy } from "../policy/load.ts";
import { A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA } from "./reassembler.ts";
import { Recorder } from "./testing.ts";
import { EV_ANOMALY } from "../events.ts";

const C = "198.18.0.10";
const S = "198.19.0.20";
const HOME = "home_net: [198.18.0.0/16]\n";

function rig(tune?: (c: EngineConfig) => void, policyYaml?: string) {
  const cfg = defaultEngineConfig();
  tune?.(cfg);
  const e = new Engine(cfg);
  if (policyYaml !== undefined) e.setPolicy(compilePolicy(loadPolicy(HOME + policyYaml, "t.yaml"), []));
  const rec = new Recorder();
  e.streamConsumer = rec;
  const meta = new PacketMeta();
  meta.linkType = LINK_ETHERNET;
  meta.tsUs = 1_700_000_000_000_000;
  const anomalies: number[] = [];
  const send = (toServer: boolean, flags: string, seq: number, ack: number, payload = "", sport = 40000): number => {
    const f = ether(tcpPacket({
      src: toServer ? C : S,
      dst: toServer ? S : C,
      sport: toServer ? sport : 80,
      dport: toServer ? 80 : sport,
      flags,
      seq,
      ack,
      payload,
    }));
    meta.tsUs += 1000;
    meta.pcapCnt++;
    const v = e.process(f, 0, f.length, meta);
    for (let j = e.ring.first(); j !== -1; j = e.ring.next(j)) {
      if (e.ring.kind[j] === EV_ANOMALY) anomalies.push(e.ring.code[j]);
    }
    e.ring.clear();
    return v;
  };
  return { e, rec, send, anomalies };
}

const REQ = "GET /index.html?q=evil HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n";
const RESP = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

test("a split HTTP request and response arrive as exact byte streams, both ways, out of order", () => {
  const { e, rec, send } = rig();
  const cIsn = 0xfffffff0; // the request crosses 2^32
  const sIsn = 5000;
  send(true, "S", cIsn, 0);
  send(false, "SA", sIsn, cIsn + 1);
  send(true, "A", cIsn + 1, sIsn + 1);
  const c0 = (cIsn + 1) >>> 0;
  // Request in four pieces: 3rd, 1st, 4th, 2nd.
  const cuts = [0, 9, 30, 50, REQ.length];
  const order = [2, 0, 3, 1];
  for (const i of order) send(true, "PA", (c0 + cuts[i]) >>> 0, sIsn + 1, REQ.slice(cuts[i], cuts[i + 1]));
  // Response in two pieces, second first; then FINs.
  send(false, "PA", sIsn + 1 + 20, (c0 + REQ.length) >>> 0, RESP.slice(20));
  send(false, "PA", sIsn + 1, (c0 + REQ.length) >>> 0, RESP.slice(0, 20));
  send(false, "FA", sIsn + 1 + RESP.length, (c0 + REQ.length) >>> 0);
  send(true, "FA", (c0 + REQ.length) >>> 0, sIsn + 2 + RESP.length);
  assert.is(rec.text(0, 0), REQ);
  assert.is(rec.text(0, 1), RESP);
  assert.is(rec.count("end"), 2);
  assert.is(rec.count("gap"), 0);
  const r = e.reassembler!;
  assert.is(r.stats.bytesDelivered, REQ.length + RESP.length);
  assert.ok(r.stats.segmentsHeld >= 3);
  while (e.finish(64) > 0);
  assert.is(rec.count("flowEnd"), 1);
  assert.is(r.stats.heldNow, 0);
});

test("no consumer: no reassembler at all", () => {
  const e = new Engine(defaultEngineConfig());
  assert.is(e.reassembler, null);
  assert.is(e.streamConsumer, null);
});

test("overlapping different data raises the stream anomaly as an event", () => {
  const { rec, send, anomalies } = rig((c) => {
    c.stream.overlapPolicy = "first";
  });
  send(true, "S", 100, 0);
  send(false, "SA", 900, 101);
  send(true, "A", 101, 901);
  send(true, "PA", 111, 901, "AAAAAAAAAA");
  send(true, "PA", 106, 901, "BBBBBBBBBB");
  send(true, "PA", 101, 901, "CCCCC");
  assert.is(rec.text(0, 0), "CCCCCBBBBBAAAAAAAAAA");
  assert.ok(anomalies.includes(A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
});

test("midstream pickup only with stream.midstream", () => {
  const off = rig();
  off.send(true, "PA", 7000, 1, "no handshake");
  assert.is(off.rec.calls.length, 0);
  const on = rig((c) => assert.is(applySetting(c, "stream.midstream", "true"), ""));
  on.send(true, "PA", 7000, 1, "no handshake");
  on.send(false, "PA", 1, 7012, "reply");
  assert.is(on.rec.text(0, 0), "no handshake");
  assert.is(on.rec.text(0, 1), "reply");
});

test("packets the firewall drops and bypassed flows are not reassembled", () => {
  const deny = rig(undefined, "firewall:\n  rules:\n    - { name: no push, action: deny, protocol: tcp, dst: { port: 80 }, tcp_flags: PSH }\n");
  deny.send(true, "S", 100, 0);
  deny.send(false, "SA", 900, 101);
  deny.send(true, "A", 101, 901);
  deny.send(true, "PA", 101, 901, "dropped");
  deny.send(true, "A", 108, 901, "passes");
  assert.is(deny.rec.text(0, 0), "", "the dropped bytes are a hole; what follows is held");
  const bypass = rig(undefined, "firewall:\n  rules:\n    - { name: trust, action: bypass, protocol: tcp }\n");
  bypass.send(true, "S", 100, 0);
  bypass.send(false, "SA", 900, 101);
  bypass.send(true, "A", 101, 901);
  bypass.send(true, "PA", 101, 901, "trusted");
  assert.is(bypass.rec.calls.length, 0);
});

test("settings: stream.reassembly.* names", () => {
  const c = defaultEngineConfig();
  assert.is(applySetting(c, "stream.reassembly.memcap", "2mb"), "");
  assert.is(c.stream.reassemblyMemcap, 2 * 1024 * 1024);
  assert.is(applySetting(c, "stream.reassembly.depth", "0"), "");
  assert.is(c.stream.reassemblyDepth, 0);
  assert.is(applySetting(c, "stream.reassembly.policy", "windows"), "");
  assert.is(c.stream.overlapPolicy, "windows");
  assert.match(applySetting(c, "stream.reassembly.policy", "macos"), /expected one of/);
  assert.match(applySetting(c, "stream.reassembly.depth", "lots"), /expected a size/);
});

test("flow timeout flushes held data as gap + data", () => {
  const { e, rec, send } = rig();
  send(true, "S", 100, 0);
  send(false, "SA", 900, 101);
  send(true, "A", 101, 901);
  send(true, "PA", 101, 901, "head");
  send(true, "PA", 111, 901, "tail");
  assert.is(rec.text(0, 0), "head");
  while (e.finish(64) > 0);
  assert.is(rec.text(0, 0), "head~~~~~~tail");
  assert.is(rec.count("end", 0, 0), 1);
});

test.run();
