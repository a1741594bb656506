/**
 * The last HTTP engine keywords that act on single messages, decided once
 * per proxy (never per request when not configured):
 *
 *  - `option accept-invalid-http-response` (backend): the response parser's
 *    relaxed mode (h1-parser.ts), set when the request is switched;
 *  - `option http-restrict-req-hdr-names preserve|delete|reject`: after the
 *    http-request rules of each proxy (http_ana.c http_process_req_common()
 *    then http_req_restrict_header_names());
 *  - `http-send-name-header [<name>]` (backend): the server's name in a
 *    request header, set again on every connection attempt (retries and
 *    redispatches included);
 *  - `option checkcache` (backend): http_ana.c
 *    http_check_response_for_cacheability() and the block in
 *    http_process_res_common();
 *  - `option http-use-proxy-header` (frontend): TX_USE_PX_CONN for proxied
 *    requests (http_ana.c http_wait_for_request());
 *  - `http-request reject`: the connection closes without an answer;
 *  - global `h1-accept-payload-with-any-method`.
 *
 * Behaviours verified against haproxy 2.6.12 in
 * test/compat/http/misc-keywords.test.ts.
 */
import type { GlobalConfig } from '../config/model/global.js';
import type { Backend, Frontend } from '../proxy/runtime.js';
import type { Server } from '../server/server.js';
import type { CanonicalHead, H1Head } from './h1-head.js';
import { METHOD_GET, METHOD_HEAD, METHOD_OPTIONS, METHOD_TRACE } from './h1-head.js';
import type { RuleOutcome } from './rules.js';
import type { HttpStream } from './stream.js';
import type { SampleContext } from '../sample/context.js';
import { errorReply, sendReply } from './stream-replies.js';
import { errorPageBytes } from './error-pages.js';

/** What one proxy decides for these keywords. */
export interface ProxyMisc {
  /** `option accept-invalid-http-response` (meaningful on a backend). */
  readonly acceptInvalidResponse: boolean;
  /** `option http-restrict-req-hdr-names`: 0 preserve, 1 delete, 2 reject. */
  readonly restrictHdrNames: 0 | 1 | 2;
  /** `http-send-name-header <name>` (backend). */
  readonly sendNameHeader: string | undefined;
  /** `option checkcache` (backend). */
  readonly checkCache: boolean;
  /** `option http-use-proxy-header` (frontend). */
  readonly useProxyHeader: boolean;
}

const cache = new WeakMap<Frontend | Backend, ProxyMisc>();

/** The proxy's settings (computed on first use, then cached). */
export function proxyMisc(px: Frontend | Backend): ProxyMisc {
  let m = cache.get(px);
  if (m === undefined) {
    const p = px.config;
    const restrict = p.options.get('http-restrict-req-hdr-names') === true ? p.optionArgs.get('http-restrict-req-hdr-names')?.[0] : undefined;
    m = {
      acceptInvalidResponse: p.options.get('accept-invalid-http-response') === true,
      restrictHdrNames: restrict === 'delete' ? 1 : restrict === 'reject' ? 2 : 0,
      sendNameHeader: p.httpSendNameHeader,
      checkCache: p.options.get('checkcache') === true,
      useProxyHeader: p.options.get('http-use-proxy-header') === true,
    };
    cache.set(px, m);
  }
  return m;
}

const globalCache = new WeakMap<GlobalConfig, boolean>();

/** Global `h1-accept-payload-with-any-method` (kept as a directive by src/config/global/http.ts). */
export function acceptPayloadAnyMethod(g: GlobalConfig): boolean {
  let v = globalCache.get(g);
  if (v === undefined) {
    v = g.directives.some((d) => d.keyword === 'h1-accept-payload-with-any-method');
    globalCache.set(g, v);
  }
  return v;
}

// ---- http-request reject ---------------------------------------------------

/**
 * http_act.c http_action_reject(): the client connection is closed without
 * a response (haproxy 2.6 closes it with a FIN, after nothing); an empty
 * reply is the stream's "close without answering" (stream-replies.ts
 * sendReply()).
 */
export const REJECT: RuleOutcome = { kind: 'reply', bytes: Buffer.alloc(0), close: true };

/** `http-request|http-response silent-drop`: a reset, no answer (stream-replies.ts silentDrop()). */
export const SILENT_DROP: RuleOutcome = { kind: 'reply', bytes: Buffer.alloc(0), close: true, reset: true };

// ---- option http-restrict-req-hdr-names ------------------------------------

/** [A-Za-z0-9-] */
function allowedNameByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d;
}

