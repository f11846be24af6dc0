/**
 * Keywords that describe the rule rather than what it matches: `msg sid rev gid classtype priority
 * reference metadata target`. Values are checked (numbers in range, known classtype, one of each).
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // (msg:"ET EXPLOIT x"; classtype:attempted-admin; metadata: cve CVE-2017-0144, created_at 2017_05_12; sid:2024217; rev:3;)
 * ```
 */
import { didYouMean } from "../../engine/policy/suggest.ts";
import { maybeUnquote, splitArgs, type Keyword } from "./keyword.ts";

export const msg: Keyword = {
  name: "msg",
  value: "required",
  parse(value, ctx) {
    ctx.once("msg", `"msg" given twice`);
    ctx.rule.msg = maybeUnquote(value);
  },
};

export const sid: Keyword = {
  name: "sid",
  value: "required",
  parse(value, ctx) {
    ctx.once("sid", `"sid" given twice`);
    const n = ctx.uint(value, 0xffffffff, false);
    if (n === 0) return ctx.fail(`"sid" must be at least 1`);
    ctx.rule.sid = n;
  },
};

export const rev: Keyword = {
  name: "rev",
  value: "required",
  parse(value, ctx) {
    ctx.once("rev", `"rev" given twice`);
    ctx.rule.rev = ctx.uint(value, 0xffffffff, false);
  },
};

export const gid: Keyword = {
  name: "gid",
  value: "required",
  parse(value, ctx) {
    ctx.once("gid", `"gid" given twice`);
    ctx.rule.gid = ctx.uint(value, 0xffffffff, false);
  },
};

export const classtype: Keyword = {
  name: "classtype",
  value: "required",
  parse(value, ctx) {
    ctx.once("classtype", `"classtype" given twice`);
    const name = value.trim();
    const c = ctx.classifications.get(name);
    if (c === undefined) {
      return ctx.fail(`unknown classtype ${JSON.stringify(name)}${didYouMean(name, [...ctx.classifications.keys()])}`, "unknown classtype");
    }
    ctx.rule.classtype = name;
    ctx.rule.category = c.description;
  },
};

export const priority: Keyword = {
  name: "priority",
  value: "required",
  parse(value, ctx) {
    ctx.once("priority", `"priority" given twice`);
    const n = ctx.uint(value, 255, false);
    if (n === 0) return ctx.fail(`"priority" must be 1-255`);
    ctx.rule.priority = n;
    ctx.priorityGiven = true;
  },
};

export const reference: Keyword = {
  name: "reference",
  value: "required",
  parse(value, ctx) {
    const v = maybeUnquote(value);
    const comma = v.indexOf(",");
    if (comma <= 0 || comma === v.length - 1) return ctx.fail(`"reference" must be "system,id", got ${JSON.stringify(v)}`);
    ctx.rule.references.push({ system: v.slice(0, comma).trim(), id: v.slice(comma + 1).trim() });
  },
};

export const metadata: Keyword = {
  name: "metadata",
  value: "required",
  parse(value, ctx) {
    for (const item of splitArgs(value)) {
      if (item === "") continue;
      const sp = item.search(/\s/);
      const key = sp < 0 ? item : item.slice(0, sp);
      const val = sp < 0 ? "" : item.slice(sp + 1).trim();
      const list = ctx.rule.metadata[key] ?? (ctx.rule.metadata[key] = []);
      list.push(val);
    }
  },
};

export const target: Keyword = {
  name: "target",
  value: "required",
  parse(value, ctx) {
    ctx.once("target", `"target" given twice`);
    const t = value.trim();
    if (t !== "src_ip" && t !== "dest_ip") return ctx.fail(`"target" must be src_ip or dest_ip`);
    ctx.rule.target = t;
  },
};
