/**
 * Sample expressions: `fetch(args),conv(args),conv ...` (configuration.txt
 * §7.3) parsed into a typed, plain-object `SampleExpression`.
 *
 * This follows HAProxy 2.6's sample.c sample_parse_expr() and arg.c
 * make_arg_list() step by step, because their quirks are user-visible:
 * quotes and backslashes inside arguments, empty arguments, trailing commas,
 * converters given as the *next word*, and the exact error messages. Messages
 * are returned without the "parsing [file:line] : " prefix and without the
 * final '.', both added by the callers (as HAProxy's callers do).
 */
import { findConverter, type SampleConverterDef } from './converter-registry.js';
import './converters/index.js';
import { fetchCheckpoints, findFetch, type SampleFetchDef } from './fetch-registry.js';
import './fetches/index.js';
import {
  ARG_TYPE_NAMES,
  canCast,
  checkpointName,
  sourceNames,
  usageCheckpoints,
  type ArgSpec,
  type ArgType,
  type ParseCtx,
  type ProxyCap,
  type RefArgType,
  type SampleArg,
  type SampleType,
  type SampleUsage,
} from './types.js';

export type { ParseCtx } from './types.js';

/** One converter applied to the sample. */
export interface ConverterCall {
  readonly name: string;
  readonly conv: SampleConverterDef;
  readonly args: readonly SampleArg[];
}

/** An argument naming an object defined elsewhere; resolved once the whole configuration is read. */
export interface UnresolvedArg {
  readonly type: RefArgType;
  readonly name: string;
  /** 1-based argument position, as in HAProxy's "referenced in arg N". */
  readonly position: number;
  /** The converter holding it, when not the fetch. */
  readonly converter?: string;
}

/** A parsed sample expression: plain data, ready to be compiled into a closure at load time. */
export interface SampleExpression {
  /** The expression text as written (its words joined with spaces when converters follow as words). */
  readonly text: string;
  readonly fetchName: string;
  readonly fetch: SampleFetchDef;
  readonly args: readonly SampleArg[];
  readonly converters: readonly ConverterCall[];
  /** Type of the final sample (fetch output or last converter output). */
  readonly outType: SampleType;
  readonly unresolved: readonly UnresolvedArg[];
}

export type ParseExprResult =
  | { ok: true; expr: SampleExpression; next: number; warnings: string[] }
  | { ok: false; message: string; hint?: string };

// ---------------------------------------------------------------------------
// Arguments (arg.c make_arg_list)
// ---------------------------------------------------------------------------

/** HAProxy's is_idchar(): characters allowed in fetch and converter names. */
export function isIdChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9._+\-]/.test(c);
}

/** standard.c read_int64(): optional sign then digits, stops at the first non-digit, wraps on overflow. */
function readInt64(s: string): { value: number; consumed: number } {
  let i = 0;
  let neg = false;
  if (s[i] === '-') {
    neg = true;
    i++;
  } else if (s[i] === '+') i++;
  let v = 0n;
  while (i < s.length && s[i]! >= '0' && s[i]! <= '9') {
    v = v * 10n + BigInt(s.charCodeAt(i) - 48);
    i++;
  }
  if (neg) v = -v;
  return { value: Number(BigInt.asIntN(64, v)), consumed: i };
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** inet_pton(AF_INET) */
export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s);
}

/** inet_pton(AF_INET6) */
export function isIpv6(s: string): boolean {
  if (s.length === 0 || !/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  let head = s;
  let extra = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    if (!isIpv4(s.slice(lastColon + 1))) return false;
    head = s.slice(0, lastColon + 1) + '0';
    extra = 1;
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return false;
  const groups = (x: string): string[] | undefined => {
    if (x === '') return [];
    const g = x.split(':');
    return g.every((p) => /^[0-9A-Fa-f]{1,4}$/.test(p)) ? g : undefined;
  };
  if (dbl >= 0) {
    const l = groups(head.slice(0, dbl));
    const r = groups(head.slice(dbl + 2));
    if (l === undefined || r === undefined) return false;
    return l.length + r.length + extra <= 7;
  }
  const all = groups(head);
  return all !== undefined && all.length + extra === 8;
}

/** standard.c str2mask(): a prefix length (0..32) or a dotted mask. Returns the mask as an unsigned number. */
function parseMask4(s: string): number | undefined {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 32) return undefined;
    return n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  }
  if (!isIpv4(s)) return undefined;
  return s.split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/** standard.c str2mask6(): a prefix length (0..128) or an IPv6 mask. Returns the prefix length (-1 if not contiguous). */
