/**
 * The Suricata rule language parser: text in, fully resolved `Rule`s (rules/ast.ts) and precise
 * `file:line:col` problems out. Handles comments, blank lines and `\` continuation lines; the header
 * (action, protocol, address/port expressions with variables, direction); and the option list with
 * Suricata's escaping (`\;` `\"` `\\` `\:` inside values). Each option is handed to its keyword module
 * (rules/keywords/); a rule with any problem is skipped and reported, never half-loaded.
 *
 * Cold path only (rule loading); no I/O here (rules/load.ts reads files). Must never throw on bad rule
 * text: every problem becomes a `RuleProblem`.
 *
 * @example
 * ```ts
 * import { parseRules } from "./parse.ts";
 * const { rules, problems } = parseRules(
 *   'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"x"; http.uri; content:"/a"; sid:1;)',
 *   "local.rules",
 * );
 * console.log(rules.length, problems.length); // 1 0
 * ```
 */
import type { AddrSet, PortSet, Rule, RuleAction, RuleHeader, RuleProblem, SourcePos } from "./ast.ts";
import { ExprError, parseAddrExpr, parsePortExpr } from "./address.ts";
import { defaultClassifications, type ClassificationTable } from "./classification.ts";
import { RuleDraft } from "./draft.ts";
import { KeywordError } from "./keywords/keyword.ts";
import { findKeyword, keywordNames, unsupportedKeyword } from "./keywords/index.ts";
import { defaultVars } from "./vars.ts";
import { alprotoByName, ALPROTO_DCERPC, ALPROTO_DNS, ALPROTO_QUIC } from "../engine/applayer/proto.ts";
import { didYouMean } from "../engine/policy/suggest.ts";

export interface ParseOptions {
  /** Variable values (names without `$`) over Suricata's defaults. */
  vars?: Record<string, string>;
  /** All-or-nothing: when any rule has a problem, no rule is returned. */
  strict?: boolean;
  /** The classtype table (default: Suricata's classification.config). */
  classification?: ClassificationTable;
  /** `gid:sid` → where first defined; share one map across files to find duplicates between them. */
  seenSids?: Map<string, SourcePos>;
}

export interface ParseResult {
  rules: Rule[];
  problems: RuleProblem[];
  /** Logical rule lines seen (loaded + skipped). */
  count: number;
}

const ACTIONS: readonly RuleAction[] = ["alert", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "pass"];

/** App-layer protocols Suricata knows that Tsugi does not parse: rules naming them are skipped. */
const UNPARSED_PROTOCOLS = [
  "modbus", "krb5", "snmp", "sip", "nfs", "ntp", "dhcp", "mqtt", "ike", "ikev2", "rfb", "tftp", "dnp3",
  "enip", "cip", "ldap", "pgsql", "telnet", "bittorrent-dht", "websocket", "template", "irc", "http2-ws",
  "pop3s", "imaps", "nfs3", "msn", "jabber", "smtps", "ftps", "sip-udp", "doh2", "mdns",
];

const L4: Record<string, number> = { ip: -1, pkthdr: -1, tcp: 6, udp: 17, icmp: 1, icmpv4: 1, icmpv6: 58, sctp: 132, "tcp-pkt": 6, "tcp-stream": 6 };

class LineError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** Maps an index of a logical (continuation-joined) line back to file line and column. */
interface Segment {
  at: number;
  line: number;
  col: number;
}

function posAt(file: string, segs: Segment[], idx: number): SourcePos {
  let s = segs[0];
  for (const x of segs) if (x.at <= idx) s = x;
  return { file, line: s.line, col: s.col + (idx - s.at) };
}

