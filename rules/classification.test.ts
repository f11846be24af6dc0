import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultClassifications, parseClassificationConfig } from "./classification.ts";

test("built-in table has Suricata's defaults", () => {
  const t = defaultClassifications();
  assert.equal(t.get("trojan-activity"), { name: "trojan-activity", description: "A Network Trojan was detected", priority: 1 });
  assert.is(t.get("tcp-connection")?.priority, 4);
  assert.is(t.get("command-and-control")?.description, "Malware Command and Control Activity Detected");
  assert.ok(t.size >= 40);
});

test("classification.config lines add and override; bad lines are problems", () => {
  const { table, problems } = parseClassificationConfig("# x\nconfig classification: my-class,My Class,2\nconfig classification: trojan-activity,Trojan,3\nnonsense\n");
  assert.is(table.get("my-class")?.priority, 2);
  assert.is(table.get("trojan-activity")?.description, "Trojan");
  assert.equal(problems.map((p) => p.line), [4]);
});

test.run();
