/**
 * HTTP/1.x app-layer events, named as Suricata names libhtp's (`app-layer-event:http.<name>` in rules,
 * `anomaly.event` in EVE). Registered once at module load through `defineAnomaly`.
 *
 * Only constants: nothing here runs per packet.
 *
 * @example
 * ```ts
 * import { A_HTTP_DOUBLE_ENCODED_URI } from "./events.ts";
 * sink.event(A_HTTP_DOUBLE_ENCODED_URI);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";

const ev = (name: string): number => defineAnomaly("http." + name, "applayer");

export const A_HTTP_GZIP_DECOMPRESSION_FAILED = ev("gzip_decompression_failed");
export const A_HTTP_REQUEST_FIELD_MISSING_COLON = ev("request_field_missing_colon");
export const A_HTTP_RESPONSE_FIELD_MISSING_COLON = ev("response_field_missing_colon");
export const A_HTTP_INVALID_REQUEST_CHUNK_LEN = ev("invalid_request_chunk_len");
export const A_HTTP_INVALID_RESPONSE_CHUNK_LEN = ev("invalid_response_chunk_len");
export const A_HTTP_INVALID_TE_IN_REQUEST = ev("invalid_transfer_encoding_value_in_request");
export const A_HTTP_INVALID_TE_IN_RESPONSE = ev("invalid_transfer_encoding_value_in_response");
export const A_HTTP_INVALID_CL_IN_REQUEST = ev("invalid_content_length_field_in_request");
export const A_HTTP_INVALID_CL_IN_RESPONSE = ev("invalid_content_length_field_in_response");
export const A_HTTP_DUPLICATE_CL_IN_REQUEST = ev("duplicate_content_length_field_in_request");
export const A_HTTP_DUPLICATE_CL_IN_RESPONSE = ev("duplicate_content_length_field_in_response");
export const A_HTTP_100_CONTINUE_ALREADY_SEEN = ev("100_continue_already_seen");
export const A_HTTP_UNABLE_TO_MATCH_RESPONSE = ev("unable_to_match_response_to_request");
export const A_HTTP_REQUEST_HEADER_INVALID = ev("request_header_invalid");
export const A_HTTP_RESPONSE_HEADER_INVALID = ev("response_header_invalid");
export const A_HTTP_MISSING_HOST_HEADER = ev("missing_host_header");
export const A_HTTP_HOST_HEADER_AMBIGUOUS = ev("host_header_ambiguous");
export const A_HTTP_INVALID_REQUEST_FIELD_FOLDING = ev("invalid_request_field_folding");
export const A_HTTP_INVALID_RESPONSE_FIELD_FOLDING = ev("invalid_response_field_folding");
export const A_HTTP_REQUEST_FIELD_TOO_LONG = ev("request_field_too_long");
export const A_HTTP_RESPONSE_FIELD_TOO_LONG = ev("response_field_too_long");
export const A_HTTP_REQUEST_HEADER_REPETITION = ev("request_header_repetition");
export const A_HTTP_RESPONSE_HEADER_REPETITION = ev("response_header_repetition");
export const A_HTTP_DOUBLE_ENCODED_URI = ev("double_encoded_uri");
export const A_HTTP_METHOD_DELIM_NON_COMPLIANT = ev("method_delim_non_compliant");
export const A_HTTP_URI_DELIM_NON_COMPLIANT = ev("uri_delim_non_compliant");
export const A_HTTP_REQUEST_LINE_LEADING_WHITESPACE = ev("request_line_leading_whitespace");
export const A_HTTP_REQUEST_LINE_INVALID = ev("request_line_invalid");
export const A_HTTP_RESPONSE_INVALID_PROTOCOL = ev("response_invalid_protocol");
export const A_HTTP_RESPONSE_INVALID_STATUS = ev("response_invalid_status");
export const A_HTTP_RESPONSE_CHUNKED_OLD_PROTO = ev("response_chunked_old_proto");
export const A_HTTP_REQUEST_CHUNK_EXTENSION = ev("request_chunk_extension");
export const A_HTTP_REQUEST_TOO_MANY_HEADERS = ev("request_too_many_headers");
export const A_HTTP_RESPONSE_TOO_MANY_HEADERS = ev("response_too_many_headers");
export const A_HTTP_ABNORMAL_CE_HEADER = ev("abnormal_ce_header");
export const A_HTTP_REQUEST_BODY_UNEXPECTED = ev("request_body_unexpected");