/** Parses every rule in `text` (the contents of `file`). */
export function parseRules(text: string, file: string, opts: ParseOptions = {}): ParseResult {
  const vars = defaultVars(opts.vars);
  const classes = opts.classification ?? defaultClassifications();
  const seen = opts.seenSids ?? new Map<string, SourcePos>();
  const rules: Rule[] = [];
  const problems: RuleProblem[] = [];
  const lines = text.split("\n");
  let count = 0;
  const cache: ExprCache = { addr: new Map(), port: new Map() };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    const body = raw.trimStart();
    if (body === "" || body[0] === "#") continue;
    const segs: Segment[] = [{ at: 0, line: i + 1, col: 1 + raw.length - body.length }];
    let logical = body;
    while (logical.endsWith("\\") && i + 1 < lines.length) {
      logical = logical.slice(0, -1);
      i++;
      segs.push({ at: logical.length, line: i + 1, col: 1 });
      logical += lines[i].replace(/\r$/, "");
    }
    logical = logical.trimEnd();
    count++;
    const r = parseOne(logical, file, segs, vars, classes, cache);
    if ("problem" in r) {
      problems.push(r.problem);
      continue;
    }
    const key = `${r.rule.gid}:${r.rule.sid}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        pos: r.rule.pos,
        reason: "duplicate sid",
        message: `duplicate signature ${key} (first defined at ${first.file}:${first.line}); this rule is skipped`,
      });
      continue;
    }
    seen.set(key, r.rule.pos);
    rules.push(r.rule);
  }
  if (opts.strict === true && problems.length > 0) return { rules: [], problems, count };
  return { rules, problems, count };
}

/** Splits the header into whitespace-separated tokens, keeping `[ ... ]` groups (which may hold spaces) whole. */
function headerTokens(s: string, end: number): Array<{ t: string; at: number }> {
  const out: Array<{ t: string; at: number }> = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? s[i] : " ";
    const ws = c === " " || c === "\t";
    if (ws && depth === 0) {
      if (start >= 0) out.push({ t: s.slice(start, i), at: start });
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return out;
}

/** Folded address/port expressions by text (rules repeat `$HOME_NET` thousands of times); shared, read-only. */
interface ExprCache {
  addr: Map<string, AddrSet>;
  port: Map<string, PortSet>;
}

function parseHeader(s: string, end: number, vars: Record<string, string>, cache: ExprCache): RuleHeader {
  const tok = headerTokens(s, end);
  if (tok.length !== 7) {
    throw new LineError(
      `rule header must be "ACTION PROTO SRC SPORT -> DST DPORT (" but has ${tok.length} parts`,
      "invalid header",
      tok.length > 0 ? tok[0].at : 0,
    );
  }
  const [act, proto, src, sp, dir, dst, dp] = tok;
  const action = act.t.toLowerCase();
  if (action === "config") throw new LineError(`unsupported action "config"`, "unsupported action", act.at);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new LineError(`unknown action "${act.t}"${didYouMean(action, ACTIONS)}`, "unknown action", act.at);
  }
  const p = proto.t.toLowerCase();
  let ipProto = -1;
  let appProto = 0;
  if (p in L4) ipProto = L4[p];
  else {
    const id = alprotoByName(p);
    if (id > 0 && p !== "failed") {
      appProto = id;
      ipProto = id === ALPROTO_DNS || id === ALPROTO_DCERPC ? -1 : id === ALPROTO_QUIC ? 17 : 6;
    } else if (UNPARSED_PROTOCOLS.includes(p)) {
      throw new LineError(`unsupported protocol: ${p} (no ${p} parser)`, `unsupported protocol: ${p}`, proto.at);
    } else {
      const names = [...Object.keys(L4), "http", "http1", "http2", "tls", "ssl", "dns", "smb", "dcerpc", "rdp", "ssh", "ftp", "ftp-data", "smtp", "imap", "pop3", "quic"];
      throw new LineError(`unknown protocol "${proto.t}"${didYouMean(p, names)}`, "unknown protocol", proto.at);
    }
  }
  if (dir.t !== "->" && dir.t !== "<>" && dir.t !== "=>") {
    throw new LineError(`direction must be "->", "<>" or "=>" (transactional), got "${dir.t}"`, "invalid header", dir.at);
  }
  const addr = (x: { t: string; at: number }) => {
    try {
      let v = cache.addr.get(x.t);
      if (v === undefined) cache.addr.set(x.t, (v = parseAddrExpr(x.t, vars)));
      return v;
    } catch (e) {
      if (e instanceof ExprError) throw new LineError(e.message, e.reason, x.at + e.offset);
      throw e;
    }
  };
  const port = (x: { t: string; at: number }) => {
    try {
      let v = cache.port.get(x.t);
      if (v === undefined) cache.port.set(x.t, (v = parsePortExpr(x.t, vars)));
      return v;
    } catch (e) {
      if (e instanceof ExprError) throw new LineError(e.message, e.reason, x.at + e.offset);
      throw e;
    }
  };
  return {
    action: action as RuleAction,
    ipProto,
    appProto,
    pktOnly: p === "tcp-pkt",
    streamOnly: p === "tcp-stream",
    anyIcmp: p === "icmp",
    src: addr(src),
    srcPorts: port(sp),
    bidirectional: dir.t === "<>",
    transactional: dir.t === "=>",
    dst: addr(dst),
    dstPorts: port(dp),
  };
}

interface RawOption {
  name: string;
  at: number;
  value: string | null;
  valueAt: number;
}

/** Splits `k:v; k; ...` between the parentheses; a `;` preceded by an unescaped `\` belongs to the value. */
function splitOptions(s: string, from: number, to: number): RawOption[] {
  const out: RawOption[] = [];
  let i = from;
  for (;;) {
    while (i < to && (s[i] === " " || s[i] === "\t")) i++;
    if (i >= to) break;
    const at = i;
    while (i < to && s[i] !== ":" && s[i] !== ";") i++;
    const name = s.slice(at, i).trim();
    if (name === "") throw new LineError(`empty option (stray ";" or ":")`, "invalid option", at);
    if (i >= to) throw new LineError(`option "${name}" is not terminated by ";"`, "invalid option", at);
    if (s[i] === ";") {
      out.push({ name, at, value: null, valueAt: i });
      i++;
      continue;
    }
    i++; // ':'
    const vstart = i;
    let escaped = false;
    while (i < to) {
      const c = s[i];
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === ";") break;
      i++;
    }
    if (i >= to) throw new LineError(`option "${name}" is not terminated by ";"`, "invalid option", at);
    const rawValue = s.slice(vstart, i);
    const lead = rawValue.length - rawValue.trimStart().length;
    out.push({ name, at, value: rawValue.trim(), valueAt: vstart + lead });
    i++; // ';'
  }
  return out;
}

function emptyRule(pos: SourcePos, text: string, header: RuleHeader): Rule {
  return {
    pos,
    text,
    header,
    gid: 1,
    sid: -1,
    rev: 0,
    msg: "",
    classtype: null,
    priority: 3,
    category: "",
    metadata: {},
    references: [],
    target: null,
    flow: null,
    packet: {},
    blocks: [],
    flowbits: [],
    flowints: [],
    xbits: [],
    threshold: null,
    detectionFilter: null,
    noalert: false,
    tag: null,
    prefilter: false,
  };
}

function parseOne(
  s: string,
  file: string,
  segs: Segment[],
  vars: Record<string, string>,
  classes: ClassificationTable,
  cache: ExprCache,
): { rule: Rule } | { problem: RuleProblem } {
  const problemAt = (at: number, reason: string, message: string) => ({ problem: { pos: posAt(file, segs, at), reason, message } });
  let header: RuleHeader;
  const open = s.indexOf("(");
  const close = s.lastIndexOf(")");
  try {
    if (open < 0) throw new LineError(`rule has no option list "( ... )"`, "invalid header", 0);
    if (close < open) throw new LineError(`option list is not closed by ")"`, "invalid option", open);
    if (s.slice(close + 1).trim() !== "") throw new LineError(`text after the closing ")"`, "invalid option", close + 1);
    header = parseHeader(s, open, vars, cache);
  } catch (e) {
    if (e instanceof LineError) return problemAt(e.at, e.reason, e.message);
    throw e;
  }
  const rule = emptyRule(posAt(file, segs, 0), s, header);
  const d = new RuleDraft(rule, classes);
  let opts: RawOption[];
  try {
    opts = splitOptions(s, open + 1, close);
  } catch (e) {
    if (e instanceof LineError) return problemAt(e.at, e.reason, e.message);
    throw e;
  }
  for (const o of opts) {
    const name = o.name.toLowerCase();
    const kw = findKeyword(name);
    if (kw === undefined) {
      const unsupported = unsupportedKeyword(name);
      if (unsupported !== null) {
        return problemAt(o.at, `unsupported keyword: ${name}`, `unsupported keyword "${o.name}": ${unsupported}`);
      }
      return problemAt(o.at, "unknown keyword", `unknown keyword ${JSON.stringify(o.name)}${didYouMean(name, keywordNames())}`);
    }
    d.begin(name, posAt(file, segs, o.at));
    try {
      if (kw.value === "required" && (o.value === null || o.value === "")) d.fail(`"${name}" needs a value`);
      if (kw.value === "none" && o.value !== null) d.fail(`"${name}" takes no value`);
      kw.parse(o.value ?? "", d);
    } catch (e) {
      if (e instanceof KeywordError) return problemAt(o.at, e.reason, e.message);
      throw e;
    }
  }
  return finish(rule, d, (reason, message) => problemAt(0, reason, message));
}

/** Rule-wide checks once every keyword is in. */
function finish(
  rule: Rule,
  d: RuleDraft,
  problem: (reason: string, message: string) => { problem: RuleProblem },
): { rule: Rule } | { problem: RuleProblem } {
  if (rule.sid < 0) return problem("missing sid", "rule has no sid");
  for (const b of rule.blocks) {
    if (b.matches.length === 0) {
      return {
        problem: { pos: b.pos, reason: "empty buffer", message: "sticky buffer has no content, pcre or other match after it" },
      };
    }
  }
  const dirProblem = foldBlockDirections(rule);
  if (dirProblem !== null) return problem("invalid direction", dirProblem);
  if (rule.classtype !== null && !d.priorityGiven) {
    const c = d.classifications.get(rule.classtype);
    if (c !== undefined) rule.priority = c.priority;
  }
  return { rule };
}

/**
 * Outside transactional rules, a sticky buffer's direction (`file.data:to_client;`) restricts the whole
 * rule to that direction, as Suricata does (like `flow:to_client`). Returns a problem message or null.
 */
function foldBlockDirections(rule: Rule): string | null {
  if (rule.header.transactional) return null;
  let dir: "to_server" | "to_client" | null = null;
  for (const b of rule.blocks) {
    if (b.direction === undefined) continue;
    if (dir !== null && dir !== b.direction) return `sticky buffers ask for both to_server and to_client (only a transactional "=>" rule may)`;
    dir = b.direction;
  }
  if (dir === null) return null;
  const f = rule.flow ?? {
    toServer: false,
    toClient: false,
    established: false,
    notEstablished: false,
    stateless: false,
    onlyStream: false,
    noStream: false,
    onlyFrag: false,
    noFrag: false,
  };
  if ((dir === "to_server" && f.toClient) || (dir === "to_client" && f.toServer)) {
    return `a sticky buffer's ${dir} contradicts the rule's flow direction`;
  }
  if (dir === "to_server") f.toServer = true;
  else f.toClient = true;
  rule.flow = f;
  return null;
}
