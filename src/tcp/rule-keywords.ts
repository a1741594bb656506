/**
 * `tcp-request` and `tcp-response` (configuration.txt §4.2): inspect-delay and
 * the connection / session / content rule sets, registered into the proxy
 * keyword table.
 *
 * Mirrors haproxy 2.6 tcp_rules.c: tcp_parse_tcp_req()/tcp_parse_tcp_rep()
 * check the sub-keyword and the proxy, tcp_parse_request_rule() handles the
 * built-in actions (accept, reject, capture, track-sc*, expect-proxy,
 * expect-netscaler-cip) and looks the others up in the rule set's action
 * list. Unlike http rules, an invalid tcp rule does not stop parsing.
 */
import type { LineContext } from '../config/section-registry.js';
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import { proxyKeywords } from '../config/sections/proxy-keywords.js';
import { parseTime, reportTimeWarning } from '../config/units.js';
import type { Condition } from '../acl/condition.js';
import type { ActionSpec, ParsedAction, RuleSetId } from '../http/rule-model.js';
import {
  RuleParser, actionSuggest, listedKeywords, parseConditionAt, printList, proxyTypeStr, type ListedKeyword,
} from '../http/rule-parser.js';
import { ruleList, warnConflicts, warnMisplaced, type MisplacedStep } from '../http/rule-keywords.js';
import { sharedActions, tcpBuiltin, upgradeSupported, WAITS_TCP_RULES } from './rule-actions.js';

export type TcpRuleSet = 'tcp-request connection' | 'tcp-request session' | 'tcp-request content' | 'tcp-response content';

/** The registered (non built-in) actions of each rule set, in haproxy's list order. */
const LISTS: Record<TcpRuleSet, readonly string[]> = {
  'tcp-request connection': [
    'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)',
    'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop',
  ],
  'tcp-request session': [
    'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)',
    'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop',
  ],
  'tcp-request content': [
    'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)',
    'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
    'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class',
    'set-priority-offset',
  ],
  'tcp-response content': [
    'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)',
    'sc-set-gpt0(*)', 'send-spoe-group', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop',
  ],
};

const LISTED: Record<TcpRuleSet, ListedKeyword[]> = {
  'tcp-request connection': listedKeywords(LISTS['tcp-request connection']),
  'tcp-request session': listedKeywords(LISTS['tcp-request session']),
  'tcp-request content': listedKeywords(LISTS['tcp-request content']),
  'tcp-response content': listedKeywords(LISTS['tcp-response content']),
};

/** tcp_rules.c: the built-in actions are suggested after the registered ones. */
const REQUEST_EXTRA = ['accept', 'reject', 'capture', 'track-sc', 'expect-proxy', 'expect-netscaler-cip'];
const RESPONSE_EXTRA = ['accept', 'reject', 'close'];

/** Built-in actions in the runtime's vocabulary: what each waits for before it is enforced. */
const BUILTIN_ENFORCED: Record<string, true | string> = {
  accept: WAITS_TCP_RULES,
  reject: WAITS_TCP_RULES,
  close: WAITS_TCP_RULES,
  capture: 'lands with logs',
  'track-sc': 'lands with stick tables',
  'expect-proxy': WAITS_TCP_RULES,
  'expect-netscaler-cip': 'lands with the NetScaler CIP protocol',
};

/**
 * What the `mode tcp` runtime enforces (src/tcp/rules.ts, src/tcp/stream.ts).
 * The HTTP stream does not run tcp rules yet, so in `mode http` proxies these
 * keep their "not enforced" notice.
 */
const TCP_ENFORCED: ReadonlySet<string> = new Set([
  'accept', 'reject', 'close', 'expect-proxy', 'silent-drop', 'set-var', 'set-var-fmt', 'unset-var',
  'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'capture',
]);

function findAction(ruleset: TcpRuleSet, word: string): ActionSpec | undefined {
  for (const k of LISTED[ruleset]) {
    if (k.prefix ? word.startsWith(k.name) : word === k.name) return sharedActions[k.name];
  }
  return undefined;
}

/** The actions a tcp rule set accepts (built-ins first), for documentation and tests. */
export function tcpRuleSetActions(ruleset: TcpRuleSet): readonly string[] {
  const builtins = ruleset === 'tcp-response content'
    ? ['accept', 'close', 'reject']
    : ['accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0', 'track-sc1', 'track-sc2'];
  return [...builtins, ...LISTS[ruleset]];
}

export type BuiltTcpRule = { ok: true; rule: RuleConfig; enforced: true | string; name: string; warnings: string[] } | { ok: false; message: string };

/**
 * Parses one tcp rule; `words[0..1]` are e.g. 'tcp-request' 'content' and
 * `words[2]` is the action. Messages are haproxy's, without the place.
 */
