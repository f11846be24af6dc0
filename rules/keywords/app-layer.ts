/**
 * App-layer keywords that test a protocol fact rather than a buffer: `app-layer-protocol`, `app-layer-event`,
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
import type { AppLayerProtocolTest, NumCmp } from "../ast.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

const ALPROTO_MODES = ["direction", "final", "original", "either", "to_server", "to_client"] as const;

export const appLayerProtocol: Keyword = {
  name: "app-layer-protocol",
  value: "required",
  parse(v, ctx) {
    const comma = v.indexOf(",");
    let t = (comma < 0 ? v : v.slice(0, comma)).trim();
    const modeText = comma < 0 ? null : v.slice(comma + 1).trim();
    let negated = false;
    if (t.startsWith("!")) {
      negated = true;
      t = t.slice(1).trim();
    }
    const proto = t === "failed" ? ALPROTO_FAILED : alprotoByName(t);
    if (proto <= 0) return ctx.fail(`unsupported protocol: ${t} (app-layer-protocol)`, `unsupported protocol: ${t}`);
    const test: AppLayerProtocolTest = { negated, proto };
    if (modeText !== null) {
      if (!(ALPROTO_MODES as readonly string[]).includes(modeText)) {
        return ctx.fail(`"app-layer-protocol" mode ${JSON.stringify(modeText)} is not one of ${ALPROTO_MODES.join(" ")}`);
      }
      test.mode = modeText as AppLayerProtocolTest["mode"];
    }
    // Several are allowed (all must hold) as in Suricata, except, for the same mode: a second positive
    // one, a positive with a negated one, or the same protocol twice.
    const pt = ctx.rule.packet;
    const mode = test.mode ?? "direction";
    for (const o of pt.appLayerProtocol === undefined ? [] : [pt.appLayerProtocol, ...(pt.appLayerProtocolMore ?? [])]) {
      if ((o.mode ?? "direction") !== mode) continue;
      if (!negated || !o.negated || o.proto === proto) {
        return ctx.fail(`"app-layer-protocol": cannot combine a positive match with another match for the same mode (only several negated ones)`);
      }
    }
    if (pt.appLayerProtocol === undefined) pt.appLayerProtocol = test;
    else (pt.appLayerProtocolMore ??= []).push(test);
  },
};

/**
 * `app-layer-event:<proto>.<event>` (`http.request_field_missing_colon`) or a general
 * `app-layer-event:applayer_<event>`: the app-layer parser raised that event on the flow.
 */
export const appLayerEvent: Keyword = {
  name: "app-layer-event",
  value: "required",
  parse(v, ctx) {
    const t = v.trim();
    const dot = t.indexOf(".");
    if (dot < 0) {
      if (!/^applayer_[a-z0-9_]+$/.test(t)) {
        return ctx.fail(`"app-layer-event" needs <protocol>.<event> (e.g. http.request_field_missing_colon) or applayer_<event>, got ${JSON.stringify(t)}`);
      }
    } else {
      const proto = t.slice(0, dot);
      const event = t.slice(dot + 1);
      if (alprotoByName(proto) <= 0) return ctx.fail(`unsupported protocol: ${proto} (app-layer-event)`, `unsupported protocol: ${proto}`);
      if (!/^[a-z0-9_.]+$/.test(event)) return ctx.fail(`"app-layer-event" event name ${JSON.stringify(event)} is not valid`);
    }
    (ctx.rule.packet.appLayerEvents ??= []).push(t);
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

const SSL_VERSION_WORDS = ["sslv2", "sslv3", "tls1.0", "tls1.1", "tls1.2", "tls1.3"];

/**
 * `ssl_version:[!]v1,v2,...` as Suricata 7+: a leading `!` negates the whole list (`!tls1.3,tls1.2` is
 * "neither 1.3 nor 1.2"); words are case-insensitive, separated by commas and/or spaces, no duplicates.
 * In a negated list later words may repeat the "!" (the older spelling `!sslv3,!tls1.0`).
 */
export const sslVersion: Keyword = {
  name: "ssl_version",
  value: "required",
  parse(v, ctx) {
    if (ctx.rule.packet.tlsVersion !== undefined) return ctx.fail(`"${ctx.name}" given twice (tls.version / ssl_version)`);
    let t = v.trim();
    const negated = t.startsWith("!");
    if (negated) t = t.slice(1);
    const versions: number[] = [];
    for (const w of t.split(/[\s,]+/).filter((x) => x !== "")) {
      // Older Suricata wrote each negated version with its own "!" (`!sslv3,!tls1.0`): same meaning.
      const lw = (negated && w.startsWith("!") ? w.slice(1) : w).toLowerCase();
      if (!SSL_VERSION_WORDS.includes(lw)) return ctx.fail(`"ssl_version" version ${JSON.stringify(w)} is not one of ${SSL_VERSION_WORDS.join(" ")} (a "!" may only lead the list)`);
      const ver = TLS_VERSIONS[lw];
      if (versions.includes(ver)) return ctx.fail(`"ssl_version" lists ${w} twice`);
      versions.push(ver);
    }
    if (versions.length === 0) return ctx.fail(`"ssl_version" needs at least one version`);
    ctx.rule.packet.tlsVersion = { negated, versions };
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
