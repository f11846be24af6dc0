import { test } from "uvu";
import * as assert from "uvu/assert";
import { icmpPacket, tcpPacket, udpPacket } from "../../datapath/craft.ts";
import { defaultEngineConfig } from "../config.ts";
import { LINK_RAW, Packet } from "../packet.ts";
import { foldChecksum, ipv4HeaderChecksumOk, l4ChecksumOk, onesSum } from "./checksum.ts";
import { Decoder } from "./decoder.ts";

test("RFC 1071 example sum", () => {
  const b = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.is(foldChecksum(onesSum(b, 0, 8, 0)), ~0xddf2 & 0xffff);
  // odd length pads with zero; init carries in
  assert.is(foldChecksum(onesSum(new Uint8Array([0x12]), 0, 1, 0x0034)), ~0x1234 & 0xffff);
});

test("IPv4 header checksum good and bad", () => {
  const b = tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2 });
  assert.ok(ipv4HeaderChecksumOk(b, 0, 20));
  b[8] ^= 1;
  assert.not.ok(ipv4HeaderChecksumOk(b, 0, 20));
  assert.not.ok(ipv4HeaderChecksumOk(b, 0, 10));
});

test("l4ChecksumOk for TCP/UDP/ICMP/ICMPv6 over both IP versions, and detects a flipped bit", () => {
  const d = new Decoder(defaultEngineConfig().decode);
  const pkts = [
    tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: "abc" }),
    tcpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 1, dport: 2, payload: "abcd" }),
    udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: "x" }),
    udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 1, dport: 2, payload: "xy" }),
    icmpPacket({ src: "10.0.0.1", dst: "10.0.0.2", type: 8, id: 1, seq: 1 }),
    icmpPacket({ src: "2001:db8::1", dst: "2001:db8::2", type: 128, id: 1, seq: 1 }),
  ];
  for (const b of pkts) {
    const p = new Packet();
    p.reset(b, 0, b.length);
    p.linkType = LINK_RAW;
    d.decode(p);
    assert.ok(l4ChecksumOk(p), `good ${p.proto}/${p.ipVersion}`);
    b[b.length - 1] ^= 0x10;
    assert.not.ok(l4ChecksumOk(p), `bad ${p.proto}/${p.ipVersion}`);
  }
});

test.run();
