/**
 * Actions shared by the tcp-* and http-* rule sets (haproxy registers them
 * from tcp_act.c, vars.c, stick_table.c, stream.c, queue.c, resolvers.c,
 * spoe.c...), plus the tcp-only built-ins of tcp_rules.c (accept, reject,
 * capture, track-sc, expect-proxy, expect-netscaler-cip, close).
 *
 * Each parser mirrors the checks and messages of haproxy 2.6's own parser for
 * that action (configuration.txt §4.2, "tcp-request content" and
 * "http-request" action lists); the messages were checked with `haproxy -c`.
 */
import type { ActionSpec, ParsedAction, VariableData, CounterData } from '../http/rule-model.js';
import { atoi, strtol, proxyTypeStr, type RuleParser } from '../http/rule-parser.js';

/** What the runtime waits for before acting on these actions. */
export const WAITS_L7 = 'lands with the HTTP engine';
export const WAITS_STICK = 'lands with stick tables';
export const WAITS_LOG = 'lands with logs';
export const WAITS_TCP_RULES = 'lands with tcp rules';

/** MAX_SESS_STKCTR in haproxy 2.6 builds: sticky counters 0..2. */
const MAX_SESS_STKCTR = 3;

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const VAR_SCOPES = ['proc', 'sess', 'txn', 'req', 'res', 'check'] as const;
const VAR_CONDITIONS = ['ifexists', 'ifnotexists', 'ifempty', 'ifnotempty', 'ifset', 'ifnotset', 'ifgt', 'iflt'];
/** MUX protocols of a 2.6 build without QUIC (`haproxy -vv` "Available multiplexer protocols"). */
const MUX_PROTOCOLS = ['h1', 'h2', 'fcgi', 'none'];

function expressionAction(p: RuleParser): ParsedAction | undefined {
  const expr = p.expression();
  return expr === undefined ? undefined : { expressions: [expr] };
}

/** queue.c parse_set_priority_*(): the unusable-fetch message names args[0] of the rule. */
function priorityAction(p: RuleParser): ParsedAction | undefined {
  const expr = p.expression(p.isHttp ? p.actionWord : p.words[0]);
  return expr === undefined ? undefined : { expressions: [expr] };
}

/** tcp_act.c parse_tcp_set_mark / set-tos: an unsigned in C notation (strtoul base 0). */
function unsignedSetting(key: string) {
  return (p: RuleParser): ParsedAction | undefined => {
    const w = p.arg();
    if (w === '') return p.fail('expects exactly 1 argument (integer/hex value)');
    const { value, rest } = strtol(w, 0);
    if (rest !== '') return p.fail(`invalid character starting at '${rest}' (integer/hex value expected)`);
    p.pos++;
    return { data: { kind: 'settings', values: { [key]: value >>> 0 } } };
  };
}

/**
 * vars.c parse_store(): set-var(<scope>.<name>[,<cond>...]) <expr>,
 * set-var-fmt(...) <fmt>, unset-var(<scope>.<name>).
 */
function parseVariableAction(p: RuleParser): ParsedAction | undefined {
  const word = p.actionWord;
  let rest: string;
  let mode: 'set' | 'fmt' | 'unset';
  if (word.startsWith('set-var-fmt')) [rest, mode] = [word.slice(11), 'fmt'];
  else if (word.startsWith('set-var')) [rest, mode] = [word.slice(7), 'set'];
  else [rest, mode] = [word.slice(9), 'unset'];
  const expects = "Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'";
  if (!rest.startsWith('(')) return p.fail(`invalid or incomplete action '${word}'. ${expects}`);
  if (!rest.endsWith(')') || rest.length < 2) return p.fail(`incomplete argument after action '${word}'. ${expects}`);
  const inner = rest.slice(1, -1).split(',');
  const varName = inner[0] ?? '';
  const conditions = inner.slice(1).filter((c) => c !== '');
  if (conditions.length > 0 && mode === 'unset') {
    return p.fail('unset-var does not expect parameters after the variable name. Only "set-var" and "set-var-fmt" manage conditions');
  }
  for (const c of conditions) if (!VAR_CONDITIONS.includes(c)) return p.fail(`unknown condition "${c}"`);
  const v = checkVariableName(varName, rest.slice(1 + varName.length));
  if (typeof v === 'string') return p.fail(v);
  const base = { kind: 'variable' as const, scope: v.scope, name: v.name, conditions };
  if (mode === 'unset') return { data: base, final: false };
  if (mode === 'fmt') {
    // vars.c: the format is always the next word, even when it is "if".
    const text = p.arg();
    p.pos++;
    const format = p.logFormat(text);
    if (format === undefined) return undefined;
    const data: VariableData = { ...base, value: { text, format } };
    return { data, formats: [format] };
  }
  const expr = p.expression(word);
  if (expr === undefined) return undefined;
  return { data: base, expressions: [expr] };
}

