// Detection semantics through the whole engine (rules text → crafted TCP/UDP traffic → alerts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IpsRig, TcpConversation } from "../ips.testing.ts";
import { ether, icmpPacket, udpPacket } from "../../datapath/craft.ts";
import { VERDICT_REJECT } from "../verdict.ts";
import { readFileSync } from "node:fs";
import { buildRuleSet } from "../../rules/build.ts";
import { MAX_STREAM_LOOKBACK, streamLookback } from "./ruleset.ts";
import { nbss, negotiate1, ntTrans, response1 } from "../../rules/packs/smb.testing.ts";

const GET = "GET /index.html HTTP/1.1\r\nHost: example.org\r\nUser-Agent: curl/8\r\n\r\n";
const RESP = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

function count(rig: IpsRig, sid: number): number {
  return rig.alerts.filter((a) => a.sid === sid).length;
}

test("pass rules stop inspection of the flow and raise no alert themselves", () => {
  const rig = new IpsRig(`pass tcp any any -> any 80 (content:"index"; sid:1;)
alert tcp any any -> any 80 (content:"GET"; sid:2;)
alert tcp any any -> any 80 (content:"Host"; sid:3;)`);
  const c = new TcpConversation(rig, { dport: 80 });
  c.handshake();
  c.sendClient(0, GET);
  assert.equal(rig.alertSids(), []);
});

test("flowbits: a setter and a reader in the same packet — the setter is evaluated first", () => {
  const rig = new IpsRig(`alert tcp any any -> any 80 (content:"GET"; flowbits:isset,seen; sid:1;)
alert tcp any any -> any 80 (content:"Host"; flowbits:set,seen; flowbits:noalert; sid:2;)`);
  const c = new TcpConversation(rig, { dport: 80 });
  c.handshake();
  c.sendClient(0, GET);
  assert.equal(rig.alertSids(), [1]);
});

test("xbits track hosts across flows and expire", () => {
  const rig = new IpsRig(`alert tcp any any -> any 80 (content:"GET"; xbits:set,scanner,track ip_src,expire 10; xbits:noalert; sid:1;)
alert tcp any any -> any 81 (content:"GET"; xbits:isset,scanner,track ip_src; sid:2;)`);
  const a = new TcpConversation(rig, { dport: 81 });
  a.handshake();
  a.sendClient(0, GET);
  assert.is(count(rig, 2), 0, "not set yet");
  const b = new TcpConversation(rig, { dport: 80 });
  b.handshake();
  b.sendClient(0, GET);
  const c = new TcpConversation(rig, { dport: 81 });
  c.handshake();
  c.sendClient(0, GET);
  assert.is(count(rig, 2), 1, "set by another flow from the same host");
  rig.meta.tsUs += 11_000_000;
  const d = new TcpConversation(rig, { dport: 81 });
  d.handshake();
  d.sendClient(0, GET);
  assert.is(count(rig, 2), 1, "expired after 10 s");
});

test("threshold limit, threshold and detection_filter count per source", () => {
  const rig = new IpsRig(`alert udp any any -> any 53 (content:"x"; threshold:type limit,track by_src,count 2,seconds 60; sid:1;)
alert udp any any -> any 53 (content:"x"; threshold:type threshold,track by_src,count 3,seconds 60; sid:2;)
alert udp any any -> any 53 (content:"x"; detection_filter:track by_src,count 4,seconds 60; sid:3;)`);
  for (let i = 0; i < 6; i++) rig.send(ether(udpPacket({ src: "192.168.1.5", dst: "192.168.1.1", sport: 4000 + i, dport: 53, payload: "xxxx" })));
  assert.is(count(rig, 1), 2, "limit: the first 2");
  assert.is(count(rig, 2), 2, "threshold: every 3rd");
  assert.is(count(rig, 3), 2, "detection_filter: after the 4th");
});

test("transaction signatures alert once per transaction and direction, on the side their buffers belong to", () => {
  const rig = new IpsRig(`alert http any any -> any any (http.uri; content:"/index"; sid:1;)
alert http any any -> any any (http.stat_code; content:"200"; http.uri; content:"/index"; sid:2;)
alert http any any -> any any (http.header; content:"Length"; sid:3;)`);
  const c = new TcpConversation(rig, { dport: 80 });
  c.handshake();
  c.sendClient(0, GET);
  c.sendServer(0, RESP);
  assert.is(count(rig, 1), 1);
  assert.is(count(rig, 2), 1);
  assert.is(count(rig, 3), 1, "Content-Length is a response header");
  assert.ok(rig.alerts.find((a) => a.sid === 2)!.packet > rig.alerts.find((a) => a.sid === 1)!.packet);
});

test("a signature that is only app-layer-protocol alerts when detection completes, not on every packet", () => {
  const rig = new IpsRig(`alert tcp any any -> any any (app-layer-protocol:http; sid:1;)
alert tcp any any -> any any (app-layer-protocol:!http; sid:2;)`);
  const c = new TcpConversation(rig, { dport: 8080 });
  c.handshake();
  c.sendClient(0, GET);
  c.sendServer(0, RESP);
  c.sendClient(GET.length, GET);
  assert.is(count(rig, 1), 1);
  assert.is(count(rig, 2), 0);
});

