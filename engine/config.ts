/**
 * Engine configuration: sizes (memcaps) fixed when an engine starts, and behaviour switches. Everything
 * the hot path needs is sized from here at construction; nothing grows afterwards.
 *
 * @example
 * ```ts
 * import { defaultEngineConfig } from "./config.ts";
 * const cfg = defaultEngineConfig();
 * cfg.flow.maxFlows = 100_000;
 * ```
 */

/** Overlap resolution policies for IP fragments and TCP segments (Suricata's / Snort's target policies). */
export type TargetPolicy = "first" | "last" | "bsd" | "linux" | "windows" | "solaris";
export const TARGET_POLICIES: readonly TargetPolicy[] = ["first", "last", "bsd", "linux", "windows", "solaris"];

export type ChecksumMode = "auto" | "all" | "none";

export interface DecodeConfig {
  /** UDP destination ports decoded as VXLAN. */
  vxlanPorts: number[];
  /** Decode Teredo (IPv6 in UDP) when a UDP payload on port 3544 looks like IPv6. */
  teredo: boolean;
  /** UDP ports Teredo is looked for on. */
  teredoPorts: number[];
  /** How many encapsulation layers are peeled before the packet is an anomaly. */
  maxTunnelDepth: number;
}

export interface DefragConfig {
  /** Bytes of fragment payload held at once, over all datagrams. */
  memcap: number;
  /** Datagrams under reassembly at once. */
  maxTrackers: number;
  /** Fragments held at once (over all datagrams). */
  maxFragments: number;
  /** How long an incomplete datagram is kept, in seconds. */
  timeoutSec: number;
  policy: TargetPolicy;
}

export interface FlowTimeouts {
  /** Seconds of silence before a flow in this state ends. */
  new: number;
  established: number;
  closed: number;
  /** TCP only: half-closed (FIN seen) and the SYN handshake. */
  closing: number;
  synSent: number;
}

export interface FlowConfig {
  /** Concurrent flows; the table's memory is fixed by this (see `bench engine` for bytes per flow). */
  maxFlows: number;
  tcp: FlowTimeouts;
  udp: FlowTimeouts;
  icmp: FlowTimeouts;
  other: FlowTimeouts;
  /** Timeouts used while the table is in emergency mode (after it filled up). */
  emergency: FlowTimeouts;
  /** Flows evicted at most per packet while expiring (bounds the work one packet can cause). */
  expirePerPacket: number;
}

export interface StreamConfig {
  /** Pick up TCP connections whose handshake was not seen. */
  midstream: boolean;
  /**
   * Bytes of out-of-order TCP data held at once over all flows (`stream.reassembly.memcap`); allocated
   * when a stream consumer is first set. Beyond it held data is lost and later delivered as a gap.
   */
  reassemblyMemcap: number;
  /** Bytes reassembled per flow direction (`stream.reassembly.depth`, 0 = unlimited); past it, nothing more. */
  reassemblyDepth: number;
  /** Whose bytes win when TCP segments overlap (`stream.reassembly.policy`), as the protected host would. */
  overlapPolicy: TargetPolicy;
  /** Bytes of history a raw stream window keeps before a packet's new bytes (0: no raw windows). */
  rawWindow: number;
  /** Bytes of raw-window history over all flow directions (`stream.reassembly.raw-memcap`). */
  rawMemcap: number;
  /** Out-of-order segments held per flow direction at most (bounds the work of one insert). */
  maxHeldSegments: number;
}

export interface EngineConfig {
  decode: DecodeConfig;
  defrag: DefragConfig;
  flow: FlowConfig;
  stream: StreamConfig;
  checksums: ChecksumMode;
  /** Events the ring holds before the consumer must drain it. */
  eventRingSize: number;
  /**
   * What happens to a packet the engine cannot track because a table is full (flows, fragments):
   * "closed" drops it (the secure default), "open" passes it uninspected. A counter moves either way.
   */
  exhaustion: "open" | "closed";
  /** Interface names, indexed by `PacketMeta.ifIndex`; the firewall's `interface:` patterns match them. */
  interfaces: string[];
}

