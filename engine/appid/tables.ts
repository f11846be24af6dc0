/**
 * The compiled form of application signatures (`rules/packs/apps/apps.yaml`): every table the
 * `AppIdentifier` reads per packet, as typed arrays, plus the names EVE writes. Built by
 * `compileAppSignatures` (cold path); read-only afterwards.
 *
 * Never: allocate in `hostHashStep`/`lowerByte` (they run per byte on the hot path).
 *
 * @example
 * ```ts
 * import { FUNCTION_NAMES, functionByName } from "./tables.ts";
 * functionByName("file-transfer"); // 2
 * FUNCTION_NAMES[2];               // "file-transfer"
 * ```
 */

/** What an application is doing on a flow, where the protocol lets us tell (0: not known / general). */
export const FUNCTION_NAMES: readonly string[] = [
  "",
  "chat",
  "file-transfer",
  "call",
  "media",
  "upload",
  "remote-control",
  "tunnel",
];
export const FUNCTION_COUNT = 8;
export const FN_NONE = 0;

/** Application categories (EVE does not write them; policies and docs group by them). */
export const CATEGORY_NAMES: readonly string[] = [
  "p2p",
  "messenger",
  "video",
  "remote-access",
  "cloud-storage",
  "mail",
  "anonymizer",
  "vpn",
  "web",
];

/**
 * Flow records carry the application and its function in the event ring's `application` field:
 * the app id in the low 12 bits, the function above them (`FlowTable` writes it, `EveWriter` reads it).
 */
export const APP_ID_MASK = 0xfff;
export const APP_FUNCTION_SHIFT = 12;
/** Application ids are 1..MAX_APPS (0: unknown). */
export const MAX_APPS = APP_ID_MASK;

export function functionByName(name: string): number {
  return FUNCTION_NAMES.indexOf(name);
}

/** Pattern transports. */
export const T_TCP = 1;
export const T_UDP = 2;
export const T_ANY = 3;
/** Pattern directions: the flow's initiator (client), its responder (server), either. */
export const D_CLIENT = 1;
export const D_SERVER = 2;
export const D_ANY = 3;

/** Lower-cases an ASCII byte. */
export function lowerByte(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/** FNV-1a over host bytes read from the END of the name backwards (so every label suffix is a prefix of the walk). */
export const HOST_HASH_INIT = 0x811c9dc5;
export function hostHashStep(h: number, b: number): number {
  return Math.imul(h ^ lowerByte(b), 16777619) >>> 0;
}

export class AppIdTables {
  /** Application names by id (index 0: ""), lower case, as EVE writes them. */
  names: string[] = [""];
  /** Category index (CATEGORY_NAMES) by app id. */
  category: number[] = [0];
  /** Functions each app declares, by app id. */
  functions: string[][] = [[]];

  // -- host suffixes: open-addressed hash (hostSlots) over entries (pool bytes, app, function)
  hostMask = 0;
  hostSlotHash = new Uint32Array(0);
  /** entry index + 1 per hash slot (0: empty). */
  hostSlotEntry = new Int32Array(0);
  hostPool = new Uint8Array(0);
  hostOff = new Int32Array(0);
  hostLen = new Int32Array(0);
  hostApp = new Uint16Array(0);
  hostFn = new Uint8Array(0);

  // -- payload patterns (checked in order; the first match names the flow)
  patCount = 0;
  patApp = new Uint16Array(0);
  patFn = new Uint8Array(0);
  patTransport = new Uint8Array(0);
  patDir = new Uint8Array(0);
  /** Payload packets of the direction (0-based index) up to which the pattern is tried. */
  patPackets = new Uint8Array(0);
  patOffset = new Int32Array(0);
  patBytesOff = new Int32Array(0);
  patBytesLen = new Int32Array(0);
  patBytes = new Uint8Array(0);
  patMinLen = new Int32Array(0);
  patMaxLen = new Int32Array(0);
  /** Built-in structural check (SHAPE_*; 0: none) that must also hold. */
  patShape = new Uint8Array(0);
  /** Port the flow's server side must use (0: any). */
  patPort = new Int32Array(0);

  // -- app-layer protocols (ALPROTO_* id -> app id), and TLS ports (port -> app id; e.g. 993 -> imaps)
  protoApp = new Uint16Array(32);
  tlsPortApp = new Uint16Array(65536);
  tlsPortFn = new Uint8Array(65536);

  // -- published address ranges (IPv4 and IPv6 prefixes), each with optional ports/transport
  rangeCount = 0;
  rangeV6 = new Uint8Array(0);
  /** 4 words per range (v4: word 0). */
  rangeAddr = new Uint32Array(0);
  rangeBits = new Uint8Array(0);
  rangeApp = new Uint16Array(0);
  rangeTransport = new Uint8Array(0);
  /** Ports per range: [rangePortsOff, +rangePortsLen) in rangePorts (none: any port). */
  rangePortsOff = new Int32Array(0);
  rangePortsLen = new Int32Array(0);
  rangePorts = new Int32Array(0);

  /** The app id of a name, or 0. */
  appByName(name: string): number {
    const i = this.names.indexOf(name.toLowerCase());
    return i > 0 ? i : 0;
  }
}
