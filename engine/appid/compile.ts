/**
 * Compiles application signatures (YAML/JSON, `rules/packs/apps/apps.yaml`) into `AppIdTables`.
 * Every mistake is an `AppSignatureError` whose message is `file:line:col: reason`.
 *
 * Cold path only: allocates freely; never runs per packet.
 *
 * @example
 * ```ts
 * import { compileAppSignatures } from "./compile.ts";
 * const t = compileAppSignatures("apps:\n  - name: ssh\n    category: remote-access\n    app_proto: [ssh]\n", "apps.yaml");
 * t.appByName("ssh"); // 1
 * ```
 */
import { IPv4CidrRange, IPv6CidrRange } from "ip-num";
import { alprotoByName } from "../applayer/proto.ts";
import { DocumentError, type MapNode, type Node, parseDocument } from "../policy/document.ts";
import type { Where } from "../policy/spec.ts";
import { SHAPE_NAMES } from "./shapes.ts";
import {
  AppIdTables,
  CATEGORY_NAMES,
  D_ANY,
  D_CLIENT,
  D_SERVER,
  FUNCTION_NAMES,
  functionByName,
  HOST_HASH_INIT,
  hostHashStep,
  lowerByte,
  MAX_APPS,
  T_ANY,
  T_TCP,
  T_UDP,
} from "./tables.ts";

export class AppSignatureError extends Error {
  constructor(where: Where, reason: string) {
    super(`${where.file}:${where.line}:${where.col}: ${reason}`);
  }
}

interface HostEntry {
  host: string;
  app: number;
  fn: number;
}
interface PatternEntry {
  app: number;
  fn: number;
  transport: number;
  dir: number;
  packets: number;
  offset: number;
  bytes: number[];
  minLen: number;
  maxLen: number;
  shape: number;
  port: number;
}
interface RangeEntry {
  v6: boolean;
  words: number[];
  bits: number;
  app: number;
  transport: number;
  ports: number[];
}

const APP_KEYS = new Set(["name", "category", "functions", "hosts", "cert_names", "patterns", "app_proto", "tls_ports", "ip_ranges", "ports", "description"]);
const PATTERN_KEYS = new Set(["bytes", "offset", "transport", "dir", "packets", "min_len", "max_len", "shape", "function", "port"]);

