/**
 * Cookie persistence and the server-selection rules of `mode http`
 * (configuration.txt §4.2 "cookie", "server ... cookie", "dynamic-cookie-key",
 * "option persist", "force-persist", "ignore-persist", "use-server"), after
 * haproxy 2.6's http_ana.c:
 *
 * - request ({@link persistRequest}, once the backend's http-request rules
 *   ran): the persist rules, `use-server`, then http_manage_client_side_cookies():
 *   the persistence cookie names the server (`SRV`, `SRV|idle|first` with
 *   dates, `SRV~value` in prefix mode); it is stripped in `insert indirect`
 *   mode and unprefixed in `prefix` mode;
 * - server choice ({@link persistTarget}, before the balancer): the server
 *   found, unless a failed connect redispatched the stream;
 * - response ({@link persistResponse}, after the http-response rules):
 *   http_manage_server_side_cookies() on the server's `Set-Cookie` (deleted,
 *   rewritten or prefixed), then the inserted `Set-Cookie` and
 *   `Cache-control: private` (`nocache`).
 *
 * A backend without any of these costs one WeakMap lookup per request.
 */
import type { CookieConfig, ProxyConfig } from '../config/model/proxy.js';
import type { Backend } from '../proxy/runtime.js';
import {
  compileServerSelection,
  PERSIST_FORCE,
  PERSIST_IGNORE,
  PERSIST_NONE,
  persistVerdict,
  useServerTarget,
  type PersistVerdict,
  type ServerSelectionRules,
} from '../proxy/server-selection-rules.js';
import type { SampleContext } from '../sample/context.js';
import { xxh64 } from '../sample/hashes.js';
import type { Server } from '../server/server.js';
import { b64tos30, delHeaderValue, s30tob64, scanCookie, stripAroundEqual } from './cookie-values.js';
import type { CanonicalHead, H1Head } from './h1-head.js';

/** What the module needs from the stream (HttpStream provides it). */
export interface PersistStream extends SampleContext {
  readonly reqHead: H1Head | undefined;
  readonly reqCanon: CanonicalHead | undefined;
  reqCanonical(): CanonicalHead;
  readonly resHead: H1Head | undefined;
  readonly resCanon: CanonicalHead | undefined;
  resCanonical(): CanonicalHead;
  /** The server that serves (served) the request. */
  readonly server: Server | undefined;
  /** Set by the retry logic when the stream is picked a server again after a failed connect. */
  readonly avoid: Server | undefined;
  readonly persist: PersistTxn | undefined;
}

/** The `cookie` line of a backend, compiled. */
interface CookieSpec {
  readonly name: string;
  readonly insert: boolean;
  readonly rewrite: boolean;
  readonly prefix: boolean;
  readonly indirect: boolean;
  readonly nocache: boolean;
  readonly postonly: boolean;
  readonly preserve: boolean;
  /** Seconds, 0 when unset. */
  readonly maxIdle: number;
  readonly maxLife: number;
  /** `; domain=..; HttpOnly; Secure; <attrs>` appended to inserted cookies. */
  readonly suffix: string;
}

/** The persistence configuration of one backend, compiled on first use. */
export interface BackendPersistence {
  readonly cookie: CookieSpec | undefined;
  readonly rules: ServerSelectionRules;
  readonly hasRules: boolean;
  /** Servers in declaration order with their cookie value (configured or dynamic). */
  readonly servers: readonly Server[];
  readonly cookies: ReadonlyMap<Server, string>;
  readonly byName: ReadonlyMap<string, Server>;
}

/** Client cookie flags of the logs (configuration.txt §8.5, sess_cookie[]). */
export type ClientCookieFlag = '-' | 'N' | 'I' | 'D' | 'V' | 'E' | 'O' | 'U';
/** Server cookie flags of the logs (sess_set_cookie[]). */
export type ServerCookieFlag = '-' | 'N' | 'P' | 'D' | 'I' | 'R' | 'U';

