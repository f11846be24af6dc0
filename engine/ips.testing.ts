/**
 * Test rig for engine-level IPS tests: an `Engine` with the IPS wired exactly as `tsugi inspect` wires
 * it (default parsers and probes, rules built from Suricata-syntax text), a `send` that runs one frame
 * and records its verdict, alerts (by sid, with the blocked flag) and anomalies (by EVE name), and a
 * `TcpConversation` that crafts a client/server TCP exchange (handshake, data at stream offsets in
 * any order, FINs) so evasion tests can cut, reorder, overlap and fragment the same attack.
 *
 * Test support only (cold path): allocates freely, throws on misuse (a rule that does not load).
 * Must never be imported by engine code that runs per packet.
 *
 * @example
 * ```ts
 * import { IpsRig, TcpConversation } from "./ips.testing.ts";
 * const rig = new IpsRig('drop http any any -> any any (msg:"x"; http.uri; content:"/etc/passwd"; sid:1;)');
 * const c = new TcpConversation(rig);
 * c.handshake();
 * c.client(0, "GET /etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n");
 * console.log(rig.alertSids(), rig.lastVerdict); // [1] 1 (VERDICT_DROP)
 * ```
 */
import { ether, tcpPacket } from "../datapath/craft.ts";
import { buildRuleSet } from "../rules/build.ts";
import { anomalyName } from "./anomaly.ts";
import { defaultParsers, defaultProbes } from "./applayer/registry.ts";
import { defaultEngineConfig, type EngineConfig } from "./config.ts";
import { Engine } from "./engine.ts";
import { EV_ALERT, EV_ANOMALY } from "./events.ts";
import { Ips } from "./ips.ts";
import { LINK_ETHERNET, PacketMeta } from "./packet.ts";
import { VERDICT_PASS } from "./verdict.ts";

export const CLIENT_IP = "192.168.10.20";
export const SERVER_IP = "10.20.30.40";

export interface AlertSeen {
  sid: number;
  blocked: boolean;
  /** Index (0-based, in `send` order) of the packet that raised it. */
  packet: number;
}

export interface RigOptions {
  /** IPS (prevent) mode: drop/reject rules block. Default true. */
  prevent?: boolean;
  /** Adjusts the engine configuration before the engine is built (overlap policies, etc.). */
  tune?: (cfg: EngineConfig) => void;
}

export class IpsRig {
  readonly engine: Engine;
  readonly ips: Ips;
  readonly meta = new PacketMeta();
  /** Signature index -> sid. */
  readonly sids: number[];
  readonly alerts: AlertSeen[] = [];
  readonly anomalies: string[] = [];
  readonly verdicts: number[] = [];
  lastVerdict = VERDICT_PASS;

  constructor(rules: string, o: RigOptions = {}) {
    const cfg = defaultEngineConfig();
    o.tune?.(cfg);
    this.engine = new Engine(cfg);
    const built = buildRuleSet([{ file: "evasion.rules", text: rules }]);
    if (built.problems.length > 0) {
      throw new Error(
        "rules did not load:\n" + built.problems.map((p) => `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`).join("\n"),
      );
    }
    this.ips = new Ips(
      this.engine.flows,
      this.engine.ring,
      { prevent: o.prevent ?? true, stateEntries: 1 << 12 },
      defaultParsers(),
      defaultProbes(),
    );
    this.ips.detector.setRuleSet(built.ruleSet);
    this.engine.setIps(this.ips);
    this.sids = built.ruleSet.signatures.map((s) => s.sid);
    this.meta.linkType = LINK_ETHERNET;
    this.meta.tsUs = 1_700_000_000_000_000;
    this.meta.ifIndex = -1;
  }

  /** Runs one Ethernet frame through the engine; returns (and records) its verdict. */
  send(frame: Uint8Array): number {
    this.meta.tsUs += 1000;
    this.meta.pcapCnt++;
    this.meta.wireLen = frame.length;
    const v = this.engine.process(frame, 0, frame.length, this.meta);
    this.lastVerdict = v;
    this.verdicts.push(v);
    this.drain();
    return v;
  }

  /** Sends a bare IP packet in an Ethernet frame. */
  sendIp(ip: Uint8Array): number {
    return this.send(ether(ip));
  }

  /** Ends every flow (end of input) so parsers flush what they hold; records what that raised. */
  finish(): void {
    while (this.engine.finish(64) > 0) this.drain();
    this.drain();
  }

  private drain(): void {
    const ring = this.engine.ring;
    for (let i = ring.first(); i !== -1; i = ring.next(i)) {
      if (ring.kind[i] === EV_ALERT) {
        this.alerts.push({ sid: this.sids[ring.rule[i]], blocked: (ring.flags[i] & 1) !== 0, packet: this.verdicts.length - 1 });
      } else if (ring.kind[i] === EV_ANOMALY) this.anomalies.push(anomalyName(ring.code[i]));
    }
    ring.clear();
  }

  /**
   * Ends every flow (as `finish`), then forgets what was recorded: the next conversation starts on a
   * clean slate while the (costly to build) parsers and rules are reused.
   */
  reset(): void {
    this.finish();
    this.alerts.length = 0;
    this.anomalies.length = 0;
    this.verdicts.length = 0;
    this.lastVerdict = VERDICT_PASS;
  }

  /** Distinct sids alerted so far, ascending. */
  alertSids(): number[] {
    return [...new Set(this.alerts.map((a) => a.sid))].sort((a, b) => a - b);
  }

  /** True when `sid` alerted with the packet blocked. */
  blockedBy(sid: number): boolean {
    return this.alerts.some((a) => a.sid === sid && a.blocked);
  }

