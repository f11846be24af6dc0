/**
 * Traffic tests of the ms17-010 virtual patch (CVE-2017-0143 … 0148): the MS17-010 check, EternalBlue's
 * NT_TRANSACT / TRANS2_SECONDARY FEA-list confusion, its session set-up pool grooming and the
 * DoublePulsar TRANS2_SESSION_SETUP channel are blocked in several framings; real SMB1 and SMB 3.1.1
 * file copies and legitimate multi-part transactions raise nothing from the whole pack.
 *
 * Where the traffic came from:
 * - traffic/ms17010-nmap.pcap: nmap 7.93 `--script smb-vuln-ms17-010,smb-protocols` against Samba's smbd
 *   with SMB1 enabled (the NSE script's TRANS PeekNamedPipe on FID 0 is the MS17-010 check itself);
 * - traffic/smb1-copy.pcap, traffic/smb3-copy.pcap: smbclient (SMB1 / SMB 3.1.1) listing, downloading
 *   and uploading files against smbd — benign;
 *   all captured with tcpdump between network namespaces tsv-smb-cli / tsv-smb-srv by traffic/capture.sh
 *   (checksums fixed by rules/packs/traffic/fix-checksums.py: veth offload leaves them partial).
 * - ../../../../../shared/corpus/ndpi/smbv1.pcap: nDPI's SMBv1 capture — benign.
 * - EternalBlue, DoublePulsar and the scanner-variant probes are built with ../../smb.testing.ts (no public
 *   exploit tool is installed and there is no vulnerable host) after Microsoft's MS17-010 bulletin, the
 *   published analyses (worawit/sleepya's eternalblue_exploit7/8 write-ups: an NT_TRANSACT function 0
 *   with TotalDataCount 0x10FE8 continued by 4 KiB TRANS2_SECONDARY messages after the server's
 *   interim response; SESSION_SETUP_ANDX WordCount 12 without extended security for the pool
 *   allocation; Countercept/Zerosum0x0 on DoublePulsar's TRANS2 subcommand 0x0E) and Metasploit's
 *   smb_ms17_010 scanner framing (flags 0x18, flags2 0x2801, "\PIPE\" in ASCII).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fragmentIp } from "../../../../datapath/craft.ts";
import { corpusDir } from "../../../../datapath/pcap/corpus.ts";
import { type IpsRig, TcpConversation } from "../../../../engine/ips.testing.ts";
import { packRig, replay } from "../../testing.ts";
import { concat, nbss, negotiate1, ntTrans, response1, sessionSetupWc12, trans, transSecondary } from "../../smb.testing.ts";

const T = "rules/packs/vpatch/ms17-010/traffic/";

/** One SMB session: `steps` gets a client and a server writer that keep the stream offsets. */
function session(steps: (cl: (m: Uint8Array) => void, sv: (m: Uint8Array) => void, c: TcpConversation) => void, prevent = true): IpsRig {
  const rig = packRig({ prevent });
  const c = new TcpConversation(rig, { dport: 445 });
  c.handshake();
  let co = 0;
  let so = 0;
  steps(
    (m) => {
      c.sendClient(co, m);
      co += m.length;
    },
    (m) => {
      c.sendServer(so, m);
      so += m.length;
    },
    c,
  );
  rig.finish();
  return rig;
}

const peekFid0 = (flags2 = 0x2801, mid = 0x41) =>
  nbss(trans(0x25, { setup: [0x23, 0x0000], flags2, mid, maxParams: 0xffff, maxData: 0x0800, name: Uint8Array.from([..."\\PIPE\\\0"].map((ch) => ch.charCodeAt(0))) }));

// EternalBlue's FEA list: more than 64 KB, sent 0x3e8 bytes in the NT_TRANSACT, the rest in 4 KiB secondaries
const FEA = new Uint8Array(0x10fe8).fill(0x41);
function eternalBlue(cl: (m: Uint8Array) => void, sv: (m: Uint8Array) => void): void {
  cl(nbss(negotiate1()));
  sv(nbss(response1(0x72)));
  const first = FEA.length % 4096;
  cl(nbss(ntTrans({ func: 0, mid: 0x40, params: new Uint8Array(30), data: FEA.subarray(0, first), totalData: FEA.length, maxParams: 30 })));
  sv(nbss(response1(0xa0, { mid: 0x40 })));
  for (let i = first; i < FEA.length; i += 4096) {
    cl(nbss(transSecondary(0x33, { mid: 0x40, totalData: FEA.length & 0xffff, data: FEA.subarray(i, i + 4096), dataDisp: i & 0xffff })));
  }
}

test("MS17-010 check: nmap smb-vuln-ms17-010's PeekNamedPipe on FID 0 (real capture) is blocked", () => {
  const rig = packRig();
  replay(rig, T + "ms17010-nmap.pcap");
  assert.ok(rig.blockedBy(7100003), JSON.stringify(rig.alerts));
  assert.equal(rig.alertSids(), [7100003]);
});

test("MS17-010 check, Metasploit framing, in the same TCP segment as the NEGOTIATE, and in IP fragments: blocked", () => {
  const one = session((cl) => cl(concat([nbss(negotiate1()), peekFid0()])));
  assert.ok(one.blockedBy(7100003), JSON.stringify(one.alerts));
  const frag = session((cl, _sv, c) => {
    const neg = nbss(negotiate1());
    cl(neg);
    for (const f of fragmentIp(c.clientIp(neg.length, peekFid0(0xc807)), 24)) c.rig.sendIp(f);
  });
  assert.ok(frag.blockedBy(7100003), JSON.stringify(frag.alerts));
});

