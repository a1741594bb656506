/**
 * HTTP basic authentication against `userlist` sections (configuration.txt
 * §3.4, §4.2 "http-request auth", §7.3.6 "http_auth*"), as haproxy 2.6 does
 * it in http_fetch.c get_http_auth() and auth.c check_user():
 *
 *  - the credentials come from the first comma-delimited value of the first
 *    `Authorization` header; the scheme is the text before the first space
 *    and is compared with `strncasecmp("Basic", scheme, len(scheme))`, so
 *    any case-insensitive prefix of "Basic" ("B", "bas") counts as Basic
 *    (then "Bearer" the same way); the token must be strict base64
 *    (base64dec(): length multiple of 4, padding only at the end);
 *  - `user:pass` is split at the first ':'; both are C strings (cut at NUL);
 *  - `insecure-password` compares as is, `password` through crypt(3)
 *    (crypt.ts). haproxy recomputes crypt on every check; we keep a small
 *    bounded cache of successful checks (key: userlist, user, SHA-256 of the
 *    password), because SHA-crypt costs milliseconds per request;
 *  - `http-request auth [realm <r>]` answers the proxy's 401 page with every
 *    `WWW-Authenticate` replaced by `Basic realm="<r>"`; the realm defaults to
 *    the name of the proxy holding the rule. haproxy 2.6 never sends 407 on
 *    HTTP/1 (TX_USE_PX_CONN is not set any more, even for absolute-form
 *    targets: verified against haproxy 2.6.12).
 */
import { createHash } from 'node:crypto';
import type { ConfigModel } from '../config/model/index.js';
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import type { UserlistSection } from '../config/model/sections.js';
import type { SampleContext } from '../sample/context.js';
import { argRef, findFetchImpl, registerFetchImpls, type FetchFn, type FetchImpl } from '../sample/impl-registry.js';
import { smpBool, smpStr } from '../sample/sample.js';
import { cryptMatches } from './crypt.js';
import { errorPageBytes } from './error-pages.js';
import type { SettingsData } from './rule-model.js';
import type { RuleOutcome } from './rules.js';
import './http-fetches.js';
import { proxiedAuth } from './http-misc.js';

/** One user, groups resolved both ways (auth.c userlist_postinit()). */
interface AuthUser {
  readonly password: string | undefined;
  readonly insecure: boolean;
  readonly groups: readonly string[];
}

/** A userlist ready for checks. */
export interface CompiledUserlist {
  readonly name: string;
  readonly users: ReadonlyMap<string, AuthUser>;
}

/** Compiles a userlist section: users by name, each with every group naming it. */
export function compileUserlist(section: UserlistSection): CompiledUserlist {
  const users = new Map<string, AuthUser>();
  for (const u of section.users) {
    if (users.has(u.name)) continue;
    const groups = new Set(u.groups);
    for (const g of section.groups) if (g.users.includes(u.name)) groups.add(g.name);
    users.set(u.name, { password: u.password, insecure: u.insecure, groups: [...groups] });
  }
  return { name: section.name, users };
}

const compiled = new WeakMap<readonly UserlistSection[], Map<string, CompiledUserlist>>();

/** The stream's configuration, as an HttpStream exposes it (the same view error-pages.ts uses). */
interface WithModel {
  readonly runtime?: { readonly model: ConfigModel } | undefined;
}

function modelOf(ctx: SampleContext): ConfigModel | undefined {
  return (ctx as WithModel).runtime?.model;
}

/** The compiled userlist `name` of the stream's configuration. */
export function userlistOf(ctx: SampleContext, name: string): CompiledUserlist | undefined {
  const model = modelOf(ctx);
  if (model === undefined) return undefined;
  let byName = compiled.get(model.userlists);
  if (byName === undefined) {
    byName = new Map();
    for (const s of model.userlists) if (!byName.has(s.name)) byName.set(s.name, compileUserlist(s));
    compiled.set(model.userlists, byName);
  }
  return byName.get(name);
}

// ---------------------------------------------------------------------------
// check_user() and its cache
// ---------------------------------------------------------------------------

/** Successful crypt checks kept; oldest evicted first. */
export const AUTH_CACHE_SIZE = 1024;
const okCache = new Map<string, true>();

function cacheKey(list: string, user: string, pass: string): string {
  return `${list}\0${user}\0${createHash('sha256').update(pass, 'latin1').digest('base64')}`;
}