export function buildTcpRule(ctx: LineContext, proxy: ProxyConfig, ruleset: TcpRuleSet, words: readonly string[]): BuiltTcpRule {
  const rulesetWords = `${words[0] ?? ''} ${words[1] ?? ''}`;
  const where = `${proxyTypeStr(proxy)} '${proxy.name}'`;
  const action = words[2] ?? '';
  const p = new RuleParser(ctx, proxy, ruleset, words, 2);
  let parsed: ParsedAction | undefined | 'unknown' = tcpBuiltin(p, rulesetWords);
  let name = action.startsWith('track-sc') ? 'track-sc' : action;
  let enforced: true | string = BUILTIN_ENFORCED[name] ?? WAITS_TCP_RULES;
  if (parsed === 'unknown') {
    const spec = findAction(ruleset, action);
    if (spec === undefined) {
      const response = ruleset === 'tcp-response content';
      const best = actionSuggest(action, LISTED[ruleset], response ? RESPONSE_EXTRA : REQUEST_EXTRA);
      const builtins = response
        ? "'accept', 'close', 'reject', "
        : "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', ";
      const hint = best !== undefined ? ` Did you mean '${best}' maybe ?` : '';
      // tcp_rules.c ends the request message (not the response one) with a newline.
      return {
        ok: false,
        message: `'${rulesetWords}' expects ${builtins}${printList(LISTS[ruleset])} in ${where} (got '${action}').${hint}${response ? '' : '\n'}`,
      };
    }
    name = spec.name;
    enforced = spec.enforced;
    parsed = spec.parse(p);
    if (parsed !== undefined && p.error === undefined && parsed.final === undefined && spec.final === true) parsed = { ...parsed, final: true };
  }
  if (parsed === undefined || p.error !== undefined) return { ok: false, message: p.error?.message ?? 'invalid action' };
  if (TCP_ENFORCED.has(name) && proxy.mode !== 'http') enforced = true;
  // mode http: src/http/stream-l4.ts runs the request rule sets before HTTP, with the
  // HTTP stream's variables (test/compat/http/connection.test.ts "vars seen by http
  // rules"); tcp-response rules do not run there.
  else if (TCP_ENFORCED.has(name) && ruleset !== 'tcp-response content') enforced = true;
  else if (ruleset === 'tcp-response content' && proxy.mode === 'http' && enforced !== true) enforced = 'tcp-response rules do not run in mode http yet';
  // src/tcp/switch-mode.ts hands a mode tcp stream to the HTTP/1 stream; a mode http one already is.
  if (name === 'switch-mode' && upgradeSupported(parsed)) enforced = true;

  const argsEnd = p.pos;
  let cond: Condition | undefined;
  let warnings: string[] = [];
  const next = words[p.pos] ?? '';
  if (next === 'if' || next === 'unless') {
    const c = parseConditionAt(ctx, proxy, words, p.pos, ruleset);
    if (!c.ok) return { ok: false, message: `'${rulesetWords} ${action}' : error detected in ${where} while parsing '${next}' condition : ${c.message}` };
    cond = c.cond;
    warnings = c.warnings;
  } else if (next !== '') {
    return { ok: false, message: `'${rulesetWords} ${action}' only accepts 'if' or 'unless', in ${where} (got '${next}')` };
  }
  const rule: RuleConfig = {
    place: ctx.place,
    action: name,
    args: words.slice(3, argsEnd),
    expressions: parsed.expressions,
    formats: parsed.formats,
    cond,
    data: parsed.data,
    final: parsed.final ?? false,
  };
  return { ok: true, rule, enforced, name, warnings };
}

/** The steps haproxy checks after a tcp-request rule of each kind (warnif_misplaced_tcp_*). */
const MISPLACED: Record<string, readonly MisplacedStep[]> = {
  connection: ['tcp-request session', 'tcp-request content', 'monitor fail', 'http-request', 'redirect', 'use_backend', 'use-server'],
  session: ['tcp-request content', 'monitor fail', 'http-request', 'redirect', 'use_backend', 'use-server'],
  content: ['monitor fail', 'http-request', 'redirect', 'use_backend', 'use-server'],
};

/**
 * `tcp-request inspect-delay` / `tcp-response inspect-delay`: kept as a
 * directive ('tcp-request' ['inspect-delay', '<ms>']) until the proxy model has
 * a field for it; a second one in the same proxy is ignored with a warning.
 */
function parseInspectDelay(ctx: LineContext, proxy: ProxyConfig, words: string[]): void {
  const where = `${proxyTypeStr(proxy)} '${proxy.name}'`;
  const text = words[2] ?? '';
  const t = text === '' ? undefined : parseTime(text);
  if (t !== undefined) reportTimeWarning(ctx, t);
  if (t === undefined || !t.ok) {
    let msg = `'${words[0]} ${words[1]}' expects a positive delay in milliseconds, in ${where}`;
    if (t !== undefined && !t.ok) {
      if (t.overflow === true) msg += ` (timer overflow in '${text}', maximum value is 2147483647 ms or ~24.8 days)`;
      else if (t.underflow === true) msg += ` (timer underflow in '${text}', minimum non-null value is 1 ms)`;
      else if (t.badChar !== undefined) msg += ` (unexpected character '${t.badChar}')`;
    }
    ctx.alert('CFG_RULE_INSPECT_DELAY', msg);
    return;
  }
  const previous = proxy.directives.find((d) => d.keyword === words[0] && d.args[0] === 'inspect-delay');
  if (previous !== undefined && Number(previous.args[1]) !== 0) {
    ctx.warning('CFG_RULE_INSPECT_DELAY_TWICE', `ignoring ${words[0]} ${words[1]} (was already defined) in ${where}`);
    return;
  }
  proxy.directives.push({ keyword: words[0] ?? '', args: ['inspect-delay', String(t.value)], place: ctx.place });
  // Enforced by src/tcp/inspect.ts in mode tcp; the HTTP stream does not run tcp rules yet.
  // mode http: tcp-request inspect-delay is used by src/http/stream-l4.ts.
  if (proxy.mode === 'http' && words[0] !== 'tcp-request') ctx.notEnforced(`'${words[0]} inspect-delay' (${WAITS_TCP_RULES})`);
}

