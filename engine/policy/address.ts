/**
 * Address entries as people write them in policies and rules: a single IPv4 or IPv6 address, a CIDR
 * block (`192.168.0.0/16`, `fd00::/8`) or a range (`10.0.0.1-10.0.0.9`), turned into an inclusive
 * `AddressRange` of 32-bit words the compilers can use without `ip-num` or bigint. Parsing and
 * validation of the address text itself is `ip-num`'s job; this module adds CIDR host-bit checks with a
 * corrected suggestion, range order and family checks.
 *
 * Cold path only: allocates and uses bigint freely; never runs per packet. Errors are `DocumentError`s
 * pointing at the `where` given by the caller.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./address.ts";
 * const r = parseAddress("192.168.0.0/16", { file: "policy.yaml", line: 1, col: 11 });
 * console.log(r.version, r.first[0].toString(16), r.last[0].toString(16)); // 4 c0a80000 c0a8ffff
 * ```
 */
import { IPv4, IPv6, Validator } from "ip-num";
import { DocumentError } from "./document.ts";
import type { AddressRange, Where } from "./spec.ts";

const W = 0xffffffffn;

interface Parsed {
  version: 4 | 6;
  value: bigint;
}

/**
 * Parses one address entry (no "!" negation: callers strip it). Throws `DocumentError` at `where` with a
 * reason a person can act on, e.g. `192.168.1.5/24 has host bits set; did you mean 192.168.1.0/24?`.
 */
export function parseAddress(text: string, where: Where): AddressRange {
  const fail = (reason: string): never => {
    throw new DocumentError(where, reason);
  };
  const t = text.trim();
  if (t === "") fail("empty address");
  if (t[0] === "!") fail(`"!" (negation) is not allowed here: ${JSON.stringify(t)}`);
  if (t.includes("%")) fail(`zone ids ("%" in ${JSON.stringify(t)}) are not supported in addresses`);
  const dash = t.indexOf("-");
  if (dash >= 0) {
    const a = t.slice(0, dash).trim();
    const b = t.slice(dash + 1).trim();
    if (a.includes("/") || b.includes("/")) fail(`a range cannot contain a CIDR block: ${JSON.stringify(t)}`);
    if (a === "" || b === "") fail(`a range needs a first and a last address: ${JSON.stringify(t)}`);
    const first = parseOne(a, fail);
    const last = parseOne(b, fail);
    if (first.version !== last.version) fail(`the range ${JSON.stringify(t)} mixes IPv4 and IPv6`);
    if (first.value > last.value) fail(`the range ${t} is backwards; did you mean ${b}-${a}?`);
    return range(first.version, first.value, last.value, t);
  }
  const slash = t.indexOf("/");
  if (slash >= 0) {
    const a = parseOne(t.slice(0, slash).trim(), fail);
    const p = t.slice(slash + 1).trim();
    const bits = a.version === 4 ? 32 : 128;
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > bits) {
      fail(`the prefix length "/${p}" must be a number from 0 to ${bits} for IPv${a.version}`);
    }
    const n = BigInt(p);
    const host = (1n << BigInt(bits - Number(n))) - 1n;
    const network = a.value & ~host;
    if (network !== a.value) {
      fail(`${t} has host bits set; did you mean ${formatAddress(a.version, network)}/${p}?`);
    }
    return range(a.version, network, network | host, t);
  }
  const a = parseOne(t, fail);
  return range(a.version, a.value, a.value, t);
}

function parseOne(s: string, fail: (reason: string) => never): Parsed {
  try {
    if (!s.includes(":")) {
      if (Validator.isValidIPv4String(s)[0]) return { version: 4, value: IPv4.fromString(s).getValue() };
    } else if (Validator.isValidIPv6String(s)[0]) {
      return { version: 6, value: IPv6.fromString(s).getValue() };
    }
  } catch {
    // ip-num throws on some malformed text instead of reporting it; the message below covers both
  }
  return fail(`${JSON.stringify(s)} is not an IPv4 or IPv6 address`);
}

function range(version: 4 | 6, first: bigint, last: bigint, text: string): AddressRange {
  return { version, first: words(version, first), last: words(version, last), text };
}

function words(version: 4 | 6, v: bigint): [number, number, number, number] {
  if (version === 4) return [Number(v & W), 0, 0, 0];
  return [Number((v >> 96n) & W), Number((v >> 64n) & W), Number((v >> 32n) & W), Number(v & W)];
}

/** An address as text: dotted IPv4, or IPv6 compressed as RFC 5952 says (lower case, longest zero run). */
export function formatAddress(version: 4 | 6, v: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String(Number((v >> s) & 0xffn))).join(".");
  }
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(":");
  return hex.slice(0, bestAt).join(":") + "::" + hex.slice(bestAt + bestLen).join(":");
}
