/**
 * Test support for the DCERPC virtual patches (ms08-067, printnightmare, zerologon, petitpotam): turns
 * a captured TCP conversation back into its messages, so a test can replay the same real client and
 * server bytes with other TCP segmentation (tiny or out-of-order segments) through an `IpsRig`; and the
 * checks those tests share (a capture blocked by a sid, alone or not; the same conversation blocked in
 * other segmentations; benign captures silent whole and segmented, nothing dropped).
 *
 * Test support only (cold path): allocates freely; expects Ethernet/IPv4 captures of one TCP
 * connection (what traffic/capture.sh writes) and throws on anything else.
 *
 * @example
 * ```ts
 * import { packRig } from "../../testing.ts";
 * import { replaySegmented, tcpMessages } from "../../dcerpc.testing.ts";
 * const rig = packRig();
 * replaySegmented(rig, tcpMessages("rules/packs/vpatch/zerologon/traffic/zerologon-tcp.pcap"), 1);
 * ```
 */
import * as assert from "uvu/assert";
import { readAll } from "../../datapath/pcap/reader.ts";
import { type IpsRig, TcpConversation } from "../../engine/ips.testing.ts";
import { packRig, replay } from "./testing.ts";

/** One TCP payload of a capture: who sent it and its bytes. */
export interface TcpMessage {
  fromClient: boolean;
  data: Uint8Array;
}

/** The TCP payloads of the (single) connection in `path`, in capture order; the client sent the SYN. */
export function tcpMessages(path: string): { dport: number; messages: TcpMessage[] } {
  let clientPort = -1;
  let dport = -1;
  const messages: TcpMessage[] = [];
  for (const r of readAll(path)) {
    const f = r.data;
    if (f.length < 54 || f[12] !== 0x08 || f[13] !== 0x00) throw new Error(`${path}: not Ethernet/IPv4`);
    const ihl = (f[14] & 0x0f) * 4;
    if (f[23] !== 6) continue;
    const t = 14 + ihl;
    const sport = (f[t] << 8) | f[t + 1];
    const dp = (f[t + 2] << 8) | f[t + 3];
    const flags = f[t + 13];
    if (clientPort < 0 && (flags & 0x12) === 0x02) {
      clientPort = sport;
      dport = dp;
    }
    const totalLen = (f[16] << 8) | f[17];
    const start = t + (f[t + 12] >> 4) * 4;
    const end = 14 + totalLen;
    if (end > start) messages.push({ fromClient: sport === clientPort, data: f.slice(start, end) });
  }
  if (clientPort < 0) throw new Error(`${path}: no SYN`);
  return { dport, messages };
}

/**
 * Replays the messages as a new connection through `rig`: a handshake, then each server message as
 * one segment and each client message cut into `piece`-byte segments (`reverse`: those segments sent
 * last-first, so the reassembler must reorder them). Returns the verdicts of the client segments.
 */
export function replaySegmented(
  rig: IpsRig,
  conv: { dport: number; messages: TcpMessage[] },
  piece: number,
  reverse = false,
): number[] {
  const c = new TcpConversation(rig, { dport: conv.dport });
  c.handshake();
  const verdicts: number[] = [];
  let cOff = 0;
  let sOff = 0;
  for (const m of conv.messages) {
    if (!m.fromClient) {
      c.sendServer(sOff, m.data);
      sOff += m.data.length;
      continue;
    }
    const cuts: number[] = [];
    for (let k = piece; k < m.data.length; k += piece) cuts.push(k);
    const order = [...Array(cuts.length + 1).keys()];
    if (reverse) order.reverse();
    verdicts.push(...c.sendClientPieces(cOff, m.data, cuts, order));
    cOff += m.data.length;
  }
  rig.finish();
  return verdicts;
}

/**
 * Replays a capture through a fresh pack rig and asserts that `sid` blocked it (and, with `only`,
 * that it was the one sid alerted). Returns the rig.
 */
export function assertRpcBlocked(path: string, sid: number, only = false): IpsRig {
  const rig = packRig();
  replay(rig, path);
  assert.ok(rig.blockedBy(sid));
  if (only) assert.equal(rig.alertSids(), [sid]);
  return rig;
}

/** Replays `conv` through a fresh pack rig per `[piece, reverse]` and asserts that `sid` blocked each. */
export function assertSegmentedBlocked(
  conv: { dport: number; messages: TcpMessage[] },
  sid: number,
  variants: readonly (readonly [piece: number, reverse: boolean])[],
): void {
  for (const [piece, reverse] of variants) {
    const r = packRig();
    replaySegmented(r, conv, piece, reverse);
    assert.ok(r.blockedBy(sid), `piece ${piece}${reverse ? ", reversed" : ""}`);
  }
}

/**
 * A benign capture raises nothing from the whole pack and drops nothing, replayed as captured and
 * again with its client messages in `piece`-byte segments.
 */
export function assertRpcBenign(path: string, piece: number): void {
  const rig = packRig();
  replay(rig, path);
  assert.equal(rig.alertSids(), []);
  assert.equal(rig.droppedCount(), 0);
  rig.reset();
  replaySegmented(rig, tcpMessages(path), piece);
  assert.equal(rig.alertSids(), []);
}
