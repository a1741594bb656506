/**
 * The layer-7 part of a proxy, compiled once from its configuration:
 * `http-request` / `http-response` rules into flat closure lists, the
 * backend switching rules (`use_backend` with conditions and dynamic names,
 * `default_backend`) and the forwarding headers (configuration.txt §4.2).
 *
 * Rules read the message through the stream (a SampleContext exposing the
 * HTTP slot of http-fetches.ts) and rewrite it through its canonical (string)
 * form, created on the first modification only: a request no rule touches is
 * written from its received bytes.
 */
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import { compileCondition, type ConditionFn } from '../acl/evaluate.js';
import { compileSample, evalFinal, type SampleFn } from '../sample/compile.js';
import type { SampleContext } from '../sample/context.js';
import type { LogFormat } from '../sample/log-format.js';
import { sampleToString, smpStr } from '../sample/sample.js';
import type { Backend, Frontend } from '../proxy/runtime.js';
import type { CanonicalHead } from './h1-head.js';
import { defaultErrorReason, isDefaultErrorStatus, renderedErrorMessage } from './default-errors.js';
import { compileAddressHeader, type AddressHeader } from './forwardfor.js';
import type { RedirectData, HttpReplyData, HeaderData, VariableData, FormatValue } from './rule-model.js';
import { pathOf } from './http-fetches.js';
import { compileLegacyAction, expand, pcreRegExp } from './legacy-rules.js';
import './http-fetches.js';

/** What the stream offers to rules. */
export interface RuleSubject extends SampleContext {
  reqCanonical(): CanonicalHead;
  resCanonical(): CanonicalHead;
}

/** A rule's verdict: continue (undefined), stop the rule set, or answer the client. */
export type RuleOutcome = { readonly kind: 'stop' } | { readonly kind: 'reply'; readonly bytes: Buffer; readonly close: boolean };

type RuleFn = (s: RuleSubject) => RuleOutcome | undefined;

/** The compiled layer-7 configuration of one proxy. */
export interface HttpProxy {
  request(s: RuleSubject): RuleOutcome | undefined;
  response(s: RuleSubject): RuleOutcome | undefined;
  selectBackend(s: RuleSubject): Backend | undefined;
  readonly forwardFor: AddressHeader | undefined;
  readonly originalTo: AddressHeader | undefined;
}

const STOP: RuleOutcome = { kind: 'stop' };
const cache = new WeakMap<Frontend | Backend, HttpProxy>();

/** The compiled layer-7 configuration of a frontend or backend (compiled on first use, then cached). */
export function httpProxyOf(px: Frontend | Backend): HttpProxy {
  let hp = cache.get(px);
  if (hp === undefined) {
    hp = compileHttpProxy(px);
    cache.set(px, hp);
  }
  return hp;
}

/** Compiles a log-format string into a string producer (text and %[expr] nodes; %vars give "-"). */
export function compileLogFormat(f: LogFormat | undefined, fallback: string): (ctx: SampleContext) => string {
  if (f === undefined) return () => fallback;
  const parts: Array<string | SampleFn> = [];
  for (const n of f.nodes) {
    if (n.kind === 'text') parts.push(n.text);
    else if (n.kind === 'separator') parts.push(' ');
    else if (n.kind === 'expr') {
      const c = compileSample(n.expr);
      parts.push(c.ok ? c.fn : () => undefined);
    } else parts.push('-');
  }
  if (parts.every((p) => typeof p === 'string')) {
    const text = parts.join('');
    return () => text;
  }
  return (ctx) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else {
        const s = evalFinal(p, ctx);
        const v = s === undefined ? undefined : sampleToString(s);
        out += v ?? '';
      }
    }
    return out;
  };
}

function fmt(v: FormatValue | undefined): (ctx: SampleContext) => string {
  return compileLogFormat(v?.format, v?.text ?? '');
}

function cond(rule: { readonly cond?: RuleConfig['cond'] }, env: object): ConditionFn | undefined {
  if (rule.cond === undefined) return undefined;
  const c = compileCondition(rule.cond, env);
  return c.ok ? c.fn : () => 'false';
}

function compileHttpProxy(px: Frontend | Backend): HttpProxy {
  const p = px.config;
  const isFe = 'listeners' in px;
  const env = {};
  // http_ana.c http_process_req_common(): http-request rules, then the `redirect` rules.
  const req = compileRules(p.rules.httpRequest, env, false).concat(compileRules(p.rules.redirect, env, false));
  const res = compileRules(p.rules.httpResponse, env, true);
  const sw = isFe ? compileSwitching(px as Frontend) : () => undefined;
  return {
    request: runner(req),
    response: runner(res),
    selectBackend: sw,
    forwardFor: compileAddressHeader(p.forwardFor),
    originalTo: compileAddressHeader(p.originalTo),
  };
}

function runner(rules: RuleFn[]): (s: RuleSubject) => RuleOutcome | undefined {
  if (rules.length === 0) return () => undefined;
  return (s) => {
    for (let i = 0; i < rules.length; i++) {
      const o = rules[i]!(s);
      if (o !== undefined) return o.kind === 'stop' ? undefined : o;
    }
    return undefined;
  };
}

