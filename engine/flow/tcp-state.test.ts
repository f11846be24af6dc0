import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  A_STREAM_3WHS_SYNACK_WITH_WRONG_ACK,
  A_STREAM_3WHS_WRONG_SEQ_WRONG_ACK,
  A_STREAM_RST_INVALID,
} from "../anomaly.ts";
import { Packet, TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../packet.ts";
import {
  SIDE_FIN,
  SIDE_FIN_ACKED,
  SIDE_SACK_PERM,
  SIDE_TS,
  SIDE_WSCALE,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_NONE,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  TcpTracker,
} from "./tcp-state.ts";

const p = new Packet();
function seg(flags: number, seq: number, ack = 0, o: { len?: number; win?: number; ws?: number; sack?: boolean; ts?: boolean } = {}): Packet {
  p.reset(new Uint8Array(0), 0, 0);
  p.proto = 6;
  p.tcpFlags = flags;
  p.tcpSeq = seq >>> 0;
  p.tcpAck = ack >>> 0;
  p.payloadLen = o.len ?? 0;
  p.tcpWin = o.win ?? 1000;
  p.tcpWscale = o.ws ?? -1;
  p.tcpSackPerm = o.sack ? 1 : 0;
  p.tcpHasTs = o.ts ? 1 : 0;
  return p;
}

/** Handshake on flow 0; returns the state after it. */
function open(t: TcpTracker, cIsn: number, sIsn: number, cWs = -1, sWs = -1): number {
  t.reset(0);
  let st = t.step(0, seg(TH_SYN, cIsn, 0, { ws: cWs, sack: true, ts: true }), 0, TCP_NONE);
  st = t.step(0, seg(TH_SYN | TH_ACK, sIsn, cIsn + 1, { ws: sWs }), 1, st);
  return t.step(0, seg(TH_ACK, cIsn + 1, sIsn + 1), 0, st);
}

test("the handshake records options only both sides can use", () => {
  const t = new TcpTracker(4);
  assert.is(open(t, 100, 200, 7, 3), TCP_ESTABLISHED);
  assert.ok((t.side[0] & SIDE_WSCALE) !== 0 && (t.side[1] & SIDE_WSCALE) !== 0);
  assert.ok((t.side[0] & SIDE_SACK_PERM) !== 0);
  assert.ok((t.side[0] & SIDE_TS) !== 0);
  assert.is(t.side[1] & SIDE_SACK_PERM, 0);
  t.step(0, seg(TH_ACK, 201, 101, { win: 10 }), 1, TCP_ESTABLISHED);
  assert.is(t.scaledWindow(0, 1), 80);
  // one side without window scaling: windows are not scaled
  open(t, 100, 200, 7, -1);
  t.step(0, seg(TH_ACK, 201, 101, { win: 10 }), 1, TCP_ESTABLISHED);
  assert.is(t.scaledWindow(0, 1), 10);
});

test("SYN/ACK with the wrong ack, and a final ACK with the wrong ack, are anomalies and change nothing", () => {
  const t = new TcpTracker(1);
  t.reset(0);
  let st = t.step(0, seg(TH_SYN, 100), 0, TCP_NONE);
  const bad = seg(TH_SYN | TH_ACK, 200, 555);
  st = t.step(0, bad, 1, st);
  assert.is(st, TCP_SYN_SENT);
  assert.is(bad.anomalies[0], A_STREAM_3WHS_SYNACK_WITH_WRONG_ACK);
  st = t.step(0, seg(TH_SYN | TH_ACK, 200, 101), 1, st);
  assert.is(st, TCP_SYN_RECV);
  const badAck = seg(TH_ACK, 101, 999);
  st = t.step(0, badAck, 0, st);
  assert.is(st, TCP_SYN_RECV);
  assert.is(badAck.anomalies[0], A_STREAM_3WHS_WRONG_SEQ_WRONG_ACK);
  assert.is(t.step(0, seg(TH_ACK, 101, 201), 0, st), TCP_ESTABLISHED);
});

test("sequence numbers wrap around 2^32", () => {
  const t = new TcpTracker(1);
  const isn = 0xfffffff0;
  assert.is(open(t, isn, 5), TCP_ESTABLISHED);
  t.step(0, seg(TH_ACK, isn + 1, 6, { len: 100 }), 0, TCP_ESTABLISHED);
  assert.is(t.nextSeq[0], (isn + 101) >>> 0);
  // an old retransmission does not move nextSeq back
  t.step(0, seg(TH_ACK, isn + 1, 6, { len: 10 }), 0, TCP_ESTABLISHED);
  assert.is(t.nextSeq[0], (isn + 101) >>> 0);
  // FIN just past the wrap, acked by the server
  let st = t.step(0, seg(TH_FIN | TH_ACK, isn + 101, 6), 0, TCP_ESTABLISHED);
  assert.is(st, TCP_FIN_WAIT1);
  assert.ok((t.side[0] & SIDE_FIN) !== 0);
  st = t.step(0, seg(TH_ACK, 6, isn + 102), 1, st);
  assert.ok((t.side[0] & SIDE_FIN_ACKED) !== 0);
});

test("RST validity follows the receiver's scaled window", () => {
  const t = new TcpTracker(1);
  open(t, 1000, 5000, 4, 4);
  t.step(0, seg(TH_ACK, 1001, 5001, { win: 100 }), 0, TCP_ESTABLISHED); // client offers 100 << 4 = 1600
  const inside = seg(TH_RST, 5001 + 1500);
  assert.is(t.step(0, inside, 1, TCP_ESTABLISHED), TCP_CLOSED);
  open(t, 1000, 5000, 4, 4);
  t.step(0, seg(TH_ACK, 1001, 5001, { win: 100 }), 0, TCP_ESTABLISHED);
  const outside = seg(TH_RST, 5001 + 1700);
  assert.is(t.step(0, outside, 1, TCP_ESTABLISHED), TCP_ESTABLISHED);
  assert.is(outside.anomalies[0], A_STREAM_RST_INVALID);
});

test.run();
