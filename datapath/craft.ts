/**
 * Packet crafting: pure functions that build IP packets and link-layer frames byte by byte, for tests,
 * benchmark workloads and attack-traffic fixtures. IPv4 vs IPv6 is decided by the address form;
 * checksums are correct unless a `bad*` / `zeroChecksum` flag asks otherwise.
 *
 * Cold path only: these functions allocate freely and throw `Error` on impossible requests (a bad
 * address, options that do not fit). They must never be called from the engine's hot path, and they
 * never touch the network or the file system.
 *
 * @example
 * ```ts
 * import { ether, tcpPacket } from "./craft.ts";
 * const syn = tcpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 80, flags: "S", opts: { mss: 1460 } });
 * const frame = ether(syn); // 14-byte Ethernet header (type 0x0800) + the IPv4 packet
 * ```
 */

/** TCP flags as letters (`"SA"`, `"PA"`, `"FPU"`: F S R P A U E C) or as the byte-13 number. */
export type TcpFlags = string | number;

export interface TcpOpts {
  mss?: number;
  wscale?: number;
  sackPerm?: boolean;
  sack?: [number, number][];
  ts?: [number, number];
  /** Precede each option with NOPs so it ends on a 4-byte boundary, as real stacks lay them out. */
  nops?: boolean;
}

export interface IpOpts {
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  /** IPv4 options, padded with zeros (EOL) to a multiple of 4. */
  ipOptions?: Uint8Array;
  /** IPv6 extension headers before the L4 header, in order. */
  ext?: Ipv6Ext[];
  badIpChecksum?: boolean;
  flowLabel?: number;
}

export interface Ipv6Ext {
  /** 0 hop-by-hop, 43 routing, 60 dest-opts, 51 AH, 44 fragment. */
  type: number;
  /** Body after the next-header/length bytes; padded to 8 bytes in all (AH: to 4). */
  data?: Uint8Array;
}

const textEncoder = new TextEncoder();

/** A payload given as a string is encoded as UTF-8. */
function bytesOf(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === "string" ? textEncoder.encode(p) : p;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function get16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function checkRange(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new Error(`${what} must be an integer from 0 to ${max}, got ${v}`);
  }
}