/** vars.c vars_hash_name(): "<scope>.<name>" with a known scope and [A-Za-z0-9_.] characters. */
export function checkVariableName(full: string, tail = ''): { scope: VariableData['scope']; name: string } | string {
  if (full === '') return 'Empty variable name cannot be accepted';
  for (const scope of VAR_SCOPES) {
    const prefix = `${scope}.`;
    if (full.length > prefix.length && full.startsWith(prefix)) {
      const name = full.slice(prefix.length);
      for (let i = 0; i < name.length; i++) {
        // The message prints the rest of the action word from the bad character on.
        if (!/[A-Za-z0-9_.]/.test(name[i]!)) return `invalid syntax at char '${name.slice(i)}${tail}'`;
      }
      return { scope, name };
    }
  }
  return `invalid variable name '${full}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'`;
}

/** stick_table.c parse_inc_gpc(): sc-inc-gpc(<idx>,<sc>), sc-inc-gpc0[(<sc>)], sc-inc-gpc1[(<sc>)]. */
function parseIncGpc(p: RuleParser): ParsedAction | undefined {
  const word = p.actionWord;
  const rest = word.slice('sc-inc-gpc'.length);
  if (rest.startsWith('(')) {
    const idx = strtol(rest.slice(1));
    if (!idx.rest.startsWith(',')) return p.fail(`Missing gpc ID '${word}'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)`);
    const sc = strtol(idx.rest.slice(1));
    if (!sc.rest.startsWith(')')) return p.fail(`invalid stick table track ID '${word}'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)`);
    if (sc.value >= MAX_SESS_STKCTR) return p.fail(`invalid stick table track ID '${word}'. The max allowed ID is ${MAX_SESS_STKCTR - 1}`);
    return { data: { kind: 'counter', sc: sc.value, index: idx.value >>> 0 }, final: false };
  }
  if (rest.startsWith('0') || rest.startsWith('1')) {
    const index = rest.startsWith('1') ? 1 : 0;
    const after = rest.slice(1);
    if (after === '') return { data: { kind: 'counter', sc: 0, index } };
    if (!after.startsWith('(')) return p.fail(`invalid stick table track ID. Expects ${word}(<Track ID>)`);
    const sc = strtol(after.slice(1));
    if (!sc.rest.startsWith(')')) return p.fail(`invalid stick table track ID. Expects ${word}(<Track ID>)`);
    if (sc.value >= MAX_SESS_STKCTR) return p.fail(`invalid stick table track ID. The max allowed ID is ${MAX_SESS_STKCTR - 1}`);
    return { data: { kind: 'counter', sc: sc.value, index } };
  }
  return p.fail(`invalid gpc ID '${word}'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)`);
}

