/**
 * Exceptions and suppressions applied to a compiled rule set: the policy's `ips.exceptions` (silence
 * one rule for some hosts or ports) and Suricata threshold.config entries (`suppress` the same way;
 * `threshold` / `event_filter` replace a rule's own threshold). Cold path: runs when a rule set or a
 * policy is loaded, before the rule set is handed to the detector.
 *
 * @example
 * ```ts
 * import { applyExceptions } from "./exceptions.ts";
 * // const problems = applyExceptions(ruleSet, policy.ips, thresholdEntries);
 * ```
 */
import type { AddrSet, RuleProblem } from "./ast.ts";
import type { ThresholdEntry } from "./threshold-config.ts";
import type { RuleSet } from "../engine/detect/ruleset.ts";
import { RuleException, type Signature } from "../engine/detect/signature.ts";
import { thresholdSpec } from "./compile.ts";
import type { AddressRange, IpsSpec, ListEntry, PortRange } from "../engine/policy/spec.ts";

function fromPolicyAddrs(list: ListEntry<AddressRange>[]): { v4: Uint32Array; v6: Uint32Array } {
  const v4: number[] = [];
  const v6: number[] = [];
  for (const e of list) {
    const r = e.value;
    if (r.version === 4) v4.push(r.first[0] >>> 0, r.last[0] >>> 0);
    else v6.push(...r.first.map((w) => w >>> 0), ...r.last.map((w) => w >>> 0));
  }
  return { v4: Uint32Array.from(v4), v6: Uint32Array.from(v6) };
}

function fromAddrSet(set: AddrSet): { v4: Uint32Array; v6: Uint32Array } {
  if (set.any) return { v4: Uint32Array.of(0, 0xffffffff), v6: Uint32Array.of(0, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff) };
  const v4: number[] = [];
  const v6: number[] = [];
  for (const r of set.ranges) {
    if (r.v === 4) v4.push(r.lo >>> 0, r.hi >>> 0);
    else v6.push(...r.lo.map((w) => w >>> 0), ...r.hi.map((w) => w >>> 0));
  }
  return { v4: Uint32Array.from(v4), v6: Uint32Array.from(v6) };
}

function add(s: Signature, x: RuleException): void {
  if (s.exceptions === null) s.exceptions = [];
  s.exceptions.push(x);
}

/** Signatures a (gid, sid) names; sid 0 means every signature of that gid (threshold.config). */
function named(rs: RuleSet, gid: number, sid: number): Signature[] {
  return rs.signatures.filter((s) => (sid === 0 || s.sid === sid) && (gid === 0 || s.gid === gid));
}

/** Applies exceptions and threshold.config entries; returns the entries that name no loaded rule or cannot apply. */
export function applyExceptions(rs: RuleSet, ips: IpsSpec | null, entries: ThresholdEntry[] = []): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const sid of ips?.detectOnly ?? []) {
    const sigs = named(rs, 1, sid);
    if (sigs.length === 0) {
      problems.push({ pos: { file: "policy", line: 0, col: 0 }, reason: "detect_only for an unknown rule", message: `detect_only ${sid}: no loaded rule has that sid` });
    }
    for (const s of sigs) s.detectOnly = true;
  }
  for (const e of ips?.exceptions ?? []) {
    const sigs = named(rs, e.gid, e.sid);
    if (sigs.length === 0) {
      problems.push({
        pos: { file: e.where.file, line: e.where.line, col: e.where.col },
        reason: "exception for an unknown rule",
        message: `exception for ${e.gid}:${e.sid}: no loaded rule has that sid`,
      });
      continue;
    }
    const x = new RuleException();
    if (e.src !== null) ({ v4: x.src4, v6: x.src6 } = fromPolicyAddrs(e.src));
    if (e.dst !== null) ({ v4: x.dst4, v6: x.dst6 } = fromPolicyAddrs(e.dst));
    if (e.port !== null) x.ports = Uint16Array.from(e.port.flatMap((p: ListEntry<PortRange>) => [p.value.first, p.value.last]));
    for (const s of sigs) add(s, x);
  }
  for (const t of entries) {
    const sigs = named(rs, t.gid, t.sid);
    if (sigs.length === 0 && t.sid !== 0) {
      problems.push({ pos: t.pos, reason: "threshold.config entry for an unknown rule", message: `${t.kind} for ${t.gid}:${t.sid}: no loaded rule has that sid` });
      continue;
    }
    if (t.kind === "suppress") {
      const x = new RuleException();
      if (t.addrs !== null) {
        const a = fromAddrSet(t.addrs);
        if (t.track === "by_src") [x.src4, x.src6] = [a.v4, a.v6];
        else if (t.track === "by_dst") [x.dst4, x.dst6] = [a.v4, a.v6];
        else [x.either4, x.either6] = [a.v4, a.v6];
      }
      for (const s of sigs) add(s, x);
    } else if (t.kind === "threshold" || t.kind === "event_filter") {
      // threshold.config overrides the rule's own threshold (Suricata)
      for (const s of sigs) s.threshold = thresholdSpec(t.threshold);
    } else {
      problems.push({ pos: t.pos, reason: "unsupported: rate_filter", message: `rate_filter for ${t.gid}:${t.sid} is not supported (entry ignored)` });
    }
  }
  return problems;
}
