/**
 * General proxy keywords (configuration.txt §4.2): `mode`, `id`,
 * `description`, `disabled`, `enabled`, `bind-process`, `acl`, and content
 * switching (`default_backend`, `use_backend`, `use-server`), plus the
 * condition helper every rule parser uses so that conditions are worded the
 * same everywhere.
 */
import type { Place } from '../diagnostics.js';
import type { Condition, AclScope } from '../../acl/condition.js';
import { parseCondition } from '../../acl/condition.js';
import { addAclTerm, parseAclLine } from '../../acl/acl.js';
import type { SampleUsage, ParseCtx } from '../../sample/types.js';
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { cAtoi } from '../global/c-numbers.js';
import { fatalParserError, proxyTypeStr, tooManyArgs, warnIfNotCap } from './util.js';

/** The ACLs a condition of this proxy may name: its own `acl` lines (predefined ACLs are found by the parser). */
export function aclScope(p: ProxyConfig): AclScope {
  return { lookup: (name: string) => p.acls.get(name) };
}

/** The parse context for a sample expression or condition of this proxy. */
export function parseCtxFor(ctx: LineContext, p: ProxyConfig, usage: SampleUsage): ParseCtx {
  const c: ParseCtx = { place: ctx.place, usage, proxyCap: { frontend: p.cap.frontend, backend: p.cap.backend } };
  if (p.mode === 'tcp' || p.mode === 'http') c.proxyMode = p.mode;
  return c;
}

export type RuleConditionResult = { ok: true; cond: Condition | undefined } | { ok: false };

/**
 * Parses the condition of a rule starting at `words[start]` (`if` or
 * `unless`; no condition when the word is absent or empty) against the
 * proxy's ACLs. On error, alerts "<context> : <message>." where `context` is
 * what haproxy says for that rule (default: "error detected while parsing a
 * '<words[0]>' condition"), and returns `{ ok: false }`. The conflict warnings
 * of haproxy's warnif_cond_conflicts() are reported at the line. `cap`
 * overrides the proxy's sides for the rules haproxy checks at one fixed step.
 */
export function parseRuleCondition(
  ctx: LineContext,
  p: ProxyConfig,
  words: readonly string[],
  start: number,
  usage: SampleUsage,
  context = `error detected while parsing a '${words[0] ?? ''}' condition`,
  cap?: { frontend: boolean; backend: boolean },
): RuleConditionResult {
  const w = words[start] ?? '';
  if (w === '') return { ok: true, cond: undefined };
  const pc = parseCtxFor(ctx, p, usage);
  if (cap !== undefined) pc.proxyCap = cap;
  const r = parseCondition([...words], start, aclScope(p), pc);
  if (!r.ok) {
    ctx.alert('CFG_RULE_CONDITION', `${context} : ${r.message}.`);
    return { ok: false };
  }
  for (const warning of r.warnings) ctx.warning('CFG_RULE_CONDITION_CONFLICT', warning);
  return { ok: true, cond: r.cond };
}

/**
 * The processing order of request rules (cfgparse.c warnif_misplaced_*): a
 * rule written after a rule of a later step still runs before it.
 */
export const RULE_PHASES = [
  'tcp-request connection', 'tcp-request session', 'tcp-request content', 'monitor fail',
  'http-request', 'redirect', 'use_backend', 'use-server',
] as const;
export type RulePhase = (typeof RULE_PHASES)[number];

function phaseUsed(p: ProxyConfig, phase: RulePhase): boolean {
  switch (phase) {
    case 'tcp-request connection': return p.rules.tcpRequestConnection.length > 0;
    case 'tcp-request session': return p.rules.tcpRequestSession.length > 0;
    case 'tcp-request content': return p.rules.tcpRequestContent.length > 0;
    case 'monitor fail': return p.monitorFail.length > 0;
    case 'http-request': return p.rules.httpRequest.length > 0;
    case 'redirect': return p.rules.redirect.length > 0;
    case 'use_backend': return p.useBackends.length > 0;
    case 'use-server': return p.useServers.length > 0;
  }
}

const PHASE_WORDING: Readonly<Record<RulePhase, string>> = {
  'tcp-request connection': "a 'tcp-request connection' rule",
  'tcp-request session': "a 'tcp-request session' rule",
  'tcp-request content': "a 'tcp-request content' rule",
  'monitor fail': "a 'monitor fail' rule",
  'http-request': "an 'http-request' rule",
  redirect: "a 'redirect' rule",
  use_backend: "a 'use_backend' rule",
  'use-server': "a 'use-server' rule",
};

