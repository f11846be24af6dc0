import { test } from "uvu";
import * as assert from "uvu/assert";
import { IpsRig, TcpConversation } from "../engine/ips.testing.ts";
import { applyExceptions } from "./exceptions.ts";
import { parseThresholdConfig } from "./threshold-config.ts";
import { loadPolicy } from "../engine/policy/load.ts";

const RULES = `drop http any any -> any any (msg:"traversal"; http.uri; content:"/etc/passwd"; sid:1001;)`;
const GET = "GET /cgi-bin/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n";

function attack(rig: IpsRig, client: string, dport = 80): void {
  const c = new TcpConversation(rig, { client, dport });
  c.handshake();
  c.sendClient(0, GET);
}

test("a policy exception silences a rule for one host only, and names unknown sids", () => {
  const policy = loadPolicy(
    `ips:
  exceptions:
    - sid: 1001
      src: [192.168.10.77]
      reason: scanner we run ourselves
    - sid: 4242
`,
    "policy.yaml",
  );
  const rig = new IpsRig(RULES);
  const problems = applyExceptions(rig.ips.detector.ruleSet!, policy.ips);
  assert.equal(problems.map((p) => `${p.pos.line}:${p.message}`), ["6:exception for 1:4242: no loaded rule has that sid"]);
  attack(rig, "192.168.10.77");
  assert.equal(rig.alertSids(), [], "silenced for the excepted host");
  assert.is(rig.droppedCount(), 0, "and not blocked");
  attack(rig, "192.168.10.78");
  assert.ok(rig.blockedBy(1001), "still enforced for everyone else");
});

test("an exception by port matches either side", () => {
  const policy = loadPolicy(`ips: { exceptions: [ { sid: 1001, port: 8080 } ] }\n`, "p.yaml");
  const rig = new IpsRig(RULES);
  applyExceptions(rig.ips.detector.ruleSet!, policy.ips);
  attack(rig, "192.168.10.5", 8080);
  assert.equal(rig.alertSids(), []);
  attack(rig, "192.168.10.5", 80);
  assert.equal(rig.alertSids(), [1001]);
});

test("policy exceptions are checked: sid required, unknown keys named with their position", () => {
  assert.throws(() => loadPolicy(`ips:\n  exceptions:\n    - src: [10.0.0.1]\n`, "p.yaml"), /p\.yaml:3:7: an exception needs "sid"/);
  assert.throws(() => loadPolicy(`ips:\n  exceptions:\n    - sid: 1\n      sorce: [10.0.0.1]\n`, "p.yaml"), /sorce/);
});

test("threshold.config suppress by_src silences one source; threshold replaces the rule's own", () => {
  const rig = new IpsRig(RULES, { prevent: false });
  const t = parseThresholdConfig(
    "suppress gen_id 1, sig_id 1001, track by_src, ip 192.168.10.0/30\nthreshold gen_id 1, sig_id 1001, type limit, track by_src, count 1, seconds 60\n",
    "threshold.config",
  );
  assert.equal(t.problems, []);
  assert.equal(applyExceptions(rig.ips.detector.ruleSet!, null, t.entries), []);
  attack(rig, "192.168.10.2");
  assert.equal(rig.alertSids(), [], "suppressed source");
  attack(rig, "192.168.10.9");
  attack(rig, "192.168.10.9");
  assert.is(rig.alerts.length, 1, "limit 1 per source from threshold.config");
});

test("ips.detect_only: a drop rule only alerts in prevent mode; ips.mode is read", () => {
  const policy = loadPolicy(`ips:\n  mode: prevent\n  detect_only: [1001]\n`, "p.yaml");
  assert.is(policy.ips!.mode, "prevent");
  const rig = new IpsRig(RULES, { prevent: true });
  applyExceptions(rig.ips.detector.ruleSet!, policy.ips);
  attack(rig, "192.168.10.5");
  assert.equal(rig.alerts.map((a) => [a.sid, a.blocked]), [[1001, false]]);
  assert.is(rig.droppedCount(), 0);
  assert.throws(() => loadPolicy(`ips:\n  mode: block\n`, "p.yaml"), /p\.yaml:2:9: "mode" must be prevent or detect/);
});

test.run();
