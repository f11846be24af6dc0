import { test } from "uvu";
import * as assert from "uvu/assert";
import { ether, icmpPacket, parseIp, tcpPacket, udpPacket } from "../../datapath/craft.ts";
import type { TcpOpts } from "../../datapath/craft.ts";
import { A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ, A_STREAM_RST_INVALID } from "../anomaly.ts";
import { defaultEngineConfig } from "../config.ts";
import type { FlowConfig } from "../config.ts";
import { EV_FLOW, EventRing } from "../events.ts";
import { Decoder } from "../decode/decoder.ts";
import { LINK_ETHERNET, Packet } from "../packet.ts";
import {
  DIR_TOCLIENT,
  DIR_TOSERVER,
  FLOW_END_EVICTED,
  FLOW_END_FORCED,
  FLOW_END_SHUTDOWN,
  FLOW_END_TIMEOUT,
  FLOW_MIDSTREAM,
  FLOW_PREEXISTING,
  FLOW_STATE_CLOSED,
  FLOW_STATE_ESTABLISHED,
  FLOW_STATE_NEW,
  FlowTable,
  TCP_CLOSE_WAIT,
  TCP_CLOSED,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_LAST_ACK,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  TCP_TIME_WAIT,
} from "./table.ts";

// ---- packets: crafted bytes, decoded into the reused Packet view

const p = new Packet();

const decoder = new Decoder(defaultEngineConfig().decode);

/** Decodes a crafted Ethernet frame into the reused Packet view with the real decoder. */
function decode(frame: Uint8Array, tsUs: number): Packet {
  p.reset(frame, 0, frame.length);
  p.linkType = LINK_ETHERNET;
  p.tsUs = tsUs;
  decoder.decode(p);
  assert.is(p.decodeOk, 1, "crafted test packets decode cleanly");
  return p;
}

interface Seg {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  flags: string;
  seq?: number;
  ack?: number;
  win?: number;
  payload?: string;
  opts?: TcpOpts;
  vlans?: number[];
}
function tcp(s: Seg, tsUs = 1_000_000): Packet {
  return decode(ether(tcpPacket(s), s.vlans === undefined ? {} : { vlans: s.vlans }), tsUs);
}
function udp(src: string, dst: string, sport: number, dport: number, tsUs = 1_000_000, payload = "x", vlans?: number[]): Packet {
  return decode(ether(udpPacket({ src, dst, sport, dport, payload }), vlans === undefined ? {} : { vlans }), tsUs);
}
function icmp(src: string, dst: string, type: number, id: number, tsUs = 1_000_000): Packet {
  return decode(ether(icmpPacket({ src, dst, type, id, seq: 1 })), tsUs);
}

/** What the engine does per packet: look up, create when new, account. Returns the flow. */
function track(t: FlowTable, q: Packet): number {
  let f = t.lookup(q);
  if (f < 0) f = t.create(q);
  if (f >= 0) t.update(f, q, t.dir);
  return f;
}

function cfg(maxFlows = 1024): FlowConfig {
  const c = defaultEngineConfig().flow;
  c.maxFlows = maxFlows;
  return c;
}

function words(addr: string): Uint32Array {
  const { bytes } = parseIp(addr);
  const w = new Uint32Array(4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length / 4; i++) w[i] = dv.getUint32(4 * i);
  return w;
}

const C = "10.0.0.1", S = "10.0.0.2";
const SEC = 1_000_000;

/** A full handshake on a new table; returns [table, flow]. Client ISN 1000, server ISN 5000. */
function handshake(t: FlowTable, c = C, s = S, sport = 40000, dport = 80): number {
  const f = track(t, tcp({ src: c, dst: s, sport, dport, flags: "S", seq: 1000, opts: { wscale: 7, sackPerm: true } }));
  track(t, tcp({ src: s, dst: c, sport: dport, dport: sport, flags: "SA", seq: 5000, ack: 1001, opts: { wscale: 7 } }));
  track(t, tcp({ src: c, dst: s, sport, dport, flags: "A", seq: 1001, ack: 5001 }));
  return f;
}

// ---- lookup and keys

