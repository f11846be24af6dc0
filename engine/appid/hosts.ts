/**
 * How application identification reads the host names the app-layer parsers found, without knowing
 * the app layer: `FlowHostSource` is what the identifier asks per flow (the engine wires the IPS
 * stage's `AppLayer` in as one when both are installed), `HostNameParser` what a parser offers when it
 * reads a client host name (the TLS and QUIC parsers' `data` / `sniStart` / `sniLength` getters).
 * This is how the SNI of an IETF QUIC Initial (encrypted, opened by the QUIC parser) and of a TLS
 * ClientHello split over several TCP segments (reassembled by the stream engine) name a flow.
 *
 * Never: allocate or copy on `flowHost` (it hands out a view: bytes + offset + length), or depend on
 * the app layer being present (without the IPS stage the identifier reads payloads itself).
 *
 * @example
 * ```ts
 * // const n = source.flowHost(flow);
 * // if (n > 0) identifier.matchHost(source.hostData, source.hostStart, source.hostStart + n);
 * ```
 */

/** A parser that reads a client host name per flow slot (TLS SNI, QUIC SNI). */
export interface HostNameParser {
  /** The bytes behind `sniStart`. */
  readonly data: Uint8Array;
  sniStart(slot: number): number;
  /** 0 when no host name was read (yet). */
  sniLength(slot: number): number;
}

/** Per flow slot: the host name the flow's app-layer parser read. */
export interface FlowHostSource {
  /**
   * Length of the client host name the parser of flow slot `flow` has read, 0 when there is none (no
   * parser, one that reads no host name, or no hello yet). When > 0, the name is
   * `hostData[hostStart .. hostStart + length)`, valid until the next call.
   */
  flowHost(flow: number): number;
  readonly hostData: Uint8Array;
  readonly hostStart: number;
}

/** Whether `p` offers host names (cold path: decides once, when the app layer is built). */
export function isHostNameParser(p: object): p is HostNameParser {
  const q = p as Partial<HostNameParser>;
  return typeof q.sniStart === "function" && typeof q.sniLength === "function" && "data" in p;
}
