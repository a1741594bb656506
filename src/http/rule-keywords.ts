/**
 * `http-request`, `http-response`, `http-after-response` and the `redirect`
 * keyword (configuration.txt §4.2), registered into the proxy keyword table.
 *
 * Like haproxy's http_rules.c parse_http_req_cond(): find the action in the
 * rule set's keyword list (exact name, or prefix for 'set-var(*)'-style
 * actions), let its parser read its arguments, then accept only
 * `if|unless <cond>` after them. An invalid line stops haproxy's parsing
 * altogether (ERR_ABORT): see abortParsing().
 */
import type { LineContext } from '../config/section-registry.js';
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import { proxyKeywords } from '../config/sections/proxy-keywords.js';
import type { Condition } from '../acl/condition.js';
import type { ActionSpec, RuleSetId } from './rule-model.js';
import {
  RuleParser, abortParsing, actionSuggest, listedKeywords, parseConditionAt, printList, proxyTypeStr, type ListedKeyword,
} from './rule-parser.js';
import { httpActions, parseRedirect } from './rule-actions.js';
import { sharedActions } from '../tcp/rule-actions.js';

export type HttpRuleSet = 'http-request' | 'http-response' | 'http-after-response';

/**
 * Actions shared with the tcp rule sets (src/tcp/rule-actions.ts) that the
 * HTTP engine runs itself (src/http/rules.ts), whatever their tcp flag says.
 */
const HTTP_ENFORCED: ReadonlySet<string> = new Set([
  'set-var', 'set-var-fmt', 'unset-var', 'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'silent-drop',
  // The HTTP log reads it (src/log/log-level.ts); tcp rules keep their own flag.
  'set-log-level',
]);

/**
 * The actions of each rule set in haproxy 2.6's registration order, exactly as
 * `haproxy -c` lists them in its "expects ..." message ('(*)': prefix match).
 */
const LISTS: Record<HttpRuleSet, readonly string[]> = {
  'http-request': [
    'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)',
    'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)',
    'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry',
    'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri',
    'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri',
    'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
    'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class',
    'set-priority-offset',
  ],
  'http-response': [
    'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)',
    'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)',
    'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-map(*)',
    'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark',
    'set-tos', 'silent-drop',
  ],
  'http-after-response': [
    'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header',
    'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
  ],
};

const LISTED: Record<HttpRuleSet, ListedKeyword[]> = {
  'http-request': listedKeywords(LISTS['http-request']),
  'http-response': listedKeywords(LISTS['http-response']),
  'http-after-response': listedKeywords(LISTS['http-after-response']),
};

/** action.c action_lookup(): first keyword of the list that matches, exactly or by prefix. */
function findAction(ruleset: HttpRuleSet, word: string): ActionSpec | undefined {
  for (const k of LISTED[ruleset]) {
    if (k.prefix ? word.startsWith(k.name) : word === k.name) return httpActions[k.name] ?? sharedActions[k.name];
  }
  return undefined;
}

/** The names an http rule set accepts, for documentation and tests. */
export function httpRuleSetActions(ruleset: HttpRuleSet): readonly string[] {
  return LISTS[ruleset];
}

export type BuiltRule = { ok: true; rule: RuleConfig; spec: ActionSpec; warnings: string[] } | { ok: false; message: string; style: 'parsing' | 'parsing-tight' };

/**
 * Parses one http rule from the words after the rule-set keyword
 * (`words[start]` is the action) into a RuleConfig, or haproxy's message.
 * Warnings of the action (ignored reply headers...) are reported on `ctx`.
 */
