/**
 * Keywords tested on the packet itself: `dsize ttl itype icode icmp_id icmp_seq ip_proto ack seq window
 * id tos fragbits fragoffset flags tcp.flags sameip stream_size`. Each sets one field of
 * `rule.packet` (rules/ast.ts PacketTests) and may appear once.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // flags:S,12; ttl:<5; dsize:>100; itype:8; window:!1024;
 * ```
 */
import type { NumCmp, PacketTests } from "../ast.ts";
import { splitArgs, type Keyword, type KeywordCtx } from "./keyword.ts";

function once<K extends keyof PacketTests>(ctx: KeywordCtx, key: K, v: PacketTests[K]): void {
  if (ctx.rule.packet[key] !== undefined) return ctx.fail(`"${ctx.name}" given twice`);
  ctx.rule.packet[key] = v;
}

function cmpKeyword(name: string, key: "dsize" | "ttl" | "itype" | "icode", max: number): Keyword {
  return { name, value: "required", parse: (v, ctx) => once(ctx, key, ctx.numCmp(v, max)) };
}

function numKeyword(name: string, key: "icmpId" | "icmpSeq" | "ack" | "seq" | "id", max: number): Keyword {
  return { name, value: "required", parse: (v, ctx) => once(ctx, key, ctx.uint(v, max)) };
}

function negNum(v: string, ctx: KeywordCtx, max: number): { negated: boolean; value: number } {
  const t = v.trim();
  const negated = t.startsWith("!");
  return { negated, value: ctx.uint(negated ? t.slice(1) : t, max) };
}

export const dsize = cmpKeyword("dsize", "dsize", 65535);
export const ttl = cmpKeyword("ttl", "ttl", 255);
export const itype = cmpKeyword("itype", "itype", 255);
export const icode = cmpKeyword("icode", "icode", 255);
export const icmpId = numKeyword("icmp_id", "icmpId", 65535);
export const icmpSeq = numKeyword("icmp_seq", "icmpSeq", 65535);
export const ack = numKeyword("ack", "ack", 0xffffffff);
export const seq = numKeyword("seq", "seq", 0xffffffff);
export const id = numKeyword("id", "id", 65535);

export const window: Keyword = {
  name: "window",
  value: "required",
  parse: (v, ctx) => once(ctx, "window", negNum(v, ctx, 65535)),
};

export const tos: Keyword = {
  name: "tos",
  value: "required",
  parse: (v, ctx) => once(ctx, "tos", negNum(v, ctx, 255)),
};

const IP_PROTOS: Record<string, number> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, rsvp: 46, gre: 47, esp: 50, ah: 51,
  "ipv6-icmp": 58, icmpv6: 58, "ipv6-nonxt": 59, "ipv6-opts": 60, ospf: 89, pim: 103, vrrp: 112, l2tp: 115,
  sctp: 132, "ipv6-route": 43, "ipv6-frag": 44,
};

export const ipProto: Keyword = {
  name: "ip_proto",
  value: "required",
  parse(v, ctx) {
    let t = v.trim();
    let negated = false;
    if (t.startsWith("!")) {
      negated = true;
      t = t.slice(1).trim();
    }
    const named = IP_PROTOS[t.toLowerCase()];
    const cmp: NumCmp = named !== undefined ? { op: "=", a: named, b: 0 } : ctx.numCmp(t, 255);
    if (negated && cmp.op !== "=") return ctx.fail(`"ip_proto" cannot negate a comparison`);
    once(ctx, "ipProto", { negated, cmp });
  },
};

export const fragoffset: Keyword = {
  name: "fragoffset",
  value: "required",
  parse(v, ctx) {
    let t = v.trim();
    let negated = false;
    if (t.startsWith("!")) {
      negated = true;
      t = t.slice(1);
    }
    once(ctx, "fragoffset", { negated, cmp: ctx.numCmp(t, 8191) });
  },
};