/** proxy.c process_switching_rules(), with HTTP fetches available. */
function compileSwitching(fe: Frontend): (s: RuleSubject) => Backend | undefined {
  const p = fe.config;
  const rt = fe.runtime;
  const rules = p.useBackends.map((r) => {
    const c = cond(r, {});
    const name = r.dynamic !== undefined ? compileLogFormat(r.dynamic, r.name) : undefined;
    return { c, name, backend: name === undefined ? rt.backends.get(r.name) : undefined };
  });
  return (s) => {
    for (const r of rules) {
      if (r.c !== undefined && r.c(s) !== 'true') continue;
      if (r.name !== undefined) return rt.backends.get(r.name(s)) ?? fe.defaultBackend;
      if (r.backend !== undefined) return r.backend;
    }
    return fe.defaultBackend;
  };
}

function compileRules(list: readonly RuleConfig[], env: object, response: boolean): RuleFn[] {
  const out: RuleFn[] = [];
  for (const r of list) {
    const f = compileAction(r, response);
    if (f === undefined) continue;
    const c = cond(r, env);
    out.push(c === undefined ? f : (s) => (c(s) === 'true' ? f(s) : undefined));
  }
  return out;
}

/** The heads a rule set rewrites. */
function head(s: RuleSubject, response: boolean): CanonicalHead {
  return response ? s.resCanonical() : s.reqCanonical();
}

function compileAction(r: RuleConfig, response: boolean): RuleFn | undefined {
  const d = r.data;
  switch (r.action) {
    case 'allow':
      return () => STOP;
    case 'add-header':
    case 'set-header': {
      const h = d as HeaderData;
      const lower = h.name.toLowerCase();
      const value = fmt(h.value);
      const set = r.action === 'set-header';
      return (s) => {
        const v = value(s);
        const m = head(s, response);
        if (set) m.headers = m.headers.filter(([n]) => n.toLowerCase() !== lower);
        m.headers.push([h.name, v]);
        return undefined;
      };
    }
    case 'del-header': {
      const h = d as HeaderData;
      const lower = h.name.toLowerCase();
      return (s) => {
        const m = head(s, response);
        m.headers = m.headers.filter(([n]) => n.toLowerCase() !== lower);
        return undefined;
      };
    }
    case 'replace-header':
    case 'replace-value': {
      const h = d as HeaderData;
      const lower = h.name.toLowerCase();
      const re = pcreRegExp(h.regex ?? '');
      const value = fmt(h.value);
      const perValue = r.action === 'replace-value';
      // http_act.c http_replace_hdrs(): an unanchored match replaces the whole value (or comma-delimited value) by the expansion.
      const one = (v: string, repl: string): string => {
        const m = re.exec(v);
        return m === null ? v : expand(repl, m);
      };
      return (s) => {
        const m = head(s, response);
        const repl = value(s);
        for (const e of m.headers) {
          if (e[0].toLowerCase() !== lower) continue;
          // A replaced value loses its surrounding blanks, an untouched one keeps them ("a-old-b, c, a-old" → "a-new, c,a-new" in 2.6).
          e[1] = perValue
            ? e[1].split(',').map((x) => {
                const t = x.trim();
                const m2 = re.exec(t);
                return m2 === null ? x : expand(repl, m2);
              }).join(',')
            : one(e[1], repl);
        }
        return undefined;
      };
    }
    case 'set-method': {
      const v = fmtSetting(r);
      return (s) => {
        s.reqCanonical().method = v(s);
        return undefined;
      };
    }
    case 'set-uri': {
      const v = fmtSetting(r);
      return (s) => {
        s.reqCanonical().target = v(s);
        return undefined;
      };
    }
    case 'set-path': {
      const v = fmtSetting(r);
      return (s) => {
        const m = s.reqCanonical();
        const q = m.target.indexOf('?');
        m.target = v(s) + (q < 0 ? '' : m.target.slice(q));
        return undefined;
      };
    }
    case 'set-query': {
      const v = fmtSetting(r);
      return (s) => {
        const m = s.reqCanonical();
        const q = m.target.indexOf('?');
        const base = q < 0 ? m.target : m.target.slice(0, q);
        const nq = v(s);
        m.target = nq === '' ? `${base}?` : `${base}?${nq}`;
        return undefined;
      };
    }
    case 'replace-path':
    case 'replace-uri': {
      const src = r.args[0] ?? '';
      const re = pcreRegExp(src);
      const v = compileLogFormat(r.formats?.[0], r.args[1] ?? '');
      const pathOnly = r.action === 'replace-path';
      // http_ana.c http_req_replace_stline(): the whole URI (path) becomes the expansion when the regex matches.
      return (s) => {
        const m = s.reqCanonical();
        if (!pathOnly) {
          const x = re.exec(m.target);
          if (x !== null) m.target = expand(v(s), x);
          return undefined;
        }
        const q = m.target.indexOf('?');
        const path = q < 0 ? m.target : m.target.slice(0, q);
        const x = re.exec(path);
        if (x !== null) m.target = expand(v(s), x) + (q < 0 ? '' : m.target.slice(q));
        return undefined;
      };
    }
    case 'set-status': {
      const st = Number(r.args[0]);
      const reason = r.args[1] === 'reason' ? r.args[2] : undefined;
      return (s) => {
        const m = s.resCanonical();
        m.status = st;
        m.statusText = String(st);
        m.reason = reason ?? (isDefaultErrorStatus(st) ? defaultErrorReason(st) : m.reason);
        return undefined;
      };
    }
    case 'deny':
    case 'return':
    case 'tarpit':
      return compileReply(d as HttpReplyData | undefined, r.action);
    case 'redirect':
      return compileRedirect(d as RedirectData);
    default:
      if (r.action.startsWith('set-var')) return compileSetVar(d as VariableData, r);
      if (d !== undefined && d.kind === 'legacy-line') return compileLegacyAction(d, response);
      return undefined;
  }
}