test("a packet and its reply find the same flow; dir says which way", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = track(t, udp(C, S, 5000, 53));
  assert.ok(f >= 0);
  assert.is(t.dir, DIR_TOSERVER);
  assert.is(t.lookup(udp(S, C, 53, 5000)), f);
  assert.is(t.dir, DIR_TOCLIENT);
  assert.is(t.lookup(udp(C, S, 5000, 53)), f);
  assert.is(t.dir, DIR_TOSERVER);
  assert.is(t.lookup(udp(C, S, 5001, 53)), -1);
  assert.is(t.lookup(udp(S, C, 5000, 53)), -1, "swapped ports with unswapped addresses are another flow");
});

test("IPv4, IPv6, VLANs and protocols make separate flows", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const a = track(t, udp(C, S, 1, 2));
  const b = track(t, udp("2001:db8::1", "2001:db8::2", 1, 2));
  const c = track(t, udp(C, S, 1, 2, SEC, "x", [10]));
  const d = track(t, udp(C, S, 1, 2, SEC, "x", [10, 20]));
  const e = track(t, udp(C, S, 1, 2, SEC, "x", [11]));
  const g = track(t, tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S" }));
  const ids = [a, b, c, d, e, g];
  assert.is(new Set(ids).size, 6, `flows ${ids}`);
  assert.is(t.stats.active, 6);
  assert.is(t.lookup(udp("2001:db8::2", "2001:db8::1", 2, 1)), b);
  assert.is(t.dir, DIR_TOCLIENT);
  assert.is(t.lookup(udp(S, C, 2, 1, SEC, "x", [10, 20])), d);
  assert.is(t.ipVersionOf(b), 6);
  assert.is(t.ipVersionOf(a), 4);
});

test("ICMP echo request and reply share a flow by id; errors get none", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = track(t, icmp(C, S, 8, 77));
  assert.is(t.lookup(icmp(S, C, 0, 77)), f);
  assert.is(t.dir, DIR_TOCLIENT);
  assert.is(t.lookup(icmp(S, C, 0, 78)), -1);
  const f6 = track(t, icmp("fe80::1", "fe80::2", 128, 5));
  assert.is(t.lookup(icmp("fe80::2", "fe80::1", 129, 5)), f6);
  // timestamp request/reply fold into one flow, separate from an echo with the same number as id
  const ts = track(t, icmp(C, S, 13, 0));
  assert.is(t.lookup(icmp(S, C, 14, 0)), ts);
  assert.is.not(track(t, icmp(C, S, 8, 13)), ts);
  for (const type of [3, 4, 5, 11, 12]) {
    assert.is(t.lookup(icmp(C, S, type, 0)), -1);
    assert.is(t.create(icmp(C, S, type, 0)), -1);
  }
  for (const type of [1, 2, 3, 4]) assert.is(t.create(icmp("fe80::1", "fe80::2", type, 0)), -1);
});

test("counters each way: packets and IP-length bytes; UDP becomes established on a reply", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const q = udp(C, S, 5000, 53, SEC, "hello");
  const len = q.ipLen;
  const f = track(t, q);
  assert.is(t.state[f], FLOW_STATE_NEW);
  track(t, udp(C, S, 5000, 53, 2 * SEC, "hello"));
  const r = udp(S, C, 53, 5000, 3 * SEC, "a much longer answer");
  const rlen = r.ipLen;
  track(t, r);
  assert.is(t.pkts[2 * f], 2);
  assert.is(t.pkts[2 * f + 1], 1);
  assert.is(t.bytes[2 * f], 2 * len);
  assert.is(t.bytes[2 * f + 1], rlen);
  assert.is(t.state[f], FLOW_STATE_ESTABLISHED);
  assert.is(t.startUs[f], SEC);
  assert.is(t.lastUs[f], 3 * SEC);
});

// ---- TCP state machine

