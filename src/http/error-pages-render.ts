/**
 * The bytes of haproxy's generated responses when a configuration customises
 * them (configuration.txt §4.2 "errorfile", "errorloc", "http-error"):
 *
 *  - an error file is parsed into HTX at load time (http_htx.c
 *    http_str_to_htx()) and written back by the H1 multiplexer, so the client
 *    gets the file's status line (version and reason kept), its headers with
 *    lowercase names and trimmed values, without `Connection`, then the body;
 *  - `errorloc302/303 <code> <url>` is such a file built from a template
 *    (http_htx.c http_parse_errorloc());
 *  - an http reply (`http-error status ... string|file|lf-string|lf-file`,
 *    `http-request return ...`) is built as http_reply_to_htx() does:
 *    `HTTP/1.1 <status> <reason>`, the `hdr` lines, `content-length`, then
 *    `content-type` when there is a payload.
 *
 * `finishReply()` applies what the H1 mux does when the reply leaves
 * (h1_update_res_conn_value()): body dropped for HEAD, and the connection
 * header a keep-alive or closing HTTP/1.0 or HTTP/1.1 message needs.
 */

/** http.c http_get_reason(), checked against haproxy 2.6 for every status 200..599. */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 210: 'Content Different', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 310: 'Too many Redirects',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Time-out',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Requested range unsatisfiable',
  417: 'Expectation failed', 418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Content',
  423: 'Locked', 424: 'Method failure', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 449: 'Retry With',
  450: 'Blocked by Windows Parental Controls', 451: 'Unavailable For Legal Reasons', 456: 'Unrecoverable Error',
  499: 'client has closed connection',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway or Proxy Error', 503: 'Service Unavailable',
  504: 'Gateway Time-out', 505: 'HTTP Version not supported', 506: 'Variant also negotiate', 507: 'Insufficient storage',
  508: 'Loop detected', 509: 'Bandwidth Limit Exceeded', 510: 'Not extended', 511: 'Network authentication required',
  520: 'Web server is returning an unknown error',
};

/** The reason phrase haproxy writes for `status` in the replies it builds (http_get_reason()). */
export function httpReason(status: number): string {
  const r = REASONS[status];
  if (r !== undefined) return r;
  if (status >= 100 && status < 200) return 'Informational';
  if (status >= 200 && status < 300) return 'Success';
  if (status >= 300 && status < 400) return 'Redirection';
  if (status >= 400 && status < 500) return 'Client Error';
  if (status >= 500 && status < 600) return 'Server Error';
  return 'Other';
}

const EMPTY = Buffer.alloc(0);

/**
 * An error file (already checked by the configuration parser) as the client
 * receives it. An empty file gives an empty Buffer: the connection is closed
 * without a response (configuration.txt §4.2 "errorfile": `/dev/null`).
 */
export function renderErrorFile(raw: Buffer): Buffer {
  if (raw.length === 0) return EMPTY;
  const s = raw.toString('latin1');
  let i = 0;
  // h1 parser: empty lines before the start line are skipped.
  while (s[i] === '\n' || (s[i] === '\r' && s[i + 1] === '\n')) i += s[i] === '\r' ? 2 : 1;
  const eol = s.indexOf('\n', i);
  if (eol < 0) return EMPTY;
  const start = s.slice(i, eol).replace(/\r$/, '');
  const m = /^(\S+)[ ]+([0-9]{3})(?:[ ]+(.*))?$/.exec(start);
  if (m === null) return EMPTY;
  let head = `${m[1] ?? ''} ${m[2] ?? ''} ${(m[3] ?? '').trim()}\r\n`;
  i = eol + 1;
  for (;;) {
    const nl = s.indexOf('\n', i);
    if (nl < 0) return Buffer.from(head + '\r\n', 'latin1');
    const line = s.slice(i, nl).replace(/\r$/, '');
    i = nl + 1;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    // The H1 mux drops Connection and writes its own (h1_process_output()).
    if (name === 'connection') continue;
    head += `${name}: ${line.slice(colon + 1).trim()}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), raw.subarray(i)]);
}

/**
 * http_htx.c http_parse_errorloc(): the message of `errorloc302/303 <code> <url>`,
 * rendered: `HTTP/1.1 302 Found` (or `303 See Other`), no-cache, an empty body
 * and the URL as `location`.
 */
export function errorlocMessage(code: 302 | 303, url: string): Buffer {
  const line = code === 302 ? 'HTTP/1.1 302 Found' : 'HTTP/1.1 303 See Other';
  return renderErrorFile(Buffer.from(`${line}\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ${url}\r\n\r\n`, 'latin1'));
}

/**
 * http_htx.c http_reply_to_htx() for a configured reply: the status line with
 * haproxy's reason, the `hdr` lines (lowercase names), `content-length`, then
 * `content-type` when the payload is not empty.
 */
export function buildReply(status: number, contentType: string | undefined, headers: readonly (readonly [string, string])[], body: Buffer): Buffer {
  let h = `HTTP/1.1 ${status} ${httpReason(status)}\r\n`;
  // http_htx.c http_reply_to_htx(): a header whose value formats to nothing is left out.
  for (const [n, v] of headers) if (v !== '') h += `${n.toLowerCase()}: ${v}\r\n`;
  h += `content-length: ${body.length}\r\n`;
  if (contentType !== undefined && body.length > 0) h += `content-type: ${contentType}\r\n`;
  return Buffer.concat([Buffer.from(`${h}\r\n`, 'latin1'), body]);
}

/** What `finishReply()` produced: the bytes to write and whether the connection must close after them. */
export interface FinishedReply {
  readonly bytes: Buffer;
  readonly close: boolean;
}

const CONN_CLOSE = 'connection: close\r\n';
const CONN_KEEP = 'connection: keep-alive\r\n';

/**
 * The H1 mux's last touch on a generated response (mux_h1.c
 * h1_process_output(), h1_update_res_conn_value()):
 *
 *  - a response with no length (no `content-length`, not 1xx/204/304) ends
 *    with the connection, so it always closes;
 *  - an HTTP/1.1 response that closes gets `connection: close`, an HTTP/1.0
 *    one that stays open gets `connection: keep-alive` (checked with haproxy
 *    2.6 on error files of both versions);
 *  - the body is dropped for a HEAD request, the headers are kept.
 *
 * `addHeader` false leaves the head as it is (a reply on a half-closed
 * client connection, the 504 abort).
 */
export function finishReply(bytes: Buffer, wantClose: boolean, isHead: boolean, addHeader = true): FinishedReply {
  const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return { bytes, close: true };
  const head = bytes.toString('latin1', 0, end + 2);
  const sp = head.indexOf(' ');
  const v10 = head.slice(0, sp) === 'HTTP/1.0';
  const status = Number(head.slice(sp + 1, sp + 4));
  const framed = (status >= 100 && status < 200) || status === 204 || status === 304 || /\r\ncontent-length:/i.test(head);
  const close = wantClose || !framed;
  let extra = '';
  if (addHeader) {
    if (close && !v10) extra = CONN_CLOSE;
    else if (!close && v10) extra = CONN_KEEP;
  }
  if (extra === '' && !isHead) return { bytes, close };
  const parts: Buffer[] = [Buffer.from(head + extra + '\r\n', 'latin1')];
  if (!isHead) parts.push(bytes.subarray(end + 4));
  return { bytes: Buffer.concat(parts), close };
}