/**
 * Warns (once, for the first later step found) when a rule of step `phase`,
 * called `label` in the message, is written after a rule of a later step:
 * "a 'monitor fail' rule placed after a 'use_backend' rule will still be
 * processed before.". For the rules helper too (`http-request`, `tcp-request`...).
 */
export function warnIfMisplaced(ctx: LineContext, p: ProxyConfig, label: string, phase: RulePhase): void {
  // cfgparse.c has no check for use_backend or use-server rules themselves.
  if (phase === 'use_backend' || phase === 'use-server') return;
  const from = RULE_PHASES.indexOf(phase) + 1;
  for (let i = from; i < RULE_PHASES.length; i++) {
    const later = RULE_PHASES[i];
    if (later === undefined || !phaseUsed(p, later)) continue;
    ctx.warning('CFG_RULE_MISPLACED', `a '${label}' rule placed after ${PHASE_WORDING[later]} will still be processed before.`);
    return;
  }
}

/** haproxy's "'<kw>' not allowed in 'defaults' section." (style differs between keywords). */
export function refuseInDefaults(ctx: LineContext, p: ProxyConfig, keyword: string, tight = false): boolean {
  if (!p.cap.defaults) return false;
  ctx.alert('CFG_NOT_IN_DEFAULTS', `'${keyword}' not allowed in 'defaults' section.`, tight ? 'parsing-tight' : 'parsing');
  return true;
}

/** Proxy ids in use per configuration (haproxy's used_proxy_id tree). */
const usedIds = new WeakMap<object, Map<number, ProxyConfig>>();

function parseMode(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (tooManyArgs(ctx, words, 1)) return;
  const m = words[1] ?? '';
  if (m === 'http' || m === 'tcp') {
    p.mode = m;
    p.modePlace = ctx.place;
  } else if (m === 'health') {
    ctx.alert('CFG_MODE_REMOVED', `'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead.`);
  } else {
    ctx.alert('CFG_MODE_UNKNOWN', `unknown proxy mode '${m}'.`);
  }
}

function parseId(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (refuseInDefaults(ctx, p, 'id', true)) return;
  if (tooManyArgs(ctx, words, 1)) return;
  const v = words[1] ?? '';
  if (v === '') {
    ctx.alert('CFG_ID_INVALID', `'id' expects an integer argument.`, 'parsing-tight');
    return;
  }
  const id = cAtoi(v);
  p.id = id;
  p.idPlace = ctx.place;
  if (id <= 0) {
    ctx.alert('CFG_ID_INVALID', 'custom id has to be > 0.', 'parsing-tight');
    return;
  }
  let ids = usedIds.get(ctx.model);
  if (ids === undefined) {
    ids = new Map();
    usedIds.set(ctx.model, ids);
  }
  const other = ids.get(id);
  if (other !== undefined) {
    ctx.alert(
      'CFG_ID_DUPLICATE',
      `${proxyTypeStr(p)} ${p.name} reuses same custom id as ${proxyTypeStr(other)} ${other.name} (declared at ${other.place.file}:${other.place.line}).`,
      'parsing-tight',
    );
  } else {
    ids.set(id, p);
  }
}

function parseDescription(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (refuseInDefaults(ctx, p, 'description', true)) return;
  if ((words[1] ?? '') === '') {
    // cfgparse-listen.c returns -1 here, which stops haproxy's parser.
    ctx.alert('CFG_DESCRIPTION_MISSING', `'description' expects a string argument.`, 'parsing-tight');
    fatalParserError(ctx);
    return;
  }
  p.description = words.slice(1).join(' ');
}

function parseAcl(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  // configuration.txt §4.1: acl is "X (!)" in defaults: named defaults only.
  if (p.cap.defaults && p.name === '') {
    ctx.alert('CFG_NOT_IN_ANONYMOUS_DEFAULTS', `'acl' not allowed in anonymous 'defaults' section.`);
    return;
  }
  const r = parseAclLine(words.slice(1), parseCtxFor(ctx, p, 'acl'));
  if (!r.ok) {
    ctx.alert('CFG_ACL_INVALID', r.message);
    return;
  }
  addAclTerm(p.acls, r.name, r.term);
  // acl.c prints these without a place ("parsing acl keyword 'src' :\n  no pattern ...").
  for (const w of r.warnings) ctx.diag.warning('CFG_ACL_WARNING', w, ctx.place, 'none');
}

function parseDefaultBackend(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'frontend', 'default_backend');
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_BACKEND_NAME_MISSING', `'default_backend' expects a backend name.`);
    return;
  }
  p.defaultBackend = { name, place: ctx.place };
  tooManyArgs(ctx, words, 1);
}

