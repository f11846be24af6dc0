/**
 * The intrusion-prevention stage of the engine: app-layer parsing and rule detection for each packet
 * the firewall let through. The engine calls `begin` before stream reassembly (parsers may run
 * detection while bytes are delivered) and `finish` after it (UDP payloads to parsers, packet and
 * raw-stream signatures, verdict).
 *
 * Hot path: no allocation (the detector and dispatcher preallocate everything).
 *
 * @example
 * ```ts
 * // const ips = new Ips(engine.flows, engine.ring, { prevent: true, stateEntries: 1 << 16 }, parsers, probes);
 * // ips.detector.setRuleSet(ruleSet);
 * // engine.setIps(ips);
 * ```
 */
import { AppLayer, type ProbeEntry } from "./applayer/dispatch.ts";
import type { AppParser } from "./applayer/parser.ts";
import { type DetectConfig, Detector } from "./detect/detector.ts";
import type { EventRing } from "./events.ts";
import type { FlowTable } from "./flow/table.ts";
import { IPPROTO_UDP, type Packet } from "./packet.ts";
import type { Reassembler } from "./stream/reassembler.ts";
import { VERDICT_DROP, VERDICT_PASS, VERDICT_REJECT } from "./verdict.ts";

export class Ips {
  readonly detector: Detector;
  readonly app: AppLayer;

  constructor(flows: FlowTable, ring: EventRing, cfg: DetectConfig, parsers: AppParser[], probes: ProbeEntry[]) {
    this.detector = new Detector(flows, ring, cfg);
    this.app = new AppLayer(flows, this.detector, parsers, probes);
  }

  /** Before reassembly: the packet parsers' inspection points will refer to. */
  begin(p: Packet, flow: number, dir: number, reasm: Reassembler | null): void {
    this.detector.beginPacket(p, flow);
    this.app.packet = p;
    this.app.packetDir = dir;
    this.app.reasm = reasm;
    this.app.newData = 0;
  }

  /** After reassembly: datagram parsing, packet signatures, and the verdict (VERDICT_*). */
  finish(p: Packet, flow: number, dir: number, reasm: Reassembler | null): number {
    const det = this.detector;
    // A flow a drop rule blocked stays blocked; its app layer is not parsed any more, but packet
    // signatures still look at each packet (Suricata: they keep alerting, e.g. on every empty ACK)
    const dropped = flow >= 0 && det.flowDropped(flow);
    if (dropped) {
      det.runPacket(p, flow, dir);
      this.app.packet = null;
      return det.reject ? VERDICT_REJECT : VERDICT_DROP;
    }
    if (flow >= 0 && p.proto === IPPROTO_UDP && p.payloadLen > 0) {
      this.app.datagram(flow, dir, p.buf, p.payloadOff, p.payloadLen);
    }
    if (flow >= 0 && reasm !== null && (this.app.newData & (1 << dir)) !== 0 && reasm.raw(flow, dir)) {
      det.rawBuf = reasm.rawBuf;
      det.rawStart = reasm.rawStart;
      det.rawEnd = reasm.rawEnd;
      det.rawNew = reasm.rawNew;
      det.rawStreamOffset = reasm.rawStreamOffset;
      det.hasRaw = true;
    }
    det.runPacket(p, flow, dir);
    this.app.packet = null;
    if (det.drop) return det.reject ? VERDICT_REJECT : VERDICT_DROP;
    return VERDICT_PASS;
  }
}