/** Parses and compiles signature text; throws AppSignatureError (file:line:col) on any mistake. */
export function compileAppSignatures(docText: string, file: string): AppIdTables {
  let root: Node;
  try {
    root = parseDocument(docText, file);
  } catch (e) {
    if (e instanceof DocumentError) throw new AppSignatureError(e.where, e.reason);
    throw e;
  }
  const top = asMap(root, "the document: expected a mapping with an `apps:` list");
  const appsNode = get(top, "apps");
  if (appsNode === undefined) throw new AppSignatureError(top.where, "missing `apps:` (a list of applications)");
  if (appsNode.kind !== "seq") throw new AppSignatureError(appsNode.where, "`apps` must be a list");
  const t = new AppIdTables();
  const hosts: HostEntry[] = [];
  const patterns: PatternEntry[] = [];
  const ranges: RangeEntry[] = [];
  for (const item of appsNode.items) {
    const m = asMap(item, "an application: expected a mapping with `name:`");
    for (const e of m.entries) {
      if (!APP_KEYS.has(e.key)) throw new AppSignatureError(e.keyWhere, `unknown key "${e.key}" (expected one of ${[...APP_KEYS].join(", ")})`);
    }
    const name = str(req(m, "name"), "name").toLowerCase();
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) throw new AppSignatureError(req(m, "name").where, `bad application name "${name}" (lower-case letters, digits, - and _)`);
    if (t.names.includes(name)) throw new AppSignatureError(req(m, "name").where, `application "${name}" is defined twice`);
    if (t.names.length > MAX_APPS) throw new AppSignatureError(m.where, `too many applications (at most ${MAX_APPS})`);
    const app = t.names.length;
    t.names.push(name);
    const catNode = req(m, "category");
    const cat = CATEGORY_NAMES.indexOf(str(catNode, "category"));
    if (cat < 0) throw new AppSignatureError(catNode.where, `unknown category "${str(catNode, "category")}" (one of ${CATEGORY_NAMES.join(", ")})`);
    t.category.push(cat);
    const fns: string[] = [];
    for (const f of list(get(m, "functions"))) {
      const fname = str(f, "function");
      if (functionByName(fname) <= 0) throw new AppSignatureError(f.where, `unknown function "${fname}" (one of ${FUNCTION_NAMES.slice(1).join(", ")})`);
      fns.push(fname);
    }
    t.functions.push(fns);
    const fnOf = (n: Node | undefined): number => {
      if (n === undefined) return 0;
      const f = str(n, "function");
      if (!fns.includes(f)) throw new AppSignatureError(n.where, `function "${f}" is not in ${name}'s functions [${fns.join(", ")}]`);
      return functionByName(f);
    };
    for (const h of list(get(m, "hosts"))) {
      let hostNode = h;
      let fn = 0;
      if (h.kind === "map") {
        hostNode = req(h, "host");
        fn = fnOf(get(h, "function"));
      }
      const host = str(hostNode, "host").toLowerCase().replace(/^\*?\./, "");
      if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) throw new AppSignatureError(hostNode.where, `bad host suffix "${host}" (labels of letters, digits, - and _, separated by dots)`);
      const dup = hosts.find((x) => x.host === host);
      if (dup !== undefined) throw new AppSignatureError(hostNode.where, `host "${host}" already belongs to ${t.names[dup.app]}`);
      hosts.push({ host, app, fn });
    }
    // certificate common names that are not host names ("AnyDesk Client"): matched whole
    for (const cn of list(get(m, "cert_names"))) {
      const v = str(cn, "cert_names").toLowerCase();
      if (v.includes(".") || !/^[\x20-\x7e]+$/.test(v)) throw new AppSignatureError(cn.where, `bad certificate name "${v}" (printable, no dots: host names go in hosts)`);
      hosts.push({ host: v, app, fn: 0 });
    }
    for (const pn of list(get(m, "patterns"))) patterns.push(compilePattern(asMap(pn, "a pattern: expected a mapping"), app, fnOf));
    for (const an of list(get(m, "app_proto"))) {
      const id = alprotoByName(str(an, "app_proto"));
      if (id <= 0 || id >= t.protoApp.length) throw new AppSignatureError(an.where, `unknown app-layer protocol "${str(an, "app_proto")}"`);
      t.protoApp[id] = app;
    }
    for (const pn of list(get(m, "tls_ports"))) {
      const port = portOf(pn);
      t.tlsPortApp[port] = app;
    }
    for (const rn of list(get(m, "ip_ranges"))) ranges.push(compileRange(rn, app));
    for (const pn of list(get(m, "ports"))) portOf(pn); // a hint for people; validated, not matched alone
  }
  buildHosts(t, hosts);
  buildPatterns(t, patterns);
  buildRanges(t, ranges);
  return t;
}

function compilePattern(m: MapNode, app: number, fnOf: (n: Node | undefined) => number): PatternEntry {
  for (const e of m.entries) {
    if (!PATTERN_KEYS.has(e.key)) throw new AppSignatureError(e.keyWhere, `unknown pattern key "${e.key}" (expected one of ${[...PATTERN_KEYS].join(", ")})`);
  }
  const bytesNode = get(m, "bytes");
  const shapeNode = get(m, "shape");
  if (bytesNode === undefined && shapeNode === undefined) throw new AppSignatureError(m.where, "a pattern needs `bytes:` or `shape:`");
  const bytes = bytesNode === undefined ? [] : parseContent(bytesNode);
  let shape = 0;
  if (shapeNode !== undefined) {
    shape = SHAPE_NAMES.indexOf(str(shapeNode, "shape"));
    if (shape <= 0) throw new AppSignatureError(shapeNode.where, `unknown shape "${str(shapeNode, "shape")}" (one of ${SHAPE_NAMES.slice(1).join(", ")})`);
  }
  const tn = get(m, "transport");
  const tv = tn === undefined ? "any" : str(tn, "transport");
  const transport = tv === "tcp" ? T_TCP : tv === "udp" ? T_UDP : tv === "any" ? T_ANY : -1;
  if (transport < 0 && tn !== undefined) throw new AppSignatureError(tn.where, `transport must be tcp, udp or any, not "${tv}"`);
  const dn = get(m, "dir");
  const dv = dn === undefined ? "any" : str(dn, "dir");
  const dir = dv === "client" ? D_CLIENT : dv === "server" ? D_SERVER : dv === "any" ? D_ANY : -1;
  if (dir < 0 && dn !== undefined) throw new AppSignatureError(dn.where, `dir must be client, server or any, not "${dv}"`);
  const port = get(m, "port");
  return {
    app,
    fn: fnOf(get(m, "function")),
    transport,
    dir,
    packets: intIn(get(m, "packets"), 1, 32, 3, "packets"),
    offset: intIn(get(m, "offset"), 0, 1500, 0, "offset"),
    bytes,
    minLen: intIn(get(m, "min_len"), 0, 65535, 0, "min_len"),
    maxLen: intIn(get(m, "max_len"), 0, 65535, 65535, "max_len"),
    shape,
    port: port === undefined ? 0 : portOf(port),
  };
}