  /** How many packets got a non-pass verdict. */
  droppedCount(): number {
    return this.verdicts.filter((v) => v !== VERDICT_PASS).length;
  }
}

export interface ConversationOptions {
  client?: string;
  server?: string;
  sport?: number;
  dport?: number;
  /** Initial sequence numbers (the first data byte is ISN + 1). */
  cIsn?: number;
  sIsn?: number;
  /** IP identification base for the client's packets (fragmentation tests need distinct ids). */
  ipId?: number;
}

const enc = new TextEncoder();
/** Latin-1 bytes of a string (one byte per char), so tests can write any byte value. */
export function bytes(s: string | Uint8Array): Uint8Array {
  if (typeof s !== "string") return s;
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return enc.encode(s);
    out[i] = c;
  }
  return out;
}

let ipIdCounter = 0;
/** IP identification bases 256 apart, so datagrams of consecutive conversations never share an id. */
function nextIpId(): number {
  ipIdCounter = (ipIdCounter + 1) % 250;
  return 256 * ipIdCounter + 1;
}

let portCounter = 0;
/** Client ports 20000..59999 in turn, so consecutive conversations are distinct flows. */
function nextPort(): number {
  portCounter = (portCounter + 1) % 40000;
  return 20000 + portCounter;
}

/**
 * One TCP connection between a client and a server. Data is placed by stream offset (0 = the first
 * byte after the SYN) so a test can send any piece in any order; acks follow what the peer sent.
 */
export class TcpConversation {
  readonly rig: IpsRig;
  readonly client: string;
  readonly server: string;
  readonly sport: number;
  readonly dport: number;
  readonly cIsn: number;
  readonly sIsn: number;
  /** Highest stream offset each side has sent (what the peer acknowledges). */
  cSent = 0;
  sSent = 0;
  private ipId: number;

  constructor(rig: IpsRig, o: ConversationOptions = {}) {
    this.rig = rig;
    this.client = o.client ?? CLIENT_IP;
    this.server = o.server ?? SERVER_IP;
    this.sport = o.sport ?? nextPort();
    this.dport = o.dport ?? 80;
    this.cIsn = o.cIsn ?? 0x10000000;
    this.sIsn = o.sIsn ?? 0x70000000;
    this.ipId = o.ipId ?? nextIpId();
  }

  /** SYN, SYN-ACK, ACK; returns the three verdicts. */
  handshake(): number[] {
    return [
      this.rig.sendIp(tcpPacket({ src: this.client, dst: this.server, sport: this.sport, dport: this.dport, flags: "S", seq: this.cIsn, ack: 0 })),
      this.rig.sendIp(tcpPacket({ src: this.server, dst: this.client, sport: this.dport, dport: this.sport, flags: "SA", seq: this.sIsn, ack: (this.cIsn + 1) >>> 0 })),
      this.rig.sendIp(this.clientIp(0, new Uint8Array(0), "A")),
    ];
  }

  /** The client's IP packet carrying `data` at stream offset `off` (not sent). */
  clientIp(off: number, data: Uint8Array | string, flags = "PA", ipId?: number): Uint8Array {
    const b = bytes(data);
    if (off + b.length > this.cSent) this.cSent = off + b.length;
    return tcpPacket({
      src: this.client,
      dst: this.server,
      sport: this.sport,
      dport: this.dport,
      flags,
      seq: (this.cIsn + 1 + off) >>> 0,
      ack: (this.sIsn + 1 + this.sSent) >>> 0,
      payload: b,
      id: ipId ?? this.ipId++,
    });
  }

  /** The server's IP packet carrying `data` at stream offset `off` (not sent). */
  serverIp(off: number, data: Uint8Array | string, flags = "PA"): Uint8Array {
    const b = bytes(data);
    if (off + b.length > this.sSent) this.sSent = off + b.length;
    return tcpPacket({
      src: this.server,
      dst: this.client,
      sport: this.dport,
      dport: this.sport,
      flags,
      seq: (this.sIsn + 1 + off) >>> 0,
      ack: (this.cIsn + 1 + this.cSent) >>> 0,
      payload: b,
      id: 7000 + off,
    });
  }

  /** Sends client data at `off`; returns the verdict. */
  sendClient(off: number, data: Uint8Array | string): number {
    return this.rig.sendIp(this.clientIp(off, data));
  }

  /** Sends server data at `off`; returns the verdict. */
  sendServer(off: number, data: Uint8Array | string): number {
    return this.rig.sendIp(this.serverIp(off, data));
  }

  /**
   * Sends `data` from the client cut at `cuts` (ascending offsets strictly inside the data), the
   * pieces in `order` (indices into the pieces; default in order). Returns each piece's verdict in
   * send order.
   */
  sendClientPieces(base: number, data: Uint8Array | string, cuts: number[], order?: number[]): number[] {
    const b = bytes(data);
    const bounds = [0, ...cuts, b.length];
    const n = bounds.length - 1;
    const ord = order ?? [...Array(n).keys()];
    return ord.map((i) => this.sendClient(base + bounds[i], b.subarray(bounds[i], bounds[i + 1])));
  }

  /** As `sendClientPieces`, for the server's data. */
  sendServerPieces(base: number, data: Uint8Array | string, cuts: number[], order?: number[]): number[] {
    const b = bytes(data);
    const bounds = [0, ...cuts, b.length];
    const n = bounds.length - 1;
    const ord = order ?? [...Array(n).keys()];
    return ord.map((i) => this.sendServer(base + bounds[i], b.subarray(bounds[i], bounds[i + 1])));
  }
}

/** A deterministic PRNG (mulberry32) for reproducible permutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates permutation of 0..n-1 drawn from `rnd`. */
export function permutation(n: number, rnd: () => number): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
