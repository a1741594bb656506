/**
 * Shared helpers of the eval-* tests: parse an expression with the real
 * parser, compile it, evaluate it on a context.
 */
import assert from 'node:assert/strict';
import { compileSample, type CompileEnv, type SampleFn } from '../../../src/sample/compile.js';
import { BasicSampleContext, MISS, type SampleContext, type SampleResult } from '../../../src/sample/context.js';
import { parseSampleExpression } from '../../../src/sample/expression.js';
import { sampleToString } from '../../../src/sample/sample.js';

/** Parses and compiles `text` (one word, converters after commas). */
export function compile(text: string, env: CompileEnv = {}): SampleFn {
  const r = parseSampleExpression([text], 0, { place: { file: 't', line: 1 }, usage: 'acl', skipUsageCheck: true });
  assert.ok(r.ok, `parse ${text}: ${r.ok ? '' : r.message}`);
  const c = compileSample(r.expr, env);
  assert.ok(c.ok, `compile ${text}: ${c.ok ? '' : c.message}`);
  return c.fn;
}

/** The compile error of `text`. */
export function compileError(text: string, env: CompileEnv = {}): string {
  const r = parseSampleExpression([text], 0, { place: { file: 't', line: 1 }, usage: 'acl', skipUsageCheck: true });
  assert.ok(r.ok, `parse ${text}: ${r.ok ? '' : r.message}`);
  const c = compileSample(r.expr, env);
  assert.ok(!c.ok, `${text} compiled`);
  return c.message;
}

/** `type:string` of the result, 'MISS', or undefined when not found. */
export function show(r: SampleResult): string | undefined {
  if (r === MISS) return 'MISS';
  if (r === undefined) return undefined;
  if (r.type === 'bin') return `bin:${r.value.toString('hex')}`;
  return `${r.type}:${sampleToString(r) ?? ''}`;
}

/** Evaluates `text` on `ctx` (a final context by default) and shows the result. */
export function ev(text: string, ctx: SampleContext = new BasicSampleContext(), env: CompileEnv = {}): string | undefined {
  return show(compile(text, env)(ctx));
}
