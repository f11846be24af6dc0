/**
 * Traffic tests of the bluekeep virtual patch (CVE-2019-0708): an MCS Connect Initial whose client
 * network data binds the MS_T120 channel is blocked (any case, any position in the channel list, PDU
 * cut into tiny TCP segments or IP fragments); real RDP clients' connection sequences raise nothing
 * from the whole pack.
 *
 * Where the traffic came from:
 * - traffic/nmap-rdp.pcap: nmap 7.93 rdp-enum-encryption and rdp-vuln-ms12-020 (a real RDP client
 *   implementation: X.224 Connection Requests for every security protocol, MCS Connect Initials with
 *   the channels rdpdr, cliprdr, rdpsnd) against traffic/rdp-listener.py, captured with tcpdump between
 *   network namespaces by traffic/capture.sh — benign.
 * - ../../../../../shared/corpus/ndpi/rdp.pcap (nDPI's test capture of a real Windows client: CredSSP
 *   negotiation, then TLS) — benign.
 * - The attacks: nmap's captured X.224 Connection Request and MCS Connect Initial with one channel
 *   definition renamed to MS_T120 (as the public BlueKeep scanners and the Metasploit module
 *   cve_2019_0708_bluekeep_rce do: after the MSRC advisory and the analyses by McAfee / Zerosum0x0, a
 *   client that lists "MS_T120" among its static channels), in nmap's framing and with case variants
 *   and a routing cookie, re-cut into 3-byte TCP segments and into IP fragments. There is no vulnerable
 *   server here and no public exploit installed; the bytes before the channel list are a real client's.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fragmentIp } from "../../../../datapath/craft.ts";
import { corpusDir } from "../../../../datapath/pcap/corpus.ts";
import { readAll } from "../../../../datapath/pcap/reader.ts";
import { TcpConversation } from "../../../../engine/ips.testing.ts";
import { packRig, replay } from "../../testing.ts";

const PCAP = "rules/packs/vpatch/bluekeep/traffic/nmap-rdp.pcap";
const SID = 7100200;

/** TCP payloads the client sent in the nmap capture, in order. */
function clientPayloads(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of readAll(PCAP)) {
    const f = r.data;
    if (f[12] !== 0x08 || f[23] !== 6) continue;
    const t = 14 + (f[14] & 0x0f) * 4;
    if (((f[t + 2] << 8) | f[t + 3]) !== 3389) continue;
    const total = (f[16] << 8) | f[17];
    const p = f.subarray(t + (f[t + 12] >> 4) * 4, 14 + total);
    if (p.length > 0) out.push(Uint8Array.from(p));
  }
  return out;
}