function fmtSetting(r: RuleConfig): (ctx: SampleContext) => string {
  return compileLogFormat(r.formats?.[0], r.args[0] ?? '');
}


function compileSetVar(v: VariableData | undefined, r: RuleConfig): RuleFn | undefined {
  if (v === undefined) return undefined;
  const e = r.expressions?.[0];
  const c = e === undefined ? undefined : compileSample(e);
  const f = v.value !== undefined ? fmt(v.value) : undefined;
  return (s) => {
    const store = s.vars(v.scope);
    if (store === undefined) return undefined;
    if (c !== undefined && c.ok) {
      const x = evalFinal(c.fn, s);
      if (x !== undefined) store.set(v.name, x);
    } else if (f !== undefined) store.set(v.name, smpStr(f(s)));
    return undefined;
  };
}

function compileReply(d: HttpReplyData | undefined, action: string): RuleFn {
  const status = d?.status ?? (action === 'return' ? 200 : action === 'tarpit' ? 500 : 403);
  const body = d?.body;
  if (action !== 'return' && body === undefined && isDefaultErrorStatus(status)) {
    const bytes = renderedErrorMessage(status, { close: false });
    return () => ({ kind: 'reply', bytes, close: false });
  }
  const text = body === undefined ? () => '' : body.source === 'lf-string' ? compileLogFormat(body.format, body.value) : () => body.value;
  const hdrs = (d?.headers ?? []).map((h) => ({ name: h.name, value: fmt(h.value) }));
  const reason = isDefaultErrorStatus(status) ? defaultErrorReason(status) : status === 200 ? 'OK' : '';
  return (s) => {
    const b = Buffer.from(text(s), 'latin1');
    let h = `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${b.length}\r\n`;
    if (d?.contentType !== undefined && b.length > 0) h += `content-type: ${d.contentType}\r\n`;
    for (const x of hdrs) h += `${x.name.toLowerCase()}: ${x.value(s)}\r\n`;
    return { kind: 'reply', bytes: Buffer.concat([Buffer.from(`${h}\r\n`, 'latin1'), b]), close: false };
  };
}

const REDIRECT_REASON: Record<number, string> = { 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect' };

/** http_ana.c http_apply_redirect_rule(). */
function compileRedirect(d: RedirectData): RuleFn {
  const target = fmt(d.target);
  const code = d.code;
  return (s) => {
    const m = s.reqCanonical();
    let path = pathOf(m.target);
    if (d.dropQuery) {
      const q = path.indexOf('?');
      if (q >= 0) path = path.slice(0, q);
    }
    // http_ana.c http_apply_redirect_rule(): append-slash looks at the last
    // character of the path *with* its query and appends there ("/d?y" →
    // "/d?y/"), an haproxy 2.6 quirk matched on purpose (compat stream.test.ts).
    if (d.appendSlash && !path.endsWith('/')) path = `${path}/`;
    const t = target(s);
    let loc: string;
    if (d.type === 'location') loc = t;
    else if (d.type === 'prefix') loc = (t === '/' ? '' : t) + path;
    else {
      const host = m.headers.find(([n]) => n.toLowerCase() === 'host')?.[1];
      loc = `${t}://${host ?? ''}${path}`;
    }
    if (d.ignoreEmpty && t === '') return undefined;
    let h = `HTTP/1.1 ${code} ${REDIRECT_REASON[code] ?? 'Found'}\r\ncontent-length: 0\r\nlocation: ${loc}\r\n`;
    // http_ana.c http_apply_redirect_rule(): temporary redirects are not cached.
    if (code === 302 || code === 303 || code === 307) h += 'cache-control: no-cache\r\n';
    if (d.setCookie !== undefined) h += `set-cookie: ${d.setCookie}; path=/\r\n`;
    if (d.clearCookie !== undefined) h += `set-cookie: ${d.clearCookie}; path=/; Max-Age=0; Expires=Thu, 01-Jan-1970 00:00:01 GMT\r\n`;
    return { kind: 'reply', bytes: Buffer.from(`${h}\r\n`, 'latin1'), close: false };
  };
}

export type { ProxyConfig };
