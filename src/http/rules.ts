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
import { compileLogFormat as compileLf } from '../sample/log-format-eval.js';
import { compileSample, evalFinal, type CompileEnv, type SampleFn } from '../sample/compile.js';
import type { SampleContext } from '../sample/context.js';
import type { LogFormat } from '../sample/log-format.js';
import { castSample, sampleToString, smpStr, type Sample } from '../sample/sample.js';
import type { Endpoint } from '../sample/context.js';
import type { Backend, Frontend } from '../proxy/runtime.js';
import type { CanonicalHead } from './h1-head.js';
import { isDefaultErrorStatus, renderedErrorMessage } from './default-errors.js';
import { compileAddressHeader, type AddressHeader } from './forwardfor.js';
import type { RedirectData, HttpReplyData, HeaderData, VariableData, FormatValue, SettingsData } from './rule-model.js';
import { normalizeTarget, type NormalizerName } from './normalize-uri.js';
import { pathOf } from './http-fetches.js';
import { compileLegacyAction, expand, pcreRegExp } from './legacy-rules.js';
import { errorAwareReply } from './error-pages-rules.js';
import { compileAuthAction } from './auth.js';
import { compileCaptureAction } from './capture.js';
import { compileMapAction } from './rule-map-actions.js';
import { conditionsAllow, detach, endpointFrom, ruleEnvOf } from '../proxy/rule-helpers.js';
import { REJECT, SILENT_DROP } from './http-misc.js';
import { compileLegacySetBackend, hasLegacySetBackend, legacyBackendName } from './legacy-set-backend.js';
import './http-fetches.js';

/**
 * What the stream offers to rules. The optional members are the stream state
 * some actions change (HttpStream has them all; a bare context ignores them).
 */
export interface RuleSubject extends SampleContext {
  /** True while response rules run (the direction of hdr() and cookie()). */
  response?: boolean;
  reqCanonical(): CanonicalHead;
  resCanonical(): CanonicalHead;
  /** The request target as it stands (rewritten or received), without creating the canonical head. */
  readonly uri?: string | undefined;
  /** early-hint: writes an interim response to the client now. */
  writeCli?(b: Buffer): void;
  /** early-hint: 103 responses only go to HTTP/1.1 clients. */
  readonly reqMajor11?: boolean;
  /** set-src / set-src-port / set-dst / set-dst-port: the connection's addresses as rules and forwardfor see them. */
  srcOverride?: Endpoint | undefined;
  dstOverride?: Endpoint | undefined;
  /** set-timeout server|tunnel (proxy.c cur_server_timeout / cur_tunnel_timeout). */
  curServerTimeout?: number | undefined;
  curTunnelTimeout?: number | undefined;
  /** set-priority-class / set-priority-offset (queue.c). */
  prioClass?: number | undefined;
  prioOffset?: number | undefined;
  /** set-log-level: the level of this transaction's log line ('silent': none). */
  logLevel?: string | undefined;
  /** http-request disable-l7-retry (src/http/l7-retry.ts): no replay of this request. */
  noL7Retry?: boolean;
}

/** A rule's verdict: continue (undefined), stop the rule set, or answer the client. */
export type RuleOutcome =
  | { readonly kind: 'stop' }
  // tarpit: held for `timeout tarpit` before it is sent (stream-replies.ts).
  // local: answered by the proxy itself (return, redirect, auth): logged `L` (SF_ERR_LOCAL) instead of `P` (src/log/http-log.ts).
  | { readonly kind: 'reply'; readonly bytes: Buffer; readonly close: boolean; readonly tarpit?: boolean; readonly reset?: boolean; readonly local?: boolean }
  // wait-for-body: the walk pauses; the stream resumes it at rule `next` (stream.ts, stream-res-wait.ts).
  | { readonly kind: 'wait-body'; readonly time: number; readonly atLeast: number; readonly next: number };

type RuleFn = (s: RuleSubject) => RuleOutcome | undefined;

/** The compiled layer-7 configuration of one proxy. */
export interface HttpProxy {
  /** Runs the http-request rules from rule `from` (a resumed wait-for-body), else from the first. */
  request(s: RuleSubject, from?: number): RuleOutcome | undefined;
  /** Runs the http-response rules from rule `from` (a resumed wait-for-body, stream-res-wait.ts), else from the first. */
  response(s: RuleSubject, from?: number): RuleOutcome | undefined;
  selectBackend(s: RuleSubject): Backend | undefined;
  readonly forwardFor: AddressHeader | undefined;
  readonly originalTo: AddressHeader | undefined;
}

