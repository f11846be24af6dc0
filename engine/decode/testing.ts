/**
 * Test support for the decoder's tests: decode one frame into a fresh `Packet`, and read the anomaly
 * codes it raised. Cold path, tests only.
 */
import { defaultEngineConfig } from "../config.ts";
import { LINK_RAW, Packet } from "../packet.ts";
import { Decoder } from "./decoder.ts";

/** Decodes `bytes` (raw IP unless `linkType` says otherwise), validating checksums when asked. */
export function decode(bytes: Uint8Array, csum = false, linkType = LINK_RAW): Packet {
  const p = new Packet();
  p.reset(bytes, 0, bytes.length);
  p.linkType = linkType;
  const d = new Decoder(defaultEngineConfig().decode);
  d.validateChecksums = csum;
  d.decode(p);
  return p;
}

/** The anomaly codes the packet recorded. */
export const codes = (p: Packet): number[] => Array.from(p.anomalies.subarray(0, p.anomalyCount));

/** Whether the packet recorded anomaly `code`. */
export const has = (p: Packet, code: number): boolean => codes(p).includes(code);
