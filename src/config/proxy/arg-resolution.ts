/**
 * Resolution of the sample arguments that name other objects (backends,
 * frontends, servers, tables, userlists), once every section is read:
 * haproxy's smp_resolve_args() (src/sample.c), run for each proxy after its
 * deferred log-formats are parsed. All errors of one proxy are reported in one
 * alert, as haproxy does ("multiple argument resolution errors:").
 */
import type { Diagnostics, Place } from '../diagnostics.js';
import type { ConfigModel } from '../model/index.js';
import type { LogFormatSetting, ProxyConfig, RuleConfig, RuleSets } from '../model/proxy.js';
import type { Condition } from '../../acl/condition.js';
import type { SampleExpression } from '../../sample/expression.js';
import type { LogFormat } from '../../sample/log-format.js';

/** One expression with what haproxy knows about where it was written. */
interface ArgSource {
  readonly place: Place;
  readonly expr: SampleExpression;
  /** The ACL keyword when the expression is an ACL's criterion. */
  readonly aclKeyword?: string | undefined;
  /** haproxy's ARGC_* context text ("in http-request expression in"); "in" for ACLs. */
  readonly where: string;
}

// sample.c smp_resolve_args(): the context names of conf.args.ctx.
const RULESET_CONTEXT: Readonly<Record<keyof RuleSets, string>> = {
  tcpRequestConnection: 'in tcp-request connection expression in',
  tcpRequestSession: 'in tcp-request session expression in',
  tcpRequestContent: 'in tcp-request content expression in',
  tcpResponseContent: 'in tcp-response content expression in',
  httpRequest: 'in http-request expression in',
  httpResponse: 'in http-response response in',
  httpAfterResponse: 'in http-response response in',
  redirect: 'in redirect format string in',
};

function formatExprs(f: LogFormat | undefined): SampleExpression[] {
  const out: SampleExpression[] = [];
  for (const n of f?.nodes ?? []) if (n.kind === 'expr') out.push(n.expr);
  return out;
}

/** The anonymous ACLs of a condition (named ones were registered by their `acl` line). */
function conditionSources(cond: Condition | undefined, place: Place): ArgSource[] {
  const out: ArgSource[] = [];
  for (const suite of cond?.suites ?? []) {
    for (const term of suite) {
      if (term.acl.name !== '') continue;
      for (const t of term.acl.terms) out.push({ place, expr: t.expr, aclKeyword: t.kw, where: 'in' });
    }
  }
  return out;
}

function ruleSources(rule: RuleConfig, where: string): ArgSource[] {
  const ctx = rule.action.startsWith('track-sc') ? 'in tracking rule in' : where;
  const out: ArgSource[] = [];
  for (const expr of rule.expressions ?? []) out.push({ place: rule.place, expr, where: ctx });
  for (const f of rule.formats ?? []) for (const expr of formatExprs(f)) out.push({ place: rule.place, expr, where: ctx });
  out.push(...conditionSources(rule.cond, rule.place));
  return out;
}

/** Expressions parsed while reading the proxy's lines, in file order. */
function parsedSources(p: ProxyConfig): ArgSource[] {
  const out: ArgSource[] = [];
  for (const acl of p.acls.values()) {
    for (const t of acl.terms) out.push({ place: t.place, expr: t.expr, aclKeyword: t.kw, where: 'in' });
  }
  for (const key of Object.keys(RULESET_CONTEXT) as (keyof RuleSets)[]) {
    for (const rule of p.rules[key]) out.push(...ruleSources(rule, RULESET_CONTEXT[key]));
  }
  for (const r of p.useBackends) out.push(...conditionSources(r.cond, r.place));
  for (const r of p.useServers) out.push(...conditionSources(r.cond, r.place));
  for (const list of [p.monitorFail, p.forcePersist, p.ignorePersist, p.stats.admin]) {
    for (const r of list) out.push(...conditionSources(r.cond, r.place));
  }
  for (const s of p.stickRules) {
    out.push({ place: s.place, expr: s.expression, where: 'in stick rule in' }, ...conditionSources(s.cond, s.place));
  }
  // Stable sort: same-line sources keep their order (action, then condition).
  return out.map((s, i) => ({ s, i })).sort((a, b) => a.s.place.line - b.s.place.line || a.i - b.i).map((x) => x.s);
}

