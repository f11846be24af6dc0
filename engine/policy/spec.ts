/**
 * The validated shape of a policy document (YAML or JSON), before compilation. The loader
 * (`load.ts`) turns text into a `PolicySpec` or precise `file:line:col` errors; compilers
 * (`../firewall/compile.ts`) turn a spec into the typed-array form the hot path uses. Every value keeps
 * where it came from (`Where`) so a compiler can still point at the line that caused a problem.
 *
 * Nothing here runs per packet.
 *
 * @example
 * ```ts
 * import type { PolicySpec } from "./spec.ts";
 * const empty: PolicySpec = { source: "inline", homeNet: [], firewall: null, stateful: null };
 * ```
 */

/** Where a value was written: file, 1-based line and column. */
export interface Where {
  file: string;
  line: number;
  col: number;
}

/** One entry of a matching list: a value and whether it was written with "!" (negated). */
export interface ListEntry<T> {
  value: T;
  negated: boolean;
  where: Where;
}

/** An address entry: a single address, a CIDR block or a range, IPv4 or IPv6, as an inclusive range. */
export interface AddressRange {
  version: 4 | 6;
  /** First and last address as four big-endian 32-bit words (IPv4: word 0 only). */
  first: [number, number, number, number];
  last: [number, number, number, number];
  /** The text as written, for messages and events. */
  text: string;
}

/** A port entry: an inclusive range (a single port has first === last). */
export interface PortRange {
  first: number;
  last: number;
}

/** A MAC address as 6 bytes. */
export type MacAddress = [number, number, number, number, number, number];

export interface EndpointSpec {
  ip: ListEntry<AddressRange>[] | null;
  port: ListEntry<PortRange>[] | null;
  mac: ListEntry<MacAddress>[] | null;
}

export type FirewallAction = "allow" | "deny" | "force-allow" | "bypass" | "log-only";
export const FIREWALL_ACTIONS: readonly FirewallAction[] = ["allow", "deny", "force-allow", "bypass", "log-only"];

export type Direction = "in" | "out" | "any";

/** `frame:` as an EtherType set: "ip" expands to IPv4 and IPv6. null means any. */
export type FrameSpec = ListEntry<number>[] | null;

export interface TcpFlagsSpec {
  /** Flags that must be set and flags that must be clear (TH_* bits). */
  set: number;
  clear: number;
  text: string;
}

export interface IcmpSpec {
  type: number | null;
  code: number | null;
}

export interface FirewallRuleSpec {
  name: string;
  action: FirewallAction;
  /** 0..4, 4 evaluated first. */
  priority: number;
  direction: Direction;
  frame: FrameSpec;
  /** IP protocol numbers; "tcp+udp" is two entries. null means any. */
  protocol: ListEntry<number>[] | null;
  src: EndpointSpec;
  dst: EndpointSpec;
  /** Interface name patterns (`*` and `?` wildcards, case-insensitive). null means any. */
  interface: ListEntry<string>[] | null;
  tcpFlags: TcpFlagsSpec | null;
  icmp: IcmpSpec | null;
  /** Where the rule starts in the file. */
  where: Where;
}

/** Stateful sanity checks (the defaults apply whenever a firewall section exists). */
export interface StatefulSpec {
  /** Drop NULL, XMAS, SYN+FIN and other impossible TCP flag combinations. */
  invalidTcpFlags: boolean;
  /** Drop TCP packets that belong to no known connection (unless midstream pickup is on). */
  outOfConnection: boolean;
  /** SYNs per second from one source before further SYNs from it are dropped; 0 disables. */
  synFloodThreshold: number;
  /** Sources tracked for the SYN-flood check (memory bound). */
  synFloodSources: number;
}

export interface FirewallSpec {
  rules: FirewallRuleSpec[];
}

/**
 * A per-rule exception (`ips.exceptions` in the policy): silences one IPS rule for some traffic only —
 * a false positive on one host — instead of disabling it everywhere. Every given field must match.
 */
export interface IpsExceptionSpec {
  where: Where;
  gid: number;
  sid: number;
  /** Source / destination addresses (null: any); `port` matches either port (null: any). */
  src: ListEntry<AddressRange>[] | null;
  dst: ListEntry<AddressRange>[] | null;
  port: ListEntry<PortRange>[] | null;
  reason: string;
}

export interface IpsSpec {
  /** "prevent": drop/reject rules block (inline IPS); "detect": every rule only alerts. null: not said. */
  mode: "prevent" | "detect" | null;
  /** Rules (gid 1 sids) that only alert even in prevent mode (a new patch under observation). */
  detectOnly: number[];
  /** Every alert carries its packet (EVE `packet`, base64). */
  logPackets: boolean;
  exceptions: IpsExceptionSpec[];
}

/**
 * One application-control rule: what it matches (an application, a category, optionally one of the
 * application's functions such as `file-transfer`) and whether that traffic is blocked or allowed.
 * Names are checked against the application signatures when the policy is compiled with them.
 */
export interface AppControlRuleSpec {
  where: Where;
  /** Application name (`bittorrent`, `line` …); null with `category`. */
  app: string | null;
  /** Category (`p2p`, `messenger` …); null with `app`. */
  category: string | null;
  /** A function of the application (`chat`, `file-transfer` …); null: the whole application. */
  function: string | null;
  action: "block" | "allow";
  /** Where each name was written (for compile-time errors about unknown names). */
  appWhere: Where | null;
  categoryWhere: Where | null;
  functionWhere: Where | null;
}

/** `app_control:`: rules evaluated in order, the first match decides; no match allows. */
export interface AppControlSpec {
  rules: AppControlRuleSpec[];
}

export interface PolicySpec {
  /** The file the policy came from (or "inline"). */
  source: string;
  /** null when the document has no `app_control:` section: no application is blocked. */
  appControl?: AppControlSpec | null;
  /**
   * Location profiles (`profiles:`): each is this policy with the sections the profile gives replaced
   * (its `profile` is set). The agent picks one by location; `tsugi inspect --profile NAME` too.
   */
  profiles?: Map<string, PolicySpec>;
  /** The profile this spec is (undefined: the base policy). */
  profile?: string;
  /** null when the document has no `ips:` section. */
  ips: IpsSpec | null;
  /** Networks that are "ours": decide direction for offline runs. */
  homeNet: ListEntry<AddressRange>[];
  /** null when the document has no `firewall:` section: no firewall at all. */
  firewall: FirewallSpec | null;
  /** null when there is no firewall section. */
  stateful: StatefulSpec | null;
}