/** One's-complement sum of `b`, folded to 16 bits, starting from `init`. */
function sum16(b: Uint8Array, init = 0): number {
  let s = init;
  const n = b.length & ~1;
  for (let i = 0; i < n; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The Internet checksum (RFC 1071) of `b`, seeded with a partial sum (e.g. a pseudo-header's). */
export function internetChecksum(b: Uint8Array, init = 0): number {
  return ~sum16(b, init) & 0xffff;
}

/** XOR with this never turns a checksum into an equivalent one (0x0000 and 0xffff both verify). */
const BAD_CHECKSUM_XOR = 0x5a5a;

/** Parses a dotted-quad IPv4 or an RFC 4291 IPv6 address (with `::` and an IPv4 tail). Throws on bad input. */
export function parseIp(s: string): { version: 4 | 6; bytes: Uint8Array } {
  if (s.includes(":")) return { version: 6, bytes: parseIpv6(s) };
  const v4 = parseIpv4(s);
  if (v4 === null) throw new Error(`not an IPv4 or IPv6 address: "${s}"`);
  return { version: 4, bytes: v4 };
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array {
  const bad = (why: string) => new Error(`not an IPv6 address: "${s}" (${why})`);
  const zone = s.indexOf("%");
  const addr = zone >= 0 ? s.slice(0, zone) : s;
  const halves = addr.split("::");
  if (halves.length > 2) throw bad("more than one '::'");
  const groups = (h: string): number[] => {
    if (h === "") return [];
    const out: number[] = [];
    const parts = h.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (v4 === null) throw bad(`bad IPv4 tail "${p}"`);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) throw bad(`bad group "${p}"`);
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) throw bad(`${total} groups`);
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) put16(out, i * 2, words[i]);
  return out;
}

/** The partial sum of the TCP/UDP/ICMPv6 pseudo-header. */
function pseudoSum(src: Uint8Array, dst: Uint8Array, proto: number, len: number): number {
  const ph = new Uint8Array(src.length === 4 ? 12 : 40);
  ph.set(src, 0);
  ph.set(dst, src.length);
  if (src.length === 4) {
    ph[9] = proto;
    put16(ph, 10, len);
  } else {
    put32(ph, 32, len);
    ph[39] = proto;
  }
  return sum16(ph);
}

function addrPair(src: string, dst: string): { s: Uint8Array; d: Uint8Array; version: 4 | 6 } {
  const s = parseIp(src);
  const d = parseIp(dst);
  if (s.version !== d.version) {
    throw new Error(`source ${src} is IPv${s.version} but destination ${dst} is IPv${d.version}`);
  }
  return { s: s.bytes, d: d.bytes, version: s.version };
}

function padTo(b: Uint8Array, mult: number): Uint8Array {
  const n = Math.ceil(b.length / mult) * mult;
  if (n === b.length) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

/** Hop-by-hop and destination options are padded with Pad1/PadN so the header stays valid. */
function padOptions(body: Uint8Array): Uint8Array {
  const need = (8 - ((2 + body.length) % 8)) % 8;
  if (need === 0) return body;
  const out = new Uint8Array(body.length + need);
  out.set(body);
  if (need >= 2) {
    out[body.length] = 1; // PadN
    out[body.length + 1] = need - 2;
  } // need === 1: a single Pad1 (0), already zero
  return out;
}

function ipv6ExtBytes(e: Ipv6Ext, nextHeader: number): Uint8Array {
  let body: Uint8Array;
  if (e.type === 44) {
    body = e.data ?? new Uint8Array(6);
    if (body.length !== 6) throw new Error(`an IPv6 fragment header body is 6 bytes, got ${body.length}`);
    return concat([Uint8Array.of(nextHeader, 0), body]);
  }
  if (e.type === 51) {
    // Reserved(2) SPI(4) Seq(4) ICV(12) by default.
    body = e.data ?? new Uint8Array(22);
    const h = padTo(concat([Uint8Array.of(nextHeader, 0), body]), 4);
    if (h.length / 4 - 2 > 255) throw new Error(`AH header too long (${h.length} bytes)`);
    h[1] = h.length / 4 - 2;
    return h;
  }
  if (e.type === 0 || e.type === 60) body = padOptions(e.data ?? new Uint8Array(0));
  else body = e.data ?? new Uint8Array(6); // routing: type 0, segments left 0, reserved
  const h = padTo(concat([Uint8Array.of(nextHeader, 0), body]), 8);
  if (h.length / 8 - 1 > 255) throw new Error(`IPv6 extension header ${e.type} too long (${h.length} bytes)`);
  h[1] = h.length / 8 - 1;
  return h;
}

function ipv4Header(s: Uint8Array, d: Uint8Array, proto: number, payloadLen: number, o: IpOpts): Uint8Array {
  const opts = padTo(o.ipOptions ?? new Uint8Array(0), 4);
  if (opts.length > 40) throw new Error(`IPv4 options are at most 40 bytes, got ${opts.length}`);
  const hl = 20 + opts.length;
  const total = hl + payloadLen;
  if (total > 0xffff) throw new Error(`IPv4 packet of ${total} bytes exceeds 65535`);
  const h = new Uint8Array(hl);
  h[0] = 0x40 | (hl >> 2);
  h[1] = o.tos ?? 0;
  put16(h, 2, total);
  put16(h, 4, o.id ?? 1);
  put16(h, 6, o.df ? 0x4000 : 0);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  h.set(s, 12);
  h.set(d, 16);
  h.set(opts, 20);
  let cs = internetChecksum(h);
  if (o.badIpChecksum) cs ^= BAD_CHECKSUM_XOR;
  put16(h, 10, cs);
  return h;
}

function ipv6Header(s: Uint8Array, d: Uint8Array, nextHeader: number, payloadLen: number, o: IpOpts): Uint8Array {
  if (payloadLen > 0xffff) throw new Error(`IPv6 payload of ${payloadLen} bytes exceeds 65535 (jumbograms not supported)`);
  const h = new Uint8Array(40);
  const tc = o.tos ?? 0;
  const fl = o.flowLabel ?? 0;
  put32(h, 0, ((6 << 28) | ((tc & 0xff) << 20) | (fl & 0xfffff)) >>> 0);
  put16(h, 4, payloadLen);
  h[6] = nextHeader;
  h[7] = o.ttl ?? 64;
  h.set(s, 8);
  h.set(d, 24);
  return h;
}

function buildIp(s: Uint8Array, d: Uint8Array, proto: number, payload: Uint8Array, o: IpOpts): Uint8Array {
  if (s.length === 4) return concat([ipv4Header(s, d, proto, payload.length, o), payload]);
  const exts = o.ext ?? [];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < exts.length; i++) {
    parts.push(ipv6ExtBytes(exts[i], i + 1 < exts.length ? exts[i + 1].type : proto));
  }
  parts.push(payload);
  const body = concat(parts);
  return concat([ipv6Header(s, d, exts.length > 0 ? exts[0].type : proto, body.length, o), body]);
}

/** An IPv4 or IPv6 header (with options / extension headers) followed by `payload`. */
export function ipPacket(src: string, dst: string, proto: number, payload: Uint8Array, o: IpOpts = {}): Uint8Array {
  const { s, d } = addrPair(src, dst);
  checkRange("IP protocol", proto, 255);
  return buildIp(s, d, proto, payload, o);
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

/** Turns `"SA"` into 0x12; numbers pass through. */
export function tcpFlagBits(f: TcpFlags): number {
  if (typeof f === "number") {
    checkRange("TCP flags", f, 0x1ff);
    return f;
  }
  let v = 0;
  for (const ch of f.toUpperCase()) {
    const b = FLAG_BITS[ch];
    if (b === undefined) throw new Error(`unknown TCP flag letter "${ch}" in "${f}" (use F S R P A U E C)`);
    v |= b;
  }
  return v;
}

function tcpOptionBytes(o: TcpOpts): Uint8Array {
  const out: number[] = [];
  const add = (opt: number[]) => {
    if (o.nops) while ((out.length + opt.length) % 4 !== 0) out.push(1);
    out.push(...opt);
  };
  if (o.mss !== undefined) {
    checkRange("MSS", o.mss, 0xffff);
    add([2, 4, o.mss >> 8, o.mss & 0xff]);
  }
  if (o.sackPerm) add([4, 2]);
  if (o.ts !== undefined) {
    const t = new Uint8Array(10);
    t[0] = 8;
    t[1] = 10;
    put32(t, 2, o.ts[0] >>> 0);
    put32(t, 6, o.ts[1] >>> 0);
    add([...t]);
  }
  if (o.wscale !== undefined) {
    checkRange("window scale", o.wscale, 255);
    add([3, 3, o.wscale]);
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    const t = new Uint8Array(2 + 8 * o.sack.length);
    t[0] = 5;
    t[1] = t.length;
    o.sack.forEach(([l, r], i) => {
      put32(t, 2 + i * 8, l >>> 0);
      put32(t, 6 + i * 8, r >>> 0);
    });
    add([...t]);
  }
  const b = padTo(Uint8Array.from(out), 4); // trailing zeros: EOL
  if (b.length > 40) throw new Error(`TCP options take ${b.length} bytes, at most 40 fit`);
  return b;
}

/** A whole IP packet carrying a TCP segment. Default flags: "PA" with a payload, "A" without. */
export function tcpPacket(
  a: {
    src: string;
    dst: string;
    sport: number;
    dport: number;
    flags?: TcpFlags;
    seq?: number;
    ack?: number;
    win?: number;
    urp?: number;
    opts?: TcpOpts;
    payload?: Uint8Array | string;
    badChecksum?: boolean;
  } & IpOpts,
): Uint8Array {
  const { s, d } = addrPair(a.src, a.dst);
  checkRange("source port", a.sport, 0xffff);
  checkRange("destination port", a.dport, 0xffff);
  const payload = bytesOf(a.payload);
  const opts = tcpOptionBytes(a.opts ?? {});
  const flags = tcpFlagBits(a.flags ?? (payload.length > 0 ? "PA" : "A"));
  const hl = 20 + opts.length;
  const seg = new Uint8Array(hl + payload.length);
  put16(seg, 0, a.sport);
  put16(seg, 2, a.dport);
  put32(seg, 4, (a.seq ?? 0) >>> 0);
  put32(seg, 8, (a.ack ?? 0) >>> 0);
  seg[12] = ((hl >> 2) << 4) | ((flags >> 8) & 1);
  seg[13] = flags & 0xff;
  put16(seg, 14, a.win ?? 65535);
  put16(seg, 18, a.urp ?? 0);
  seg.set(opts, 20);
  seg.set(payload, hl);
  let cs = internetChecksum(seg, pseudoSum(s, d, 6, seg.length));
  if (a.badChecksum) cs ^= BAD_CHECKSUM_XOR;
  put16(seg, 16, cs);
  return buildIp(s, d, 6, seg, a);
}

/** A whole IP packet carrying a UDP datagram. */
export function udpPacket(
  a: {
    src: string;
    dst: string;
    sport: number;
    dport: number;
    payload?: Uint8Array | string;
    badChecksum?: boolean;
    zeroChecksum?: boolean;
  } & IpOpts,
): Uint8Array {
  const { s, d } = addrPair(a.src, a.dst);
  checkRange("source port", a.sport, 0xffff);
  checkRange("destination port", a.dport, 0xffff);
  const payload = bytesOf(a.payload);
  const dg = new Uint8Array(8 + payload.length);
  put16(dg, 0, a.sport);
  put16(dg, 2, a.dport);
  put16(dg, 4, dg.length > 0xffff ? 0 : dg.length);
  dg.set(payload, 8);
  let cs = 0;
  if (!a.zeroChecksum) {
    cs = internetChecksum(dg, pseudoSum(s, d, 17, dg.length));
    if (cs === 0) cs = 0xffff; // 0 means "no checksum" in UDP
    if (a.badChecksum) cs ^= BAD_CHECKSUM_XOR;
  }
  put16(dg, 6, cs);
  return buildIp(s, d, 17, dg, a);
}

/**
 * A whole IP packet carrying ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses, pseudo-header checksum).
 * Echo request/reply (8/0, 128/129) put `id`/`seq` in the rest-of-header; other types use `rest`.
 */
export function icmpPacket(
  a: {
    src: string;
    dst: string;
    type: number;
    code?: number;
    id?: number;
    seq?: number;
    payload?: Uint8Array;
    rest?: number;
  } & IpOpts,
): Uint8Array {
  const { s, d, version } = addrPair(a.src, a.dst);
  checkRange("ICMP type", a.type, 255);
  const payload = a.payload ?? new Uint8Array(0);
  const m = new Uint8Array(8 + payload.length);
  m[0] = a.type;
  m[1] = a.code ?? 0;
  const echo = version === 4 ? a.type === 8 || a.type === 0 : a.type === 128 || a.type === 129;
  if (a.rest !== undefined || !echo) put32(m, 4, (a.rest ?? 0) >>> 0);
  else {
    put16(m, 4, a.id ?? 0);
    put16(m, 6, a.seq ?? 0);
  }
  m.set(payload, 8);
  const proto = version === 4 ? 1 : 58;
  put16(m, 2, internetChecksum(m, version === 4 ? 0 : pseudoSum(s, d, 58, m.length)));
  return buildIp(s, d, proto, m, a);
}

/** Parses "02:00:00:00:00:01" (also with '-'). */
export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new Error(`not a MAC address: "${s}" (expected six hex bytes like 02:00:00:00:00:01)`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

function etherTypeFor(payload: Uint8Array): number {
  const v = payload.length > 0 ? payload[0] >> 4 : 0;
  if (v === 4) return 0x0800;
  if (v === 6) return 0x86dd;
  throw new Error(`cannot tell the EtherType of a payload starting with version nibble ${v}; pass o.type`);
}

/**
 * An Ethernet II frame (no minimum-size padding, no FCS). `vlans` lists TCIs outer first (0x8100 tags;
 * with `qinq` the outermost uses 0x88a8). Defaults: src 02:00:00:00:00:01, dst 02:00:00:00:00:02.
 */
export function ether(
  payload: Uint8Array,
  o: { src?: string; dst?: string; type?: number; vlans?: number[]; qinq?: boolean } = {},
): Uint8Array {
  const vlans = o.vlans ?? [];
  const type = o.type ?? etherTypeFor(payload);
  const h = new Uint8Array(14 + 4 * vlans.length);
  h.set(parseMac(o.dst ?? "02:00:00:00:00:02"), 0);
  h.set(parseMac(o.src ?? "02:00:00:00:00:01"), 6);
  let p = 12;
  vlans.forEach((tci, i) => {
    checkRange("VLAN TCI", tci, 0xffff);
    put16(h, p, i === 0 && o.qinq ? 0x88a8 : 0x8100);
    put16(h, p + 2, tci);
    p += 4;
  });
  put16(h, p, type);
  return concat([h, payload]);
}

/** A whole Ethernet frame carrying ARP (or RARP: EtherType 0x8035, opcodes 3/4). Requests go to broadcast. */
export function arpPacket(
  a: { op: 1 | 2; senderMac: string; senderIp: string; targetMac?: string; targetIp: string; rarp?: boolean },
): Uint8Array {
  const sip = parseIp(a.senderIp);
  const tip = parseIp(a.targetIp);
  if (sip.version !== 4 || tip.version !== 4) throw new Error("ARP addresses must be IPv4");
  const smac = parseMac(a.senderMac);
  const tmac = a.targetMac !== undefined ? parseMac(a.targetMac) : new Uint8Array(6);
  const body = new Uint8Array(28);
  put16(body, 0, 1); // Ethernet
  put16(body, 2, 0x0800);
  body[4] = 6;
  body[5] = 4;
  put16(body, 6, a.rarp ? a.op + 2 : a.op);
  body.set(smac, 8);
  body.set(sip.bytes, 14);
  body.set(tmac, 18);
  body.set(tip.bytes, 24);
  const dst = a.op === 1 || a.targetMac === undefined ? "ff:ff:ff:ff:ff:ff" : a.targetMac;
  return ether(body, { src: a.senderMac, dst, type: a.rarp ? 0x8035 : 0x0806 });
}

const SLL_ADDR = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01, 0, 0);

/** A Linux cooked-mode v1 header (16 bytes: packet type "to us", ARPHRD_ETHER, 6-byte address) + payload. */
export function sll(payload: Uint8Array, proto: number): Uint8Array {
  const h = new Uint8Array(16);
  put16(h, 0, 0);
  put16(h, 2, 1);
  put16(h, 4, 6);
  h.set(SLL_ADDR, 6);
  put16(h, 14, proto);
  return concat([h, payload]);
}

/** A Linux cooked-mode v2 header (20 bytes) + payload. */
export function sll2(payload: Uint8Array, proto: number, ifIndex = 1): Uint8Array {
  const h = new Uint8Array(20);
  put16(h, 0, proto);
  put32(h, 4, ifIndex >>> 0);
  put16(h, 8, 1);
  h[10] = 0;
  h[11] = 6;
  h.set(SLL_ADDR, 12);
  return concat([h, payload]);
}

/** A 4-byte address-family header: DLT_NULL (little-endian, as x86 writes it) or DLT_LOOP (`bigEndian`). */
export function nullLoop(payload: Uint8Array, family: number, bigEndian = false): Uint8Array {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, family >>> 0, !bigEndian);
  return concat([h, payload]);
}

/** A GRE header (RFC 2784/2890: optional checksum, key, sequence) + `inner`; wrap it in `ipPacket(.., 47, ..)`. */
export function gre(
  inner: Uint8Array,
  protoType: number,
  o: { key?: number; seq?: number; checksum?: boolean } = {},
): Uint8Array {
  let hl = 4;
  let flags = 0;
  if (o.checksum) {
    flags |= 0x8000;
    hl += 4;
  }
  if (o.key !== undefined) {
    flags |= 0x2000;
    hl += 4;
  }
  if (o.seq !== undefined) {
    flags |= 0x1000;
    hl += 4;
  }
  const out = new Uint8Array(hl + inner.length);
  put16(out, 0, flags);
  put16(out, 2, protoType);
  let p = 4;
  const csAt = o.checksum ? p : -1;
  if (o.checksum) p += 4;
  if (o.key !== undefined) {
    put32(out, p, o.key >>> 0);
    p += 4;
  }
  if (o.seq !== undefined) {
    put32(out, p, o.seq >>> 0);
    p += 4;
  }
  out.set(inner, hl);
  if (csAt >= 0) put16(out, csAt, internetChecksum(out));
  return out;
}

/** An 8-byte VXLAN header (I flag, 24-bit VNI) + the inner Ethernet frame; put it in `udpPacket` dport 4789. */
export function vxlan(innerFrame: Uint8Array, vni: number): Uint8Array {
  checkRange("VNI", vni, 0xffffff);
  const h = new Uint8Array(8);
  h[0] = 0x08;
  h[4] = (vni >>> 16) & 0xff;
  h[5] = (vni >>> 8) & 0xff;
  h[6] = vni & 0xff;
  return concat([h, innerFrame]);
}

/** An IP packet taken apart: what every fragment repeats, and what gets split. */
interface Splittable {
  version: 4 | 6;
  /** IPv4: the whole header; IPv6: fixed header + the unfragmentable extension headers. */
  head: Uint8Array;
  /** Offset in `head` of the next-header byte the fragment header must take over (IPv6). */
  nhAt: number;
  /** IPv4 only: the options later fragments repeat (copied flag set), padded. */
  copiedOpts: Uint8Array;
  body: Uint8Array;
  id: number;
}

function splittable(packet: Uint8Array): Splittable {
  const v = packet.length > 0 ? packet[0] >> 4 : 0;
  if (v === 4) {
    const hl = (packet[0] & 0x0f) * 4;
    if (hl < 20 || packet.length < hl) throw new Error("not a complete IPv4 packet");
    const total = Math.min(get16(packet, 2), packet.length);
    if ((get16(packet, 6) & 0x3fff) !== 0) throw new Error("the packet is already a fragment");
    const copied: number[] = [];
    for (let i = 20; i < hl;) {
      const t = packet[i];
      if (t === 0) break;
      if (t === 1) {
        i++;
        continue;
      }
      const l = packet[i + 1];
      if (l < 2 || i + l > hl) break;
      if (t & 0x80) copied.push(...packet.subarray(i, i + l));
      i += l;
    }
    return {
      version: 4,
      head: packet.slice(0, hl),
      nhAt: 9,
      copiedOpts: padTo(Uint8Array.from(copied), 4),
      body: packet.slice(hl, total),
      id: get16(packet, 4),
    };
  }
  if (v === 6) {
    if (packet.length < 40) throw new Error("not a complete IPv6 packet");
    const end = Math.min(40 + get16(packet, 4), packet.length);
    // RFC 8200 4.5: hop-by-hop and routing (and dest-opts before routing) stay in every fragment.
    let nhAt = 6;
    let unfragEnd = 40;
    let p = 40;
    let nh = packet[6];
    while ((nh === 0 || nh === 43 || nh === 60) && p + 8 <= end) {
      const len = (packet[p + 1] + 1) * 8;
      if (nh === 0 || nh === 43) {
        // every dest-opts header before this one is unfragmentable too
        unfragEnd = p + len;
        nhAt = p;
      }
      nh = packet[p];
      p += len;
    }
    if (nh === 44) throw new Error("the packet is already a fragment");
    return {
      version: 6,
      head: packet.slice(0, unfragEnd),
      nhAt,
      copiedOpts: new Uint8Array(0),
      body: packet.slice(unfragEnd, end),
      id: fnv1a(packet),
    };
  }
  throw new Error(`not an IP packet (version nibble ${v})`);
}

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

function buildFragment(sp: Splittable, offset: number, chunk: Uint8Array, more: boolean, id: number): Uint8Array {
  if (offset % 8 !== 0) throw new Error(`fragment offset ${offset} is not a multiple of 8`);
  if (offset / 8 > 0x1fff) throw new Error(`fragment offset ${offset} exceeds 65528`);
  if (sp.version === 4) {
    let h: Uint8Array;
    if (offset === 0) h = sp.head.slice();
    else {
      h = new Uint8Array(20 + sp.copiedOpts.length);
      h.set(sp.head.subarray(0, 20));
      h.set(sp.copiedOpts, 20);
      h[0] = 0x40 | (h.length >> 2);
    }
    put16(h, 2, h.length + chunk.length);
    put16(h, 4, id & 0xffff);
    put16(h, 6, (more ? 0x2000 : 0) | (offset / 8));
    put16(h, 10, 0);
    put16(h, 10, internetChecksum(h));
    return concat([h, chunk]);
  }
  const h = sp.head.slice();
  const nextHeader = h[sp.nhAt];
  h[sp.nhAt] = 44;
  const fh = new Uint8Array(8);
  fh[0] = nextHeader;
  put16(fh, 2, offset | (more ? 1 : 0));
  put32(fh, 4, id >>> 0);
  put16(h, 4, h.length - 40 + 8 + chunk.length);
  return concat([h, fh, chunk]);
}

/**
 * Splits an IPv4 packet (MF flag and offset; later fragments repeat only the "copied" options) or an
 * IPv6 packet (a fragment header after the unfragmentable part) into fragments whose payloads are
 * `fragPayloadSize` rounded down to a multiple of 8, the last one shorter.
 */
export function fragmentIp(packet: Uint8Array, fragPayloadSize: number): Uint8Array[] {
  const size = Math.floor(fragPayloadSize / 8) * 8;
  if (size < 8) throw new Error(`fragment payload size ${fragPayloadSize} is below 8`);
  const sp = splittable(packet);
  const out: Uint8Array[] = [];
  for (let off = 0; off < sp.body.length || off === 0; off += size) {
    const chunk = sp.body.slice(off, off + size);
    out.push(buildFragment(sp, off, chunk, off + size < sp.body.length, sp.id));
    if (sp.body.length === 0) break;
  }
  return out;
}

/**
 * One crafted fragment of `packet`: it carries bytes [offset, offset+length) of the packet's
 * fragmentable payload, or all of `data` instead (for overlap tests; `length` is then ignored).
 * `id` defaults to the IPv4 identification / a hash of the IPv6 packet, as `fragmentIp` uses.
 */
export function fragmentRaw(
  a: { packet: Uint8Array; offset: number; length: number; more: boolean; id?: number; data?: Uint8Array },
): Uint8Array {
  const sp = splittable(a.packet);
  if (a.data === undefined && a.offset + a.length > sp.body.length) {
    throw new Error(`fragment [${a.offset}, ${a.offset + a.length}) runs past the ${sp.body.length}-byte payload`);
  }
  const chunk = a.data ?? sp.body.slice(a.offset, a.offset + a.length);
  return buildFragment(sp, a.offset, chunk, a.more, a.id ?? sp.id);
}
