/**
 * `tsugi inspect`: the offline datapath. Reads a pcap/pcapng file packet by packet, runs each through
 * the engine, and writes Suricata-compatible EVE records to `DIR/eve.json`. Accepts Suricata's
 * command-line spelling so tools that drive Suricata (suricata-verify style runners) drive Tsugi.
 *
 * Never prints a stack trace for bad input: every problem becomes one line naming the file and what is
 * wrong, and a non-zero exit.
 *
 * @example
 * ```ts
 * import { runInspect } from "./inspect.ts";
 * const code = runInspect(["-r", "capture.pcap", "-l", "out"]);
 * ```
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { applySetting, type ChecksumMode, defaultEngineConfig, type EngineConfig } from "../engine/config.ts";
import { Engine } from "../engine/engine.ts";
import { EveWriter } from "../engine/eve.ts";
import { EV_DROP } from "../engine/events.ts";
import { PacketMeta } from "../engine/packet.ts";
import { compilePolicy, type CompiledPolicy } from "../engine/policy/compiled.ts";
import { loadPolicy, selectProfile } from "../engine/policy/load.ts";
import { CaptureReader } from "./pcap/reader.ts";
import { EV_ALERT } from "../engine/events.ts";
import { Ips } from "../engine/ips.ts";
import { defaultParsers, defaultProbes } from "../engine/applayer/registry.ts";
import { buildRuleSet } from "../rules/build.ts";
import { builtinPacksDir, builtinRuleFiles } from "../rules/packs/builtin.ts";
import { applyExceptions } from "../rules/exceptions.ts";
import { parseThresholdConfig, type ThresholdEntry } from "../rules/threshold-config.ts";
import type { PolicySpec } from "../engine/policy/spec.ts";
import { AppIdentifier } from "../engine/appid/identifier.ts";
import { compileAppControl } from "../engine/appid/control.ts";
import { FUNCTION_NAMES } from "../engine/appid/tables.ts";
import { loadAppSignatures } from "../rules/packs/apps.ts";

export const INSPECT_USAGE = `usage: tsugi inspect -r FILE [options]

Inspects a pcap or pcapng capture and writes Suricata-compatible EVE records to DIR/eve.json.

  -r FILE               capture to read (pcap or pcapng)
  -l DIR                directory for eve.json (default: current directory; created if missing)
  --policy FILE         policy (YAML or JSON): home_net, the stateful firewall, ips (mode, detect_only,
                        log_packets, exceptions), app_control, profiles; none: no firewall
  --profile NAME        apply the policy's location profile NAME (its sections replace the base's)
  -k auto|all|none      checksum validation (default auto: stop validating when the capture shows
                        offloaded checksums, as Suricata does)
  --set KEY=VALUE       engine setting, Suricata's names: stream.midstream=true, defrag.policy=linux,
                        defrag.memcap=BYTES, flow.max-flows=N, exception-policy=pass-packet|drop-packet,
                        stream.reassembly.memcap=64mb, stream.reassembly.depth=1mb,
                        stream.reassembly.policy=bsd, stream.reassembly.raw-window=4096
  --eve-flows           also write one "flow" record per flow
  --eve-packet          every alert carries its packet (base64 "packet"); rules with "tag" always do
  --simulate-ips        block as an inline IPS would (drop/reject rules) — for IPS rules
  -S FILE               IPS rules file (Suricata syntax) instead of the built-in packs; rules that
                        cannot be loaded are listed (file:line:col: reason) and skipped
  --no-packs            no IPS rules at all (without -S, every virtual patch of the built-in packs in
                        rules/packs/vpatch/ is loaded: drop rules alert, and block with --simulate-ips)
  --strict              a rule that cannot be loaded is an error (default: listed and skipped)
  --threshold-file FILE Suricata threshold.config: suppress (per host), threshold, event_filter
                        (the policy's ips.exceptions silence rules per host/port the same way)
  -h, --help            this help

Suricata flags that do not change detection (--runmode=..., -v, --init-errors-fatal, ...) are accepted
and ignored with a note.`;

/** Suricata flags that change nothing Tsugi detects: accepted so Suricata command lines work as they are. */
const IGNORED_FLAGS = new Set([
  "--runmode",
  "--init-errors-fatal",
  "--no-random",
  "--pcap-file-recursive",
  "--pcap-file-delete",
  "--pcap-file-continuous",
  "--engine-analysis",
  "--disable-hashing",
  "--strict-rule-keywords",
  "--qa-skip-prefilter",
  "-v",
  "-vv",
  "-vvv",
  "-vvvv",
]);
/** Of those, the ones that take a separate value. */
const IGNORED_WITH_VALUE = new Set(["--runmode", "--pidfile", "--user", "--group", "-c"]);

