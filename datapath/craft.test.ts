import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  arpPacket,
  ether,
  fragmentIp,
  fragmentRaw,
  gre,
  icmpPacket,
  ipPacket,
  nullLoop,
  parseIp,
  sll,
  sll2,
  tcpFlagBits,
  tcpPacket,
  udpPacket,
  vxlan,
} from "./craft.ts";
import { pcapBytes } from "./pcap/writer.ts";

// ---- an independent checker: 32-bit accumulation, folded once at the end ----
function onesSum(...parts: Uint8Array[]): number {
  let s = 0;
  for (const b of parts) {
    for (let i = 0; i < b.length; i++) s += i % 2 === 0 ? b[i] * 256 : b[i];
  }
  while (s > 0xffff) s = Math.floor(s / 65536) + (s % 65536);
  return s;
}
const u16 = (b: Uint8Array, o: number) => b[o] * 256 + b[o + 1];
const verifies = (...parts: Uint8Array[]) => onesSum(...parts) === 0xffff;

function pseudo(src: Uint8Array, dst: Uint8Array, proto: number, len: number): Uint8Array {
  if (src.length === 4) return Uint8Array.of(...src, ...dst, 0, proto, len >> 8, len & 0xff);
  return Uint8Array.of(...src, ...dst, 0, 0, len >> 8, len & 0xff, 0, 0, 0, proto);
}

/** L4 bytes + pseudo-header of a crafted IPv4 packet (no options assumed beyond IHL) or IPv6 packet with `l4At`. */
function l4v4(p: Uint8Array) {
  const hl = (p[0] & 15) * 4;
  return { hl, l4: p.subarray(hl, u16(p, 2)), src: p.subarray(12, 16), dst: p.subarray(16, 20), proto: p[9] };
}

test("parseIp reads IPv4, compressed IPv6 and IPv4-tailed IPv6, and rejects junk", () => {
  assert.equal([...parseIp("192.168.1.200").bytes], [192, 168, 1, 200]);
  assert.is(parseIp("10.0.0.1").version, 4);
  const v6 = parseIp("2001:db8::1");
  assert.is(v6.version, 6);
  assert.equal([...v6.bytes], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal([...parseIp("::").bytes], new Array(16).fill(0));
  assert.equal([...parseIp("::ffff:10.1.2.3").bytes].slice(10), [0xff, 0xff, 10, 1, 2, 3]);
  assert.equal([...parseIp("1:2:3:4:5:6:7:8").bytes].slice(14), [0, 8]);
  for (const bad of ["10.0.0", "10.0.0.256", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "x", "", "1:2:3:4:5:6:7"]) {
    assert.throws(() => parseIp(bad), /not an/, bad);
  }
});

test("tcpFlagBits maps letters to byte-13 bits", () => {
  assert.is(tcpFlagBits("S"), 0x02);
  assert.is(tcpFlagBits("SA"), 0x12);
  assert.is(tcpFlagBits("FPU"), 0x29);
  assert.is(tcpFlagBits("EC"), 0xc0);
  assert.is(tcpFlagBits(0x18), 0x18);
  assert.throws(() => tcpFlagBits("SX"), /unknown TCP flag letter "X"/);
});

test("IPv4 TCP SYN: header fields, options layout and checksums", () => {
  const p = tcpPacket({
    src: "10.0.0.1",
    dst: "10.0.0.2",
    sport: 40000,
    dport: 80,
    flags: "S",
    seq: 0xfffffff0,
    win: 29200,
    ttl: 128,
    id: 0x1234,
    df: true,
    opts: { mss: 1460, sackPerm: true, ts: [100, 0], wscale: 7, nops: true },
  });
  assert.is(p[0], 0x45);
  assert.is(u16(p, 2), p.length);
  assert.is(u16(p, 4), 0x1234);
  assert.is(u16(p, 6), 0x4000);
  assert.is(p[8], 128);
  assert.is(p[9], 6);
  assert.ok(verifies(p.subarray(0, 20)), "IPv4 header checksum");
  const { l4, src, dst } = l4v4(p);
  assert.is(u16(l4, 0), 40000);
  assert.is(u16(l4, 2), 80);
  assert.is(new DataView(l4.buffer, l4.byteOffset).getUint32(4), 0xfffffff0);
  assert.is(l4[13], 0x02);
  assert.is(u16(l4, 14), 29200);
  const thl = (l4[12] >> 4) * 4;
  assert.is(thl, 20 + 24);
  assert.equal([...l4.subarray(20, 24)], [2, 4, 0x05, 0xb4]); // MSS first, aligned
  assert.ok(l4.subarray(20, thl).includes(8), "timestamp option present");
  assert.ok(verifies(pseudo(src, dst, 6, l4.length), l4), "TCP checksum");
  assert.is(l4.length, thl);

  const bad = tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, badChecksum: true, badIpChecksum: true });
  const b = l4v4(bad);
  assert.not.ok(verifies(bad.subarray(0, 20)));
  assert.not.ok(verifies(pseudo(b.src, b.dst, 6, b.l4.length), b.l4));
});

