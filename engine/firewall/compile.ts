/**
 * Compiles a policy's `firewall:` rules into the index `firewall.ts` evaluates per packet: validates
 * every rule (errors as `file:line:col: message`), orders the rules for evaluation, and builds one
 * bitset per elementary interval of every indexed dimension (see `firewall.ts` for the scheme).
 *
 * Cold path: runs when a policy is loaded, never per packet. It allocates freely; what it returns is
 * immutable and swapped into a running engine by one assignment.
 *
 * Evaluation order: priority 4 first, down to 0; within a priority bypass, log-only, force-allow, deny,
 * allow; then the order of the file.
 *
 * @example
 * ```ts
 * import { compileFirewall } from "./compile.ts";
 * const fw = compileFirewall({ rules: [] }, [], ["eth0"]);
 * console.log(fw.rules.length, fw.hasAllowIn); // 0 false
 * ```
 */
import type {
  AddressRange,
  FirewallAction,
  FirewallRuleSpec,
  FirewallSpec,
  ListEntry,
  MacAddress,
  PortRange,
  Where,
} from "../policy/spec.ts";
import { FIREWALL_ACTIONS } from "../policy/spec.ts";
import { DIR_IN, DIR_OUT, DIR_UNKNOWN } from "../packet.ts";
import {
  AddressIndex,
  CompiledFirewall,
  EXTRA_DST_MAC,
  EXTRA_ICMP,
  EXTRA_SRC_MAC,
  EXTRA_TCP_FLAGS,
  FW_ALLOW,
  FW_BYPASS,
  FW_DENY,
  FW_FORCE_ALLOW,
  FW_LOG_ONLY,
} from "./firewall.ts";
import type { FirewallTables } from "./firewall.ts";
import { BitsetPool, buildDimension, directTable, IndexTooLargeError, listMatchSet } from "./intervals.ts";
import type { Span, SpanEntry } from "./intervals.ts";

/** Most rules one firewall holds. */
export const MAX_FIREWALL_RULES = 65536;
/** Most 32-bit words the index's bitsets may take (64 MiB). */
export const MAX_INDEX_WORDS = 1 << 24;

/** A rule the index cannot hold or a value out of range; the message starts with `file:line:col:`. */
export class FirewallCompileError extends Error {
  readonly where: Where;
  constructor(where: Where, message: string) {
    super(`${where.file}:${where.line}:${where.col}: ${message}`);
    this.name = "FirewallCompileError";
    this.where = where;
  }
}

/** Rank of an action within one priority (lower first). */
const ACTION_RANK: Record<FirewallAction, number> = {
  "bypass": 0,
  "log-only": 1,
  "force-allow": 2,
  "deny": 3,
  "allow": 4,
};
const ACTION_CODE: Record<FirewallAction, number> = {
  "bypass": FW_BYPASS,
  "log-only": FW_LOG_ONLY,
  "force-allow": FW_FORCE_ALLOW,
  "deny": FW_DENY,
  "allow": FW_ALLOW,
};

const MAX_V4 = 0xffffffffn;
const MAX_V6 = (1n << 128n) - 1n;

/** Rules in evaluation order (a stable sort of the file's order). */
export function evaluationOrder(rules: readonly FirewallRuleSpec[]): FirewallRuleSpec[] {
  return rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) =>
      b.r.priority - a.r.priority || ACTION_RANK[a.r.action] - ACTION_RANK[b.r.action] || a.i - b.i
    )
    .map((x) => x.r);
}

/**
 * Compiles the firewall section. `homeNet` decides `directionOf`; `interfaces` is the engine's
 * interface-name table that `Packet.ifIndex` indexes. Throws `FirewallCompileError`.
 */
