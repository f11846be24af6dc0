/**
 * QUIC long-header packets and Initial packet protection (RFC 9000 §17.2, RFC 9001 §5): walks one
 * long-header packet, and for a client Initial derives the Initial keys from its Destination Connection
 * ID (HKDF-Extract with the version's salt, HKDF-Expand-Label "client in", then key / iv / hp — "quicv2 …"
 * labels for QUIC v2, RFC 9369), removes header protection (AES-128-ECB on the sample) and decrypts the
 * payload with AES-128-GCM, checking the tag. Versions: v1, v2, drafts 23–34, Google Q050 / T050 / T051
 * (their own salts), mvfst's draft-22/23 aliases.
 *
 * Never allocates after construction and never throws; the packet is never written: the unprotected
 * header and the plaintext go to `plain` (sized at construction; bigger packets are refused, `status`
 * says why). Keys are derived again only when the version or DCID changes.
 *
 * @example
 * ```ts
 * import { InitialOpener, OPEN_OK } from "./initial.ts";
 * const o = new InitialOpener(2048);
 * const datagram = new Uint8Array(1200); // a client Initial, as sent
 * const next = o.open(datagram, 0, datagram.length); // where the next coalesced packet starts, or -1
 * if (o.status === OPEN_OK) o.plain.subarray(o.payloadOff, o.payloadOff + o.payloadLen); // frames (cold code only)
 * ```
 */
import { Aes128, Aes128Gcm } from "./aes.ts";
import { expandLabelInfo, Hkdf } from "./hkdf.ts";

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
export const QUIC_Q043 = 0x51303433;
export const QUIC_Q046 = 0x51303436;
export const QUIC_Q050 = 0x51303530;
export const QUIC_T050 = 0x54303530;
export const QUIC_T051 = 0x54303531;

/** `open` outcomes (`status`). */
export const OPEN_OK = 0;
/** A long-header packet that is not an Initial (0-RTT, Handshake, Retry): stepped over. */
export const OPEN_NOT_INITIAL = 1;
/** The header or its lengths do not fit the datagram. */
export const OPEN_MALFORMED = 2;
/** No Initial salt for this version. */
export const OPEN_UNKNOWN_VERSION = 3;
/** The AEAD tag did not verify (wrong keys, a server Initial, or a corrupted packet). */
export const OPEN_BAD_TAG = 4;
/** The packet is bigger than the plaintext buffer. */
export const OPEN_TOO_BIG = 5;

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

