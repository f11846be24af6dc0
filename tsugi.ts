/**
 * The `tsugi` command: one entry point for every job, each command in the folder of its concept.
 * Bundled by `build.ts` into `dist/tsugi.js`.
 */
import { runInspect } from "./datapath/inspect.ts";
import { runBench } from "./bench/cli.ts";
import { runRules } from "./rules/check.ts";
import { runPack } from "./rules/pack/cli.ts";
import { runScan } from "./rules/recommend/cli.ts";

const HELP = `tsugi — open virtual patching: one inspection engine for endpoints and branch offices

usage: tsugi <command> [options]

commands:
  inspect -r FILE [...]   inspect a pcap/pcapng capture; writes Suricata-compatible DIR/eve.json
                          (tsugi inspect --help for every option)
  bench engine [...]      benchmark the engine on generated workloads or a capture (-r FILE);
                          --json for machine-readable results, --assert-no-gc to fail on any GC
  bench ips [...]         benchmark the whole IPS path (reassembly, parsers, rules; default: the ET
                          Open ruleset) on HTTP-, TLS- and SMB-heavy traffic, with and without rules
  bench scan|pack [...]   the recommendation scan's curve (inventory entries x rules -> ms); pack
                          build, size, verify and load time
  rules check FILE...     check Suricata-syntax rule files: each problem as file:line:col, then
                          loaded / skipped by reason (--json, --strict, --var NAME=VALUE)
  rules new CVE-…         scaffold a virtual patch (rule, metadata, tests that fail until filled in)
  scan --inventory FILE   recommendation scan: assign / recommend / unassign / not-applicable for
                          every virtual patch, with the reason (--json, --packs DIR)
  pack keygen|build|verify|diff
                          signed rule packs: Ed25519 keys, build + validate + sign a directory,
                          verify (tampered or unsigned packs are refused), diff (tsugi pack --help)
  help                    this text

Run 'tsugi <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "inspect":
      return runInspect(rest);
    case "rules":
      return runRules(rest);
    case "pack":
      return runPack(rest);
    case "scan":
      return runScan(rest);
    case "bench":
      return await runBench(rest);
    case undefined:
    case "help":
    case "-h":
    case "--help":
      console.log(HELP);
      return cmd === undefined ? 2 : 0;
    default:
      console.error(`tsugi: unknown command "${cmd}"\n\n${HELP}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