const STOP: RuleOutcome = { kind: 'stop' };
/** http_ana.c HTTP_RULE_RES_BADREQ (normalize-uri strict on an invalid URI): a 400, then close. */
const BAD_REQUEST: RuleOutcome = { kind: 'reply', bytes: renderedErrorMessage(400, { close: false }), close: true };
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

/**
 * Compiles a log-format value of an HTTP action into a string producer with
 * the shared evaluator (src/sample/log-format-eval.ts): `%[expr]`, the
 * variables known before logging (`%ci %cp %fi %fp %f %ft %b %s %pid`...),
 * flags (+Q, +E), a missing sample printing nothing as haproxy does in HTTP
 * values; expressions compiled with `env` (backend names, pattern references).
 */
export function compileLogFormat(f: LogFormat | undefined, fallback: string, env: CompileEnv = {}): (ctx: SampleContext) => string {
  if (f === undefined) return () => fallback;
  const c = compileLf(f, env, { http: true });
  return c.ok ? c.fn : () => fallback;
}

function fmt(v: FormatValue | undefined, env: CompileEnv): (ctx: SampleContext) => string {
  return compileLogFormat(v?.format, v?.text ?? '', env);
}

function cond(rule: { readonly cond?: RuleConfig['cond'] }, env: CompileEnv): ConditionFn | undefined {
  if (rule.cond === undefined) return undefined;
  const c = compileCondition(rule.cond, env);
  return c.ok ? c.fn : () => 'false';
}

function compileHttpProxy(px: Frontend | Backend): HttpProxy {
  const p = px.config;
  const isFe = 'listeners' in px;
  // The runtime's environment (src/proxy/rule-helpers.ts), as the layer-4 rules: nbsrv(be) & co resolve their backend.
  const env = ruleEnvOf(px);
  // http_ana.c http_process_req_common(): http-request rules, then the `redirect` rules.
  const req = compileRules(p.rules.httpRequest, env, false).concat(compileRules(p.rules.redirect, env, false));
  const res = compileRules(p.rules.httpResponse, env, true);
  const sw = isFe ? compileSwitching(px as Frontend, env) : () => undefined;
  return {
    request: runner(req),
    response: runner(res, true),
    selectBackend: sw,
    forwardFor: compileAddressHeader(p.forwardFor),
    originalTo: compileAddressHeader(p.originalTo),
  };
}

function runner(rules: RuleFn[], response = false): (s: RuleSubject, from?: number) => RuleOutcome | undefined {
  if (rules.length === 0) return () => undefined;
  if (response) {
    // sample.c SMP_OPT_DIR_RES: hdr() and cookie() read the response while http-response rules run.
    const run = runner(rules);
    return (s, from = 0) => {
      s.response = true;
      const o = run(s, from);
      s.response = false;
      return o;
    };
  }
  return (s, from = 0) => {
    for (let i = from; i < rules.length; i++) {
      const o = rules[i]!(s);
      if (o === undefined) continue;
      // wait-for-body: where to resume is this rule's position (only the runner knows it).
      if (o.kind === 'wait-body') return { kind: 'wait-body', time: o.time, atLeast: o.atLeast, next: i + 1 };
      return o.kind === 'stop' ? undefined : o;
    }
    return undefined;
  };
}

/** proxy.c process_switching_rules(), with HTTP fetches available. */
function compileSwitching(fe: Frontend, env: CompileEnv): (s: RuleSubject) => Backend | undefined {
  const p = fe.config;
  const rt = fe.runtime;
  const rules = p.useBackends.map((r) => {
    const c = cond(r, env);
    const name = r.dynamic !== undefined ? compileLogFormat(r.dynamic, r.name, env) : undefined;
    return { c, name, backend: name === undefined ? rt.backends.get(r.name) : undefined };
  });
  // reqsetbe / reqisetbe (legacy-set-backend.ts) switch before the use_backend rules.
  const legacy = hasLegacySetBackend(p);
  return (s) => {
    if (legacy) {
      const b = rt.backends.get(legacyBackendName(s) ?? '');
      if (b !== undefined) return b;
    }
    for (const r of rules) {
      if (r.c !== undefined && r.c(s) !== 'true') continue;
      if (r.name !== undefined) return rt.backends.get(r.name(s)) ?? fe.defaultBackend;
      if (r.backend !== undefined) return r.backend;
    }
    return fe.defaultBackend;
  };
}

