/**
 * The app-layer dispatcher: for each flow, finds the protocol by content (parsers' probes, ports only
 * as a tie-breaker), opens the parser's per-flow state, feeds it every in-order byte of each direction
 * (TCP from the reassembler, UDP datagrams whole) and turns the parser's inspection points into
 * detection runs. It is the `AppSink` parsers call and the `StreamConsumer` the reassembler calls.
 *
 * Protocol detection gives up after `maxProbeBytes` of a direction without a verdict (the flow becomes
 * "failed" — Suricata's name — and is inspected as raw stream only). A parser that returns PARSE_ERROR
 * stops being fed; one that returns PARSE_UPGRADE hands the flow to the named protocol.
 *
 * Hot path: no allocation; per-flow state in typed arrays indexed by flow slot.
 *
 * @example
 * ```ts
 * import { AppLayer } from "./dispatch.ts";
 * // const app = new AppLayer(engine.flows, detector, [new DnsParser(), ...]);
 * // engine.streamConsumer = app;
 * ```
 */
import type { FlowTable } from "../flow/table.ts";
import type { Packet } from "../packet.ts";
import { InspectBuffers } from "../detect/buffers.ts";
import type { Detector } from "../detect/detector.ts";
import type { StreamConsumer } from "../stream/consumer.ts";
import type { Reassembler } from "../stream/reassembler.ts";
import { type AppParser, type AppSink, PARSE_ERROR, PARSE_UPGRADE, type Probe, PROBE_NEED_MORE } from "./parser.ts";
import { ALPROTO_COUNT, ALPROTO_DNS, ALPROTO_FAILED, ALPROTO_UNKNOWN } from "./proto.ts";
import type { DnsParser } from "./dns/dns.ts";
import { MAX_PACKET_ANOMALIES } from "../packet.ts";
import { type FlowHostSource, type HostNameParser, isHostNameParser } from "../appid/hosts.ts";

export interface ProbeEntry {
  proto: number;
  probe: Probe;
  /** Ports that make this protocol the first one tried (a hint, never a verdict). */
  ports: number[];
  /** Transports it runs on. */
  tcp: boolean;
  udp: boolean;
}

const PS_DONE = 1; // parser gave up (error) for this flow
/** Probe attempts per direction (each piece of a short start is probed again with what came before). */
const MAX_PROBE_CALLS = 64;
/** Bytes kept per direction while its protocol is undecided, and how many directions can wait at once. */
const PROBE_CAP = 2048;
const PROBE_SLOTS = 1024;

export class AppLayerStats {
  detected = 0;
  failed = 0;
  poolExhausted = 0;
  parseErrors = 0;
  gaps = 0;
  /** Directions whose short first bytes could not be kept (all probe buffers in use): probed piece by piece. */
  probePoolExhausted = 0;
}

export class AppLayer implements StreamConsumer, AppSink, FlowHostSource {
  readonly buffers = new InspectBuffers();
  readonly stats = new AppLayerStats();
  private readonly flows: FlowTable;
  private readonly detector: Detector;
  private readonly parsers: Array<AppParser | null>;
  private readonly probes: ProbeEntry[];
  private readonly slot: Int32Array;
  private readonly slotProto: Uint8Array;
  private readonly state: Uint8Array;
  private readonly probeCalls: Uint8Array;
  private readonly flowIdOf: Float64Array;
  /** The protocol each flow was first detected as (an upgrade changes FlowTable.appProto, not this). */
  readonly originalProto: Uint8Array;
  /** Per flow direction: the probe buffer holding its first bytes while undecided, or -1. */
  private readonly probeSlot: Int32Array;
  private readonly probePool = new Uint8Array(PROBE_SLOTS * PROBE_CAP);
  private readonly probeLen = new Int32Array(PROBE_SLOTS);
  private readonly probeFree = new Int32Array(PROBE_SLOTS);
  private probeFreeTop = PROBE_SLOTS;
  /** The packet being processed (set by the engine before stream delivery). */
  packet: Packet | null = null;
  /** Flow and direction of the bytes being parsed. */
  private curFlow = -1;
  private curDir = 0;
  private curProto = 0;
  /** Re-entry guard for upgrades (a piece is handed on at most twice). */
  private depth = 0;
  /** Whether the current packet made new in-order stream bytes per direction. */
  newData = 0;
  /** Per ALPROTO_*: its parser when it reads client host names (TLS, QUIC), for application identification. */
  private readonly hostParsers: Array<HostNameParser | null>;
  /** Set by `flowHost`: the bytes and offset of the host name it measured. */
  hostData: Uint8Array = new Uint8Array(0);
  hostStart = 0;