test("handshake and client-first FIN teardown walk the states", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "S", seq: 1000, opts: { wscale: 7, sackPerm: true, ts: [1, 0] } }));
  assert.is(t.tcpState[f], TCP_SYN_SENT);
  assert.is(t.state[f], FLOW_STATE_NEW);
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "SA", seq: 5000, ack: 1001, opts: { wscale: 2 } }));
  assert.is(t.tcpState[f], TCP_SYN_RECV);
  assert.is(t.state[f], FLOW_STATE_NEW);
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "A", seq: 1001, ack: 5001 }));
  assert.is(t.tcpState[f], TCP_ESTABLISHED);
  assert.is(t.state[f], FLOW_STATE_ESTABLISHED);
  assert.is(t.tcp.isn[2 * f], 1000);
  assert.is(t.tcp.isn[2 * f + 1], 5000);
  assert.is(t.tcp.wscale[2 * f], 7);
  assert.is(t.tcp.wscale[2 * f + 1], 2);
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "PA", seq: 1001, ack: 5001, payload: "GET / HTTP/1.0\r\n\r\n" }));
  assert.is(t.tcp.nextSeq[2 * f], 1019);
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "FA", seq: 1019, ack: 5001 }));
  assert.is(t.tcpState[f], TCP_FIN_WAIT1);
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "A", seq: 5001, ack: 1020 }));
  assert.is(t.tcpState[f], TCP_FIN_WAIT2);
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "FA", seq: 5001, ack: 1020 }));
  assert.is(t.tcpState[f], TCP_TIME_WAIT);
  assert.is(t.state[f], FLOW_STATE_ESTABLISHED);
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "A", seq: 1020, ack: 5002 }));
  assert.is(t.tcpState[f], TCP_CLOSED);
  assert.is(t.state[f], FLOW_STATE_CLOSED);
  assert.is(t.flags[f] & FLOW_MIDSTREAM, 0);
});

test("a new SYN on a closed connection ends it (reason forced) and starts a new flow", () => {
  const ring = new EventRing(16);
  const t = new FlowTable(cfg(), ring);
  t.logFlows = true;
  const f = handshake(t);
  const id = t.flowId[f];
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "FA", seq: 1001, ack: 5001 }));
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "FA", seq: 5001, ack: 1002 }));
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "A", seq: 1002, ack: 5002 }));
  assert.is(t.tcpState[f], TCP_CLOSED);
  assert.is(ring.size, 0);
  const g = track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "S", seq: 90000 }));
  assert.ok(g >= 0);
  assert.is.not(t.flowId[g], id, "a new flow, with a new id");
  assert.is(t.tcpState[g], TCP_SYN_SENT);
  assert.is(t.pkts[2 * g], 1);
  assert.is(t.stats.reused, 1);
  assert.is(ring.size, 1);
  const e = ring.first();
  assert.is(ring.kind[e], EV_FLOW);
  assert.is(ring.flowId[e], id);
  assert.is(ring.code[e], FLOW_END_FORCED);
  // A SYN on a connection that is still open does not split it.
  const h = handshake(t, C, S, 40001, 80);
  assert.is(track(t, tcp({ src: C, dst: S, sport: 40001, dport: 80, flags: "S", seq: 1000 })), h);
});

test("server-first FIN goes through CLOSE_WAIT and LAST_ACK; crossing FINs through CLOSING", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = handshake(t);
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "FA", seq: 5001, ack: 1001 }));
  assert.is(t.tcpState[f], TCP_CLOSE_WAIT);
  track(t, tcp({ src: C, dst: S, sport: 40000, dport: 80, flags: "FA", seq: 1001, ack: 5002 }));
  assert.is(t.tcpState[f], TCP_LAST_ACK);
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "A", seq: 5002, ack: 1002 }));
  assert.is(t.tcpState[f], TCP_CLOSED);
  assert.is(t.state[f], FLOW_STATE_CLOSED);

  const g = handshake(t, C, S, 40001);
  track(t, tcp({ src: C, dst: S, sport: 40001, dport: 80, flags: "FA", seq: 1001, ack: 5001 }));
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40001, flags: "FA", seq: 5001, ack: 1001 }));
  assert.is(t.tcpState[g], TCP_CLOSING);
  track(t, tcp({ src: C, dst: S, sport: 40001, dport: 80, flags: "A", seq: 1002, ack: 5002 }));
  track(t, tcp({ src: S, dst: C, sport: 80, dport: 40001, flags: "A", seq: 5002, ack: 1002 }));
  assert.is(t.tcpState[g], TCP_CLOSED);
});