export function buildHttpRule(ctx: LineContext, proxy: ProxyConfig, ruleset: HttpRuleSet, words: readonly string[], start: number): BuiltRule {
  const action = words[start] ?? '';
  const spec = findAction(ruleset, action);
  if (spec === undefined) {
    const best = actionSuggest(action, LISTED[ruleset]);
    return {
      ok: false,
      style: 'parsing-tight',
      message: `'${ruleset}' expects ${printList(LISTS[ruleset])}, but got '${action}'${action === '' ? ' (missing argument)' : ''}.${best !== undefined ? ` Did you mean '${best}' maybe ?` : ''}`,
    };
  }
  const p = new RuleParser(ctx, proxy, ruleset, words, start);
  if (spec.experimental === true && !p.experimentalAllowed) {
    return { ok: false, style: 'parsing', message: `'${spec.name}' action is experimental, must be allowed via a global 'expose-experimental-directives'` };
  }
  const parsed = spec.parse(p);
  if (parsed === undefined || p.error !== undefined) {
    const msg = p.error?.message ?? 'invalid action';
    if (p.error?.raw === true) return { ok: false, style: 'parsing', message: msg };
    return { ok: false, style: 'parsing', message: `error detected in ${proxyTypeStr(proxy)} '${proxy.name}' while parsing '${ruleset} ${action}' rule : ${msg}.` };
  }
  // http_rules.c: a warning from a successful action parser is printed with a final dot.
  for (const w of p.warnings) ctx.warning('CFG_RULE_WARNING', `${w}.`);

  const argsEnd = p.pos;
  let cond: Condition | undefined;
  let warnings: string[] = [];
  const next = words[p.pos] ?? '';
  if (next === 'if' || next === 'unless') {
    const c = parseConditionAt(ctx, proxy, words, p.pos, ruleset);
    if (!c.ok) {
      // http-request redirect parses its own condition (http_parse_redirect_rule()).
      const message = spec.name === 'redirect'
        ? `error detected in ${proxyTypeStr(proxy)} '${proxy.name}' while parsing '${ruleset} ${action}' rule : error in condition: ${c.message}.`
        : `error detected while parsing an '${ruleset} ${action}' condition : ${c.message}.`;
      return { ok: false, style: 'parsing', message };
    }
    cond = c.cond;
    warnings = c.warnings;
  } else if (next !== '') {
    return {
      ok: false,
      style: 'parsing-tight',
      message: `'${ruleset} ${action}' expects either 'if' or 'unless' followed by a condition but found '${next}'.`,
    };
  }
  const rule: RuleConfig = {
    place: ctx.place,
    action: spec.name,
    args: words.slice(start + 1, argsEnd),
    expressions: parsed.expressions,
    formats: parsed.formats,
    cond,
    data: parsed.data,
    final: parsed.final ?? spec.final ?? false,
  };
  return { ok: true, rule, spec, warnings };
}

/** The list of a proxy's rule set that a rule set id stores into. */
export function ruleList(proxy: ProxyConfig, ruleset: RuleSetId): RuleConfig[] {
  switch (ruleset) {
    case 'http-request': return proxy.rules.httpRequest;
    case 'http-response': return proxy.rules.httpResponse;
    case 'http-after-response': return proxy.rules.httpAfterResponse;
    case 'tcp-request connection': return proxy.rules.tcpRequestConnection;
    case 'tcp-request session': return proxy.rules.tcpRequestSession;
    case 'tcp-request content': return proxy.rules.tcpRequestContent;
    case 'tcp-response content': return proxy.rules.tcpResponseContent;
  }
}

/**
 * The rules a proxy declared itself: rules copied from its defaults section
 * are evaluated there (haproxy keeps them on the defaults proxy), so they do not
 * count for "previous rule is final" or misplaced-rule warnings.
 */
export function ownRules(ctx: LineContext, proxy: ProxyConfig, list: readonly RuleConfig[]): readonly RuleConfig[] {
  if (proxy.from === undefined) return list;
  const defaults = ctx.model.defaults.find((d) => d.name === proxy.from);
  if (defaults === undefined) return list;
  const inherited = new Set<RuleConfig>([
    ...defaults.rules.httpRequest, ...defaults.rules.httpResponse, ...defaults.rules.httpAfterResponse,
    ...defaults.rules.tcpRequestConnection, ...defaults.rules.tcpRequestSession, ...defaults.rules.tcpRequestContent,
    ...defaults.rules.tcpResponseContent, ...defaults.rules.redirect,
  ]);
  return list.filter((r) => !inherited.has(r));
}

/**
 * cfgparse-listen.c warnif_rule_after_*(): a rule written after rules of a
 * later processing step still runs before them. `after` lists the steps to
 * look at, in haproxy's order; the first one that has rules is reported.
 */
export function warnMisplaced(ctx: LineContext, proxy: ProxyConfig, keyword: string, after: readonly MisplacedStep[]): void {
  for (const step of after) {
    if (stepHasRules(ctx, proxy, step)) {
      const article = step === 'http-request' ? 'an' : 'a';
      ctx.warning('CFG_RULE_MISPLACED', `a '${keyword}' rule placed after ${article} '${step}' rule will still be processed before.`);
      return;
    }
  }
}

export type MisplacedStep = 'tcp-request session' | 'tcp-request content' | 'monitor fail' | 'http-request' | 'redirect' | 'use_backend' | 'use-server';