export function compileFirewall(
  spec: FirewallSpec,
  homeNet: ListEntry<AddressRange>[],
  interfaces: string[],
): CompiledFirewall {
  for (const r of spec.rules) validateRule(r);
  for (const e of homeNet) validateAddress(e);
  if (spec.rules.length > MAX_FIREWALL_RULES) {
    throw new FirewallCompileError(
      spec.rules[MAX_FIREWALL_RULES].where,
      `too many firewall rules: ${spec.rules.length} (the index holds at most ${MAX_FIREWALL_RULES})`,
    );
  }
  const rules = evaluationOrder(spec.rules);
  try {
    return build(rules, homeNet, interfaces);
  } catch (e) {
    if (!(e instanceof IndexTooLargeError)) throw e;
    throw new FirewallCompileError(
      largestRule(rules).where,
      `the firewall index would need at least ${Math.ceil(e.words / 262144)} MiB (limit ${
        MAX_INDEX_WORDS / 262144
      } MiB): too many rules with distinct addresses or ports; merge address and port lists into fewer rules`,
    );
  }
}

function build(
  rules: FirewallRuleSpec[],
  homeNet: ListEntry<AddressRange>[],
  interfaces: string[],
): CompiledFirewall {
  const n = rules.length;
  const W = Math.ceil(n / 32);
  const pool = new BitsetPool(W, MAX_INDEX_WORDS);

  // direction
  const dirSets = new Int32Array(3);
  for (const d of [DIR_UNKNOWN, DIR_IN, DIR_OUT]) {
    const bits = new Uint32Array(Math.max(1, W));
    rules.forEach((r, i) => {
      const ok = r.direction === "any" || (r.direction === "in" && d === DIR_IN) ||
        (r.direction === "out" && d === DIR_OUT);
      if (ok) bits[i >>> 5] |= 1 << (i & 31);
    });
    dirSets[d] = pool.add(bits);
  }

  const frameSets = directTable(
    buildDimension(rules.map((r) => numberSet(r.frame, 0xffff)), 0xffffn, pool),
    0xffff,
  );
  // entry 256: a packet without an IP layer
  const protoSets = directTable(
    buildDimension(rules.map((r) => numberSet(r.protocol, 0xff)), 0xffn, pool),
    0xff,
    1,
  );
  const src = addressIndex(rules.map((r) => r.src.ip), pool);
  const dst = addressIndex(rules.map((r) => r.dst.ip), pool);
  const sp = buildDimension(rules.map((r) => portSet(r.src.port)), 0xffffn, pool);
  const dp = buildDimension(rules.map((r) => portSet(r.dst.port)), 0xffffn, pool);

  // interfaces: the glob matching happens here, once per name
  const ifaceSets = new Int32Array(interfaces.length + 1);
  const globs = rules.map((r) =>
    r.interface === null ? null : r.interface.map((e) => ({ re: globRegExp(e.value), neg: e.negated }))
  );
  for (let k = 0; k <= interfaces.length; k++) {
    const bits = new Uint32Array(Math.max(1, W));
    rules.forEach((_, i) => {
      const g = globs[i];
      const ok = g === null ? true : k < interfaces.length && listAccepts(g, (x) => x.re.test(interfaces[k]));
      if (ok) bits[i >>> 5] |= 1 << (i & 31);
    });
    ifaceSets[k] = pool.add(bits);
  }

  // per-candidate extras
  const actions = new Uint8Array(n);
  const extras = new Uint8Array(n);
  const tcpSet = new Uint16Array(n);
  const tcpClear = new Uint16Array(n);
  const icmpType = new Int16Array(n).fill(-1);
  const icmpCode = new Int16Array(n).fill(-1);
  const macFirst = new Int32Array(2 * n);
  const macCount = new Int32Array(2 * n);
  const macHasPos = new Uint8Array(2 * n);
  const macList: ListEntry<MacAddress>[] = [];
  rules.forEach((r, i) => {
    actions[i] = ACTION_CODE[r.action];
    let x = 0;
    if (r.tcpFlags !== null) {
      x |= EXTRA_TCP_FLAGS;
      tcpSet[i] = r.tcpFlags.set;
      tcpClear[i] = r.tcpFlags.clear;
    }
    if (r.icmp !== null) {
      x |= EXTRA_ICMP;
      if (r.icmp.type !== null) icmpType[i] = r.icmp.type;
      if (r.icmp.code !== null) icmpCode[i] = r.icmp.code;
    }
    const sides = [r.src.mac, r.dst.mac];
    for (let side = 0; side < 2; side++) {
      const list = sides[side];
      if (list === null) continue;
      x |= side === 0 ? EXTRA_SRC_MAC : EXTRA_DST_MAC;
      macFirst[i * 2 + side] = macList.length;
      macCount[i * 2 + side] = list.length;
      macHasPos[i * 2 + side] = list.some((e) => !e.negated) ? 1 : 0;
      macList.push(...list);
    }
    extras[i] = x;
  });
  const macBytes = new Uint8Array(macList.length * 6);
  const macNeg = new Uint8Array(macList.length);
  macList.forEach((e, j) => {
    macBytes.set(e.value, j * 6);
    macNeg[j] = e.negated ? 1 : 0;
  });

  const homePool = new BitsetPool(1);
  const home = addressIndex([homeNet], homePool, false);

  const tables: FirewallTables = {
    words: W,
    sets: pool.finish(),
    dirSets,
    frameSets,
    protoSets,
    src,
    dst,
    srcPortSets: directTable(sp, 0xffff),
    dstPortSets: directTable(dp, 0xffff),
    srcPortAbsentSet: sp.absent,
    dstPortAbsentSet: dp.absent,
    ifaceSets,
    actions,
    extras,
    tcpSet,
    tcpClear,
    icmpType,
    icmpCode,
    macFirst,
    macCount,
    macHasPos,
    macBytes,
    macNeg,
    home,
    homeSets: homePool.finish(),
    hasAllowIn: rules.some((r) => r.action === "allow" && r.direction !== "out"),
    hasAllowOut: rules.some((r) => r.action === "allow" && r.direction !== "in"),
  };
  return new CompiledFirewall(Object.freeze(rules), tables);
}

