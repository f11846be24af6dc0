import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseThresholdConfig } from "./threshold-config.ts";

test("suppress, threshold, event_filter and rate_filter lines", () => {
  const text = [
    "# comment",
    "suppress gen_id 1, sig_id 2000",
    "suppress gen_id 1, sig_id 2001, track by_src, ip 10.0.0.0/8",
    "suppress gen_id 1, sig_id 2002, track by_either, ip [1.1.1.1, 2.2.2.2]",
    "threshold gen_id 1, sig_id 3000, type limit, track by_src, count 1, seconds 60",
    "event_filter gen_id 0, sig_id 0, type both, track by_dst, count 5, seconds 30",
    "rate_filter gen_id 1, sig_id 4000, track by_rule, count 10, seconds 1, new_action drop, timeout 60",
    "suppress gen_id 1, sig_id 2003, track by_dst, ip $HOME_NET",
  ].join("\n");
  const { entries, problems } = parseThresholdConfig(text, "threshold.config");
  assert.equal(problems, []);
  assert.equal(entries.map((e) => [e.kind, e.gid, e.sid, e.pos.line]), [
    ["suppress", 1, 2000, 2], ["suppress", 1, 2001, 3], ["suppress", 1, 2002, 4], ["threshold", 1, 3000, 5],
    ["event_filter", 0, 0, 6], ["rate_filter", 1, 4000, 7], ["suppress", 1, 2003, 8],
  ]);
  const s = entries[1];
  assert.ok(s.kind === "suppress" && s.track === "by_src" && s.addrs?.ranges[0].v === 4);
  const s2 = entries[2];
  assert.ok(s2.kind === "suppress" && s2.addrs?.ranges.length === 2);
  assert.ok(entries[0].kind === "suppress" && entries[0].addrs === null);
  const t = entries[3];
  assert.ok(t.kind === "threshold");
  assert.equal([t.threshold.kind, t.threshold.track, t.threshold.count, t.threshold.seconds], ["limit", "by_src", 1, 60]);
  const r = entries[5];
  assert.ok(r.kind === "rate_filter");
  assert.equal([r.threshold.kind, r.threshold.track, r.newAction, r.timeout], ["rate_filter", "by_rule", "drop", 60]);
  assert.is(entries[6].kind === "suppress" && entries[6].addrs?.ranges.length, 3);
});

test("problems name the line and column, good lines still load", () => {
  const text = [
    "supress gen_id 1, sig_id 1",
    "suppress gen_id 1, sig_id 2, track by_src",
    "threshold gen_id 1, sig_id 3, type limit, track by_src, count 1",
    "suppress gen_id 1, sig_id 4, track by_src, ip 10.0.0.0/33",
    "threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 60, colour red",
    "suppress gen_id x, sig_id 6",
    "suppress gen_id 1, sig_id 7",
  ].join("\n");
  const { entries, problems } = parseThresholdConfig(text, "t.config");
  assert.is(entries.length, 1);
  assert.is(entries[0].sid, 7);
  assert.equal(problems.map((p) => p.pos.line), [1, 2, 3, 4, 5, 6]);
  assert.match(problems[0].message, /did you mean "suppress"/);
  assert.match(problems[1].message, /both "track" and "ip"/);
  assert.match(problems[2].message, /seconds/);
  assert.match(problems[3].message, /prefix length/);
  assert.is(problems[3].pos.col, 47);
  assert.match(problems[4].message, /does not take "colour"/);
  assert.is(problems[4].pos.col, 78);
  assert.match(problems[5].message, /gen_id/);
});

test.run();
