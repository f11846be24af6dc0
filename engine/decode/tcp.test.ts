import { test } from "uvu";
import * as assert from "uvu/assert";
import { ipPacket, tcpPacket } from "../../datapath/craft.ts";
import {
  A_TCP_HLEN_TOO_SMALL,
  A_TCP_OPT_DUPLICATE,
  A_TCP_OPT_INVALID_LEN,
  A_TCP_PKT_TOO_SMALL,
} from "../anomaly.ts";
import { TH_ACK, TH_CWR, TH_ECE, TH_SYN } from "../packet.ts";
import { codes, decode, has } from "./testing.ts";


/** A 20-byte TCP header + options (padded by the caller to 4) + payload, inside IPv4. */
function rawTcp(opts: number[], payload = 0, dataOffset?: number): Uint8Array {
  const h = new Uint8Array(20 + opts.length + payload);
  h.set([0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0]);
  h[12] = (dataOffset ?? (20 + opts.length) / 4) << 4;
  h[13] = 0x02;
  h[14] = 0xff;
  h[15] = 0xff;
  h.set(opts, 20);
  return ipPacket("10.0.0.1", "10.0.0.2", 6, h);
}

test("header fields, flags with ECE/CWR/NS, payload", () => {
  const b = tcpPacket({
    src: "10.0.0.1", dst: "10.0.0.2", sport: 5555, dport: 80, flags: "SEC", seq: 0xfffffff0, ack: 7, win: 512, urp: 3, payload: "hey",
  });
  const p = decode(b);
  assert.is(p.srcPort, 5555);
  assert.is(p.dstPort, 80);
  assert.is(p.tcpSeq, 0xfffffff0);
  assert.is(p.tcpAck, 7);
  assert.is(p.tcpWin, 512);
  assert.is(p.tcpUrp, 3);
  assert.is(p.tcpFlags, TH_SYN | TH_ECE | TH_CWR);
  assert.is(p.tcpHdrLen, 20);
  assert.is(p.payloadOff, 40);
  assert.is(p.payloadLen, 3);
  const ns = b.slice();
  ns[20 + 12] |= 1;
  assert.is(decode(ns).tcpFlags & 0x100, 0x100);
});

test("options: MSS, window scale, SACK-permitted, timestamps, SACK blocks", () => {
  const syn = decode(tcpPacket({
    src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, flags: "S", opts: { mss: 1460, wscale: 7, sackPerm: true, ts: [100, 0], nops: true },
  }));
  assert.is(syn.tcpMss, 1460);
  assert.is(syn.tcpWscale, 7);
  assert.is(syn.tcpSackPerm, 1);
  assert.is(syn.tcpHasTs, 1);
  assert.is(syn.tcpTsVal, 100);
  assert.is(syn.tcpTsEcr, 0);
  assert.equal(codes(syn), []);
  const ack = decode(tcpPacket({
    src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, flags: "A", opts: { sack: [[10, 20], [30, 40]], nops: true },
  }));
  assert.is(ack.tcpSackBlocks, 2);
  assert.is(ack.tcpFlags, TH_ACK);
  assert.is(ack.tcpWscale, -1);
  assert.is(ack.tcpMss, 0);
});

test("option anomalies: bad lengths and duplicates (decode-tcp.c)", () => {
  assert.ok(has(decode(rawTcp([2, 3, 5, 1])), A_TCP_OPT_INVALID_LEN)); // MSS len 3
  assert.ok(has(decode(rawTcp([3, 4, 1, 1])), A_TCP_OPT_INVALID_LEN)); // WS len 4
  assert.ok(has(decode(rawTcp([8, 10, 0, 0])), A_TCP_OPT_INVALID_LEN)); // TS runs past the header
  assert.ok(has(decode(rawTcp([5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), A_TCP_OPT_INVALID_LEN)); // SACK not 2+8n
  assert.ok(has(decode(rawTcp([7, 1, 0, 0])), A_TCP_OPT_INVALID_LEN)); // length < 2
  assert.ok(has(decode(rawTcp([2, 4, 5, 0xb4, 2, 4, 5, 0xb4])), A_TCP_OPT_DUPLICATE));
  const dupWs = decode(rawTcp([3, 3, 2, 3, 3, 4, 1, 1]));
  assert.ok(has(dupWs, A_TCP_OPT_DUPLICATE));
  assert.is(dupWs.tcpWscale, 2); // the first one counts
  assert.equal(codes(decode(rawTcp([1, 1, 1, 0]))), []); // NOPs and EOL
});

test("header too small / too short", () => {
  const small = decode(rawTcp([], 0, 4));
  assert.ok(has(small, A_TCP_HLEN_TOO_SMALL));
  assert.is(small.decodeOk, 0);
  const past = decode(rawTcp([], 0, 10)); // says 40 bytes, 20 present
  assert.ok(has(past, A_TCP_HLEN_TOO_SMALL));
  const tiny = decode(ipPacket("10.0.0.1", "10.0.0.2", 6, new Uint8Array([0, 1, 0, 2, 0, 0])));
  assert.ok(has(tiny, A_TCP_PKT_TOO_SMALL));
  assert.is(tiny.decodeOk, 0);
  assert.is(tiny.dstPort, 2);
});

test.run();
