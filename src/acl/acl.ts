/**
 * ACL definitions: `acl <name> <criterion> [flags] [operator] [<value>] ...`
 * (configuration.txt §7.1), the ACL keywords that are shortcuts for a fetch and
 * a match method (`path_beg` = `path -m beg`), and the predefined ACLs of §7.4.
 *
 * Follows HAProxy 2.6 acl.c parse_acl_expr() closely, quirks included: with a
 * plain fetch the following words are parsed as converters when they name
 * one, *and* are still read as flags/patterns afterwards.
 */
import type { Place } from '../config/diagnostics.js';
import {
  MATCH_INPUT_TYPE,
  MATCH_METHODS,
  defaultMatchFor,
  parsePattern,
  readPatternFile,
  type AclPattern,
  type MatchMethod,
} from '../sample/converters/patterns.js';
import { parseExpressionCore, isIdChar, type ParseCtx, type SampleExpression } from '../sample/expression.js';
import { findFetch, type SampleFetchDef } from '../sample/fetch-registry.js';
import { canCast } from '../sample/types.js';

export type { AclPattern, MatchMethod } from '../sample/converters/patterns.js';

/** Integer operators (configuration.txt §7.1.2), kept for display; patterns are stored as ranges. */
export type IntOperator = 'eq' | 'ge' | 'gt' | 'le' | 'lt';

/** One `acl` line (or one anonymous `{ ... }` ACL): a criterion, a match method and patterns. */
export interface AclTerm {
  readonly place: Place;
  /** Keyword as HAProxy names it in warnings: the ACL keyword, else the fetch keyword. */
  readonly kw: string;
  readonly expr: SampleExpression;
  readonly match: MatchMethod;
  readonly ignoreCase: boolean;
  readonly noDns: boolean;
  /** `-u <id>`: the unique id of the pattern reference. */
  readonly uniqueId?: number;
  /** `-M`: files were loaded as maps (key + value). */
  readonly asMap: boolean;
  readonly files: readonly string[];
  /** Every pattern as loaded at parse time: the files' lines, then the values. */
  readonly patterns: readonly AclPattern[];
  /**
   * With `-f`: the patterns given as values only. The files' lines are read
   * at run time from their pattern references (sample/pattern-refs.ts), which
   * add-acl/del-acl and the stats socket change.
   */
  readonly inlinePatterns?: readonly AclPattern[];
}

/** A named ACL; several `acl` lines with the same name are OR-ed (configuration.txt §7.1). */
export interface AclDefinition {
  name: string;
  place: Place;
  terms: AclTerm[];
  /** Set on the ACLs of §7.4. */
  predefined?: boolean;
}

/** Outcome of one ACL expression; `message` is HAProxy's inner text (no prefix, no final '.'). */
export type AclExprResult = { ok: true; term: AclTerm; warnings: string[] } | { ok: false; message: string; hint?: string };

// ---------------------------------------------------------------------------
// ACL keywords (acl.c + http_acl.c + payload.c acl_kws), from `haproxy -dKacl`
// ---------------------------------------------------------------------------

interface AclKeyword {
  readonly fetch: string;
  readonly match: MatchMethod;
}

