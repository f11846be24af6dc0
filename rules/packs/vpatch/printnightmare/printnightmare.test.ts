/**
 * Traffic tests of the printnightmare virtual patch (sids 7101010–7101017) against the whole pack.
 *
 * Traffic: captured with tcpdump by traffic/capture.sh in network namespaces (tsv-rpc-cli 198.18.2.1
 * → tsv-rpc-srv 198.18.2.2); the clients are traffic/rpc_client.py, impacket 0.10's rprn and par
 * modules, the server impacket's SimpleSMBServer with \spoolss forwarded to traffic/rpc_server.py (a
 * DCERPC endpoint that accepts every bind and faults every call, as no Windows spooler is available
 * here; the request bytes are what the patch must block):
 * - rprn-unc-smb2.pcap: RpcAddPrinterDriverEx over \spoolss (SMB2) as cube0x0's CVE-2021-1675.py
 *   sends it: pName NULL, DataFile "\\198.18.2.1\share\nightmare.dll", flags 0x8014.
 * - rprn-warned-flag-smb1-frag.pcap: the PoC's second stage: local paths only (the copied DLL as
 *   ConfigFile), flags 0x8010, pName "\\198.18.2.2", over SMB1 in 64-byte DCERPC fragments.
 * - par-slash-tcp.pcap: MS-PAR RpcAsyncAddPrinterDriver over DCERPC/TCP, DataFile
 *   "//198.18.2.1/share/nightmare.dll", flags 0x14 (no warned-driver flag).
 * - benign-spoolss.pcap: RpcEnumPrinters, RpcOpenPrinter("\\198.18.2.2\OfficePrinter") and an
 *   administrator's RpcAddPrinterDriverEx with files in the driver directory, flags 0x14.
 * The NT-namespace variant ("\??\UNC\10.1.1.1\s\…") is the captured rprn-unc conversation with the
 * UTF-16 path replaced in place by one of the same length.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replay } from "../../testing.ts";
import { assertRpcBenign, assertRpcBlocked, replaySegmented, tcpMessages } from "../../dcerpc.testing.ts";

const dir = "rules/packs/vpatch/printnightmare/traffic/";

function utf16(s: string): Uint8Array {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) b[2 * i] = s.charCodeAt(i);
  return b;
}

function replaceAll(data: Uint8Array, from: Uint8Array, to: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + from.length <= data.length; i++) {
    let same = true;
    for (let j = 0; j < from.length && same; j++) same = data[i + j] === from[j];
    if (same) {
      data.set(to, i);
      n++;
    }
  }
  return n;
}

test("cube0x0-style RpcAddPrinterDriverEx with a UNC data file over SMB2 is blocked", () => {
  assertRpcBlocked(dir + "rprn-unc-smb2.pcap", 7101010);
});

test("local paths with APD_INSTALL_WARNED_DRIVER over SMB1, in DCERPC fragments, are blocked", () => {
  assertRpcBlocked(dir + "rprn-warned-flag-smb1-frag.pcap", 7101016, true);
});

test("MS-PAR RpcAsyncAddPrinterDriver with a //host/share path over TCP is blocked, in any segmentation", () => {
  const rig = packRig();
  replay(rig, dir + "par-slash-tcp.pcap");
  assert.ok(rig.blockedBy(7101013) || rig.blockedBy(7101014));
  const conv = tcpMessages(dir + "par-slash-tcp.pcap");
  for (const [piece, reverse] of [[1, false], [16, true]] as const) {
    const r = packRig();
    replaySegmented(r, conv, piece, reverse);
    assert.ok(r.alertSids().some((s) => s === 7101013 || s === 7101014), `piece ${piece}`);
    assert.ok(r.droppedCount() > 0);
  }
});

test("the NT-namespace form \\??\\UNC\\host\\share is blocked", () => {
  const conv = tcpMessages(dir + "rprn-unc-smb2.pcap");
  let n = 0;
  for (const m of conv.messages) {
    if (m.fromClient) n += replaceAll(m.data, utf16("\\\\198.18.2.1\\share\\"), utf16("\\??\\UNC\\10.1.1.1\\s\\"));
  }
  assert.is(n, 1);
  const rig = packRig();
  replaySegmented(rig, conv, 100);
  assert.ok(rig.blockedBy(7101012));
});

test("normal spoolss traffic (EnumPrinters, OpenPrinter, an admin driver install) raises nothing", () => {
  assertRpcBenign(dir + "benign-spoolss.pcap", 7);
});

test.run();
