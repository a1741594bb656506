/**
 * Conditional blocks and their expressions: configuration.txt §2.4
 * "Conditional blocks", ported from HAProxy 2.6 src/cfgcond.c (expressions),
 * src/arg.c make_arg_list() (predicate arguments), src/tools.c
 * split_version()/compare_current_version() and the `.if`/`.elif`/`.else`/
 * `.endif`/`.notice`/`.warning`/`.alert`/`.diag` handling of readcfgfile().
 *
 * Behaviours verified with haproxy 2.6.12 (`haproxy -cc` and `.if` lines):
 *  - an empty condition is false; integers follow strtol(x, 0): "0", "00",
 *    "-0" false, "1", "-1", "+1", "0x1", "01" true, "08" / "0x" / "1.5" leave
 *    trailing garbage ("unexpected character ... at the end");
 *  - '!' negates (blanks allowed after it), "&&" binds tighter than "||",
 *    parentheses nest up to 341 levels;
 *  - plain words ("yes", "true") are errors, predicate names are case-sensitive;
 *  - predicate arguments use the second-level quoting of configuration.txt
 *    §2.2 (quotes, `\\ \  \' \" \t \n \r`; `\,` `\)` `\#` `\$` `\x41` keep
 *    their backslash) and keep blanks ("defined( HOME )" looks up " HOME ");
 *  - `feature()` with an empty name is true (2.6.12 quirk), others are
 *    exact matches of the "+NAME" entries of `haproxy -vv`;
 *  - unparsable versions make version_atleast() true and version_before() false.
 */

import { cStrtol } from './global/c-numbers.js';
import type { EnvLookup } from './environment.js';
import { sanitizeForPrinting, splitLine } from './tokenizer.js';

export interface ConditionContext {
  env: EnvLookup;
  /** Our haproxy-compatible version, e.g. "2.6.12" (compared like split_version()). */
  version: string;
  /** Names listed with '+' in the "Feature list" of `haproxy -vv` (e.g. OPENSSL, LUA). */
  features: ReadonlySet<string>;
}

export type ConditionResult = { ok: true; value: boolean } | { ok: false; message: string; position?: number };

// ---------------------------------------------------------------------------
// Expression parser (cfgcond.c): expr := and ('||' expr)? ; and := term ('&&' and)?
// term := '!'* ( number | '(' expr ')' | predicate ['(' args ')'] )

type Term =
  | { kind: 'num'; neg: boolean; value: boolean }
  | { kind: 'pred'; neg: boolean; name: string; args: string[] }
  | { kind: 'paren'; neg: boolean; expr: OrExpr };
interface AndExpr {
  left: Term;
  right?: AndExpr;
}
interface OrExpr {
  left: AndExpr;
  right?: OrExpr;
}

interface PredicateDef {
  nbarg: number;
  minArg: number;
}

/** cfgcond.c cond_predicates[]: all take string arguments. */
const PREDICATES: ReadonlyMap<string, PredicateDef> = new Map([
  ['defined', { nbarg: 1, minArg: 1 }],
  ['feature', { nbarg: 1, minArg: 1 }],
  ['streq', { nbarg: 2, minArg: 2 }],
  ['strneq', { nbarg: 2, minArg: 2 }],
  ['version_atleast', { nbarg: 1, minArg: 1 }],
  ['version_before', { nbarg: 1, minArg: 1 }],
]);

/** Deepest parenthesis nesting haproxy 2.6.12 accepts (the 342nd '(' fails). */
const MAX_PAREN_DEPTH = 341;
/** Longest "&&" / "||" chain haproxy 2.6.12 accepts (the 1023rd term fails). */
const MAX_CHAIN = 1022;

interface Ref {
  p: number;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}
function isAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}
function isDigitChar(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** strtol(s + p, &end, base) by index: the end (p when nothing was converted) and the saturated value. */
function strtol(s: string, p: number, base: 0 | 10): { end: number; value: bigint } {
  const r = cStrtol(s.slice(p), base);
  return { end: r.digits ? s.length - r.rest.length : p, value: r.value };
}

class CondParser {
  err: string | undefined;
  errPos = 0;
  private parens = 0;

  constructor(private readonly s: string) {}

  private fail(message: string, pos: number): -1 {
    this.err = message;
    this.errPos = pos;
    return -1;
  }

  private skipBlanks(p: number): number {
    while (isBlank(this.s[p])) p++;
    return p;
  }

  /** cfg_parse_cond_expr(): -1 error, 0 nothing parsable (empty), 1 parsed; moves text.p past the expression. */
  expr(text: Ref, out: { e?: OrExpr }, chain: number): -1 | 0 | 1 {
    if (text.p >= this.s.length) return 0;
    const inRef: Ref = { p: text.p };
    const left: { a?: AndExpr } = {};
    const r = this.and(inRef, left, chain);
    if (r === -1) return -1;
    if (r === 0) return this.fail(`unparsable conditional expression '${this.s.slice(inRef.p)}'`, inRef.p);
    let p = this.skipBlanks(inRef.p);
    text.p = p;
    const node: OrExpr = { left: left.a as AndExpr };
    out.e = node;
    if (this.s[p] !== '|' || this.s[p + 1] !== '|') return 1;
    p = this.skipBlanks(p + 2);
    const rightRef: Ref = { p };
    const right: { e?: OrExpr } = {};
    const rr = this.expr(rightRef, right, chain + 1);
    if (rr > 0) {
      text.p = rightRef.p;
      if (right.e !== undefined) node.right = right.e;
    }
    return rr;
  }

  /** cfg_parse_cond_and() */
  private and(text: Ref, out: { a?: AndExpr }, chain: number): -1 | 0 | 1 {
    if (text.p >= this.s.length) return 0;
    const start = text.p;
    const termRef: Ref = { p: start };
    const term: { t?: Term } = {};
    const r = this.term(termRef, term, chain);
    if (r === -1) return -1;
    if (r === 0) return this.fail(`unparsable conditional sub-expression '${this.s.slice(start)}'`, start);
    let p = this.skipBlanks(termRef.p);
    text.p = p;
    const node: AndExpr = { left: term.t as Term };
    out.a = node;
    if (this.s[p] !== '&' || this.s[p + 1] !== '&') return 1;
    p = this.skipBlanks(p + 2);
    const rightRef: Ref = { p };
    const right: { a?: AndExpr } = {};
    const rr = this.and(rightRef, right, chain + 1);
    if (rr > 0) {
      text.p = rightRef.p;
      if (right.a !== undefined) node.right = right.a;
    }
    return rr;
  }

  /** cfg_parse_cond_term() */
  private term(text: Ref, out: { t?: Term }, chain: number): -1 | 0 | 1 {
    const s = this.s;
    let p = this.skipBlanks(text.p);
    if (p >= s.length) return 0;
    const fail0 = (): -1 => this.fail(`unparsable conditional expression '${s.slice(text.p)}'`, text.p);
    if (chain >= MAX_CHAIN) return fail0();
    let neg = false;
    while (s[p] === '!') {
      neg = !neg;
      do p++;
      while (isBlank(s[p]));
    }
    const num = strtol(s, p, 0);
    if (num.end > p) {
      out.t = { kind: 'num', neg, value: num.value !== 0n };
      text.p = num.end;
      return 1;
    }
    if (s[p] === '(') {
      if (this.parens >= MAX_PAREN_DEPTH) return 0;
      p = this.skipBlanks(p + 1);
      const subRef: Ref = { p };
      const sub: { e?: OrExpr } = {};
      this.parens++;
      const r = this.expr(subRef, sub, 0);
      this.parens--;
      if (r === -1) return -1;
      if (r === 0) return fail0();
      p = this.skipBlanks(subRef.p);
      if (s[p] !== ')') return this.fail(`expected ')' after conditional expression '${s.slice(text.p)}'`, text.p);
      p = this.skipBlanks(p + 1);
      out.t = { kind: 'paren', neg, expr: sub.e as OrExpr };
      text.p = p;
      return 1;
    }
    if (isAlpha(s[p])) {
      let end = p;
      while (isAlpha(s[end]) || isDigitChar(s[end]) || s[end] === '_') end++;
      const name = s.slice(p, end);
      const def = PREDICATES.get(name);
      if (def === undefined) return fail0();
      const args = makeArgList(s, end, def.nbarg, def.minArg);
      if (!args.ok) {
        return this.fail(`${args.message} in argument ${args.errArg} of predicate '${name}' used in conditional expression`, args.end);
      }
      out.t = { kind: 'pred', neg, name, args: args.args };
      text.p = args.end;
      return 1;
    }
    return fail0();
  }
}

type ArgListResult = { ok: true; args: string[]; end: number } | { ok: false; message: string; errArg: number; end: number };

/** arg.c make_arg_list() restricted to string arguments, with its exact messages. */
function makeArgList(s: string, start: number, nbarg: number, minArg: number): ArgListResult {
  let p = start;
  let empty = false;
  if (p >= s.length || s[p] !== '(') empty = true;
  else p++;
  const args: string[] = [];
  let pos = 0;
  // Without '(' there is still one empty argument when one is mandatory
  // ("streq" alone reports "got 1/2", "defined" alone is defined("")).
  while (pos < nbarg) {
    let out = '';
    let squote = false;
    let dquote = false;
    while (!empty && p < s.length) {
      const c = s[p] as string;
      if (c === '"' && !squote) {
        dquote = !dquote;
        p++;
        continue;
      }
      if (c === "'" && !dquote) {
        squote = !squote;
        p++;
        continue;
      }
      if (c === '\\' && !squote) {
        if (p === s.length - 1) {
          return { ok: false, message: `failed to parse '\\' after '${out}' as type 'string' at position ${pos + 1}`, errArg: pos, end: p };
        }
        const d = s[p + 1] as string;
        if (d === '\\' || d === ' ' || d === '"' || d === "'") {
          out += d;
          p += 2;
        } else if (d === 't' || d === 'n' || d === 'r') {
          out += d === 't' ? '\t' : d === 'n' ? '\n' : '\r';
          p += 2;
        } else {
          out += '\\'; // a lone backslash; the next character is read normally
          p++;
        }
        continue;
      }
      if (!squote && !dquote && (c === ',' || c === ')')) break;
      out += c;
      p++;
    }
    args.push(out);
    pos++;
    if (empty || p >= s.length || s[p] === ')' || pos >= nbarg) break;
    p++; // skip the comma
  }
  if (pos < minArg) {
    return { ok: false, message: `missing arguments (got ${pos}/${minArg}), type 'string' expected`, errArg: pos, end: p };
  }
  if (!empty) {
    if (s[p] === ')') p++;
    else {
      const rest = s.slice(p);
      // arg.c: "the empty part preceding already created an empty arg".
      return { ok: false, message: rest.length > 0 ? `expected ')' before '${rest}'` : "expected ')'", errArg: pos > 1 ? pos - 1 : pos, end: p };
    }
  }
  return { ok: true, args, end: p };
}

// ---------------------------------------------------------------------------
// Versions (tools.c split_version / compare_current_version)

/** [a, b, c, d, stage(dev=0 pre=1 rc=2 final=3), stage number, commit], unsigned 32-bit; undefined when unparsable. */
function splitVersion(v: string): number[] | undefined {
  const val = [0, 0, 0, 0, 3, 0, 0];
  if (v.length === 0) return undefined;
  const u32 = (x: bigint): number => Number(BigInt.asUintN(32, x));
  let p = 0;
  let tag = false;
  for (let k = 0; k < 4; k++) {
    const r = strtol(v, p, 10);
    val[k] = u32(r.value);
    const c = v[r.end];
    p = r.end + 1;
    if (c === undefined) return val;
    if (c === '-') {
      tag = true;
      break;
    }
    if (c !== '.' || k === 3) return undefined;
  }
  if (!tag) return undefined;
  let commitFrom = p;
  if (!isDigitChar(v[p])) {
    let stage = -1;
    if (v.startsWith('dev', p)) {
      stage = 0;
      p += 3;
    } else if (v.startsWith('pre', p)) {
      stage = 1;
      p += 3;
    } else if (v.startsWith('rc', p)) {
      stage = 2;
      p += 2;
    }
    if (stage >= 0) {
      val[4] = stage;
      const r = strtol(v, p, 10);
      val[5] = u32(r.value);
      const c = v[r.end];
      if (c === undefined) return val;
      if (c !== '-') return undefined;
      commitFrom = r.end + 1;
    }
  }
  // The commit number is after the last '-'; garbage makes it 0.
  const rest = v.slice(commitFrom);
  const dash = rest.lastIndexOf('-');
  const commit = dash >= 0 ? rest.slice(dash + 1) : rest;
  if (dash >= 0 && commit.length === 0) return undefined;
  const r = strtol(commit, 0, 10);
  val[6] = r.end === commit.length ? u32(r.value) : 0;
  return val;
}

/** -1: `v` older than current, 0 same, 1 newer, -2 current unparsable, -3 `v` unparsable. */
function compareVersion(current: string, v: string): number {
  const loc = splitVersion(current);
  if (loc === undefined) return -2;
  const mod = splitVersion(v);
  if (mod === undefined) return -3;
  for (let k = 0; k < loc.length; k++) {
    const a = mod[k] as number;
    const b = loc[k] as number;
    if (a < b) return -1;
    if (a > b) return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Evaluation

function evalTerm(t: Term, ctx: ConditionContext): boolean {
  let v: boolean;
  if (t.kind === 'num') v = t.value;
  else if (t.kind === 'paren') v = evalOr(t.expr, ctx);
  else {
    const a0 = t.args[0] ?? '';
    switch (t.name) {
      case 'defined':
        v = ctx.env.get(a0) !== undefined;
        break;
      case 'feature':
        // haproxy 2.6.12 answers true for feature() / feature(""): reproduced.
        v = a0 === '' || ctx.features.has(a0);
        break;
      case 'streq':
        v = a0 === (t.args[1] ?? '');
        break;
      case 'strneq':
        v = a0 !== (t.args[1] ?? '');
        break;
      case 'version_atleast':
        v = compareVersion(ctx.version, a0) <= 0;
        break;
      default: // version_before
        v = compareVersion(ctx.version, a0) > 0;
    }
  }
  return t.neg ? !v : v;
}

function evalAnd(e: AndExpr, ctx: ConditionContext): boolean {
  return evalTerm(e.left, ctx) && (e.right === undefined || evalAnd(e.right, ctx));
}

function evalOr(e: OrExpr, ctx: ConditionContext): boolean {
  return evalAnd(e.left, ctx) || (e.right !== undefined && evalOr(e.right, ctx));
}

/**
 * cfg_eval_condition() on an already merged expression text. `position` in an
 * error is the 0-based offset haproxy points at.
 */
export function evaluateExpression(text: string, ctx: ConditionContext): ConditionResult {
  if (text.length === 0) return { ok: true, value: false }; // "an empty string (which then returns false)"
  const parser = new CondParser(text);
  const ref: Ref = { p: 0 };
  const out: { e?: OrExpr } = {};
  const r = parser.expr(ref, out, 0);
  if (r === -1) return { ok: false, message: parser.err ?? 'unparsable conditional expression', position: parser.errPos };
  if (r === 0 || out.e === undefined) return { ok: false, message: `unparsable conditional expression '${text}'`, position: ref.p };
  let p = ref.p;
  while (isBlank(text[p])) p++;
  if (p < text.length) {
    return { ok: false, message: `unexpected character '${text[p] as string}' at the end of conditional expression '${text}'`, position: p };
  }
  return { ok: true, value: evalOr(out.e, ctx) };
}

/**
 * Evaluates the argument words of `.if`/`.elif`: haproxy re-merges them with
 * single spaces (so `.if 1 &&  0` is "1 && 0") and parses the result.
 * @param trailingEmptySlot from {@link TokenizedLine}: haproxy then keeps a trailing space.
 */
export function evaluateCondition(words: readonly string[], ctx: ConditionContext, trailingEmptySlot = false): ConditionResult {
  return evaluateExpression(mergeWords(words, trailingEmptySlot), ctx);
}

function mergeWords(words: readonly string[], trailingEmptySlot: boolean): string {
  return words.join(' ') + (trailingEmptySlot && words.length > 0 ? ' ' : '');
}

/**
 * `haproxy -cc <cond>`: the argument is tokenized like a config line (quotes,
 * escapes, "${VAR}", but no comments and no blank skipping), re-merged, then
 * evaluated. Messages are haproxy's full text after "config : "; exit with 0
 * when true, 1 when false, 2 on error.
 */
export function evaluateCliCondition(arg: string, ctx: ConditionContext): ConditionResult {
  const r = splitLine(arg, ctx.env, { comments: false, skipLeadingBlanks: false, inPlace: true });
  if (r.error?.kind === 'quote' || r.overlap === true) return { ok: false, message: 'Syntax Error in condition: Unmatched quote.' };
  if (r.error?.kind === 'hex') return { ok: false, message: 'Syntax Error in condition: Truncated or invalid hexadecimal sequence.' };
  if (r.error !== undefined) return { ok: false, message: 'Unhandled error in condition, please report this to the developers.' };
  if (r.tooMany) return { ok: false, message: 'Error in condition: Too many words.' };
  // The output buffer is re-merged whole: NULs (word ends and \x00) become spaces.
  const text = r.slots.join(' ').replace(/\0/g, ' ');
  const res = evaluateExpression(text, ctx);
  return res.ok ? res : { ok: false, message: `Failed to evaluate condition: ${res.message}` };
}

// ---------------------------------------------------------------------------
// The block stack (readcfgfile() nested_conds[])

type BlockState = 'IF_TAKE' | 'IF_DROP' | 'IF_SKIP' | 'ELIF_TAKE' | 'ELIF_DROP' | 'ELIF_SKIP' | 'ELSE_TAKE' | 'ELSE_DROP';

/** Code for the {@link ConditionalBlocks.finish} alert. */
export const UNTERMINATED_BLOCK_CODE = 'CFG_COND_UNTERMINATED';

/** cfgparse.c MAXNESTEDCONDS: the 100th nested '.if' is refused. */
export const MAX_NESTED_CONDS = 100;

/**
 * What readcfgfile() does after a directive line:
 *  - 'continue': go on with the next line;
 *  - 'break': stop reading this file, then still report unclosed blocks (call finish());
 *  - 'abort': stop loading now, without the unclosed-block check (ERR_ABORT).
 */
export type DirectiveFlow = 'continue' | 'break' | 'abort';

export interface DirectiveResult {
  /** False only when the first word does not start with '.'. */
  handled: boolean;
  /**
   * Output of .notice/.warning/.alert/.diag (message is "'text'." as haproxy
   * prints it; code CFG_USER_ALERT / _WARNING / _NOTICE / _DIAG). A .diag
   * report is printed only in diagnostic mode (-dD).
   */
  report?: { severity: 'alert' | 'warning' | 'notice' | 'diag'; message: string; code: string };
  /** An ALERT, in haproxy's wording without the "parsing [f:l]: " prefix. */
  error?: string;
  code?: string;
  flow?: DirectiveFlow;
}

/**
 * The block stack for .if/.elif/.else/.endif plus .notice/.warning/.alert/.diag.
 *
 * Verified with haproxy 2.6.12: conditions inside a dropped block are not
 * evaluated (no error for `.if foo(` under `.if 0`), `.elif` after a taken
 * branch is not evaluated, `.notice`/`.alert`/unknown directives inside a
 * dropped block are ignored, but `.else x`/`.endif x` extra words are always
 * refused. All these messages use "parsing [f:l]: " (no space before ':').
 */
export class ConditionalBlocks {
  private readonly stack: BlockState[] = [];

  constructor(private readonly ctx: ConditionContext) {}

  /** True when the current line (not a directive) should be parsed. */
  get active(): boolean {
    const top = this.stack[this.stack.length - 1];
    return top === undefined || top === 'IF_TAKE' || top === 'ELIF_TAKE' || top === 'ELSE_TAKE';
  }

  /** Number of open blocks. */
  get depth(): number {
    return this.stack.length;
  }

  /**
   * Handles a line whose first word starts with '.'. Pass `trailingEmptySlot`
   * from the TokenizedLine so `.if` error texts match haproxy byte for byte.
   */
  directive(words: readonly string[], trailingEmptySlot = false): DirectiveResult {
    const name = words[0];
    if (name === undefined || !name.startsWith('.')) return { handled: false };
    const top = this.stack[this.stack.length - 1];
    const dropping = (s: BlockState | undefined): boolean => s !== undefined && s !== 'IF_TAKE' && s !== 'ELIF_TAKE' && s !== 'ELSE_TAKE';

    if (name === '.if') {
      if (this.stack.length + 1 >= MAX_NESTED_CONDS) {
        return { handled: true, code: 'CFG_COND_TOO_DEEP', error: `too many nested '.if', max is ${MAX_NESTED_CONDS}.`, flow: 'abort' };
      }
      if (dropping(top)) {
        this.stack.push('IF_SKIP');
        return { handled: true, flow: 'continue' };
      }
      const r = this.evaluate('.if', words, trailingEmptySlot);
      if (!r.ok) return { handled: true, code: 'CFG_COND_SYNTAX', error: r.message, flow: 'abort' };
      this.stack.push(r.value ? 'IF_TAKE' : 'IF_DROP');
      return { handled: true, flow: 'continue' };
    }
    if (name === '.elif') {
      if (top === undefined) return { handled: true, code: 'CFG_COND_LONE', error: "lone '.elif' with no matching '.if'.", flow: 'abort' };
      if (top === 'ELSE_TAKE' || top === 'ELSE_DROP') {
        return { handled: true, code: 'CFG_COND_AFTER_ELSE', error: "'.elif' after '.else' is not permitted.", flow: 'abort' };
      }
      if (top === 'IF_TAKE' || top === 'ELIF_TAKE' || top === 'IF_SKIP' || top === 'ELIF_SKIP') {
        this.stack[this.stack.length - 1] = 'ELIF_SKIP';
        return { handled: true, flow: 'continue' };
      }
      const r = this.evaluate('.elif', words, trailingEmptySlot);
      if (!r.ok) return { handled: true, code: 'CFG_COND_SYNTAX', error: r.message, flow: 'abort' };
      this.stack[this.stack.length - 1] = r.value ? 'ELIF_TAKE' : 'ELIF_DROP';
      return { handled: true, flow: 'continue' };
    }
    if (name === '.else' || name === '.endif') {
      const extra = words[1];
      if (extra !== undefined && extra !== '') {
        return { handled: true, code: 'CFG_COND_EXTRA_ARG', error: `Unexpected argument '${extra}' for '${name}'.`, flow: 'break' };
      }
      if (top === undefined) {
        return { handled: true, code: 'CFG_COND_LONE', error: `lone '${name}' with no matching '.if'.`, flow: 'abort' };
      }
      if (name === '.endif') {
        this.stack.pop();
        return { handled: true, flow: 'continue' };
      }
      if (top === 'ELSE_TAKE' || top === 'ELSE_DROP') {
        return { handled: true, code: 'CFG_COND_AFTER_ELSE', error: "'.else' after '.else' is not permitted.", flow: 'abort' };
      }
      this.stack[this.stack.length - 1] = top === 'IF_DROP' || top === 'ELIF_DROP' ? 'ELSE_TAKE' : 'ELSE_DROP';
      return { handled: true, flow: 'continue' };
    }
    // Any other directive is ignored in a dropped block, even an unknown one.
    if (!this.active) return { handled: true, flow: 'continue' };
    const severity =
      name === '.alert' ? 'alert' : name === '.warning' ? 'warning' : name === '.notice' ? 'notice' : name === '.diag' ? 'diag' : undefined;
    if (severity === undefined) {
      return { handled: true, code: 'CFG_UNKNOWN_DIRECTIVE', error: `unknown directive '${name}'.`, flow: 'break' };
    }
    // cfgparse.c tests *args[2]: an empty third word passes (`.notice a "" b` prints 'a').
    const extra = words[2];
    if (extra !== undefined && extra !== '') {
      return {
        handled: true,
        code: 'CFG_DIRECTIVE_EXTRA_ARG',
        error: `Unexpected argument '${extra}' for '${name}'. Use quotes if the message should contain spaces.`,
        flow: 'continue',
      };
    }
    const message = `'${words[1] ?? ''}'.`;
    const code = `CFG_USER_${severity.toUpperCase()}`;
    // configuration.txt §2.4: "Messages emitted at level ALERT will always cause a fatal error".
    return { handled: true, report: { severity, message, code }, flow: severity === 'alert' ? 'abort' : 'continue' };
  }

  /**
   * At end of file (or after a 'break'): haproxy's alert when blocks are still
   * open (code {@link UNTERMINATED_BLOCK_CODE}). It is reported at the last
   * line read (the break line, or the file's last line), not at the '.if'.
   */
  finish(): string | undefined {
    return this.stack.length > 0 ? "non-terminated '.if' block." : undefined;
  }

  private evaluate(name: '.if' | '.elif', words: readonly string[], trailingEmptySlot: boolean): ConditionResult {
    const text = mergeWords(words.slice(1), trailingEmptySlot);
    const r = evaluateExpression(text, this.ctx);
    if (r.ok) return r;
    // cfgparse.c: "%s in '.if' at position %d:\n  .if %s\n  %*s\n", the text
    // windowed to 80 columns minus the directive.
    const pos = r.position ?? 0;
    const s = sanitizeForPrinting(text, pos, 80 - name.length - 1);
    return {
      ok: false,
      message: `${r.message} in '${name}' at position ${pos + 1}:\n  ${name} ${s.text}\n  ${' '.repeat(s.pos + name.length + 1)}^`,
    };
  }
}
