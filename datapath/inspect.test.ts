import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect, parseInspectArgs, UsageError } from "./inspect.ts";
import { ether, tcpPacket, udpPacket } from "./craft.ts";
import { pcapBytes } from "./pcap/writer.ts";

const sample = new URL("./samples/branch-office.pcap", import.meta.url).pathname;
const policy = new URL("./samples/branch-office.yaml", import.meta.url).pathname;

function run(extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-inspect-"));
  const summary = inspect(parseInspectArgs(["-r", sample, "--policy", policy, "-l", dir, ...extra]));
  const records = readFileSync(join(dir, "eve.json"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { summary, records, dir };
}

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/;

test("eve.json records are Suricata-shaped: timestamp, pcap_cnt, proto names", () => {
  const { records } = run();
  assert.ok(records.length > 0);
  for (const r of records) {
    assert.match(r.timestamp, TS);
    if (r.event_type !== "flow") assert.type(r.pcap_cnt, "number");
    if (r.proto !== undefined) assert.ok(["TCP", "UDP", "ICMP", "IPv6-ICMP"].includes(r.proto), r.proto);
  }
});

test("firewall blocks are drop records with the reason and the rule's name", () => {
  const { records, summary } = run();
  const smb = records.find((r) => r.event_type === "drop" && r.dest_port === 445);
  assert.ok(smb, "a drop record for the SMB attempt");
  assert.is(smb.proto, "TCP");
  assert.is(smb.src_ip, "198.19.66.6");
  assert.is(smb.dest_ip, "198.18.0.10");
  assert.is(smb.drop.reason, "firewall rule");
  assert.is(smb.drop.rule, "block inbound SMB and NetBIOS from outside the office");
  assert.is(smb.drop.syn, true);
  const reasons = new Set(records.filter((r) => r.event_type === "drop").map((r) => r.drop.reason));
  for (const want of ["firewall rule", "invalid tcp flags", "out of connection", "syn flood"]) assert.ok(reasons.has(want), want);
  assert.ok(summary.blocked.some((b) => b.reason.startsWith("firewall rule \"block inbound SMB")));
  assert.ok(records.some((r) => r.event_type === "anomaly" && r.anomaly.type === "decode"), "the truncated packet's anomaly");
});

test("--eve-flows writes one flow record per flow with counters each way; IPv6 written in full", () => {
  const { records } = run(["--eve-flows"]);
  const flows = records.filter((r) => r.event_type === "flow");
  assert.ok(flows.length >= 5);
  const web = flows.find((r) => r.dest_port === 443 && r.src_port === 50000);
  assert.ok(web, "the HTTPS flow");
  assert.is(web.src_ip, "198.18.0.10");
  assert.is(web.flow.pkts_toserver, 5);
  assert.is(web.flow.pkts_toclient, 3);
  assert.is(web.flow.state, "closed");
  assert.is(web.flow.reason, "shutdown");
  assert.match(web.flow.start, TS);
  assert.type(web.flow_id, "number");
  const v6 = flows.find((r) => r.proto === "IPv6-ICMP");
  assert.ok(v6, "an ICMPv6 flow");
  assert.match(v6.src_ip, /^([0-9a-f]{4}:){7}[0-9a-f]{4}$/);
});

test("Suricata flags that do not change detection are accepted with a note; unknown flags are errors", () => {
  const o = parseInspectArgs(["-r", sample, "--runmode=single", "-k", "none", "--set", "stream.midstream=true"]);
  assert.is(o.notes.length, 1);
  assert.match(o.notes[0], /--runmode=single/);
  assert.is(o.engine.stream.midstream, true);
  assert.is(o.engine.checksums, "none");
  assert.throws(() => parseInspectArgs(["-r", sample, "--frobnicate"]), (e: Error) => e instanceof UsageError && /--frobnicate/.test(e.message));
  assert.throws(() => parseInspectArgs(["-r", sample, "--set", "stream.midstream=maybe"]), /stream.midstream/);
  assert.throws(() => parseInspectArgs(["-l", "x"]), /-r FILE is required/);
});

test("bad captures are clear errors naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-bad-"));
  const junk = join(dir, "junk.pcap");
  writeFileSync(junk, "this is not a capture at all");
  assert.throws(() => inspect(parseInspectArgs(["-r", junk, "-l", dir])), /junk\.pcap: not a pcap or pcapng file/);
  assert.throws(() => inspect(parseInspectArgs(["-r", join(dir, "missing.pcap"), "-l", dir])), /missing\.pcap/);
  const cut = join(dir, "cut.pcap");
  const whole = readFileSync(sample);
  writeFileSync(cut, whole.subarray(0, whole.length - 7));
  assert.throws(() => inspect(parseInspectArgs(["-r", cut, "--policy", policy, "-l", dir])), /cut\.pcap: truncated.*events of the \d+ packets before it/);
  const events = readFileSync(join(dir, "eve.json"), "utf8");
  assert.ok(events.length > 0, "events before the truncation are kept");
});