test("TCP payloads (string as UTF-8), default flags and option overflow", () => {
  const p = tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: "héllo" });
  const { l4, src, dst } = l4v4(p);
  assert.is(l4[13], 0x18); // PA by default with a payload
  assert.equal([...l4.subarray(20)], [...new TextEncoder().encode("héllo")]);
  assert.ok(verifies(pseudo(src, dst, 6, l4.length), l4));
  assert.is(l4v4(tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2 })).l4[13], 0x10);
  const sacks: [number, number][] = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]];
  assert.throws(() => tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, opts: { sack: sacks } }), /at most 40/);
  assert.throws(() => tcpPacket({ src: "10.0.0.1", dst: "::1", sport: 1, dport: 2 }), /IPv4 but destination/);
});

test("IPv4 options are padded to 4 and counted in IHL", () => {
  const p = ipPacket("1.2.3.4", "5.6.7.8", 253, Uint8Array.of(9, 9), { ipOptions: Uint8Array.of(0x94, 4, 0, 0, 1) });
  assert.is(p[0] & 15, 7); // 20 + 8 bytes
  assert.equal([...p.subarray(20, 28)], [0x94, 4, 0, 0, 1, 0, 0, 0]);
  assert.equal([...p.subarray(28)], [9, 9]);
  assert.is(u16(p, 2), 30);
  assert.ok(verifies(p.subarray(0, 28)));
});

test("IPv6 with extension headers: chain, lengths and pseudo-header checksum", () => {
  const p = udpPacket({
    src: "2001:db8::1",
    dst: "2001:db8::2",
    sport: 5353,
    dport: 53,
    payload: "abc",
    ttl: 7,
    tos: 0xb8,
    flowLabel: 0x12345,
    ext: [{ type: 0 }, { type: 43 }, { type: 60, data: Uint8Array.of(0x1e, 1, 0xaa) }, { type: 51 }],
  });
  assert.is(p[0] >> 4, 6);
  assert.is(((p[0] & 15) << 4) | (p[1] >> 4), 0xb8);
  assert.is(((p[1] & 15) << 16) | u16(p, 2), 0x12345);
  assert.is(u16(p, 4), p.length - 40);
  assert.is(p[6], 0);
  assert.is(p[7], 7);
  let at = 40;
  const seen: number[] = [];
  let nh = p[6];
  while (nh === 0 || nh === 43 || nh === 60 || nh === 51) {
    seen.push(nh);
    const len = nh === 51 ? (p[at + 1] + 2) * 4 : (p[at + 1] + 1) * 8;
    assert.is(len % (nh === 51 ? 4 : 8), 0);
    nh = p[at];
    at += len;
  }
  assert.equal(seen, [0, 43, 60, 51]);
  assert.is(nh, 17);
  // dest-opts body: our option then PadN to fill 8 bytes
  assert.equal([...p.subarray(40 + 8 + 8, 40 + 8 + 8 + 8)], [51, 0, 0x1e, 1, 0xaa, 1, 1, 0]);
  const l4 = p.subarray(at);
  assert.is(u16(l4, 4), 11);
  assert.ok(verifies(pseudo(p.subarray(8, 24), p.subarray(24, 40), 17, l4.length), l4));
});

