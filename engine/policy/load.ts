/**
 * The policy loader: reads a policy document (YAML subset or JSON, see `document.ts`) and validates it
 * into a `PolicySpec`, collecting every problem with the `file:line:col` of the offending value, so one
 * run tells the author everything that is wrong:
 * `policy.yaml:14:15: unknown action "denny" (did you mean "deny"?)`.
 *
 * The schema is a table: top-level sections in `SECTIONS`, keys of each mapping in `*_KEYS`. A new
 * section is one entry in `SECTIONS` plus its reader.
 *
 * Cold path only (policy loading, off the packet path): allocates freely; never runs per packet and
 * never throws anything but `PolicyError` for bad input.
 *
 * @example
 * ```ts
 * import { loadPolicy } from "./load.ts";
 * const spec = loadPolicy("firewall:\n  rules:\n    - name: no smb\n      action: deny\n", "policy.yaml");
 * console.log(spec.firewall?.rules[0].action); // "deny"
 * ```
 */
import {
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_REVARP,
  IPPROTO_AH,
  IPPROTO_ESP,
  IPPROTO_GRE,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IGMP,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TH_ACK,
  TH_CWR,
  TH_ECE,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "../packet.ts";
import { parseAddress } from "./address.ts";
import { DocumentError, parseDocument } from "./document.ts";
import type { Node, ScalarNode } from "./document.ts";
import { FIREWALL_ACTIONS } from "./spec.ts";
import type {
  IpsExceptionSpec,
  AppControlSpec,
  AddressRange,
  Direction,
  EndpointSpec,
  FirewallRuleSpec,
  FirewallSpec,
  IcmpSpec,
  ListEntry,
  MacAddress,
  PolicySpec,
  PortRange,
  StatefulSpec,
  TcpFlagsSpec,
  Where,
} from "./spec.ts";
import { didYouMean } from "./suggest.ts";

export { parseAddress } from "./address.ts";

/** One thing wrong with a policy, where it was written. */
export interface PolicyProblem {
  where: Where;
  reason: string;
}

/** A policy that cannot be used; `message` lists every problem, one `file:line:col: reason` per line. */
export class PolicyError extends Error {
  readonly problems: PolicyProblem[];
  constructor(problems: PolicyProblem[]) {
    const sorted = problems.slice().sort((a, b) => a.where.line - b.where.line || a.where.col - b.where.col);
    super(sorted.map((p) => `${p.where.file}:${p.where.line}:${p.where.col}: ${p.reason}`).join("\n"));
    this.name = "PolicyError";
    this.problems = sorted;
  }
}

/** Defaults that apply whenever a `firewall:` section exists. */
export const STATEFUL_DEFAULTS: Readonly<StatefulSpec> = {
  invalidTcpFlags: true,
  outOfConnection: true,
  synFloodThreshold: 200,
  synFloodSources: 65536,
};
export const DEFAULT_PRIORITY = 2;
/** The most sources the SYN-flood check may be asked to track (a memory bound). */
export const MAX_SYN_FLOOD_SOURCES = 1 << 24;

/** Loads and validates a policy. Throws `PolicyError` listing all problems found. */
export function loadPolicy(text: string, file: string): PolicySpec {
  let root: Node;
  try {
    root = parseDocument(text, file);
  } catch (e) {
    if (e instanceof DocumentError) throw new PolicyError([{ where: e.where, reason: e.reason }]);
    throw e;
  }
  const ck = new Checker();
  const spec: PolicySpec = { source: file, homeNet: [], firewall: null, stateful: null, ips: null };
  if (!(root.kind === "scalar" && root.value === null)) {
    const fields = ck.fields(root, TOP_KEYS, "the policy");
    if (fields !== null) {
      for (const [key, read] of SECTIONS) {
        const node = fields.get(key);
        if (node !== undefined) read(node, ck, spec);
      }
    }
  }
  if (ck.problems.length > 0) throw new PolicyError(ck.problems);
  return spec;
}

// ---------------------------------------------------------------------------------------------------
// The schema

type SectionReader = (node: Node, ck: Checker, spec: PolicySpec) => void;

/** Top-level sections, in the order they are read. Add a section here. */
const SECTIONS: ReadonlyMap<string, SectionReader> = new Map<string, SectionReader>([
  ["home_net", readHomeNet],
  ["firewall", readFirewall],
  ["ips", readIps],
  ["app_control", readAppControl],
  ["profiles", readProfiles],
]);
const APP_CONTROL_KEYS = ["rules"] as const;
const APP_RULE_KEYS = ["app", "category", "function", "action"] as const;
/** Profile names: letters, digits, "-", "_" and "."; they travel in events and MQTT topics. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** App, category and function names as the signatures write them. */
const APP_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const IPS_KEYS = ["mode", "detect_only", "log_packets", "exceptions"] as const;
const EXCEPTION_KEYS = ["sid", "gid", "src", "dst", "port", "reason"] as const;
const TOP_KEYS = [...SECTIONS.keys()];
const FIREWALL_KEYS = ["stateful", "rules"] as const;
const STATEFUL_KEYS = ["invalid_tcp_flags", "out_of_connection", "syn_flood"] as const;
const SYN_FLOOD_KEYS = ["threshold", "sources"] as const;
const RULE_KEYS = [
  "name",
  "action",
  "priority",
  "direction",
  "frame",
  "protocol",
  "src",
  "dst",
  "interface",
  "tcp_flags",
  "icmp",
] as const;
const ENDPOINT_KEYS = ["ip", "port", "mac"] as const;
const ICMP_KEYS = ["type", "code"] as const;
const DIRECTIONS: readonly Direction[] = ["in", "out", "any"];

const FRAMES = new Map<string, number[]>([
  ["ip", [ETH_IPV4, ETH_IPV6]],
  ["ipv4", [ETH_IPV4]],
  ["ipv6", [ETH_IPV6]],
  ["arp", [ETH_ARP]],
  ["revarp", [ETH_REVARP]],
]);
const IP_FRAMES = [ETH_IPV4, ETH_IPV6];
function frameName(ethertype: number): string {
  for (const [name, values] of FRAMES) if (values.length === 1 && values[0] === ethertype) return name;
  return `0x${ethertype.toString(16).padStart(4, "0")}`;
}
/** EtherType values below this are 802.3 lengths, not types. */
const MIN_ETHERTYPE = 0x0600;

const PROTOCOLS = new Map<string, number[]>([
  ["tcp", [IPPROTO_TCP]],
  ["udp", [IPPROTO_UDP]],
  ["tcp+udp", [IPPROTO_TCP, IPPROTO_UDP]],
  ["icmp", [IPPROTO_ICMP]],
  ["icmpv6", [IPPROTO_ICMPV6]],
  ["ipv6-icmp", [IPPROTO_ICMPV6]],
  ["igmp", [IPPROTO_IGMP]],
  ["gre", [IPPROTO_GRE]],
  ["esp", [IPPROTO_ESP]],
  ["ah", [IPPROTO_AH]],
  ["sctp", [IPPROTO_SCTP]],
]);
/** Protocols whose headers carry ports. */
const PORT_PROTOCOLS = [IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, 33 /* DCCP */, 136 /* UDP-Lite */];
const ICMP_PROTOCOLS = [IPPROTO_ICMP, IPPROTO_ICMPV6];

const TCP_FLAGS = new Map<string, number>([
  ["FIN", TH_FIN],
  ["SYN", TH_SYN],
  ["RST", TH_RST],
  ["PSH", TH_PUSH],
  ["ACK", TH_ACK],
  ["URG", TH_URG],
  ["ECE", TH_ECE],
  ["CWR", TH_CWR],
]);

// ---------------------------------------------------------------------------------------------------
// Sections

/**
 * `ips: { mode: prevent|detect, detect_only: [sid...], exceptions: [ { sid, gid?, src?, dst?, port?, reason? } ] }`:
 * whether drop rules block, rules that only alert, and rules silenced for some traffic (addresses and
 * ports as in firewall rules; `port` matches either side).
 */
function readIps(node: Node, ck: Checker, spec: PolicySpec): void {
  spec.ips = { mode: null, detectOnly: [], logPackets: false, exceptions: [] };
  if (isNull(node)) return;
  const f = ck.fields(node, IPS_KEYS, `"ips" (mode, detect_only, log_packets, exceptions)`);
  if (f === null) return;
  const mode = f.get("mode");
  if (mode !== undefined) {
    const m = ck.text(mode, "a mode");
    if (m === "prevent" || m === "detect") spec.ips.mode = m;
    else if (m !== null) ck.add(mode.where, `"mode" must be prevent or detect, got ${JSON.stringify(m)}`);
  }
  const logPackets = f.get("log_packets");
  if (logPackets !== undefined) spec.ips.logPackets = ck.bool(logPackets) ?? false;
  const only = f.get("detect_only");
  if (only !== undefined && !isNull(only)) {
    if (only.kind !== "seq") ck.add(only.where, `"detect_only" must be a list of rule sids`);
    else {
      for (const item of only.items) {
        const sid = ck.int(item, 1, 0xffffffff, "a rule sid");
        if (sid !== null) spec.ips.detectOnly.push(sid);
      }
    }
  }
  const list = f.get("exceptions");
  if (list === undefined || isNull(list)) return;
  if (list.kind !== "seq") {
    ck.add(list.where, `"exceptions" must be a list of { sid, src, dst, port, reason }`);
    return;
  }
  for (const item of list.items) {
    const e = ck.fields(item, EXCEPTION_KEYS, "an exception (sid, gid, src, dst, port, reason)");
    if (e === null) continue;
    const sidNode = e.get("sid");
    if (sidNode === undefined) {
      ck.add(item.where, `an exception needs "sid" (the rule it silences)`);
      continue;
    }
    const sid = ck.int(sidNode, 1, 0xffffffff, "a rule sid");
    const gidNode = e.get("gid");
    const gid = gidNode === undefined ? 1 : ck.int(gidNode, 0, 0xffffffff, "a rule gid");
    const src = e.get("src");
    const dst = e.get("dst");
    const port = e.get("port");
    const reason = e.get("reason");
    const ex: IpsExceptionSpec = {
      where: item.where,
      sid: sid ?? 0,
      gid: gid ?? 1,
      src: src === undefined || isAny(src) ? null : ck.list(src, "addresses", addressEntry, false) ?? null,
      dst: dst === undefined || isAny(dst) ? null : ck.list(dst, "addresses", addressEntry, false) ?? null,
      port: port === undefined || isAny(port) ? null : ck.list(port, "ports", portEntry, false) ?? null,
      reason: reason === undefined ? "" : ck.text(reason, "a reason") ?? "",
    };
    spec.ips.exceptions.push(ex);
  }
}

/**
 * `app_control: { rules: [ { app | category, function?, action: block|allow } ] }`: which applications
 * (or functions of them, e.g. a messenger's file transfer) are blocked. First match wins; no match allows.
 */
function readAppControl(node: Node, ck: Checker, spec: PolicySpec): void {
  const ac: AppControlSpec = { rules: [] };
  spec.appControl = ac;
  if (isNull(node)) return;
  const f = ck.fields(node, APP_CONTROL_KEYS, `"app_control" (rules)`);
  if (f === null) return;
  const rules = f.get("rules");
  if (rules === undefined || isNull(rules)) return;
  if (rules.kind !== "seq") {
    ck.add(rules.where, `"rules" must be a list of { app or category, function, action }`);
    return;
  }
  for (const item of rules.items) {
    const r = ck.fields(item, APP_RULE_KEYS, "an app_control rule (app, category, function, action)");
    if (r === null) continue;
    const name = (key: string): [string | null, Where | null] => {
      const n = r.get(key);
      if (n === undefined) return [null, null];
      const t = ck.text(n, `a ${key} name`);
      if (t === null) return [null, null];
      if (!APP_NAME.test(t)) {
        ck.add(n.where, `${key} ${JSON.stringify(t)}: names are lower case (letters, digits, ".", "-", "_")`);
        return [null, null];
      }
      return [t, n.where];
    };
    const [app, appWhere] = name("app");
    const [category, categoryWhere] = name("category");
    const [fn, functionWhere] = name("function");
    if (!r.has("app") && !r.has("category")) {
      ck.add(item.where, `an app_control rule needs "app" (an application) or "category"`);
      continue;
    }
    if (r.has("app") && r.has("category")) {
      ck.add(item.where, `an app_control rule names "app" or "category", not both`);
      continue;
    }
    if (fn !== null && category !== null) {
      ck.add(functionWhere ?? item.where, `"function" needs "app" (functions belong to one application)`);
      continue;
    }
    const actionNode = r.get("action");
    if (actionNode === undefined) {
      ck.add(item.where, `an app_control rule needs "action" (block or allow)`);
      continue;
    }
    const action = ck.text(actionNode, "an action");
    if (action !== "block" && action !== "allow") {
      if (action !== null) ck.add(actionNode.where, `"action" must be block or allow, got ${JSON.stringify(action)}`);
      continue;
    }
    if (app === null && category === null) continue; // its name was already reported
    ac.rules.push({ where: item.where, app, category, function: fn, action, appWhere, categoryWhere, functionWhere });
  }
}

/**
 * `profiles: { NAME: { firewall?, ips?, app_control?, home_net? } }`: location profiles. Each is the
 * base policy with the sections it gives replaced whole (a section it leaves out is the base's).
 */
function readProfiles(node: Node, ck: Checker, spec: PolicySpec): void {
  const profiles = new Map<string, PolicySpec>();
  spec.profiles = profiles;
  if (isNull(node)) return;
  if (node.kind !== "map") {
    ck.add(node.where, `"profiles" must map profile names to sections (e.g. office: { app_control: ... })`);
    return;
  }
  const keys = [...SECTIONS.keys()].filter((k) => k !== "profiles");
  for (const e of node.entries) {
    if (!PROFILE_NAME.test(e.key)) {
      ck.add(e.keyWhere, `profile name ${JSON.stringify(e.key)}: use letters, digits, ".", "-" and "_" (up to 64)`);
      continue;
    }
    const p: PolicySpec = { ...spec, profiles: undefined, profile: e.key };
    delete p.profiles;
    profiles.set(e.key, p);
    if (isNull(e.value)) continue;
    const f = ck.fields(e.value, keys, `profile "${e.key}" (${keys.join(", ")})`);
    if (f === null) continue;
    for (const [key, read] of SECTIONS) {
      const n = f.get(key);
      if (n !== undefined) read(n, ck, p);
    }
  }
}

/**
 * The policy for a location profile: `spec` itself for `undefined`, else its profile by name. Throws
 * PolicyError naming the profiles there are (with a did-you-mean).
 */
export function selectProfile(spec: PolicySpec, name: string | undefined): PolicySpec {
  if (name === undefined) return spec;
  const p = spec.profiles?.get(name);
  if (p !== undefined) return p;
  const names = [...(spec.profiles?.keys() ?? [])];
  const hint = didYouMean(name, names);
  throw new PolicyError([{
    where: { file: spec.source, line: 1, col: 1 },
    reason: names.length === 0
      ? `no profile "${name}": the policy has no profiles section`
      : `no profile "${name}"${hint} (profiles: ${names.join(", ")})`,
  }]);
}

function readHomeNet(node: Node, ck: Checker, spec: PolicySpec): void {
  if (isNull(node)) return;
  const list = ck.list(node, "addresses", addressEntry, true);
  if (list !== undefined) spec.homeNet = list ?? everywhere(node.where);
}

/** `home_net: any`: every IPv4 and IPv6 address. */
function everywhere(where: Where): ListEntry<AddressRange>[] {
  return [
    { value: parseAddress("0.0.0.0/0", where), negated: false, where },
    { value: parseAddress("::/0", where), negated: false, where },
  ];
}

function readFirewall(node: Node, ck: Checker, spec: PolicySpec): void {
  const firewall: FirewallSpec = { rules: [] };
  const stateful: StatefulSpec = { ...STATEFUL_DEFAULTS };
  spec.firewall = firewall;
  spec.stateful = stateful;
  if (isNull(node)) return;
  const fields = ck.fields(node, FIREWALL_KEYS, "the firewall section");
  if (fields === null) return;
  const st = fields.get("stateful");
  if (st !== undefined) readStateful(st, ck, stateful);
  const rules = fields.get("rules");
  if (rules === undefined || isNull(rules)) return;
  if (rules.kind !== "seq") {
    ck.add(rules.where, `expected a list of rules ("- name: ..."), got ${describe(rules)}`);
    return;
  }
  const names = new Map<string, Where>();
  for (const item of rules.items) {
    const rule = readRule(item, ck, names);
    if (rule !== null) firewall.rules.push(rule);
  }
}

function readStateful(node: Node, ck: Checker, out: StatefulSpec): void {
  if (isNull(node)) return;
  const f = ck.fields(node, STATEFUL_KEYS, "the stateful section");
  if (f === null) return;
  const itf = f.get("invalid_tcp_flags");
  if (itf !== undefined) out.invalidTcpFlags = ck.bool(itf) ?? out.invalidTcpFlags;
  const ooc = f.get("out_of_connection");
  if (ooc !== undefined) out.outOfConnection = ck.bool(ooc) ?? out.outOfConnection;
  const sf = f.get("syn_flood");
  if (sf === undefined) return;
  if (sf.kind === "scalar" && typeof sf.value === "boolean") {
    if (!sf.value) out.synFloodThreshold = 0;
    return;
  }
  const g = ck.fields(sf, SYN_FLOOD_KEYS, "syn_flood");
  if (g === null) return;
  const th = g.get("threshold");
  if (th !== undefined) out.synFloodThreshold = ck.int(th, 0, 0x7fffffff, "a SYN rate per second") ?? 0;
  const so = g.get("sources");
  if (so !== undefined) out.synFloodSources = ck.int(so, 1, MAX_SYN_FLOOD_SOURCES, "a number of sources") ?? 1;
}

// ---------------------------------------------------------------------------------------------------
// Rules

function readRule(node: Node, ck: Checker, names: Map<string, Where>): FirewallRuleSpec | null {
  if (node.kind !== "map") {
    ck.add(node.where, `expected a rule (a mapping with name, action, ...), got ${describe(node)}`);
    return null;
  }
  const f = ck.fields(node, RULE_KEYS, "a firewall rule");
  if (f === null) return null;
  const before = ck.problems.length;
  const rule: FirewallRuleSpec = {
    name: "",
    action: "deny",
    priority: DEFAULT_PRIORITY,
    direction: "any",
    frame: null,
    protocol: null,
    src: { ip: null, port: null, mac: null },
    dst: { ip: null, port: null, mac: null },
    interface: null,
    tcpFlags: null,
    icmp: null,
    where: node.where,
  };

  const name = f.get("name");
  if (name === undefined) ck.add(node.where, "the rule has no name (add \"name: ...\")");
  else {
    const text = ck.text(name, "a rule name");
    if (text !== null) {
      const first = names.get(text);
      if (first !== undefined) {
        ck.add(name.where, `duplicate rule name ${JSON.stringify(text)} (first at line ${first.line})`);
      } else names.set(text, name.where);
      rule.name = text;
    }
  }
  const action = f.get("action");
  if (action === undefined) ck.add(node.where, `the rule has no action (add "action: deny" or another of ${FIREWALL_ACTIONS.join(", ")})`);
  else rule.action = ck.word(action, FIREWALL_ACTIONS, "action") ?? rule.action;
  const priority = f.get("priority");
  if (priority !== undefined) rule.priority = ck.int(priority, 0, 4, "a priority") ?? DEFAULT_PRIORITY;
  const direction = f.get("direction");
  if (direction !== undefined) rule.direction = ck.word(direction, DIRECTIONS, "direction") ?? "any";
  const frame = f.get("frame");
  if (frame !== undefined) rule.frame = ck.list(frame, "frame types", frameEntry, false) ?? null;
  const protocol = f.get("protocol");
  if (protocol !== undefined) rule.protocol = ck.list(protocol, "protocols", protocolEntry, false) ?? null;
  const endpoints: [Node | undefined, Map<string, Node> | null][] = [];
  for (const side of ["src", "dst"] as const) {
    const n = f.get(side);
    const ends = n === undefined ? null : readEndpoint(n, side, ck, rule[side]);
    endpoints.push([n, ends]);
  }
  const iface = f.get("interface");
  if (iface !== undefined) rule.interface = ck.list(iface, "interface name patterns", interfaceEntry, false) ?? null;
  const flags = f.get("tcp_flags");
  if (flags !== undefined) rule.tcpFlags = readTcpFlags(flags, ck);
  const icmp = f.get("icmp");
  if (icmp !== undefined) rule.icmp = readIcmp(icmp, ck);

  // Cross-field checks use only the values that read cleanly (a field with a problem reads as "any").
  crossCheck(rule, f, endpoints, ck);
  return ck.problems.length === before ? rule : null;
}

/** Reads `src:`/`dst:`; returns the sub-nodes for cross-checks. */
function readEndpoint(node: Node, side: string, ck: Checker, out: EndpointSpec): Map<string, Node> | null {
  if (isNull(node) || isAny(node)) return null;
  const f = ck.fields(node, ENDPOINT_KEYS, `"${side}" (ip, port, mac)`);
  if (f === null) return null;
  const ip = f.get("ip");
  if (ip !== undefined) out.ip = ck.list(ip, "addresses", addressEntry, false) ?? null;
  const port = f.get("port");
  if (port !== undefined) out.port = ck.list(port, "ports", portEntry, false) ?? null;
  const mac = f.get("mac");
  if (mac !== undefined) out.mac = ck.list(mac, "MAC addresses", macEntry, false) ?? null;
  return f;
}

function crossCheck(
  rule: FirewallRuleSpec,
  f: Map<string, Node>,
  endpoints: [Node | undefined, Map<string, Node> | null][],
  ck: Checker,
): void {
  const frameNode = f.get("frame");
  const protoNode = f.get("protocol");
  const ipOnly: [string, Node][] = [];
  if (protoNode !== undefined && rule.protocol !== null) ipOnly.push(["protocol", protoNode]);
  const ports: [string, Node][] = [];
  endpoints.forEach(([, ends], i) => {
    const side = i === 0 ? "src" : "dst";
    const spec = i === 0 ? rule.src : rule.dst;
    const ip = ends?.get("ip");
    const port = ends?.get("port");
    if (ip !== undefined && spec.ip !== null) ipOnly.push([`${side}.ip`, ip]);
    if (port !== undefined && spec.port !== null) {
      ipOnly.push([`${side}.port`, port]);
      ports.push([`${side}.port`, port]);
    }
  });
  const flagsNode = rule.tcpFlags === null ? undefined : f.get("tcp_flags");
  const icmpNode = rule.icmp === null ? undefined : f.get("icmp");
  if (flagsNode !== undefined) ipOnly.push(["tcp_flags", flagsNode]);
  if (icmpNode !== undefined) ipOnly.push(["icmp", icmpNode]);

  if (rule.direction !== "any" && rule.frame !== null) {
    for (const e of rule.frame) {
      if (!e.negated && !IP_FRAMES.includes(e.value)) {
        ck.add(
          e.where,
          `frames that are not IP have no direction (frame ${frameName(e.value)} with direction: ${rule.direction})`,
        );
      }
    }
  }
  if (rule.frame !== null && frameNode !== undefined && !admitsAny(rule.frame, IP_FRAMES)) {
    const frame = nodeText(frameNode);
    for (const [key, n] of ipOnly) {
      ck.add(n.where, `"${key}" needs an IP frame, but this rule's frame (${frame}) is not IP`);
    }
    return;
  }
  const proto = protoNode === undefined ? "any" : nodeText(protoNode);
  if (!admitsAny(rule.protocol, PORT_PROTOCOLS)) {
    for (const [key, n] of ports) {
      ck.add(n.where, `"${key}" needs a protocol with ports (tcp, udp, sctp), but this rule's protocol is ${proto}`);
    }
  }
  if (flagsNode !== undefined && !admitsAny(rule.protocol, [IPPROTO_TCP])) {
    ck.add(flagsNode.where, `tcp_flags needs protocol tcp, but this rule's protocol (${proto}) excludes TCP`);
  }
  if (icmpNode !== undefined && !admitsAny(rule.protocol, ICMP_PROTOCOLS)) {
    ck.add(icmpNode.where, `icmp needs protocol icmp or icmpv6, but this rule's protocol is ${proto}`);
  }
}

/**
 * Whether a matching list can match at least one of `values`. A list matches a value when the value is
 * one of its plain entries (or it has none) and none of its "!" entries; null matches everything.
 */
export function admitsAny(list: ListEntry<number>[] | null, values: readonly number[]): boolean {
  if (list === null) return true;
  const positives = list.filter((e) => !e.negated);
  return values.some((v) =>
    (positives.length === 0 || positives.some((e) => e.value === v)) &&
    !list.some((e) => e.negated && e.value === v)
  );
}

function readTcpFlags(node: Node, ck: Checker): TcpFlagsSpec | null {
  // A string "SYN,!ACK" or a list [SYN, "!ACK"]; each token keeps its own position where possible.
  const tokens: [string, Where][] = [];
  if (node.kind === "seq") {
    for (const item of node.items) {
      if (item.kind !== "scalar" || typeof item.value !== "string") {
        ck.add(item.where, `expected a TCP flag such as SYN or !ACK, got ${describe(item)}`);
        return null;
      }
      tokens.push([item.value.trim(), item.where]);
    }
  } else if (node.kind === "scalar" && typeof node.value === "string") {
    const re = /[^,\s]+/g;
    for (let m = re.exec(node.value); m !== null; m = re.exec(node.value)) {
      tokens.push([m[0], offsetWhere(node, m.index)]);
    }
  } else {
    ck.add(node.where, `expected TCP flags such as "SYN,!ACK", got ${describe(node)}`);
    return null;
  }
  if (tokens.length === 0) {
    ck.add(node.where, "no TCP flags given (write e.g. \"SYN,!ACK\", or remove tcp_flags)");
    return null;
  }
  let set = 0;
  let clear = 0;
  const before = ck.problems.length;
  for (const [tok, where] of tokens) {
    const neg = tok.startsWith("!");
    const name = (neg ? tok.slice(1) : tok).trim().toUpperCase();
    const bit = TCP_FLAGS.get(name === "PUSH" ? "PSH" : name);
    if (bit === undefined) {
      const hint = didYouMean(name, [...TCP_FLAGS.keys()]);
      ck.add(where, `unknown TCP flag ${JSON.stringify(tok)}${hint === "" ? `; flags are ${[...TCP_FLAGS.keys()].join(" ")}` : hint}`);
      continue;
    }
    if (((neg ? set : clear) & bit) !== 0) {
      ck.add(where, `TCP flag ${name} is required both set and clear`);
      continue;
    }
    if (neg) clear |= bit;
    else set |= bit;
  }
  if (ck.problems.length !== before) return null;
  return { set, clear, text: nodeText(node) };
}

function readIcmp(node: Node, ck: Checker): IcmpSpec | null {
  const f = ck.fields(node, ICMP_KEYS, "icmp (type, code)");
  if (f === null) return null;
  const out: IcmpSpec = { type: null, code: null };
  const t = f.get("type");
  if (t !== undefined && !isAny(t)) out.type = ck.int(t, 0, 255, "an ICMP type");
  const c = f.get("code");
  if (c !== undefined && !isAny(c)) out.code = ck.int(c, 0, 255, "an ICMP code");
  return out;
}

// ---------------------------------------------------------------------------------------------------
// List entries: each returns the values for one written entry, or a reason it is wrong.

type EntryReader<T> = (v: string | number | boolean, where: Where) => T[] | string;

const addressEntry: EntryReader<AddressRange> = (v, where) => {
  if (typeof v !== "string") return `expected an address, CIDR block or range, got ${show(v)}`;
  try {
    return [parseAddress(v, where)];
  } catch (e) {
    if (e instanceof DocumentError) return e.reason;
    throw e;
  }
};

const portEntry: EntryReader<PortRange> = (v) => {
  const n = asInt(v);
  if (n !== null) {
    if (n > 65535) return `port ${n} is out of range (0..65535)`;
    return [{ first: n, last: n }];
  }
  if (typeof v === "string") {
    const m = /^\s*([0-9]+)\s*-\s*([0-9]+)\s*$/.exec(v);
    if (m !== null) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (a > 65535 || b > 65535) return `port range ${v} is out of range (0..65535)`;
      if (a > b) return `port range ${v} is backwards; did you mean ${b}-${a}?`;
      return [{ first: a, last: b }];
    }
  }
  return `expected a port (0..65535) or a range such as 137-139, got ${show(v)}`;
};