test("a policy with errors is refused with file:line:col", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-pol-"));
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "firewall:\n  rules:\n    - name: x\n      action: denny\n");
  assert.throws(() => inspect(parseInspectArgs(["-r", sample, "--policy", bad, "-l", dir])), /bad\.yaml:4:15: .*denny/);
});

function rulesFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-rules-"));
  const f = join(dir, "local.rules");
  writeFileSync(f, text);
  return f;
}

/** A capture with one DNS query for example.org (A, IN) and its answer-less reply. */
function dnsCapture(): string {
  const q = Uint8Array.from([
    0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
    7, ...new TextEncoder().encode("example"), 3, ...new TextEncoder().encode("org"), 0, 0, 1, 0, 1,
  ]);
  const r = Uint8Array.from(q);
  r[2] = 0x81;
  r[3] = 0x80;
  const frames = [
    ether(udpPacket({ src: "198.18.0.10", dst: "198.18.0.53", sport: 40000, dport: 53, payload: q })),
    ether(udpPacket({ src: "198.18.0.53", dst: "198.18.0.10", sport: 53, dport: 40000, payload: r })),
  ];
  const dir = mkdtempSync(join(tmpdir(), "tsugi-dns-"));
  const f = join(dir, "dns.pcap");
  writeFileSync(f, pcapBytes(1, frames.map((data, i) => ({ data, tsUs: 1_700_000_000_000_000 + i * 1000 }))));
  return f;
}

function runOn(capture: string, extra: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-inspect-"));
  const summary = inspect(parseInspectArgs(["-r", capture, "-l", dir, ...extra]));
  const records = readFileSync(join(dir, "eve.json"), "utf8").trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  return { summary, records };
}

test("-S: IPS alerts are Suricata alert records with alert{}, metadata lists and app_proto", () => {
  const rules = rulesFile(
    'alert dns any any -> any any (msg:"DNS query seen"; dns.query; content:"example.org"; classtype:misc-activity; metadata:cve CVE-2099-0001, policy test; sid:7001; rev:2;)\n',
  );
  const { records, summary } = runOn(dnsCapture(), ["-S", rules]);
  const alerts = records.filter((r) => r.event_type === "alert");
  assert.is(summary.alerts, alerts.length);
  assert.ok(alerts.length >= 1);
  const a = alerts[0];
  assert.equal(
    [a.alert.action, a.alert.gid, a.alert.signature_id, a.alert.rev, a.alert.signature, a.alert.severity],
    ["allowed", 1, 7001, 2, "DNS query seen", 3],
  );
  assert.is(a.alert.category, "Misc activity");
  assert.equal(a.alert.metadata, { cve: ["CVE-2099-0001"], policy: ["test"] });
  assert.is(a.app_proto, "dns");
  assert.is(a.dest_port, 53);
  assert.is(a.packet, undefined, "no packet unless asked");
});

test("--eve-packet: the alert carries its frame in base64", () => {
  const rules = rulesFile('alert udp any any -> any 53 (msg:"q"; content:"example"; sid:7002;)\n');
  const { records } = runOn(dnsCapture(), ["-S", rules, "--eve-packet"]);
  const a = records.find((r) => r.event_type === "alert");
  assert.ok(a);
  const frame = Uint8Array.from(atob(a.packet), (c) => c.charCodeAt(0));
  assert.is(a.packet_info.linktype, 1);
  assert.is(frame[12] * 256 + frame[13], 0x0800, "an Ethernet frame carrying IPv4");
  assert.is(frame.length, 14 + 20 + 8 + 29);
});

test("--strict makes a rule that cannot be loaded fatal, naming file:line:col", () => {
  const rules = rulesFile('alert udp any any -> any 53 (msg:"ok"; sid:1;)\nalert udp any any -> any 53 (msg:"bad"; htp.uri; sid:2;)\n');
  assert.throws(() => runOn(dnsCapture(), ["-S", rules, "--strict"]), /local\.rules:2:41: unknown keyword "htp\.uri" \(did you mean "http\.uri"\?\)/);
  const { records } = runOn(dnsCapture(), ["-S", rules]);
  assert.ok(records.some((r) => r.event_type === "alert" && r.alert.signature_id === 1), "without --strict the good rule still runs");
});

test("--eve-flows with rules: flow records name the detected app_proto", () => {
  const rules = rulesFile('alert udp any any -> any 53 (msg:"q"; content:"example"; sid:7003;)\n');
  const { records } = runOn(dnsCapture(), ["-S", rules, "--eve-flows"]);
  const flow = records.find((r) => r.event_type === "flow");
  assert.ok(flow);
  assert.is(flow.app_proto, "dns");
});

/** Runs with TSUGI_PACKS set to `dir` (restored afterwards). */
function withPacks<T>(dir: string, f: () => T): T {
  const old = process.env.TSUGI_PACKS;
  process.env.TSUGI_PACKS = dir;
  try {
    return f();
  } finally {
    if (old === undefined) delete process.env.TSUGI_PACKS;
    else process.env.TSUGI_PACKS = old;
  }
}