export interface InspectOptions {
  capture: string;
  logDir: string;
  policyFile: string;
  rulesFile: string;
  thresholdFile: string;
  /** A rule that cannot be loaded is fatal instead of skipped. */
  strict: boolean;
  /** No rules at all (without -S the built-in packs are loaded). */
  noPacks: boolean;
  /** The policy's location profile to apply (undefined: the base policy). */
  profile: string | undefined;
  /** Every alert carries its packet (EVE `packet`). */
  evePacket: boolean;
  eveFlows: boolean;
  simulateIps: boolean;
  engine: EngineConfig;
  notes: string[];
}

export class UsageError extends Error {}

/** Parses inspect's arguments; throws UsageError with a message naming the argument. */
export function parseInspectArgs(args: string[]): InspectOptions {
  const o: InspectOptions = {
    capture: "",
    logDir: ".",
    policyFile: "",
    rulesFile: "",
    thresholdFile: "",
    strict: false,
    noPacks: false,
    profile: undefined,
    evePacket: false,
    eveFlows: false,
    simulateIps: false,
    engine: defaultEngineConfig(),
    notes: [],
  };
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || (v.startsWith("-") && v.length > 1)) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, flag);
      i++;
      return v;
    };
    switch (flag) {
      case "-r":
        o.capture = take();
        break;
      case "-l":
        o.logDir = take();
        break;
      case "-S":
      case "-s":
        o.rulesFile = take();
        break;
      case "--policy":
        o.policyFile = take();
        break;
      case "--threshold-file":
        o.thresholdFile = take();
        break;
      case "--no-packs":
        o.noPacks = true;
        break;
      case "--profile":
        o.profile = take();
        break;
      case "--strict":
        o.strict = true;
        break;
      case "--eve-packet":
        o.evePacket = true;
        break;
      case "-k": {
        const k = take();
        if (k !== "auto" && k !== "all" && k !== "none") throw new UsageError(`-k: expected auto, all or none, got "${k}"`);
        o.engine.checksums = k as ChecksumMode;
        break;
      }
      case "--set": {
        const kv = take();
        const at = kv.indexOf("=");
        if (at <= 0) throw new UsageError(`--set: expected KEY=VALUE, got "${kv}"`);
        const err = applySetting(o.engine, kv.slice(0, at), kv.slice(at + 1));
        if (err !== "") throw new UsageError(`--set: ${err}`);
        break;
      }
      case "--eve-flows":
        o.eveFlows = true;
        break;
      case "--simulate-ips":
        o.simulateIps = true;
        break;
      default:
        if (IGNORED_FLAGS.has(flag) || IGNORED_WITH_VALUE.has(flag)) {
          const v = IGNORED_WITH_VALUE.has(flag) && inline === undefined ? ` ${value(i, flag)}` : inline ? `=${inline}` : "";
          if (IGNORED_WITH_VALUE.has(flag) && inline === undefined) i++;
          o.notes.push(`note: ignoring ${flag}${v} (does not change detection)`);
          break;
        }
        throw new UsageError(`unknown option "${a}" (see tsugi inspect --help)`);
    }
  }
  if (o.capture === "") throw new UsageError("-r FILE is required");
  return o;
}

/** What one run found, for the summary line and for tests. */
export interface InspectSummary {
  packets: number;
  bytes: number;
  dropped: number;
  anomalies: number;
  flows: number;
  events: number;
  eveLost: number;
  seconds: number;
  evePath: string;
  /** IPS alerts written. */
  alerts: number;
  /** IPS rules loaded, and from where (`""`: none). */
  rules: number;
  ruleSource: string;
  /** Blocked packets by reason (and firewall rule), in order of first appearance. */
  blocked: { reason: string; packets: number }[];
}

