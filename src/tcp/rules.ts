/**
 * The layer-4 rule sets compiled for the runtime (configuration.txt §4.2
 * "tcp-request connection", "tcp-request session", "tcp-request content",
 * "tcp-response content"): each rule becomes one condition closure and one
 * action closure, once, when the runtime is built. A stream then walks a
 * flat array: no parsing, no tree walk, no allocation for rules that do not
 * apply.
 *
 * Evaluation follows haproxy 2.6 tcp_rules.c (tcp_exec_l4_rules,
 * tcp_exec_l5_rules, tcp_inspect_request, tcp_inspect_response): rules run
 * in declaration order (those of a named defaults section first); a
 * condition that misses stops the walk and waits for more data (content
 * rules only: the others are evaluated with SMP_OPT_FINAL); the first
 * final action (accept, reject, silent-drop, close) ends the set; reaching
 * the end accepts.
 */
import type { Place } from '../config/diagnostics.js';
import type { ConfigModel } from '../config/model/index.js';
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import type { RuleSetId, VariableData } from '../http/rule-model.js';
import { compileCondition, type ConditionFn } from '../acl/evaluate.js';
import type { Condition } from '../acl/condition.js';
import { compileSample, evalFinal, type CompileEnv, type SampleFn } from '../sample/compile.js';
import { compileLogFormat, type FormatFn } from '../sample/log-format-eval.js';
import type { Endpoint } from '../sample/context.js';
import { castSample, type Sample } from '../sample/sample.js';
import { conditionsAllow, detach, endpointFrom } from '../proxy/rule-helpers.js';
import type { StreamContext } from '../proxy/stream-context.js';
import { compileCaptureAction } from '../http/capture.js';
import { upgradeSupported } from './rule-actions.js';
// Registers req.proto_http (the predefined ACL HTTP), the guard of switch-mode rules.
import './rule-proto-http.js';

/** What a rule set decided. CONT only ever comes out of an action, never out of {@link evalTcpRules}. */
export const CONT = 0;
export const ACCEPT = 1;
export const REJECT = 2;
/** `silent-drop`: close without telling the client (a reset: Node cannot use TCP_REPAIR). */
export const DROP = 3;
/** `tcp-response content close`: close the server connection, forward what was received. */
export const CLOSE = 4;
/**
 * `tcp-request content switch-mode http [proto h1]`: accept, and hand the
 * connection over to the HTTP stream (src/tcp/switch-mode.ts).
 */
export const UPGRADE = 5;
/** A condition missed: wait for more data (or the inspect delay). */
export const WAIT = -1;

export type RuleOutcome = typeof CONT | typeof ACCEPT | typeof REJECT | typeof DROP | typeof CLOSE | typeof UPGRADE;

/** One compiled rule. */
export interface TcpRule {
  readonly place: Place;
  readonly action: string;
  readonly cond: ConditionFn | undefined;
  readonly run: (ctx: StreamContext) => RuleOutcome;
}

/** Reports a rule or condition that cannot be evaluated (code, message, place). */
export type CompileReporter = (code: string, message: string, place: Place) => void;

/** Diagnostic codes of this module (docs/errors/l4-integration.md). */
export const L4_RULE_CODES = {
  ruleNotEvaluated: 'RT_TCP_RULE_NOT_EVALUATED',
  conditionNotEvaluated: 'RT_CONDITION_NOT_EVALUATED',
} as const;

const NEVER: ConditionFn = () => 'false';

/**
 * Compiles a condition; one that uses a fetch without a run-time
 * implementation is reported and never matches (as the message says).
 */
export function compileRuleCondition(cond: Condition, env: CompileEnv, what: string, place: Place, report: CompileReporter): ConditionFn {
  const c = compileCondition(cond, env);
  if (c.ok) return c.fn;
  report(L4_RULE_CODES.conditionNotEvaluated, `${what}: the condition cannot be evaluated (${c.message}); the rule never applies.`, place);
  return NEVER;
}

/**
 * Walks a compiled rule set. Returns ACCEPT, REJECT, DROP or CLOSE, or WAIT
 * when a condition misses (only possible when `ctx.final` is false). The
 * last final rule is remembered in `ctx.lastRule` (last_rule_file/line).
 */
