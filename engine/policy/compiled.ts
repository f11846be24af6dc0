/**
 * A compiled policy: everything the hot path needs from a `PolicySpec`, built off the hot path and
 * swapped into a running engine with one assignment (`Engine.setPolicy`). Each compilation gets a new
 * generation number so events that wait in the ring still name the rules of the policy that raised them.
 *
 * @example
 * ```ts
 * import { compilePolicy } from "./compiled.ts";
 * import { loadPolicy } from "./load.ts";
 * const policy = compilePolicy(loadPolicy("home_net: [198.18.0.0/15]\n", "inline.yaml"), []);
 * console.log(policy.firewall === null); // true: no firewall section, no firewall
 * ```
 */
import type { PolicySpec } from "./spec.ts";
import { compileFirewall } from "../firewall/compile.ts";
import type { CompiledFirewall } from "../firewall/firewall.ts";
import { StatefulChecks } from "../firewall/stateful.ts";

let generations = 0;

export interface CompiledPolicy {
  readonly generation: number;
  readonly spec: PolicySpec;
  /** null: the policy has no firewall section, so there is no firewall at all. */
  readonly firewall: CompiledFirewall | null;
  readonly stateful: StatefulChecks | null;
}

/** Compiles a validated spec; throws `FirewallCompileError` (file:line:col) for what cannot be indexed. */
export function compilePolicy(spec: PolicySpec, interfaces: string[]): CompiledPolicy {
  const firewall = spec.firewall === null ? null : compileFirewall(spec.firewall, spec.homeNet, interfaces);
  const stateful = spec.stateful === null || spec.firewall === null ? null : new StatefulChecks(spec.stateful);
  generations++;
  return { generation: generations, spec, firewall, stateful };
}
