/**
 * App-layer keywords that test a protocol fact rather than a buffer: `app-layer-protocol`,
 * `dcerpc.iface` (`dce_iface`), `dcerpc.opnum` (`dce_opnum`), `tls.version`, `ssl_version`, `ssl_state`.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // app-layer-protocol:!tls; dcerpc.iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,<3; dcerpc.opnum:0-3,15;
 * ```
 */
import { alprotoByName, ALPROTO_FAILED } from "../../engine/applayer/proto.ts";
import type { NumCmp } from "../ast.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

export const appLayerProtocol: Keyword = {
  name: "app-layer-protocol",
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.appLayerProtocol !== undefined) return ctx.fail(`"app-layer-protocol" given twice`);
    let t = v.trim().split(",")[0].trim();
    let negated = false;
    if (t.startsWith("!")) {
      negated = true;
      t = t.slice(1).trim();
    }
    const proto = t === "failed" ? ALPROTO_FAILED : alprotoByName(t);
    if (proto <= 0) return ctx.fail(`unsupported protocol: ${t} (app-layer-protocol)`, `unsupported protocol: ${t}`);
    ctx.rule.packet.appLayerProtocol = { negated, proto };
  },
};

/** UUID text → 16 bytes as DCERPC carries it (NDR little-endian: first three fields byte-swapped). */
function uuidBytes(s: string): Uint8Array | null {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(s);
  if (m === null) return null;
  const hex = (h: string) => (h.match(/../g) as string[]).map((x) => parseInt(x, 16));
  return Uint8Array.from([...hex(m[1]).reverse(), ...hex(m[2]).reverse(), ...hex(m[3]).reverse(), ...hex(m[4]), ...hex(m[5])]);
}

export const dcerpcIface: Keyword = {
  name: "dcerpc.iface",
  aliases: ["dce_iface"],
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.dcerpcIface !== undefined) return ctx.fail(`"${ctx.name}" given twice`);
    const p = splitArgs(v);
    const uuid = uuidBytes(p[0]);
    if (uuid === null) return ctx.fail(`"${ctx.name}" needs a UUID like 4b324fc8-1670-01d3-1278-5a47bf6ee188`);
    const r: { uuid: Uint8Array; version?: NumCmp; anyFrag: boolean } = { uuid, anyFrag: false };
    for (const o of p.slice(1)) {
      if (o === "any_frag") r.anyFrag = true;
      else {
        const m = /^(<|>|=|!)\s*([0-9]+)$/.exec(o);
        if (m === null || r.version !== undefined) return ctx.fail(`"${ctx.name}" option ${JSON.stringify(o)} is not <N, >N, =N, !N or any_frag`);
        const a = Number(m[2]);
        if (a > 65535) return ctx.fail(`"${ctx.name}" version ${a} is out of range (0-65535)`);
        r.version = { op: m[1] === "!" ? "!=" : (m[1] as NumCmp["op"]), a, b: 0 };
      }
    }
    ctx.rule.packet.dcerpcIface = r;
  },
};

export const dcerpcOpnum: Keyword = {
  name: "dcerpc.opnum",
  aliases: ["dce_opnum"],
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.dcerpcOpnum !== undefined) return ctx.fail(`"${ctx.name}" given twice`);
    const out: Array<[number, number]> = [];
    for (const part of splitArgs(v)) {
      const m = /^([0-9]+)(?:\s*-\s*([0-9]+))?$/.exec(part);
      if (m === null) return ctx.fail(`"${ctx.name}" takes opnums and ranges like 0,3,10-15; got ${JSON.stringify(part)}`);
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (b < a || b > 65535) return ctx.fail(`"${ctx.name}" range ${part} is invalid`);
      out.push([a, b]);
    }
    ctx.rule.packet.dcerpcOpnum = out;
  },
};

const TLS_VERSIONS: Record<string, number> = {
  sslv2: 0x0200, sslv3: 0x0300, "tls1.0": 0x0301, "tls1.1": 0x0302, "tls1.2": 0x0303, "tls1.3": 0x0304,
  "1.0": 0x0301, "1.1": 0x0302, "1.2": 0x0303, "1.3": 0x0304,
};

export const tlsVersion: Keyword = {
  name: "tls.version",
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.tlsVersion !== undefined) return ctx.fail(`"${ctx.name}" given twice (tls.version / ssl_version)`);
    const t = v.trim().toLowerCase();
    const n = TLS_VERSIONS[t] ?? (/^0x[0-9a-f]{1,4}$/.test(t) ? Number(t) : undefined);
    if (n === undefined) return ctx.fail(`"tls.version" must be 1.0, 1.1, 1.2, 1.3 or a hex version like 0x0303`);
    ctx.rule.packet.tlsVersion = { negated: false, versions: [n] };
  },
};

export const sslVersion: Keyword = {
  name: "ssl_version",
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.tlsVersion !== undefined) return ctx.fail(`"${ctx.name}" given twice (tls.version / ssl_version)`);
    const versions: number[] = [];
    let neg: boolean | null = null;
    for (let w of splitArgs(v)) {
      const n = w.startsWith("!");
      if (n) w = w.slice(1).trim();
      if (neg !== null && neg !== n) return ctx.fail(`"ssl_version" cannot mix negated and plain versions`);
      neg = n;
      const ver = w.startsWith("tls") || w.startsWith("ssl") ? TLS_VERSIONS[w.toLowerCase()] : undefined;
      if (ver === undefined) return ctx.fail(`"ssl_version" version ${JSON.stringify(w)} is not one of sslv2 sslv3 tls1.0 tls1.1 tls1.2 tls1.3`);
      versions.push(ver);
    }
    ctx.rule.packet.tlsVersion = { negated: neg === true, versions };
  },
};

const SSL_STATES: Record<string, number> = { client_hello: 1, server_hello: 2, client_keyx: 4, server_keyx: 8, unknown: 16 };

export const sslState: Keyword = {
  name: "ssl_state",
  value: "required",
  parse(v, ctx) {
    const s = ctx.rule.packet.sslState ?? { anyOf: 0, noneOf: 0 };
    for (let w of v.split(/[|,]/).map((x) => x.trim())) {
      const neg = w.startsWith("!");
      if (neg) w = w.slice(1).trim();
      const bit = SSL_STATES[w];
      if (bit === undefined) return ctx.fail(`"ssl_state" state ${JSON.stringify(w)} is not one of ${Object.keys(SSL_STATES).join(" ")}`);
      if (neg) s.noneOf |= bit;
      else s.anyOf |= bit;
    }
    ctx.rule.packet.sslState = s;
  },
};