const ACL_KEYWORDS = new Map<string, AclKeyword>();
function kwFamily(prefix: string, fetch: string, withLen = true): void {
  ACL_KEYWORDS.set(prefix, { fetch, match: 'str' });
  for (const m of ['beg', 'dir', 'dom', 'end', 'reg', 'sub'] as const) ACL_KEYWORDS.set(`${prefix}_${m}`, { fetch, match: m });
  if (withLen) ACL_KEYWORDS.set(`${prefix}_len`, { fetch, match: 'len' });
}
kwFamily('base', 'base');
kwFamily('cook', 'req.cook');
kwFamily('hdr', 'req.hdr');
kwFamily('path', 'path');
kwFamily('scook', 'res.cook');
kwFamily('shdr', 'res.hdr');
kwFamily('url', 'url');
kwFamily('urlp', 'urlp');
ACL_KEYWORDS.set('http_auth_group', { fetch: 'http_auth_group', match: 'str' });
// http_fetch.c: "method" parses and matches methods, not plain strings
ACL_KEYWORDS.set('method', { fetch: 'method', match: 'meth' });
ACL_KEYWORDS.set('payload', { fetch: 'req.payload', match: 'bin' });
ACL_KEYWORDS.set('payload_lv', { fetch: 'req.payload_lv', match: 'bin' });
// payload.c: SSL versions are dotted numbers ("3.1")
ACL_KEYWORDS.set('req.ssl_ver', { fetch: 'req.ssl_ver', match: 'ver' });
ACL_KEYWORDS.set('req_ssl_ver', { fetch: 'req.ssl_ver', match: 'ver' });
ACL_KEYWORDS.set('req_rdp_cookie', { fetch: 'req.rdp_cookie', match: 'str' });
ACL_KEYWORDS.set('req_rdp_cookie_cnt', { fetch: 'req.rdp_cookie_cnt', match: 'int' });
ACL_KEYWORDS.set('req_ssl_sni', { fetch: 'req.ssl_sni', match: 'str' });
ACL_KEYWORDS.set('req_ver', { fetch: 'req.ver', match: 'str' });
ACL_KEYWORDS.set('resp_ver', { fetch: 'res.ver', match: 'str' });
ACL_KEYWORDS.set('ssl_fc_sni_end', { fetch: 'ssl_fc_sni', match: 'end' });
ACL_KEYWORDS.set('ssl_fc_sni_reg', { fetch: 'ssl_fc_sni', match: 'reg' });

/** The ACL keyword `name` maps to, if it is one. */
export function findAclKeyword(name: string): { fetch: SampleFetchDef; match: MatchMethod } | undefined {
  const k = ACL_KEYWORDS.get(name);
  if (k === undefined) return undefined;
  const fetch = findFetch(k.fetch);
  return fetch === undefined ? undefined : { fetch, match: k.match };
}

/** Names of all ACL keywords (for documentation and tests). */
export function aclKeywordNames(): string[] {
  return [...ACL_KEYWORDS.keys()];
}

// ---------------------------------------------------------------------------
// The ACL-keyword path of parse_acl_expr(): the converters are only those
// attached with commas, and messages carry "ACL keyword 'x' : ... ."
// ---------------------------------------------------------------------------

function parseAclKeywordExpr(word: string, kwName: string, fetch: SampleFetchDef): { ok: true; expr: SampleExpression; hasConv: boolean } | { ok: false; message: string } {
  // Same argument and converter rules as a fetch, but only converters attached
  // with commas (one word), and acl.c's own wording around the messages.
  const r = parseExpressionCore([fetch.name + word.slice(kwName.length)], 0, false);
  if (!r.ok) {
    const m = r.message;
    const fm = `fetch method '${fetch.name}' : `;
    const iv = `invalid args in fetch method '${fetch.name}' : `;
    if (m.startsWith(fm)) return { ok: false, message: `ACL keyword '${kwName}' : ${m.slice(fm.length)}` };
    if (m.startsWith(iv)) return { ok: false, message: `in argument to '${kwName}', ${m.slice(iv.length)}` };
    if (m.startsWith('missing comma after fetch keyword')) return { ok: false, message: `ACL keyword '${kwName}' : missing comma after fetch keyword.` };
    return { ok: false, message: `ACL keyword '${kwName}' : ${m}.` };
  }
  return { ok: true, expr: { ...r.expr, text: word }, hasConv: r.expr.converters.length > 0 };
}

// ---------------------------------------------------------------------------
// parse_acl_expr()
// ---------------------------------------------------------------------------

const INT_OPERATORS: readonly IntOperator[] = ['eq', 'ge', 'gt', 'le', 'lt'];

