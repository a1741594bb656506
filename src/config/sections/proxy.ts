/**
 * The four proxy sections: `defaults [<name>] [from <defaults>]` and
 * `frontend|backend|listen <name> [from <defaults>]` (configuration.txt §4),
 * as haproxy's cfg_parse_listen() opens them: name checks, duplicate names,
 * the defaults section a proxy is built from, and the restrictions on named
 * defaults sections that define rules. Keyword lines go through the shared
 * `proxyKeywords` table, filled by src/config/proxy/*.ts and the subsystems.
 */
import type { Place } from '../diagnostics.js';
import type { ConfigModel } from '../model/index.js';
import { createProxyFrom, hasRules, type ProxyConfig, type ProxyKind } from '../model/proxy.js';
import { registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { proxyKeywords } from './proxy-keywords.js';
import { suggestionSuffix } from '../suggest.js';
import { abortParsing, invalidChar, proxyTypeStr } from '../proxy/util.js';
import { applyModifier } from '../global/keyword-modifier.js';
import { parseOptionLine } from '../proxy/options.js';
import { parseLogKeyword } from '../proxy/logging.js';
import { rememberInheritedTimeouts } from '../proxy/timeouts.js';
import { rememberInheritedLimits } from '../proxy/limits.js';
import '../proxy/index.js';

/** What a proxy section's lines apply to; no proxy when the header was rejected without creating one. */
export interface ProxySectionState {
  readonly kind: ProxyKind;
  readonly proxy?: ProxyConfig | undefined;
}

/** Per-configuration bookkeeping of haproxy's last_defproxy and PR_FL_EXPLICIT_REF / PR_FL_IMPLICIT_REF. */
interface DefaultsBookkeeping {
  /** The last defaults section read (haproxy's last_defproxy); undefined: the built-in defaults. */
  last?: ProxyConfig | undefined;
  explicit: WeakSet<ProxyConfig>;
  implicit: WeakSet<ProxyConfig>;
  /** For a defaults section with rules: the kind of proxy that first used it (haproxy rewrites its cap). */
  rulesUser: WeakMap<ProxyConfig, 'frontend' | 'backend'>;
}

const bookkeeping = new WeakMap<ConfigModel, DefaultsBookkeeping>();

function booksOf(model: ConfigModel): DefaultsBookkeeping {
  let b = bookkeeping.get(model);
  if (b === undefined) {
    b = { explicit: new WeakSet(), implicit: new WeakSet(), rulesUser: new WeakMap() };
    bookkeeping.set(model, b);
  }
  return b;
}

/** haproxy's proxy_cap_str() for the section being opened. */
function capStr(kind: ProxyKind): string {
  return kind === 'listen' ? 'proxy' : kind;
}

function placeStr(p: Place | undefined): string {
  return p === undefined ? '(null):0' : `${p.file}:${p.line}`;
}

/**
 * haproxy's proxy_fe_by_name() / proxy_be_by_name(): a frontend (or listen)
 * conflicts with an earlier proxy having a frontend side, a backend with one
 * having a backend side. A frontend and a backend may share a name
 * (configuration.txt §4), and, as in haproxy, a listen declared after a
 * backend of the same name is not detected.
 */
function findConflict(model: ConfigModel, kind: ProxyKind, name: string): ProxyConfig | undefined {
  const wantFe = kind === 'frontend' || kind === 'listen';
  return model.proxies.find((p) => p.name === name && (wantFe ? p.cap.frontend : p.cap.backend));
}

/** Parsed header words: the name, the `from` target and the first unexpected word. */
interface Header {
  name: string;
  from?: string | undefined;
}

function openProxy(ctx: LineContext, words: string[]): ProxySectionState | undefined {
  const kind = (words[0] ?? '') as ProxyKind;
  const model = ctx.model;
  const books = booksOf(model);
  const header: Header = { name: '' };

  if (kind !== 'defaults') {
    const name = words[1] ?? '';
    if (name === '') {
      // cfgparse-listen.c: ERR_ALERT | ERR_ABORT, the file stops being read.
      ctx.alert('CFG_PROXY_MISSING_NAME', `'${kind}' expects an <id> argument`);
      abortParsing(ctx);
      return undefined;
    }
    header.name = name;
    const bad = invalidChar(name);
    if (bad !== undefined) {
      ctx.alert('CFG_PROXY_INVALID_NAME', `character '${bad}' is not permitted in '${kind}' name '${name}'.`);
    }
    const other = findConflict(model, kind, name);
    if (other !== undefined) {
      ctx.alert(
        'CFG_PROXY_DUPLICATE_NAME',
        `${capStr(kind)} '${name}' has the same name as ${proxyTypeStr(other)} '${other.name}' declared at ${placeStr(other.place)}.`,
        'Parsing-tight',
      );
    }
    let rest = 2;
    if (words[2] === 'from' && (words[3] ?? '') !== '') {
      header.from = words[3];
      rest = 4;
      if ((words[4] ?? '') !== '') {
        ctx.alert('CFG_TOO_MANY_ARGS', `'${kind}' cannot handle unexpected argument '${words[4] ?? ''}'.`);
      }
    }
    if ((words[rest] ?? '') !== '') {
      // Pre-1.3 "listen <name> <address>" syntax: haproxy alerts without
      // failing the configuration but creates no proxy, so every line of
      // the section then reports "'listen' or 'defaults' expected.".
      ctx.nonFatalAlert('CFG_PROXY_ADDRESS_IN_HEADER', `please use the 'bind' keyword for listening addresses.`);
      return { kind };
    }
  } else if (words[1] === 'from' && (words[2] ?? '') !== '' && (words[3] ?? '') === '') {
    // "defaults from <name>": an anonymous section built from another one.
    header.from = words[2];
  } else {
    header.name = words[1] ?? '';
    // Extra words after a defaults name are ignored, as in haproxy.
    if (words[2] === 'from') header.from = words[3] ?? '';
  }

  let base: ProxyConfig | undefined;
  if (header.from !== undefined) {
    const found = resolveFrom(ctx, kind, header);
    if (found === 'abort') return undefined;
    base = found;
    if (base !== undefined) books.explicit.add(base);
  } else if (kind !== 'defaults') {
    // configuration.txt §4: "by default the latest one that appears before".
    base = books.last;
    if (base !== undefined) books.implicit.add(base);
  }

  if (base !== undefined && books.explicit.has(base) && books.implicit.has(base)) {
    ctx.nonFatalAlert(
      'CFG_DEFAULTS_MIXED_REFS',
      `defaults section '${base.name}' (declared at ${placeStr(base.place)}) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.`,
    );
  }

  if (base !== undefined && hasRules(base.rules) && !checkRulesInheritance(ctx, kind, base, books)) {
    abortParsing(ctx);
    return undefined;
  }

  const proxy = createProxyFrom(kind, header.name, ctx.place, base, base === undefined ? undefined : base.name);
  rememberInheritedTimeouts(proxy, proxy.timeouts);
  rememberInheritedLimits(proxy);
  if (kind === 'defaults') {
    model.defaults.push(proxy);
    books.last = proxy;
  } else {
    model.proxies.push(proxy);
  }
  return { kind, proxy };
}

/**
 * Finds the defaults section named by `from`. Returns 'abort' when haproxy
 * stops reading (section not found), undefined for the built-in defaults.
 */
function resolveFrom(ctx: LineContext, kind: ProxyKind, header: Header): ProxyConfig | undefined | 'abort' {
  const target = header.from ?? '';
  const candidates: (ProxyConfig | undefined)[] = ctx.model.defaults.filter((d) => d.name === target);
  // haproxy's built-in defaults is an anonymous section too, declared nowhere
  // ("(null):0"), and found first when looking up the empty name.
  if (target === '') candidates.unshift(undefined);
  if (candidates.length === 0) {
    ctx.alert('CFG_DEFAULTS_NOT_FOUND', `defaults section '${target}' not found for ${capStr(kind)} '${header.name}'.`);
    abortParsing(ctx);
    return 'abort';
  }
  const found = candidates[0];
  if (candidates.length > 1) {
    ctx.alert(
      'CFG_DEFAULTS_AMBIGUOUS',
      `ambiguous defaults section name '${target}' referenced by ${capStr(kind)} '${header.name}' exists at least at ${placeStr(found?.place)} and ${placeStr(candidates[1]?.place)}.`,
    );
  }
  const bad = invalidChar(target);
  if (bad !== undefined) {
    if (bad === '') {
      // haproxy formats a NUL character here and its message stops right there.
      ctx.alert('CFG_DEFAULTS_INVALID_NAME', `character '`);
    } else {
      ctx.alert(
        'CFG_DEFAULTS_INVALID_NAME',
        `character '${bad}' is not permitted in defaults section name '${target}' when designated by its name (section found at ${placeStr(found?.place)}).`,
      );
    }
  }
  return found;
}

/**
 * configuration.txt §4 and cfgparse-listen.c: a defaults section defining
 * TCP/HTTP rules may only be used by frontends or only by backends, never by a
 * listen or another defaults section, and its layer-4/5 or response rules
 * must make sense for that side. Returns false after the alert.
 */
function checkRulesInheritance(ctx: LineContext, kind: ProxyKind, base: ProxyConfig, books: DefaultsBookkeeping): boolean {
  const at = placeStr(base.place);
  if (kind === 'defaults') {
    ctx.alert('CFG_DEFAULTS_RULES_INHERIT', `a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at ${at}).`, 'parsing-tight');
    return false;
  }
  if (kind === 'listen') {
    ctx.alert('CFG_DEFAULTS_RULES_INHERIT', `a listen section cannot inherit from a defaults section defining TCP/HTTP rules.`, 'parsing-tight');
    return false;
  }
  const side = kind === 'frontend' ? 'frontend' : 'backend';
  const first = books.rulesUser.get(base);
  if (first !== undefined && first !== side) {
    ctx.alert('CFG_DEFAULTS_RULES_INHERIT', `frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at ${at}).`, 'parsing-tight');
    return false;
  }
  const r = base.rules;
  if (side === 'backend' && (r.tcpRequestConnection.length > 0 || r.tcpRequestSession.length > 0)) {
    ctx.alert('CFG_DEFAULTS_RULES_INHERIT', `a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules (defaults section at ${at}).`, 'parsing-tight');
    return false;
  }
  if (side === 'frontend' && r.tcpResponseContent.length > 0) {
    ctx.alert('CFG_DEFAULTS_RULES_INHERIT', `a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at ${at}).`, 'parsing-tight');
    return false;
  }
  books.rulesUser.set(base, side);
  return true;
}

/** Names offered in "did you mean" suggestions: every proxy keyword and the section names. */
function candidates(): Iterable<string> {
  return [...proxyKeywords.names(), 'listen', 'frontend', 'backend', 'defaults'];
}

/**
 * Dispatches one keyword line of a proxy section. Exported for the tests and
 * for tools that feed single lines.
 */
export function parseProxyLine(ctx: LineContext, proxy: ProxyConfig, sectionName: string, words: string[]): void {
  // readcfgfile() shifts the words and checks the keyword for every section;
  // in a proxy only `option` and `log` then act on the modifier, other
  // keywords are parsed as if it were not there.
  const { kwm, words: rest } = applyModifier(ctx, words);
  const name = rest[0] ?? '';
  if (kwm !== 'std') {
    if (name === 'option') {
      parseOptionLine(ctx, proxy, rest, kwm);
      return;
    }
    if (name === 'log') {
      parseLogKeyword(ctx, proxy, rest, kwm);
      return;
    }
  }
  const kw = proxyKeywords.get(name);
  if (kw === undefined) {
    ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${name}' in '${sectionName}' section${suggestionSuffix(name, candidates())}`);
    return;
  }
  const before = ctx.diag.alertCount;
  kw.parse(ctx, proxy, rest);
  if (kw.enforced !== undefined && kw.enforced !== true && ctx.diag.alertCount === before) {
    ctx.notEnforced(typeof kw.enforced === 'string' ? `'${name}' (${kw.enforced})` : `'${name}'`);
  }
}

function makeSection(kind: ProxyKind): SectionParser<ProxySectionState> {
  return {
    keyword: kind,
    displayName: kind,
    open: openProxy,
    line(ctx, state, words) {
      if (state.proxy === undefined) {
        ctx.alert('CFG_PROXY_EXPECTED', `'listen' or 'defaults' expected.`);
        return;
      }
      parseProxyLine(ctx, state.proxy, kind, words);
    },
  };
}

for (const kind of ['defaults', 'frontend', 'backend', 'listen'] as const) registerSection(makeSection(kind));