/** Runs an inspection. Throws Error subclasses with complete messages for bad input. */
export function inspect(o: InspectOptions): InspectSummary {
  let policy: CompiledPolicy | null = null;
  let policySpec: PolicySpec | null = null;
  if (o.policyFile !== "") {
    if (!existsSync(o.policyFile)) throw new Error(`${o.policyFile}: no such file`);
    policySpec = selectProfile(loadPolicy(readFileSync(o.policyFile, "utf8"), o.policyFile), o.profile);
    policy = compilePolicy(policySpec, o.engine.interfaces);
  }
  if (o.thresholdFile !== "" && o.noPacks && o.rulesFile === "") throw new UsageError("--threshold-file needs rules (-S FILE or the built-in packs)");
  if (o.noPacks && o.rulesFile !== "") throw new UsageError("-S and --no-packs: choose one");
  if (o.profile !== undefined && o.policyFile === "") throw new UsageError("--profile needs --policy FILE");
  const reader = CaptureReader.open(o.capture);
  if (!existsSync(o.logDir)) mkdirSync(o.logDir, { recursive: true });
  else if (!statSync(o.logDir).isDirectory()) throw new Error(`-l ${o.logDir}: not a directory`);
  const evePath = join(o.logDir, "eve.json");
  const fd = openSync(evePath, "w");
  const engine = new Engine(o.engine);
  engine.setPolicy(policy);
  engine.logFlows = o.eveFlows;
  const eve = new EveWriter({ interfaces: o.engine.interfaces });
  if (policy !== null) eve.addPolicy(policy);
  // application identification (EVE `application`), whatever else is loaded
  const appTables = loadAppSignatures();
  const appid = new AppIdentifier(appTables, engine.flows);
  // app control: the (profile's) policy's app_control rules; unknown names are errors here
  if (policySpec !== null) appid.blocked.set(compileAppControl(policySpec.appControl, appTables));
  engine.setAppIdentifier(appid);
  eve.setAppNames(appTables.names, FUNCTION_NAMES);
  let alerts = 0;
  let sources: { file: string; text: string }[] = [];
  let ruleSource = o.rulesFile;
  let rules = 0;
  if (o.rulesFile !== "") {
    if (!existsSync(o.rulesFile)) throw new Error(`-S ${o.rulesFile}: no such file`);
    sources = [{ file: o.rulesFile, text: readFileSync(o.rulesFile, "latin1") }];
  } else if (!o.noPacks) {
    const dir = builtinPacksDir();
    sources = builtinRuleFiles(dir);
    ruleSource = `the built-in packs (${dir})`;
  }
  if (sources.length > 0) {
    const built = buildRuleSet(sources);
    if (o.strict && built.problems.length > 0) {
      const first = built.problems[0];
      throw new Error(
        `${first.pos.file}:${first.pos.line}:${first.pos.col}: ${first.message}` +
          (built.problems.length > 1 ? ` (and ${built.problems.length - 1} more problems; --strict makes them fatal)` : " (--strict)"),
      );
    }
    for (const p of built.problems) o.notes.push(`${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message} (rule skipped)`);
    let entries: ThresholdEntry[] = [];
    if (o.thresholdFile !== "") {
      if (!existsSync(o.thresholdFile)) throw new Error(`--threshold-file ${o.thresholdFile}: no such file`);
      const t = parseThresholdConfig(readFileSync(o.thresholdFile, "utf8"), o.thresholdFile);
      for (const p of t.problems) o.notes.push(`${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message} (entry skipped)`);
      entries = t.entries;
    }
    for (const p of applyExceptions(built.ruleSet, policySpec === null ? null : policySpec.ips, entries)) {
      o.notes.push(`${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`);
    }
    // prevent mode: --simulate-ips, or the policy's ips.mode (an inline datapath blocks what it drops)
    const prevent = o.simulateIps || (policySpec !== null && policySpec.ips !== null && policySpec.ips.mode === "prevent");
    const capturePackets = o.evePacket || (policySpec !== null && policySpec.ips !== null && policySpec.ips.logPackets);
    const ips = new Ips(engine.flows, engine.ring, { prevent, stateEntries: 1 << 16, capturePackets }, defaultParsers(), defaultProbes());
    ips.detector.setRuleSet(built.ruleSet);
    rules = built.ruleSet.signatures.length;
    engine.setIps(ips);
    eve.addRuleSet(built.ruleSet);
  }
  const meta = new PacketMeta();
  let out = "";
  let events = 0;
  const blocked = new Map<string, number>();
  const drain = (): void => {
    const ring = engine.ring;
    for (let i = ring.first(); i !== -1; i = ring.next(i)) {
      const line = eve.format(ring, i);
      if (line === "") continue;
      if (ring.kind[i] === EV_DROP) {
        const why = eve.dropSummary(ring, i);
        blocked.set(why, (blocked.get(why) ?? 0) + 1);
      } else if (ring.kind[i] === EV_ALERT) alerts++;
      out += line + "\n";
      events++;
    }
    ring.clear();
    if (out.length > 1 << 20) {
      writeSync(fd, out);
      out = "";
    }
  };
  const t0 = performance.now();
  let failure: Error | null = null;
  try {
    for (;;) {
      const rec = reader.next();
      if (rec === null) break;
      meta.tsUs = rec.tsUs;
      meta.linkType = rec.linkType;
      meta.wireLen = rec.wireLen;
      meta.pcapCnt = rec.index;
      meta.ifIndex = -1;
      engine.process(rec.buf, rec.off, rec.len, meta);
      if (engine.ring.size > 0) drain();
    }
  } catch (e) {
    // A truncated or corrupt record: keep every event of the packets before it, then report.
    failure = e instanceof Error ? e : new Error(String(e));
  }
  for (;;) {
    const n = engine.finish(engine.ring.capacity);
    drain();
    if (n === 0) break;
  }
  writeSync(fd, out);
  closeSync(fd);
  reader.close();
  if (engine.checksumAutoDisabled) {
    o.notes.push("note: more than 10% of the first 1000 checksummed packets had bad checksums (offloading?): stopped validating, as -k auto does");
  }
  if (failure !== null) {
    throw new Error(`${failure.message} (events of the ${engine.stats.packets} packets before it are in ${evePath})`);
  }
  return {
    packets: engine.stats.packets,
    bytes: engine.stats.bytes,
    dropped: engine.stats.dropped,
    anomalies: engine.stats.decodeAnomalies,
    flows: engine.flows.stats.created,
    events,
    eveLost: engine.ring.lost,
    seconds: (performance.now() - t0) / 1000,
    evePath,
    alerts,
    rules,
    ruleSource,
    blocked: [...blocked.entries()].map(([reason, packets]) => ({ reason, packets })),
  };
}