function stepHasRules(ctx: LineContext, proxy: ProxyConfig, step: MisplacedStep): boolean {
  switch (step) {
    case 'tcp-request session': return ownRules(ctx, proxy, proxy.rules.tcpRequestSession).length > 0;
    case 'tcp-request content': return ownRules(ctx, proxy, proxy.rules.tcpRequestContent).length > 0;
    case 'http-request': return ownRules(ctx, proxy, proxy.rules.httpRequest).some((r) => r.legacy === undefined);
    case 'redirect': return proxy.rules.redirect.length > 0;
    case 'use_backend': return proxy.useBackends.length > 0;
    case 'use-server': return proxy.useServers.length > 0;
    case 'monitor fail': return proxy.directives.some((d) => d.keyword === 'monitor' && d.args[0] === 'fail');
  }
}

/** cfgparse.c warnif_cond_conflicts(): reports the condition's conflict warnings. */
export function warnConflicts(ctx: LineContext, warnings: readonly string[] | undefined): void {
  for (const w of warnings ?? []) ctx.warning('CFG_RULE_COND_CONFLICT', w);
}

/** The steps haproxy checks after an http-request rule (warnif_misplaced_http_req). */
export const AFTER_HTTP_REQUEST: readonly MisplacedStep[] = ['redirect', 'use_backend', 'use-server'];

function registerHttpRuleSet(ruleset: HttpRuleSet): void {
  proxyKeywords.register({
    name: ruleset,
    parse(ctx, proxy, words) {
      if (proxy.kind === 'defaults' && proxy.name === '') {
        ctx.alert('CFG_RULE_ANONYMOUS_DEFAULTS', `'${ruleset}' not allowed in anonymous 'defaults' section.`);
        return;
      }
      const list = ruleList(proxy, ruleset);
      const own = ownRules(ctx, proxy, list);
      const last = own[own.length - 1];
      if (last !== undefined && last.cond === undefined && last.final === true) {
        ctx.warning('CFG_RULE_AFTER_FINAL', `previous '${ruleset}' action is final and has no condition attached, further entries are NOOP.`, 'parsing-tight');
      }
      const built = buildHttpRule(ctx, proxy, ruleset, words, 1);
      if (!built.ok) {
        ctx.alert(built.style === 'parsing' ? 'CFG_RULE_INVALID' : 'CFG_RULE_SYNTAX', built.message, built.style);
        abortParsing(ctx);
        return;
      }
      if (ruleset === 'http-request') warnMisplaced(ctx, proxy, ruleset, AFTER_HTTP_REQUEST);
      warnConflicts(ctx, built.warnings);
      list.push(built.rule);
      const enforced = HTTP_ENFORCED.has(built.spec.name) ? true : built.spec.enforced;
      if (enforced !== true) ctx.notEnforced(`'${ruleset} ${built.spec.name}' (${enforced})`);
    },
  });
}

registerHttpRuleSet('http-request');
registerHttpRuleSet('http-response');
registerHttpRuleSet('http-after-response');

/**
 * The `redirect` keyword (§4.2 "redirect"): a static target (no log-format),
 * evaluated after the http-request rules. Errors do not stop parsing.
 */
proxyKeywords.register({
  name: 'redirect',
  parse(ctx, proxy, words) {
    if (proxy.kind === 'defaults') {
      ctx.alert('CFG_RULE_IN_DEFAULTS', "'redirect' not allowed in 'defaults' section.");
      return;
    }
    const built = buildRedirectRule(ctx, proxy, words, 1);
    if (typeof built === 'string') {
      ctx.alert('CFG_RULE_INVALID', `error detected in ${proxyTypeStr(proxy)} '${proxy.name}' while parsing redirect rule : ${built}.`);
      return;
    }
    proxy.rules.redirect.push(built.rule);
    warnMisplaced(ctx, proxy, 'redirect', ['use_backend', 'use-server']);
    warnConflicts(ctx, built.warnings);
    // Run by src/http/rules.ts after the http-request rules.
  },
});

/** Parses `redirect <args> [if|unless cond]` from `words[start]`; a string is the error. */
export function buildRedirectRule(ctx: LineContext, proxy: ProxyConfig, words: readonly string[], start: number): { rule: RuleConfig; warnings: string[] } | string {
  const p = new RuleParser(ctx, proxy, 'http-request', words, start - 1);
  const r = parseRedirect(p, words, start, false, false);
  if (r === undefined) return p.error?.message ?? 'invalid redirect';
  let cond: Condition | undefined;
  let warnings: string[] = [];
  if (r.condAt !== undefined) {
    const c = parseConditionAt(ctx, proxy, words, r.condAt, 'http-request');
    if (!c.ok) return `error in condition: ${c.message}`;
    cond = c.cond;
    warnings = c.warnings;
  }
  const rule: RuleConfig = {
    place: ctx.place,
    action: 'redirect',
    args: words.slice(start, r.condAt ?? words.length),
    formats: r.formats,
    cond,
    data: r.data,
    final: !r.data.ignoreEmpty,
  };
  return { rule, warnings };
}
