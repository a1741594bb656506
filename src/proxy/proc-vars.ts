/**
 * The global section's `set-var proc.<name> <expr>` (configuration.txt §3.1,
 * vars.c vars_parse_global_set_var()): each expression runs once, in order,
 * when the process starts, so a later line can read an earlier variable.
 * Only fetches usable at configuration time pass the parser (`int()`,
 * `str()`, `env()`, `var(proc.*)`, converters...); an expression without a
 * result sets nothing, as haproxy.
 */
import type { GlobalConfig } from '../config/model/global.js';
import { compileSample, evalFinal } from '../sample/compile.js';
import { BasicSampleContext } from '../sample/context.js';
import { detach } from './rule-helpers.js';

/** Runs the `set-var` lines of `global` into the process-wide `proc.` scope. */
export function runProcVars(global: GlobalConfig): void {
  const lines = global.procVars;
  if (lines === undefined) return;
  const ctx = new BasicSampleContext();
  for (const line of lines) {
    const c = compileSample(line.expr, {});
    if (!c.ok) continue;
    const s = evalFinal(c.fn, ctx);
    if (s !== undefined) ctx.vars('proc')?.set(line.name, detach(s));
  }
}