/** Expressions parsed by the post-parse checks (use_backend names, then log-formats). */
function deferredSources(p: ProxyConfig): ArgSource[] {
  const out: ArgSource[] = [];
  for (const r of p.useBackends) {
    for (const expr of formatExprs(r.dynamic)) out.push({ place: r.place, expr, where: 'in use_backend expression in' });
  }
  const fmt = (f: LogFormatSetting | undefined, where: string): void => {
    if (f === undefined) return;
    for (const expr of formatExprs(f.parsed)) out.push({ place: f.place, expr, where });
  };
  fmt(p.logFormat, 'in log-format string in');
  fmt(p.logFormatSd, 'in log-format-sd string in');
  fmt(p.uniqueIdFormat, 'in unique-id-format string in');
  fmt(p.errorLogFormat, 'in log-format string in');
  return out;
}

function backendByName(model: ConfigModel, name: string): ProxyConfig | undefined {
  return model.proxies.find((x) => x.name === name && x.cap.backend);
}

/** The messages for one expression's unresolved arguments. */
function resolveOne(model: ConfigModel, p: ProxyConfig, src: ArgSource): string[] {
  const errors: string[] = [];
  const base = src.aclKeyword !== undefined ? `ACL keyword '${src.aclKeyword}'` : `sample fetch keyword '${src.expr.fetchName}'`;
  const at = `parsing [${src.place.file}:${src.place.line}]:`;
  for (const u of src.expr.unresolved) {
    const who = u.converter !== undefined ? `conversion keyword '${u.converter}' for ${base}` : base;
    const ref = `referenced in arg ${u.position} of ${who} ${src.where} proxy '${p.name}'.`;
    switch (u.type) {
      case 'be':
        if (backendByName(model, u.name) === undefined) errors.push(`${at} unable to find backend '${u.name}' ${ref}`);
        break;
      case 'fe':
        if (!model.proxies.some((x) => x.name === u.name && x.cap.frontend)) errors.push(`${at} unable to find frontend '${u.name}' ${ref}`);
        break;
      case 'srv': {
        const slash = u.name.indexOf('/');
        const pxName = slash >= 0 ? u.name.slice(0, slash) : undefined;
        const srvName = slash >= 0 ? u.name.slice(slash + 1) : u.name;
        const px = pxName === undefined ? p : backendByName(model, pxName);
        if (px === undefined) {
          errors.push(`${at} unable to find proxy '${pxName ?? ''}' ${ref}`);
        } else if (!px.servers.some((s) => s.name === srvName)) {
          errors.push(`${at} unable to find server '${srvName}' in proxy '${px.name}', ${ref}`);
        }
        break;
      }
      case 'tab': {
        const name = u.name === '' ? p.name : u.name;
        const found = model.proxies.some((x) => x.name === name && x.stickTable !== undefined)
          || model.peers.some((s) => s.directives.some((d) => d.keyword === 'table' && d.args[0] === name));
        if (!found) {
          errors.push(u.name === '' ? `${at} no table in proxy '${name}' ${ref}` : `${at} unable to find table '${name}' ${ref}`);
        }
        break;
      }
      case 'usr':
        if (u.name === '') errors.push(`${at} missing userlist name in arg ${u.position} of ${who} ${src.where} proxy '${p.name}'.`);
        else if (!model.userlists.some((l) => l.name === u.name)) errors.push(`${at} unable to find userlist '${u.name}' ${ref}`);
        break;
      case 'reg':
        break;
    }
  }
  return errors;
}

/**
 * Resolves the arguments of every expression of `p` and reports the missing
 * objects. Called by the proxy post-checks after the log-formats are parsed.
 */
export function resolveProxyArgs(model: ConfigModel, diag: Diagnostics, p: ProxyConfig): void {
  const errors: string[] = [];
  let first: Place | undefined;
  for (const src of [...parsedSources(p), ...deferredSources(p)]) {
    const e = resolveOne(model, p, src);
    if (e.length > 0) first ??= src.place;
    errors.push(...e);
  }
  if (errors.length === 0) return;
  const message = errors.length === 1 ? errors[0] ?? '' : `multiple argument resolution errors:\n        ${errors.join('\n        ')}`;
  diag.alert('CFG_ARG_UNRESOLVED', message, first, 'none');
}