/** The persistence state of one transaction (haproxy's SF_DIRECT, TX_CK_*, TX_SCK_*, cookie dates). */
export class PersistTxn {
  readonly bp: BackendPersistence;
  /** The server chosen by use-server or the cookie (SF_DIRECT | SF_ASSIGNED). */
  direct: Server | undefined = undefined;
  /** The persist rules' verdict (SF_FORCE_PRST / SF_IGNORE_PRST). */
  verdict: PersistVerdict = PERSIST_NONE;
  /** What the client's cookie did, for the logs (later). */
  cliFlag: ClientCookieFlag;
  /** What happened to the response cookie, for the logs (later). */
  srvFlag: ServerCookieFlag;
  /** Dates carried by the client's cookie, in seconds (0: none). */
  firstDate = 0;
  lastDate = 0;
  isPost = false;
  /** The method allows caching (GET, HEAD, OPTIONS, TRACE: haproxy's TX_CACHEABLE at the start). */
  cacheableMethod = false;

  constructor(bp: BackendPersistence) {
    this.bp = bp;
    this.cliFlag = bp.cookie === undefined ? '-' : 'N';
    this.srvFlag = bp.cookie === undefined ? '-' : 'N';
  }
}

const compiled = new WeakMap<Backend, BackendPersistence | null>();

/** The backend's compiled persistence, or undefined when it has none. */
export function backendPersistence(be: Backend): BackendPersistence | undefined {
  let bp = compiled.get(be);
  if (bp === undefined) {
    bp = compileBackend(be) ?? null;
    compiled.set(be, bp);
  }
  return bp ?? undefined;
}

function compileCookie(c: CookieConfig): CookieSpec {
  let suffix = '';
  // cfgparse-listen.c: several `domain` options are joined with "; domain=".
  for (const d of c.domains) suffix += `; domain=${d}`;
  if (c.httponly) suffix += '; HttpOnly';
  if (c.secure) suffix += '; Secure';
  for (const a of c.attrs) suffix += `; ${a}`;
  return {
    name: c.name,
    insert: c.mode === 'insert',
    rewrite: c.mode === 'rewrite',
    prefix: c.mode === 'prefix',
    indirect: c.indirect,
    nocache: c.nocache,
    postonly: c.postonly,
    preserve: c.preserve,
    maxIdle: c.maxIdle ?? 0,
    maxLife: c.maxLife ?? 0,
    suffix,
  };
}

/**
 * server.c srv_set_dyncookie(): XXH64 (seed 0) of the key, the address bytes
 * in network order and the port as a 32-bit big-endian integer, printed as
 * 16 hex digits. IPv4 and IPv6 servers only.
 */
export function dynamicCookie(key: string, family: string, host: string, port: number): string | undefined {
  let addr: number[];
  if (family === 'ipv4') {
    addr = host.split('.').map(Number);
    if (addr.length !== 4 || addr.some((b) => !(b >= 0 && b <= 255))) return undefined;
  } else if (family === 'ipv6') {
    const a = ipv6Bytes(host);
    if (a === undefined) return undefined;
    addr = a;
  } else return undefined;
  const k = Buffer.from(key, 'latin1');
  const b = Buffer.alloc(k.length + addr.length + 4);
  k.copy(b);
  b.set(addr, k.length);
  b.writeUInt32BE(port >>> 0, k.length + addr.length);
  return xxh64(b, 0n).toString(16).padStart(16, '0');
}

function ipv6Bytes(host: string): number[] | undefined {
  let h = host;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  let tail: number[] = [];
  if (v4 !== null) {
    tail = v4.slice(1).map(Number);
    h = h.slice(0, v4.index) + '0:0';
  }
  const halves = h.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((x) => parseInt(x, 16)));
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const groups = halves.length === 2 ? [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right] : left;
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return undefined;
  const out: number[] = [];
  for (const g of groups) out.push(g >> 8, g & 0xff);
  if (tail.length === 4) out.splice(12, 4, ...tail);
  return out;
}