test("UDP: zero checksum, 0 becomes 0xffff, bad checksum", () => {
  const z = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, zeroChecksum: true });
  assert.is(u16(z, 26), 0);
  const ok = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: Uint8Array.of(1, 2, 3) });
  const l = l4v4(ok);
  assert.ok(verifies(pseudo(l.src, l.dst, 17, l.l4.length), l.l4));
  assert.is.not(u16(ok, 26), 0);
  const bad = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: Uint8Array.of(1, 2, 3), badChecksum: true });
  const b = l4v4(bad);
  assert.not.ok(verifies(pseudo(b.src, b.dst, 17, b.l4.length), b.l4));
});

test("ICMPv4 and ICMPv6 echo and non-echo", () => {
  const e = icmpPacket({ src: "10.0.0.1", dst: "10.0.0.2", type: 8, id: 0x77, seq: 3, payload: Uint8Array.of(1, 2, 3) });
  const l = l4v4(e);
  assert.is(l.proto, 1);
  assert.equal([...l.l4.subarray(0, 8)].filter((_, i) => i !== 2 && i !== 3), [8, 0, 0, 0x77, 0, 3]);
  assert.ok(verifies(l.l4), "ICMPv4 checksum covers only the message");
  const u = icmpPacket({ src: "10.0.0.1", dst: "10.0.0.2", type: 3, code: 3, rest: 0x000005dc });
  assert.equal([...l4v4(u).l4.subarray(4, 8)], [0, 0, 5, 0xdc]);
  const v6 = icmpPacket({ src: "fe80::1", dst: "ff02::1", type: 128, id: 1, seq: 2 });
  assert.is(v6[6], 58);
  const m = v6.subarray(40);
  assert.ok(verifies(pseudo(v6.subarray(8, 24), v6.subarray(24, 40), 58, m.length), m), "ICMPv6 pseudo-header checksum");
  assert.not.ok(verifies(m), "ICMPv6 checksum is not over the message alone");
});

test("Ethernet, VLAN and QinQ tags", () => {
  const ip = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2 });
  const f = ether(ip, { src: "00:11:22:33:44:55", dst: "66:77:88:99:aa:bb" });
  assert.equal([...f.subarray(0, 14)], [0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 8, 0]);
  const v = ether(ip, { vlans: [100] });
  assert.equal([...v.subarray(12, 18)], [0x81, 0, 0, 100, 8, 0]);
  const q = ether(parseIp("::1").bytes.fill(0x60, 0, 1), { vlans: [10, 20], qinq: true });
  assert.equal([...q.subarray(12, 22)], [0x88, 0xa8, 0, 10, 0x81, 0, 0, 20, 0x86, 0xdd]);
  const q2 = ether(ip, { vlans: [10, 20] });
  assert.equal([...q2.subarray(12, 14)], [0x81, 0]);
  assert.throws(() => ether(Uint8Array.of(0x10)), /EtherType/);
  assert.throws(() => ether(ip, { src: "00:11:22" }), /not a MAC/);
});

