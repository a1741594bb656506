/**
 * Compiles ACLs and conditions into closures (configuration.txt §7.2;
 * HAProxy 2.6 acl.c acl_exec_cond()):
 *
 *   - an ACL is the OR of its terms (every `acl` line of the same name);
 *     a term matches when its sample matches one of its patterns;
 *   - a condition is the OR of suites, a suite the AND of (possibly negated)
 *     ACLs; `unless` inverts the final result.
 *
 * Results are tri-state (acl.h ACL_TEST_FAIL=0, MISS=1, PASS=3): a fetch
 * lacking data (MISS) or a non-matching sample that may still change makes
 * the ACL "miss" unless the context is final. AND is a bitwise &, OR a
 * bitwise |, negation maps PASS↔FAIL and keeps MISS, so a missing answer
 * propagates exactly as in HAProxy. A condition that misses is reported as
 * 'miss' whatever its polarity: `tcp-request content` rules then wait.
 */
import type { Condition } from './condition.js';
import type { AclDefinition, AclTerm } from './acl.js';
import { compileMatcher, type PatternMatcher } from './match.js';
import { parsePattern, type AclPattern } from '../sample/converters/patterns.js';
import { patternRefsOf } from '../sample/pattern-refs.js';
import type { SampleContext } from '../sample/context.js';
import { MISS } from '../sample/context.js';
import { compileSampleEach, type CompileEnv } from '../sample/compile.js';
import { F_MAY_CHANGE, type Sample } from '../sample/sample.js';
import { fetchCheckpoints } from '../sample/fetch-registry.js';

/** acl.h enum acl_test_res. */
export const ACL_FAIL = 0;
export const ACL_MISS = 1;
export const ACL_PASS = 3;
export type AclResult = typeof ACL_FAIL | typeof ACL_MISS | typeof ACL_PASS;

/** A compiled ACL or term. */
export type AclFn = (ctx: SampleContext) => AclResult;

/** A compiled condition, polarity applied. */
export type ConditionFn = (ctx: SampleContext) => 'true' | 'false' | 'miss';

export type CompileAclResult = { ok: true; fn: AclFn } | { ok: false; code: string; message: string };
export type CompileConditionResult = { ok: true; fn: ConditionFn } | { ok: false; code: string; message: string };

/** acl.h acl_neg(): PASS↔FAIL, MISS stays MISS. */
export function aclNeg(r: AclResult): AclResult {
  return (3 >> r) as AclResult;
}

/** Diagnostic code: an ACL's `-f` file cannot be loaded at run time (docs/errors/rules2.md). */
export const ACL_PATTERN_FILE = 'RT_ACL_PATTERN_FILE';

/**
 * The matcher of a term. Without `-f` its patterns are fixed. With files, the
 * term matches when its values or one of its files' pattern references
 * match (acl.c: one pattern expression per reference, pattern_exec_match()
 * tries each); a reference's matcher is rebuilt only after add-acl/del-acl
 * (or the stats socket) changed it.
 */
function termMatcher(term: AclTerm, env: CompileEnv): PatternMatcher | string {
  const opts = { ignoreCase: term.ignoreCase };
  if (term.files.length === 0 || term.inlinePatterns === undefined) return compileMatcher(term.match, term.patterns, opts);
  const flags = { ignoreCase: term.ignoreCase, noDns: term.noDns };
  const match = term.match;
  const id = `acl ${match}${term.ignoreCase ? ' -i' : ''}${term.noDns ? ' -n' : ''}`;
  const views: (() => PatternMatcher)[] = [];
  const refs = patternRefsOf(env);
  for (const file of term.files) {
    const ref = refs.open(file, term.asMap, 'acl');
    if (typeof ref === 'string') return ref;
    const bad = ref.attach(id, { acceptsKey: (k) => parsePattern(match, k, flags).ok, acceptsValue: () => true });
    if (bad !== undefined) return `invalid pattern '${bad.key}' in file '${file}'`;
    const view = ref.view(id, (entries) => {
      const pats: AclPattern[] = [];
      for (const e of entries) {
        const p = parsePattern(match, e.key, flags);
        if (p.ok) pats.push(p.pattern);
      }
      return compileMatcher(match, pats, opts);
    });
    views.push(() => view.get());
  }
  const inline = term.inlinePatterns.length > 0 ? compileMatcher(match, term.inlinePatterns, opts) : undefined;
  return {
    find(s) {
      if (inline !== undefined && inline.find(s) >= 0) return 0;
      for (let i = 0; i < views.length; i++) if (views[i]!().find(s) >= 0) return 0;
      return -1;
    },
  };
}

/** Compiles one ACL expression (one `acl` line or `{ ... }`). */
export function compileAclTerm(term: AclTerm, env: CompileEnv = {}): CompileAclResult {
  const c = compileSampleEach(term.expr, env);
  if (!c.ok) return c;
  const matcher = termMatcher(term, env);
  if (typeof matcher === 'string') return { ok: false, code: ACL_PATTERN_FILE, message: matcher };
  if (!c.multi) {
    // One value per fetch (the common case): no visitor, no iteration.
    const single = c.single;
    const fn: AclFn = (ctx) => {
      const s = single(ctx);
      if (s === MISS) return ctx.final ? ACL_FAIL : ACL_MISS;
      if (s === undefined) return ACL_FAIL;
      if (matcher.find(s) >= 0) return ACL_PASS;
      return s.flags & F_MAY_CHANGE && !ctx.final ? ACL_MISS : ACL_FAIL;
    };
    return { ok: true, fn };
  }
  const each = c.each;
  // Per-evaluation state lives in these two variables; evaluation is synchronous and never re-entrant.
  let pending = false;
  const visit = (s: Sample): boolean => {
    if (matcher.find(s) >= 0) return true;
    if (s.flags & F_MAY_CHANGE) pending = true;
    return false;
  };
  const fn: AclFn = (ctx) => {
    pending = false;
    const r = each(ctx, visit);
    if (r === true) return ACL_PASS;
    // acl.c: a failed fetch or a non-matching sample that "may change" misses unless final
    if ((r === MISS || pending) && !ctx.final) return ACL_MISS;
    return ACL_FAIL;
  };
  return { ok: true, fn };
}

