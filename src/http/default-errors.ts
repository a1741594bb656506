/**
 * haproxy 2.6's built-in error messages, byte for byte.
 *
 * haproxy keeps each one as a raw HTTP/1.1 message (src/http.c
 * `http_err_msgs[]`; the texts below were taken from the 2.6.12 binary and
 * checked against its answers on the wire). They reach the client in one of
 * two shapes:
 *
 *  - raw: the H1 multiplexer answers a request head it cannot parse (400,
 *    413, 422) or that timed out (408) by copying the message as is, with
 *    haproxy's header case (`Content-length`, `Cache-Control`), then closes;
 *    an error found later in the body (bad chunk, trailers) gets this form
 *    only while no stream exists yet, the rendered one otherwise;
 *  - rendered: everything the stream answers (`http-request deny`, 502 for a
 *    bad response, 503, 504...) is converted to HTX and written by the H1
 *    multiplexer like any response: lowercase names, the `Connection` header
 *    removed and `connection: close` appended last when the connection is
 *    going to be closed (always for 400 and 408, whose messages carry
 *    `Connection: close`).
 */

/** The statuses haproxy has a built-in message for. */
export const DEFAULT_ERROR_STATUSES = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504] as const;

export type DefaultErrorStatus = (typeof DEFAULT_ERROR_STATUSES)[number];

interface ErrorText {
  readonly reason: string;
  readonly body: string;
  /** The message carries `Connection: close` (400 and 408). */
  readonly close: boolean;
}

const page = (title: string, text: string): string => `<html><body><h1>${title}</h1>\n${text}\n</body></html>\n`;

// src/http.c http_err_msgs[] (2.6): reason phrases and bodies exactly as the binary has them,
// including 501's leading '.' in its text.
const TEXTS: Readonly<Record<DefaultErrorStatus, ErrorText>> = {
  200: { reason: 'OK', body: page('200 OK', 'Service ready.'), close: false },
  400: { reason: 'Bad request', body: page('400 Bad request', 'Your browser sent an invalid request.'), close: true },
  401: { reason: 'Unauthorized', body: page('401 Unauthorized', 'You need a valid user and password to access this content.'), close: false },
  403: { reason: 'Forbidden', body: page('403 Forbidden', 'Request forbidden by administrative rules.'), close: false },
  404: { reason: 'Not Found', body: page('404 Not Found', 'The resource could not be found.'), close: false },
  405: { reason: 'Method Not Allowed', body: page('405 Method Not Allowed', 'A request was made of a resource using a request method not supported by that resource'), close: false },
  407: { reason: 'Unauthorized', body: page('407 Unauthorized', 'You need a valid user and password to access this content.'), close: false },
  408: { reason: 'Request Time-out', body: page('408 Request Time-out', "Your browser didn't send a complete request in time."), close: true },
  410: { reason: 'Gone', body: page('410 Gone', 'The resource is no longer available and will not be available again.'), close: false },
  413: { reason: 'Payload Too Large', body: page('413 Payload Too Large', 'The request entity exceeds the maximum allowed.'), close: false },
  421: { reason: 'Misdirected Request', body: page('421 Misdirected Request', 'Request sent to a non-authoritative server.'), close: false },
  422: { reason: 'Unprocessable Content', body: page('422 Unprocessable Content', 'The server cannot process the contained instructions.'), close: false },
  425: { reason: 'Too Early', body: page('425 Too Early', 'Your browser sent early data.'), close: false },
  429: { reason: 'Too Many Requests', body: page('429 Too Many Requests', 'You have sent too many requests in a given amount of time.'), close: false },
  500: { reason: 'Internal Server Error', body: page('500 Internal Server Error', 'An internal server error occurred.'), close: false },
  501: { reason: 'Not Implemented', body: page('501 Not Implemented', '.The server does not support the functionality required to fulfill the request.'), close: false },
  502: { reason: 'Bad Gateway', body: page('502 Bad Gateway', 'The server returned an invalid or incomplete response.'), close: false },
  503: { reason: 'Service Unavailable', body: page('503 Service Unavailable', 'No server is available to handle this request.'), close: false },
  504: { reason: 'Gateway Time-out', body: page('504 Gateway Time-out', "The server didn't respond in time."), close: false },
};

/** Whether haproxy has a built-in message for `status`. */
export function isDefaultErrorStatus(status: number): status is DefaultErrorStatus {
  return Object.prototype.hasOwnProperty.call(TEXTS, status);
}

const rawCache = new Map<number, Buffer>();
const renderedCache = new Map<string, Buffer>();

/**
 * The raw built-in message for `status`, exactly as haproxy's H1 multiplexer
 * sends it for a request it refuses while parsing (or a 408): e.g.
 * `HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html>...`.
 * The returned Buffer is shared: do not modify it.
 */
export function rawErrorMessage(status: DefaultErrorStatus): Buffer {
  let b = rawCache.get(status);
  if (b === undefined) {
    const t = TEXTS[status];
    const head =
      `HTTP/1.1 ${status} ${t.reason}\r\n` +
      `Content-length: ${Buffer.byteLength(t.body, 'latin1')}\r\n` +
      'Cache-Control: no-cache\r\n' +
      (t.close ? 'Connection: close\r\n' : '') +
      'Content-Type: text/html\r\n\r\n';
    b = Buffer.from(head + t.body, 'latin1');
    rawCache.set(status, b);
  }
  return b;
}

/**
 * The built-in message for `status` as the stream sends it (`http-request
 * deny`, 502 on a bad response, 503, 504): lowercase header names, and
 * `connection: close` last when `close` is true (default: the message's own
 * `Connection: close`, i.e. 400 and 408). The returned Buffer is shared.
 */
export function renderedErrorMessage(status: DefaultErrorStatus, opts: { close?: boolean } = {}): Buffer {
  const t = TEXTS[status];
  const close = opts.close ?? t.close;
  const key = `${status}/${close ? 1 : 0}`;
  let b = renderedCache.get(key);
  if (b === undefined) {
    const head =
      `HTTP/1.1 ${status} ${t.reason}\r\n` +
      `content-length: ${Buffer.byteLength(t.body, 'latin1')}\r\n` +
      'cache-control: no-cache\r\n' +
      'content-type: text/html\r\n' +
      (close ? 'connection: close\r\n' : '') +
      '\r\n';
    b = Buffer.from(head + t.body, 'latin1');
    renderedCache.set(key, b);
  }
  return b;
}

/** The reason phrase haproxy uses for `status` in its built-in messages. */
export function defaultErrorReason(status: DefaultErrorStatus): string {
  return TEXTS[status].reason;
}

/** The body (HTML) of the built-in message for `status`. */
export function defaultErrorBody(status: DefaultErrorStatus): string {
  return TEXTS[status].body;
}
