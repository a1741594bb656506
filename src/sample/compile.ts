/**
 * Compiles a parsed `SampleExpression` into a closure once, at configuration
 * load: `(ctx) => Sample | undefined | MISS` (sample.c sample_process()).
 *
 * The fetch implementation resolves its arguments when compiled; each
 * converter wraps the previous closure, casting its input to the converter's
 * input type from the sample's *run-time* type (as sample_convert() does:
 * `src` may be IPv6, `var()` any type). Per evaluation the chain allocates
 * only the samples it produces.
 *
 * Tri-state: a fetch returning MISS ("not there yet") makes the expression
 * return MISS; a converter failing on a sample flagged F_MAY_CHANGE also
 * gives MISS (acl.c acl_exec_cond() reads the fetch's flags after a failed
 * sample_process()). Rule actions evaluate with the final data and treat
 * MISS as "not found"; conditions turn it into 'miss' (see acl/evaluate.ts).
 */
import './impls/index.js';
import { MISS, type SampleContext, type SampleResult } from './context.js';
import type { SampleExpression } from './expression.js';
import { findConverterImpl, findFetchImpl, type CompileEnv, type ConvFn, type EachFn, type FetchFn } from './impl-registry.js';
import { castSample, F_MAY_CHANGE, withMayChange, type Sample } from './sample.js';
import type { SampleType } from './types.js';

export type { CompileEnv } from './impl-registry.js';

/** A compiled expression. */
export type SampleFn = (ctx: SampleContext) => SampleResult;

export type CompileResult = { ok: true; fn: SampleFn } | { ok: false; code: string; message: string };

/** Diagnostic codes of this module (docs/errors.md). */
export const EVAL_CODES = {
  fetchNotImplemented: 'SMP_FETCH_NOT_IMPLEMENTED',
  converterNotImplemented: 'SMP_CONVERTER_NOT_IMPLEMENTED',
  badArgument: 'SMP_ARG_UNRESOLVED',
} as const;

/** Wraps `prev` with converter `conv` whose input type is `inType`. */
function chain(prev: SampleFn, conv: ConvFn, inType: SampleType): SampleFn {
  return (ctx) => {
    const s = prev(ctx);
    if (s === undefined || s === MISS) return s;
    const input = inType === 'any' || s.type === inType ? s : castSample(s, inType);
    const out = input === undefined ? undefined : conv(input, ctx);
    if (s.flags & F_MAY_CHANGE) {
      if (out === undefined) return MISS;
      return out.flags & F_MAY_CHANGE ? out : withMayChange(out);
    }
    return out;
  };
}

/** Compiles the converters of `expr` into a function applied to one fetched sample. */
function compileConverters(expr: SampleExpression, env: CompileEnv): { ok: true; convs: { fn: ConvFn; in: SampleType }[] } | { ok: false; code: string; message: string } {
  const convs: { fn: ConvFn; in: SampleType }[] = [];
  for (const c of expr.converters) {
    const impl = findConverterImpl(c.name);
    if (impl === undefined) {
      return { ok: false, code: EVAL_CODES.converterNotImplemented, message: `converter '${c.name}' is not implemented by Switchyard yet` };
    }
    const fn = impl.compile(c.args, env, c.name);
    if (typeof fn === 'string') return { ok: false, code: EVAL_CODES.badArgument, message: fn.replace('sample fetch keyword', 'converter') };
    convs.push({ fn, in: c.conv.in });
  }
  return { ok: true, convs };
}

/**
 * Compiles `expr` into a closure. Fails when a keyword has no run-time
 * implementation yet or an argument cannot be resolved in `env` (unknown
 * backend, server, invalid regex...).
 */
export function compileSample(expr: SampleExpression, env: CompileEnv = {}): CompileResult {
  const impl = findFetchImpl(expr.fetchName);
  if (impl === undefined) {
    return { ok: false, code: EVAL_CODES.fetchNotImplemented, message: `fetch method '${expr.fetchName}' is not implemented by Switchyard yet` };
  }
  const f = impl.compile(expr.args, env, expr.fetchName);
  if (typeof f === 'string') return { ok: false, code: EVAL_CODES.badArgument, message: f };
  const cc = compileConverters(expr, env);
  if (!cc.ok) return cc;
  let fn: SampleFn = f;
  for (const c of cc.convs) fn = chain(fn, c.fn, c.in);
  return { ok: true, fn };
}

/**
 * The multi-valued form used by ACLs: `visit` is called with each value the
 * fetch produces (every occurrence of a header...), converters applied,
 * until it returns true. Returns true when `visit` stopped the walk, MISS
 * when the data is not there yet, false otherwise. Fetches without a
 * multi-valued implementation produce their single value.
 */
export type SampleEachFn = (ctx: SampleContext, visit: (s: Sample) => boolean) => boolean | typeof MISS;

/** `multi` tells whether the fetch can produce several values (else `each` just wraps `single`). */
export type CompileEachResult = { ok: true; each: SampleEachFn; single: SampleFn; multi: boolean } | { ok: false; code: string; message: string };

/** Compiles `expr` for ACL matching (see {@link SampleEachFn}). */
export function compileSampleEach(expr: SampleExpression, env: CompileEnv = {}): CompileEachResult {
  const single = compileSample(expr, env);
  if (!single.ok) return single;
  const impl = findFetchImpl(expr.fetchName);
  let eachFetch: EachFn | undefined;
  if (impl?.compileEach !== undefined) {
    const e = impl.compileEach(expr.args, env, expr.fetchName);
    if (typeof e === 'string') return { ok: false, code: EVAL_CODES.badArgument, message: e };
    eachFetch = e;
  }
  if (eachFetch === undefined) {
    const fn = single.fn;
    // One value: "MISS" and "not found" are reported like the multi-valued walk does.
    const each: SampleEachFn = (ctx, visit) => {
      const s = fn(ctx);
      if (s === MISS) return MISS;
      if (s === undefined) return false;
      return visit(s);
    };
    return { ok: true, each, single: fn, multi: false };
  }
  const cc = compileConverters(expr, env);
  if (!cc.ok) return cc;
  const convs = cc.convs;
  const ef = eachFetch;
  const each: SampleEachFn = (ctx, visit) => {
    let miss = false;
    const r = ef(ctx, (s0) => {
      let s: Sample | undefined = s0;
      for (let i = 0; i < convs.length && s !== undefined; i++) {
        const c = convs[i]!;
        const input: Sample | undefined = c.in === 'any' || s.type === c.in ? s : castSample(s, c.in);
        s = input === undefined ? undefined : c.fn(input, ctx);
      }
      if (s === undefined) {
        if (s0.flags & F_MAY_CHANGE) miss = true;
        return false;
      }
      if (s0.flags & F_MAY_CHANGE && !(s.flags & F_MAY_CHANGE)) s = withMayChange(s);
      return visit(s);
    });
    if (r === true) return true;
    return r === MISS || miss ? MISS : false;
  };
  return { ok: true, each, single: single.fn, multi: true };
}

/**
 * Evaluates a compiled expression as a rule action does (SMP_OPT_FINAL):
 * MISS counts as not found.
 */
export function evalFinal(fn: SampleFn, ctx: SampleContext): Sample | undefined {
  const s = fn(ctx);
  return s === MISS ? undefined : s;
}
