/**
 * What the engine decides for a packet, and why it blocked one. Plain numbers: the hot path returns
 * and records them without allocating; `dropReasonName` gives the text EVE `drop.reason` carries.
 *
 * @example
 * ```ts
 * import { VERDICT_DROP, DROP_FIREWALL_RULE, dropReasonName } from "./verdict.ts";
 * console.log(VERDICT_DROP, dropReasonName(DROP_FIREWALL_RULE)); // 1 "firewall rule"
 * ```
 */

export const VERDICT_PASS = 0;
export const VERDICT_DROP = 1;
/** Drop and answer: TCP RST or ICMP unreachable (IPS `reject` rules). */
export const VERDICT_REJECT = 2;

export const DROP_NONE = 0;
/** A firewall `deny` rule matched. */
export const DROP_FIREWALL_RULE = 1;
/** Allow rules exist for the direction and none let the packet through. */
export const DROP_OUT_OF_POLICY = 2;
/** NULL, XMAS, SYN+FIN or another impossible TCP flag combination. */
export const DROP_INVALID_FLAGS = 3;
/** A TCP packet that belongs to no known connection. */
export const DROP_OUT_OF_CONNECTION = 4;
/** Too many SYNs per second from one source. */
export const DROP_SYN_FLOOD = 5;
/** A table was full and the engine is configured to fail closed. */
export const DROP_EXHAUSTED = 6;
/** An IPS rule with action drop or reject matched in prevent mode. */
export const DROP_IPS_RULE = 7;
/** The packet could not be decoded and the policy drops malformed packets. */
export const DROP_MALFORMED = 8;
/** The flow's application (or its function) is blocked by app control (engine/appid). */
export const DROP_APP_CONTROL = 9;

const names = [
  "",
  "firewall rule",
  "out of allowed policy",
  "invalid tcp flags",
  "out of connection",
  "syn flood",
  "memcap",
  "rules",
  "decode error",
  "application",
];

/** The text for a drop reason code (EVE `drop.reason`). */
export function dropReasonName(code: number): string {
  return names[code] ?? "unknown";
}
