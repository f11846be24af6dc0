/**
 * Buffer selection: sticky buffers (`http.uri;` … every name `bufferByName` knows, including the packet
 * header buffers `ipv4.hdr` `ipv6.hdr` `tcp.hdr` `udp.hdr` `icmpv4.hdr` `icmpv6.hdr`, an optional Suricata 8
 * direction `file.data:to_client;`, plus `pkt_data` to return to the payload), the legacy content modifiers (`content:"x"; http_uri;` moves that content
 * into the http.uri block), `base64_decode` / `base64_data`, and transforms on the open sticky buffer
 * (`url_decode strip_whitespace compress_whitespace dotprefix to_lowercase to_uppercase to_md5 to_sha1
 * to_sha256 header_lowercase strip_pseudo_headers pcrexform xor`).
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // http.uri; to_lowercase; content:"/admin";       → block http.uri, transforms [to_lowercase]
 * // content:"/admin"; http_uri;                      → the content moves to the http.uri block
 * ```
 */
import type { Base64DecodeMatch, Transform } from "../ast.ts";
import {
  BUF_BASE64_DATA,
  BUF_ICMPV4_HDR,
  BUF_ICMPV6_HDR,
  BUF_PAYLOAD,
  BUF_TCP_HDR,
  BUF_UDP_HDR,
  BUFFER_DIR,
  bufferByName,
  bufferName,
  bufferNames,
} from "../../engine/detect/buffers.ts";

import { maybeUnquote, splitArgs, type Keyword } from "./keyword.ts";

/** Suricata's legacy content modifiers: they move the previous content, they do not open a buffer. */
export const LEGACY_MODIFIERS: readonly string[] = [
  "http_uri", "http_raw_uri", "http_method", "http_header", "http_raw_header", "http_cookie",
  "http_client_body", "http_server_body", "http_stat_code", "http_stat_msg", "http_user_agent", "http_host",
  "http_raw_host", "http_referer",
];

/**
 * Header buffers Suricata accepts only when the rule's protocol can carry that header (ipv4.hdr/ipv6.hdr
 * go with any): IP protocol numbers that may, -1 standing for `ip` (any).
 */
const HEADER_PROTOS: ReadonlyArray<readonly [number, string, readonly number[]]> = [
  [BUF_TCP_HDR, "tcp", [6, -1]],
  [BUF_UDP_HDR, "udp", [17, -1]],
  [BUF_ICMPV4_HDR, "icmp", [1, -1]],
  [BUF_ICMPV6_HDR, "icmpv6", [58, -1]],
];

function sticky(name: string, buffer: number): Keyword {
  return {
    name,
    // Suricata 8: a two-way buffer may name its direction (`file.data:to_client;`).
    value: buffer === BUF_PAYLOAD ? "none" : "optional",
    parse(v, ctx) {
      let direction: "to_server" | "to_client" | undefined;
      const t = v.trim();
      if (t === "to_server" || t === "to_client") direction = t;
      else if (t !== "") return ctx.fail(`"${name}" takes no value, or to_server / to_client`);
      const bufDir = BUFFER_DIR[buffer];
      if (direction !== undefined && bufDir !== 2 && (bufDir === 0) !== (direction === "to_server")) {
        return ctx.fail(`"${name}" exists only ${bufDir === 0 ? "to_server" : "to_client"}, not ${direction}`);
      }
      if (buffer === BUF_BASE64_DATA) {
        const decoded = ctx.rule.blocks.some((b) => b.matches.some((m) => m.kind === "base64_decode"));
        if (!decoded) return ctx.fail(`"base64_data" needs a base64_decode before it`);
      }
      for (const [id, proto, protos] of HEADER_PROTOS) {
        const h = ctx.rule.header;
        if (id === buffer && !protos.includes(h.ipProto) && !(id === BUF_ICMPV6_HDR && h.anyIcmp)) {
          return ctx.fail(`"${name}" needs a rule for ${proto} (the header says protocol ${h.ipProto})`);
        }
      }
      ctx.openSticky(buffer);
      if (direction !== undefined && ctx.sticky !== null) ctx.sticky.direction = direction;
    },
  };
}

function legacy(name: string, buffer: number): Keyword {
  return {
    name,
    value: "none",
    parse(_v, ctx) {
      if (ctx.sticky !== null) {
        return ctx.fail(`"${name}" is a content modifier and cannot follow sticky buffer "${bufferName(ctx.sticky.buffer)}" (use pkt_data first)`);
      }
      const { m } = ctx.lastContent();
      if (m.rawbytes) return ctx.fail(`"${name}" cannot be combined with rawbytes`);
      ctx.moveTo(m, buffer);
    },
  };
}

/** One keyword per sticky-buffer spelling and per legacy modifier. */
export function bufferKeywords(): Keyword[] {
  const out: Keyword[] = [];
  for (const name of bufferNames()) {
    const id = bufferByName(name);
    out.push(LEGACY_MODIFIERS.includes(name) ? legacy(name, id) : sticky(name, id));
  }
  out.push(sticky("pkt_data", BUF_PAYLOAD));
  return out;
}