/** stick_table.c parse_set_gpt(): sc-set-gpt(<idx>,<sc>) <int|expr>, sc-set-gpt0[(<sc>)] <int|expr>. */
function parseSetGpt(p: RuleParser): ParsedAction | undefined {
  const word = p.actionWord;
  const rest = word.slice('sc-set-gpt'.length);
  let sc = 0;
  let index = 0;
  if (rest.startsWith('(')) {
    const idx = strtol(rest.slice(1));
    if (!idx.rest.startsWith(',')) return p.fail(`Missing gpt ID '${word}'. Expects sc-set-gpt(<GPT ID>,<Track ID>)`);
    const n = strtol(idx.rest.slice(1));
    if (!n.rest.startsWith(')')) return p.fail(`invalid stick table track ID '${word}'. Expects sc-set-gpt(<GPT ID>,<Track ID>)`);
    if (n.value >= MAX_SESS_STKCTR) return p.fail(`invalid stick table track ID '${word}'. The max allowed ID is ${MAX_SESS_STKCTR - 1}`);
    [sc, index] = [n.value, idx.value >>> 0];
  } else if (rest.startsWith('0')) {
    const after = rest.slice(1);
    if (after !== '') {
      if (!after.startsWith('(')) return p.fail(`invalid stick table track ID '${word}'. Expects sc-set-gpt0(<Track ID>)`);
      const n = strtol(after.slice(1));
      if (!n.rest.startsWith(')')) return p.fail(`invalid stick table track ID '${word}'. Expects sc-set-gpt0(<Track ID>)`);
      if (n.value >= MAX_SESS_STKCTR) return p.fail(`invalid stick table track ID '${word}'. The max allowed ID is ${MAX_SESS_STKCTR - 1}`);
      sc = n.value;
    }
  } else {
    return p.fail(`invalid gpt ID '${word}'. Expects sc-set-gpt(<GPT ID>,<Track ID>)`);
  }
  // The value is an integer when strtol consumes the whole word (an empty word is 0).
  const v = strtol(p.arg());
  if (v.rest === '' || p.arg() === '') {
    p.pos++;
    const data: CounterData = { kind: 'counter', sc, index, value: v.value };
    return { data };
  }
  const expr = p.expression();
  if (expr === undefined) return undefined;
  return { data: { kind: 'counter', sc, index }, expressions: [expr] };
}