  constructor(flows: FlowTable, detector: Detector, parsers: AppParser[], probes: ProbeEntry[]) {
    this.flows = flows;
    this.detector = detector;
    this.parsers = new Array<AppParser | null>(ALPROTO_COUNT).fill(null);
    for (const p of parsers) this.parsers[p.proto] = p;
    this.hostParsers = new Array<HostNameParser | null>(ALPROTO_COUNT).fill(null);
    for (const p of parsers) if (isHostNameParser(p)) this.hostParsers[p.proto] = p;
    this.probes = probes;
    this.slot = new Int32Array(flows.capacity).fill(-1);
    this.slotProto = new Uint8Array(flows.capacity);
    this.state = new Uint8Array(flows.capacity);
    this.probeCalls = new Uint8Array(flows.capacity * 2);
    this.flowIdOf = new Float64Array(flows.capacity);
    this.originalProto = new Uint8Array(flows.capacity);
    detector.originalProto = this.originalProto;
    this.probeSlot = new Int32Array(flows.capacity * 2).fill(-1);
    for (let i = 0; i < PROBE_SLOTS; i++) this.probeFree[i] = PROBE_SLOTS - 1 - i;
  }

  /** Resets per-flow state when a slot holds a new flow. */
  private sync(flow: number): void {
    const id = this.flows.flowId[flow];
    if (this.flowIdOf[flow] === id) return;
    this.release(flow);
    this.flowIdOf[flow] = id;
    this.state[flow] = 0;
    this.originalProto[flow] = 0;
    this.probeCalls[2 * flow] = 0;
    this.probeCalls[2 * flow + 1] = 0;
  }

  private release(flow: number): void {
    this.releaseProbe(2 * flow);
    this.releaseProbe(2 * flow + 1);
    const s = this.slot[flow];
    if (s >= 0) {
      const parser = this.parsers[this.slotProto[flow]];
      if (parser !== null) parser.close(s);
      this.slot[flow] = -1;
    }
  }

  /** A UDP datagram's payload (the engine calls this; TCP bytes come through `streamData`). */
  datagram(flow: number, dir: number, buf: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    this.feed(flow, dir, buf, off, len, false);
  }

  streamData(flow: number, dir: number, buf: Uint8Array, off: number, len: number): void {
    this.newData |= 1 << dir;
    this.feed(flow, dir, buf, off, len, true);
    // bytes of the other direction than the packet's (released by its ACK): their stream signatures
    // run now, while the reassembler's window shows them
    const p = this.packet;
    const r = this.reasm;
    if (p !== null && r !== null && dir !== this.packetDir && r.raw(flow, dir)) {
      // this call's bytes are the window's last `len` (earlier calls for this packet were inspected already)
      const fresh = r.rawEnd - len > r.rawNew ? r.rawEnd - len : r.rawNew;
      this.detector.runStreamOther(p, flow, dir, r.rawBuf, r.rawStart, r.rawEnd, fresh);
    }
  }

  /** The reassembler (for raw windows) and the direction of the packet being processed. */
  reasm: Reassembler | null = null;
  packetDir = 0;

  streamGap(flow: number, dir: number, len: number): void {
    this.sync(flow);
    this.stats.gaps++;
    const s = this.slot[flow];
    if (s < 0) return;
    const parser = this.parsers[this.slotProto[flow]];
    if (parser !== null && parser.gap(s, dir, len) === PARSE_ERROR) this.state[flow] |= PS_DONE;
  }

  streamEnd(flow: number, dir: number): void {
    this.sync(flow);
    const s = this.slot[flow];
    if (s < 0 || (this.state[flow] & PS_DONE) !== 0) return;
    const parser = this.parsers[this.slotProto[flow]];
    if (parser === null) return;
    this.curFlow = flow;
    this.curDir = dir;
    this.curProto = this.slotProto[flow];
    parser.eof(s, dir, this);
    this.curFlow = -1;
  }