/** auth.c check_user(): whether `user` exists in `list` with password `pass`. */
export function checkUser(list: CompiledUserlist, user: string, pass: string): boolean {
  const u = list.users.get(user);
  if (u === undefined || u.password === undefined) return false;
  if (u.insecure) return u.password === pass;
  const key = cacheKey(list.name, user, pass);
  if (okCache.has(key)) return true;
  if (!cryptMatches(pass, u.password)) return false;
  if (okCache.size >= AUTH_CACHE_SIZE) {
    const oldest = okCache.keys().next();
    if (oldest.done !== true) okCache.delete(oldest.value);
  }
  okCache.set(key, true);
  return true;
}

/** Empties the cache of successful checks (tests). */
export function clearAuthCache(): void {
  okCache.clear();
}

// ---------------------------------------------------------------------------
// The Authorization header (get_http_auth())
// ---------------------------------------------------------------------------

/** What get_http_auth() extracts; `user`/`pass` only for Basic. */
export interface HttpAuthData {
  readonly method: 'Basic' | 'Bearer';
  /** The text after the scheme and its spaces. */
  readonly data: string;
  readonly user?: string;
  readonly pass?: string;
}

const B64_STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** strncasecmp(full, word, len(word)) == 0 for a word of at most `full`'s length. */
function schemeIs(full: string, word: string): boolean {
  return word.length <= full.length && full.startsWith(word.toLowerCase());
}

/**
 * http_fetch.c get_http_auth() on one header value (the first comma-delimited
 * value of `Authorization`); undefined when haproxy finds no usable
 * credentials.
 */
export function parseAuthorization(value: string): HttpAuthData | undefined {
  const sp = value.indexOf(' ');
  if (sp <= 0) return undefined;
  const scheme = value.slice(0, sp);
  let p = sp;
  while (p < value.length && value.charCodeAt(p) === 0x20) p++;
  const data = value.slice(p);
  if (schemeIs('basic', scheme)) {
    if (!B64_STRICT.test(data)) return undefined;
    const dec = Buffer.from(data, 'base64').toString('latin1');
    const colon = dec.indexOf(':');
    const nul = dec.indexOf('\0');
    if (colon < 0 || (nul >= 0 && nul < colon)) return undefined;
    const rest = dec.slice(colon + 1);
    const nul2 = rest.indexOf('\0');
    return { method: 'Basic', data, user: dec.slice(0, colon), pass: nul2 < 0 ? rest : rest.slice(0, nul2) };
  }
  if (schemeIs('bearer', scheme)) return { method: 'Bearer', data };
  return undefined;
}

/** `req.hdr(<name>,1)`: the first comma-delimited value, as http_find_header(..., 0) gives it. */
function firstValueFetch(name: string): FetchFn {
  const impl = findFetchImpl('req.hdr');
  const fn = impl?.compile([{ type: 'str', value: name }, { type: 'sint', value: 1 }], {}, 'req.hdr');
  return typeof fn === 'function' ? fn : () => undefined;
}

const authorizationValue = firstValueFetch('authorization');
const proxyAuthorizationValue = firstValueFetch('proxy-authorization');

function strOf(s: ReturnType<FetchFn>): string | undefined {
  return s !== undefined && typeof s === 'object' && s.type === 'str' ? s.value : undefined;
}

/** The request's credentials (get_http_auth()); undefined without usable ones. */
export function requestAuth(ctx: SampleContext): HttpAuthData | undefined {
  // option http-use-proxy-header: a proxied request authenticates with Proxy-Authorization (http-misc.ts).
  const v = strOf((proxiedAuth(ctx) ? proxyAuthorizationValue : authorizationValue)(ctx));
  return v === undefined ? undefined : parseAuthorization(v);
}

/** The user whose Basic credentials are valid in `list`, else undefined (smp_fetch_http_auth_grp()). */
function authenticatedUser(ctx: SampleContext, listName: string): string | undefined {
  const a = requestAuth(ctx);
  if (a?.method !== 'Basic' || a.user === undefined || a.pass === undefined) return undefined;
  const list = userlistOf(ctx, listName);
  return list !== undefined && checkUser(list, a.user, a.pass) ? a.user : undefined;
}

// ---------------------------------------------------------------------------
// Fetches (http_fetch.c)
// ---------------------------------------------------------------------------

function listArg(args: Parameters<FetchImpl['compile']>[0]): string {
  return argRef(args, 0) ?? '';
}

const basicPart = (pick: (a: HttpAuthData) => string | undefined): FetchImpl => ({
  compile: () => (ctx) => {
    const a = requestAuth(ctx);
    const v = a?.method === 'Basic' ? pick(a) : undefined;
    return v === undefined ? undefined : smpStr(v);
  },
});

