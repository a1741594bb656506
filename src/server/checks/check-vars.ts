/**
 * `tcp-check set-var(<var>) <expr>`, `set-var-fmt(<var>) <fmt>` and
 * `unset-var(<var>)` and their `http-check` twins (configuration.txt §4.2
 * "tcp-check set-var", tcpcheck.c tcpcheck_eval_action_kw()): rules that
 * set or remove a variable when the check reaches them, for the rules
 * after them: `send-lf` and `-lf` patterns (`%[var(check.x)]`), and
 * `connect port <expr>` (`tcp-check connect port var(check.port)`).
 *
 * Scope: variables live for one run of the check, as haproxy prunes the
 * check's variables and sets the presets again at the start of each run
 * (tcpcheck_main()). `check.<name>` is stored as `<name>` beside the presets
 * of the built-in checks (`smtp_cmd`, ...); the other scopes a check accepts
 * (`proc`, `sess`, `txn`, `req`, `res`) are stored under their full name and
 * read back the same way by `var(<scope>.<name>)`. TODO(sample): `proc.`
 * variables shared with the rest of the process once the sample engine
 * exposes its variable store to checks.
 *
 * The expression and format use the check subset of the sample language
 * (check-format.ts); the configuration parser has already rejected what
 * haproxy rejects.
 */
import { compileCheckExpr, compileCheckFormat, evalCheckExpr, evalCheckFormat, type CheckFormatContext } from './check-format.js';
import type { ActionRule } from './rules.js';

/** The variable's key in the check's variable map: `check.` stripped, other scopes kept. */
export function checkVarKey(name: string): string {
  return name.startsWith('check.') ? name.slice('check.'.length) : name;
}

/**
 * Builds the rule of a `set-var(...)`, `set-var-fmt(...)` or `unset-var(...)`
 * line; `args` are the words after `tcp-check`/`http-check`.
 */
export function varActionRule(index: number, args: readonly string[], comment?: string): ActionRule {
  const text = args.join(' ');
  const m = /^(set-var|set-var-fmt|unset-var)\((.*)\)$/.exec(args[0] ?? '');
  if (m === null) return { action: 'action', index, text, comment };
  const verb = m[1];
  const key = checkVarKey((m[2] ?? '').trim());
  if (verb === 'unset-var') {
    return { action: 'action', index, text, comment, run: (vars) => void vars.delete(key) };
  }
  if (verb === 'set-var-fmt') {
    const fmt = compileCheckFormat(args[1] ?? '');
    return { action: 'action', index, text, comment, run: (vars, ctx) => void vars.set(key, evalCheckFormat(fmt, ctx)) };
  }
  // set-var: the expression may have been split on spaces (`int(1) ,add(2)` is not valid haproxy either).
  const expr = compileCheckExpr(args.slice(1).join(' '));
  return {
    action: 'action', index, text, comment,
    run: (vars, ctx) => {
      // vars.c action_store(): a sample that cannot be fetched leaves the variable as it was.
      const v = expr === undefined ? undefined : evalCheckExpr(expr, ctx);
      if (v !== undefined) vars.set(key, v);
    },
  };
}

/** Runs an action rule against the run's variables. */
export function runAction(rule: ActionRule, vars: Map<string, string>, ctx: CheckFormatContext): void {
  rule.run?.(vars, ctx);
}