/**
 * Parses one ACL expression: `words[start..end)` = criterion, flags, patterns
 * (the part after the name of an `acl` line, or the inside of `{ ... }`).
 * Reads `-f` files at once. Returns HAProxy's inner message on error.
 */
export function parseAclExpression(words: readonly string[], start: number, end: number, ctx: ParseCtx): AclExprResult {
  const first = start < end ? (words[start] ?? '') : '';
  const warnings: string[] = [];
  let kwName: string;
  let expr: SampleExpression;
  let match: MatchMethod | undefined;

  let idLen = 0;
  while (isIdChar(first[idLen])) idLen++;
  const aclkw = findAclKeyword(first.slice(0, idLen));
  if (aclkw !== undefined && idLen > 0) {
    kwName = first.slice(0, idLen);
    const r = parseAclKeywordExpr(first, kwName, aclkw.fetch);
    if (!r.ok) return r;
    expr = r.expr;
    match = r.hasConv ? defaultMatchFor(expr.outType) : aclkw.match;
  } else {
    const r = parseExpressionCore(words.slice(0, end), start, false);
    if (!r.ok) return r.hint === undefined ? { ok: false, message: `${r.message} in ACL expression '${first}'` } : { ok: false, message: `${r.message} in ACL expression '${first}'`, hint: r.hint };
    warnings.push(...r.warnings);
    expr = r.expr;
    kwName = expr.fetchName;
    match = defaultMatchFor(expr.outType);
  }

  // acl.c: "Additional check to protect against common mistakes"
  let i = start + 1;
  if (match !== undefined && match !== 'found' && expr.outType !== 'bool' && (i >= end || words[i] === '')) {
    warnings.push(
      `parsing acl keyword '${first}' :\n` +
        '  no pattern to match against were provided, so this ACL will never match.\n' +
        "  If this is what you intended, please add '--' to get rid of this warning.\n" +
        "  If you intended to match only for existence, please use '-m found'.\n" +
        "  If you wanted to force an int to match as a bool, please use '-m bool'.\n",
    );
  }

  let ignoreCase = false;
  let noDns = false;
  let asMap = false;
  let uniqueId: number | undefined;
  let loaded = false;
  const files: string[] = [];
  const patterns: AclPattern[] = [];
  const inlinePatterns: AclPattern[] = [];
  const flags = (): { ignoreCase: boolean; noDns: boolean } => ({ ignoreCase, noDns });
  const noMatch = (): string => `matching method must be specified first (using '-m') when using a sample fetch of this type ('${kwName}')`;

  while (i < end && (words[i] ?? '').startsWith('-')) {
    const w = words[i]!;
    const arg = words[i + 1] ?? '';
    if (w === '-i') ignoreCase = true;
    else if (w === '-n') noDns = true;
    else if (w === '-u') {
      if (!/^[+-]?\d*$/.test(arg)) return { ok: false, message: 'the argument of -u must be an integer' };
      uniqueId = Number(arg === '' ? 0 : arg);
      i++;
    } else if (w === '-f') {
      if (match === undefined) return { ok: false, message: noMatch() };
      const f = readPatternFile(arg, asMap);
      if (!f.ok) return { ok: false, message: f.message };
      for (const e of f.entries) {
        const p = parsePattern(match, e.key, flags());
        if (!p.ok) return { ok: false, message: `${p.message} at line ${e.line} of file '${arg}'` };
        patterns.push(p.pattern);
      }
      files.push(arg);
      loaded = true;
      i++;
    } else if (w === '-m') {
      if (loaded) return { ok: false, message: "'-m' must only be specified before patterns and files in parsing ACL expression" };
      if (!(MATCH_METHODS as readonly string[]).includes(arg)) return { ok: false, message: `unknown matching method '${arg}' when parsing ACL expression` };
      const m = arg as MatchMethod;
      // acl.c: "-m found is always valid, bool/int are compatible, str/bin/reg/len are compatible"
      if (m !== 'found' && !canCast(expr.outType, MATCH_INPUT_TYPE[m])) {
        return { ok: false, message: `matching method '${arg}' cannot be used with fetch keyword '${kwName}'` };
      }
      match = m;
      i++;
    } else if (w === '-M') asMap = true;
    else if (w === '--') {
      i++;
      break;
    } else return { ok: false, message: `'${w}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'` };
    i++;
  }
  if (match === undefined) return { ok: false, message: noMatch() };

  // acl.c: integer and dotted-version patterns accept an operator before their values.
  let operator: IntOperator = 'eq';
  for (; i < end; i++) {
    let arg = words[i]!;
    if (arg === '') break;
    if (match === 'int' || match === 'len' || match === 'ver') {
      if ((INT_OPERATORS as readonly string[]).includes(arg)) {
        operator = arg as IntOperator;
        continue;
      }
      if (!/[:-]/.test(arg) && operator !== 'eq') {
        const conv = rewriteOperator(arg, operator, match === 'ver');
        if (typeof conv !== 'string') return { ok: false, message: conv.error };
        arg = conv;
      }
    }
    const p = parsePattern(match, arg, flags());
    if (!p.ok) return { ok: false, message: p.message };
    patterns.push(p.pattern);
    inlinePatterns.push(p.pattern);
  }

  const term: AclTerm = {
    place: ctx.place,
    kw: kwName,
    expr,
    match,
    ignoreCase,
    noDns,
    ...(uniqueId === undefined ? {} : { uniqueId }),
    asMap,
    files,
    patterns,
    ...(files.length === 0 ? {} : { inlinePatterns }),
  };
  return { ok: true, term, warnings };
}