/** Suricata-style content: text with `|hex bytes|` parts, e.g. `|13|BitTorrent protocol`. */
function parseContent(n: Node): number[] {
  const s = str(n, "bytes");
  const out: number[] = [];
  let hex = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "|") {
      hex = !hex;
      continue;
    }
    if (hex) {
      if (c === " ") continue;
      const h = s.slice(i, i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new AppSignatureError({ ...n.where, col: n.where.col + i }, `bad hex byte "${h}" in bytes`);
      out.push(parseInt(h, 16));
      i++;
    } else {
      const code = s.charCodeAt(i);
      if (code > 0xff) throw new AppSignatureError(n.where, "bytes: non-Latin-1 character (write it as |hex|)");
      out.push(code);
    }
  }
  if (hex) throw new AppSignatureError(n.where, "bytes: unclosed | (hex part)");
  if (out.length === 0) throw new AppSignatureError(n.where, "bytes: empty");
  return out;
}

function compileRange(n: Node, app: number): RangeEntry {
  let cidrNode = n;
  let transport = T_ANY;
  let ports: number[] = [];
  if (n.kind === "map") {
    cidrNode = req(n, "cidr");
    const tn = get(n, "transport");
    if (tn !== undefined) {
      const v = str(tn, "transport");
      transport = v === "tcp" ? T_TCP : v === "udp" ? T_UDP : v === "any" ? T_ANY : -1;
      if (transport < 0) throw new AppSignatureError(tn.where, `transport must be tcp, udp or any, not "${v}"`);
    }
    ports = list(get(n, "ports")).map(portOf);
  }
  const cidr = str(cidrNode, "cidr");
  try {
    if (cidr.includes(":")) {
      const r = IPv6CidrRange.fromCidr(cidr);
      const v = r.getFirst().getValue();
      const words = [0, 0, 0, 0].map((_, k) => Number((v >> BigInt(96 - 32 * k)) & 0xffffffffn) >>> 0);
      return { v6: true, words, bits: Number(r.cidrPrefix.getValue()), app, transport, ports };
    }
    const r = IPv4CidrRange.fromCidr(cidr);
    return { v6: false, words: [Number(r.getFirst().getValue()) >>> 0, 0, 0, 0], bits: Number(r.cidrPrefix.getValue()), app, transport, ports };
  } catch {
    throw new AppSignatureError(cidrNode.where, `bad address range "${cidr}" (expected a CIDR such as 149.154.160.0/20)`);
  }
}

function buildHosts(t: AppIdTables, hosts: HostEntry[]): void {
  let size = 16;
  while (size < hosts.length * 3) size <<= 1;
  t.hostMask = size - 1;
  t.hostSlotHash = new Uint32Array(size);
  t.hostSlotEntry = new Int32Array(size);
  const n = hosts.length;
  t.hostOff = new Int32Array(n);
  t.hostLen = new Int32Array(n);
  t.hostApp = new Uint16Array(n);
  t.hostFn = new Uint8Array(n);
  const pool: number[] = [];
  hosts.forEach((h, i) => {
    t.hostOff[i] = pool.length;
    t.hostLen[i] = h.host.length;
    t.hostApp[i] = h.app;
    t.hostFn[i] = h.fn;
    let hash = HOST_HASH_INIT;
    for (let k = h.host.length - 1; k >= 0; k--) hash = hostHashStep(hash, h.host.charCodeAt(k));
    for (let k = 0; k < h.host.length; k++) pool.push(lowerByte(h.host.charCodeAt(k)));
    let s = hash & t.hostMask;
    while (t.hostSlotEntry[s] !== 0) s = (s + 1) & t.hostMask;
    t.hostSlotHash[s] = hash;
    t.hostSlotEntry[s] = i + 1;
  });
  t.hostPool = Uint8Array.from(pool);
}

