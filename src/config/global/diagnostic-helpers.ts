/**
 * Diagnostics with haproxy's return codes, shared by the global section and
 * the auxiliary sections: ERR_ALERT without ERR_FATAL, ERR_ABORT, a warning
 * returned with ERR_FATAL, and messages without a place. (printf's cut at NUL is
 * cString() of src/config/tokenizer.ts.)
 */
import type { PlaceStyle } from '../diagnostics.js';
import type { LineContext } from '../section-registry.js';

/**
 * An alert that haproxy reports with ERR_ALERT but without ERR_FATAL ("...
 * already specified. Continuing."): printed, yet the configuration stays valid.
 */
export function nonFatalAlert(ctx: LineContext, code: string, message: string, style?: PlaceStyle): void {
  ctx.nonFatalAlert(code, message, style);
}

/**
 * haproxy's ERR_ABORT on the line just reported: nothing more is read, and
 * haproxy exits after "Error(s) found in configuration file" without its
 * "Fatal errors found" line. The last diagnostic carries that exit, and is
 * made fatal when it is a warning (cache.c reports some aborts as warnings).
 */
export function markAbort(ctx: LineContext): void {
  const list = ctx.diag.list;
  const last = list[list.length - 1];
  if (last !== undefined) list[list.length - 1] = { ...last, exitsImmediately: true, ...(last.severity === 'warning' ? { fatal: true } : {}) };
  ctx.abort();
}

/**
 * Marks the last diagnostic as fatal although it is a warning: haproxy
 * sometimes prints a warning and returns ERR_FATAL (sink.c "ignoring new
 * size"). The loader should count it as an error (see docs/errors.md).
 */
export function markFatal(ctx: LineContext): void {
  const list = ctx.diag.list;
  const last = list[list.length - 1];
  if (last !== undefined) list[list.length - 1] = { ...last, fatal: true };
}

/** An alert with ERR_ABORT (see markAbort()). */
export function abortAlert(ctx: LineContext, code: string, message: string, style?: PlaceStyle): void {
  ctx.alert(code, message, style);
  markAbort(ctx);
}

/** A message without a place ("config : <message>"), as haproxy prints from post-parse callbacks. */
export function placeless(ctx: LineContext, severity: 'alert' | 'warning', code: string, message: string): void {
  ctx.diag.push({ severity, code, message });
}