/**
 * Compiles a rule list into closures, conditions included. Consecutive
 * `early-hint` rules build one 103 response, sent after the last of them
 * (http_act.c http_action_early_hint() looks at the next rule's action).
 */
export function compileRules(list: readonly RuleConfig[], env: CompileEnv, response: boolean): RuleFn[] {
  const out: RuleFn[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    const c = cond(r, env);
    if (r.action === 'early-hint') {
      out.push(compileEarlyHint(r, c, list[i + 1]?.action !== 'early-hint', env));
      continue;
    }
    const f = compileAction(r, response, env);
    if (f === undefined) continue;
    out.push(c === undefined ? f : (s) => (c(s) === 'true' ? f(s) : undefined));
  }
  return out;
}

/** The header lines of the 103 being built by a group of early-hint rules (rules run synchronously). */
let hintLines = '';

/**
 * http_act.c http_action_early_hint(): each rule adds `<name>: <value>` to
 * the pending 103, the last rule of a group sends it; nothing is sent to an
 * HTTP/1.0 client (checked against haproxy 2.6).
 */
function compileEarlyHint(r: RuleConfig, c: ConditionFn | undefined, last: boolean, env: CompileEnv): RuleFn {
  const h = r.data as HeaderData;
  const value = fmt(h.value, env);
  const name = h.name.toLowerCase();
  return (s) => {
    if ((c === undefined || c(s) === 'true') && s.reqMajor11 !== false && s.writeCli !== undefined) {
      hintLines += `${name}: ${value(s)}\r\n`;
    }
    if (last && hintLines !== '') {
      const bytes = Buffer.from(`HTTP/1.1 103 Early Hints\r\n${hintLines}\r\n`, 'latin1');
      hintLines = '';
      s.writeCli?.(bytes);
    }
    return undefined;
  };
}

/** The heads a rule set rewrites. */
function head(s: RuleSubject, response: boolean): CanonicalHead {
  return response ? s.resCanonical() : s.reqCanonical();
}

