/**
 * Traffic tests of the zerologon virtual patch (sids 7101020–7101022) against the whole pack.
 *
 * Traffic: captured with tcpdump by printnightmare/traffic/capture.sh in network namespaces
 * (tsv-rpc-cli 198.18.2.1 → tsv-rpc-srv 198.18.2.2); the client is printnightmare/traffic/
 * rpc_client.py with impacket 0.10's nrpc module, the server printnightmare/traffic/rpc_server.py
 * (accepts every bind, faults every call: no domain controller here; the requests are what counts),
 * directly over DCERPC/TCP or behind impacket's SimpleSMBServer as \netlogon:
 * - zerologon-tcp.pcap / zerologon-smb1.pcap: the sequence of Secura's zerologon_tester.py /
 *   set_empty_pw.py: NetrServerReqChallenge with a zero challenge, NetrServerAuthenticate3 with a
 *   zero credential and flags 0x212fffff, NetrServerPasswordSet2 with a zero authenticator and an
 *   all-zero password blob (over TCP, and over \netlogon on SMB1).
 * - samebytes-challenge-tcp.pcap: a challenge of eight 0x41 bytes (works as well as zeros for one key
 *   in 256) then the zero credential.
 * - passwordset2-smb2.pcap: NetrServerPasswordSet2 with a zero authenticator alone, over SMB2.
 * - benign-netlogon-tcp.pcap: a workstation's ReqChallenge + Authenticate3 with random values.
 * The captured Authenticate3 is also replayed with an NTLM sec_trailer and auth padding appended.
 * Each step after the first is also replayed on its own (the captured bind, then only that request),
 * so every rule is shown to block without the earlier ones.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "../../testing.ts";
import { assertRpcBenign, assertRpcBlocked, replaySegmented, tcpMessages } from "../../dcerpc.testing.ts";

const dir = "rules/packs/vpatch/zerologon/traffic/";

test("the zerologon sequence over DCERPC/TCP is blocked at the zero challenge", () => {
  assertRpcBlocked(dir + "zerologon-tcp.pcap", 7101020, true);
});

test("the zerologon sequence over \\netlogon on SMB1 is blocked", () => {
  assertRpcBlocked(dir + "zerologon-smb1.pcap", 7101020);
});

test("a non-zero challenge does not evade: the zero credential of Authenticate3 is blocked", () => {
  const rig = assertRpcBlocked(dir + "samebytes-challenge-tcp.pcap", 7101021, true);
  rig.reset();
  replaySegmented(rig, tcpMessages(dir + "samebytes-challenge-tcp.pcap"), 3, true);
  assert.ok(rig.blockedBy(7101021));
});

test("each step alone: Authenticate3 and PasswordSet2 with zero credentials are blocked", () => {
  // Bind + bind_ack (first two messages), then the n-th request of the captured TCP sequence.
  const conv = tcpMessages(dir + "zerologon-tcp.pcap");
  const req = conv.messages.filter((m) => m.fromClient);
  assert.is(req.length, 4); // bind, ReqChallenge, Authenticate3, PasswordSet2
  const bindAck = conv.messages.find((m) => !m.fromClient);
  assert.ok(bindAck !== undefined);
  for (const [i, sid] of [[2, 7101021], [3, 7101022]] as const) {
    const rig = packRig();
    replaySegmented(rig, { dport: conv.dport, messages: [req[0], bindAck, req[i]] }, 9);
    assert.ok(rig.blockedBy(sid), `request ${i}`);
    assert.equal(rig.alertSids(), [sid]);
  }
});

test("an authenticated (signed) Authenticate3 with auth padding before its sec_trailer is still blocked", () => {
  // The captured Authenticate3 PDU with 12 pad bytes, an NTLM sec_trailer at packet integrity
  // (auth_pad_length 12) and a 16-byte verifier appended, frag_length and auth_length fixed up: the
  // padding is not stub (MS-RPCE 2.2.2.11), so the zero credential stays at the stub's end.
  const conv = tcpMessages(dir + "zerologon-tcp.pcap");
  const req = conv.messages.filter((m) => m.fromClient);
  const bindAck = conv.messages.find((m) => !m.fromClient);
  assert.ok(bindAck !== undefined);
  const a = req[2].data;
  const pad = 12;
  const out = new Uint8Array(a.length + pad + 8 + 16);
  out.set(a, 0);
  out.fill(0xaa, a.length, a.length + pad);
  out.set([10, 5, pad, 0, 0, 0, 0, 0], a.length + pad);
  out.fill(0x5e, a.length + pad + 8);
  out[8] = out.length & 0xff;
  out[9] = out.length >> 8;
  out[10] = 16;
  const rig = packRig();
  replaySegmented(rig, { dport: conv.dport, messages: [req[0], bindAck, { fromClient: true, data: out }] }, 50);
  assert.ok(rig.blockedBy(7101021));
});

test("NetrServerPasswordSet2 with a zero authenticator on its own SMB2 binding is blocked", () => {
  assertRpcBlocked(dir + "passwordset2-smb2.pcap", 7101022);
});

test("a normal Netlogon challenge/authenticate with random values raises nothing", () => {
  assertRpcBenign(dir + "benign-netlogon-tcp.pcap", 1);
});

test.run();