proxyKeywords.register({
  name: 'tcp-request',
  parse(ctx, proxy, words) {
    const sub = words[1] ?? '';
    const isDefaults = proxy.kind === 'defaults';
    const where = `${proxyTypeStr(proxy)} '${proxy.name}'`;
    if (sub === '') {
      ctx.alert('CFG_RULE_MISSING_ARG', isDefaults ? "missing argument for 'tcp-request' in defaults section" : `missing argument for 'tcp-request' in ${where}`);
      return;
    }
    if (sub !== 'inspect-delay' && sub !== 'content' && sub !== 'connection' && sub !== 'session') {
      ctx.alert(
        'CFG_RULE_UNKNOWN_SUBKEYWORD',
        isDefaults
          ? `'tcp-request' expects 'inspect-delay', 'connection', or 'content' in defaults section (got '${sub}')`
          : `'tcp-request' expects 'inspect-delay', 'connection', or 'content' in ${where} (got '${sub}')`,
      );
      return;
    }
    if (isDefaults && proxy.name === '') {
      ctx.alert('CFG_RULE_ANONYMOUS_DEFAULTS', `tcp-request ${sub} is not allowed in anonymous 'defaults' sections`);
      return;
    }
    if (sub === 'inspect-delay') {
      parseInspectDelay(ctx, proxy, words);
      return;
    }
    if ((sub === 'connection' || sub === 'session') && !proxy.cap.frontend) {
      ctx.alert('CFG_RULE_NOT_FRONTEND', `tcp-request ${sub} is not allowed because ${proxyTypeStr(proxy)} ${proxy.name} is not a frontend`);
      return;
    }
    const ruleset = `tcp-request ${sub}` as TcpRuleSet;
    const built = buildTcpRule(ctx, proxy, ruleset, words);
    if (!built.ok) {
      ctx.alert('CFG_RULE_INVALID', built.message);
      return;
    }
    ruleList(proxy, ruleset).push(built.rule);
    warnMisplaced(ctx, proxy, 'tcp-request', MISPLACED[sub] ?? []);
    warnConflicts(ctx, built.warnings);
    if (built.enforced !== true) ctx.notEnforced(`'${ruleset} ${built.name}' (${built.enforced})`);
  },
});

proxyKeywords.register({
  name: 'tcp-response',
  parse(ctx, proxy, words) {
    const sub = words[1] ?? '';
    const isDefaults = proxy.kind === 'defaults';
    const where = `${proxyTypeStr(proxy)} '${proxy.name}'`;
    if (sub === '') {
      ctx.alert('CFG_RULE_MISSING_ARG', isDefaults ? "missing argument for 'tcp-response' in defaults section" : `missing argument for 'tcp-response' in ${where}`);
      return;
    }
    if (sub !== 'inspect-delay' && sub !== 'content') {
      ctx.alert(
        'CFG_RULE_UNKNOWN_SUBKEYWORD',
        isDefaults
          ? `'tcp-response' expects 'inspect-delay' or 'content' in defaults section (got '${sub}')`
          : `'tcp-response' expects 'inspect-delay' or 'content' in ${where} (got '${sub}')`,
      );
      return;
    }
    if (!proxy.cap.backend || (isDefaults && proxy.name === '')) {
      ctx.alert('CFG_RULE_NOT_BACKEND', `tcp-response ${sub} is only allowed in 'backend' sections or 'defaults' section with a name`);
      return;
    }
    if (sub === 'inspect-delay') {
      parseInspectDelay(ctx, proxy, words);
      return;
    }
    const built = buildTcpRule(ctx, proxy, 'tcp-response content', words);
    if (!built.ok) {
      ctx.alert('CFG_RULE_INVALID', built.message);
      return;
    }
    proxy.rules.tcpResponseContent.push(built.rule);
    warnConflicts(ctx, built.warnings);
    if (built.enforced !== true) ctx.notEnforced(`'tcp-response content ${built.name}' (${built.enforced})`);
  },
});

/** For the legacy translator and tests: the rule set id of a tcp rule line. */
export function tcpRuleSetOf(words: readonly string[]): RuleSetId | undefined {
  const id = `${words[0] ?? ''} ${words[1] ?? ''}`;
  return id in LISTS ? (id as TcpRuleSet) : undefined;
}