test("ARP/RARP, SLL, SLL2, NULL/LOOP", () => {
  const a = arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "10.0.0.1", targetIp: "10.0.0.2" });
  assert.is(a.length, 42);
  assert.equal([...a.subarray(0, 6)], [255, 255, 255, 255, 255, 255]);
  assert.equal([...a.subarray(12, 22)], [8, 6, 0, 1, 8, 0, 6, 4, 0, 1]);
  assert.equal([...a.subarray(38, 42)], [10, 0, 0, 2]);
  const r = arpPacket({ op: 2, senderMac: "02:00:00:00:00:01", senderIp: "10.0.0.1", targetMac: "02:00:00:00:00:09", targetIp: "10.0.0.2", rarp: true });
  assert.equal([...r.subarray(12, 14)], [0x80, 0x35]);
  assert.is(u16(r, 20), 4);
  assert.is(r[5], 9);
  const ip = Uint8Array.of(0x45, 1, 2);
  const s1 = sll(ip, 0x0800);
  assert.is(s1.length, 19);
  assert.is(u16(s1, 14), 0x0800);
  assert.is(u16(s1, 2), 1);
  const s2 = sll2(ip, 0x86dd, 7);
  assert.is(s2.length, 23);
  assert.is(u16(s2, 0), 0x86dd);
  assert.equal([...s2.subarray(4, 8)], [0, 0, 0, 7]);
  assert.equal([...nullLoop(ip, 2).subarray(0, 4)], [2, 0, 0, 0]);
  assert.equal([...nullLoop(ip, 30, true).subarray(0, 4)], [0, 0, 0, 30]);
});

test("GRE with checksum/key/seq and VXLAN headers", () => {
  const inner = tcpPacket({ src: "192.168.0.1", dst: "192.168.0.2", sport: 1, dport: 2 });
  const g = gre(inner, 0x0800, { key: 0xdeadbeef, seq: 5, checksum: true });
  assert.equal([...g.subarray(0, 4)], [0xb0, 0, 8, 0]);
  assert.equal([...g.subarray(8, 16)], [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 5]);
  assert.ok(verifies(g), "GRE checksum");
  assert.equal([...g.subarray(16)], [...inner]);
  assert.equal([...gre(inner, 0x86dd).subarray(0, 4)], [0, 0, 0x86, 0xdd]);
  const outer = ipPacket("1.1.1.1", "2.2.2.2", 47, g);
  assert.is(outer[9], 47);
  const x = vxlan(ether(inner), 0xabcdef);
  assert.equal([...x.subarray(0, 8)], [8, 0, 0, 0, 0xab, 0xcd, 0xef, 0]);
  assert.throws(() => vxlan(inner, 1 << 24), /VNI/);
});

test("fragmentIp (IPv4): 8-aligned pieces that reassemble to the original payload", () => {
  const payload = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
  const orig = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload, id: 4242, ipOptions: Uint8Array.of(0x94, 4, 0, 0, 0x07, 3, 4, 0) });
  const origHl = (orig[0] & 15) * 4;
  const frags = fragmentIp(orig, 300);
  assert.is(frags.length, 4); // 1008 bytes of UDP in 296-byte pieces
  const re = new Uint8Array(orig.length - origHl);
  frags.forEach((f, k) => {
    const hl = (f[0] & 15) * 4;
    assert.ok(verifies(f.subarray(0, hl)), `fragment ${k} header checksum`);
    assert.is(u16(f, 4), 4242);
    const off = (u16(f, 6) & 0x1fff) * 8;
    const mf = (u16(f, 6) & 0x2000) !== 0;
    assert.is(mf, k < frags.length - 1);
    const data = f.subarray(hl, u16(f, 2));
    if (mf) assert.is(data.length % 8, 0);
    // first fragment keeps every option; later ones only the copied one (router alert 0x94)
    assert.is(hl, k === 0 ? 28 : 24);
    re.set(data, off);
  });
  assert.equal([...re], [...orig.subarray(origHl)]);
});

test("fragmentIp (IPv6): fragment header after the unfragmentable part, reassembles", () => {
  const payload = new Uint8Array(700).map((_, i) => (i * 13) & 0xff);
  const orig = udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 1, dport: 2, payload, ext: [{ type: 0 }, { type: 60 }] });
  const frags = fragmentIp(orig, 256);
  assert.is(frags.length, 3);
  // unfragmentable: fixed header + hop-by-hop (8). Fragmentable: dest-opts (8) + UDP.
  const body = orig.subarray(48);
  const re = new Uint8Array(body.length);
  let id = -1;
  frags.forEach((f, k) => {
    assert.is(f[6], 0);
    assert.is(f[40], 44, "hop-by-hop now points at the fragment header");
    const fh = f.subarray(48, 56);
    if (k === 0) assert.is(fh[0], 60);
    const off = u16(fh, 2) & 0xfff8;
    const more = (fh[3] & 1) === 1;
    assert.is(more, k < 2);
    const fid = new DataView(fh.buffer, fh.byteOffset).getUint32(4);
    if (id < 0) id = fid;
    assert.is(fid, id);
    const data = f.subarray(56);
    assert.is(u16(f, 4), f.length - 40);
    re.set(data, off);
  });
  assert.equal([...re], [...body]);
});

