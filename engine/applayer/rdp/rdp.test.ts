import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { BUF_RDP_CHANNEL, BUF_RDP_COOKIE, bufferByName } from "../../detect/buffers.ts";
import { PARSE_ERROR, PARSE_OK, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_RDP, ALPROTO_UNKNOWN } from "../proto.ts";
import { ascii, feed, le16, le32, Rec } from "../smb/testing.ts";
import { tcpConversations } from "../stream-fixture.ts";
import { A_RDP_TOO_MANY_CHANNELS, probeRdp, PROTOCOL_HYBRID, PROTOCOL_RDP, PROTOCOL_SSL, RdpParser } from "./rdp.ts";

// -- builders (MS-RDPBCGR 2.2.1.1 / 2.2.1.2 / 2.2.1.3), cold, tests only
const tpkt = (x: number[]) => [3, 0, (x.length + 4) >> 8, (x.length + 4) & 255, ...x];
function cr(cookie: string | null, protocols: number): number[] {
  const v = [...(cookie === null ? [] : ascii(`Cookie: mstshash=${cookie}\r\n`)), 1, 0, 8, 0, ...le32(protocols)];
  return tpkt([6 + v.length, 0xe0, 0, 0, 0, 0, 0, ...v]);
}
const cc = (selected: number) => tpkt([14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, ...le32(selected)]);
function connectInitial(channels: string[], declared = channels.length): number[] {
  const core = [...le16(0xc001), ...le16(24), ...le32(0x00080004), ...le16(1024), ...le16(768), ...le16(0xca01), ...le16(0xaa03), ...le32(0x409), ...le32(2600)];
  const net = [...le16(0xc003), ...le16(8 + 12 * channels.length), ...le32(declared)];
  for (const c of channels) net.push(...ascii(c.padEnd(8, "\0").slice(0, 8)), ...le32(0x80800000));
  const blocks = [...core, ...net];
  const gcc = [0, 8, 0, 0x10, 0, 1, 0xc0, 0, ...ascii("Duca"), 0x80 | (blocks.length >> 8), blocks.length & 255, ...blocks];
  const user = [0, 5, 0, 0x14, 0x7c, 0, 1, 0x80 | (gcc.length >> 8), gcc.length & 255, ...gcc];
  const ber = [4, 1, 1, 4, 1, 1, 1, 1, 0xff, 4, 0x82, user.length >> 8, user.length & 255, ...user];
  return tpkt([2, 0xf0, 0x80, 0x7f, 0x65, 0x82, ber.length >> 8, ber.length & 255, ...ber]);
}
const u8 = (a: number[]) => new Uint8Array(a);

test("probe: X.224 CR and CC in TPKT; not RDP", () => {
  const b = u8(cr("bob", 0));
  assert.is(probeRdp(0, b, 0, b.length), ALPROTO_RDP);
  assert.is(probeRdp(1, u8(cc(0)), 0, 19), ALPROTO_RDP);
  assert.is(probeRdp(0, b, 0, 3), PROBE_NEED_MORE);
  assert.is(probeRdp(0, u8(ascii("SSH-2.0-x\r\n")), 0, 11), ALPROTO_UNKNOWN);
});

test("rdp.channel is a registered buffer name", () => {
  assert.is(bufferByName("rdp.channel"), BUF_RDP_CHANNEL);
});

