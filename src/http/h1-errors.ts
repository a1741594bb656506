/**
 * HTTP/1 message verdicts: every way the parser refuses a message, with the
 * status haproxy 2.6 answers, and the list of things haproxy accepts and
 * normalizes instead of refusing.
 *
 * All of it was established by sending crafted messages through a real
 * haproxy 2.6.12 (`mode http`) and a recording origin; see
 * test/compat/http/h1-verdicts.test.ts, which re-checks the verdicts.
 *
 * Where each verdict comes from in haproxy:
 *  - src/h1.c `h1_headers_to_hdr_list()`: byte-level errors (start line,
 *    header names, bare CR, Content-Length / Transfer-Encoding syntax,
 *    duplicate Host, authority vs Host). These are the ones that
 *    `option accept-invalid-http-request|response` may relax.
 *  - src/h1_htx.c `h1_parse_msg_hdrs()`: the HTX size check (head too large),
 *    then 413 for HTTP/1.0 GET/HEAD/DELETE with a payload, then 422 for a
 *    transfer-coding other than chunked, then the websocket key check.
 *  - src/mux_h1.c: request errors are answered by the mux itself with the raw
 *    built-in error message (see default-errors.ts) and the connection is
 *    closed; response errors reach the stream, which answers 502.
 */

/** Stable codes of the HTTP/1 parser errors (documented in docs/errors.md). */
export type H1ErrorCode =
  | 'H1_INVALID_METHOD'
  | 'H1_INVALID_URI'
  | 'H1_INVALID_VERSION'
  | 'H1_INVALID_STATUS'
  | 'H1_BARE_CR'
  | 'H1_INVALID_HEADER_NAME'
  | 'H1_EMPTY_HEADER_NAME'
  | 'H1_HEADER_WITHOUT_COLON'
  | 'H1_INVALID_CONTENT_LENGTH'
  | 'H1_CONFLICTING_CONTENT_LENGTH'
  | 'H1_INVALID_TRANSFER_ENCODING'
  | 'H1_UNSUPPORTED_TRANSFER_ENCODING'
  | 'H1_CONFLICTING_HOST'
  | 'H1_AUTHORITY_MISMATCH'
  | 'H1_INVALID_CONNECT_AUTHORITY'
  | 'H1_HTTP10_PAYLOAD_FORBIDDEN'
  | 'H1_WEBSOCKET_KEY_MISSING'
  | 'H1_WEBSOCKET_ACCEPT_MISSING'
  | 'H1_UNEXPECTED_SWITCHING_PROTOCOLS'
  | 'H1_HEAD_TOO_LARGE'
  | 'H1_TOO_MANY_HEADERS'
  | 'H1_TRAILERS_TOO_LARGE'
  | 'H1_TOO_MANY_TRAILERS'
  | 'H1_INVALID_CHUNK_SIZE'
  | 'H1_INVALID_CHUNK_END'
  | 'H1_TRUNCATED';

/** What haproxy does with a message that has this error. */
export interface H1ErrorVerdict {
  /** Status answered to the client when a request has this error. */
  readonly requestStatus: 400 | 413 | 422;
  /** Status answered to the client when a server response has this error (before anything was forwarded). */
  readonly responseStatus: 502;
  /** `option accept-invalid-http-request|response` turns this error into an accepted message. */
  readonly relaxedByAcceptInvalid: boolean;
  /** One line: what is wrong. */
  readonly meaning: string;
}

/**
 * Every error code with haproxy's answer. Request errors close the client
 * connection after the answer; a 502 keeps it open when it was keep-alive.
 */