export function evalTcpRules(rules: readonly TcpRule[], ctx: StreamContext): number {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (r.cond !== undefined) {
      const c = r.cond(ctx);
      if (c === 'miss') return WAIT;
      if (c === 'false') continue;
    }
    const o = r.run(ctx);
    if (o !== CONT) {
      ctx.lastRule = r.place;
      return o;
    }
  }
  return ACCEPT;
}

// ---------------------------------------------------------------------------
// Actions

const cont = (): RuleOutcome => CONT;

function setVar(data: VariableData, expr: SampleFn | undefined, fmt: FormatFn | undefined): (ctx: StreamContext) => RuleOutcome {
  const { scope, name, conditions } = data;
  return (ctx) => {
    const store = ctx.vars(scope);
    if (store === undefined) return CONT;
    let s: Sample | undefined;
    if (fmt !== undefined) s = { type: 'str', value: fmt(ctx), flags: 0 };
    else if (expr !== undefined) s = evalFinal(expr, ctx);
    // vars.c action_store(): no sample, no change.
    if (s === undefined) return CONT;
    if (conditionsAllow(conditions, store, name, s)) store.set(name, detach(s));
    return CONT;
  };
}

function unsetVar(data: VariableData): (ctx: StreamContext) => RuleOutcome {
  const { scope, name } = data;
  return (ctx) => {
    ctx.vars(scope)?.delete(name);
    return CONT;
  };
}

/** tcp_act.c tcp_action_req_set_src/dst[_port](). */
function setAddress(which: 'src' | 'dst', part: 'addr' | 'port', expr: SampleFn): (ctx: StreamContext) => RuleOutcome {
  return (ctx) => {
    const cur = which === 'src' ? ctx.src : ctx.dst;
    const s = evalFinal(expr, ctx);
    let next: Endpoint | undefined;
    if (part === 'addr') {
      next = endpointFrom(s, cur?.port ?? 0);
    } else {
      const n = s === undefined ? undefined : castSample(s, 'sint');
      if (n?.type === 'sint') {
        // "forces the address to IPv4 0.0.0.0" when the family has no port (unix sockets).
        next = { address: cur?.address ?? '0.0.0.0', port: Number(BigInt.asUintN(16, n.value)) };
      }
    }
    if (next === undefined) return CONT;
    if (which === 'src') ctx.setSrc(next);
    else ctx.setDst(next);
    return CONT;
  };
}

const expectProxy = (ctx: StreamContext): RuleOutcome => {
  ctx.expectProxy = true;
  return CONT;
};

/** `switch-mode http` with no proto or `proto h1` upgrades; another mux is not available (no HTTP/2 yet). */
function switchModeAction(rule: RuleConfig): (ctx: StreamContext) => RuleOutcome {
  return upgradeSupported(rule) ? () => UPGRADE : cont;
}