/** acl.c: "gt 5" becomes "6:", "le 5" ":5", etc.; versions are major<<16|minor. */
function rewriteOperator(arg: string, op: IntOperator, dotted: boolean): string | { error: string } {
  const bad = { error: `'${arg}' is neither a number nor a supported operator` };
  const dot = arg.indexOf('.');
  const majorText = dot < 0 ? arg : arg.slice(0, dot);
  let minor = 0;
  if (dotted && dot >= 0) {
    if (!/^-?\d*$/.test(arg.slice(dot + 1))) return bad;
    minor = Number(arg.slice(dot + 1) || 0);
    if (minor >= 65536) return { error: `'${arg}' contains too large a minor value` };
  }
  if (!/^-?\d*$/.test(majorText) || majorText === '-') return bad;
  let value = Number(majorText || 0);
  if (dotted) {
    if (value >= 65536) return { error: `'${arg}' contains too large a major value` };
    value = value * 65536 + (minor & 0xffff);
  }
  const fmt = (v: number): string => (dotted ? `${Math.floor(v / 65536)}.${v % 65536}` : String(v));
  switch (op) {
    case 'gt':
      return `${fmt(value + 1)}:`;
    case 'ge':
      return `${fmt(value)}:`;
    case 'lt':
      return `:${fmt(value - 1)}`;
    case 'le':
      return `:${fmt(value)}`;
    case 'eq':
      return arg;
  }
}

// ---------------------------------------------------------------------------
// The `acl` keyword
// ---------------------------------------------------------------------------

/** standard.c invalid_char(): ACL names hold letters, digits, '.', '-', '_' and ':'. */
function invalidNameChar(name: string): string | undefined {
  if (name === '') return '';
  for (const c of name) if (!/[A-Za-z0-9.\-_:]/.test(c)) return c;
  return undefined;
}

/**
 * Parses an `acl` line; `words` are the words after `acl` (name first).
 * On error, `message` is the full text HAProxy prints after "parsing [f:l] : "
 * (e.g. "error detected while parsing ACL 'a' : unknown fetch method 'x' in
 * ACL expression 'x'.") and `inner` the part after the ACL context.
 * `warnings` are printed by HAProxy without a place (the "no pattern" one).
 */