function allowedName(n: string): boolean {
  for (let i = 0; i < n.length; i++) if (!allowedNameByte(n.charCodeAt(i))) return false;
  return true;
}

/** What the stream offers to restrictHeaderNames(). */
export interface RestrictSubject {
  readonly reqHead: H1Head | undefined;
  readonly reqCanon: CanonicalHead | undefined;
  reqCanonical(): CanonicalHead;
}

/**
 * http_ana.c http_req_restrict_header_names(), run after the http-request
 * rules of `px`: a header name with a byte outside [A-Za-z0-9-] is removed
 * (`delete`) or answers 403 (`reject`, returns true). The rules saw the
 * headers still there (configuration.txt §4.2: "evaluated per proxy and
 * after the http-request rules evaluation").
 */
export function restrictHeaderNames(s: RestrictSubject, mode: 1 | 2): boolean {
  const canon = s.reqCanon;
  let bad = false;
  if (canon !== undefined) {
    for (const [n] of canon.headers) if (!allowedName(n)) bad = true;
  } else {
    const h = s.reqHead;
    if (h === undefined) return false;
    for (let i = 0; i < h.count && !bad; i++) {
      if (h.isDropped(i)) continue;
      const ns = h.hdr[i * 4] ?? 0;
      const ne = h.hdr[i * 4 + 1] ?? 0;
      for (let j = ns; j < ne; j++) {
        if (!allowedNameByte(h.buf[j] ?? 0)) {
          bad = true;
          break;
        }
      }
    }
  }
  if (!bad) return false;
  if (mode === 2) return true;
  const c = s.reqCanonical();
  c.headers = c.headers.filter(([n]) => allowedName(n));
  return false;
}

/**
 * The stream's hook after the http-request rules of a proxy with the option
 * set: true when the request was answered (403, termination `PR`, the
 * proxy's errorfile 403 when it has one, as a deny).
 */
export function restrictRequest(s: HttpStream, mode: 1 | 2): boolean {
  if (!restrictHeaderNames(s, mode)) return false;
  s.setTerm('P', 'R');
  errorReply(s, 403);
  return true;
}

// ---- http-send-name-header -------------------------------------------------

/**
 * backend.c http_send_name_header(): every `<name>` header of the request
 * is removed and `<name>: <server>` appended, on each connection attempt.
 * haproxy 2.6 appends it after the connection header it added itself (checked
 * differentially), so the serialized head is patched: its lines are kept
 * except the named ones, and the new line goes before the final CRLF.
 */
export function withServerName(head: Buffer, name: string, server: Server): Buffer {
  const text = head.toString('latin1');
  const lower = name.toLowerCase();
  const end = text.lastIndexOf('\r\n\r\n');
  if (end < 0) return head;
  const first = text.indexOf('\r\n');
  const lines = first < end ? text.slice(first + 2, end).split('\r\n') : [];
  const kept = lines.filter((l) => {
    const c = l.indexOf(':');
    return c < 0 || l.slice(0, c).toLowerCase() !== lower;
  });
  kept.push(`${lower}: ${server.name}`);
  return Buffer.from(`${text.slice(0, first)}\r\n${kept.join('\r\n')}\r\n\r\n`, 'latin1');
}

// ---- option checkcache -----------------------------------------------------