const macEntry: EntryReader<MacAddress> = (v) => {
  if (typeof v === "string" && /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(v.trim())) {
    const b = v.trim().split(/[:-]/).map((x) => parseInt(x, 16));
    return [[b[0], b[1], b[2], b[3], b[4], b[5]]];
  }
  return `expected a MAC address such as 00:11:22:33:44:55 or 00-11-22-33-44-55, got ${show(v)}`;
};

const frameEntry: EntryReader<number> = (v) => {
  const n = asInt(v);
  if (n !== null) {
    if (n > 0xffff) return `EtherType ${n} is out of range (0x0600..0xffff)`;
    if (n < MIN_ETHERTYPE) {
      return `0x${n.toString(16).padStart(4, "0")} is an 802.3 frame length, not an EtherType (EtherTypes start at 0x0600)`;
    }
    return [n];
  }
  if (typeof v === "string") {
    const known = FRAMES.get(v.trim().toLowerCase());
    if (known !== undefined) return known;
    const hint = didYouMean(v, ["any", ...FRAMES.keys()]);
    return `unknown frame type ${JSON.stringify(v)}` +
      (hint !== "" ? hint : "; use any, ip, ipv4, ipv6, arp, revarp or an EtherType number such as 0x88cc");
  }
  return `expected a frame type or EtherType number, got ${show(v)}`;
};

