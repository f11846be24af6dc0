/**
 * Traffic tests of the ms08-067 virtual patch (sid 7101000) against the whole built-in pack.
 *
 * Traffic: captured with tcpdump by printnightmare/traffic/capture.sh in network namespaces
 * (tsv-rpc-cli 198.18.2.1 → tsv-rpc-srv 198.18.2.2), clients from printnightmare/traffic/rpc_client.py
 * using impacket 0.10's srvs module against impacket's SimpleSMBServer and its own \srvsvc server:
 * - canonicalize-smb2.pcap: NetprPathCanonicalize (opnum 31) over SMB2 with the path shape of
 *   Metasploit's ms08_067_netapi ("\AAAA…\..\..\BBBB…").
 * - compare-slash-smb1-frag.pcap: NetprPathCompare (opnum 32) over SMB1 with "/" separators and "."
 *   and empty components between the two ".." ("/xyz/.//..//./../windows/system32"), the request cut
 *   into 48-byte DCERPC fragments by impacket.
 * - benign-srvsvc.pcap: NetrShareEnum, NetrServerGetInfo and a NetprPathCanonicalize whose ".." stays
 *   inside the root ("\public\docs\..\reports\q3.txt").
 * - built here byte by byte (after MS-SRVS 3.1.4.30 and C706 chapter 12/14 NDR): srvsvc bind and
 *   NetprPathCanonicalize over DCERPC/TCP, little- and big-endian drep (Windows converts a big-endian
 *   request; its strings are UTF-16BE), with a ".." first in the path or after another "..".
 * The server faults the calls; the request bytes are what the patch must block. nmap's
 * smb-vuln-ms08-067 probe ("\AAAA…\..\n") does not climb above the root and is, rightly, not
 * blocked (it could not be captured against impacket's server either).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TcpConversation } from "../../../../engine/ips.testing.ts";
import { packRig } from "../../testing.ts";
import { assertRpcBenign, assertRpcBlocked, assertSegmentedBlocked, tcpMessages } from "../../dcerpc.testing.ts";

const dir = "rules/packs/vpatch/ms08-067/traffic/";
const SID = 7101000;

test("Metasploit-shaped NetprPathCanonicalize over SMB2 is blocked", () => {
  assertRpcBlocked(dir + "canonicalize-smb2.pcap", SID, true);
});

test("NetprPathCompare with / separators, . components, SMB1 and DCERPC fragments is blocked", () => {
  assertRpcBlocked(dir + "compare-slash-smb1-frag.pcap", SID);
});

test("the same attack in 5-byte TCP segments, and in reversed 64-byte segments, is blocked", () => {
  assertSegmentedBlocked(tcpMessages(dir + "canonicalize-smb2.pcap"), SID, [[5, false], [64, true]]);
});

/** A DCERPC/TCP srvsvc bind + NetprPathCanonicalize(ServerName "\\SRV", path, Prefix "") as bytes. */
function canonicalize(path: string, be: boolean): Uint8Array {
  const out: number[] = [];
  const u16 = (v: number) => (be ? [v >> 8, v & 255] : [v & 255, v >> 8]);
  const u32 = (v: number) => (be ? [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255] : [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24]);
  const str = (t: string) => {
    const n = t.length + 1;
    const b = [...u32(n), ...u32(0), ...u32(n)];
    for (const ch of t + "\0") b.push(...u16(ch.charCodeAt(0)));
    while (b.length % 4 !== 0) b.push(0);
    return b;
  };
  const pdu = (type: number, body: number[]) => {
    const len = 16 + body.length;
    return [5, 0, type, 3, be ? 0x00 : 0x10, 0, 0, 0, ...u16(len), 0, 0, ...u32(1), ...body];
  };
  // srvsvc 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0, NDR 8a885d04-1ceb-11c9-9fe8-08002b104860 v2
  const uuid = (a: number, b: number, c: number, rest: number[]) => [...u32(a), ...u16(b), ...u16(c), ...rest];
  const srvsvc = uuid(0x4b324fc8, 0x1670, 0x01d3, [0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88]);
  const ndr = uuid(0x8a885d04, 0x1ceb, 0x11c9, [0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60]);
  out.push(...pdu(11, [...u16(4280), ...u16(4280), ...u32(0), 1, 0, 0, 0, ...u16(0), 1, 0, ...srvsvc, ...u16(3), ...u16(0), ...ndr, ...u32(2)]));
  const stub = [...u32(0x20000), ...str("\\\\SRV"), ...str(path), ...u32(1000), ...str(""), ...u32(1), ...u32(0)];
  out.push(...pdu(0, [...u32(stub.length), ...u16(0), ...u16(31), ...stub]));
  return new Uint8Array(out);
}

test("built DCERPC/TCP requests, little- and big-endian, leading or repeated ..: blocked; inside the root: not", () => {
  const cases: [string, boolean, boolean][] = [
    ["\\AAAA\\..\\..\\BBBB", false, true],
    ["\\AAAA\\..\\..\\BBBB", true, true],
    ["\\..\\windows", false, true],
    ["\\..\\windows", true, true],
    ["../x", true, true],
    ["\\a\\b\\..\\c\\d..\\..\\e", false, false],
    ["\\a\\b\\..\\c\\d..\\..\\e", true, false],
  ];
  for (const [path, be, bad] of cases) {
    const rig = packRig();
    const c = new TcpConversation(rig, { dport: 49700 });
    c.handshake();
    c.sendClient(0, canonicalize(path, be));
    rig.finish();
    const what = `${path} ${be ? "big" : "little"}-endian`;
    if (bad) assert.ok(rig.blockedBy(SID), what);
    else assert.equal(rig.alertSids(), [], what);
  }
});

test("normal srvsvc traffic (share enumeration, a .. inside the root) raises nothing", () => {
  assertRpcBenign(dir + "benign-srvsvc.pcap", 3);
});

test.run();