test("an in-window RST closes; an out-of-window RST is an anomaly and closes nothing", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = handshake(t);
  const bad = tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "R", seq: 5001 + 0x40000000 });
  track(t, bad);
  assert.is(t.tcpState[f], TCP_ESTABLISHED);
  assert.ok(Array.from(bad.anomalies.subarray(0, bad.anomalyCount)).includes(A_STREAM_RST_INVALID));
  const before = tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "R", seq: 4000 });
  track(t, before);
  assert.is(before.anomalyCount, 1);
  assert.is(t.tcpState[f], TCP_ESTABLISHED);
  const good = tcp({ src: S, dst: C, sport: 80, dport: 40000, flags: "R", seq: 5001 + 100 });
  track(t, good);
  assert.is(good.anomalyCount, 0);
  assert.is(t.tcpState[f], TCP_CLOSED);
  assert.is(t.state[f], FLOW_STATE_CLOSED);
});

test("a RST answering a SYN must acknowledge it", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = track(t, tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S", seq: 1000 }));
  const wrong = tcp({ src: S, dst: C, sport: 2, dport: 1, flags: "RA", seq: 0, ack: 999 });
  track(t, wrong);
  assert.is(t.tcpState[f], TCP_SYN_SENT);
  assert.is(wrong.anomalies[0], A_STREAM_RST_INVALID);
  track(t, tcp({ src: S, dst: C, sport: 2, dport: 1, flags: "RA", seq: 0, ack: 1001 }));
  assert.is(t.tcpState[f], TCP_CLOSED);
});

test("a SYN resent with another sequence number is an anomaly; the same one is not", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  track(t, tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S", seq: 1000 }));
  const same = tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S", seq: 1000 });
  track(t, same);
  assert.is(same.anomalyCount, 0);
  const diff = tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S", seq: 7777 });
  track(t, diff);
  assert.is(diff.anomalies[0], A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ);
  // ... also once the SYN/ACK has been seen
  const f = t.lookup(diff);
  track(t, tcp({ src: S, dst: C, sport: 2, dport: 1, flags: "SA", seq: 1, ack: 7778 }));
  assert.is(t.tcpState[f], TCP_SYN_RECV);
  const late = tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S", seq: 1000 });
  track(t, late);
  assert.is(late.anomalies[0], A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ);
});

test("a flow picked up midstream starts established and learns sequence numbers", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  const f = track(t, tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "PA", seq: 9000, ack: 100, payload: "abc" }));
  assert.is(t.tcpState[f], TCP_ESTABLISHED);
  assert.is(t.state[f], FLOW_STATE_ESTABLISHED);
  assert.ok((t.flags[f] & FLOW_MIDSTREAM) !== 0);
  assert.is(t.tcp.nextSeq[2 * f], 9003);
  track(t, tcp({ src: S, dst: C, sport: 2, dport: 1, flags: "A", seq: 100, ack: 9003 }));
  track(t, tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "R", seq: 9003 }));
  assert.is(t.tcpState[f], TCP_CLOSED);
});

// ---- timeouts, events, flush

test("timeouts per state: SYN_SENT, established, closed, UDP", () => {
  const c = cfg();
  const t = new FlowTable(c, new EventRing(64));
  t.logFlows = true;
  const syn = track(t, tcp({ src: C, dst: S, sport: 1, dport: 2, flags: "S", seq: 1 }, 0));
  const est = handshake(t, C, S, 3, 4);
  const closed = handshake(t, C, S, 5, 6);
  track(t, tcp({ src: C, dst: S, sport: 5, dport: 6, flags: "R", seq: 1001 }, SEC));
  const u = track(t, udp(C, S, 7, 8, SEC));
  assert.is(t.tcpState[closed], TCP_CLOSED);
  const all = 1e9;
  // handshake flows were seen at 1 s; SYN at 0
  assert.is(t.expire(c.tcp.synSent * SEC, all), 0, "at exactly the timeout nothing ends");
  assert.is(t.expire(c.tcp.synSent * SEC + 1, all), 1);
  assert.is(t.state[syn], 0);
  assert.is(t.expire(SEC + c.udp.new * SEC + 1, all), 1);
  assert.is(t.state[u], 0);
  assert.is(t.expire(SEC + c.tcp.closed * SEC + 1, all), 1);
  assert.is(t.state[closed], 0);
  assert.is.not(t.state[est], 0);
  assert.is(t.expire(SEC + c.tcp.established * SEC + 1, all), 1);
  assert.is(t.stats.active, 0);
  assert.is(t.stats.timeouts, 4);
  const ring = (t as unknown as { ring: EventRing }).ring;
  let n = 0;
  for (let i = ring.first(); i !== -1; i = ring.next(i)) {
    assert.is(ring.kind[i], EV_FLOW);
    assert.is(ring.code[i], FLOW_END_TIMEOUT);
    n++;
  }
  assert.is(n, 4);
});