test("EternalBlue: the NT_TRANSACT announcing a >64 KB FEA list is blocked before any secondary", () => {
  const rig = session(eternalBlue);
  assert.ok(rig.blockedBy(7100002), JSON.stringify(rig.alerts));
  const first = rig.alerts.find((a) => a.sid === 7100002);
  assert.ok(first !== undefined && first.packet <= 6, "blocked at the NT_TRANSACT, not later");
});

test("EternalBlue in detect mode: each TRANS2_SECONDARY continuing the NT_TRANSACT is reported (mismatch, 16-bit totals)", () => {
  const rig = session(eternalBlue, false);
  assert.equal(rig.alertSids(), [7100000, 7100001, 7100002]);
  assert.ok(rig.alerts.filter((a) => a.sid === 7100000).length >= 16, "every secondary");
});

test("EternalBlue with the NT_TRANSACT header cut into 1-byte segments: the first TRANS2_SECONDARY is blocked", () => {
  const rig = session((cl, sv, c) => {
    cl(nbss(negotiate1()));
    sv(nbss(response1(0x72)));
    const nt = nbss(ntTrans({ func: 0, mid: 0x40, params: new Uint8Array(30), data: FEA.subarray(0, 0x3e8), totalData: FEA.length, maxParams: 30 }));
    const cuts: number[] = [];
    for (let i = 1; i < 100; i++) cuts.push(i);
    const base = c.cSent;
    c.sendClientPieces(base, nt, cuts);
    let co = base + nt.length;
    sv(nbss(response1(0xa0, { mid: 0x40 })));
    const sec = nbss(transSecondary(0x33, { mid: 0x40, totalData: FEA.length & 0xffff, data: FEA.subarray(0x3e8, 0x13e8), dataDisp: 0x3e8 }));
    c.sendClient(co, sec);
    co += sec.length;
  });
  assert.ok(rig.blockedBy(7100000) || rig.blockedBy(7100002), JSON.stringify(rig.alerts));
});

test("EternalBlue pool grooming: SESSION_SETUP_ANDX WordCount 12 without extended security is blocked", () => {
  const rig = session((cl) => {
    cl(nbss(negotiate1({ flags2: 0xc001 })));
    cl(nbss(sessionSetupWc12(0x4001, 0x87f8)));
  });
  assert.ok(rig.blockedBy(7100005), JSON.stringify(rig.alerts));
});

test("DoublePulsar ping: TRANS2 with subcommand 0x000E (TRANS2_SESSION_SETUP) is blocked", () => {
  const rig = session((cl, sv) => {
    cl(nbss(negotiate1()));
    sv(nbss(response1(0x72)));
    cl(nbss(trans(0x32, { setup: [0x000e], mid: 0x41, params: new Uint8Array(12), maxParams: 1, maxData: 0, flags2: 0xc007 })));
  });
  assert.ok(rig.blockedBy(7100004), JSON.stringify(rig.alerts));
});

test("benign: legitimate transactions — multi-part TRANS2 after the interim response, PeekNamedPipe and TransactNmPipe on a real FID, both session set-up forms", () => {
  const rig = session((cl, sv) => {
    cl(nbss(negotiate1()));
    sv(nbss(response1(0x72)));
    // TRANS2_SET_PATH_INFORMATION-sized write in two parts
    const data = new Uint8Array(6000).fill(0x42);
    cl(nbss(trans(0x32, { setup: [0x0006], mid: 0x50, params: new Uint8Array(12), data: data.subarray(0, 3000), totalData: 6000 })));
    sv(nbss(response1(0x32, { mid: 0x50 })));
    cl(nbss(transSecondary(0x33, { mid: 0x50, totalData: 6000, totalParams: 12, data: data.subarray(3000), dataDisp: 3000 })));
    sv(nbss(response1(0x32, { mid: 0x50 })));
    cl(nbss(trans(0x25, { setup: [0x23, 0x4001], mid: 0x51 })));
    cl(nbss(trans(0x25, { setup: [0x26, 0x4001], mid: 0x52, data: new Uint8Array(72).fill(5) })));
    // NT_TRANSACT_QUERY_SECURITY_DESC (small, as Explorer sends)
    cl(nbss(ntTrans({ func: 6, mid: 0x53, params: Uint8Array.of(1, 0x40, 0, 0, 7, 0, 0, 0), maxData: 0x1000 })));
    cl(nbss(sessionSetupWc12(0xc807, 0x4a)));
  });
  assert.equal(rig.alertSids(), [], JSON.stringify(rig.alerts));
});

test("benign: real smbclient file copies over SMB1 and SMB 3.1.1 raise nothing", () => {
  for (const f of ["smb1-copy.pcap", "smb3-copy.pcap"]) {
    const rig = packRig();
    replay(rig, T + f);
    assert.equal(rig.alertSids(), [], f);
    assert.ok(rig.verdicts.length > 50, `${f} replayed`);
  }
});

test("benign: nDPI's SMBv1 capture raises nothing", () => {
  const dir = corpusDir();
  if (dir === null) return;
  const rig = packRig();
  replay(rig, `${dir}/ndpi/smbv1.pcap`);
  assert.equal(rig.alertSids(), []);
});

test.run();
