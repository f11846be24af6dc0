/**
 * Traffic tests of the petitpotam virtual patch (sids 7101030–7101035) against the whole pack.
 *
 * Traffic: captured with tcpdump by printnightmare/traffic/capture.sh in network namespaces
 * (tsv-rpc-cli 198.18.2.1 → tsv-rpc-srv 198.18.2.2); the client is printnightmare/traffic/
 * rpc_client.py with impacket 0.10 (the EFSRPC calls declared as in topotam's PetitPotam.py, impacket
 * 0.10 having no efsr module; lsad/lsat for the benign traffic), the server printnightmare/traffic/
 * rpc_server.py (accepts every bind, faults every call: no Windows LSASS here) directly over
 * DCERPC/TCP or behind impacket's SimpleSMBServer as \lsarpc and \efsrpc:
 * - openfileraw-lsarpc-smb2.pcap: PetitPotam.py's EfsRpcOpenFileRaw (opnum 0) over \lsarpc
 *   (c681d488-…) on SMB2, FileName "\\198.18.2.1\test\Settings.ini".
 * - encryptfilesrv-efsrpc-smb1.pcap: EfsRpcEncryptFileSrv (opnum 4) over \efsrpc (df1941c5-…) on
 *   SMB1, FileName "\\?\UNC\198.18.2.1@80\x\file.txt" (the WebDAV form used to relay over HTTP).
 * - queryusers-tcp.pcap: EfsRpcQueryUsersOnFile (opnum 6) over DCERPC/TCP, "//198.18.2.1/share/a.txt".
 * - benign-lsarpc.pcap: LsarOpenPolicy2 and LsarLookupNames("Administrator") over \lsarpc.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replay } from "../../testing.ts";
import { replaySegmented, tcpMessages } from "../printnightmare/rpc-testing.ts";

const dir = "rules/packs/vpatch/petitpotam/traffic/";

test("PetitPotam.py EfsRpcOpenFileRaw over \\lsarpc (SMB2) is blocked", () => {
  const rig = packRig();
  replay(rig, dir + "openfileraw-lsarpc-smb2.pcap");
  assert.ok(rig.blockedBy(7101030));
  assert.equal(rig.alertSids(), [7101030]);
});

test("EfsRpcEncryptFileSrv over \\efsrpc (SMB1) with a \\\\?\\UNC\\ WebDAV path is blocked", () => {
  const rig = packRig();
  replay(rig, dir + "encryptfilesrv-efsrpc-smb1.pcap");
  assert.ok(rig.blockedBy(7101033));
});

test("EfsRpcQueryUsersOnFile over DCERPC/TCP with //host/share is blocked, in any segmentation", () => {
  const rig = packRig();
  replay(rig, dir + "queryusers-tcp.pcap");
  assert.ok(rig.blockedBy(7101034));
  const conv = tcpMessages(dir + "queryusers-tcp.pcap");
  for (const [piece, reverse] of [[1, false], [5, true]] as const) {
    const r = packRig();
    replaySegmented(r, conv, piece, reverse);
    assert.ok(r.blockedBy(7101034), `piece ${piece}`);
  }
});

test("ordinary LSARPC (OpenPolicy2, LookupNames) raises nothing", () => {
  const rig = packRig();
  replay(rig, dir + "benign-lsarpc.pcap");
  assert.equal(rig.alertSids(), []);
  assert.equal(rig.droppedCount(), 0);
  rig.reset();
  replaySegmented(rig, tcpMessages(dir + "benign-lsarpc.pcap"), 4);
  assert.equal(rig.alertSids(), []);
});

test.run();