const protocolEntry: EntryReader<number> = (v) => {
  const n = asInt(v);
  if (n !== null) {
    if (n > 255) return `protocol number ${n} is out of range (0..255)`;
    return [n];
  }
  if (typeof v === "string") {
    const known = PROTOCOLS.get(v.trim().toLowerCase());
    if (known !== undefined) return known;
    const hint = didYouMean(v, ["any", ...PROTOCOLS.keys()]);
    return `unknown protocol ${JSON.stringify(v)}` +
      (hint !== "" ? hint : `; use any, ${[...PROTOCOLS.keys()].join(", ")} or a protocol number 0..255`);
  }
  return `expected a protocol name or number, got ${show(v)}`;
};

const interfaceEntry: EntryReader<string> = (v) => {
  if (typeof v !== "string" || v.trim() === "") return `expected an interface name pattern such as "eth*", got ${show(v)}`;
  return [v.trim()];
};

/** A non-negative integer from a number or from text (decimal, 0x hex, 0o octal), else null. */
function asInt(v: string | number | boolean): number | null {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? v : null;
  if (typeof v !== "string") return null;
  const t = v.trim();
  if (/^[0-9]+$/.test(t)) return Number(t);
  if (/^0x[0-9a-fA-F]+$/i.test(t)) return parseInt(t.slice(2), 16);
  if (/^0o[0-7]+$/i.test(t)) return parseInt(t.slice(2), 8);
  return null;
}

