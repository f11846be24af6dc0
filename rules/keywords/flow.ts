/**
 * Flow state keywords: `flow` (to_server, to_client, established, not_established, stateless,
 * only_stream, no_stream, only_frag, no_frag), `flowbits`, `flowint`, `xbits`.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // flow:established,to_server; flowbits:set,ET.x; flowbits:noalert; flowint:cnt,+,1; xbits:set,scan,track ip_src;
 * ```
 */
import type { FlowbitsOp, FlowintOp, RuleFlow, XbitsOp } from "../ast.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

const NAME = /^[A-Za-z0-9_.\-]+$/;
/**
 * A flowbit or xbit name as Suricata takes it: any characters but blanks (and `,`, `|`, which separate);
 * `traffic/id/mozilla`, `ET.foo-bar`, `a&b` are names.
 */
const BIT_NAME = /^[^\s,|]+$/;

export const flow: Keyword = {
  name: "flow",
  value: "required",
  parse(value, ctx) {
    ctx.once("flow", `"flow" given twice`);
    const f: RuleFlow = {
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
    for (const w of splitArgs(value)) {
      switch (w.toLowerCase()) {
        case "to_server":
        case "from_client":
          f.toServer = true;
          break;
        case "to_client":
        case "from_server":
          f.toClient = true;
          break;
        case "established":
          f.established = true;
          break;
        case "not_established":
          f.notEstablished = true;
          break;
        case "stateless":
          f.stateless = true;
          break;
        case "only_stream":
          f.onlyStream = true;
          break;
        case "no_stream":
          f.noStream = true;
          break;
        case "only_frag":
          f.onlyFrag = true;
          break;
        case "no_frag":
          f.noFrag = true;
          break;
        default:
          return ctx.fail(`"flow" option ${JSON.stringify(w)} is not one of to_server to_client from_server from_client established not_established stateless only_stream no_stream only_frag no_frag`);
      }
    }
    if (f.toServer && f.toClient) return ctx.fail(`"flow" cannot be both to_server and to_client`);
    if (f.established && (f.notEstablished || f.stateless)) return ctx.fail(`"flow": established conflicts with not_established/stateless`);
    if (f.onlyStream && f.noStream) return ctx.fail(`"flow": only_stream conflicts with no_stream`);
    if (f.onlyFrag && f.noFrag) return ctx.fail(`"flow": only_frag conflicts with no_frag`);
    ctx.rule.flow = f;
  },
};

const BIT_OPS = ["set", "unset", "toggle", "isset", "isnotset", "noalert"] as const;

export const flowbits: Keyword = {
  name: "flowbits",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    const op = p[0].toLowerCase();
    if (!(BIT_OPS as readonly string[]).includes(op)) return ctx.fail(`"flowbits" operation ${JSON.stringify(p[0])} is not one of ${BIT_OPS.join(" ")}`);
    const o: FlowbitsOp = { pos: ctx.pos, op: op as FlowbitsOp["op"], names: [], anyOf: false };
    if (op === "noalert") {
      if (p.length > 1) return ctx.fail(`"flowbits:noalert" takes no name`);
      ctx.rule.noalert = true;
    } else {
      // As Suricata: the name is everything after the first comma; `|` separates names (isset/isnotset:
      // any of them). `&` is an ordinary name character (Suricata has no AND list).
      const comma = value.indexOf(",");
      const expr = comma < 0 ? "" : value.slice(comma + 1).trim();
      if (expr === "") return ctx.fail(`"flowbits:${op}" needs a name (or a|b)`);
      const or = expr.includes("|");
      if (or && op !== "isset" && op !== "isnotset") return ctx.fail(`"flowbits:${op}" cannot take a | list`);
      o.names = or ? expr.split("|").map((x) => x.trim()).filter((x) => x !== "") : [expr];
      o.anyOf = or;
      if (o.names.length === 0) return ctx.fail(`"flowbits:${op}" needs a name (or a|b)`);
      for (const n of o.names) {
        if (!BIT_NAME.test(n)) ctx.fail(`"flowbits" name ${JSON.stringify(n)} is not valid (no spaces or commas)`);
      }
    }
    ctx.rule.flowbits.push(o);
  },
};

const INT_OPS = ["=", "+", "-", "==", "!=", "<", ">", "<=", ">=", "isset", "notset", "isnotset"] as const;

export const flowint: Keyword = {
  name: "flowint",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    if (p.length < 2) return ctx.fail(`"flowint" needs a name and an operation`);
    const name = p[0];
    if (!NAME.test(name)) return ctx.fail(`"flowint" name ${JSON.stringify(name)} is not valid`);
    const op = p[1];
    if (!(INT_OPS as readonly string[]).includes(op)) return ctx.fail(`"flowint" operation ${JSON.stringify(op)} is not one of ${INT_OPS.join(" ")}`);
    const o: FlowintOp = { pos: ctx.pos, name, op: op as FlowintOp["op"] };
    if (op === "isset" || op === "notset" || op === "isnotset") {
      if (p.length !== 2) return ctx.fail(`"flowint:${name},${op}" takes no value`);
    } else {
      if (p.length !== 3) return ctx.fail(`"flowint:${name},${op}" needs a value`);
      const v = p[2];
      o.value = /^[0-9]+$/.test(v) ? { num: Number(v) } : NAME.test(v) ? { var: v } : ctx.fail(`"flowint" value ${JSON.stringify(v)} is not a number or variable`);
    }
    ctx.rule.flowints.push(o);
  },
};

export const xbits: Keyword = {
  name: "xbits",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    const op = p[0].toLowerCase();
    if (!(BIT_OPS as readonly string[]).includes(op)) return ctx.fail(`"xbits" operation ${JSON.stringify(p[0])} is not one of ${BIT_OPS.join(" ")}`);
    if (op === "noalert") {
      ctx.rule.noalert = true;
      return;
    }
    if (p.length < 3) return ctx.fail(`"xbits:${op}" needs a name and "track ip_src|ip_dst|ip_pair|tx"`);
    const o: XbitsOp = { pos: ctx.pos, op: op as XbitsOp["op"], name: p[1], track: "ip_src" };
    if (!BIT_NAME.test(o.name)) return ctx.fail(`"xbits" name ${JSON.stringify(o.name)} is not valid (no spaces)`);
    let tracked = false;
    for (const w of p.slice(2)) {
      const [k, v] = w.split(/\s+/, 2);
      if (k === "track") {
        if (v !== "ip_src" && v !== "ip_dst" && v !== "ip_pair" && v !== "tx") return ctx.fail(`"xbits" track must be ip_src, ip_dst, ip_pair or tx`);
        o.track = v;
        tracked = true;
      } else if (k === "expire") {
        o.expireSec = ctx.uint(v ?? "", 0xffffffff, false);
        if (o.expireSec === 0) return ctx.fail(`"xbits" expire must be at least 1 second`);
      } else return ctx.fail(`"xbits" has unknown option ${JSON.stringify(w)}`);
    }
    if (!tracked) return ctx.fail(`"xbits" needs "track ip_src|ip_dst|ip_pair|tx"`);
    ctx.rule.xbits.push(o);
  },
};
