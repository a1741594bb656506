/**
 * `redir <prefix>` (configuration.txt §5.2): a GET or HEAD request granted to
 * such a server gets a 302 to `<prefix><path>` instead of being forwarded;
 * other methods reach the server normally.
 *
 * haproxy 2.6 http_ana.c perform_http_redirect(), called once the server is
 * assigned and before any connection (back_handle_st_req()); checked with
 * haproxy -db (test/compat/server/redir.test.ts):
 *   - the answer is `HTTP/1.1 302 Found`, `cache-control: no-cache`,
 *     `content-length: 0`, `location: ...`, then `connection: close` and the
 *     connection closes, whatever the request's version or keep-alive;
 *   - the path is the request-target from its first '/' (http_get_path()):
 *     the absolute form loses its scheme and authority, and a target without
 *     a path (`*`, `http://host`) is not redirected but forwarded;
 *   - the prefix "/" alone means "keep the URL as is" (location: /path);
 *   - a GET with a body is redirected too.
 */
import { METHOD_GET, METHOD_HEAD } from '../http/h1-head.js';
import type { HttpStream } from '../http/stream.js';
import { sendReply } from '../http/stream-replies.js';
import type { Server } from './server.js';

/** http.c http_get_path(): the path part of a request-target, from its first '/'; undefined when it has none. */
export function requestPath(uri: string): string | undefined {
  if (uri.length === 0) return undefined;
  if (uri.charCodeAt(0) === 0x2f) return uri;
  // "scheme://authority/path": skip the scheme, then the authority
  const colon = uri.indexOf(':');
  if (colon < 0 || uri.charCodeAt(colon + 1) !== 0x2f || uri.charCodeAt(colon + 2) !== 0x2f) return undefined;
  const slash = uri.indexOf('/', colon + 3);
  return slash < 0 ? undefined : uri.slice(slash);
}

/** The Location of a redirect to `prefix` for `uri`; undefined when the request has no path. */
export function redirectLocation(prefix: string, uri: string): string | undefined {
  const path = requestPath(uri);
  if (path === undefined) return undefined;
  return (prefix === '/' ? '' : prefix) + path;
}

/**
 * Answers the stream's request with the server's redirect when it has
 * `redir` and the request is a GET or HEAD with a path. Returns true when
 * the stream was answered (the server slot is released by the reply).
 */
export function redirectToServer(s: HttpStream, server: Server): boolean {
  const prefix = server.config.redir;
  if (prefix === undefined) return false;
  const head = s.reqHead;
  if (head === undefined) return false;
  const canon = s.reqCanon;
  const redirectable = canon !== undefined
    ? canon.method === 'GET' || canon.method === 'HEAD'
    : head.method === METHOD_GET || head.method === METHOD_HEAD;
  if (!redirectable) return false;
  const location = redirectLocation(prefix, s.uri ?? '');
  if (location === undefined) return false;
  // SF_ERR_LOCAL | SF_FINST_C: the log shows "LC".
  s.setTerm('L', 'C');
  const bytes = Buffer.from(
    `HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: ${location}\r\n\r\n`,
    'latin1',
  );
  sendReply(s, bytes, true);
  return true;
}
