/**
 * Traffic tests of the outlook-ntlm-leak virtual patch (CVE-2023-23397): NTLM authentication over SMB
 * and WebDAV-redirector HTTP from the LAN to an internet host is blocked; the same traffic inside the
 * LAN, and ordinary browser HTTP to the internet, raise nothing from the whole pack.
 *
 * Where the traffic came from (all real clients and servers, captured by traffic/capture.sh with
 * tcpdump between network namespaces 198.18.1.21 → 198.18.1.22, then replayed here with the client
 * moved to 192.168.10.20 ($HOME_NET) and the server to 198.18.1.22 ($EXTERNAL_NET) or 10.20.30.40 (LAN)
 * by replayAs (../../testing.ts), segmentation kept):
 * - traffic/smb-ntlm.pcap: smbclient -U alice%… against Samba's smbd, once SMB 3.1.1 and once SMB1
 *   (NT1): NTLMSSP NEGOTIATE / CHALLENGE / AUTHENTICATE with NTLMv2 for a real user name — exactly the
 *   exchange a UNC path in a reminder triggers;
 * - traffic/webdav.pcap: curl with the WebClient service's User-Agent sending OPTIONS and PROPFIND
 *   (Depth: 0, translate: f) as the WebDAV mini-redirector does, to python3 -m http.server (the real
 *   WebClient service is Windows-only; its request shape is from Microsoft's MS-WDV and captures in
 *   the public CVE-2023-23397 analyses);
 * - traffic/browse.pcap: curl with a Chrome User-Agent: GET / and GET /doc.txt (benign).
 * - ../ms17-010/traffic/smb3-copy.pcap: smbclient (anonymous NTLMSSP) listing and copying files over
 *   SMB 3.1.1, replayed inside the LAN (benign).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig, replayAs } from "../../testing.ts";

const T = "rules/packs/vpatch/outlook-ntlm-leak/traffic/";
const LAN_CLIENT = "192.168.10.20";
const LAN_SERVER = "10.20.30.40";
const INTERNET = "198.18.1.22";

test("SMB NTLMv2 authentication to an internet host (SMB 3.1.1 and SMB1 sessions) is blocked", () => {
  const rig = packRig();
  const convs = replayAs(rig, T + "smb-ntlm.pcap", LAN_CLIENT, INTERNET);
  assert.is(convs.length, 2, "two SMB sessions in the capture");
  for (const c of convs) {
    const hit = rig.alerts.some((a) => a.sid === 7100300 && a.blocked && a.packet >= c.first && a.packet <= c.last);
    assert.ok(hit, `session at packets ${c.first}-${c.last} blocked: ${JSON.stringify(rig.alerts)}`);
  }
  assert.equal(rig.alertSids().filter((s) => s < 7100300 || s > 7100399), [], "nothing else in the pack fires");
});

test("detect mode: the raw-stream backstop on the SMB ports sees the same authentication", () => {
  const rig = packRig({ prevent: false });
  replayAs(rig, T + "smb-ntlm.pcap", LAN_CLIENT, INTERNET);
  assert.equal(rig.alertSids(), [7100300, 7100301]);
});

test("the same SMB authentication re-sent in 7-byte TCP segments is still blocked", () => {
  const rig = packRig();
  replayAs(rig, T + "smb-ntlm.pcap", LAN_CLIENT, INTERNET, 7);
  assert.ok(rig.blockedBy(7100300), JSON.stringify(rig.alerts));
});

test("WebDAV redirector OPTIONS and PROPFIND to an internet host are blocked", () => {
  const rig = packRig();
  replayAs(rig, T + "webdav.pcap", LAN_CLIENT, INTERNET);
  const blocked = rig.alerts.filter((a) => a.sid === 7100302 && a.blocked);
  assert.is(blocked.length, 2, JSON.stringify(rig.alerts));
});

test("benign: the same SMB and WebDAV traffic inside the LAN raises nothing", () => {
  for (const f of ["smb-ntlm.pcap", "webdav.pcap", "../../ms17-010/traffic/smb3-copy.pcap"]) {
    const rig = packRig();
    replayAs(rig, T + f, LAN_CLIENT, LAN_SERVER);
    assert.equal(rig.alertSids(), [], f);
  }
});

test("benign: browser HTTP to an internet host raises nothing", () => {
  const rig = packRig();
  replayAs(rig, T + "browse.pcap", LAN_CLIENT, INTERNET);
  assert.equal(rig.alertSids(), []);
  assert.ok(rig.verdicts.length > 10, "the capture was replayed");
});

test.run();