test("expire is bounded by max and resumes where it stopped", () => {
  const t = new FlowTable(cfg(), new EventRing(16));
  for (let i = 0; i < 100; i++) track(t, udp(C, S, 1000 + i, 53, 0));
  assert.is(t.expire(1000 * SEC, 7), 7);
  let total = 7;
  for (let k = 0; k < 100 && t.stats.active > 0; k++) total += t.expire(1000 * SEC, 7);
  assert.is(total, 100);
  assert.is(t.stats.active, 0);
});

test("EV_FLOW records are oriented client -> server and carry counters, times, state, reason", () => {
  const ring = new EventRing(16);
  const t = new FlowTable(cfg(), ring);
  t.logFlows = true;
  // The server's reply arrives first in lookup order, but the flow was created by the client's SYN.
  const f = track(t, tcp({ src: "2001:db8::10", dst: "2001:db8::20", sport: 40000, dport: 443, flags: "S", seq: 1, vlans: [5] }, 2 * SEC));
  track(t, tcp({ src: "2001:db8::20", dst: "2001:db8::10", sport: 443, dport: 40000, flags: "SA", seq: 9, ack: 2, vlans: [5] }, 3 * SEC));
  track(t, tcp({ src: "2001:db8::10", dst: "2001:db8::20", sport: 40000, dport: 443, flags: "A", seq: 2, ack: 10, vlans: [5] }, 4 * SEC));
  t.appProto[f] = 3;
  t.application[f] = 9;
  const id = t.flowId[f];
  assert.is(t.flush(10), 1);
  const e = ring.first();
  assert.is(ring.kind[e], EV_FLOW);
  assert.is(ring.code[e], FLOW_END_SHUTDOWN);
  assert.is(ring.flowId[e], id);
  assert.is(ring.ipVersion[e], 6);
  assert.is(ring.proto[e], 6);
  assert.equal(Array.from(ring.src.subarray(4 * e, 4 * e + 4)), Array.from(words("2001:db8::10")));
  assert.equal(Array.from(ring.dst.subarray(4 * e, 4 * e + 4)), Array.from(words("2001:db8::20")));
  assert.is(ring.srcPort[e], 40000);
  assert.is(ring.dstPort[e], 443);
  assert.is(ring.vlan0[e], 5);
  assert.is(ring.vlanCount[e], 1);
  assert.is(ring.pktsToServer[e], 2);
  assert.is(ring.pktsToClient[e], 1);
  assert.is(ring.bytesToServer[e], 120);
  assert.is(ring.bytesToClient[e], 60);
  assert.is(ring.startUs[e], 2 * SEC);
  assert.is(ring.endUs[e], 4 * SEC);
  assert.is(ring.tsUs[e], 4 * SEC);
  assert.is(ring.state[e], FLOW_STATE_ESTABLISHED);
  assert.is(ring.appProto[e], 3);
  assert.is(ring.application[e], 9);
  assert.is(ring.tcpFlags[e], 0x12 | (0x12 << 8), "flags seen: toserver low byte, toclient high byte");
});

test("ICMP flow records carry the type and no ports", () => {
  const ring = new EventRing(4);
  const t = new FlowTable(cfg(), ring);
  t.logFlows = true;
  track(t, icmp(C, S, 8, 4242));
  track(t, icmp(S, C, 0, 4242));
  assert.is(t.flush(10), 1);
  const e = ring.first();
  assert.is(ring.proto[e], 1);
  assert.is(ring.icmpType[e], 8);
  assert.is(ring.srcPort[e], 0);
  assert.is(ring.pktsToClient[e], 1);
  assert.is(ring.state[e], FLOW_STATE_ESTABLISHED);
});

