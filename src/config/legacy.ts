/**
 * The HAProxy 1.5/1.6 directives that 2.1+ refuses ("The 'reqadd' directive is
 * not supported anymore since HAProxy 2.1. Use 'http-request add-header'
 * instead."). Switchyard accepts them: each is translated to modern rules
 * with the same 1.5 semantics and a warning shows the modern line, so users
 * can migrate. The translation table is docs/legacy-directives.md.
 *
 * When no single modern rule is exactly equivalent (regexes over whole header
 * lines, which 1.5 also applied to the request line), the rule is kept as a
 * dedicated legacy action (`LegacyLineData`) that the HTTP engine runs with
 * 1.5's semantics, and the warning names the closest modern rule.
 *
 * Evaluation order follows 1.5 (proto_http.c http_process_req_common()):
 * `block` rules first, then http-request rules, then the req* filters in
 * declaration order, then reqadd; responses: http-response rules, rsp*
 * filters, rspadd. A post-check sorts each proxy's rule lists accordingly.
 */
import type { LineContext } from './section-registry.js';
import { registerPostCheck } from './section-registry.js';
import type { ProxyConfig, RuleConfig } from './model/proxy.js';
import { proxyKeywords } from './sections/proxy-keywords.js';
import type { Condition } from '../acl/condition.js';
import type { LegacyLineData, LegacyPhase } from '../http/rule-model.js';
import { parseConditionAt, quoteWord } from '../http/rule-parser.js';
import { checkRegex } from '../http/rule-regex.js';
import { buildHttpRule } from '../http/rule-keywords.js';

type Direction = 'request' | 'response';

interface LegacyDirective {
  readonly name: string;
  readonly dir: Direction;
  readonly verb: LegacyLineData['verb'];
  readonly icase: boolean;
  /** Number of arguments before the optional condition. */
  readonly argc: number;
  /** What haproxy 2.6 suggests instead (its refusal message). */
  readonly modern: string;
}

const D = (name: string, dir: Direction, verb: LegacyLineData['verb'], icase: boolean, argc: number, modern: string): LegacyDirective =>
  ({ name, dir, verb, icase, argc, modern });

/** Every 1.5 header-filter directive. */
export const LEGACY_DIRECTIVES: readonly LegacyDirective[] = [
  D('reqadd', 'request', 'add', false, 1, 'http-request add-header'),
  D('reqrep', 'request', 'replace', false, 2, 'http-request replace-header'),
  D('reqirep', 'request', 'replace', true, 2, 'http-request replace-header'),
  D('reqdel', 'request', 'delete', false, 1, 'http-request del-header'),
  D('reqidel', 'request', 'delete', true, 1, 'http-request del-header'),
  D('reqdeny', 'request', 'deny', false, 1, 'http-request deny'),
  D('reqideny', 'request', 'deny', true, 1, 'http-request deny'),
  D('reqtarpit', 'request', 'tarpit', false, 1, 'http-request tarpit'),
  D('reqitarpit', 'request', 'tarpit', true, 1, 'http-request tarpit'),
  D('reqallow', 'request', 'allow', false, 1, 'http-request allow'),
  D('reqiallow', 'request', 'allow', true, 1, 'http-request allow'),
  D('reqpass', 'request', 'pass', false, 1, 'nothing'),
  D('reqipass', 'request', 'pass', true, 1, 'nothing'),
  D('reqsetbe', 'request', 'set-backend', false, 2, 'use_backend'),
  D('reqisetbe', 'request', 'set-backend', true, 2, 'use_backend'),
  D('rspadd', 'response', 'add', false, 1, 'http-response add-header'),
  D('rsprep', 'response', 'replace', false, 2, 'http-response replace-header'),
  D('rspirep', 'response', 'replace', true, 2, 'http-response replace-header'),
  D('rspdel', 'response', 'delete', false, 1, 'http-response del-header'),
  D('rspidel', 'response', 'delete', true, 1, 'http-response del-header'),
  D('rspdeny', 'response', 'deny', false, 1, 'http-response deny'),
  D('rspideny', 'response', 'deny', true, 1, 'http-response deny'),
];

/** A header field name (RFC 9110 §5.1 token) written without regex metacharacters. */
const NAME = /^[A-Za-z0-9_-]+$/;