test("standard RDP security: cookie, requested/selected protocols, MCS channels incl. MS_T120; byte-at-a-time same", () => {
  const run = (piece: number) => {
    const p = new RdpParser({ slots: 2 });
    const s = p.open();
    const sink = new Rec();
    assert.is(feed(p, s, 0, u8(cr("eltons", PROTOCOL_RDP)), sink, piece), PARSE_OK);
    assert.is(feed(p, s, 1, u8(cc(PROTOCOL_RDP)), sink, piece), PARSE_OK);
    assert.is(feed(p, s, 0, u8(connectInitial(["rdpdr", "rdpsnd", "MS_T120", "cliprdr"])), sink, piece), PARSE_OK);
    assert.is(p.requestedProtocols[s], 0);
    assert.is(p.selectedProtocol[s], 0);
    assert.is(p.clientBuild[s], 2600);
    assert.is(p.channelName(s, 2), "MS_T120");
    assert.is(p.cookieText(s), "eltons");
    return sink;
  };
  const w = run(0);
  assert.equal(w.seen[0].bufs.get(BUF_RDP_COOKIE), ["eltons"]);
  assert.is(w.seen[1].dir, 1);
  const mcs = w.seen[2];
  assert.is(mcs.txId, 1);
  assert.equal(mcs.bufs.get(BUF_RDP_CHANNEL), ["rdpdr", "rdpsnd", "MS_T120", "cliprdr"]);
  assert.is(run(1).summary(), w.summary());
  assert.is(run(9).summary(), w.summary());
});

test("TLS/CredSSP selected: the rest is encrypted and ignored", () => {
  const p = new RdpParser({ slots: 1 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(cr(null, PROTOCOL_SSL | PROTOCOL_HYBRID)), sink);
  feed(p, s, 1, u8(cc(PROTOCOL_HYBRID)), sink);
  assert.is(p.requestedProtocols[s], 3);
  assert.is(p.selectedProtocol[s], PROTOCOL_HYBRID);
  assert.is(feed(p, s, 0, u8([0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5]), sink), PARSE_OK, "TLS bytes not parsed");
  assert.is(sink.seen.length, 2);
  assert.not.ok(sink.seen[0].bufs.has(BUF_RDP_COOKIE));
});

test("too many channels raises; not TPKT gives PARSE_ERROR; pool exhaustion", () => {
  const p = new RdpParser({ slots: 1, maxChannels: 2 });
  const s = p.open();
  const sink = new Rec();
  feed(p, s, 0, u8(cr("x", 0)), sink);
  feed(p, s, 1, u8(cc(0)), sink);
  feed(p, s, 0, u8(connectInitial(["a", "b", "MS_T120"])), sink);
  assert.ok(sink.events.includes(A_RDP_TOO_MANY_CHANNELS));
  assert.is(p.channelCount[s], 2);
  assert.is(p.open(), -1);
  assert.is(p.exhausted, 1);
  p.close(s);
  const t = p.open();
  assert.is(p.parse(t, 0, u8(ascii("GET / HTTP/1.1")), 0, 14, sink), PARSE_ERROR);
  assert.ok(RdpParser.bytesPerSlot() > 0);
});

test("fuzz: arbitrary and mutated input never throws", () => {
  const good = [...cr("fuzz", 0), ...connectInitial(["MS_T120", "rdpdr"])];
  const p = new RdpParser({ slots: 1, maxPdu: 64 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.integer({ min: 1, max: 50 }), (rnd, muts, piece) => {
      const sink = new Rec();
      let s = p.open();
      feed(p, s, 0, u8([3, 0, 0, 40, ...rnd]), sink, piece);
      p.close(s);
      const m = good.slice();
      for (const [i, v] of muts) m[i] = v;
      s = p.open();
      feed(p, s, 0, u8(m), sink, piece);
      feed(p, s, 1, u8(m), sink, piece);
      p.close(s);
    }),
    { numRuns: 500 },
  );
});

const dir = corpusDir();
if (dir !== null) {
  test("corpus nDPI rdp.pcap: requested protocols 0x0b, CredSSP selected, parser stops", () => {
    const [conv] = tcpConversations(join(dir, "ndpi", "rdp.pcap"));
    const p = new RdpParser();
    const s = p.open();
    const sink = new Rec();
    for (const seg of conv.segments) assert.is(feed(p, s, seg.dir, seg.data, sink), PARSE_OK);
    assert.is(p.requestedProtocols[s], 0x0b);
    assert.ok(p.selectedProtocol[s] > 0);
    assert.is(sink.seen.length, 2);
  });
}

test.run();
