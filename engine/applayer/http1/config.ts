/**
 * HTTP/1.x parser configuration: pool size and the per-flow inspection limits, with Suricata-like
 * defaults. Cold path: `resolveHttp1Config` validates and throws errors a person can act on.
 *
 * Memory: every slot owns `maxTxPerFlow` request heads + one response head (`maxHeaderBytes` each) and
 * one body buffer per direction (`requestBodyLimit`, `responseBodyLimit`); see `http1SlotBytes`.
 * Decompression uses `maxInflaters` shared inflaters of ~48 KiB each (32 KiB window + Huffman decoding tables).
 *
 * @example
 * ```ts
 * import { resolveHttp1Config, http1SlotBytes } from "./config.ts";
 * const cfg = resolveHttp1Config({ maxStates: 1024 });
 * console.log(http1SlotBytes(cfg)); // 212992 with the defaults
 * ```
 */

export interface Http1Config {
  /** Flows parsed at once (pool slots). */
  maxStates: number;
  /** Bytes of one start line + header block kept for inspection (libhtp's field limit is 18000). */
  maxHeaderBytes: number;
  /** Request body bytes kept for `http.request_body` (Suricata `request-body-limit`). */
  requestBodyLimit: number;
  /** Response body bytes kept (decompressed) for `http.response_body` / `file.data` (`response-body-limit`). */
  responseBodyLimit: number;
  /** Pipelined requests awaiting their responses per flow. */
  maxTxPerFlow: number;
  /** Headers per message that are parsed into the normalised buffers. */
  maxHeaders: number;
  /** Inflaters shared by all flows (a gzip/deflate body holds one while it is being received). */
  maxInflaters: number;
}

export const HTTP1_DEFAULTS: Readonly<Http1Config> = {
  maxStates: 256,
  maxHeaderBytes: 16384,
  requestBodyLimit: 65536,
  responseBodyLimit: 65536,
  maxTxPerFlow: 4,
  maxHeaders: 128,
  maxInflaters: 64,
};

/** Fills defaults and validates (throws an Error naming the bad setting). */
export function resolveHttp1Config(partial: Partial<Http1Config> = {}): Http1Config {
  const cfg: Http1Config = { ...HTTP1_DEFAULTS, ...partial };
  const check = (name: keyof Http1Config, min: number, max: number): void => {
    const v = cfg[name];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`http1.${name}: ${v} is not an integer between ${min} and ${max}`);
    }
  };
  check("maxStates", 1, 1 << 20);
  check("maxHeaderBytes", 256, 1 << 20);
  check("requestBodyLimit", 0, 1 << 26);
  check("responseBodyLimit", 0, 1 << 26);
  check("maxTxPerFlow", 1, 64);
  check("maxHeaders", 1, 4096);
  check("maxInflaters", 0, 1 << 16);
  return cfg;
}

/** Bytes of typed-array storage one flow slot holds. */
export function http1SlotBytes(cfg: Http1Config): number {
  return (cfg.maxTxPerFlow + 1) * cfg.maxHeaderBytes + cfg.requestBodyLimit + cfg.responseBodyLimit;
}