test("fragmentRaw crafts one fragment with given offset, flags, id or substituted data", () => {
  const orig = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: new Uint8Array(64).fill(0x41), id: 9 });
  const f = fragmentRaw({ packet: orig, offset: 16, length: 24, more: true });
  assert.is(u16(f, 6), 0x2000 | 2);
  assert.is(u16(f, 2), 20 + 24);
  assert.is(u16(f, 4), 9);
  assert.equal([...f.subarray(20)], [...orig.subarray(36, 60)]);
  const o = fragmentRaw({ packet: orig, offset: 8, length: 8, more: false, id: 77, data: new Uint8Array(8).fill(0x42) });
  assert.is(u16(o, 4), 77);
  assert.is(u16(o, 6), 1);
  assert.equal([...o.subarray(20)], new Array(8).fill(0x42));
  assert.ok(verifies(o.subarray(0, 20)));
  assert.throws(() => fragmentRaw({ packet: orig, offset: 3, length: 8, more: true }), /multiple of 8/);
  assert.throws(() => fragmentRaw({ packet: orig, offset: 64, length: 16, more: true }), /runs past/);
  const v6 = udpPacket({ src: "::1", dst: "::2", sport: 1, dport: 2, payload: new Uint8Array(32) });
  const f6 = fragmentRaw({ packet: v6, offset: 8, length: 16, more: true, id: 0x01020304 });
  assert.is(f6[6], 44);
  assert.equal([...f6.subarray(40, 48)], [17, 0, 0, 9, 1, 2, 3, 4]);
});

