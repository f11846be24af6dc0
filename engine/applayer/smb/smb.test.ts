import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import {
  BUF_DCERPC_STUB_DATA,
  BUF_FILE_DATA,
  BUF_SMB_NAMED_PIPE,
  BUF_SMB_SHARE,
  FIELD_DCERPC_OPNUM,
  FIELD_SMB_COMMAND,
} from "../../detect/buffers.ts";
import { PARSE_OK, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_SMB, ALPROTO_UNKNOWN } from "../proto.ts";
import { tcpConversations } from "../stream-fixture.ts";
import type { Conversation } from "../stream-fixture.ts";
import {
  A_SMB_COMPRESSION_INVALID,
  A_SMB_FILE_OVERLAP,
  A_SMB_RECORD_OVERFLOW,
  A_SMB_TRANS_INCONSISTENT,
  A_SMB_TRANS_SECONDARY_MISMATCH,
  COMP_ALGORITHM,
  COMP_FIELDS,
  COMP_ORIGINAL_SIZE,
  FSCTL_PIPE_TRANSCEIVE,
  probeSmb,
  SMB1_COMMAND_BASE,
  SMB1_NT_TRANS,
  SMB1_TRANS2,
  SMB1_TRANS2_SECONDARY,
  SMB2_CREATE,
  SMB2_IOCTL,
  SMB2_TREE_CONNECT,
  SmbParser,
  TRANS_CMD,
  TRANS_DATA_COUNT,
  TRANS_FIELDS,
  TRANS_PRIMARY_CMD,
  TRANS_TOTAL_DATA,
} from "./smb.ts";
import { ascii, bind, feed, hex, le16, le32, Rec, request, SRVSVC, utf16, uuidLe } from "./testing.ts";
import { utf16leToUtf8 } from "./utf16.ts";