const hasAscii = (b: Uint8Array, s: string): number => {
  outer: for (let i = 0; i + s.length <= b.length; i++) {
    for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
};

/** nmap's X.224 Connection Request (standard RDP security) and its MCS Connect Initial. */
function nmapPdus(): { cr: Uint8Array; ci: Uint8Array } {
  const ps = clientPayloads();
  const ci = ps.find((p) => hasAscii(p, "Duca") >= 0);
  assert.ok(ci !== undefined, "the capture has a Connect Initial");
  const cr = ps[ps.indexOf(ci!) - 1];
  assert.is(cr[5] & 0xf0, 0xe0, "preceded by its X.224 Connection Request");
  return { cr, ci: ci! };
}

/** The Connect Initial with channel `from` renamed `to` (8-byte NUL-padded CHANNEL_DEF names). */
function rename(ci: Uint8Array, from: string, to: string): Uint8Array {
  const out = Uint8Array.from(ci);
  const at = hasAscii(out, from + "\0");
  assert.ok(at >= 0, `channel ${from} in the Connect Initial`);
  for (let k = 0; k < 8; k++) out[at + k] = k < to.length ? to.charCodeAt(k) : 0;
  return out;
}

/** Connection Confirm selecting standard RDP security (the parser then reads the Connect Initial). */
const CC = Uint8Array.of(3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 0, 0, 0, 0);

function connect(ci: Uint8Array, o: { cr?: Uint8Array; piece?: number; fragment?: number } = {}) {
  const rig = packRig();
  const { cr } = nmapPdus();
  const c = new TcpConversation(rig, { dport: 3389 });
  c.handshake();
  const req = o.cr ?? cr;
  c.sendClient(0, req);
  c.sendServer(0, CC);
  if (o.fragment !== undefined) {
    for (const f of fragmentIp(c.clientIp(req.length, ci), o.fragment)) rig.sendIp(f);
  } else if (o.piece !== undefined) {
    const cuts: number[] = [];
    for (let i = o.piece; i < ci.length; i += o.piece) cuts.push(i);
    c.sendClientPieces(req.length, ci, cuts);
  } else c.sendClient(req.length, ci);
  rig.finish();
  return rig;
}

test("MS_T120 in place of rdpsnd, nmap's framing: blocked", () => {
  const { ci } = nmapPdus();
  const rig = connect(rename(ci, "rdpsnd", "MS_T120"));
  assert.ok(rig.blockedBy(SID), JSON.stringify(rig.alerts));
  assert.equal(rig.alertSids(), [SID]);
});

test("case variants and position: ms_t120 first in the list, Ms_T120 in the middle: blocked", () => {
  const { ci } = nmapPdus();
  for (const [from, to] of [["rdpdr", "ms_t120"], ["cliprdr", "Ms_T120"], ["rdpsnd", "MS_t120"]]) {
    const rig = connect(rename(ci, from, to));
    assert.ok(rig.blockedBy(SID), `${to}: ${JSON.stringify(rig.alerts)}`);
  }
});

test("Connect Initial cut into 3-byte TCP segments, with a routing cookie in the Connection Request: blocked", () => {
  const { ci } = nmapPdus();
  // X.224 CR with "Cookie: mstshash=eltons" and an RDP_NEG_REQ for standard RDP (as the Metasploit module sends)
  const cookie = "Cookie: mstshash=eltons\r\n";
  const x224 = [0, 0xe0, 0, 0, 0, 0, 0, ...[...cookie].map((ch) => ch.charCodeAt(0)), 1, 0, 8, 0, 0, 0, 0, 0];
  x224[0] = x224.length - 1;
  const cr = Uint8Array.from([3, 0, 0, 4 + x224.length, ...x224]);
  const rig = connect(rename(ci, "cliprdr", "MS_T120"), { cr, piece: 3 });
  assert.ok(rig.blockedBy(SID), JSON.stringify(rig.alerts));
});

test("Connect Initial in 64-byte IP fragments: blocked", () => {
  const { ci } = nmapPdus();
  const rig = connect(rename(ci, "rdpdr", "MS_T120"), { fragment: 64 });
  assert.ok(rig.blockedBy(SID), JSON.stringify(rig.alerts));
});

test("not a channel name: MS_T120 elsewhere, or a longer name starting with it, is not matched", () => {
  const { ci } = nmapPdus();
  const rig = connect(rename(ci, "rdpsnd", "MS_T1200"));
  assert.equal(rig.alertSids(), []);
});

test("benign: nmap's RDP connection sequences (channels rdpdr, cliprdr, rdpsnd) raise nothing", () => {
  const rig = packRig();
  replay(rig, PCAP);
  assert.equal(rig.alertSids(), []);
  // the unmodified Connect Initial alone, in tiny segments, too
  const { ci } = nmapPdus();
  assert.equal(connect(ci, { piece: 5 }).alertSids(), []);
});

test("benign: nDPI's real Windows RDP client capture raises nothing", () => {
  const dir = corpusDir();
  if (dir === null) return;
  const rig = packRig();
  replay(rig, `${dir}/ndpi/rdp.pcap`);
  assert.equal(rig.alertSids(), []);
  assert.is(rig.verdicts.length, 20, "the whole capture was replayed");
});

test.run();