test("a full ring stops ending flows until drained; nothing is lost", () => {
  const ring = new EventRing(3);
  const t = new FlowTable(cfg(), ring);
  t.logFlows = true;
  for (let i = 0; i < 10; i++) track(t, udp(C, S, 2000 + i, 53, 0));
  assert.is(t.expire(1000 * SEC, 100), 3);
  assert.is(t.expire(1000 * SEC, 100), 0);
  assert.is(t.stats.active, 7);
  assert.is(ring.lost, 0, "a flow that could not be ended is not a lost event");
  const seen = new Set<number>();
  for (let k = 0; k < 10 && t.stats.active > 0; k++) {
    for (let i = ring.first(); i !== -1; i = ring.next(i)) seen.add(ring.srcPort[i]);
    ring.clear();
    t.flush(2);
  }
  for (let i = ring.first(); i !== -1; i = ring.next(i)) seen.add(ring.srcPort[i]);
  assert.is(t.stats.active, 0);
  assert.is(seen.size, 10);
  assert.is(t.flush(5), 0);
});

test("flush ends everything in bounded steps", () => {
  const ring = new EventRing(1000);
  const t = new FlowTable(cfg(), ring);
  t.logFlows = true;
  for (let i = 0; i < 50; i++) track(t, udp(C, S, 3000 + i, 53));
  let steps = 0;
  let total = 0;
  for (let n = t.flush(8); n > 0; n = t.flush(8)) {
    assert.ok(n <= 8);
    total += n;
    steps++;
  }
  assert.is(total, 50);
  assert.is(steps, 7);
  assert.is(ring.size, 50);
  assert.is(t.stats.ended, 50);
});

test("seedEstablished records a pre-existing connection both ways", () => {
  const t = new FlowTable(cfg(), new EventRing(4));
  const f = t.seedEstablished(4, words("192.168.1.5"), 50000, words("52.1.2.3"), 443, 6, 5 * SEC);
  assert.ok(f >= 0);
  assert.is(t.state[f], FLOW_STATE_ESTABLISHED);
  assert.is(t.tcpState[f], TCP_ESTABLISHED);
  assert.ok((t.flags[f] & FLOW_PREEXISTING) !== 0);
  assert.is(t.seedEstablished(4, words("192.168.1.5"), 50000, words("52.1.2.3"), 443, 6, 5 * SEC), f);
  const reply = tcp({ src: "52.1.2.3", dst: "192.168.1.5", sport: 443, dport: 50000, flags: "PA", seq: 77, ack: 88, payload: "x" });
  assert.is(t.lookup(reply), f);
  assert.is(t.dir, DIR_TOCLIENT);
  t.update(f, reply, t.dir);
  assert.is(t.tcpState[f], TCP_ESTABLISHED);
  assert.is(t.tcp.nextSeq[2 * f + 1], 78);
  const f6 = t.seedEstablished(6, words("2001:db8::1"), 1, words("2001:db8::2"), 2, 6, 0);
  assert.is(t.lookup(tcp({ src: "2001:db8::1", dst: "2001:db8::2", sport: 1, dport: 2, flags: "A" })), f6);
});

// ---- capacity

test("emergency eviction under a flood: capacity holds, evictions are counted and logged", () => {
  const ring = new EventRing(20_000);
  const t = new FlowTable(cfg(1024), ring);
  t.logFlows = true;
  let failed = 0;
  for (let i = 0; i < 10_000; i++) {
    const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const f = track(t, tcp({ src, dst: S, sport: 1024 + (i % 60000), dport: 80, flags: "S", seq: i }, SEC + i));
    if (f < 0) failed++;
    assert.ok(t.stats.active <= 1024);
  }
  assert.is(failed, 0);
  assert.is(t.stats.active, 1024);
  assert.is(t.stats.created, 10_000);
  assert.is(t.stats.evicted, 10_000 - 1024);
  assert.ok(t.stats.emergency);
  let evicted = 0;
  for (let i = ring.first(); i !== -1; i = ring.next(i)) if (ring.code[i] === FLOW_END_EVICTED) evicted++;
  assert.is(evicted, 10_000 - 1024);
  // Eviction prefers stale flows: the newest flow is still there.
  assert.ok(t.lookup(tcp({ src: "10.0.39.15", dst: S, sport: 1024 + 9999, dport: 80, flags: "S" })) >= 0);
  // Emergency ends once enough flows went away.
  t.expire(1e12, 1e9);
  assert.is(t.stats.active, 0);
  assert.not.ok(t.stats.emergency);
});