function compileBackend(be: Backend): BackendPersistence | undefined {
  const p: ProxyConfig = be.config;
  const cookie = p.cookie === undefined ? undefined : compileCookie(p.cookie);
  const hasRules = p.useServers.length > 0 || p.forcePersist.length > 0 || p.ignorePersist.length > 0;
  if (cookie === undefined && !hasRules) return undefined;
  const cookies = new Map<Server, string>();
  for (const s of be.servers) {
    const v = s.config.cookie;
    if (v !== undefined) cookies.set(s, v);
    else if (p.cookie?.dynamic === true && p.dynamicCookieKey !== undefined) {
      // server.c: a server without its own `cookie` gets the dynamic one (SRV_F_COOKIESET unset).
      const d = dynamicCookie(p.dynamicCookieKey, s.address.family, s.address.host, s.address.port);
      if (d !== undefined) cookies.set(s, d);
    }
  }
  return {
    cookie,
    rules: compileServerSelection(p, be.servers),
    hasRules,
    servers: be.servers,
    cookies,
    byName: be.serverByName,
  };
}

/** haproxy's `date.tv_sec`. */
function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The request half: persist rules, `use-server`, then the persistence
 * cookie (server lookup, expiry, stripping). Call once the backend is
 * chosen and its http-request rules ran, before the head is written.
 * Returns the transaction state, or undefined for a backend without
 * persistence.
 */
export function persistRequest(s: PersistStream, be: Backend): PersistTxn | undefined {
  const bp = backendPersistence(be);
  if (bp === undefined) return undefined;
  const t = new PersistTxn(bp);
  if (bp.hasRules) {
    t.verdict = persistVerdict(bp.rules, s);
    t.direct = useServerTarget(bp.rules, s, bp.byName, t.verdict === PERSIST_FORCE);
  }
  const ck = bp.cookie;
  if (ck === undefined) return t;
  const canon = s.reqCanon;
  const m = canon !== undefined ? canon.method : s.reqHead?.methodName();
  t.isPost = m === 'POST';
  t.cacheableMethod = m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'TRACE';
  const values = cookieHeaders(s.reqHead, canon, 'cookie');
  if (values.length === 0) return t;
  let changed = false;
  const out: Array<string | undefined> = [];
  for (const v of values) {
    const nv = clientCookies(t, ck, v);
    if (nv !== v) changed = true;
    out.push(nv);
  }
  if (changed) applyHeaders(s.reqCanonical(), 'cookie', out);
  return t;
}

/**
 * The server chosen by persistence, for the balancer's place
 * (backend.c assign_server_and_queue() with SF_ASSIGNED). After a failed
 * connect the retry logic sets `avoid` and the stream is redispatched:
 * SF_DIRECT and SF_ASSIGNED are dropped, unless `force-persist` matched
 * (haproxy does not redispatch those).
 */
export function persistTarget(s: PersistStream): Server | undefined {
  const t = s.persist;
  if (t === undefined || t.direct === undefined) return undefined;
  if (s.avoid !== undefined && t.verdict !== PERSIST_FORCE) {
    t.direct = undefined;
    return undefined;
  }
  return t.direct;
}

/**
 * What the retry logic needs from persistence (backend.c
 * back_handle_st_cer()): a server chosen by persistence is retried rather
 * than redispatched early (SF_DIRECT), never redispatched under
 * `force-persist` (SF_FORCE_PRST).
 */
export function persistRetry(s: PersistStream): { readonly direct: boolean; readonly force: boolean } | undefined {
  const t = s.persist;
  if (t === undefined) return undefined;
  return { direct: t.direct !== undefined, force: t.verdict === PERSIST_FORCE };
}

