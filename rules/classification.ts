/**
 * Rule classifications: Suricata's default `classification.config` built in (every classtype the ET Open
 * set uses), plus a parser for `config classification: name,description,priority` lines so a site can
 * add or override entries. EVE `alert.category` is the description and `alert.severity` the priority.
 *
 * Cold path only (rule loading). Must never touch the network or the file system: callers pass text.
 *
 * @example
 * ```ts
 * import { defaultClassifications } from "./classification.ts";
 * const c = defaultClassifications().get("trojan-activity");
 * console.log(c?.description, c?.priority); // "A Network Trojan was detected" 1
 * ```
 */

export interface Classification {
  name: string;
  description: string;
  priority: number;
}

/** The classtype table: name → description and priority. */
export type ClassificationTable = Map<string, Classification>;

const DEFAULTS: ReadonlyArray<readonly [string, string, number]> = [
  ["not-suspicious", "Not Suspicious Traffic", 3],
  ["unknown", "Unknown Traffic", 3],
  ["bad-unknown", "Potentially Bad Traffic", 2],
  ["attempted-recon", "Attempted Information Leak", 2],
  ["successful-recon-limited", "Information Leak", 2],
  ["successful-recon-largescale", "Large Scale Information Leak", 2],
  ["attempted-dos", "Attempted Denial of Service", 2],
  ["successful-dos", "Denial of Service", 2],
  ["attempted-user", "Attempted User Privilege Gain", 1],
  ["unsuccessful-user", "Unsuccessful User Privilege Gain", 1],
  ["successful-user", "Successful User Privilege Gain", 1],
  ["attempted-admin", "Attempted Administrator Privilege Gain", 1],
  ["successful-admin", "Successful Administrator Privilege Gain", 1],
  ["rpc-portmap-decode", "Decode of an RPC Query", 2],
  ["shellcode-detect", "Executable code was detected", 1],
  ["string-detect", "A suspicious string was detected", 3],
  ["suspicious-filename-detect", "A suspicious filename was detected", 2],
  ["suspicious-login", "An attempted login using a suspicious username was detected", 2],
  ["system-call-detect", "A system call was detected", 2],
  ["tcp-connection", "A TCP connection was detected", 4],
  ["trojan-activity", "A Network Trojan was detected", 1],
  ["unusual-client-port-connection", "A client was using an unusual port", 2],
  ["network-scan", "Detection of a Network Scan", 3],
  ["denial-of-service", "Detection of a Denial of Service Attack", 2],
  ["non-standard-protocol", "Detection of a non-standard protocol or event", 2],
  ["protocol-command-decode", "Generic Protocol Command Decode", 3],
  ["web-application-activity", "access to a potentially vulnerable web application", 2],
  ["web-application-attack", "Web Application Attack", 1],
  ["misc-activity", "Misc activity", 3],
  ["misc-attack", "Misc Attack", 2],
  ["icmp-event", "Generic ICMP event", 3],
  ["policy-violation", "Potential Corporate Privacy Violation", 1],
  ["default-login-attempt", "Attempt to login by a default username and password", 2],
  ["targeted-activity", "Targeted Malicious Activity was Detected", 1],
  ["exploit-kit", "Exploit Kit Activity Detected", 1],
  ["external-ip-check", "Device Retrieving External IP Address Detected", 2],
  ["domain-c2", "Domain Observed Used for C2 Detected", 1],
  ["pup-activity", "Possibly Unwanted Program Detected", 2],
  ["credential-theft", "Successful Credential Theft Detected", 1],
  ["social-engineering", "Possible Social Engineering Attempted", 2],
  ["coin-mining", "Crypto Currency Mining Activity Detected", 2],
  ["command-and-control", "Malware Command and Control Activity Detected", 1],
];

/** A fresh copy of Suricata's default classification table. */
export function defaultClassifications(): ClassificationTable {
  const t: ClassificationTable = new Map();
  for (const [name, description, priority] of DEFAULTS) t.set(name, { name, description, priority });
  return t;
}

/** A problem in a classification.config text. */
export interface ClassificationProblem {
  line: number;
  message: string;
}

/**
 * Reads `config classification: name,description,priority` lines into `into` (a copy of the defaults
 * unless given). Comments and blank lines are skipped; anything else is a problem with its line.
 */
export function parseClassificationConfig(
  text: string,
  into: ClassificationTable = defaultClassifications(),
): { table: ClassificationTable; problems: ClassificationProblem[] } {
  const problems: ClassificationProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === "" || l.startsWith("#")) continue;
    const m = /^config\s+classification\s*:\s*([^,]+),([^,]+),\s*([0-9]+)\s*$/.exec(l);
    if (m === null) {
      problems.push({ line: i + 1, message: "expected \"config classification: name,description,priority\"" });
      continue;
    }
    const name = m[1].trim();
    into.set(name, { name, description: m[2].trim(), priority: Number(m[3]) });
  }
  return { table: into, problems };
}