/** Builds the action closure of one rule, or a message when it cannot run. */
function compileAction(rule: RuleConfig, env: CompileEnv): ((ctx: StreamContext) => RuleOutcome) | { code: string; message: string } {
  const exprAt = (i: number): SampleFn | { code: string; message: string } | undefined => {
    const e = rule.expressions?.[i];
    if (e === undefined) return undefined;
    const c = compileSample(e, env);
    return c.ok ? c.fn : { code: c.code, message: c.message };
  };
  switch (rule.action) {
    case 'accept':
      return () => ACCEPT;
    case 'reject':
      return () => REJECT;
    case 'silent-drop':
      return () => DROP;
    case 'close':
      return () => CLOSE;
    case 'switch-mode':
      // tcp_act.c tcp_action_switch_stream_mode(): a final action; the rule
      // keyword table keeps `proto h2` (an HTTP/2 upgrade) flagged as not enforced.
      return switchModeAction(rule);
    case 'expect-proxy':
      return expectProxy;
    case 'set-var':
    case 'set-var-fmt': {
      const data = rule.data;
      if (data?.kind !== 'variable') return cont;
      if (rule.action === 'set-var-fmt') {
        const f = data.value?.format;
        if (f === undefined) return cont;
        const c = compileLogFormat(f, env);
        return c.ok ? setVar(data, undefined, c.fn) : { code: c.code, message: c.message };
      }
      const e = exprAt(0);
      if (e === undefined) return cont;
      return typeof e === 'function' ? setVar(data, e, undefined) : e;
    }
    case 'unset-var':
      return rule.data?.kind === 'variable' ? unsetVar(rule.data) : cont;
    case 'capture': {
      // tcp_act.c tcp_action_capture(): the sample, as a string cut to `len`, goes to the
      // frontend's next request slot (src/http/capture.ts, read by capture.req.hdr() and the logs).
      const capture = compileCaptureAction(rule, false);
      return (ctx) => {
        capture(ctx);
        return CONT;
      };
    }
    case 'set-src':
    case 'set-dst':
    case 'set-src-port':
    case 'set-dst-port': {
      const e = exprAt(0);
      if (e === undefined) return cont;
      if (typeof e !== 'function') return e;
      const which = rule.action.startsWith('set-src') ? 'src' : 'dst';
      return setAddress(which, rule.action.endsWith('-port') ? 'port' : 'addr', e);
    }
    default:
      // track-sc*, sc-*, set-mark, set-tos, set-nice, set-log-level,
      // use-service, do-resolve...: the parser already reported
      // them as not enforced; they do not stop the rule set.
      return cont;
  }
}

/** The rules of `set` in evaluation order: a named defaults section's first (configuration.txt §4 "defaults"). */
export function ruleList(proxy: ProxyConfig, set: RuleSetId): RuleConfig[] {
  const key = set === 'tcp-request connection' ? 'tcpRequestConnection'
    : set === 'tcp-request session' ? 'tcpRequestSession'
      : set === 'tcp-request content' ? 'tcpRequestContent'
        : set === 'tcp-response content' ? 'tcpResponseContent' : undefined;
  if (key === undefined) return [];
  const own = proxy.rules[key];
  const inherited = proxy.defaultsRules?.[key] ?? [];
  return inherited.length === 0 ? own : [...inherited, ...own];
}

/**
 * Compiles one rule set of a proxy. Rules whose action or condition cannot
 * run (a fetch without implementation) are reported; such an action does
 * nothing and such a condition never matches.
 */
export function compileTcpRuleSet(proxy: ProxyConfig, set: RuleSetId, env: CompileEnv, report: CompileReporter): TcpRule[] {
  const out: TcpRule[] = [];
  for (const rule of ruleList(proxy, set)) {
    const what = `'${set} ${rule.action}'`;
    let run = compileAction(rule, env);
    if (typeof run !== 'function') {
      report(L4_RULE_CODES.ruleNotEvaluated, `${what}: the action cannot be evaluated (${run.message}); it does nothing.`, rule.place);
      run = cont;
    }
    const cond = rule.cond === undefined ? undefined : compileRuleCondition(rule.cond, env, what, rule.place, report);
    out.push({ place: rule.place, action: rule.action, cond, run });
  }
  return out;
}

/**
 * `tcp-request inspect-delay` / `tcp-response inspect-delay` in ms (0 when
 * unset). The parser keeps it as a directive; a proxy built from a named
 * defaults section inherits the section's delay (proxy.c copies
 * tcp_req.inspect_delay and tcp_rep.inspect_delay from the defaults).
 */
export function inspectDelayOf(proxy: ProxyConfig, model: ConfigModel, keyword: 'tcp-request' | 'tcp-response'): number {
  const own = findDelay(proxy, keyword);
  if (own !== undefined) return own;
  if (proxy.from === undefined) return 0;
  const d = model.defaults.find((p) => p.name === proxy.from);
  return (d === undefined ? undefined : findDelay(d, keyword)) ?? 0;
}

function findDelay(proxy: ProxyConfig, keyword: string): number | undefined {
  for (const d of proxy.directives) {
    if (d.keyword === keyword && d.args[0] === 'inspect-delay') {
      const v = Number(d.args[1]);
      return Number.isFinite(v) ? v : undefined;
    }
  }
  return undefined;
}