// ---------------------------------------------------------------------------------------------------
// The checker: typed reads that record problems instead of throwing.

class Checker {
  readonly problems: PolicyProblem[] = [];

  add(where: Where, reason: string): void {
    this.problems.push({ where, reason });
  }

  /** The entries of a mapping whose keys must come from `allowed`; null (and a problem) if not a mapping. */
  fields(node: Node, allowed: readonly string[], what: string): Map<string, Node> | null {
    if (node.kind !== "map") {
      this.add(node.where, `expected ${what} to be a mapping (${allowed.join(", ")}), got ${describe(node)}`);
      return null;
    }
    const out = new Map<string, Node>();
    for (const e of node.entries) {
      if (allowed.includes(e.key)) out.set(e.key, e.value);
      else {
        this.add(e.keyWhere, `unknown key ${JSON.stringify(e.key)} in ${what}${didYouMean(e.key, allowed)}`);
      }
    }
    return out;
  }

  bool(node: Node): boolean | null {
    if (node.kind === "scalar" && typeof node.value === "boolean") return node.value;
    this.add(node.where, `expected true or false, got ${describe(node)}`);
    return null;
  }

  int(node: Node, min: number, max: number, what: string): number | null {
    if (node.kind === "scalar" && typeof node.value === "number" && Number.isInteger(node.value)) {
      if (node.value >= min && node.value <= max) return node.value;
      this.add(node.where, `${node.raw} is out of range for ${what} (${min}..${max})`);
      return null;
    }
    this.add(node.where, `expected ${what} (a whole number ${min}..${max}), got ${describe(node)}`);
    return null;
  }