/** The CLI entry for `tsugi inspect`; returns the process exit code. */
export function runInspect(args: string[]): number {
  if (args.includes("-h") || args.includes("--help")) {
    console.log(INSPECT_USAGE);
    return 0;
  }
  let o: InspectOptions;
  try {
    o = parseInspectArgs(args);
  } catch (e) {
    console.error(`tsugi inspect: ${(e as Error).message}`);
    return 2;
  }
  for (const n of o.notes.splice(0)) console.error(`tsugi inspect: ${n}`);
  try {
    const s = inspect(o);
    for (const n of o.notes.splice(0)) console.error(`tsugi inspect: ${n}`);
    if (s.ruleSource !== "") console.log(`tsugi: ${s.rules} rules from ${s.ruleSource}`);
    console.log(
      `tsugi: ${s.packets} packets (${s.bytes} bytes), ${s.flows} flows, ${s.dropped} dropped, ${s.anomalies} anomalies, ${s.alerts} alerts, ${s.events} events in ${
        s.seconds.toFixed(2)
      } s -> ${s.evePath}` + (s.eveLost > 0 ? ` (${s.eveLost} events lost: ring full)` : ""),
    );
    for (const b of s.blocked) console.log(`  blocked ${String(b.packets).padStart(6)}  ${b.reason}`);
    return 0;
  } catch (e) {
    console.error(`tsugi inspect: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