function parseMask6(s: string): number | undefined {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n > 128 ? undefined : n;
  }
  return isIpv6(s) ? -1 : undefined;
}

/** standard.c parse_time_err() with a default unit of milliseconds. */
function parseTimeMs(s: string): number | undefined {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(s);
  if (m === null) return undefined;
  const mult: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };
  return Math.floor(Number(m[1]) * mult[m[2] ?? 'ms']!);
}

/** standard.c parse_size_err(): a number with an optional k/m/g suffix. */
function parseSize(s: string): number | undefined {
  const m = /^(\d+)([kKmMgG])?$/.exec(s);
  if (m === null) return undefined;
  const mult: Record<string, number> = { k: 1024, m: 1048576, g: 1073741824 };
  return Number(m[1]) * (m[2] === undefined ? 1 : mult[m[2].toLowerCase()]!);
}

type ArgListResult =
  | { ok: true; args: SampleArg[]; count: number; end: number; allocated: boolean }
  | { ok: false; message: string; errArg: number };

/**
 * arg.c make_arg_list(): parses `(a,b,...)` starting at `pos` in `s` against
 * `spec`. Without '(' the arguments are empty, which is still valid when the
 * first mandatory one is a string (`str` == `str()` == `str("")`).
 */
function makeArgList(s: string, pos: number, spec: ArgSpec): ArgListResult {
  let i = pos;
  const empty = s[i] !== '(';
  if (!empty) i++;
  const nbarg = spec.types.length;
  const args: SampleArg[] = [];
  let argPos = 0;
  const endParse = (): ArgListResult => {
    if (argPos < spec.min) {
      const t = spec.types[argPos];
      return { ok: false, message: `missing arguments (got ${argPos}/${spec.min}), type '${t === undefined ? 'end of arguments' : ARG_TYPE_NAMES[t]}' expected`, errArg: argPos };
    }
    if (empty) return { ok: true, args, count: argPos, end: i, allocated: nbarg > 0 && spec.min > 0 };
    if (s[i] === ')') return { ok: true, args, count: argPos, end: i + 1, allocated: nbarg > 0 };
    const rest = s.slice(i);
    const message = rest !== '' ? `expected ')' before '${rest}'` : "expected ')'";
    // arg.c: "the empty part preceding already created an empty arg" -> pos--
    return { ok: false, message, errArg: argPos > 1 ? argPos - 1 : argPos };
  };
  if (nbarg === 0 || (empty && spec.min === 0)) return endParse();

  while (argPos < nbarg) {
    let squote = false;
    let dquote = false;
    let out = '';
    while (!empty && i < s.length) {
      const c = s[i]!;
      if (c === '"' && !squote) {
        dquote = !dquote;
        i++;
        continue;
      }
      if (c === "'" && !dquote) {
        squote = !squote;
        i++;
        continue;
      }
      if (c === '\\' && !squote) {
        const n = s[i + 1];
        if (n === undefined) return { ok: false, message: "unmatched quote or trailing backslash in argument", errArg: argPos };
        if (n === '\\' || n === ' ' || n === '"' || n === "'") {
          out += n;
          i += 2;
        } else if (n === 'r' || n === 'n' || n === 't') {
          out += n === 'r' ? '\r' : n === 'n' ? '\n' : '\t';
          i += 2;
        } else {
          // arg.c: "just a lone '\'"
          out += c;
          i++;
        }
        continue;
      }
      if (!squote && !dquote && (c === ',' || c === ')')) break;
      out += c;
      i++;
    }
    const type: ArgType = spec.types[argPos]!;
    const position = argPos + 1;
    const emptyErr = (): ArgListResult => ({ ok: false, message: `expected type '${ARG_TYPE_NAMES[type]}' at position ${position}, but got nothing`, errArg: argPos });
    const parseErr = (): ArgListResult => ({ ok: false, message: `failed to parse '${out}' as type '${ARG_TYPE_NAMES[type]}' at position ${position}`, errArg: argPos });
    switch (type) {
      case 'sint': {
        if (out === '') return emptyErr();
        const r = readInt64(out);
        if (r.consumed < out.length) return parseErr();
        args.push({ type: 'sint', value: r.value });
        break;
      }
      case 'fe':
      case 'be':
      case 'tab':
      case 'srv':
      case 'usr':
      case 'reg':
        args.push({ type, name: out, unresolved: true });
        break;
      case 'str':
      case 'map':
      case 'var':
        args.push({ type: 'str', value: out });
        break;
      case 'ipv4':
        if (out === '') return emptyErr();
        if (!isIpv4(out)) return parseErr();
        args.push({ type: 'ipv4', value: out });
        break;
      case 'msk4': {
        if (out === '') return emptyErr();
        const m = parseMask4(out);
        if (m === undefined) return parseErr();
        args.push({ type: 'msk4', value: out, mask: m });
        break;
      }
      case 'ipv6':
        if (out === '') return emptyErr();
        if (!isIpv6(out)) return parseErr();
        args.push({ type: 'ipv6', value: out });
        break;
      case 'msk6': {
        if (out === '') return emptyErr();
        const b = parseMask6(out);
        if (b === undefined) return parseErr();
        args.push({ type: 'msk6', value: out, bits: b });
        break;
      }
      case 'time': {
        if (out === '') return emptyErr();
        const t = parseTimeMs(out);
        if (t === undefined) return parseErr();
        args.push({ type: 'sint', value: t });
        break;
      }
      case 'size': {
        if (out === '') return emptyErr();
        const z = parseSize(out);
        if (z === undefined) return parseErr();
        args.push({ type: 'sint', value: z });
        break;
      }
      case 'pbuf_fnum':
        if (out === '') return emptyErr();
        if (!/^\d+(\.\d+)*$/.test(out)) return parseErr();
        args.push({ type: 'pbuf_fnum', value: out, path: out.split('.').map(Number) });
        break;
    }
    argPos++;
    if (empty || i >= s.length || s[i] === ')' || argPos >= nbarg) break;
    i++; // skip the comma
  }
  return endParse();
}