function compileAction(r: RuleConfig, response: boolean, env: CompileEnv): RuleFn | undefined {
  const d = r.data;
  switch (r.action) {
    case 'allow':
      return () => STOP;
    // http-request reject, disable-l7-retry (http-misc.ts, l7-retry.ts).
    case 'reject':
      return () => REJECT;
    // http-request/response silent-drop: the client connection is reset
    // without an answer (haproxy hides it from the client with TCP_REPAIR or
    // a TTL of 1, which Node cannot set; a reset is the closest).
    case 'silent-drop':
      return () => SILENT_DROP;
    case 'wait-for-body': {
      // http_act.c http_action_wait_for_body(): the stream pauses the walk (request: stream.ts, response: stream-res-wait.ts).
      const v = (d as { readonly values?: { readonly time?: number; readonly bytes?: number } } | undefined)?.values;
      const wait: RuleOutcome = { kind: 'wait-body', time: v?.time ?? 0, atLeast: v?.bytes ?? 0, next: -1 };
      return () => wait;
    }
    case 'disable-l7-retry':
      return (s) => {
        s.noL7Retry = true;
        return undefined;
      };
    case 'add-header':
    case 'set-header': {
      const h = d as HeaderData;
      const lower = h.name.toLowerCase();
      const value = fmt(h.value, env);
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
      const match = headerNameMatcher(h);
      return (s) => {
        const m = head(s, response);
        m.headers = m.headers.filter(([n]) => !match(n));
        return undefined;
      };
    }
    case 'replace-header':
    case 'replace-value': {
      const h = d as HeaderData;
      const lower = h.name.toLowerCase();
      const re = pcreRegExp(h.regex ?? '');
      const value = fmt(h.value, env);
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
      const v = fmtSetting(r, env);
      return (s) => {
        s.reqCanonical().method = v(s);
        return undefined;
      };
    }
    case 'set-uri': {
      const v = fmtSetting(r, env);
      return (s) => {
        s.reqCanonical().target = v(s);
        return undefined;
      };
    }
    case 'set-path': {
      const v = fmtSetting(r, env);
      return (s) => {
        const m = s.reqCanonical();
        const q = m.target.indexOf('?');
        m.target = v(s) + (q < 0 ? '' : m.target.slice(q));
        return undefined;
      };
    }
    case 'set-query': {
      const v = fmtSetting(r, env);
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
      const v = compileLogFormat(r.formats?.[0], r.args[1] ?? '', env);
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
        m.reason = reason ?? httpReason(st);
        return undefined;
      };
    }
    case 'set-pathq': {
      const v = fmtSetting(r, env);
      // http_act.c: set-pathq replaces the path and the query string together.
      return (s) => {
        const m = s.reqCanonical();
        m.target = splitTarget(m.target).prefix + v(s);
        return undefined;
      };
    }
    case 'replace-pathq': {
      const re = pcreRegExp(r.args[0] ?? '');
      const v = compileLogFormat(r.formats?.[0], r.args[1] ?? '', env);
      return (s) => {
        const m = s.reqCanonical();
        const t = splitTarget(m.target);
        const x = re.exec(t.pathq);
        if (x !== null) m.target = t.prefix + expand(v(s), x);
        return undefined;
      };
    }
    case 'normalize-uri': {
      const vals = (d as SettingsData).values;
      const normalizer = vals['normalizer'] as NormalizerName;
      const option = vals['option'] !== undefined;
      return (s) => {
        const target = s.uri ?? s.reqCanonical().target;
        const n = normalizeTarget(target, normalizer, option);
        if (typeof n !== 'string') return BAD_REQUEST;
        if (n !== target) s.reqCanonical().target = n;
        return undefined;
      };
    }
    case 'set-timeout':
      return compileSetTimeout(r, env);
    case 'strict-mode':
      // http_act.c: strict-mode decides whether a failed rewrite is an error;
      // Switchyard's rewrites work on strings and cannot fail, so both modes behave alike.
      return () => undefined;
    case 'set-log-level': {
      const level = String((d as SettingsData | undefined)?.values['level'] ?? '');
      return (s) => {
        s.logLevel = level;
        return undefined;
      };
    }
    case 'set-src':
    case 'set-dst':
    case 'set-src-port':
    case 'set-dst-port':
      return compileSetAddress(r, env);
    case 'set-priority-class':
    case 'set-priority-offset':
      return compileSetPriority(r, env);
    case 'unset-var': {
      const v = d as VariableData | undefined;
      if (v === undefined) return undefined;
      return (s) => {
        s.vars(v.scope)?.delete(v.name);
        return undefined;
      };
    }
    case 'deny':
    case 'return':
    case 'tarpit':
      return errorAwareReply(d as HttpReplyData | undefined, r.action, (d2, a) => compileReply(d2, a, env), env);
    case 'redirect':
      return compileRedirect(d as RedirectData, env);
    // http-request auth (auth.ts); http-request/http-response capture (capture.ts).
    case 'auth':
      return compileAuthAction(r);
    case 'capture':
      return compileCaptureAction(r, response);
    // set-map / del-map / add-acl / del-acl (rule-map-actions.ts).
    case 'set-map':
    case 'del-map':
    case 'add-acl':
    case 'del-acl':
      return compileMapAction(r, env);
    default:
      if (r.action.startsWith('set-var')) return compileSetVar(d as VariableData, r, env);
      if (d !== undefined && d.kind === 'legacy-line' && d.verb === 'set-backend') return response ? undefined : compileLegacySetBackend(d);
      if (d !== undefined && d.kind === 'legacy-line') return compileLegacyAction(d, response);
      return undefined;
  }
}

function fmtSetting(r: RuleConfig, env: CompileEnv): (ctx: SampleContext) => string {
  return compileLogFormat(r.formats?.[0], r.args[0] ?? '', env);
}