/** List semantics over any predicate: in a positive entry (if there is one) and in no negative one. */
function listAccepts<T extends { neg: boolean }>(entries: readonly T[], has: (e: T) => boolean): boolean {
  let hasPos = false, inPos = false;
  for (const e of entries) {
    if (e.neg) {
      if (has(e)) return false;
    } else {
      hasPos = true;
      if (!inPos && has(e)) inPos = true;
    }
  }
  return hasPos ? inPos : entries.length > 0;
}

/** `*` any run, `?` one character, case-insensitive, the whole name. */
export function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "is");
}

function numberSet(list: ListEntry<number>[] | null, max: number): Span[] | null {
  if (list === null) return null;
  const entries: SpanEntry[] = list.map((e) => ({
    lo: BigInt(e.value),
    hi: BigInt(e.value),
    negated: e.negated,
  }));
  return listMatchSet(entries, list.some((e) => !e.negated), BigInt(max), list.length > 0);
}

function portSet(list: ListEntry<PortRange>[] | null): Span[] | null {
  if (list === null) return null;
  const entries: SpanEntry[] = list.map((e) => ({
    lo: BigInt(e.value.first),
    hi: BigInt(e.value.last),
    negated: e.negated,
  }));
  return listMatchSet(entries, list.some((e) => !e.negated), 0xffffn, list.length > 0);
}

function addrBig(words: readonly number[], version: 4 | 6): bigint {
  if (version === 4) return BigInt(words[0] >>> 0);
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(words[i] >>> 0);
  return v;
}

/** Builds the IPv4 and IPv6 halves of an address dimension. */
function addressIndex(
  lists: readonly (ListEntry<AddressRange>[] | null)[],
  pool: BitsetPool,
  nullIsAny = true,
): AddressIndex {
  const half = (version: 4 | 6) => {
    const max = version === 4 ? MAX_V4 : MAX_V6;
    return buildDimension(
      lists.map((list) => {
        if (list === null) return nullIsAny ? null : [];
        const entries: SpanEntry[] = list
          .filter((e) => e.value.version === version)
          .map((e) => ({
            lo: addrBig(e.value.first, version),
            hi: addrBig(e.value.last, version),
            negated: e.negated,
          }));
        return listMatchSet(entries, list.some((e) => !e.negated), max, list.length > 0);
      }),
      max,
      pool,
    );
  };
  const v4 = half(4);
  const v6 = half(6);
  const v6Starts = new Uint32Array(v6.starts.length * 4);
  v6.starts.forEach((s, i) => {
    for (let w = 0; w < 4; w++) v6Starts[i * 4 + w] = Number((s >> BigInt(96 - 32 * w)) & 0xffffffffn);
  });
  return new AddressIndex(
    Uint32Array.from(v4.starts.map((s) => Number(s))),
    Int32Array.from(v4.sets),
    v6Starts,
    Int32Array.from(v6.sets),
    v4.absent,
  );
}