/** Actions available to tcp and http rule sets alike, by name. */
export const sharedActions: Record<string, ActionSpec> = {
  'set-log-level': {
    name: 'set-log-level',
    enforced: WAITS_LOG,
    parse(p) {
      const w = p.arg();
      if (w === '' || (w !== 'silent' && !LOG_LEVELS.includes(w))) return p.fail("expects exactly 1 argument (log level name or 'silent')");
      p.pos++;
      return { data: { kind: 'settings', values: { level: w } } };
    },
  },
  'set-nice': {
    name: 'set-nice',
    enforced: 'lands with the scheduler',
    parse(p) {
      const w = p.arg();
      if (w === '') return p.fail('expects exactly 1 argument (integer value)');
      p.pos++;
      // stream.c: atoi() then clamped to [-1024, 1024].
      return { data: { kind: 'settings', values: { nice: Math.max(-1024, Math.min(1024, atoi(w))) } } };
    },
  },
  'set-mark': { name: 'set-mark', enforced: 'refused at startup: Node.js cannot set SO_MARK, see docs/bind-options.md', parse: unsignedSetting('mark') },
  'set-tos': { name: 'set-tos', enforced: 'refused at startup: Node.js cannot set IP_TOS, see docs/bind-options.md', parse: unsignedSetting('tos') },
  'silent-drop': { name: 'silent-drop', final: true, enforced: WAITS_TCP_RULES, parse: () => ({}) },
  'set-src': { name: 'set-src', enforced: WAITS_TCP_RULES, parse: expressionAction },
  'set-src-port': { name: 'set-src-port', enforced: WAITS_TCP_RULES, parse: expressionAction },
  'set-dst': { name: 'set-dst', enforced: WAITS_TCP_RULES, parse: expressionAction },
  'set-dst-port': { name: 'set-dst-port', enforced: WAITS_TCP_RULES, parse: expressionAction },
  'set-priority-class': { name: 'set-priority-class', enforced: 'queues do not order by priority yet', parse: priorityAction },
  'set-priority-offset': { name: 'set-priority-offset', enforced: 'queues do not order by priority yet', parse: priorityAction },
  'set-var-fmt': { name: 'set-var-fmt', prefix: true, enforced: 'lands with variables', parse: parseVariableAction },
  'set-var': { name: 'set-var', prefix: true, enforced: 'lands with variables', parse: parseVariableAction },
  'unset-var': { name: 'unset-var', prefix: true, enforced: 'lands with variables', parse: parseVariableAction },
  'sc-inc-gpc': { name: 'sc-inc-gpc', prefix: true, enforced: WAITS_STICK, parse: parseIncGpc },
  'sc-inc-gpc0': { name: 'sc-inc-gpc0', prefix: true, enforced: WAITS_STICK, parse: parseIncGpc },
  'sc-inc-gpc1': { name: 'sc-inc-gpc1', prefix: true, enforced: WAITS_STICK, parse: parseIncGpc },
  'sc-set-gpt': { name: 'sc-set-gpt', prefix: true, enforced: WAITS_STICK, parse: parseSetGpt },
  'sc-set-gpt0': { name: 'sc-set-gpt0', prefix: true, enforced: WAITS_STICK, parse: parseSetGpt },
  'send-spoe-group': {
    name: 'send-spoe-group',
    enforced: 'lands with SPOE filters',
    parse(p) {
      if (p.arg() === '' || p.arg(1) === '' || !p.endsAt(2)) return p.fail('expects 2 arguments: <engine-id> <group-id>');
      const values = { engine: p.arg(), group: p.arg(1) };
      p.pos += 2;
      return { data: { kind: 'settings', values } };
    },
  },
  'ot-group': {
    name: 'ot-group',
    enforced: 'lands with OpenTracing filters',
    parse(p) {
      if (p.arg() === '' || p.arg(1) === '' || !p.endsAt(2)) return p.fail('expects: <filter-id> <group-id> [{ if | unless } ...]');
      const values = { filter: p.arg(), group: p.arg(1) };
      p.pos += 2;
      return { data: { kind: 'settings', values } };
    },
  },
  'use-service': {
    name: 'use-service',
    final: true,
    enforced: 'lands with services',
    parse(p) {
      const name = p.arg();
      if (name === '') return p.fail("'use-service' expects a service name.");
      // A `lua.<name>` service is registered by a script of `lua-load`; Lua does
      // not run in Switchyard yet, so with a script loaded the name is trusted.
      const fromLua = name.startsWith('lua.') && p.ctx.model.global.luaLoads.length > 0;
      if (name !== 'prometheus-exporter' && !fromLua) return p.fail(`'${name}' unknown service name.`);
      p.pos++;
      if (fromLua) return { data: { kind: 'settings', values: { service: name } } };
      // promex.c: the exporter serves HTTP only.
      if (!p.isHttp) return p.fail("Prometheus exporter service only available on 'http-request' rulesets");
      return { data: { kind: 'settings', values: { service: name } } };
    },
  },
  'do-resolve': {
    name: 'do-resolve',
    prefix: true,
    enforced: 'lands with resolvers',
    parse(p) {
      // resolvers.c action_parse_resolve(): do-resolve(<var>,<resolvers>[,ipv4|ipv6]) <expr>
      const word = p.actionWord;
      const fail = (what: string): undefined =>
        p.fail(`Can't parse '${what}'. Expects 'do-resolve(<varname>,<resolvers>[,<options>]) <expr>'. Available options are 'ipv4' and 'ipv6'`);
      const open = word.indexOf('(');
      if (open < 0) return fail(word);
      const body = word.slice(open + 1);
      const c1 = body.indexOf(',');
      if (c1 < 0) return fail(word);
      const varName = body.slice(0, c1);
      const after = body.slice(c1 + 1);
      let end = after.indexOf(',');
      if (end < 0) end = after.indexOf(')');
      if (end < 0) return fail(word);
      const resolvers = after.slice(0, end);
      let family = 'ipv6';
      if (after[end] === ',') {
        const opts = after.slice(end + 1);
        const close = opts.indexOf(')');
        if (close < 0) return fail(word);
        const opt = opts.slice(0, close);
        // strncmp(beg, "ipv4", end - beg): a prefix of the option name matches.
        if ('ipv4'.startsWith(opt)) family = 'ipv4';
        else if (!'ipv6'.startsWith(opt)) return fail(word);
      }
      const r = p.tryExpression();
      if (!r.ok) return fail(p.arg());
      return { data: { kind: 'settings', values: { variable: varName, resolvers, family } }, expressions: [r.expr] };
    },
  },
  'switch-mode': {
    name: 'switch-mode',
    final: true,
    enforced: 'lands with HTTP/2 (only HTTP/1 upgrades run)',
    parse(p) {
      const kw = `${p.words[0] ?? ''} ${p.actionWord}`;
      const mode = p.arg();
      if (mode === '') return p.failRaw(`'${kw}' expects a mode as argument.`);
      if (!p.proxy.cap.frontend) {
        return p.failRaw(`'${kw}' not allowed because ${proxyTypeStr(p.proxy)} '${p.proxy.name}' has no frontend capability`);
      }
      if (mode !== 'http') return p.failRaw(`'${kw}' expects a valid mode (got '${mode}').`);
      let proto: string | undefined;
      if (p.arg(1) === 'proto') {
        proto = p.arg(2);
        if (proto === '') return p.failRaw(`'${kw}': 'proto' expects a protocol as argument.`);
        if (!MUX_PROTOCOLS.includes(proto)) return p.failRaw(`'${kw}': 'proto' expects a valid MUX protocol, if specified (got '${proto}')`);
        p.pos += 2;
      }
      p.pos++;
      return { data: { kind: 'settings', values: { mode, proto } } };
    },
  },
};