export const H1_VERDICTS: Readonly<Record<H1ErrorCode, H1ErrorVerdict>> = {
  H1_INVALID_METHOD: v(400, false, 'The method holds a character that is not a token character (RFC 9110 §5.6.2), or the start line does not begin with one.'),
  H1_INVALID_URI: v(400, true, "The request target holds a control character or DEL (always refused), or '#' / a byte >= 0x80 (accepted by accept-invalid-http-request)."),
  H1_INVALID_VERSION: v(400, true, 'The version is not HTTP/<digit>.<digit>, has characters other than H, T, P, /, ., digits, or is missing (HTTP/0.9: accept-invalid only, GET with a target only).'),
  H1_INVALID_STATUS: v(400, false, 'The status code of a response is empty or not made of digits.'),
  H1_BARE_CR: v(400, false, 'A CR not followed by LF (RFC 9112 §2.2). Bare LF line ends are accepted.'),
  H1_INVALID_HEADER_NAME: v(400, true, "A header name holds a non-token character, e.g. a space before the colon or a line that starts with a space right after the start line."),
  H1_EMPTY_HEADER_NAME: v(400, false, 'A header line starts with a colon.'),
  H1_HEADER_WITHOUT_COLON: v(400, false, 'A header line ends before any colon.'),
  H1_INVALID_CONTENT_LENGTH: v(400, false, 'Content-Length is empty, not a comma-separated list of digits, or above 2^64-1.'),
  H1_CONFLICTING_CONTENT_LENGTH: v(400, false, 'Several Content-Length values (in one header or several) that differ.'),
  H1_INVALID_TRANSFER_ENCODING: v(400, false, "Transfer-Encoding applies chunked twice, or (requests) has a coding after chunked or does not end with chunked (RFC 9112 §6.3)."),
  H1_UNSUPPORTED_TRANSFER_ENCODING: v(422, false, 'Transfer-Encoding has a coding other than chunked (gzip, identity, an empty element...): 422 for requests, 502 for responses.'),
  H1_CONFLICTING_HOST: v(400, false, 'Two Host headers with different values (identical ones are merged).'),
  H1_AUTHORITY_MISMATCH: v(400, true, 'An absolute-form target whose authority differs from the Host header (default ports of http/https tolerated).'),
  H1_INVALID_CONNECT_AUTHORITY: v(400, true, 'A CONNECT target without a port, or a Host header that does not match it.'),
  H1_HTTP10_PAYLOAD_FORBIDDEN: v(413, false, 'An HTTP/1.0 GET, HEAD or DELETE request with a non-zero Content-Length or a chunked body.'),
  H1_WEBSOCKET_KEY_MISSING: v(400, false, 'A request with Connection: upgrade and Upgrade: websocket but no (or an empty) Sec-WebSocket-Key.'),
  H1_WEBSOCKET_ACCEPT_MISSING: v(400, false, 'A 101 response upgrading to websocket without Sec-WebSocket-Accept (502).'),
  H1_UNEXPECTED_SWITCHING_PROTOCOLS: v(400, false, 'A 101 response to a request that did not ask for an upgrade (or had a body), or without Connection: upgrade (502).'),
  H1_HEAD_TOO_LARGE: v(400, false, 'The head does not fit: raw bytes > tune.bufsize, or its HTX size > tune.bufsize - tune.maxrewrite.'),
  H1_TOO_MANY_HEADERS: v(400, false, 'More than tune.http.maxhdr - 1 header fields.'),
  H1_TRAILERS_TOO_LARGE: v(400, false, 'The trailer section does not fit in tune.bufsize - tune.maxrewrite once converted to HTX.'),
  H1_TOO_MANY_TRAILERS: v(400, false, 'More than tune.http.maxhdr - 1 trailer fields.'),
  H1_INVALID_CHUNK_SIZE: v(400, false, 'A chunk-size line that is not 1*HEXDIG *WSP [";" ext] CRLF, or a size of 2^52 or more.'),
  H1_INVALID_CHUNK_END: v(400, false, 'Chunk data not followed by CRLF (or LF).'),
  H1_TRUNCATED: v(400, false, 'The connection ended in the middle of a message (a request is aborted; a response not yet started gets 502).'),
};

function v(requestStatus: 400 | 413 | 422, relaxed: boolean, meaning: string): H1ErrorVerdict {
  return { requestStatus, responseStatus: 502, relaxedByAcceptInvalid: relaxed, meaning };
}

/** Which side of the proxy sent the faulty bytes (DESIGN.md: errors say where they came from). */
export type H1Side = 'client' | 'server';