  flowEnd(flow: number): void {
    this.release(flow);
    this.flowIdOf[flow] = -1;
  }

  private feed(flow: number, dir: number, buf: Uint8Array, off: number, len: number, tcp: boolean): void {
    this.sync(flow);
    if ((this.state[flow] & PS_DONE) !== 0 || this.detector.flowDropped(flow)) return;
    const flows = this.flows;
    const proto = flows.appProto[flow];
    if (proto === ALPROTO_FAILED) return;
    if (proto !== ALPROTO_UNKNOWN) {
      this.parsePiece(flow, dir, proto, buf, off, len, tcp);
      return;
    }
    const k = 2 * flow + dir;
    const ps = this.probeSlot[k];
    if (ps >= 0) {
      // earlier pieces of this direction were too short to tell: probe them together with this one
      const base = ps * PROBE_CAP;
      const have = this.probeLen[ps];
      const n = len < PROBE_CAP - have ? len : PROBE_CAP - have;
      const pool = this.probePool;
      for (let i = 0; i < n; i++) pool[base + have + i] = buf[off + i];
      this.probeLen[ps] = have + n;
      const found = this.detect(flow, dir, pool, base, have + n, tcp, have + n >= PROBE_CAP);
      if (found === PROBE_NEED_MORE) return;
      this.releaseProbe(k);
      if (found <= 0) return;
      flows.appProto[flow] = found;
      if (this.originalProto[flow] === 0) this.originalProto[flow] = found;
      this.stats.detected++;
      this.detector.protocolDetectedNow = true;
      this.parsePiece(flow, dir, found, pool, base, have + n, tcp);
      if (n < len && flows.appProto[flow] === found) this.parsePiece(flow, dir, found, buf, off + n, len - n, tcp);
      return;
    }
    const found = this.detect(flow, dir, buf, off, len, tcp, !tcp);
    if (found === PROBE_NEED_MORE) {
      // keep the bytes: the parser must see the stream from its first byte once the protocol is known
      const slot = this.takeProbe(k);
      if (slot < 0) {
        this.stats.probePoolExhausted++;
        return;
      }
      const base = slot * PROBE_CAP;
      const n = len < PROBE_CAP ? len : PROBE_CAP;
      for (let i = 0; i < n; i++) this.probePool[base + i] = buf[off + i];
      this.probeLen[slot] = n;
      return;
    }
    if (found <= 0) return;
    flows.appProto[flow] = found;
    if (this.originalProto[flow] === 0) this.originalProto[flow] = found;
    this.stats.detected++;
    this.detector.protocolDetectedNow = true;
    this.parsePiece(flow, dir, found, buf, off, len, tcp);
  }

  private takeProbe(k: number): number {
    if (this.probeFreeTop === 0) return -1;
    const slot = this.probeFree[--this.probeFreeTop];
    this.probeSlot[k] = slot;
    this.probeLen[slot] = 0;
    return slot;
  }

  private releaseProbe(k: number): void {
    const slot = this.probeSlot[k];
    if (slot < 0) return;
    this.probeSlot[k] = -1;
    this.probeFree[this.probeFreeTop++] = slot;
  }