test("a full table with a full ring refuses new flows and counts memcap drops", () => {
  const ring = new EventRing(1);
  const t = new FlowTable(cfg(4), ring);
  t.logFlows = true;
  ring.push(EV_FLOW); // the consumer is behind
  for (let i = 0; i < 4; i++) assert.ok(track(t, udp(C, S, 100 + i, 53)) >= 0);
  assert.is(track(t, udp(C, S, 200, 53)), -1);
  assert.is(t.stats.memcapDrops, 1);
  assert.is(t.stats.active, 4);
  ring.clear();
  assert.ok(track(t, udp(C, S, 200, 53)) >= 0);
  assert.is(t.stats.evicted, 1);
});

test("flow ids are unique and positive below 2^53", () => {
  const t = new FlowTable(cfg(64), new EventRing(4));
  const ids = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const f = track(t, udp(C, S, i, 53, i));
    const id = t.flowId[f];
    assert.ok(id > 0 && id < 2 ** 53 && Number.isInteger(id));
    ids.add(id);
  }
  assert.is(ids.size, 5000);
});

test("1,000,000 flows fit in 256 MB (and about 161 bytes each)", () => {
  const t0 = performance.now();
  const t = new FlowTable(cfg(1_000_000), new EventRing(4));
  const ms = performance.now() - t0;
  assert.ok(t.memoryBytes <= 256 * 1024 * 1024, `${t.memoryBytes} bytes`);
  // 161 bytes since app control added the per-flow application function (one byte); guard at 168
  assert.ok(t.memoryBytes / 1_000_000 <= 168, `${t.memoryBytes / 1_000_000} bytes per flow`);
  assert.ok(ms < 2000, `construction took ${ms} ms`);
  // still works at that size
  const f = track(t, udp(C, S, 1, 2));
  assert.is(t.lookup(udp(S, C, 2, 1)), f);
});

test("hash chains stay intact as flows end in any order (heads, middles, tails; tagged bucket heads)", () => {
  const n = 512;
  const t = new FlowTable(cfg(n), new EventRing(4096));
  const frames = Array.from({ length: n }, (_, k) =>
    ether(udpPacket({ src: `10.${k >> 8}.${k & 255}.1`, dst: "10.200.0.1", sport: 1000 + k, dport: 53, payload: "q" })));
  // Flows are created in index order (so later ones head their chains), then each is seen once more in
  // a shuffled order: they time out in that order, which ends heads, middles and tails of chains alike.
  for (let k = 0; k < n; k++) assert.ok(track(t, decode(frames[k], 1_000_000)) >= 0);
  assert.is(t.stats.active, n);
  const order = Array.from({ length: n }, (_, k) => k);
  let seed = 12345;
  for (let k = n - 1; k > 0; k--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (k + 1);
    [order[k], order[j]] = [order[j], order[k]];
  }
  const seen = new Array<number>(n);
  order.forEach((k, rank) => {
    seen[k] = 2_000_000 + rank * 1000;
    track(t, decode(frames[k], seen[k]));
  });
  const timeout = cfg(n).udp.new * 1e6; // one direction seen: the flows stay "new"
  let alive = n;
  for (let rank = 0; rank < n; rank += 7) {
    const now = 2_000_000 + rank * 1000 + timeout + 500;
    t.expire(now, n);
    alive = 0;
    for (let k = 0; k < n; k++) {
      const live = seen[k] > 2_000_000 + rank * 1000;
      if (live) alive++;
      assert.is(t.lookup(decode(frames[k], now)) >= 0, live, `flow ${k} after ending ranks <= ${rank}`);
    }
    assert.is(t.stats.active, alive);
  }
  assert.is(alive, 0);
});

test.run();