function compileSetVar(v: VariableData | undefined, r: RuleConfig, env: CompileEnv): RuleFn | undefined {
  if (v === undefined) return undefined;
  const e = r.expressions?.[0];
  const c = e === undefined ? undefined : compileSample(e, env);
  const f = v.value !== undefined ? fmt(v.value, env) : undefined;
  const conds = v.conditions;
  return (s) => {
    const store = s.vars(v.scope);
    if (store === undefined) return undefined;
    let x: Sample | undefined;
    if (c !== undefined && c.ok) x = evalFinal(c.fn, s);
    else if (f !== undefined) x = smpStr(f(s));
    // vars.c action_store(): no sample, no change.
    if (x !== undefined && conditionsAllow(conds, store, v.name, x)) store.set(v.name, detach(x));
    return undefined;
  };
}

/** del-header's name matching (-m str|beg|end|sub|reg); names compare case-insensitively. */
function headerNameMatcher(h: HeaderData): (name: string) => boolean {
  const lower = h.name.toLowerCase();
  switch (h.match ?? 'str') {
    case 'str': return (n) => n.toLowerCase() === lower;
    case 'beg': return (n) => n.toLowerCase().startsWith(lower);
    case 'end': return (n) => n.toLowerCase().endsWith(lower);
    case 'sub': return (n) => n.toLowerCase().includes(lower);
    case 'reg': {
      const re = pcreRegExp(h.name);
      return (n) => re.test(n);
    }
  }
}

/** A request target as "scheme://authority" (absolute form) and the path with its query. */
function splitTarget(target: string): { prefix: string; pathq: string } {
  if (target.startsWith('/')) return { prefix: '', pathq: target };
  const scheme = target.indexOf('://');
  if (scheme < 0) return { prefix: '', pathq: target };
  const slash = target.indexOf('/', scheme + 3);
  return slash < 0 ? { prefix: target, pathq: '' } : { prefix: target.slice(0, slash), pathq: target.slice(slash) };
}

/** proxy.c action_timeout_set_stream_timeout(): a constant, or an expression giving milliseconds. */
function compileSetTimeout(r: RuleConfig, env: CompileEnv): RuleFn | undefined {
  const vals = (r.data as SettingsData | undefined)?.values;
  const tunnel = vals?.['timeout'] === 'tunnel';
  const constant = vals?.['value'];
  const e = r.expressions?.[0];
  const c = e === undefined ? undefined : compileSample(e, env);
  const apply = (s: RuleSubject, ms: number): void => {
    if (tunnel) s.curTunnelTimeout = ms;
    else s.curServerTimeout = ms;
  };
  if (typeof constant === 'number') {
    return (s) => {
      apply(s, constant);
      return undefined;
    };
  }
  if (c === undefined || !c.ok) return undefined;
  return (s) => {
    const x = evalFinal(c.fn, s);
    const n = x === undefined ? undefined : castSample(x, 'sint');
    // A missing or non-positive value leaves the timeout as it is.
    if (n?.type === 'sint' && n.value > 0n && n.value <= 2147483647n) apply(s, Number(n.value));
    return undefined;
  };
}

/**
 * tcp_act.c tcp_action_req_set_src/dst[_port](): the connection's address
 * changes for what follows (fetches, forwardfor, balance source) and for the
 * rest of the connection; an expression that gives nothing changes nothing.
 */
function compileSetAddress(r: RuleConfig, env: CompileEnv): RuleFn | undefined {
  const e = r.expressions?.[0];
  const c = e === undefined ? undefined : compileSample(e, env);
  if (c === undefined || !c.ok) return undefined;
  const src = r.action.startsWith('set-src');
  const port = r.action.endsWith('-port');
  return (s) => {
    const cur = src ? s.src : s.dst;
    const x = evalFinal(c.fn, s);
    let next: Endpoint | undefined;
    if (!port) next = endpointFrom(x, cur?.port ?? 0);
    else {
      const n = x === undefined ? undefined : castSample(x, 'sint');
      if (n?.type === 'sint') next = { address: cur?.address ?? '0.0.0.0', port: Number(BigInt.asUintN(16, n.value)) };
    }
    if (next === undefined) return undefined;
    if (src) s.srcOverride = next;
    else s.dstOverride = next;
    return undefined;
  };
}