const TCP_FLAGS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, "2": 0x40, C: 0x80, "1": 0x80 };

function flagBits(s: string, ctx: KeywordCtx): number {
  let bits = 0;
  for (const c of s.toUpperCase()) {
    const b = TCP_FLAGS[c];
    if (b === undefined) return ctx.fail(`"${ctx.name}" flag ${JSON.stringify(c)} is not one of F S R P A U C E 0 1 2`);
    bits |= b;
  }
  return bits;
}

export const flags: Keyword = {
  name: "flags",
  aliases: ["tcp.flags"],
  value: "required",
  parse(v, ctx) {
    const [main, ignore, more] = v.split(",").map((x) => x.trim());
    if (more !== undefined) return ctx.fail(`"${ctx.name}" takes FLAGS[,IGNORED]`);
    let mode: "" | "+" | "*" | "!" = "";
    let f = main;
    const isMod = (c: string) => c === "+" || c === "*" || c === "!";
    if (isMod(f[0])) {
      mode = f[0] as typeof mode;
      f = f.slice(1);
    }
    if (f.length > 0 && isMod(f[f.length - 1])) {
      if (mode !== "") return ctx.fail(`"${ctx.name}" has two modifiers`);
      mode = f[f.length - 1] as typeof mode;
      f = f.slice(0, -1);
    }
    if (f === "") return ctx.fail(`"${ctx.name}" names no flags`);
    const bits = f === "0" ? 0 : flagBits(f, ctx);
    const ign = ignore === undefined || ignore === "" ? 0 : flagBits(ignore, ctx);
    once(ctx, "tcpFlags", { mode, flags: bits, ignore: ign });
  },
};

const FRAG_BITS: Record<string, number> = { M: 0x2000, D: 0x4000, R: 0x8000 };

export const fragbits: Keyword = {
  name: "fragbits",
  value: "required",
  parse(v, ctx) {
    let t = v.trim();
    let mode: "" | "+" | "*" | "!" = "";
    for (const end of [0, -1]) {
      const c = end === 0 ? t[0] : t[t.length - 1];
      if (c === "+" || c === "*" || c === "!") {
        if (mode !== "") return ctx.fail(`"fragbits" has two modifiers`);
        mode = c;
        t = end === 0 ? t.slice(1) : t.slice(0, -1);
      }
    }
    if (t === "") return ctx.fail(`"fragbits" names no bits (M, D, R)`);
    let bits = 0;
    for (const c of t.toUpperCase()) {
      const b = FRAG_BITS[c];
      if (b === undefined) return ctx.fail(`"fragbits" bit ${JSON.stringify(c)} is not one of M D R`);
      bits |= b;
    }
    once(ctx, "fragbits", { mode, bits });
  },
};

export const sameip: Keyword = {
  name: "sameip",
  value: "none",
  parse: (_v, ctx) => once(ctx, "sameip", true),
};

export const streamSize: Keyword = {
  name: "stream_size",
  value: "required",
  parse(v, ctx) {
    const p = splitArgs(v);
    if (p.length !== 3) return ctx.fail(`"stream_size" takes server|client|both|either, OPERATOR, BYTES`);
    const side = p[0];
    if (side !== "server" && side !== "client" && side !== "both" && side !== "either") {
      return ctx.fail(`"stream_size" side must be server, client, both or either`);
    }
    const op = p[1];
    if (!["<", ">", "=", "!=", "<=", ">="].includes(op)) return ctx.fail(`"stream_size" operator must be one of < > = != <= >=`);
    const a = ctx.uint(p[2], 0xffffffff);
    const t = { side: side as "server" | "client" | "both" | "either", cmp: { op: op as NumCmp["op"], a, b: 0 } };
    const pk = ctx.rule.packet;
    if (pk.streamSize === undefined) pk.streamSize = t;
    else (pk.streamSizeMore ??= []).push(t);
  },
};