// ---------------------------------------------------------------------------
// Expressions (sample.c sample_parse_expr)
// ---------------------------------------------------------------------------

/** Low-level result shared with the ACL and log-format parsers. */
export type CoreResult =
  | { ok: true; expr: SampleExpression; next: number; endPos: number; warnings: string[] }
  | { ok: false; message: string; hint?: string };

function collectUnresolved(args: readonly SampleArg[], into: UnresolvedArg[], converter?: string): void {
  args.forEach((a, i) => {
    if ('unresolved' in a) into.push(converter === undefined ? { type: a.type, name: a.name, position: i + 1 } : { type: a.type, name: a.name, position: i + 1, converter });
  });
}

/**
 * The heart of sample_parse_expr(). `words[start]` holds the fetch. With
 * `stopAtEnd` (HAProxy's endptr, used by log-format), parsing stops at the
 * first character that cannot continue the expression and `endPos` tells
 * where; otherwise anything else than a ',' after a keyword is an error and
 * converters may also come as the following words.
 */
export function parseExpressionCore(words: readonly string[], start: number, stopAtEnd: boolean): CoreResult {
  let idx = start;
  let s = words[idx] ?? '';
  let endw = 0;
  while (isIdChar(s[endw])) endw++;
  if (endw === 0) return { ok: false, message: 'missing fetch method' };
  const fkw = s.slice(0, endw);
  const fetch = findFetch(fkw);
  if (fetch === undefined || fetch.unavailable !== undefined) {
    return fetch?.unavailable !== undefined
      ? { ok: false, message: `unknown fetch method '${fkw}'`, hint: fetch.unavailable }
      : fkw.startsWith('lua.')
        ? { ok: false, message: `unknown fetch method '${fkw}'`, hint: 'Lua fetches are not supported by Switchyard' }
        : { ok: false, message: `unknown fetch method '${fkw}'` };
  }
  const warnings: string[] = [];
  const unresolved: UnresolvedArg[] = [];
  const fa = makeArgList(s, endw, fetch.args);
  if (!fa.ok) return { ok: false, message: `fetch method '${fkw}' : ${fa.message}` };
  if (fa.allocated && fetch.valArgs !== undefined) {
    const r = fetch.valArgs(fa.args);
    if (r !== undefined && 'error' in r) return { ok: false, message: `invalid args in fetch method '${fkw}' : ${r.error}` };
    if (r !== undefined) warnings.push(r.warning);
  }
  collectUnresolved(fa.args, unresolved);
  let endt = fa.end;
  let prevType: SampleType = fetch.out;
  let ckw: string | undefined;
  const convs: ConverterCall[] = [];
  /** Words (or the consumed part of the last one) making up the expression text. */
  const parts: string[] = [];
  /** True once the current word is known not to belong to the expression. */
  let outside = false;
  let endPos = 0;

  for (;;) {
    if (endt < s.length && s[endt] !== ',') {
      if (stopAtEnd) break;
      return { ok: false, message: ckw !== undefined ? `missing comma after converter '${ckw}'` : `missing comma after fetch keyword '${fkw}'` };
    }
    while (s[endt] === ',') endt++;
    let begw = endt;
    if (begw >= s.length) {
      // sample.c: "none ? skip to next string" -- a converter may be the next word
      parts.push(s);
      endPos = s.length;
      idx++;
      const nextWord = stopAtEnd ? undefined : words[idx];
      if (nextWord === undefined || nextWord === '') {
        outside = true;
        break;
      }
      s = nextWord;
      begw = 0;
      endt = 0;
    }
    let e = begw;
    while (isIdChar(s[e])) e++;
    ckw = s.slice(begw, e);
    const conv = findConverter(ckw);
    if (conv === undefined || conv.unavailable !== undefined) {
      // sample.c: "we found an isolated keyword that we don't know, it's not ours"
      if (begw === 0 && idx > start) {
        outside = true;
        break;
      }
      return conv?.unavailable !== undefined
        ? { ok: false, message: `unknown converter '${ckw}'`, hint: conv.unavailable }
        : { ok: false, message: `unknown converter '${ckw}'` };
    }
    if (!canCast(prevType, conv.in)) return { ok: false, message: `converter '${ckw}' cannot be applied` };
    prevType = conv.out;
    const ca = makeArgList(s, e, conv.args);
    if (!ca.ok) return { ok: false, message: `invalid arg ${ca.errArg + 1} in converter '${ckw}' : ${ca.message}` };
    if (ca.count > 0 && conv.args.types.length === 0) return { ok: false, message: `converter '${ckw}' does not support any args` };
    if (conv.valArgs !== undefined) {
      const r = conv.valArgs(ca.args, { file: '', line: 0 });
      if (r !== undefined && 'error' in r) return { ok: false, message: `invalid args in converter '${ckw}' : ${r.error}` };
      if (r !== undefined) warnings.push(r.warning);
    }
    collectUnresolved(ca.args, unresolved, ckw);
    convs.push({ name: ckw, conv, args: ca.args });
    endt = ca.end;
  }
  if (!outside) {
    parts.push(s.slice(0, endt));
    endPos = endt;
  }
  const text = parts.join(' ');
  // words mode: the first word not part of the expression.
  const next = outside ? idx : idx + 1;
  const expr: SampleExpression = { text, fetchName: fkw, fetch, args: fa.args, converters: convs, outType: prevType, unresolved };
  return { ok: true, expr, next, endPos, warnings };
}

