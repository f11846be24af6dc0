/**
 * Structural checks that a byte pattern cannot express (length fields that must agree with the
 * payload, header fields with small sets of legal values). Each is named in signatures as
 * `shape: <name>` and implemented here from the protocol's public description.
 *
 * Hot path: no allocation (the one gQUIC CHLO reader is built when the module loads).
 *
 * @example
 * ```ts
 * import { checkShape, SHAPE_NAMES } from "./shapes.ts";
 * const wg = new Uint8Array(148); wg[0] = 1; // WireGuard handshake initiation
 * checkShape(SHAPE_NAMES.indexOf("wireguard"), wg, 0, 148); // true
 * ```
 */
import { ChloReader } from "../applayer/quic/gquic.ts";

export const SHAPE_NAMES: readonly string[] = [
  "",
  "wireguard",
  "openvpn_tcp",
  "openvpn_udp",
  "utp_syn",
  "edonkey",
  "gnutella_udp",
  "le16_length",
  "gquic_chlo",
  "stun_ms",
  "line_call",
  "tpkt_cr",
  "g2_udp",
];

const S_WIREGUARD = 1;
const S_OPENVPN_TCP = 2;
const S_OPENVPN_UDP = 3;
const S_UTP_SYN = 4;
const S_EDONKEY = 5;
const S_GNUTELLA_UDP = 6;
const S_LE16_LENGTH = 7;
const S_GQUIC_CHLO = 8;
const S_STUN_MS = 9;
const S_LINE_CALL = 10;
const S_TPKT_CR = 11;
const S_G2_UDP = 12;

/** Whether `len` bytes of `b` from `off` have the shape `shape` (SHAPE_NAMES index). */
export function checkShape(shape: number, b: Uint8Array, off: number, len: number): boolean {
  switch (shape) {
    case S_WIREGUARD:
      return wireguard(b, off, len);
    case S_OPENVPN_TCP:
      // RFC-less but documented framing: a 16-bit length, then the UDP packet format
      return len >= 16 && ((b[off] << 8) | b[off + 1]) === len - 2 && openvpnReset(b, off + 2, len - 2);
    case S_OPENVPN_UDP:
      return openvpnReset(b, off, len);
    case S_UTP_SYN:
      // BEP 29: ST_SYN (type 4, version 1), a known extension, no timestamp difference, ack_nr 0
      return len >= 20 && b[off] === 0x41 && b[off + 1] <= 2 && (b[off + 1] !== 0 || len === 20) &&
        b[off + 8] === 0 && b[off + 9] === 0 && b[off + 10] === 0 && b[off + 11] === 0 && b[off + 18] === 0 && b[off + 19] === 0;
    case S_EDONKEY: {
      // eDonkey/eMule: protocol byte, 32-bit little-endian length of what follows it, opcode hello / hello answer
      if (len < 6) return false;
      const p = b[off];
      if (p !== 0xe3 && p !== 0xc5) return false;
      const n = (b[off + 1] | (b[off + 2] << 8) | (b[off + 3] << 16) | (b[off + 4] << 24)) >>> 0;
      const op = b[off + 5];
      return n === len - 5 && (op === 0x01 || op === 0x4c);
    }
    case S_GNUTELLA_UDP: {
      // Gnutella 0.6 descriptor: 16-byte GUID, type, TTL, hops, 32-bit LE payload length (= the rest)
      if (len < 23) return false;
      const t = b[off + 16];
      if (t !== 0x00 && t !== 0x01 && t !== 0x02 && t !== 0x40 && t !== 0x80 && t !== 0x81 && t !== 0x31 && t !== 0x32) return false;
      if (b[off + 17] > 15 || b[off + 18] > 15 || b[off + 17] + b[off + 18] > 16) return false;
      const n = (b[off + 19] | (b[off + 20] << 8) | (b[off + 21] << 16) | (b[off + 22] << 24)) >>> 0;
      return n === len - 23;
    }
    case S_LE16_LENGTH:
      return len >= 4 && (b[off] | (b[off + 1] << 8)) === len;
    case S_GQUIC_CHLO:
      return chlo.read(b, off, off + len);
    case S_STUN_MS:
      return stunMs(b, off, len);
    case S_G2_UDP:
      // Gnutella2 UDP transport: "GND", flags, sequence, part number (1-based) of count parts
      return len >= 8 && b[off] === 0x47 && b[off + 1] === 0x4e && b[off + 2] === 0x44 && b[off + 6] >= 1 && b[off + 6] <= b[off + 7];
    case S_TPKT_CR:
      // RFC 1006 TPKT (version 3, length = the packet) carrying an X.224 connection request (0xE0)
      return len >= 11 && b[off] === 3 && b[off + 1] === 0 && ((b[off + 2] << 8) | b[off + 3]) === len && b[off + 5] === 0xe0;
    case S_LINE_CALL:
      // LINE's UDP call framing (as nDPI's dissector reads it): 0xDx first byte, 0x06 0x02 at 4
      return len >= 8 && (b[off] & 0xf0) === 0xd0 && b[off + 4] === 0x06 && b[off + 5] === 0x02;
  }
  return false;
}

/**
 * A STUN message (RFC 5389 header: zero top bits, length = the rest, magic cookie) carrying one of the
 * attributes Microsoft's MS-TURN / MS-ICE2 extensions define (Skype for Business / Teams clients).
 */
function stunMs(b: Uint8Array, off: number, len: number): boolean {
  if (len < 20 || (b[off] & 0xc0) !== 0 || ((b[off + 2] << 8) | b[off + 3]) !== len - 20) return false;
  if (b[off + 4] !== 0x21 || b[off + 5] !== 0x12 || b[off + 6] !== 0xa4 || b[off + 7] !== 0x42) return false;
  let q = off + 20;
  const end = off + len;
  while (q + 4 <= end) {
    const t = (b[q] << 8) | b[q + 1];
    const l = (b[q + 2] << 8) | b[q + 3];
    if (t === 0x8008 || t === 0x8054 || t === 0x8055 || t === 0x8056 || t === 0x8057 || t === 0x8070 || t === 0x8095 || t === 0x8006) return true;
    q += 4 + ((l + 3) & ~3);
  }
  return false;
}

function wireguard(b: Uint8Array, off: number, len: number): boolean {
  // type byte then three reserved zero bytes; handshake messages have fixed sizes
  if (len < 32 || b[off + 1] !== 0 || b[off + 2] !== 0 || b[off + 3] !== 0) return false;
  const t = b[off];
  if (t === 1) return len === 148;
  if (t === 2) return len === 92;
  if (t === 3) return len === 64;
  // transport data: receiver index, counter, then the AEAD output padded to 16 bytes plus a 16-byte tag
  if (t === 4) return (len & 15) === 0;
  return false;
}

/**
 * OpenVPN hard-reset control packets (first of a session): opcode 7 (client v2), 8 (server v2) or 10
 * (client v3), key id 0, an 8-byte session id, and a size that fits no HMAC, SHA-1/SHA-256/SHA-512
 * tls-auth, or tls-crypt.
 */
function openvpnReset(b: Uint8Array, off: number, len: number): boolean {
  const op = b[off];
  if (op === 0x38 || op === 0x50) return len === 14 || len === 38 || len === 42 || len === 54 || len === 86 || len === 22;
  if (op === 0x40) return len === 26 || len === 50 || len === 54 || len === 66 || len === 98 || len === 34;
  return false;
}

/** Google QUIC (Q0xx) client hello reader (the QUIC parser's), shared by the shape check and the identifier. */
export const chlo = new ChloReader();