const SALT_V1 = hexBytes("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
const SALT_V2 = hexBytes("0dede3def700a6db819381be6e269dcbf9bd2ed9");
const SALT_DRAFT29 = hexBytes("afbfec289993d24c9e9786f19c6111e04390a899");
const SALT_DRAFT23 = hexBytes("c3eef712c72ebb5a11a7d2432bb46365bef9f502");
const SALT_DRAFT22 = hexBytes("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a");
const SALT_Q050 = hexBytes("504574efd066fe2f9d945cfcdbd3a7f0d3b56b45");
const SALT_T050 = hexBytes("7ff579e5acd072915580304c43a2367c60488310");
const SALT_T051 = hexBytes("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d");

const CLIENT_IN = expandLabelInfo("client in", 32);
const KEY_V1 = expandLabelInfo("quic key", 16);
const IV_V1 = expandLabelInfo("quic iv", 12);
const HP_V1 = expandLabelInfo("quic hp", 16);
const KEY_V2 = expandLabelInfo("quicv2 key", 16);
const IV_V2 = expandLabelInfo("quicv2 iv", 12);
const HP_V2 = expandLabelInfo("quicv2 hp", 16);

/** The Initial salt of a version, or null when its Initial packets cannot be opened here. */
export function initialSalt(version: number): Uint8Array | null {
  switch (version) {
    case QUIC_V1:
      return SALT_V1;
    case QUIC_V2:
      return SALT_V2;
    case QUIC_Q050:
      return SALT_Q050;
    case QUIC_T050:
      return SALT_T050;
    case QUIC_T051:
      return SALT_T051;
    case 0xfaceb001:
      return SALT_DRAFT22;
    case 0xfaceb002:
      return SALT_DRAFT23;
    case 0xfaceb00e: // mvfst's v1 alias
      return SALT_V1;
  }
  if (version >= 0xff000017 && version <= 0xff00001c) return SALT_DRAFT23;
  if (version >= 0xff00001d && version <= 0xff000020) return SALT_DRAFT29;
  if (version >= 0xff000021 && version <= 0xff000022) return SALT_V1;
  return null;
}

/** The long-header type bits of an Initial packet (QUIC v2 renumbered them). */
export function initialType(version: number): number {
  return version === QUIC_V2 ? 1 : 0;
}

/** The long-header type bits of a Retry packet (no Length field). */
function retryType(version: number): number {
  return version === QUIC_V2 ? 0 : 3;
}

/** RFC 9000 §16 variable-length integer at `p`; `VARINT_END` holds where it ends (-1 when truncated). */
export const VARINT_END = new Int32Array(1);
export function readVarint(b: Uint8Array, p: number, end: number): number {
  if (p >= end) {
    VARINT_END[0] = -1;
    return 0;
  }
  const n = 1 << (b[p] >>> 6);
  if (p + n > end) {
    VARINT_END[0] = -1;
    return 0;
  }
  let v = b[p] & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + b[p + i];
  VARINT_END[0] = p + n;
  return v;
}

export function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export class InitialOpener {
  private readonly hkdf = new Hkdf();
  private readonly gcm = new Aes128Gcm();
  private readonly hp = new Aes128();
  private readonly secret = new Uint8Array(32);
  private readonly client = new Uint8Array(32);
  private readonly key = new Uint8Array(16);
  private readonly iv = new Uint8Array(12);
  private readonly hpKey = new Uint8Array(16);
  private readonly nonce = new Uint8Array(12);
  private readonly mask = new Uint8Array(16);
  private readonly lastDcid = new Uint8Array(20);
  private lastDcidLen = -1;
  private lastVersion = -1;

  /** Unprotected header then plaintext payload of the last packet opened. */
  readonly plain: Uint8Array;
  /** OPEN_* of the last `open`. */
  status = OPEN_MALFORMED;
  /** Version, long-header type bits, DCID (offset into the packet) of the last packet walked. */
  version = 0;
  type = 0;
  dcidOff = 0;
  dcidLen = 0;
  /** The packet number (as sent, truncated) and the payload in `plain` of the last Initial opened. */
  packetNumber = 0;
  payloadOff = 0;
  payloadLen = 0;
  /** Key derivations done (a new DCID or version). */
  derivations = 0;

  constructor(maxPacketBytes: number) {
    this.plain = new Uint8Array(maxPacketBytes);
  }

  /**
   * Walks the long-header packet at `b[off]` (within the datagram ending at `end`). Returns where the
   * next coalesced packet starts, or -1 when the header is malformed. When the packet is an Initial of a
   * version with a known salt, it is opened: `status` is OPEN_OK and the frames are at
   * `plain[payloadOff…+payloadLen]`.
   */
  open(b: Uint8Array, off: number, end: number): number {
    this.status = OPEN_MALFORMED;
    this.payloadLen = 0;
    if (end > b.length) end = b.length;
    if (off + 7 > end || (b[off] & 0x80) === 0) return -1;
    const b0 = b[off];
    const version = be32(b, off + 1);
    this.version = version;
    if (version === 0) return -1; // version negotiation
    let p = off + 5;
    const dcil = b[p++];
    if (dcil > 20 || p + dcil + 1 > end) return -1;
    this.dcidOff = p;
    this.dcidLen = dcil;
    p += dcil;
    const scil = b[p++];
    if (scil > 20 || p + scil > end) return -1;
    p += scil;
    const type = (b0 >>> 4) & 3;
    this.type = type;
    if (type === retryType(version)) {
      this.status = OPEN_NOT_INITIAL;
      return end;
    }
    const initial = type === initialType(version);
    if (initial) {
      const tl = readVarint(b, p, end);
      if (VARINT_END[0] < 0 || VARINT_END[0] + tl > end) return -1;
      p = VARINT_END[0] + tl;
    }
    const length = readVarint(b, p, end);
    if (VARINT_END[0] < 0) return -1;
    const pnOff = VARINT_END[0];
    const pktEnd = pnOff + length;
    if (pktEnd > end) return -1;
    if (!initial) {
      this.status = OPEN_NOT_INITIAL;
      return pktEnd;
    }
    // the header-protection sample starts 4 bytes after the packet number's start; a tag follows
    if (length < 20 + 1) return -1;
    const salt = initialSalt(version);
    if (salt === null) {
      this.status = OPEN_UNKNOWN_VERSION;
      return pktEnd;
    }
    this.derive(version, salt, b, this.dcidOff, dcil);
    this.hp.encryptBlock(b, pnOff + 4, this.mask, 0);
    const mask = this.mask;
    const first = b0 ^ (mask[0] & 0x0f);
    const pnLen = (first & 3) + 1;
    const hdrLen = pnOff + pnLen - off;
    const ctLen = length - pnLen - 16;
    if (ctLen <= 0) return -1;
    if (hdrLen + ctLen > this.plain.length) {
      this.status = OPEN_TOO_BIG;
      return pktEnd;
    }
    const out = this.plain;
    for (let i = 0; i < hdrLen; i++) out[i] = b[off + i];
    out[0] = first;
    let pn = 0;
    const nonce = this.nonce;
    for (let i = 0; i < 12; i++) nonce[i] = this.iv[i];
    for (let i = 0; i < pnLen; i++) {
      const x = b[pnOff + i] ^ mask[1 + i];
      out[pnOff - off + i] = x;
      pn = pn * 256 + x;
      nonce[12 - pnLen + i] ^= x;
    }
    this.packetNumber = pn;
    const ctOff = pnOff + pnLen;
    if (!this.gcm.open(nonce, 0, out, 0, hdrLen, b, ctOff, ctLen, b, ctOff + ctLen, out, hdrLen)) {
      this.status = OPEN_BAD_TAG;
      return pktEnd;
    }
    this.payloadOff = hdrLen;
    this.payloadLen = ctLen;
    this.status = OPEN_OK;
    return pktEnd;
  }

  /** Client Initial secrets for `version` and the DCID at `b[dOff]` (skipped when they are the last ones). */
  private derive(version: number, salt: Uint8Array, b: Uint8Array, dOff: number, dLen: number): void {
    if (version === this.lastVersion && dLen === this.lastDcidLen) {
      let same = true;
      for (let i = 0; i < dLen; i++) {
        if (this.lastDcid[i] !== b[dOff + i]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    this.lastVersion = version;
    this.lastDcidLen = dLen;
    for (let i = 0; i < dLen; i++) this.lastDcid[i] = b[dOff + i];
    this.derivations++;
    const h = this.hkdf;
    h.extract(salt, 0, salt.length, b, dOff, dLen, this.secret, 0);
    h.expand(this.secret, 0, CLIENT_IN, this.client, 0, 32);
    const v2 = version === QUIC_V2;
    h.expand(this.client, 0, v2 ? KEY_V2 : KEY_V1, this.key, 0, 16);
    h.expand(this.client, 0, v2 ? IV_V2 : IV_V1, this.iv, 0, 12);
    h.expand(this.client, 0, v2 ? HP_V2 : HP_V1, this.hpKey, 0, 16);
    this.gcm.setKey(this.key, 0);
    this.hp.setKey(this.hpKey, 0);
  }

  /** The client Initial key material last derived (for tests): key 16, iv 12, hp 16 bytes. */
  keys(): { secret: Uint8Array; key: Uint8Array; iv: Uint8Array; hp: Uint8Array } {
    return { secret: this.client, key: this.key, iv: this.iv, hp: this.hpKey };
  }

  /** Derives the client Initial keys for `dcid` without a packet (tests, cold path). */
  deriveFor(version: number, dcid: Uint8Array): boolean {
    const salt = initialSalt(version);
    if (salt === null) return false;
    this.lastVersion = -1;
    this.derive(version, salt, dcid, 0, dcid.length);
    return true;
  }
}