/** http_ana.c http_wait_for_response(): statuses cacheable by default (RFC 7231 §6.1). */
function cacheableStatus(st: number): boolean {
  switch (st) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

function headerValues(h: H1Head | undefined, c: CanonicalHead | undefined, lower: string): string[] {
  if (c !== undefined) return c.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  return h === undefined ? [] : h.getHeaders(lower);
}

/** http_find_header(..., full = 0): the comma-separated values of every `lower` header, trimmed. */
function listValues(h: H1Head | undefined, c: CanonicalHead | undefined, lower: string): string[] {
  const out: string[] = [];
  for (const v of headerValues(h, c, lower)) for (const x of v.split(',')) out.push(x.trim());
  return out;
}

/**
 * `option checkcache`: whether the response must be blocked, i.e. it
 * carries a Set-Cookie and could be stored by a shared cache. haproxy
 * 2.6.12's rules (http_ana.c, checked differentially):
 *  - cacheable by default: a GET, HEAD, OPTIONS or TRACE answered with a
 *    status of RFC 7231 §6.1 (200 203 204 206 300 301 404 405 410 414 501);
 *  - `Cache-Control: public` makes any response cacheable again;
 *  - `Pragma: no-cache`, `Cache-Control: private|no-cache|no-store`, a null
 *    `max-age=0`/`s-maxage=0` make it uncacheable; `no-cache="set-cookie`
 *    makes only its cookie uncacheable;
 *  - without freshness (`max-age`, `s-maxage`, `Expires`) nor validator
 *    (`ETag`, `Last-Modified`), nothing is stored, so nothing is blocked.
 */
export function blocksCacheableCookie(req: H1Head | undefined, reqCanon: CanonicalHead | undefined, res: H1Head, resCanon: CanonicalHead | undefined): boolean {
  if (res.status < 200) return false;
  if (headerValues(res, resCanon, 'set-cookie').length === 0 && headerValues(res, resCanon, 'set-cookie2').length === 0) return false;
  const m = reqCanon !== undefined ? methodCodeOf(reqCanon.method) : req?.method;
  let cacheable = m === METHOD_GET || m === METHOD_HEAD || m === METHOD_OPTIONS || m === METHOD_TRACE;
  if (!cacheableStatus(res.status)) cacheable = false;
  let cook = cacheable;
  for (const v of listValues(res, resCanon, 'pragma')) {
    if (v.toLowerCase() === 'no-cache') return false;
  }
  let fresh = false;
  let nullMaxAge = false;
  for (const raw of listValues(res, resCanon, 'cache-control')) {
    const v = raw.toLowerCase();
    if (v === 'public') {
      cacheable = cook = true;
    } else if (v === 'max-age=0' || v === 's-maxage=0') {
      nullMaxAge = true;
    } else if (v === 'private' || v === 'no-cache' || v === 'no-store') {
      cacheable = cook = false;
    } else if (v.startsWith('no-cache="set-cookie')) {
      cook = false;
    } else if (v.startsWith('s-maxage') || v.startsWith('max-age')) {
      fresh = true;
    }
  }
  if (nullMaxAge) return false;
  if (!fresh) fresh = headerValues(res, resCanon, 'expires').length > 0;
  if (!fresh && headerValues(res, resCanon, 'etag').length === 0 && headerValues(res, resCanon, 'last-modified').length === 0) cacheable = false;
  return cacheable && cook;
}

function methodCodeOf(m: string): number {
  switch (m) {
    case 'GET': return METHOD_GET;
    case 'HEAD': return METHOD_HEAD;
    case 'OPTIONS': return METHOD_OPTIONS;
    case 'TRACE': return METHOD_TRACE;
    default: return -1;
  }
}

/** haproxy's alert when checkcache blocks (ha_alert + send_log in http_process_res_common()). */
export function checkcacheAlert(be: Backend, server: Server | undefined): string {
  return `Blocking cacheable cookie in response from instance ${be.config.name}, server ${server?.name ?? '<dispatch>'}.`;
}

/**
 * The stream's hook once the response rules and the persistence cookie are
 * done (http_process_res_common()): true when the response was blocked.
 * haproxy 2.6.12 answers with its error page for the *response's* status
 * (the "200 Service ready" page for a 200, the 500 page for a status
 * without one) rather than the 502 configuration.txt describes; Switchyard
 * does the same, with the proxy's errorfiles (checked differentially).
 */
export function checkcacheBlocks(s: HttpStream, head: H1Head): boolean {
  if (!blocksCacheableCookie(s.reqHead, s.reqCanon, head, s.resCanon)) return false;
  s.runtime.reporter.report('alert', checkcacheAlert(s.be!, s.server));
  s.setTerm('P', 'H');
  s.srvKeep = false;
  sendReply(s, errorPageBytes(s, head.status), false);
  return true;
}

// ---- option http-use-proxy-header ------------------------------------------

/**
 * http_ana.c http_wait_for_request(): with `option http-use-proxy-header` on
 * the frontend, a request whose target starts with neither '/' nor '*' is a
 * proxied request (TX_USE_PX_CONN). In haproxy 2.6 that only changes
 * authentication (the connection mode is the H1 mux's, which ignores
 * Proxy-Connection; checked differentially): `http_auth*` read
 * Proxy-Authorization and `http-request auth` answers 407 with
 * Proxy-Authenticate.
 */
export function proxiedAuth(ctx: SampleContext): boolean {
  const fe = ctx.frontend as Frontend | undefined;
  if (fe === undefined || !('config' in fe) || !proxyMisc(fe).useProxyHeader) return false;
  const h = ctx.http as { readonly reqHead?: H1Head | undefined } | undefined;
  const head = h?.reqHead;
  if (head === undefined) return false;
  const c = head.buf[head.targetStart];
  return head.targetEnd > head.targetStart && c !== 0x2f && c !== 0x2a;
}