/**
 * A refused HTTP/1 message. `status` is what the proxy answers the client:
 * the request verdict when the client sent it, 502 when the server did.
 */
export class H1Error extends Error {
  readonly code: H1ErrorCode;
  readonly side: H1Side;
  /** Offset of the offending byte in the buffer that was being parsed. */
  readonly offset: number;
  readonly status: number;
  /** Never retried: the same bytes would be refused again. */
  readonly retryable = false;

  constructor(code: H1ErrorCode, side: H1Side, offset: number, detail?: string) {
    const verdict = H1_VERDICTS[code];
    super(detail ?? verdict.meaning);
    this.name = 'H1Error';
    this.code = code;
    this.side = side;
    this.offset = offset;
    this.status = side === 'client' ? verdict.requestStatus : verdict.responseStatus;
  }
}

/** Something haproxy accepts but rewrites on the way through. */
export interface H1Normalization {
  readonly what: string;
  readonly becomes: string;
  /** Where it is implemented: the parser marks it on the head, the writer applies it, or the stream must do it. */
  readonly by: 'parser' | 'writer' | 'stream';
}

/**
 * What haproxy 2.6 accepts and normalizes instead of refusing (observed on
 * the wire between haproxy and the origin, or haproxy and the client).
 */
export const H1_NORMALIZATIONS: readonly H1Normalization[] = [
  { what: 'Header names in any case', becomes: 'lowercased on output (no h1-case-adjust)', by: 'writer' },
  { what: 'Duplicate identical Content-Length, or "3, 3"', becomes: 'a single `content-length: 3`', by: 'parser' },
  { what: 'Content-Length with Transfer-Encoding: chunked (any order)', becomes: 'Content-Length dropped; a request then closes the client connection after its response', by: 'parser' },
  { what: 'Transfer-Encoding value (`CHUNKED`, `chunked,`)', becomes: 'forwarded as written', by: 'writer' },
  { what: 'Duplicate identical Host', becomes: 'a single Host', by: 'parser' },
  { what: 'Connection: close / keep-alive tokens', becomes: 'removed from the value; the header is dropped when nothing is left; the stream writes its own', by: 'parser' },
  { what: 'obs-fold (a line starting with SP/HT after a header)', becomes: 'the CR and LF replaced by spaces: `a\\r\\n b` → `a   b`', by: 'parser' },
  { what: 'Bare LF line ends, leading empty lines', becomes: 'CRLF on output; empty lines before the start line skipped', by: 'writer' },
  { what: 'Spaces and tabs around values and between start-line parts', becomes: 'trimmed; single spaces in the start line', by: 'writer' },
  { what: 'HTTP/1.1+ and HTTP/2.0+ versions in a message', becomes: '`HTTP/1.1` on output; HTTP/1.0 and (accept-invalid) odd versions kept as written', by: 'writer' },
  { what: 'HTTP/0.9 request (accept-invalid only)', becomes: 'HTTP/1.0 request without headers', by: 'parser' },
  { what: 'Absolute-form target with a default port', becomes: 'port removed from the target and from Host (http_scheme_based_normalize)', by: 'stream' },
  { what: 'CONNECT with a Host carrying the default port', becomes: 'Host without port; Content-Length dropped', by: 'parser' },
  { what: '204 response with Content-Length or Transfer-Encoding', becomes: 'both dropped', by: 'parser' },
  { what: 'Chunk extensions, leading zeros in chunk sizes', becomes: 'dropped; chunks re-encoded; trailer names lowercased', by: 'writer' },
  { what: 'Upgrade on a request with a body (Content-Length > 0 or chunked)', becomes: 'Upgrade header dropped; the request cannot be upgraded', by: 'parser' },
  { what: 'Empty reason phrase', becomes: '`HTTP/1.1 200 ` (trailing space kept)', by: 'writer' },
  { what: 'Status code with 2 or 4+ digits, NUL/CTL bytes in values, high bytes in values and reasons', becomes: 'forwarded as written', by: 'writer' },
];