export function parseAclLine(
  words: string[],
  ctx: ParseCtx,
): { ok: true; name: string; term: AclTerm; warnings: string[] } | { ok: false; message: string; inner?: string; hint?: string } {
  const name = words[0] ?? '';
  const bad = invalidNameChar(name);
  if (bad !== undefined) {
    // An empty name makes HAProxy print a NUL character, which ends its line there.
    if (bad === '') return { ok: false, message: "character '" };
    return { ok: false, message: `character '${bad}' is not permitted in acl name '${name}'.` };
  }
  if (name.toLowerCase() === 'or') {
    return { ok: false, message: `acl name '${name}' will never match. 'or' is used to express a logical disjunction within a condition.` };
  }
  const r = parseAclExpression(words, 1, words.length, ctx);
  if (!r.ok) {
    const base = { ok: false as const, message: `error detected while parsing ACL '${name}' : ${r.message}.`, inner: r.message };
    return r.hint === undefined ? base : { ...base, hint: r.hint };
  }
  return { ok: true, name, term: r.term, warnings: r.warnings };
}

/** Adds a parsed line to a proxy's ACL list: same-name lines are OR-ed into one definition. */
export function addAclTerm(acls: Map<string, AclDefinition>, name: string, term: AclTerm): AclDefinition {
  let d = acls.get(name);
  if (d === undefined) {
    d = { name, place: term.place, terms: [] };
    acls.set(name, d);
  }
  d.terms.push(term);
  return d;
}

// ---------------------------------------------------------------------------
// Predefined ACLs (configuration.txt §7.4, acl.c default_acl_list[])
// ---------------------------------------------------------------------------

/** acl.c default_acl_list[]: name and the ACL words it stands for. */
export const PREDEFINED_ACLS: readonly (readonly [string, readonly string[]])[] = [
  ['TRUE', ['always_true']],
  ['FALSE', ['always_false']],
  ['LOCALHOST', ['src', '127.0.0.1/8', '::1']],
  ['HTTP', ['req.proto_http']],
  ['HTTP_1.0', ['req.ver', '1.0']],
  ['HTTP_1.1', ['req.ver', '1.1']],
  ['HTTP_2.0', ['req.ver', '2.0']],
  ['METH_CONNECT', ['method', 'CONNECT']],
  ['METH_DELETE', ['method', 'DELETE']],
  ['METH_GET', ['method', 'GET', 'HEAD']],
  ['METH_HEAD', ['method', 'HEAD']],
  ['METH_OPTIONS', ['method', 'OPTIONS']],
  ['METH_POST', ['method', 'POST']],
  ['METH_PUT', ['method', 'PUT']],
  ['METH_TRACE', ['method', 'TRACE']],
  ['HTTP_URL_ABS', ['url_reg', '^[^/:]*://']],
  ['HTTP_URL_SLASH', ['url_beg', '/']],
  ['HTTP_URL_STAR', ['url', '*']],
  ['HTTP_CONTENT', ['req.hdr_val(content-length)', 'gt', '0']],
  ['RDP_COOKIE', ['req.rdp_cookie_cnt', 'gt', '0']],
  ['REQ_CONTENT', ['req.len', 'gt', '0']],
  ['WAIT_END', ['wait_end']],
];

const predefinedCache = new Map<string, AclDefinition>();

/**
 * The predefined ACL `name` (case-sensitive, as HAProxy), built on first use
 * at `place` (HAProxy adds it to the proxy that references it).
 */
export function predefinedAcl(name: string, place: Place): AclDefinition | undefined {
  const cached = predefinedCache.get(name);
  if (cached !== undefined) return cached;
  const def = PREDEFINED_ACLS.find((p) => p[0] === name);
  if (def === undefined) return undefined;
  const r = parseAclExpression(def[1], 0, def[1].length, { place, usage: 'acl' });
  if (!r.ok) throw new Error(`predefined ACL ${name}: ${r.message}`);
  const d: AclDefinition = { name, place, terms: [r.term], predefined: true };
  predefinedCache.set(name, d);
  return d;
}