/** A configuration with Suricata-like defaults, sized for a branch-office box. */
export function defaultEngineConfig(): EngineConfig {
  const t = (n: number, e: number, c: number, closing: number, syn: number): FlowTimeouts => ({
    new: n,
    established: e,
    closed: c,
    closing,
    synSent: syn,
  });
  return {
    decode: { vxlanPorts: [4789], teredo: true, teredoPorts: [3544], maxTunnelDepth: 4 },
    defrag: { memcap: 32 * 1024 * 1024, maxTrackers: 65536, maxFragments: 65536, timeoutSec: 60, policy: "bsd" },
    flow: {
      maxFlows: 65536,
      tcp: t(60, 600, 60, 120, 30),
      udp: t(30, 300, 0, 0, 0),
      icmp: t(30, 300, 0, 0, 0),
      other: t(30, 300, 0, 0, 0),
      emergency: t(10, 100, 5, 20, 10),
      expirePerPacket: 8,
    },
    stream: {
      midstream: false,
      reassemblyMemcap: 64 * 1024 * 1024,
      reassemblyDepth: 1024 * 1024,
      overlapPolicy: "bsd",
      rawWindow: 4096,
      rawMemcap: 16 * 1024 * 1024,
      maxHeldSegments: 1024,
    },
    checksums: "auto",
    eventRingSize: 4096,
    exhaustion: "closed",
    interfaces: [],
  };
}

/**
 * Applies one `--set key=value` override (Suricata's dotted config names) to a config. Returns an error
 * message for an unknown key or a bad value, or "" when applied.
 */
export function applySetting(cfg: EngineConfig, key: string, value: string): string {
  const bool = (v: string): boolean | undefined =>
    v === "true" || v === "yes" || v === "1" ? true : v === "false" || v === "no" || v === "0" ? false : undefined;
  const int = (v: string): number | undefined => (/^\d+$/.test(v) ? Number(v) : undefined);
  // Suricata's sizes: "4096", "64kb", "1mb", "2gb" (powers of 1024).
  const size = (v: string): number | undefined => {
    const m = /^(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(v.trim());
    if (m === null) return undefined;
    const u = (m[2] ?? "b").toLowerCase()[0];
    return Number(m[1]) * (u === "k" ? 1024 : u === "m" ? 1024 ** 2 : u === "g" ? 1024 ** 3 : 1);
  };
  switch (key) {
    case "stream.midstream": {
      const b = bool(value);
      if (b === undefined) return `${key}: expected true or false, got "${value}"`;
      cfg.stream.midstream = b;
      return "";
    }
    case "stream.reassembly.memcap":
    case "stream.reassembly.raw-memcap": {
      const n = size(value);
      if (n === undefined) return `${key}: expected a size (bytes, or with kb/mb/gb), got "${value}"`;
      if (key === "stream.reassembly.memcap") cfg.stream.reassemblyMemcap = n;
      else cfg.stream.rawMemcap = n;
      return "";
    }
    case "stream.reassembly.depth": {
      const n = size(value);
      if (n === undefined) return `${key}: expected a size (bytes, or with kb/mb/gb; 0 = unlimited), got "${value}"`;
      cfg.stream.reassemblyDepth = n;
      return "";
    }
    case "stream.reassembly.raw-window": {
      const n = size(value);
      if (n === undefined) return `${key}: expected a size (bytes, or with kb/mb/gb; 0 = none), got "${value}"`;
      cfg.stream.rawWindow = n;
      return "";
    }
    case "stream.reassembly.policy": {
      if (!(TARGET_POLICIES as readonly string[]).includes(value)) {
        return `${key}: expected one of first, last, bsd, linux, windows, solaris, got "${value}"`;
      }
      cfg.stream.overlapPolicy = value as TargetPolicy;
      return "";
    }
    case "flow.memcap-flows":
    case "flow.max-flows": {
      const n = int(value);
      if (n === undefined || n < 1) return `${key}: expected a positive integer, got "${value}"`;
      cfg.flow.maxFlows = n;
      return "";
    }
    case "defrag.memcap": {
      const n = int(value);
      if (n === undefined || n < 1) return `${key}: expected a positive integer (bytes), got "${value}"`;
      cfg.defrag.memcap = n;
      return "";
    }
    case "defrag.timeout": {
      const n = int(value);
      if (n === undefined || n < 1) return `${key}: expected a positive integer (seconds), got "${value}"`;
      cfg.defrag.timeoutSec = n;
      return "";
    }
    case "host-os-policy.default":
    case "defrag.policy": {
      if (!(["first", "last", "bsd", "linux", "windows", "solaris"] as string[]).includes(value)) {
        return `${key}: expected one of first, last, bsd, linux, windows, solaris, got "${value}"`;
      }
      cfg.defrag.policy = value as TargetPolicy;
      return "";
    }
    case "exception-policy":
    case "engine.exhaustion": {
      if (value === "pass-packet" || value === "ignore" || value === "open") cfg.exhaustion = "open";
      else if (value === "drop-packet" || value === "closed") cfg.exhaustion = "closed";
      else return `${key}: expected open or closed, got "${value}"`;
      return "";
    }
    default:
      return `unknown setting "${key}"`;
  }
}