  /** Text of a scalar that is not null (a number's text as written). */
  text(node: Node, what: string): string | null {
    if (node.kind === "scalar" && node.value !== null && typeof node.value !== "boolean") {
      const t = typeof node.value === "string" ? node.value.trim() : node.raw;
      if (t !== "") return t;
    }
    this.add(node.where, `expected ${what}, got ${describe(node)}`);
    return null;
  }

  /** One of a fixed set of words, with a did-you-mean for typos. */
  word<T extends string>(node: Node, words: readonly T[], what: string): T | null {
    if (node.kind === "scalar" && typeof node.value === "string") {
      const w = node.value.trim().toLowerCase();
      const hit = words.find((x) => x === w);
      if (hit !== undefined) return hit;
      const hint = didYouMean(w, words);
      this.add(node.where, `unknown ${what} ${JSON.stringify(node.value)}${hint === "" ? `; use ${words.join(", ")}` : hint}`);
      return null;
    }
    this.add(node.where, `expected ${what} (${words.join(", ")}), got ${describe(node)}`);
    return null;
  }

  /**
   * A matching list: a single entry or a list of entries, each optionally negated with "!". `any` alone
   * is null (match everything). Returns undefined when a problem was recorded.
   */
  list<T>(node: Node, what: string, read: EntryReader<T>, allowEmpty: boolean): ListEntry<T>[] | null | undefined {
    if (isAny(node)) return null;
    let items: Node[];
    if (node.kind === "seq") items = node.items;
    else if (node.kind === "scalar" && node.value !== null) items = [node];
    else {
      this.add(node.where, `expected a list of ${what}, got ${describe(node)}`);
      return undefined;
    }
    if (items.length === 0 && !allowEmpty) {
      this.add(node.where, `an empty list of ${what} matches nothing; write any or remove the key`);
      return undefined;
    }
    const out: ListEntry<T>[] = [];
    let ok = true;
    for (const item of items) {
      if (item.kind !== "scalar" || item.value === null) {
        this.add(item.where, `expected a single entry in this list of ${what}, got ${describe(item)}`);
        ok = false;
        continue;
      }
      let v: string | number | boolean = item.value;
      let negated = false;
      if (typeof v === "string" && v.trimStart().startsWith("!")) {
        negated = true;
        v = v.trimStart().slice(1).trimStart();
        if (v === "") {
          this.add(item.where, "nothing after \"!\"");
          ok = false;
          continue;
        }
      }
      if (typeof v === "string" && v.toLowerCase() === "any") {
        this.add(
          item.where,
          negated ? "\"!any\" matches nothing" : "\"any\" cannot be combined with other entries; write any alone",
        );
        ok = false;
        continue;
      }
      const r = read(v, item.where);
      if (typeof r === "string") {
        this.add(item.where, r);
        ok = false;
        continue;
      }
      for (const value of r) out.push({ value, negated, where: item.where });
    }
    return ok ? out : undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Small readers of nodes

function isNull(node: Node): boolean {
  return node.kind === "scalar" && node.value === null;
}

function isAny(node: Node): boolean {
  if (node.kind === "scalar") return typeof node.value === "string" && node.value.trim().toLowerCase() === "any";
  return node.kind === "seq" && node.items.length === 1 && isAny(node.items[0]);
}

/** How a node looks, for "expected X, got Y". */
function describe(node: Node): string {
  if (node.kind === "map") return "a mapping";
  if (node.kind === "seq") return "a list";
  return node.value === null ? "an empty value" : show(node.value);
}

function show(v: string | number | boolean): string {
  if (typeof v === "string") return `the text ${JSON.stringify(v)}`;
  if (typeof v === "number") return `the number ${v}`;
  return String(v);
}

/** The node's text as written, for messages: `icmp`, `[tcp, udp]`. */
function nodeText(node: Node): string {
  if (node.kind === "scalar") return typeof node.value === "string" ? node.value : node.raw;
  if (node.kind === "seq") return `[${node.items.map(nodeText).join(", ")}]`;
  return `{${node.entries.map((e) => `${e.key}: ${nodeText(e.value)}`).join(", ")}}`;
}

/** The position of character `index` of a scalar's value, when the source text maps 1:1 to it. */
function offsetWhere(node: ScalarNode, index: number): Where {
  const v = String(node.value);
  const w = node.where;
  if (!node.quoted && node.raw === v) return { file: w.file, line: w.line, col: w.col + index };
  if (node.quoted && node.raw.length === v.length + 2 && node.raw.slice(1, -1) === v) {
    return { file: w.file, line: w.line, col: w.col + 1 + index };
  }
  return w;
}