function parseUseBackend(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (refuseInDefaults(ctx, p, 'use_backend')) return;
  warnIfNotCap(ctx, p, 'frontend', 'use_backend');
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_BACKEND_NAME_MISSING', `'use_backend' expects a backend name.`);
    return;
  }
  let cond: Condition | undefined;
  const w = words[2] ?? '';
  if (w === 'if' || w === 'unless') {
    const r = parseRuleCondition(ctx, p, words, 2, 'use_backend', 'error detected while parsing switching rule');
    if (!r.ok) return;
    cond = r.cond;
  } else if (w !== '') {
    ctx.alert('CFG_RULE_UNEXPECTED_WORD', `unexpected keyword '${w}' after switching rule, only 'if' and 'unless' are allowed.`);
    return;
  }
  // A name with '%' is a log-format string, resolved (or found static) once every section is read.
  p.useBackends.push({ place: ctx.place, name, cond });
}

function parseUseServer(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (refuseInDefaults(ctx, p, 'use-server')) return;
  warnIfNotCap(ctx, p, 'backend', 'use-server');
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_SERVER_NAME_MISSING', `'use-server' expects a server name.`);
    return;
  }
  const w = words[2] ?? '';
  if (w !== 'if' && w !== 'unless') {
    ctx.alert('CFG_RULE_CONDITION_REQUIRED', `'use-server' requires either 'if' or 'unless' followed by a condition.`);
    return;
  }
  const r = parseRuleCondition(ctx, p, words, 2, 'use-server', 'error detected while parsing switching rule');
  if (!r.ok) return;
  p.useServers.push({ place: ctx.place, server: name, cond: r.cond });
}

/** haproxy 2.6 has a single process: the highest process number bind-process accepts. */
const MAX_PROCS = 1;

/**
 * tools.c parse_process_number(): `all`, `odd`, `even`, `<n>` or `<n>-[<m>]`.
 * Returns haproxy's message, or undefined when valid.
 */
export function checkProcessRange(arg: string): string | undefined {
  if (arg === 'all' || arg === 'odd' || arg === 'even') return undefined;
  const dash = arg.indexOf('-');
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i] ?? '';
    if (!(c === '-' && i === dash) && !(c >= '0' && c <= '9')) return `'${arg}' is not a valid number/range.`;
  }
  // str2uic() reads the leading digits only ("-1" gives 0).
  const num = (t: string): number => Number(/^\d*/.exec(t)?.[0] || '0');
  let low = num(arg);
  let high = low;
  if (dash >= 0) high = dash === arg.length - 1 ? MAX_PROCS : num(arg.slice(dash + 1));
  if (high < low) [low, high] = [high, low];
  if (low < 1 || low > MAX_PROCS || high > MAX_PROCS) return `'${arg}' is not a valid number/range. It supports numbers from 1 to ${MAX_PROCS}.`;
  return undefined;
}

/** Records where a proxy was declared for messages that need it. */
export function describeProxy(p: ProxyConfig): string {
  return `${p.mode} ${proxyTypeStr(p)} '${p.name}' (${placeText(p.place)})`;
}

function placeText(place: Place): string {
  return `${place.file}:${place.line}`;
}

proxyKeywords.register(
  { name: 'mode', parse: parseMode },
  { name: 'id', parse: parseId, enforced: 'lands with statistics' },
  { name: 'description', parse: parseDescription },
  {
    name: 'disabled',
    parse(ctx, p, words) {
      if (tooManyArgs(ctx, words, 0)) return;
      p.disabled = true;
    },
    enforced: 'lands with the proxy lifecycle',
  },
  {
    name: 'enabled',
    parse(ctx, p, words) {
      if (tooManyArgs(ctx, words, 0)) return;
      p.disabled = false;
    },
  },
  {
    name: 'bind-process',
    parse(ctx, _p, words) {
      for (let i = 1; (words[i] ?? '') !== '' && words[i] !== 'all'; i++) {
        const err = checkProcessRange(words[i] ?? '');
        if (err !== undefined) {
          ctx.alert('CFG_BIND_PROCESS', `bind-process : ${err}`);
          return;
        }
      }
      ctx.warning('CFG_DEPRECATED', `'bind-process' has no effect, is deprecated, and will be removed in version 2.7.`, 'parsing-tight');
    },
  },
  { name: 'acl', parse: parseAcl },
  { name: 'default_backend', parse: parseDefaultBackend },
  { name: 'use_backend', parse: parseUseBackend },
  { name: 'use-server', parse: parseUseServer },
);
