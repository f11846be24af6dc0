/**
 * Internet checksums (RFC 1071): the IPv4 header checksum and the TCP, UDP, ICMP and ICMPv6 checksums
 * with their IPv4/IPv6 pseudo-headers. Used by the decoder when checksum validation is on, and by the
 * defragmenter on rebuilt datagrams.
 *
 * Never allocates, never throws; reads only inside [off, off+len) of the buffer it is given.
 *
 * @example
 * ```ts
 * import { foldChecksum, onesSum } from "./checksum.ts";
 * const hdr = new Uint8Array([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
 * const csum = foldChecksum(onesSum(hdr, 0, 20, 0)); // value to store at bytes 10..11
 * ```
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from "../packet.ts";
import type { Packet } from "../packet.ts";

/**
 * Adds the 16-bit big-endian words of buf[off, off+len) to `init` (an odd last byte is padded with
 * zero). The result is a 32-bit accumulation; fold it with `foldChecksum`. Safe for len up to 64 KiB
 * several times over (carries are folded every 32 KiB).
 */
export function onesSum(buf: Uint8Array, off: number, len: number, init: number): number {
  let sum = init;
  let i = off;
  const end = off + len;
  const even = end - ((end - off) & 1);
  let n = 0;
  while (i < even) {
    sum += (buf[i] << 8) | buf[i + 1];
    i += 2;
    if (++n === 16384) {
      sum = (sum & 0xffff) + (sum >>> 16);
      n = 0;
    }
  }
  if (i < end) sum += buf[i] << 8;
  return (sum & 0xffff) + Math.floor(sum / 65536);
}

/** Folds a 32-bit accumulation to 16 bits and complements it: the checksum value (0 means all good when verifying). */
export function foldChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

/** True when the IPv4 header at buf[off, off+hlen) carries a correct header checksum. */
export function ipv4HeaderChecksumOk(buf: Uint8Array, off: number, hlen: number): boolean {
  if (hlen < 20 || off < 0 || off + hlen > buf.length) return false;
  return foldChecksum(onesSum(buf, off, hlen, 0)) === 0;
}

function addrSum(words: Uint32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const w = words[i];
    s += (w >>> 16) + (w & 0xffff);
  }
  return s;
}

/**
 * Verifies the layer-4 checksum of a decoded packet: TCP, UDP, ICMP (no pseudo-header) or ICMPv6, over
 * p.buf[p.l4Off, p.l4Off+p.l4Len) with the pseudo-header built from p.src/p.dst/p.proto. UDP over IPv4
 * with checksum 0 means "no checksum" and is OK. Returns false for other protocols or when the L4
 * bytes do not fit the buffer. IPv6 routing headers are not followed (the pseudo-header uses p.dst).
 */
export function l4ChecksumOk(p: Packet): boolean {
  const buf = p.buf;
  const off = p.l4Off;
  const len = p.l4Len;
  if (off < 0 || len < 0 || off + len > buf.length) return false;
  const proto = p.proto;
  let init = 0;
  if (proto === IPPROTO_ICMP) {
    if (p.ipVersion !== 4 || len < 4) return false;
    return foldChecksum(onesSum(buf, off, len, 0)) === 0;
  }
  if (proto === IPPROTO_TCP) {
    if (len < 20) return false;
  } else if (proto === IPPROTO_UDP) {
    if (len < 8) return false;
    if (p.ipVersion === 4 && buf[off + 6] === 0 && buf[off + 7] === 0) return true;
  } else if (proto === IPPROTO_ICMPV6) {
    if (p.ipVersion !== 6 || len < 4) return false;
  } else {
    return false;
  }
  if (p.ipVersion === 4) {
    init = addrSum(p.src, 1) + addrSum(p.dst, 1) + proto + len;
  } else if (p.ipVersion === 6) {
    init = addrSum(p.src, 4) + addrSum(p.dst, 4) + (len >>> 16) + (len & 0xffff) + proto;
  } else {
    return false;
  }
  return foldChecksum(onesSum(buf, off, len, init)) === 0;
}