/**
 * Parses the sample expression starting at `words[start]`; converters may
 * follow in the same word after commas, or as the next words. Returns the
 * index of the first word not part of the expression.
 *
 * When `ctx.usage` is a rule kind, checks that the fetch can be used there and
 * fails with HAProxy's "fetch method '...' extracts information from '...',
 * none of which is available here" (`ctx.usageLabel` picks the quoted name).
 */
export function parseSampleExpression(
  words: string[],
  start: number,
  ctx: ParseCtx,
): { ok: true; expr: SampleExpression; next: number; warnings: string[] } | { ok: false; message: string; hint?: string } {
  const r = parseExpressionCore(words, start, false);
  if (!r.ok) return r;
  if (ctx.skipUsageCheck !== true && ctx.usage !== 'acl') {
    const msg = checkExpressionUsage(r.expr, ctx.usage, ctx.proxyCap, ctx.usageLabel ?? words[start] ?? '');
    if (msg !== undefined) return { ok: false, message: msg };
  }
  return { ok: true, expr: r.expr, next: r.next, warnings: r.warnings };
}

/**
 * The rule-level usability check HAProxy's action parsers make on an
 * expression (e.g. tcp_rules.c for track-sc, vars.c for set-var).
 */
export function checkExpressionUsage(expr: SampleExpression, usage: SampleUsage, cap: ProxyCap | undefined, label: string): string | undefined {
  const where = usageCheckpoints(usage, cap);
  if ((fetchCheckpoints(expr.fetch) & where) !== 0) return undefined;
  return `fetch method '${label}' extracts information from '${sourceNames(expr.fetch.use)}', none of which is available here`;
}