function hasTshark(): boolean {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("tshark decodes the crafted frames with good checksums", () => {
  if (!hasTshark()) {
    console.log("note: tshark not on PATH; skipping the tshark cross-check");
    return;
  }
  const innerTcp = tcpPacket({ src: "192.168.9.1", dst: "192.168.9.2", sport: 7, dport: 8, flags: "PA", payload: "in" });
  const big = udpPacket({ src: "10.9.9.1", dst: "10.9.9.2", sport: 4000, dport: 4001, payload: new Uint8Array(600).fill(0x55), id: 777 });
  const big6 = udpPacket({ src: "2001:db8::9", dst: "2001:db8::a", sport: 6000, dport: 6001, payload: new Uint8Array(500).fill(0x66), ext: [{ type: 0 }] });
  const frames = [
    ether(tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1111, dport: 80, flags: "S", ipOptions: Uint8Array.of(0x94, 4, 0, 0), opts: { mss: 1460, sackPerm: true, ts: [1, 0], wscale: 7, nops: true } })),
    ether(tcpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 2222, dport: 80, flags: "SA", ext: [{ type: 0 }, { type: 60 }], opts: { mss: 1220, sack: [[1, 2]] } })),
    ether(udpPacket({ src: "10.0.0.3", dst: "10.0.0.4", sport: 3333, dport: 9999, payload: "x" }), { vlans: [100] }),
    ether(udpPacket({ src: "2001:db8::3", dst: "2001:db8::4", sport: 4444, dport: 9999, payload: "y" }), { vlans: [200, 300], qinq: true }),
    ether(icmpPacket({ src: "10.0.0.5", dst: "10.0.0.6", type: 8, id: 1, seq: 1 })),
    ether(icmpPacket({ src: "fe80::1", dst: "ff02::1", type: 128, id: 1, seq: 1 })),
    ether(ipPacket("1.1.1.1", "2.2.2.2", 47, gre(ether(innerTcp), 0x6558, { key: 42, checksum: true }))),
    ether(udpPacket({ src: "3.3.3.3", dst: "4.4.4.4", sport: 5555, dport: 4789, payload: vxlan(ether(innerTcp), 4242) })),
    arpPacket({ op: 1, senderMac: "02:00:00:00:00:01", senderIp: "10.0.0.1", targetIp: "10.0.0.2" }),
    ...fragmentIp(big, 256).map((f) => ether(f)),
    ...fragmentIp(big6, 200).map((f) => ether(f)),
  ];
  const nV4Frags = fragmentIp(big, 256).length;
  const dir = mkdtempSync(join(tmpdir(), "craft-"));
  try {
    const file = join(dir, "c.pcap");
    writeFileSync(file, pcapBytes(1, frames.map((data, i) => ({ data, tsUs: 1_700_000_000_000_000 + i }))));
    const fields = ["ip.src", "ipv6.src", "tcp.srcport", "tcp.flags", "udp.srcport", "ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status", "vlan.id", "ieee8021ad.id", "gre.key", "vxlan.vni", "arp.src.proto_ipv4", "tcp.options.mss_val", "_ws.malformed", "ip.reassembled.length", "ipv6.reassembled.length"];
    const out = execFileSync("tshark", [
      "-r", file, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
      "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", ...fields.flatMap((f) => ["-e", f]),
    ], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const rows = out.trimEnd().split("\n").map((l) => {
      const cells = l.split("\t");
      return Object.fromEntries(fields.map((f, i) => [f, cells[i] ?? ""]));
    });
    assert.is(rows.length, frames.length);
    for (const r of rows) assert.is(r["_ws.malformed"], "", `no malformed packet: ${JSON.stringify(r)}`);
    const good = (v: string) => v.split(",").every((s) => s === "1");
    assert.is(rows[0]["ip.src"], "10.0.0.1");
    assert.is(rows[0]["tcp.flags"], "0x0002");
    assert.is(rows[0]["tcp.options.mss_val"], "1460");
    assert.ok(good(rows[0]["ip.checksum.status"]) && good(rows[0]["tcp.checksum.status"]), JSON.stringify(rows[0]));
    assert.is(rows[1]["ipv6.src"], "2001:db8::1");
    assert.is(rows[1]["tcp.flags"], "0x0012");
    assert.is(rows[1]["tcp.checksum.status"], "1");
    assert.is(rows[2]["vlan.id"], "100");
    assert.is(rows[2]["udp.srcport"], "3333");
    assert.ok(good(rows[2]["udp.checksum.status"]) && good(rows[2]["ip.checksum.status"]));
    assert.is(rows[3]["ieee8021ad.id"], "200");
    assert.is(rows[3]["vlan.id"], "300");
    assert.is(rows[3]["udp.checksum.status"], "1");
    assert.is(rows[4]["icmp.checksum.status"], "1");
    assert.is(rows[5]["icmpv6.checksum.status"], "1");
    assert.is(rows[6]["gre.key"], "0x0000002a");
    assert.is(rows[6]["ip.src"], "1.1.1.1,192.168.9.1");
    assert.is(rows[6]["tcp.checksum.status"], "1");
    assert.is(rows[7]["vxlan.vni"], "4242");
    assert.is(rows[7]["ip.src"], "3.3.3.3,192.168.9.1");
    assert.ok(good(rows[7]["udp.checksum.status"]) && good(rows[7]["tcp.checksum.status"]));
    assert.is(rows[8]["arp.src.proto_ipv4"], "10.0.0.1");
    const last = rows[9 + nV4Frags - 1];
    assert.is(last["ip.reassembled.length"], String(big.length - 20));
    assert.is(last["udp.srcport"], "4000");
    assert.is(last["udp.checksum.status"], "1");
    for (const r of rows.slice(9, 9 + nV4Frags)) assert.ok(good(r["ip.checksum.status"]));
    const last6 = rows[rows.length - 1];
    assert.is(last6["ipv6.reassembled.length"], String(big6.length - 48));
    assert.is(last6["udp.srcport"], "6000");
    assert.is(last6["udp.checksum.status"], "1");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