  /** Hands in-order bytes to the flow's parser (opening its state on first use). */
  private parsePiece(flow: number, dir: number, proto: number, buf: Uint8Array, off: number, len: number, tcp: boolean): void {
    const flows = this.flows;
    let s = this.slot[flow];
    const parser = this.parsers[proto];
    if (parser === null) return;
    if (s < 0) {
      s = parser.open();
      if (s < 0) {
        this.stats.poolExhausted++;
        this.state[flow] |= PS_DONE;
        return;
      }
      this.slot[flow] = s;
      this.slotProto[flow] = proto;
      // DNS frames messages differently over TCP (length prefix) and UDP
      if (proto === ALPROTO_DNS) (parser as DnsParser).setTcp(s, tcp);
    }
    this.curFlow = flow;
    this.curDir = dir;
    this.curProto = proto;
    const r = parser.parse(s, dir, buf, off, len, this);
    this.curFlow = -1;
    if (r === PARSE_ERROR) {
      this.stats.parseErrors++;
      this.state[flow] |= PS_DONE;
    } else if (r === PARSE_UPGRADE) {
      // the rest of this piece belongs to the new protocol (TLS after STARTTLS, HTTP/2 after h2c,
      // whatever follows CONNECT: detected again)
      const next = parser.upgradeTo;
      const at = parser.upgradeAt;
      this.release(flow);
      flows.appProto[flow] = next;
      if (next !== ALPROTO_UNKNOWN) this.detector.protocolDetectedNow = true; // the flow's final protocol is known now
      this.probeCalls[2 * flow] = 0;
      this.probeCalls[2 * flow + 1] = 0;
      const end = off + len;
      if (at >= off && at < end && this.depth < 2) {
        this.depth++;
        this.feed(flow, dir, buf, at, end - at, tcp);
        this.depth--;
      }
    }
  }

  /**
   * Probes `len` bytes (the start of direction `dir`): a protocol id, PROBE_NEED_MORE when more bytes
   * could tell (and `final` is not set), or 0 when nothing matched.
   */
  private detect(flow: number, dir: number, buf: Uint8Array, off: number, len: number, tcp: boolean, final: boolean): number {
    const calls = this.probeCalls;
    const k = 2 * flow + dir;
    if (calls[k] >= MAX_PROBE_CALLS) return 0;
    calls[k]++;
    const sp = this.flows.keyPort[2 * flow];
    const dp = this.flows.keyPort[2 * flow + 1];
    let needMore = false;
    let hintedUndecided = 0;
    // port-hinted protocols first, then the rest
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < this.probes.length; i++) {
        const e = this.probes[i];
        if (tcp ? !e.tcp : !e.udp) continue;
        const hinted = e.ports.indexOf(dp) >= 0 || e.ports.indexOf(sp) >= 0;
        if (hinted !== (pass === 0)) continue;
        const r = e.probe(dir, buf, off, len);
        if (r > 0) return r;
        if (r === PROBE_NEED_MORE) {
          needMore = true;
          if (hinted && hintedUndecided === 0) hintedUndecided = e.proto;
        }
      }
    }
    // Content that fits several protocols (an FTP and an SMTP greeting are both "220 ..."): the port
    // decides once enough bytes were seen to rule the others out.
    if (hintedUndecided !== 0 && (len >= 16 || final)) return hintedUndecided;
    if (needMore && !final && calls[k] < MAX_PROBE_CALLS) return PROBE_NEED_MORE;
    // this direction cannot be identified; when the other one could not either, give up on the flow
    if (calls[2 * flow + (dir ^ 1)] > 0 || !tcp) {
      this.flows.appProto[flow] = ALPROTO_FAILED;
      this.stats.failed++;
    }
    return 0;
  }

  /**
   * FlowHostSource: the client host name (TLS / QUIC SNI) the parser of flow slot `flow` has read, as
   * `hostData[hostStart .. hostStart + length)`; 0 when none. No allocation.
   */
  flowHost(flow: number): number {
    if (this.flowIdOf[flow] !== this.flows.flowId[flow]) return 0; // the slot holds a flow not parsed yet
    const s = this.slot[flow];
    if (s < 0) return 0;
    const hp = this.hostParsers[this.slotProto[flow]];
    if (hp === null) return 0;
    const n = hp.sniLength(s);
    if (n <= 0) return 0;
    this.hostData = hp.data;
    this.hostStart = hp.sniStart(s);
    return n;
  }

  // AppSink
  tx(txId: number, dir: number, _progress: number): void {
    const p = this.packet;
    const flow = this.curFlow;
    if (p === null || flow < 0) return;
    this.detector.runTx(p, flow, dir, this.buffers, txId, this.curProto);
  }

  event(code: number): void {
    const p = this.packet;
    if (p === null) return;
    if (p.anomalyCount < MAX_PACKET_ANOMALIES) p.anomalies[p.anomalyCount] = code;
    p.anomalyCount++;
  }

  /** The direction whose bytes are being parsed (for parsers' events). */
  get direction(): number {
    return this.curDir;
  }
}
