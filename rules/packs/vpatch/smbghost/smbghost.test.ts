/**
 * Traffic tests of the smbghost virtual patch (CVE-2020-0796): SMB 3.1.1 compression transform headers
 * whose OriginalCompressedSegmentSize + Offset wraps 32 bits are blocked (either operand, either
 * direction — server and client are both vulnerable —, one TCP segment or cut into single bytes, a
 * message in the same segment as the one before it); real SMB 3.1.1 file copies and well-formed
 * compressed messages raise nothing from the whole pack.
 *
 * Where the traffic came from:
 * - ../ms17-010/traffic/smb3-copy.pcap: smbclient (SMB 3.1.1) listing, downloading and uploading files
 *   against Samba's smbd, captured with tcpdump between network namespaces by
 *   ../ms17-010/traffic/capture.sh — benign. (Samba does not implement SMB compression, so no real
 *   compressed traffic could be captured.)
 * - The compression transforms are built with ../../smb.testing.ts after MS-SMB2 2.2.42 and the
 *   public SMBGhost analyses (Microsoft ADV200005, ZecOps "Exploiting SMBGhost", the published DoS and
 *   LPE proofs of concept: OriginalCompressedSegmentSize 0xFFFFFFFF with a small Offset, or a huge
 *   Offset), after an SMB2 NEGOTIATE offering 3.1.1; no vulnerable Windows host or exploit tool is here.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type IpsRig, TcpConversation } from "../../../../engine/ips.testing.ts";
import { packRig, replay } from "../../testing.ts";
import { compressionChained, compressionTransform, concat, nbss, negotiate2 } from "../../smb.testing.ts";

const LZNT1 = 1;
// an LZNT1 chunk header + literal bytes: what a compressed SMB2 message body looks like on the wire
const COMPRESSED = Uint8Array.from([0x3f, 0xb0, ...new Array(64).fill(0x41)]);

function session(msg: Uint8Array, o: { toClient?: boolean; piece?: number; sameSegment?: boolean; prevent?: boolean } = {}): IpsRig {
  const rig = packRig({ prevent: o.prevent ?? true });
  const c = new TcpConversation(rig, { dport: 445 });
  c.handshake();
  const neg = nbss(negotiate2());
  const framed = nbss(msg);
  if (o.sameSegment === true) {
    c.sendClient(0, concat([neg, framed]));
  } else {
    c.sendClient(0, neg);
    const resp = Uint8Array.from(neg);
    resp[4 + 16] = 1; // SMB2_FLAGS_SERVER_TO_REDIR: the server's answer
    c.sendServer(0, resp);
    const base = o.toClient === true ? resp.length : neg.length;
    const cuts: number[] = [];
    if (o.piece !== undefined) for (let i = o.piece; i < framed.length; i += o.piece) cuts.push(i);
    if (o.toClient === true) c.sendServerPieces(base, framed, cuts);
    else c.sendClientPieces(base, framed, cuts);
  }
  rig.finish();
  return rig;
}

test("OriginalCompressedSegmentSize 0xFFFFFFFF (+ Offset 0x10 wraps): blocked by the parser event and the byte rule", () => {
  const rig = session(compressionTransform(0xffffffff, LZNT1, 0x10, concat([new Uint8Array(0x10), COMPRESSED])));
  assert.ok(rig.blockedBy(7100100) || rig.blockedBy(7100101), JSON.stringify(rig.alerts));
  assert.equal(rig.alertSids().filter((s) => s < 7100100 || s > 7100199), [], "nothing else fires");
  // each rule alone sees it too (detect mode: nothing is blocked, every rule reports)
  const d = packRig({ prevent: false });
  const c = new TcpConversation(d, { dport: 445 });
  c.handshake();
  c.sendClient(0, concat([nbss(negotiate2()), nbss(compressionTransform(0xffffffff, LZNT1, 0x10, concat([new Uint8Array(0x10), COMPRESSED])))]));
  d.finish();
  assert.equal(d.alertSids(), [7100100, 7100101]);
});

test("huge Offset (0xFFFFFFF0 + 0x1000 wraps) cut into 1-byte TCP segments: blocked", () => {
  const rig = session(compressionTransform(0x1000, LZNT1, 0xfffffff0, COMPRESSED), { piece: 1 });
  // whichever sees it first blocks: the byte rule (the raw-stream prefilter revisits "|FC|SMB" when the
  // bytes its byte_test needs arrive in later segments) or the parser's event rule
  assert.ok(rig.blockedBy(7100102) || rig.blockedBy(7100100), JSON.stringify(rig.alerts));
  // in detect mode (nothing ends inspection) both report it, cut into 1-byte segments or not
  const d = session(compressionTransform(0x1000, LZNT1, 0xfffffff0, COMPRESSED), { prevent: false });
  assert.equal(d.alertSids(), [7100100, 7100102]);
  const d1 = session(compressionTransform(0x1000, LZNT1, 0xfffffff0, COMPRESSED), { prevent: false, piece: 1 });
  assert.equal(d1.alertSids(), [7100100, 7100102]);
});

test("server to client (the SMB client is vulnerable too): a malicious response is blocked", () => {
  const rig = session(compressionTransform(0xfffffff0, 2, 0x100, concat([new Uint8Array(0x100), COMPRESSED])), { toClient: true });
  assert.ok(rig.blockedBy(7100100) || rig.blockedBy(7100101), JSON.stringify(rig.alerts));
});

test("the transform in the same TCP segment as the NEGOTIATE before it: blocked", () => {
  const rig = session(compressionTransform(0xffffffff, 3, 0x20, concat([new Uint8Array(0x20), COMPRESSED])), { sameSegment: true });
  assert.ok(rig.blockedBy(7100100) || rig.blockedBy(7100101), JSON.stringify(rig.alerts));
});

test("chained form whose payload length runs past the message: blocked by the parser event", () => {
  const bad = compressionChained(0x2000, [{ algorithm: LZNT1, data: COMPRESSED, originalSize: 0x2000 }]);
  // make the first payload header's Length claim far more than the message holds
  bad[8 + 4] = 0xff;
  bad[8 + 5] = 0xff;
  const rig = session(bad);
  assert.ok(rig.blockedBy(7100100), JSON.stringify(rig.alerts));
});

test("benign: well-formed compressed messages (unchained and chained) raise nothing", () => {
  const prefix = new Uint8Array(0x40).fill(0); // the SMB2 header sent uncompressed (Offset 0x40)
  assert.equal(session(compressionTransform(0x1000, LZNT1, 0x40, concat([prefix, COMPRESSED]))).alertSids(), []);
  assert.equal(session(compressionTransform(0x1000, LZNT1, 0x40, concat([prefix, COMPRESSED])), { piece: 3 }).alertSids(), []);
  const chained = compressionChained(0x1040, [{ algorithm: 0, data: prefix }, { algorithm: LZNT1, data: COMPRESSED, originalSize: 0x1000 }]);
  assert.equal(session(chained).alertSids(), []);
});

test("benign: a real SMB 3.1.1 file copy (smbclient ↔ smbd) raises nothing", () => {
  const rig = packRig();
  replay(rig, "rules/packs/vpatch/ms17-010/traffic/smb3-copy.pcap");
  assert.equal(rig.alertSids(), []);
  assert.ok(rig.verdicts.length > 50, "the capture was replayed");
});

test.run();
