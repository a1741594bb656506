/**
 * The inputs a stream gives the hash-based algorithms (PickContext in
 * registry.ts) that every stream computes the same way: the `balance hash
 * <expr>` sample (backend.c get_server_expr(): sample_fetch_as_type(...,
 * SMP_T_BIN), missing → round robin) and the `balance hdr(<name>)` value
 * (get_server_hh(): http_find_header(full=0), the first comma-separated
 * value of the first occurrence).
 */
import { compileSample, evalFinal, type SampleFn } from '../sample/compile.js';
import type { SampleContext } from '../sample/context.js';
import type { SampleExpression } from '../sample/expression.js';
import { bytesOf } from '../sample/sample.js';

/** Compiled once per expression: the balance expression is a backend's, shared by its streams. */
const compiled = new WeakMap<SampleExpression, SampleFn | null>();

/** `balance hash <expr>`: the sample as bytes, or undefined (no sample: the algorithm falls back). */
export function balanceSample(expr: SampleExpression, ctx: SampleContext): Uint8Array | undefined {
  let fn = compiled.get(expr);
  if (fn === undefined) {
    const c = compileSample(expr);
    fn = c.ok ? c.fn : null;
    compiled.set(expr, fn);
  }
  if (fn === null) return undefined;
  const s = evalFinal(fn, ctx);
  return s === undefined ? undefined : bytesOf(s);
}

/**
 * `balance hdr(<name>)`: http_find_header(full=0) over the header values in
 * order: the first comma-separated element of the first occurrence, blanks
 * trimmed (an empty first element is returned as is: the caller falls back).
 */
export function balanceHeader(values: Iterable<string>): string | undefined {
  for (const v of values) {
    let q = false;
    let i = 0;
    for (; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x22) q = !q;
      else if (c === 0x2c && !q) break;
    }
    return v.slice(0, i).trim();
  }
  return undefined;
}
