/**
 * Test support for QUIC: a client Initial protector written with node:crypto (AES-128-GCM, AES-ECB
 * header protection, HKDF via HMAC), independent of the code under test (`aes.ts`, `hkdf.ts`,
 * `initial.ts`), so tests can build encrypted Initials carrying any ClientHello.
 *
 * Test support only: allocates freely, uses node:crypto; never imported by engine code.
 *
 * @example
 * ```ts
 * import { cryptoFrame, protectInitial } from "./testing.ts";
 * const pkt = protectInitial(QUIC_V1, dcid, 0, cryptoFrame(0, clientHello));
 * ```
 */
import { createCipheriv, createHmac } from "node:crypto";
import { expandLabelInfo } from "./hkdf.ts";
import { QUIC_V2 } from "./initial.ts";

function expandLabel(secret: Buffer, label: string, n: number): Buffer {
  const info = Buffer.from(expandLabelInfo(label, n));
  return createHmac("sha256", secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, n);
}

/** A client Initial of `version` (v1 or v2) protected as RFC 9001 §5 says, padded to `pad` bytes. */
export function protectInitial(version: number, dcid: Uint8Array, pn: number, frames: Uint8Array, pad = 1200): Uint8Array {
  const salt = version === QUIC_V2 ? "0dede3def700a6db819381be6e269dcbf9bd2ed9" : "38762cf7f55934b34d179ae6a4c80cadccbb7f0a";
  const initial = createHmac("sha256", Buffer.from(salt, "hex")).update(dcid).digest();
  const client = expandLabel(initial, "client in", 32);
  const p = version === QUIC_V2 ? "quicv2 " : "quic ";
  const key = expandLabel(client, p + "key", 16);
  const iv = expandLabel(client, p + "iv", 12);
  const hp = expandLabel(client, p + "hp", 16);
  const pnLen = 2;
  const hdrFixed = 1 + 4 + 1 + dcid.length + 1 + 1 + 2; // … token length 0, 2-byte Length
  let plain = frames;
  const minPayload = pad - hdrFixed - pnLen - 16;
  if (plain.length < minPayload) {
    plain = new Uint8Array(minPayload);
    plain.set(frames);
  }
  const length = pnLen + plain.length + 16;
  const type = version === QUIC_V2 ? 1 : 0;
  const hdr = new Uint8Array(hdrFixed + pnLen);
  let o = 0;
  hdr[o++] = 0xc0 | (type << 4) | (pnLen - 1);
  hdr[o++] = version >>> 24, hdr[o++] = (version >>> 16) & 0xff, hdr[o++] = (version >>> 8) & 0xff, hdr[o++] = version & 0xff;
  hdr[o++] = dcid.length;
  hdr.set(dcid, o);
  o += dcid.length;
  hdr[o++] = 0; // SCID length
  hdr[o++] = 0; // token length
  hdr[o++] = 0x40 | (length >>> 8), hdr[o++] = length & 0xff;
  const pnOff = o;
  hdr[o++] = (pn >>> 8) & 0xff, hdr[o++] = pn & 0xff;
  const nonce = Buffer.from(iv);
  nonce[10] ^= (pn >>> 8) & 0xff;
  nonce[11] ^= pn & 0xff;
  const c = createCipheriv("aes-128-gcm", key, nonce);
  c.setAAD(hdr);
  const ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  const pkt = new Uint8Array(hdr.length + ct.length);
  pkt.set(hdr);
  pkt.set(ct, hdr.length);
  const ecb = createCipheriv("aes-128-ecb", hp, null);
  const mask = ecb.update(pkt.subarray(pnOff + 4, pnOff + 20));
  pkt[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLen; i++) pkt[pnOff + i] ^= mask[1 + i];
  return pkt;
}

/** A CRYPTO frame carrying `data` at `offset`. */
export function cryptoFrame(offset: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 4 + 2 + data.length);
  out[0] = 0x06;
  out[1] = 0x80 | (offset >>> 24), out[2] = (offset >>> 16) & 0xff, out[3] = (offset >>> 8) & 0xff, out[4] = offset & 0xff;
  out[5] = 0x40 | (data.length >>> 8), out[6] = data.length & 0xff;
  out.set(data, 7);
  return out;
}

