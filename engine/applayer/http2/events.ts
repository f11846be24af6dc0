/**
 * HTTP/2 app-layer events, named as Suricata names them (`http2.*` in EVE `anomaly` records and in
 * `app-layer-event:` rules). Module-load registration only; nothing here runs per packet.
 *
 * @example
 * ```ts
 * import { A_HTTP2_INVALID_FRAME_LENGTH } from "./events.ts";
 * sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";

const ev = (name: string): number => defineAnomaly("http2." + name, "applayer");

export const A_HTTP2_INVALID_FRAME_HEADER = ev("invalid_frame_header");
export const A_HTTP2_INVALID_CLIENT_MAGIC = ev("invalid_client_magic");
export const A_HTTP2_INVALID_FRAME_DATA = ev("invalid_frame_data");
export const A_HTTP2_INVALID_FRAME_LENGTH = ev("invalid_frame_length");
export const A_HTTP2_EXTRA_HEADER_DATA = ev("extra_header_data");
export const A_HTTP2_LONG_FRAME_DATA = ev("long_frame_data");
export const A_HTTP2_STREAM_ID_REUSE = ev("stream_id_reuse");
export const A_HTTP2_FAILED_DECOMPRESSION = ev("failed_decompression");
export const A_HTTP2_TOO_MANY_STREAMS = ev("too_many_streams");
export const A_HTTP2_AUTHORITY_HOST_MISMATCH = ev("authority_host_mismatch");
export const A_HTTP2_USERINFO_IN_URI = ev("userinfo_in_uri");
export const A_HTTP2_REASSEMBLY_LIMIT_REACHED = ev("reassembly_limit_reached");
export const A_HTTP2_DATA_STREAM_ZERO = ev("data_stream_zero");