function largestRule(rules: readonly FirewallRuleSpec[]): FirewallRuleSpec {
  const size = (r: FirewallRuleSpec) =>
    (r.src.ip?.length ?? 0) + (r.dst.ip?.length ?? 0) + (r.src.port?.length ?? 0) + (r.dst.port?.length ?? 0);
  return rules.reduce((a, b) => (size(b) > size(a) ? b : a));
}

// -- validation: the loader checks shapes; these are the limits the index itself relies on

function fail(where: Where, message: string): never {
  throw new FirewallCompileError(where, message);
}

function validateRule(r: FirewallRuleSpec): void {
  const name = r.name === "" ? "firewall rule" : `firewall rule "${r.name}"`;
  if (!FIREWALL_ACTIONS.includes(r.action)) {
    fail(r.where, `${name}: unknown action "${r.action}" (expected one of ${FIREWALL_ACTIONS.join(", ")})`);
  }
  if (!Number.isInteger(r.priority) || r.priority < 0 || r.priority > 4) {
    fail(r.where, `${name}: priority must be an integer from 0 to 4, not ${r.priority}`);
  }
  if (r.direction !== "in" && r.direction !== "out" && r.direction !== "any") {
    fail(r.where, `${name}: direction must be in, out or any, not "${r.direction}"`);
  }
  for (const e of r.frame ?? []) checkInt(e, 0xffff, `${name}: frame (EtherType)`);
  for (const e of r.protocol ?? []) checkInt(e, 0xff, `${name}: protocol`);
  for (const ep of [r.src, r.dst]) {
    for (const e of ep.ip ?? []) validateAddress(e);
    for (const e of ep.port ?? []) {
      const { first, last } = e.value;
      if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last > 0xffff || first > last) {
        fail(e.where, `${name}: port range ${first}-${last} is not within 0-65535 in increasing order`);
      }
    }
    for (const e of ep.mac ?? []) {
      if (e.value.length !== 6 || e.value.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
        fail(e.where, `${name}: a MAC address has 6 bytes of 0-255`);
      }
    }
  }
  for (const e of r.interface ?? []) {
    if (e.value === "") fail(e.where, `${name}: empty interface pattern`);
  }
  if (r.tcpFlags !== null) {
    const { set, clear, text } = r.tcpFlags;
    if ((set & clear) !== 0) {
      fail(r.where, `${name}: tcp_flags "${text}" requires a flag both set and clear, so it never matches`);
    }
    if (set < 0 || clear < 0 || set > 0x1ff || clear > 0x1ff) {
      fail(r.where, `${name}: tcp_flags "${text}" out of range`);
    }
  }
  if (r.icmp !== null) {
    for (const [label, v] of [["type", r.icmp.type], ["code", r.icmp.code]] as const) {
      if (v !== null && (!Number.isInteger(v) || v < 0 || v > 255)) {
        fail(r.where, `${name}: icmp ${label} must be 0-255, not ${v}`);
      }
    }
  }
}

function checkInt(e: ListEntry<number>, max: number, what: string): void {
  if (!Number.isInteger(e.value) || e.value < 0 || e.value > max) {
    fail(e.where, `${what} must be an integer from 0 to ${max}, not ${e.value}`);
  }
}

function validateAddress(e: ListEntry<AddressRange>): void {
  const a = e.value;
  if (a.version !== 4 && a.version !== 6) fail(e.where, `address "${a.text}": unknown IP version`);
  if (addrBig(a.first, a.version) > addrBig(a.last, a.version)) {
    fail(e.where, `address range "${a.text}" ends before it starts`);
  }
}