// -- builders (MS-SMB2 / MS-CIFS), cold, tests only
const nbss = (m: number[]) => [0, (m.length >> 16) & 255, (m.length >> 8) & 255, m.length & 255, ...m];
function h2(cmd: number, mid: number, o: { resp?: boolean; tree?: number; status?: number } = {}): number[] {
  return [
    0xfe, 0x53, 0x4d, 0x42, ...le16(64), ...le16(0), ...le32(o.status ?? 0), ...le16(cmd), ...le16(1),
    ...le32(o.resp ? 1 : 0), ...le32(0), ...le32(mid), ...le32(0), ...le32(0), ...le32(o.tree ?? 0),
    ...new Array(8).fill(0x11), ...new Array(16).fill(0),
  ];
}
const FID = [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
const treeReq = (mid: number, path: string) => h2(SMB2_TREE_CONNECT, mid).concat(le16(9), le16(0), le16(72), le16(path.length * 2), utf16(path));
const treeResp = (mid: number, tree: number, type: number) =>
  h2(SMB2_TREE_CONNECT, mid, { resp: true, tree }).concat(le16(16), type, 0, le32(0), le32(0), le32(0x1f01ff));
const createReq = (mid: number, tree: number, name: string) =>
  h2(SMB2_CREATE, mid, { tree }).concat(le16(57), 0, 0, le32(2), new Array(16).fill(0), le32(0x12019f), le32(0), le32(7), le32(1), le32(0), le16(120), le16(name.length * 2), le32(0), le32(0), utf16(name));
const createResp = (mid: number, tree: number, fid = FID) =>
  h2(SMB2_CREATE, mid, { resp: true, tree }).concat(le16(89), 0, 0, le32(1), new Array(32).fill(0), new Array(16).fill(0), le32(0x80), le32(0), fid, le32(0), le32(0));
const writeReq = (mid: number, tree: number, data: number[], at = 0, fid = FID) =>
  h2(9, mid, { tree }).concat(le16(49), le16(112), le32(data.length), le32(at), le32(0), fid, le32(0), le32(0), le16(0), le16(0), le32(0), data);
const ioctlReq = (mid: number, tree: number, data: number[]) =>
  h2(SMB2_IOCTL, mid, { tree }).concat(le16(57), le16(0), le32(FSCTL_PIPE_TRANSCEIVE), FID, le32(120), le32(data.length), le32(0), le32(0), le32(0), le32(1024), le32(1), le32(0), data);
const readReq = (mid: number, tree: number, at: number) =>
  h2(8, mid, { tree }).concat(le16(49), 0, 0, le32(1024), le32(at), le32(0), FID, le32(0), le32(0), le32(0), le16(0), le16(0), 0);
const readResp = (mid: number, data: number[]) => h2(8, mid, { resp: true }).concat(le16(17), 80, 0, le32(data.length), le32(0), le32(0), data);

function h1(cmd: number, mid: number, o: { resp?: boolean; tid?: number } = {}): number[] {
  return [0xff, 0x53, 0x4d, 0x42, cmd, ...le32(0), o.resp ? 0x98 : 0x18, ...le16(0xc807), 0, 0, ...new Array(8).fill(0), 0, 0, ...le16(o.tid ?? 0), ...le16(0xfeff), ...le16(0), ...le16(mid)];
}
function ntTrans(mid: number, totalData: number, dataCount: number): number[] {
  const words = [0, 0, 0, ...le32(0), ...le32(totalData), ...le32(0), ...le32(0), ...le32(0), ...le32(0), ...le32(dataCount), ...le32(dataCount ? 74 : 0), 0, ...le16(1)];
  return h1(SMB1_NT_TRANS, mid).concat([19], words, le16(dataCount + 1), [0], new Array(dataCount).fill(0x41));
}
function trans2Secondary(mid: number, td: number, dc: number, disp: number): number[] {
  const words = [...le16(0), ...le16(td), ...le16(0), ...le16(0), ...le16(0), ...le16(dc), ...le16(dc ? 54 : 0), ...le16(disp), ...le16(0)];
  return h1(SMB1_TRANS2_SECONDARY, mid).concat([9], words, le16(dc + 1), [0], new Array(dc).fill(0x42));
}
const u8 = (a: number[]) => new Uint8Array(a);

/** A whole SMB2 session over IPC$: tree connect, create srvsvc, DCERPC bind by write, request by ioctl. */
function srvsvcSession(): { c: Uint8Array; s: Uint8Array[] } {
  const c = [
    ...nbss(treeReq(1, "\\\\10.0.0.1\\IPC$")),
    ...nbss(createReq(2, 5, "srvsvc")),
    ...nbss(writeReq(3, 5, bind(2, [{ id: 0, uuid: SRVSVC, ver: 3 }]))),
    ...nbss(ioctlReq(4, 5, request(3, 0, 31, ascii("\\\\AAAA\\..\\..\\")))),
  ];
  return { c: u8(c), s: [u8(nbss(treeResp(1, 5, 2))), u8(nbss(createResp(2, 5)))] };
}

test("probe: NBSS + SMB1/2, session request, not SMB", () => {
  assert.is(probeSmb(0, u8(nbss(h2(0, 0))), 0, 68), ALPROTO_SMB);
  assert.is(probeSmb(0, u8(nbss(h1(0x72, 0))), 0, 36), ALPROTO_SMB);
  assert.is(probeSmb(0, u8([0, 0, 0]), 0, 3), PROBE_NEED_MORE);
  assert.is(probeSmb(0, u8(ascii("GET / HTTP/1.1")), 0, 14), ALPROTO_UNKNOWN);
});

test("UTF-16LE names become UTF-8 (BMP, surrogate pair, NUL stop)", () => {
  const out = new Uint8Array(32);
  const src = u8([...utf16("IPC$"), 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde, 0, 0, 0x41, 0]);
  const n = utf16leToUtf8(src, 0, src.length, out, 0, 32);
  assert.equal(Array.from(out.subarray(0, n)), [...ascii("IPC$"), 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
});

test("SMB2 over IPC$: share, named pipe, DCERPC iface/opnum/stub through write and ioctl; byte-at-a-time same", () => {
  const { c, s } = srvsvcSession();
  const treeReqLen = 4 + treeReq(1, "\\\\10.0.0.1\\IPC$").length;
  const createLen = 4 + createReq(2, 5, "srvsvc").length;
  const run = (piece: number) => {
    const p = new SmbParser({ slots: 2 });
    const slot = p.open();
    const sink = new Rec();
    feed(p, slot, 0, c.subarray(0, treeReqLen), sink, piece);
    feed(p, slot, 1, s[0], sink, piece);
    feed(p, slot, 0, c.subarray(treeReqLen, treeReqLen + createLen), sink, piece);
    feed(p, slot, 1, s[1], sink, piece);
    assert.is(feed(p, slot, 0, c.subarray(treeReqLen + createLen), sink, piece), PARSE_OK);
    assert.equal(p.pipeNames(slot), ["srvsvc"]);
    return sink;
  };
  const w = run(0);
  assert.equal(w.values(BUF_SMB_SHARE), ["\\\\10.0.0.1\\IPC$"]);
  assert.equal(w.values(BUF_SMB_NAMED_PIPE), ["srvsvc"]);
  assert.is(w.seen[0].fields[FIELD_SMB_COMMAND], SMB2_TREE_CONNECT);
  const last = w.seen[w.seen.length - 1];
  assert.is(last.fields[FIELD_SMB_COMMAND], SMB2_IOCTL);
  assert.is(last.fields[FIELD_DCERPC_OPNUM], 31);
  assert.is(last.iface, hex(uuidLe(SRVSVC)));
  assert.equal(last.bufs.get(BUF_DCERPC_STUB_DATA), ["\\\\AAAA\\..\\..\\"]);
  assert.equal(last.bufs.get(BUF_SMB_NAMED_PIPE), ["srvsvc"]);
  assert.equal(last.bufs.get(BUF_SMB_SHARE), ["\\\\10.0.0.1\\IPC$"]);
  assert.is(w.seen[0].txId, w.seen[1].txId, "request and response of the tree connect are one tx");
  assert.is(run(1).summary(), w.summary());
  assert.is(run(5).summary(), w.summary());
});

test("SMB2 file data: writes in offset order to file.data, overlap raises an event, reads too", () => {
  const p = new SmbParser({ slots: 1 });
  const slot = p.open();
  const sink = new Rec();
  feed(p, slot, 0, u8(nbss(treeReq(1, "\\\\srv\\share"))), sink);
  feed(p, slot, 1, u8(nbss(treeResp(1, 7, 1))), sink);
  feed(p, slot, 0, u8(nbss(createReq(2, 7, "a.txt"))), sink);
  feed(p, slot, 1, u8(nbss(createResp(2, 7))), sink);
  feed(p, slot, 0, u8(nbss(writeReq(3, 7, ascii("hello "), 0))), sink);
  feed(p, slot, 0, u8(nbss(writeReq(4, 7, ascii("world"), 6))), sink);
  feed(p, slot, 0, u8(nbss(writeReq(5, 7, ascii("wor"), 6))), sink);
  assert.equal(sink.values(BUF_FILE_DATA), ["hello ", "world"]);
  assert.ok(sink.events.includes(A_SMB_FILE_OVERLAP));
  assert.equal(sink.values(BUF_SMB_NAMED_PIPE), [], "not a pipe share");
  feed(p, slot, 0, u8(nbss(readReq(6, 7, 0))), sink);
  feed(p, slot, 1, u8(nbss(readResp(6, ascii("EICAR-ish")))), sink);
  assert.is(sink.seen[sink.seen.length - 1].bufs.get(BUF_FILE_DATA)![0], "EICAR-ish");
  assert.is(sink.seen[sink.seen.length - 1].dir, 1);
});

test("SMB3 compression transform (SMBGhost): header exposed, overflow and offset past the message raise", () => {
  const p = new SmbParser({ slots: 1 });
  const slot = p.open();
  const sink = new Rec();
  const ok = [0xfc, 0x53, 0x4d, 0x42, ...le32(100), ...le16(1), ...le16(0), ...le32(4), ...new Array(40).fill(0)];
  feed(p, slot, 0, u8(nbss(ok)), sink);
  assert.not.ok(sink.events.includes(A_SMB_COMPRESSION_INVALID));
  assert.is(p.compression[slot * COMP_FIELDS + COMP_ORIGINAL_SIZE], 100);
  assert.is(p.compression[slot * COMP_FIELDS + COMP_ALGORITHM], 1);
  const ghost = [0xfc, 0x53, 0x4d, 0x42, ...le32(0xffffffff), ...le16(1), ...le16(0), ...le32(0x10), ...new Array(40).fill(0)];
  feed(p, slot, 0, u8(nbss(ghost)), sink);
  assert.ok(sink.events.includes(A_SMB_COMPRESSION_INVALID));
  const s2 = new Rec();
  const past = [0xfc, 0x53, 0x4d, 0x42, ...le32(10), ...le16(1), ...le16(0), ...le32(1000), ...new Array(40).fill(0)];
  feed(p, slot, 0, u8(nbss(past)), s2, 3);
  assert.equal(s2.events, [A_SMB_COMPRESSION_INVALID]);
});

test("SMB1 EternalBlue shape: NT_TRANS continued by TRANS2_SECONDARY raises; counts exposed", () => {
  const p = new SmbParser({ slots: 1 });
  const slot = p.open();
  const sink = new Rec();
  feed(p, slot, 0, u8(nbss(ntTrans(0x41, 0x10000, 16))), sink);
  assert.equal(sink.events, [], "a consistent primary");
  const t = slot * TRANS_FIELDS;
  assert.is(p.trans[t + TRANS_TOTAL_DATA], 0x10000);
  assert.is(p.trans[t + TRANS_DATA_COUNT], 16);
  feed(p, slot, 0, u8(nbss(trans2Secondary(0x41, 0x1000, 8, 0xfff0))), sink);
  assert.ok(sink.events.includes(A_SMB_TRANS_SECONDARY_MISMATCH));
  assert.ok(sink.events.includes(A_SMB_TRANS_INCONSISTENT), "displacement + count > total");
  assert.is(p.trans[t + TRANS_CMD], SMB1_TRANS2_SECONDARY);
  assert.is(p.trans[t + TRANS_PRIMARY_CMD], SMB1_NT_TRANS);
  assert.is(sink.seen[0].fields[FIELD_SMB_COMMAND], SMB1_COMMAND_BASE + SMB1_NT_TRANS);
  // count larger than total
  const s2 = new Rec();
  feed(p, slot, 0, u8(nbss(ntTrans(0x42, 4, 16))), s2);
  assert.ok(s2.events.includes(A_SMB_TRANS_INCONSISTENT));
});

test("SMB1 interim response keeps the primary: a TRANS2 secondary after it is not a mismatch", () => {
  const p = new SmbParser({ slots: 1 });
  const slot = p.open();
  const sink = new Rec();
  const trans2 = (mid: number, td: number, dc: number): number[] => {
    const words = [...le16(0), ...le16(td), ...le16(0), ...le16(0xffff), 0, 0, ...le16(0), ...le32(0), ...le16(0), ...le16(0), ...le16(0), ...le16(dc), ...le16(dc ? 68 : 0), 1, 0, ...le16(8)];
    return h1(SMB1_TRANS2, mid).concat([15], words, le16(dc + 3), [0, 0, 0], new Array(dc).fill(0x41));
  };
  const interim = (cmd: number, mid: number) => h1(cmd, mid, { resp: true }).concat([0], le16(0));
  feed(p, slot, 0, u8(nbss(trans2(0x51, 100, 60))), sink);
  feed(p, slot, 1, u8(nbss(interim(SMB1_TRANS2, 0x51))), sink);
  feed(p, slot, 0, u8(nbss(trans2Secondary(0x51, 100, 40, 60))), sink);
  assert.equal(sink.events, [], "primary, interim response, matching secondary");
  // an NT_TRANS continued by a TRANS2 secondary after its interim response still raises
  feed(p, slot, 0, u8(nbss(ntTrans(0x52, 0x10000, 16))), sink);
  feed(p, slot, 1, u8(nbss(interim(SMB1_NT_TRANS, 0x52))), sink);
  feed(p, slot, 0, u8(nbss(trans2Secondary(0x52, 0x1000, 8, 16))), sink);
  assert.ok(sink.events.includes(A_SMB_TRANS_SECONDARY_MISMATCH));
});

test("records over maxRecord: inspected truncated, counted, framing kept", () => {
  const p = new SmbParser({ slots: 1, maxRecord: 256 });
  const slot = p.open();
  const sink = new Rec();
  feed(p, slot, 0, u8(nbss(treeReq(1, "\\\\s\\d"))), sink);
  feed(p, slot, 1, u8(nbss(treeResp(1, 7, 1))), sink);
  feed(p, slot, 0, u8(nbss(createReq(2, 7, "big.bin"))), sink);
  feed(p, slot, 1, u8(nbss(createResp(2, 7))), sink);
  const big = u8([...nbss(writeReq(3, 7, new Array(1000).fill(0x5a))), ...nbss(writeReq(4, 7, ascii("tail"), 1000))]);
  feed(p, slot, 0, big, sink, 100);
  assert.ok(sink.events.includes(A_SMB_RECORD_OVERFLOW));
  const fd = sink.values(BUF_FILE_DATA);
  assert.is(fd[0].length, 256 - 112);
  assert.is(fd[fd.length - 1], "tail");
});

test("gap: resynchronises on the next NBSS + SMB header", () => {
  const p = new SmbParser({ slots: 1 });
  const slot = p.open();
  const sink = new Rec();
  const a = u8(nbss(treeReq(1, "\\\\s\\x")));
  p.parse(slot, 0, a, 0, 20, sink);
  p.gap(slot, 0, 10);
  const rest = u8([...ascii("junkjunk"), ...nbss(treeReq(2, "\\\\s\\IPC$"))]);
  p.parse(slot, 0, rest, 0, rest.length, sink);
  assert.equal(sink.values(BUF_SMB_SHARE), ["\\\\s\\IPC$"]);
});

test("pool exhaustion; closing an SMB slot returns its pipes' DCERPC slots", () => {
  const p = new SmbParser({ slots: 1, dcerpc: { slots: 1 } });
  const s = p.open();
  assert.is(p.open(), -1);
  assert.is(p.exhausted, 1);
  const { c, s: sv } = srvsvcSession();
  const sink = new Rec();
  const tl = 4 + treeReq(1, "\\\\10.0.0.1\\IPC$").length;
  const cl = 4 + createReq(2, 5, "srvsvc").length;
  feed(p, s, 0, c.subarray(0, tl), sink);
  feed(p, s, 1, sv[0], sink);
  feed(p, s, 0, c.subarray(tl, tl + cl), sink);
  feed(p, s, 1, sv[1], sink);
  feed(p, s, 0, c.subarray(tl + cl), sink);
  assert.is(p.dcerpc.available(), 0);
  p.close(s);
  assert.is(p.dcerpc.available(), 1);
  assert.is(p.open(), s);
  assert.ok(SmbParser.bytesPerSlot() > 0);
});

test("fuzz: arbitrary and mutated input never throws", () => {
  const { c } = srvsvcSession();
  const good = [...c, ...nbss(ntTrans(1, 100, 16)), ...nbss(trans2Secondary(1, 10, 4, 2))];
  const p = new SmbParser({ slots: 1, maxRecord: 128, dcerpc: { slots: 2, maxPdu: 64 } });
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }),
      fc.integer({ min: 1, max: 64 }),
      (rnd, muts, piece) => {
        const sink = new Rec();
        let s = p.open();
        feed(p, s, 0, u8([0, 0, 0, 60, 0xfe, 0x53, 0x4d, 0x42, ...rnd]), sink, piece);
        feed(p, s, 1, rnd, sink, piece);
        p.close(s);
        const m = good.slice();
        for (const [i, v] of muts) m[i] = v;
        s = p.open();
        feed(p, s, 0, u8(m), sink, piece);
        feed(p, s, 1, u8(m), sink, piece);
        p.close(s);
      },
    ),
    { numRuns: 400 },
  );
});