const AUTH_FETCHES: Record<string, FetchImpl> = {
  // smp_fetch_http_auth(): a boolean when Basic credentials are present, whatever their validity.
  http_auth: {
    compile: (args) => {
      const name = listArg(args);
      return (ctx) => {
        const a = requestAuth(ctx);
        if (a?.method !== 'Basic' || a.user === undefined || a.pass === undefined) return undefined;
        const list = userlistOf(ctx, name);
        return smpBool(list !== undefined && checkUser(list, a.user, a.pass));
      };
    },
  },
  // smp_fetch_http_auth_grp(): the user name when valid. As an ACL (pat_match_auth), it
  // matches when the user belongs to one of the listed groups: the multi-valued form visits
  // the user's groups, so that the ACL's string patterns compare group names.
  http_auth_group: {
    compile: (args) => {
      const name = listArg(args);
      return (ctx) => {
        const u = authenticatedUser(ctx, name);
        return u === undefined ? undefined : smpStr(u);
      };
    },
    compileEach: (args) => {
      const name = listArg(args);
      return (ctx, visit) => {
        const u = authenticatedUser(ctx, name);
        if (u === undefined) return false;
        for (const g of userlistOf(ctx, name)?.users.get(u)?.groups ?? []) if (visit(smpStr(g))) return true;
        return false;
      };
    },
  },
  http_auth_user: basicPart((a) => a.user),
  http_auth_pass: basicPart((a) => a.pass),
  http_auth_type: {
    compile: () => (ctx) => {
      const a = requestAuth(ctx);
      return a === undefined ? undefined : smpStr(a.method);
    },
  },
  // smp_fetch_http_auth_bearer(): the token of a Bearer scheme, from Authorization or the named header.
  http_auth_bearer: {
    compile: (args) => {
      const hdr = args[0] !== undefined && args[0].type === 'str' && args[0].value !== '' ? args[0].value : undefined;
      if (hdr === undefined) {
        return (ctx) => {
          const a = requestAuth(ctx);
          return a?.method === 'Bearer' && a.data !== '' ? smpStr(a.data) : undefined;
        };
      }
      const value = firstValueFetch(hdr);
      return (ctx) => {
        const v = strOf(value(ctx));
        if (v === undefined) return undefined;
        const sp = v.indexOf(' ');
        const type = sp < 0 ? v : v.slice(0, sp);
        const token = sp < 0 ? '' : v.slice(sp).replace(/^ +/, '');
        return type.toLowerCase() === 'bearer' && token !== '' ? smpStr(token) : undefined;
      };
    },
  },
};

registerFetchImpls(AUTH_FETCHES);

// ---------------------------------------------------------------------------
// http-request auth
// ---------------------------------------------------------------------------

/** The proxy whose rule list holds `rule` (the realm's default), looked up once. */
function ownerName(rule: RuleConfig, model: ConfigModel | undefined): string | undefined {
  if (model === undefined) return undefined;
  const p: ProxyConfig | undefined = model.proxies.find((x) => x.rules.httpRequest.includes(rule));
  return p?.name;
}

/** Replaces every `name` header of a response's head by `name: value` at its end (http_replace_hdrs / http_add_header). */
export function replaceReplyHeader(bytes: Buffer, name: string, value: string): Buffer {
  const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return bytes;
  const lower = name.toLowerCase();
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  const kept = [lines[0] ?? '', ...lines.slice(1).filter((l) => l.slice(0, l.indexOf(':')).trim().toLowerCase() !== lower)];
  kept.push(`${lower}: ${value}`);
  return Buffer.concat([Buffer.from(`${kept.join('\r\n')}\r\n`, 'latin1'), bytes.subarray(end + 2)]);
}

/**
 * `http-request auth [realm <realm>]` (http_ana.c http_reply_40x_unauthorized()):
 * the 401 page of the stream's proxies with `WWW-Authenticate: Basic
 * realm="<realm>"`; the connection stays open as for any rule's reply.
 */
export function compileAuthAction(rule: RuleConfig): (s: SampleContext) => RuleOutcome {
  const d = rule.data as SettingsData | undefined;
  const given = d?.values['realm'];
  let realm = typeof given === 'string' ? given : undefined;
  return (s) => {
    realm ??= ownerName(rule, modelOf(s)) ?? s.backend?.name ?? s.frontend?.name ?? '';
    // http_ana.c http_reply_40x_unauthorized(): 407 + Proxy-Authenticate for a proxied request (http-misc.ts).
    const proxied = proxiedAuth(s);
    const page = errorPageBytes(s, proxied ? 407 : 401);
    // haproxy 2.6 logs the 401/407 with `LR` (checked differentially, test/compat/log/rule-flags.test.ts).
    if (page.length === 0) return { kind: 'reply', bytes: page, close: true, local: true };
    return { kind: 'reply', bytes: replaceReplyHeader(page, proxied ? 'Proxy-Authenticate' : 'WWW-Authenticate', `Basic realm="${realm}"`), close: false, local: true };
  };
}