function buildPatterns(t: AppIdTables, ps: PatternEntry[]): void {
  const n = ps.length;
  t.patCount = n;
  t.patApp = Uint16Array.from(ps.map((p) => p.app));
  t.patFn = Uint8Array.from(ps.map((p) => p.fn));
  t.patTransport = Uint8Array.from(ps.map((p) => p.transport));
  t.patDir = Uint8Array.from(ps.map((p) => p.dir));
  t.patPackets = Uint8Array.from(ps.map((p) => p.packets));
  t.patOffset = Int32Array.from(ps.map((p) => p.offset));
  t.patMinLen = Int32Array.from(ps.map((p) => p.minLen));
  t.patMaxLen = Int32Array.from(ps.map((p) => p.maxLen));
  t.patShape = Uint8Array.from(ps.map((p) => p.shape));
  t.patPort = Int32Array.from(ps.map((p) => p.port));
  const all: number[] = [];
  t.patBytesOff = new Int32Array(n);
  t.patBytesLen = new Int32Array(n);
  ps.forEach((p, i) => {
    t.patBytesOff[i] = all.length;
    t.patBytesLen[i] = p.bytes.length;
    all.push(...p.bytes);
  });
  t.patBytes = Uint8Array.from(all);
}

function buildRanges(t: AppIdTables, rs: RangeEntry[]): void {
  t.rangeCount = rs.length;
  t.rangeV6 = Uint8Array.from(rs.map((r) => (r.v6 ? 1 : 0)));
  t.rangeAddr = Uint32Array.from(rs.flatMap((r) => r.words));
  t.rangeBits = Uint8Array.from(rs.map((r) => r.bits));
  t.rangeApp = Uint16Array.from(rs.map((r) => r.app));
  t.rangeTransport = Uint8Array.from(rs.map((r) => r.transport));
  const ports: number[] = [];
  t.rangePortsOff = new Int32Array(rs.length);
  t.rangePortsLen = new Int32Array(rs.length);
  rs.forEach((r, i) => {
    t.rangePortsOff[i] = ports.length;
    t.rangePortsLen[i] = r.ports.length;
    ports.push(...r.ports);
  });
  t.rangePorts = Int32Array.from(ports);
}

// -- document helpers

function asMap(n: Node, what: string): MapNode {
  if (n.kind !== "map") throw new AppSignatureError(n.where, what);
  return n;
}
function get(m: MapNode, key: string): Node | undefined {
  return m.entries.find((e) => e.key === key)?.value;
}
function req(m: MapNode, key: string): Node {
  const v = get(m, key);
  if (v === undefined) throw new AppSignatureError(m.where, `missing \`${key}:\``);
  return v;
}
function list(n: Node | undefined): Node[] {
  if (n === undefined) return [];
  if (n.kind === "seq") return n.items;
  if (n.kind === "scalar" && n.value === null) return [];
  return [n];
}
function str(n: Node, what: string): string {
  if (n.kind !== "scalar" || n.value === null || typeof n.value === "boolean") throw new AppSignatureError(n.where, `${what}: expected a string`);
  return n.kind === "scalar" && n.quoted ? String(n.value) : n.raw !== "" ? n.raw : String(n.value);
}
function intIn(n: Node | undefined, lo: number, hi: number, dflt: number, what: string): number {
  if (n === undefined) return dflt;
  if (n.kind !== "scalar" || typeof n.value !== "number" || !Number.isInteger(n.value) || n.value < lo || n.value > hi) {
    throw new AppSignatureError(n.where, `${what}: expected an integer from ${lo} to ${hi}`);
  }
  return n.value;
}
function portOf(n: Node): number {
  if (n.kind !== "scalar" || typeof n.value !== "number" || !Number.isInteger(n.value) || n.value < 1 || n.value > 65535) {
    throw new AppSignatureError(n.where, "expected a port number from 1 to 65535");
  }
  return n.value;
}