/**
 * Whether a `switch-mode` rule is one Switchyard performs: an HTTP/1 upgrade
 * (no `proto`, or `proto h1`). `proto h2` needs an HTTP/2 engine.
 */
export function upgradeSupported(rule: { readonly data?: ParsedAction['data'] }): boolean {
  const data = rule.data;
  const proto = data?.kind === 'settings' ? data.values['proto'] : undefined;
  return proto === undefined || proto === 'h1';
}

/**
 * tcp_rules.c tcp_parse_request_rule() built-ins: their messages carry the
 * whole "'tcp-request content capture' : ..." context themselves.
 */
export function tcpBuiltin(p: RuleParser, rulesetWords: string): ParsedAction | undefined | 'unknown' {
  const word = p.actionWord;
  const px = p.proxy;
  const where = `${proxyTypeStr(px)} '${px.name}'`;
  const ctxName = `'${rulesetWords} ${word}'`;
  if (word === 'accept' || word === 'reject') return { final: true };
  if (word === 'close' && p.ruleset === 'tcp-response content') return { final: true };
  if (word === 'capture' && p.ruleset !== 'tcp-response content') {
    if (!px.cap.frontend) return p.failRaw(`${ctxName} : proxy '${px.name}' has no frontend capability`);
    if (p.ruleset !== 'tcp-request content') {
      return p.failRaw(`'${word} ${p.arg()}' is not allowed in '${rulesetWords}' rules in ${where}`);
    }
    const r = p.tryExpression();
    if (!r.ok) return p.failRaw(`${ctxName} : ${r.message}`);
    let len = 0;
    if (p.arg() === 'len') {
      p.pos++;
      if (p.pos >= p.words.length) return p.failRaw(`${ctxName} : missing length value`);
      len = atoi(p.arg());
      if (len <= 0) return p.failRaw(`${ctxName} : length must be > 0`);
      p.pos++;
    }
    if (len === 0) return p.failRaw(`${ctxName} : a positive 'len' argument is mandatory`);
    return { data: { kind: 'settings', values: { len } }, expressions: [r.expr] };
  }
  if (word.startsWith('track-sc') && p.ruleset !== 'tcp-response content') {
    const num = trackScNumber(word.slice(8));
    if (typeof num === 'string') return p.failRaw(`${ctxName} : ${num}`);
    const r = p.tryExpression();
    if (!r.ok) return p.failRaw(`${ctxName} : ${r.message}`);
    let table: string | undefined;
    if (p.arg() === 'table') {
      p.pos++;
      if (p.pos >= p.words.length) return p.failRaw(`${ctxName} : missing table name`);
      table = p.arg();
      p.pos++;
    }
    return { data: { kind: 'counter', sc: num, table }, expressions: [r.expr] };
  }
  if ((word === 'expect-proxy' || word === 'expect-netscaler-cip') && p.ruleset !== 'tcp-response content') {
    if (p.arg() !== 'layer4') return p.failRaw(`${ctxName} only supports 'layer4' in ${where} (got '${p.arg()}')`);
    if (p.ruleset !== 'tcp-request connection') {
      return p.failRaw(`'${word} ${p.arg()}' is not allowed in '${rulesetWords}' rules in ${where}`);
    }
    p.pos++;
    return {};
  }
  return 'unknown';
}

/** cfgparse.c cfg_parse_track_sc_num(): the digits after "track-sc". */
export function trackScNumber(text: string): number | string {
  const m = /^[0-9]*/.exec(text)![0];
  if (m.length !== text.length) return `Wrong track-sc number '${text.slice(m.length)}'`;
  const num = m === '' ? 0 : Number(m);
  if (num >= MAX_SESS_STKCTR) return `${num} track-sc number exceeding ${MAX_SESS_STKCTR - 1} (MAX_SESS_STKCTR-1) value`;
  return num;
}
