/**
 * Test support for the SMB, DCERPC and RDP parser tests (cold path, tests only; allocates freely): a
 * sink recording every inspection's buffers (all BUF_* ids, including BUF_RDP_CHANNEL), fields and
 * interface, and the events raised. Must never be imported by engine code.
 *
 * @example
 * ```ts
 * import { Rec } from "./testing.ts";
 * const sink = new Rec();
 * parser.parse(slot, 0, bytes, 0, bytes.length, sink);
 * sink.values(BUF_SMB_SHARE); // ["\\\\server\\IPC$"]
 * ```
 */
import { BUF_COUNT, InspectBuffers } from "../../detect/buffers.ts";
import type { AppSink } from "../parser.ts";
import { bufferStrings } from "../stream-fixture.ts";
import { PT_BIND, PT_BIND_ACK, PT_REQUEST, PT_RESPONSE } from "../dcerpc/dcerpc.ts";

export interface Seen {
  txId: number;
  dir: number;
  progress: number;
  bufs: Map<number, string[]>;
  fields: number[];
  iface: string; // hex of the 16 wire bytes, "" when not set
}

export class Rec implements AppSink {
  readonly buffers = new InspectBuffers();
  readonly seen: Seen[] = [];
  readonly events: number[] = [];
  tx(txId: number, dir: number, progress: number): void {
    const bufs = bufferStrings(this.buffers, BUF_COUNT);
    const iface = this.buffers.ifaceSet ? Array.from(this.buffers.iface, (x) => x.toString(16).padStart(2, "0")).join("") : "";
    this.seen.push({ txId, dir, progress, bufs, fields: Array.from(this.buffers.fields), iface });
  }
  event(code: number): void {
    this.events.push(code);
  }
  /** Every value of buffer `id`, de-duplicated, first-seen order. */
  values(id: number): string[] {
    const s = new Set<string>();
    for (const x of this.seen) for (const v of x.bufs.get(id) ?? []) s.add(v);
    return [...s];
  }
  /** A comparable summary of everything seen (for whole vs byte-at-a-time). */
  summary(): string {
    return JSON.stringify(this.seen.map((x) => [x.txId, x.dir, x.progress, [...x.bufs], x.fields.map(String), x.iface])) +
      JSON.stringify(this.events);
  }
}

/** Feeds `data` in `piece`-byte pieces (0: whole); stops at the first result other than PARSE_OK. */
export { feedBytes as feed } from "../stream-fixture.ts";

/** UUID string ("4b324fc8-1670-01d3-1278-5a47bf6ee188") → the 16 bytes as they sit on the wire (LE). */
export function uuidLe(s: string): number[] {
  const h = s.replace(/-/g, "");
  const be = Array.from({ length: 16 }, (_, i) => parseInt(h.slice(i * 2, i * 2 + 2), 16));
  return [be[3], be[2], be[1], be[0], be[5], be[4], be[7], be[6], ...be.slice(8)];
}

export const hex = (a: number[]): string => a.map((x) => x.toString(16).padStart(2, "0")).join("");
export const le16 = (v: number): number[] => [v & 255, (v >> 8) & 255];
export const le32 = (v: number): number[] => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
export const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
export const utf16 = (s: string): number[] => Array.from(s).flatMap((c) => le16(c.charCodeAt(0)));

// -- builders (MS-RPCE / C706 connection-oriented PDUs), little-endian unless `be`
export const SRVSVC = "4b324fc8-1670-01d3-1278-5a47bf6ee188";
export const EPM = "e1af8308-5d1f-11c9-91a4-08002b14a0fa";
export const NDR = [...uuidLe("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0, 0, 0];

export function pdu(type: number, flags: number, callId: number, body: number[], be = false): number[] {
  const len = 16 + body.length;
  const l16 = be ? [len >> 8, len & 255] : le16(len);
  const cid = be ? [...le32(callId)].reverse() : le32(callId);
  return [5, 0, type, flags, be ? 0x00 : 0x10, 0, 0, 0, ...l16, 0, 0, ...cid, ...body];
}
export function bind(callId: number, ctxs: { id: number; uuid: string; ver: number }[]): number[] {
  const body = [...le16(4280), ...le16(4280), ...le32(0), ctxs.length, 0, 0, 0];
  for (const c of ctxs) body.push(...le16(c.id), 1, 0, ...uuidLe(c.uuid), ...le16(c.ver), ...le16(0), ...NDR);
  return pdu(PT_BIND, 3, callId, body);
}
export function bindAck(callId: number, results: number[]): number[] {
  const port = ascii("\\PIPE\\srvsvc\0");
  const body = [...le16(4280), ...le16(4280), ...le32(0x1234), ...le16(port.length), ...port];
  while ((16 + body.length) % 4 !== 0) body.push(0);
  body.push(results.length, 0, 0, 0);
  for (const r of results) body.push(...le16(r), ...le16(0), ...NDR);
  return pdu(PT_BIND_ACK, 3, callId, body);
}
export function request(callId: number, ctx: number, opnum: number, stub: number[], flags = 3): number[] {
  return pdu(PT_REQUEST, flags, callId, [...le32(stub.length), ...le16(ctx), ...le16(opnum), ...stub]);
}
export function response(callId: number, ctx: number, stub: number[], flags = 3): number[] {
  return pdu(PT_RESPONSE, flags, callId, [...le32(stub.length), ...le16(ctx), 0, 0, ...stub]);
}