/** The headers named `lower` as strings, from the canonical head when rules created it. */
function cookieHeaders(head: H1Head | undefined, canon: CanonicalHead | undefined, lower: string): string[] {
  const out: string[] = [];
  if (canon !== undefined) {
    for (const [n, v] of canon.headers) if (n.length === lower.length && n.toLowerCase() === lower) out.push(v);
    return out;
  }
  if (head === undefined) return out;
  for (let i = head.find(lower); i >= 0; i = head.find(lower, i + 1)) out.push(head.value(i));
  return out;
}

/** Replaces the k-th header named `lower` by `values[k]`, removing it when undefined. */
function applyHeaders(canon: CanonicalHead, lower: string, values: ReadonlyArray<string | undefined>): void {
  let k = 0;
  const headers: Array<[string, string]> = [];
  for (const h of canon.headers) {
    if (h[0].length === lower.length && h[0].toLowerCase() === lower) {
      const v = values[k++];
      if (v !== undefined) headers.push([h[0], v]);
    } else headers.push(h);
  }
  canon.headers = headers;
}

/**
 * http_manage_client_side_cookies() for one Cookie header value: returns
 * the value to forward (the same string when untouched, undefined to remove
 * the header).
 */
function clientCookies(t: PersistTxn, ck: CookieSpec, h: string): string | undefined {
  const orig = h;
  let delFrom = -1;
  let preserveHdr = false;
  let isFirst = true;
  for (let prev = 0; prev < h.length; ) {
    const c = scanCookie(h, prev, isFirst, true);
    isFirst = false;
    // "We have nothing to do with attributes beginning with '$'"
    if (h.charCodeAt(c.attBeg) === 0x24) {
      prev = c.next;
      continue;
    }
    // A cookie without '=' is never ours; the spaces around '=' of the others go first.
    let ours = false;
    if (c.equal !== c.next) {
      h = stripAroundEqual(h, c);
      ours = c.attEnd - c.attBeg === ck.name.length && h.startsWith(ck.name, c.attBeg);
    }
    if (ours) {
      const delim = ourCookie(t, ck, h, c.valBeg, c.valEnd);
      if (ck.prefix && delim !== c.valEnd) {
        // prefix mode: forward the application's value without "SRV~"
        h = h.slice(0, c.valBeg) + h.slice(delim + 1);
        const delta = c.valBeg - (delim + 1);
        c.next += delta;
        delFrom = -1;
        preserveHdr = true;
      } else if (delFrom < 0 && ck.insert && ck.indirect) {
        delFrom = prev;
      }
    } else {
      // Not our cookie: keep it, and delete the block scheduled before it.
      preserveHdr = true;
      if (delFrom >= 0) {
        const d = delHeaderValue(h, delFrom, prev);
        h = d.value;
        c.next += d.delta;
        delFrom = -1;
      }
    }
    prev = c.next;
  }
  if (delFrom >= 0) h = preserveHdr ? h.slice(0, delFrom) : '';
  if (h === orig) return orig;
  return h === '' ? undefined : h;
}

/**
 * The persistence cookie's value between `valBeg` and `valEnd`: dates,
 * expiry, the server lookup and the client flag. Returns `delim`, the end
 * of the server part.
 */