/** Shows a 1.5 argument as 1.5 configurations wrote it: spaces escaped with a backslash. */
function legacyWord(w: string): string {
  return w === '' ? '""' : w.replace(/([\\ #"'])/g, (m) => (m === '\\' ? '\\' : `\\${m}`));
}

/** Escapes text for a log-format string (a literal '%' is written '%%'). */
function lfEscape(s: string): string {
  return s.replace(/%/g, '%%');
}

/** The modern translation of a 1.5 filter: rule words to parse, or a legacy action with a hint. */
type Translation =
  | { kind: 'modern'; words: string[] }
  | { kind: 'legacy'; data: LegacyLineData; closest?: string | undefined };

/** Splits "Name: value" as 1.5's reqadd wrote header lines; undefined when not a header line. */
function headerLine(line: string): { name: string; value: string } | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon);
  if (!NAME.test(name)) return undefined;
  return { name, value: line.slice(colon + 1).replace(/^[ \t]+/, '') };
}

/**
 * A regex of the form `^Name:<spaces><rest>` (spaces written `\ *`, ` *`,
 * `\s*`, `[ \t]*` or a single `\ `/space): the header name and the rest.
 */
function headerRegex(re: string): { name: string; rest: string } | undefined {
  const m = /^\^([A-Za-z0-9_-]+):((?:\\ |\\s|\[ \\t\]| )\*?)?(.*)$/s.exec(re);
  if (m === null) return undefined;
  return { name: m[1]!, rest: m[3]! };
}

function translate(d: LegacyDirective, args: readonly string[]): Translation {
  const ruleset = d.dir === 'request' ? 'http-request' : 'http-response';
  const first = args[0] ?? '';
  const legacy = (extra: Partial<LegacyLineData>, closest?: string): Translation => ({
    kind: 'legacy',
    data: { kind: 'legacy-line', directive: d.name, verb: d.verb, caseInsensitive: d.icase, ...extra },
    closest,
  });
  switch (d.verb) {
    case 'add': {
      const h = headerLine(first);
      return h === undefined ? legacy({ text: first }) : { kind: 'modern', words: [ruleset, 'add-header', h.name, lfEscape(h.value)] };
    }
    case 'delete': {
      const h = headerRegex(first);
      // Header names are case-insensitive in HTTP, so only the 'i' variant matches del-header exactly.
      const exact = h !== undefined && (h.rest === '' || h.rest === '.*') && d.icase;
      if (exact) return { kind: 'modern', words: [ruleset, 'del-header', h.name] };
      return legacy({ regex: first }, h !== undefined ? `${ruleset} del-header ${h.name}` : undefined);
    }
    case 'replace': {
      const repl = args[1] ?? '';
      const h = headerRegex(first);
      const r = headerLine(repl);
      if (h !== undefined && r !== undefined && h.name.toLowerCase() === r.name.toLowerCase() && !/^[*+?{]/.test(h.rest) && !h.rest.includes('(?')) {
        // 1.5 replaced the whole line by the expansion; replace-header replaces the whole value.
        const rest = `^${h.rest.replace(/^\^/, '')}`;
        const words = [ruleset, 'replace-header', h.name, d.icase ? `(?i)${rest}` : rest, lfEscape(r.value)];
        if (d.icase) return { kind: 'modern', words };
        return legacy({ regex: first, text: repl }, words.map(quoteWord).join(' '));
      }
      return legacy({ regex: first, text: repl });
    }
    case 'deny':
    case 'tarpit':
    case 'allow': {
      const h = headerRegex(first);
      const closest = h !== undefined
        ? `${ruleset} ${d.verb} if { ${d.dir === 'request' ? 'req' : 'res'}.fhdr(${h.name}) -m reg ${d.icase ? '-i ' : ''}${quoteWord(`^${h.rest}`)} }`
        : undefined;
      return legacy({ regex: first }, closest);
    }
    case 'pass':
      return legacy({ regex: first });
    case 'set-backend': {
      const h = headerRegex(first);
      const closest = h !== undefined
        ? `use_backend ${args[1] ?? ''} if { req.fhdr(${h.name}) -m reg ${d.icase ? '-i ' : ''}${quoteWord(`^${h.rest}`)} }`
        : undefined;
      return legacy({ regex: first, text: args[1] ?? '' }, closest);
    }
  }
}

function rulesOf(proxy: ProxyConfig, dir: Direction): RuleConfig[] {
  return dir === 'request' ? proxy.rules.httpRequest : proxy.rules.httpResponse;
}

function warnTranslated(ctx: LineContext, line: string, how: string): void {
  ctx.warning('CFG_LEGACY_DIRECTIVE', `'${line}' is a legacy HAProxy 1.5 directive, refused by HAProxy 2.1+; ${how}`);
}

/** Checks the proxy kind: 1.5 accepted these in frontends, backends and listens only. */
function allowedHere(ctx: LineContext, proxy: ProxyConfig, name: string): boolean {
  if (proxy.kind !== 'defaults') return true;
  ctx.alert('CFG_LEGACY_IN_DEFAULTS', `'${name}' not allowed in 'defaults' section.`);
  return false;
}

function parseFilterDirective(d: LegacyDirective, ctx: LineContext, proxy: ProxyConfig, words: string[]): void {
  if (!allowedHere(ctx, proxy, d.name)) return;
  const args = words.slice(1, 1 + d.argc);
  const rest = words.slice(1 + d.argc);
  const line = words.map(legacyWord).join(' ');
  if (args.length < d.argc || args.some((a) => a === '')) {
    const what = d.verb === 'add' ? '<header>' : d.argc === 2 ? (d.verb === 'set-backend' ? '<search> and <backend>' : '<search> and <replace>') : '<search>';
    ctx.alert('CFG_LEGACY_MISSING_ARG', `'${d.name}' expects ${what} as argument${d.argc === 2 ? 's' : ''}.`);
    return;
  }
  if (rest.length > 0 && rest[0] !== 'if' && rest[0] !== 'unless') {
    ctx.alert('CFG_LEGACY_SYNTAX', `'${d.name}' expects either 'if' or 'unless' followed by a condition but found '${rest[0]!}'.`);
    return;
  }
  const phase: LegacyPhase = d.verb === 'add' ? 'add' : 'filter';
  const t = translate(d, args);
  if (t.kind === 'modern') {
    const modernWords = [...t.words, ...rest];
    const built = buildHttpRule(ctx, proxy, d.dir === 'request' ? 'http-request' : 'http-response', modernWords, 1);
    const modern = modernWords.map(quoteWord).join(' ');
    if (!built.ok) {
      ctx.alert('CFG_LEGACY_INVALID', `'${line}' (run as '${modern}'): ${built.message}`);
      return;
    }
    rulesOf(proxy, d.dir).push({ ...built.rule, legacy: { line, phase } });
    warnTranslated(ctx, line, `Switchyard runs it as '${modern}'.`);
    for (const w of built.warnings) ctx.warning('CFG_RULE_COND_CONFLICT', w);
    return;
  }
  // A legacy line action: check the regex and the condition, keep 1.5 semantics.
  if (t.data.regex !== undefined) {
    const bad = checkRegex(t.data.regex);
    if (bad !== undefined) {
      ctx.alert('CFG_LEGACY_INVALID', `'${line}': ${bad}.`);
      return;
    }
  }
  let cond: Condition | undefined;
  if (rest.length > 0) {
    const c = parseConditionAt(ctx, proxy, words, 1 + d.argc, d.dir === 'request' ? 'http-request' : 'http-response');
    if (!c.ok) {
      ctx.alert('CFG_LEGACY_INVALID', `error detected while parsing a '${d.name}' condition : ${c.message}.`);
      return;
    }
    cond = c.cond;
    for (const w of c.warnings) ctx.warning('CFG_RULE_COND_CONFLICT', w);
  }
  rulesOf(proxy, d.dir).push({
    place: ctx.place,
    action: `legacy-${t.data.verb}`,
    args,
    cond,
    data: t.data,
    final: t.data.verb === 'deny' || t.data.verb === 'tarpit' || t.data.verb === 'allow',
    legacy: { line, phase },
  });
  const closest = t.closest !== undefined ? ` The closest modern rule is '${t.closest}'.` : ` HAProxy 2.1+ suggests ${d.modern === 'nothing' ? 'removing it' : `'${d.modern}'`}.`;
  warnTranslated(ctx, line, `Switchyard runs it with its 1.5 semantics (regex over whole header lines and the ${d.dir === 'request' ? 'request' : 'status'} line).${closest}`);
  // src/http/legacy-rules.ts runs every verb but set-backend, which src/http/legacy-set-backend.ts runs.
}

for (const d of LEGACY_DIRECTIVES) {
  proxyKeywords.register({ name: d.name, parse: (ctx, proxy, words) => parseFilterDirective(d, ctx, proxy, words) });
}

/** `block [if|unless cond]`: exactly `http-request deny [cond]`, run before the http-request rules (1.5, 1.6–2.0). */
proxyKeywords.register({
  name: 'block',
  parse(ctx, proxy, words) {
    if (!allowedHere(ctx, proxy, 'block')) return;
    const line = words.map(legacyWord).join(' ');
    const modernWords = ['http-request', 'deny', ...words.slice(1)];
    const modern = modernWords.map(quoteWord).join(' ');
    const built = buildHttpRule(ctx, proxy, 'http-request', modernWords, 1);
    if (!built.ok) {
      ctx.alert('CFG_LEGACY_INVALID', `'${line}' (run as '${modern}'): ${built.message}`);
      return;
    }
    proxy.rules.httpRequest.push({ ...built.rule, legacy: { line, phase: 'block' } });
    warnTranslated(ctx, line, `Switchyard runs it as '${modern}', placed before the other http-request rules.`);
    for (const w of built.warnings) ctx.warning('CFG_RULE_COND_CONFLICT', w);
  },
});

/** `redispatch`: the 1.x keyword form of `option redispatch`. */
proxyKeywords.register({
  name: 'redispatch',
  parse(ctx, proxy, words) {
    if (words.length > 1) {
      ctx.alert('CFG_LEGACY_SYNTAX', `'redispatch' expects no argument.`);
      return;
    }
    if (!proxy.cap.backend) {
      ctx.warning('CFG_CAPABILITY', `'redispatch' ignored because ${proxy.kind} '${proxy.name}' has no backend capability.`);
      return;
    }
    proxy.options.set('redispatch', true);
    warnTranslated(ctx, 'redispatch', "Switchyard runs it as 'option redispatch'.");
  },
});

/**
 * `appsession <cookie> len <length> timeout <holdtime> [request-learn] [prefix] [mode <mode>]`
 * (removed in 1.6): the stickiness it gave is a stick table learning the
 * application cookie; kept as a directive until stick tables land.
 */
proxyKeywords.register({
  name: 'appsession',
  parse(ctx, proxy, words) {
    if (!allowedHere(ctx, proxy, 'appsession')) return;
    const cookie = words[1] ?? '';
    const lenAt = words.indexOf('len');
    const timeoutAt = words.indexOf('timeout');
    const len = lenAt > 0 ? words[lenAt + 1] ?? '' : '';
    const timeout = timeoutAt > 0 ? words[timeoutAt + 1] ?? '' : '';
    if (cookie === '' || !/^[1-9][0-9]*$/.test(len) || timeout === '') {
      ctx.alert('CFG_LEGACY_SYNTAX', "'appsession' expects <cookie> 'len' <length> 'timeout' <holdtime> [request-learn] [prefix] [mode <path-parameters|query-string>].");
      return;
    }
    proxy.directives.push({ keyword: 'appsession', args: words.slice(1), place: ctx.place });
    const line = words.map(legacyWord).join(' ');
    // Issue 6: appsession gives haproxy's own removal message, then the translation.
    ctx.warning(
      'CFG_LEGACY_DIRECTIVE',
      `'appsession' is not supported anymore since HAProxy 1.6 ('${line}'); Switchyard runs it as 'stick-table type string len ${len} size 100k expire ${timeout}', 'stick on req.cook(${cookie})' and 'stick store-response res.cook(${cookie})'.`,
    );
    ctx.notEnforced("'appsession' (lands with stick tables)");
  },
});

/**
 * The `option` names 2.x refuses, with what Switchyard runs instead; for the
 * option parser (src/config/proxy/options.ts) to call.
 */
export const LEGACY_OPTIONS: Readonly<Record<string, { readonly replacement?: string | undefined; readonly note: string }>> = {
  forceclose: { replacement: 'httpclose', note: "Switchyard runs it as 'option httpclose' (both close the connection after the response)." },
  'http-tunnel': { note: 'Switchyard ignores it: every request is processed, which is what 2.x always does.' },
  http_proxy: { note: "Switchyard cannot run it; use 'http-request set-dst' and 'http-request set-uri' as HAProxy suggests." },
};

/** The warning for a legacy option line, or undefined when `name` is not a legacy option. */
export function legacyOptionWarning(name: string): string | undefined {
  const o = LEGACY_OPTIONS[name];
  return o === undefined ? undefined : `'option ${name}' is a legacy HAProxy 1.5 option, refused by HAProxy 2.x; ${o.note}`;
}

const REQUEST_ORDER: Record<LegacyPhase | 'rule', number> = { block: 0, rule: 1, filter: 2, add: 3 };

/** Stable-sorts a rule list into 1.5's evaluation order (see the file comment). */
export function orderLegacyRules(list: RuleConfig[]): void {
  if (!list.some((r) => r.legacy !== undefined)) return;
  const sorted = list
    .map((r, i) => ({ r, i, k: REQUEST_ORDER[r.legacy?.phase ?? 'rule'] }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.r);
  list.splice(0, list.length, ...sorted);
}

registerPostCheck('legacy-rule-order', (model) => {
  for (const p of [...model.defaults, ...model.proxies]) {
    orderLegacyRules(p.rules.httpRequest);
    orderLegacyRules(p.rules.httpResponse);
  }
}, 5);