// -- real traffic
const dir = corpusDir();
function runConv(conv: Conversation, piece: number): Rec {
  const p = new SmbParser();
  const slot = p.open();
  const sink = new Rec();
  for (const seg of conv.segments) feed(p, slot, seg.dir, seg.data, sink, piece);
  return sink;
}
const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

if (dir !== null) {
  const sv = join(dir, "suricata-verify");
  for (const name of ["smb-eicar-file", "smb-eicar-file-frames", "smb-eicar-file-nbss-more-ffsmb", "smb-eicar-file-segmentation-random"]) {
    test(`corpus ${name}: EICAR in file.data, share name; byte-at-a-time the same`, () => {
      const convs = tcpConversations(join(sv, name, "input.pcap")).filter((c) => c.serverPort === 445 || c.serverPort === 139);
      assert.ok(convs.length > 0);
      const whole = runConv(convs[0], 0);
      assert.ok(whole.values(BUF_FILE_DATA).some((v) => v.includes(EICAR)), "EICAR seen in file.data");
      assert.ok(whole.values(BUF_SMB_SHARE).some((v) => v.endsWith("\\PUBLIC")), whole.values(BUF_SMB_SHARE).join(","));
      assert.is(runConv(convs[0], 1).summary(), whole.summary());
    });
  }
  test("corpus dropped-flow-applayer-event-logged-dcerpc (SMB2, picked up midstream): ATSVC JobAdd", () => {
    const convs = tcpConversations(join(sv, "dropped-flow-applayer-event-logged-dcerpc", "input.pcap"));
    const w = runConv(convs[0], 0);
    const atsvc = hex(uuidLe("1ff70682-0a51-30e8-076d-740be8cee98b"));
    const rq = w.seen.find((x) => x.dir === 0 && x.iface !== "");
    assert.ok(rq, "a DCERPC request with an interface");
    assert.is(rq!.iface, atsvc);
    assert.is(rq!.fields[FIELD_DCERPC_OPNUM], 0);
    assert.ok(w.values(BUF_SMB_NAMED_PIPE).includes("atsvc"));
    assert.ok(w.seen.some((x) => x.dir === 1 && x.bufs.has(BUF_DCERPC_STUB_DATA)), "the response stub");
    assert.is(runConv(convs[0], 1).summary(), w.summary());
  });
  test("corpus nDPI smbv1.pcap: SMB1 tree connect to IPC$, TRANS2 counts recorded", () => {
    const convs = tcpConversations(join(dir, "ndpi", "smbv1.pcap"));
    const w = runConv(convs[0], 0);
    assert.ok(w.values(BUF_SMB_SHARE).includes("\\\\10.128.0.243\\IPC$"), w.values(BUF_SMB_SHARE).join(","));
    assert.ok(w.seen.some((x) => x.fields[FIELD_SMB_COMMAND] === SMB1_COMMAND_BASE + 0x32));
    assert.is(runConv(convs[0], 1).summary(), w.summary());
  });
}

test.run();