function ourCookie(t: PersistTxn, ck: CookieSpec, h: string, valBeg: number, valEnd: number): number {
  let delim = valEnd;
  if (ck.prefix) {
    const i = h.indexOf('~', valBeg);
    delim = i < 0 || i >= valEnd ? valEnd : i;
  } else {
    // NAME=SRV|<last seen>|<first seen>: 30-bit dates in 4-second units, base64.
    let bar = h.indexOf('|', valBeg);
    if (bar >= 0 && bar < valEnd) {
      delim = bar++;
      if (valEnd - bar >= 5) {
        const v = b64tos30(h, bar);
        if (v > 0) t.lastDate = v * 4;
      }
      const bar2 = h.indexOf('|', bar);
      if (bar2 >= 0 && bar2 < valEnd && valEnd - bar2 > 5) {
        const v = b64tos30(h, bar2 + 1);
        if (v > 0) t.firstDate = v * 4;
      }
    }
  }
  // Too old (maxlife) or idle too long (maxidle), or dated more than a day ahead: ignored.
  const now = nowSec();
  if (t.firstDate !== 0 && ck.maxLife !== 0 && (now - t.firstDate > ck.maxLife || t.firstDate - now > 86400)) {
    t.cliFlag = 'O';
    delim = valBeg;
    t.firstDate = 0;
    t.lastDate = 0;
  } else if (t.lastDate !== 0 && ck.maxIdle !== 0 && (now - t.lastDate > ck.maxIdle || t.lastDate - now > 86400)) {
    t.cliFlag = 'E';
    delim = valBeg;
    t.firstDate = 0;
    t.lastDate = 0;
  }
  // The first server of the list with this cookie that may be used; an
  // empty value, ignore-persist or a use-server choice skip the lookup.
  const skip = delim === valBeg || t.verdict === PERSIST_IGNORE || t.direct !== undefined;
  let found: Server | undefined;
  if (!skip) {
    const len = delim - valBeg;
    for (const srv of t.bp.servers) {
      const v = t.bp.cookies.get(srv);
      if (v === undefined || v.length !== len || !h.startsWith(v, valBeg)) continue;
      const up = srv.state === 'UP';
      if (up || t.bp.rules.persistDown || t.verdict === PERSIST_FORCE) {
        t.cliFlag = up ? 'V' : 'D';
        t.direct = srv;
        found = srv;
        break;
      }
      // Down: remembered, and the next servers may share the cookie.
      t.cliFlag = 'D';
    }
  }
  // TX_CK_DOWN|EXPIRED|OLD covers the whole TX_CK mask: only a first verdict is recorded.
  if (found === undefined && t.cliFlag === 'N') {
    t.cliFlag = t.verdict === PERSIST_IGNORE || t.direct !== undefined ? 'U' : 'I';
  }
  return delim;
}

/**
 * The response half, on a final response from a server, after the
 * http-response rules: the server's own persistence cookie, then the
 * inserted one.
 */
export function persistResponse(s: PersistStream): void {
  const t = s.persist;
  const ck = t?.bp.cookie;
  if (t === undefined || ck === undefined) return;
  const srv = s.server;
  const canon = s.resCanon;
  const values = cookieHeaders(s.resHead, canon, 'set-cookie');
  let foundByServer = false;
  if (values.length > 0) {
    let changed = false;
    const out: Array<string | undefined> = [];
    for (const v of values) {
      const r = serverCookie(t, ck, srv, v);
      if (r.found) foundByServer = true;
      if (r.value !== v) changed = true;
      out.push(r.value);
    }
    if (changed) applyHeaders(s.resCanonical(), 'set-cookie', out);
  }
  if (srv === undefined || !ck.insert) return;
  if (foundByServer && ck.preserve) return;
  const now = nowSec();
  const refresh =
    t.direct === undefined ||
    ((ck.maxIdle !== 0 || t.lastDate !== 0) && (t.lastDate === 0 || t.lastDate - now < 0)) ||
    (ck.maxLife !== 0 && t.firstDate === 0) ||
    (ck.maxLife === 0 && t.firstDate !== 0);
  if (!refresh) return;
  if (ck.postonly && !t.isPost) return;
  if (t.verdict === PERSIST_IGNORE) return;
  const value = t.bp.cookies.get(srv);
  let line: string;
  if (value === undefined) {
    // A server without a cookie (e.g. a backup) asks the client to forget it.
    line = `${ck.name}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/`;
  } else {
    line = `${ck.name}=${value}`;
    if (ck.maxIdle !== 0 || ck.maxLife !== 0) {
      const stamp = Math.floor((now + 3) / 4);
      line += `|${s30tob64(stamp)}`;
      if (ck.maxLife !== 0) line += `|${s30tob64(t.firstDate !== 0 ? Math.floor(t.firstDate / 4) : stamp)}`;
    }
    line += '; path=/';
  }
  line += ck.suffix;
  const head = s.resCanonical();
  head.headers.push(['set-cookie', line]);
  t.srvFlag = value !== undefined && t.direct !== undefined ? 'U' : 'I';
  // "HTTP/1.0 caches also cache cookies": 'private' rather than no-cache="set-cookie",
  // on responses a cache could otherwise keep (TX_CACHEABLE).
  if (ck.nocache && responseCacheable(head, t.cacheableMethod)) head.headers.push(['cache-control', 'private']);
}