test("drop in prevent mode blocks the rest of the flow; packet signatures still see its packets", () => {
  const rig = new IpsRig(`drop http any any -> any any (http.uri; content:"/index"; sid:1;)
alert tcp any any -> any any (flow:to_server; dsize:0; sid:2;)`);
  const c = new TcpConversation(rig, { dport: 80 });
  c.handshake();
  const before = count(rig, 2);
  c.sendClient(0, GET);
  assert.ok(rig.blockedBy(1));
  const v = c.sendClient(GET.length, ""); // an empty ACK after the drop
  assert.is.not(v, 0, "still blocked");
  assert.is(count(rig, 2), before + 1, "and still inspected");
});

test("detect mode: drop rules alert with action allowed and block nothing", () => {
  const rig = new IpsRig(`drop http any any -> any any (http.uri; content:"/index"; sid:1;)`, { prevent: false });
  const c = new TcpConversation(rig, { dport: 80 });
  c.handshake();
  c.sendClient(0, GET);
  assert.equal(rig.alerts.map((a) => [a.sid, a.blocked]), [[1, false]]);
  assert.is(rig.droppedCount(), 0);
});

test("an ICMP error belongs to the flow it quotes: a blocked flow's errors are blocked too", () => {
  const rig = new IpsRig(`drop udp any any -> any 53 (content:"evil"; sid:1;)
alert icmp any any -> any any (itype:3; sid:2;)`);
  const query = udpPacket({ src: "192.168.1.5", dst: "192.168.1.1", sport: 4444, dport: 53, payload: "evil" });
  assert.is.not(rig.send(ether(query)), 0, "the query is dropped");
  const unreachable = icmpPacket({ src: "192.168.1.1", dst: "192.168.1.5", type: 3, code: 3, payload: query.subarray(0, 28) });
  assert.is.not(rig.send(ether(unreachable)), 0, "its ICMP error is part of the blocked flow");
  assert.equal(rig.alertSids(), [1, 2], "and packet signatures still see it");
  const other = icmpPacket({ src: "192.168.1.1", dst: "192.168.1.5", type: 3, code: 3, payload: udpPacket({ src: "192.168.1.5", dst: "192.168.1.1", sport: 5555, dport: 53, payload: "ok" }).subarray(0, 28) });
  assert.is(rig.send(ether(other)), 0, "an error about another flow passes");
  // the same over IPv6: the quote is the IPv6 header and the UDP header
  const q6 = udpPacket({ src: "fd00::5", dst: "fd00::1", sport: 4444, dport: 53, payload: "evil" });
  assert.is.not(rig.send(ether(q6, { type: 0x86dd })), 0);
  const u6 = icmpPacket({ src: "fd00::1", dst: "fd00::5", type: 1, code: 4, payload: q6.subarray(0, 48) });
  assert.is.not(rig.send(ether(u6, { type: 0x86dd })), 0, "an ICMPv6 error of the blocked flow is blocked");
});

test("reject in prevent mode answers: the verdict is VERDICT_REJECT for the datapath to send a RST", () => {
  const rig = new IpsRig(`reject http any any -> any any (http.uri; content:"/index"; sid:1;)`);
  const c = new TcpConversation(rig, { dport: 80 });
  c.handshake();
  assert.is(c.sendClient(0, GET), VERDICT_REJECT);
  assert.ok(rig.blockedBy(1));
});

// -- raw-stream matches whose fast pattern and later keywords land in different TCP segments

/** Prefix, the pattern "MAGIC", then what the keywords after it read. */
const PRE = "hello there, here comes the thing: ";
const AFTER = "\x01\x02\x03\x04\x05\x06" + "\x00\x00\x02\x00" + "BOOM" + " and then some trailing text";
/** [what, rule options, one past the last byte after "MAGIC" the match depends on]. */
const SPLIT_RULES: Array<[string, string, number]> = [
  ["byte_test", 'content:"MAGIC"; byte_test:4,>,65536,6,relative,little;', 10],
  ["byte_extract", 'content:"MAGIC"; byte_extract:1,13,v,relative;', 14],
  ["byte_jump", 'content:"MAGIC"; byte_jump:1,1,relative,post_offset 13;', 17],
  ["isdataat", 'content:"MAGIC"; isdataat:14,relative;', 14],
  ["relative content", 'content:"MAGIC"; content:"BOOM"; distance:10; within:4;', 14],
  ["relative content without within", 'content:"MAGIC"; content:"BOOM"; distance:0;', 14],
  ["relative pcre", 'content:"MAGIC"; pcre:"/^.{10}BOOM/Rs";', 14],
];