/** queue.c action_set_priority_class/offset(): clamped to [-2047, 2047] and [-524287, 524287]. */
function compileSetPriority(r: RuleConfig, env: CompileEnv): RuleFn | undefined {
  const e = r.expressions?.[0];
  const c = e === undefined ? undefined : compileSample(e, env);
  if (c === undefined || !c.ok) return undefined;
  const isClass = r.action === 'set-priority-class';
  const lim = isClass ? 0x7ff : 0x7ffff;
  return (s) => {
    const x = evalFinal(c.fn, s);
    const n = x === undefined ? undefined : castSample(x, 'sint');
    if (n?.type !== 'sint') return undefined;
    const v = Number(n.value < BigInt(-lim) ? BigInt(-lim) : n.value > BigInt(lim) ? BigInt(lim) : n.value);
    if (isClass) s.prioClass = v;
    else s.prioOffset = v;
    return undefined;
  };
}

function compileReply(d: HttpReplyData | undefined, action: string, env: CompileEnv): RuleFn {
  const status = d?.status ?? (action === 'return' ? 200 : action === 'tarpit' ? 500 : 403);
  const body = d?.body;
  if (action !== 'return' && body === undefined && isDefaultErrorStatus(status)) {
    const bytes = renderedErrorMessage(status, { close: false });
    return () => ({ kind: 'reply', bytes, close: false, local: action === 'return' });
  }
  const text = body === undefined ? () => '' : body.source === 'lf-string' ? compileLogFormat(body.format, body.value, env) : () => body.value;
  const hdrs = (d?.headers ?? []).map((h) => ({ name: h.name, value: fmt(h.value, env) }));
  const reason = httpReason(status);
  return (s) => {
    const b = Buffer.from(text(s), 'latin1');
    let h = `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${b.length}\r\n`;
    if (d?.contentType !== undefined && b.length > 0) h += `content-type: ${d.contentType}\r\n`;
    // http_htx.c http_reply_to_htx(): a header whose value formats to nothing is left out.
    for (const x of hdrs) {
      const v = x.value(s);
      if (v !== '') h += `${x.name.toLowerCase()}: ${v}\r\n`;
    }
    return { kind: 'reply', bytes: Buffer.concat([Buffer.from(`${h}\r\n`, 'latin1'), b]), close: false, local: action === 'return' };
  };
}

/** http.c http_get_reason(), read from haproxy 2.6 (`return status <n>` for every code). */
const REASONS: Readonly<Record<number, string>> = { 100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints", 200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 210: "Content Different", 226: "IM Used", 300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other", 304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect", 310: "Too many Redirects", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Time-out", 409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large", 414: "Request-URI Too Long", 415: "Unsupported Media Type", 416: "Requested range unsatisfiable", 417: "Expectation failed", 418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Content", 423: "Locked", 424: "Method failure", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 449: "Retry With", 450: "Blocked by Windows Parental Controls", 451: "Unavailable For Legal Reasons", 456: "Unrecoverable Error", 499: "client has closed connection", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway or Proxy Error", 503: "Service Unavailable", 504: "Gateway Time-out", 505: "HTTP Version not supported", 506: "Variant also negotiate", 507: "Insufficient storage", 508: "Loop detected", 509: "Bandwidth Limit Exceeded", 510: "Not extended", 511: "Network authentication required", 520: "Web server is returning an unknown error" };

/** The reason phrase haproxy 2.6 writes for a status it sets itself (set-status, return). */
export function httpReason(status: number): string {
  const r = REASONS[status];
  if (r !== undefined) return r;
  switch (Math.floor(status / 100)) {
    case 1: return 'Informational';
    case 2: return 'Success';
    case 3: return 'Redirection';
    case 4: return 'Client Error';
    case 5: return 'Server Error';
    default: return 'Other';
  }
}

const REDIRECT_REASON: Record<number, string> = { 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect' };

/** http_ana.c http_apply_redirect_rule(). */
function compileRedirect(d: RedirectData, env: CompileEnv): RuleFn {
  const target = fmt(d.target, env);
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
    // http_rules.c http_parse_redirect_rule() (2.6): "<v>; path=/;" and "<v>; path=/; Max-Age=0;" (audit-rules.test.ts).
    if (d.setCookie !== undefined) h += `set-cookie: ${d.setCookie}; path=/;\r\n`;
    if (d.clearCookie !== undefined) h += `set-cookie: ${d.clearCookie}; path=/; Max-Age=0;\r\n`;
    return { kind: 'reply', bytes: Buffer.from(`${h}\r\n`, 'latin1'), close: false, local: true };
  };
}

export type { ProxyConfig };