/** Name of the checkpoint a rule kind is reported as in warnings (the lowest one of its mask). */
export function usageCheckpointName(usage: SampleUsage, cap?: ProxyCap): string {
  return checkpointName(usageCheckpoints(usage, cap));
}

/**
 * Stable diagnostic code for a message produced by the sample, ACL, condition
 * or log-format parsers (listed in docs/errors.md). Callers report
 * `{ code: sampleErrorCode(message), message }`.
 */
export function sampleErrorCode(message: string): string {
  const table: readonly (readonly [RegExp, string])[] = [
    [/extracts information from|may not be reliably used here/, 'SMP_FETCH_NOT_AVAILABLE'],
    [/unknown fetch method/, 'SMP_UNKNOWN_FETCH'],
    [/unknown converter/, 'SMP_UNKNOWN_CONVERTER'],
    [/missing fetch method/, 'SMP_MISSING_FETCH'],
    [/cannot be applied/, 'SMP_CONVERTER_TYPE_MISMATCH'],
    [/missing arguments \(got|expected type '.*' at position|failed to parse '.*' as type|expected '\)'|does not support any args/, 'SMP_BAD_ARGUMENT'],
    [/invalid args in (fetch method|converter)|in argument to '/, 'SMP_INVALID_ARGUMENT_VALUE'],
    [/missing comma after/, 'SMP_MISSING_COMMA'],
    [/regex '.*' is invalid/, 'SMP_BAD_REGEX'],
    [/failed to open pattern file/, 'ACL_PATTERN_FILE'],
    [/not a valid ACL option|unknown matching method|matching method .* cannot be used|matching method must be specified first|'-m' must only be specified|argument of -u/, 'ACL_BAD_OPTION'],
    [/is not a (number|valid number range|valid IPv4 or IPv6 address|dotted number|valid dotted number range)|neither a number nor a supported operator|hex digit|too large a (major|minor)/, 'ACL_BAD_PATTERN'],
    [/not permitted in acl name|^character '|acl name '.*' will never match/, 'ACL_BAD_NAME'],
    [/no such ACL/, 'ACL_UNDEFINED'],
    [/missing closing '\}'/, 'ACL_UNBALANCED_BRACES'],
    [/conditions must start with/, 'ACL_BAD_CONDITION'],
    [/no such format variable|reserved for HTTP mode|unexpected variable name|truncated line after|parse argument modifier without variable name|missing '\]' after|expected '\]' after/, 'LOGFMT_SYNTAX'],
  ];
  for (const [re, code] of table) if (re.test(message)) return code;
  return 'SMP_PARSE_ERROR';
}