const aclCache = new WeakMap<AclDefinition, WeakMap<CompileEnv, AclFn>>();

/**
 * Compiles a named or anonymous ACL: its terms are OR-ed, stopping at the
 * first PASS. Compiled ACLs are cached per definition and environment, as a
 * named ACL is usually shared by several rules.
 */
export function compileAcl(acl: AclDefinition, env: CompileEnv = {}): CompileAclResult {
  let byEnv = aclCache.get(acl);
  const hit = byEnv?.get(env);
  if (hit !== undefined) return { ok: true, fn: hit };
  const terms: AclFn[] = [];
  for (const t of acl.terms) {
    const r = compileAclTerm(t, env);
    if (!r.ok) return { ok: false, code: r.code, message: acl.name === '' ? r.message : `acl '${acl.name}': ${r.message}` };
    terms.push(r.fn);
  }
  let fn: AclFn;
  if (terms.length === 1) fn = terms[0]!;
  else {
    fn = (ctx) => {
      let res: AclResult = ACL_FAIL;
      for (let i = 0; i < terms.length; i++) {
        res = (res | terms[i]!(ctx)) as AclResult;
        if (res === ACL_PASS) break;
      }
      return res;
    };
  }
  if (byEnv === undefined) aclCache.set(acl, (byEnv = new WeakMap()));
  byEnv.set(env, fn);
  return { ok: true, fn };
}

const neverMatches: AclFn = () => ACL_FAIL;

/**
 * The ACL as a rule running at `checkpoints` sees it: its expressions whose
 * fetch cannot work there are dropped (they never match: checked with haproxy
 * 2.6, e.g. `acl a hdr(x) v` in an http-response rule never matches even when
 * the request had `x: v`, after the "will never match" warning); undefined
 * when none is left.
 */
function usableAt(acl: AclDefinition, checkpoints: number): AclDefinition | undefined {
  let usable = 0;
  for (const t of acl.terms) if ((fetchCheckpoints(t.expr.fetch) & checkpoints) !== 0) usable++;
  if (usable === acl.terms.length) return acl;
  if (usable === 0) return undefined;
  return { ...acl, terms: acl.terms.filter((t) => (fetchCheckpoints(t.expr.fetch) & checkpoints) !== 0) };
}

/**
 * Evaluates suites of terms as acl_exec_cond() does, without polarity:
 * the OR of AND-ed terms, each negated when asked.
 */
function compileSuites(cond: Condition, env: CompileEnv): { ok: true; fn: AclFn } | { ok: false; code: string; message: string } {
  const suites: { fn: AclFn; neg: boolean }[][] = [];
  for (const suite of cond.suites) {
    const terms: { fn: AclFn; neg: boolean }[] = [];
    for (const t of suite) {
      const acl = cond.checkpoints === undefined ? t.acl : usableAt(t.acl, cond.checkpoints);
      if (acl === undefined) {
        terms.push({ fn: neverMatches, neg: t.negate });
        continue;
      }
      const r = compileAcl(acl, env);
      if (!r.ok) return r;
      terms.push({ fn: r.fn, neg: t.negate });
    }
    suites.push(terms);
  }
  // Common shapes get dedicated closures: one ACL, possibly negated.
  if (suites.length === 1 && suites[0]!.length === 1) {
    const only = suites[0]![0]!;
    const f = only.fn;
    return { ok: true, fn: only.neg ? (ctx) => aclNeg(f(ctx)) : f };
  }
  const fn: AclFn = (ctx) => {
    let condRes: AclResult = ACL_FAIL;
    for (let s = 0; s < suites.length; s++) {
      const terms = suites[s]!;
      let suiteRes: AclResult = ACL_PASS;
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i]!;
        let r = t.fn(ctx);
        if (t.neg) r = aclNeg(r);
        suiteRes = (suiteRes & r) as AclResult;
        // AND: a single FAIL or MISS is enough
        if (suiteRes !== ACL_PASS) break;
      }
      condRes = (condRes | suiteRes) as AclResult;
      // OR: a single PASS is enough
      if (condRes === ACL_PASS) break;
    }
    return condRes;
  };
  return { ok: true, fn };
}

/**
 * Compiles a condition into `(ctx) => 'true' | 'false' | 'miss'`, `unless`
 * applied. A condition without terms fails, so a bare `if` never applies and
 * a bare `unless` always does (verified with haproxy 2.6).
 */
export function compileCondition(cond: Condition, env: CompileEnv = {}): CompileConditionResult {
  const r = compileSuites(cond, env);
  if (!r.ok) return r;
  const f = r.fn;
  const unless = cond.polarity === 'unless';
  const fn: ConditionFn = (ctx) => {
    const res = f(ctx);
    if (res === ACL_MISS) return 'miss';
    return (res === ACL_PASS) !== unless ? 'true' : 'false';
  };
  return { ok: true, fn };
}

/**
 * Evaluates a compiled condition where no waiting is possible (HTTP rules,
 * use_backend with SMP_OPT_FINAL): 'miss' counts as false before polarity,
 * which `final: true` in the context already guarantees.
 */
export function conditionHolds(fn: ConditionFn, ctx: SampleContext): boolean {
  return fn(ctx) === 'true';
}