function packsDir(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tsugi-packs-"));
  mkdirSync(join(dir, "vpatch", "p1"), { recursive: true });
  writeFileSync(join(dir, "vpatch", "p1", "p1.rules"), rules);
  mkdirSync(join(dir, "apps"));
  copyFileSync(new URL("../rules/packs/apps/apps.yaml", import.meta.url), join(dir, "apps", "apps.yaml"));
  return dir;
}

test("without -S the built-in packs are loaded; -S replaces them; --no-packs loads none", () => {
  const dir = packsDir('drop dns any any -> any any (msg:"built-in"; dns.query; content:"example.org"; sid:7002; rev:1;)\n');
  withPacks(dir, () => {
    const builtin = runOn(dnsCapture(), []);
    assert.equal(builtin.summary.rules, 1);
    assert.ok(builtin.summary.ruleSource.includes(dir));
    assert.equal(builtin.records.filter((r) => r.event_type === "alert").map((r) => r.alert.signature_id), [7002]);
    const blocked = runOn(dnsCapture(), ["--simulate-ips"]);
    assert.equal(blocked.records.filter((r) => r.event_type === "alert").map((r) => r.alert.action), ["blocked"]);
    const own = runOn(dnsCapture(), ["-S", rulesFile('alert dns any any -> any any (msg:"own"; dns.query; content:"nothing"; sid:9; rev:1;)\n')]);
    assert.equal(own.summary.rules, 1);
    assert.equal(own.records.filter((r) => r.event_type === "alert"), []);
    const none = runOn(dnsCapture(), ["--no-packs"]);
    assert.equal(none.summary.rules, 0);
    assert.equal(none.records.filter((r) => r.event_type === "alert"), []);
    assert.throws(() => runOn(dnsCapture(), ["--no-packs", "-S", "x.rules"]), /choose one/);
  });
  withPacks(join(dir, "missing"), () => {
    assert.throws(() => runOn(dnsCapture(), []), /built-in packs not found .*missing/);
  });
});

test("app control: the policy's profile blocks an application; drop records and the summary name it", () => {
  const c = { src: "198.18.0.10", dst: "198.18.9.9", sport: 40000, dport: 51413 };
  const sv = { src: c.dst, dst: c.src, sport: c.dport, dport: c.sport };
  const hs = Uint8Array.from([19, ...new TextEncoder().encode("BitTorrent protocol"), ...new Array(48).fill(0)]);
  const frames = [
    tcpPacket({ ...c, seq: 100, flags: "S" }),
    tcpPacket({ ...sv, seq: 500, ack: 101, flags: "SA" }),
    tcpPacket({ ...c, seq: 101, ack: 501, flags: "A" }),
    tcpPacket({ ...c, seq: 101, ack: 501, payload: hs }),
    tcpPacket({ ...sv, seq: 501, ack: 169, payload: hs }),
  ].map((p) => ether(p));
  const dir = mkdtempSync(join(tmpdir(), "tsugi-bt-"));
  const capture = join(dir, "bt.pcap");
  writeFileSync(capture, pcapBytes(1, frames.map((data, i) => ({ data, tsUs: 1_700_000_000_000_000 + i * 1000 }))));
  const policy = join(dir, "policy.yaml");
  writeFileSync(policy, "profiles:\n  office: {}\n  offsite:\n    app_control:\n      rules:\n        - { app: bittorrent, action: block }\n");
  const office = runOn(capture, ["--policy", policy, "--profile", "office", "--eve-flows"]);
  assert.is(office.summary.dropped, 0);
  assert.equal(office.records.filter((r) => r.event_type === "flow").map((r) => r.application), ["bittorrent"]);
  const offsite = runOn(capture, ["--policy", policy, "--profile", "offsite"]);
  assert.is(offsite.summary.dropped, 2); // the handshake that named it, and the reply
  assert.equal(offsite.summary.blocked, [{ reason: "app control: bittorrent", packets: 2 }]);
  const drop = offsite.records.find((r) => r.event_type === "drop");
  assert.is(drop.drop.reason, "application");
  assert.is(drop.drop.application, "bittorrent");
  // alert records carry the application once the flow is named (the identifying packet is inspected
  // by the rules first, so its own alert comes before the name)
  const rules = rulesFile('alert tcp any any -> any any (msg:"bt handshake"; content:"BitTorrent protocol"; sid:77; rev:1;)\n');
  const withRules = runOn(capture, ["-S", rules]);
  const alerts = withRules.records.filter((r) => r.event_type === "alert");
  assert.equal(alerts.map((r) => r.application), [undefined, "bittorrent"]);
  assert.throws(() => runOn(capture, ["--policy", policy, "--profile", "ofsite"]), /no profile "ofsite" \(did you mean "offsite"\?\)/);
  assert.throws(() => runOn(capture, ["--profile", "office"]), /--profile needs --policy/);
});

test.run();