function addTransform(t: Transform, ctx: Parameters<Keyword["parse"]>[1]): void {
  const b = ctx.sticky;
  if (b === null) return ctx.fail(`transform "${ctx.name}" needs a sticky buffer before it`);
  if (b.matches.length > 0) {
    // As Suricata: matches before the transform inspect the plain buffer; later ones the transformed one.
    ctx.openSticky(b.buffer);
    const nb = ctx.sticky ?? b;
    if (b.direction !== undefined) nb.direction = b.direction;
    nb.transforms.push(t);
    return;
  }
  b.transforms.push(t);
}

const SIMPLE_TRANSFORMS = [
  "url_decode", "strip_whitespace", "compress_whitespace", "dotprefix", "to_lowercase", "to_uppercase",
  "to_md5", "to_sha1", "to_sha256", "header_lowercase", "strip_pseudo_headers",
] as const;

export function transformKeywords(): Keyword[] {
  const out: Keyword[] = SIMPLE_TRANSFORMS.map((name) => ({
    name,
    value: "none" as const,
    parse: (_v: string, ctx: Parameters<Keyword["parse"]>[1]) => addTransform(name, ctx),
  }));
  out.push({
    name: "pcrexform",
    value: "required",
    parse(v, ctx) {
      // keep the backslashes: they belong to the regular expression (as for pcre)
      const t = v.trim();
      const q = t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"' ? t.slice(1, -1) : null;
      if (q === null || q === "") return ctx.fail(`"pcrexform" needs a quoted regular expression`);
      addTransform({ pcrexform: q }, ctx);
    },
  });
  out.push({
    name: "xor",
    value: "required",
    parse(v, ctx) {
      const q = maybeUnquote(v);
      if (!/^([0-9a-fA-F]{2})+$/.test(q)) return ctx.fail(`"xor" needs a quoted even-length hex key like "0d0ac8ff"`);
      const key = Uint8Array.from((q.match(/../g) as string[]).map((x) => parseInt(x, 16)));
      addTransform({ xor: key }, ctx);
    },
  });
  return out;
}

export const base64Decode: Keyword = {
  name: "base64_decode",
  value: "optional",
  parse(v, ctx) {
    const m: Base64DecodeMatch = { kind: "base64_decode", pos: ctx.pos, bytes: 0, offset: 0, relative: false };
    if (v.trim() !== "") {
      for (const part of splitArgs(v)) {
        const [k, val] = part.split(/\s+/, 2);
        if (k === "relative" && val === undefined) m.relative = true;
        else if (k === "bytes") m.bytes = ctx.uint(val ?? "", 0xffffffff, false);
        else if (k === "offset") m.offset = ctx.uint(val ?? "", 0xffffffff, false);
        else return ctx.fail(`"base64_decode" has unknown option ${JSON.stringify(part)} (bytes N, offset N, relative)`);
      }
    }
    ctx.addMatch(m);
  },
};

export const urilen: Keyword = {
  name: "urilen",
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.urilen !== undefined) return ctx.fail(`"urilen" given twice`);
    const [c, mode] = splitArgs(v);
    if (mode !== undefined && mode !== "raw" && mode !== "norm") return ctx.fail(`"urilen" mode must be raw or norm`);
    ctx.rule.packet.urilen = { cmp: ctx.numCmp(c, 65535), raw: mode === "raw" };
  },
};

export const noalert: Keyword = {
  name: "noalert",
  value: "none",
  parse(_v, ctx) {
    ctx.rule.noalert = true;
  },
};

/** `alert;` (Suricata 7+): alert even when the action does not (`pass ... (alert; ...)`, "alert then pass"). */
export const alertKeyword: Keyword = {
  name: "alert",
  value: "none",
  parse(_v, ctx) {
    ctx.rule.forceAlert = true;
  },
};

export const tag: Keyword = {
  name: "tag",
  value: "required",
  parse(v, ctx) {
    const p = splitArgs(v);
    const scope = p[0];
    if (scope !== "session" && scope !== "host") return ctx.fail(`"tag" scope must be session or host`);
    const t: NonNullable<typeof ctx.rule.tag> = { scope, count: 256, metric: "packets" };
    if (p.length >= 3) {
      t.count = ctx.uint(p[1], 0xffffffff, false);
      const metric = p[2];
      if (metric !== "packets" && metric !== "seconds" && metric !== "bytes") return ctx.fail(`"tag" metric must be packets, seconds or bytes`);
      t.metric = metric;
    } else if (p.length === 2) ctx.fail(`"tag" takes SCOPE[,COUNT,METRIC[,src|dst]]`);
    if (p.length >= 4) {
      if (p[3] !== "src" && p[3] !== "dst") return ctx.fail(`"tag" direction must be src or dst`);
      t.direction = p[3];
    }
    if (p.length > 4) return ctx.fail(`"tag" takes SCOPE[,COUNT,METRIC[,src|dst]]`);
    if (scope === "host" && t.direction === undefined && p.length >= 3) return ctx.fail(`"tag:host" needs src or dst`);
    if (ctx.rule.tag === null) ctx.rule.tag = t;
    else (ctx.rule.tagMore ??= []).push(t);
  },
};

