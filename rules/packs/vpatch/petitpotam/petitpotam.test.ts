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
import { assertRpcBenign, assertRpcBlocked, assertSegmentedBlocked, tcpMessages } from "../../dcerpc.testing.ts";

const dir = "rules/packs/vpatch/petitpotam/traffic/";

test("PetitPotam.py EfsRpcOpenFileRaw over \\lsarpc (SMB2) is blocked", () => {
  assertRpcBlocked(dir + "openfileraw-lsarpc-smb2.pcap", 7101030, true);
});

test("EfsRpcEncryptFileSrv over \\efsrpc (SMB1) with a \\\\?\\UNC\\ WebDAV path is blocked", () => {
  assertRpcBlocked(dir + "encryptfilesrv-efsrpc-smb1.pcap", 7101033);
});

test("EfsRpcQueryUsersOnFile over DCERPC/TCP with //host/share is blocked, in any segmentation", () => {
  assertRpcBlocked(dir + "queryusers-tcp.pcap", 7101034);
  assertSegmentedBlocked(tcpMessages(dir + "queryusers-tcp.pcap"), 7101034, [[1, false], [5, true]]);
});

test("ordinary LSARPC (OpenPolicy2, LookupNames) raises nothing", () => {
  assertRpcBenign(dir + "benign-lsarpc.pcap", 4);
});

test.run();