/** RFC 7231 §6.1: the statuses cacheable by default (http_wait_for_response()). */
const CACHEABLE_STATUS = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);

/**
 * http_ana.c http_check_response_for_cacheability() (2.6): `Pragma:
 * no-cache`, then each Cache-Control value in turn (`public` sets,
 * `private`/`no-cache`/`no-store`/`max-age=0`/`s-maxage=0` clear, a
 * `max-age`/`s-maxage` is freshness); without freshness, an `Expires`,
 * `ETag` or `Last-Modified` is needed (RFC 7234 §3).
 */
function responseCacheable(head: CanonicalHead, methodCacheable: boolean): boolean {
  // `public` makes any method and status cacheable again (it sets TX_CACHEABLE).
  let cacheable = methodCacheable && CACHEABLE_STATUS.has(head.status);
  let fresh = false;
  let validator = false;
  let pragma: string | undefined;
  const cc: string[] = [];
  for (const [n, v] of head.headers) {
    const l = n.toLowerCase();
    if (l === 'pragma') pragma ??= v;
    else if (l === 'cache-control') for (const x of v.split(',')) cc.push(x.trim().toLowerCase());
    else if (l === 'expires') fresh = true;
    else if (l === 'etag' || l === 'last-modified') validator = true;
  }
  if (pragma !== undefined && pragma.toLowerCase() === 'no-cache') return false;
  let ccFresh = false;
  for (const v of cc) {
    if (v === 'public') cacheable = true;
    else if (v === 'private' || v === 'no-cache' || v === 'no-store' || v === 'max-age=0' || v === 's-maxage=0') cacheable = false;
    else if (v.startsWith('no-cache="set-cookie')) continue;
    else if (v.startsWith('s-maxage') || v.startsWith('max-age')) ccFresh = true;
  }
  return cacheable && (ccFresh || fresh || validator);
}

/**
 * http_manage_server_side_cookies() for one Set-Cookie value: only its
 * first cookie counts (Expires may hold a comma).
 */
function serverCookie(t: PersistTxn, ck: CookieSpec, srv: Server | undefined, h: string): { value: string | undefined; found: boolean } {
  const c = scanCookie(h, 0, true, false);
  // The attributes after the first cookie are not cookies.
  c.next = h.length;
  if (c.equal === c.valEnd) return { value: h, found: false };
  h = stripAroundEqual(h, c);
  if (t.verdict === PERSIST_IGNORE || c.attEnd - c.attBeg !== ck.name.length || !h.startsWith(ck.name, c.attBeg)) {
    return { value: h, found: false };
  }
  t.srvFlag = 'P';
  if (ck.preserve) return { value: h, found: true };
  if ((srv !== undefined && ck.insert) || (t.direct !== undefined && ck.indirect)) {
    // Deleted: insert mode sets its own, indirect mode hides it from clients that have one.
    t.srvFlag = 'D';
    return { value: undefined, found: true };
  }
  const v = srv === undefined ? undefined : t.bp.cookies.get(srv);
  if (v !== undefined && ck.rewrite) {
    t.srvFlag = 'R';
    return { value: h.slice(0, c.valBeg) + v + h.slice(c.valEnd), found: true };
  }
  if (v !== undefined && ck.prefix) {
    t.srvFlag = 'R';
    return { value: `${h.slice(0, c.valBeg)}${v}~${h.slice(c.valBeg)}`, found: true };
  }
  return { value: h, found: true };
}