test("raw stream: a fast pattern in an older segment and the bytes its keywords test in a later one — detected exactly once at every split", () => {
  const data = PRE + "MAGIC" + AFTER;
  const from = PRE.length + 1;
  for (const [what, opts, reach] of SPLIT_RULES) {
    const last = PRE.length + 5 + reach;
    const rig = new IpsRig(`alert tcp any any -> any 9999 (msg:"split"; flow:to_server; ${opts} sid:1;)`);
    const missed: string[] = [];
    for (let cut = from; cut <= data.length - 1; cut++) {
      const c = new TcpConversation(rig, { dport: 9999 });
      c.handshake();
      c.sendClientPieces(0, data, [cut]);
      const n = count(rig, 1);
      const at = rig.alerts.find((a) => a.sid === 1)?.packet;
      // the alert comes with the packet that completed the match: the second one when the cut is before `last`
      const want = cut < last ? 4 : 3;
      if (n !== 1 || at !== want) missed.push(`cut ${cut}: ${n} alerts, packet ${at}`);
      rig.reset();
    }
    assert.equal(missed, [], what);
  }
});

test("raw stream: the keywords' bytes spread over many 1-byte segments after the pattern — still exactly one alert", () => {
  for (const [what, opts] of SPLIT_RULES) {
    const rig = new IpsRig(`alert tcp any any -> any 9999 (flow:to_server; ${opts} sid:1;)`);
    const c = new TcpConversation(rig, { dport: 9999 });
    c.handshake();
    const data = PRE + "MAGIC" + AFTER;
    const cuts: number[] = [];
    for (let i = PRE.length + 5; i < data.length; i++) cuts.push(i);
    c.sendClientPieces(0, data, cuts);
    assert.is(count(rig, 1), 1, what);
  }
});

test("raw stream: a match lying entirely in older bytes is not alerted again when more data arrives", () => {
  for (const [what, opts] of SPLIT_RULES) {
    const rig = new IpsRig(`alert tcp any any -> any 9999 (flow:to_server; ${opts} sid:1;)`);
    const c = new TcpConversation(rig, { dport: 9999 });
    c.handshake();
    let off = 0;
    for (const piece of [PRE + "MAGIC" + AFTER, "more bytes ", "and ", "x", "yet more".repeat(20)]) {
      c.sendClient(off, piece);
      off += piece.length;
    }
    assert.is(count(rig, 1), 1, what);
    assert.is(rig.alerts[0].packet, 3, what + ": on the packet that had it");
  }
});

test("streamLookback: how far past the fast pattern a packet signature reads, capped", () => {
  const look = (opts: string): number => {
    const b = buildRuleSet([{ file: "t.rules", text: `alert tcp any any -> any any (${opts} sid:1;)` }]);
    assert.equal(b.problems, []);
    return streamLookback(b.ruleSet.signatures[0]);
  };
  assert.is(look('content:"MAGIC";'), 0);
  assert.is(look('content:"MAGIC"; byte_test:4,>,65536,35,relative,little;'), 39);
  assert.is(look('content:"MAGIC"; content:"BOOM"; distance:10; within:4;'), 14);
  assert.is(look('content:"MAGIC"; isdataat:20,relative;'), 20);
  assert.is(look('content:"AB"; content:"MAGIC"; distance:0; byte_test:1,=,1,2,relative;'), 3);
  assert.is(look('content:"MAGIC"; pcre:"/x/R";'), MAX_STREAM_LOOKBACK);
  assert.is(look('content:"MAGIC"; content:"X";'), MAX_STREAM_LOOKBACK);
  assert.is(look('content:"MAGIC"; byte_jump:2,0,relative;'), MAX_STREAM_LOOKBACK);
  assert.is(look('flow:no_stream; content:"MAGIC"; pcre:"/x/R";'), 0);
});

test("ms17-010 pack: the NT_TRANSACT header cut anywhere between |FF|SMB|A0| and TotalDataCount is blocked exactly once", () => {
  const rules = readFileSync(new URL("../../rules/packs/vpatch/ms17-010/ms17-010.rules", import.meta.url), "utf8");
  const rig = new IpsRig(rules);
  const nt = nbss(ntTrans({ func: 0, mid: 0x40, params: new Uint8Array(30), data: new Uint8Array(0x3e8).fill(0x41), totalData: 0x10fe8, maxParams: 30 }));
  const hdr = 4; // the SMB header follows the NetBIOS header
  assert.equal(Array.from(nt.subarray(hdr, hdr + 5)), [0xff, 0x53, 0x4d, 0x42, 0xa0]);
  const failures: string[] = [];
  for (let cut = hdr + 1; cut <= hdr + 44; cut++) {
    const c = new TcpConversation(rig, { dport: 445 });
    c.handshake();
    const neg = nbss(negotiate1());
    c.sendClient(0, neg);
    c.sendServer(0, nbss(response1(0x72)));
    const v = c.sendClientPieces(neg.length, nt, [cut]);
    const n = rig.alerts.filter((a) => a.sid === 7100002).length;
    if (n !== 1 || v[1] === 0 || !rig.blockedBy(7100002)) failures.push(`cut ${cut}: ${n} alerts, verdicts ${v}`);
    rig.reset();
  }
  assert.equal(failures, []);
});

test.run();
