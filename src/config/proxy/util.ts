/**
 * Small helpers shared by the proxy keyword parsers, each reproducing one of
 * haproxy's cfgparse helpers so that every keyword words its messages the same
 * way (src/cfgparse.c: warnifnotcap, alertif_too_many_args_idx, invalid_char).
 */
import type { PlaceStyle } from '../diagnostics.js';
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';

/**
 * haproxy's proxy_type_str(): the word used for a proxy in most messages.
 * A listen section is a "proxy", not a "listen".
 */
export function proxyTypeStr(p: ProxyConfig): string {
  if (p.kind === 'listen') return 'proxy';
  return p.kind;
}

/** What a keyword needs from a proxy (haproxy's PR_CAP_FE / PR_CAP_BE). */
export type NeededCap = 'frontend' | 'backend';

/**
 * haproxy's warnifnotcap(): warns "'kw' ignored because <type> '<name>' has no
 * <cap> capability.<hint>" and returns true when the proxy lacks the
 * capability. Most callers stop parsing the line then; some (as in haproxy)
 * go on and keep the setting anyway.
 */
export function warnIfNotCap(ctx: LineContext, p: ProxyConfig, need: NeededCap, keyword: string, hint = ''): boolean {
  const has = need === 'frontend' ? p.cap.frontend : p.cap.backend;
  if (has) return false;
  ctx.warning('CFG_PROXY_CAPABILITY', `'${keyword}' ignored because ${proxyTypeStr(p)} '${p.name}' has no ${need} capability.${hint}`);
  return true;
}

/**
 * haproxy's alertif_too_many_args_idx(maxarg, index): the keyword is
 * `words[0..index]` and accepts `maxarg` arguments after it. Returns true
 * (after the alert) when there are more.
 */
export function tooManyArgs(ctx: LineContext, words: readonly string[], maxArgs: number, index = 0): boolean {
  const extra = words[index + maxArgs + 1];
  if (extra === undefined || extra === '') return false;
  const kw = words.slice(0, index + 1).join(' ');
  ctx.alert('CFG_TOO_MANY_ARGS', `'${kw}' cannot handle unexpected argument '${extra}'.`);
  return true;
}

/**
 * haproxy's invalid_char(): proxy, ACL and section names are made of letters,
 * digits, '-', '_', '.' and ':' (configuration.txt §4). Returns the first
 * offending character, '' for an empty name (haproxy rejects it too), or
 * undefined when the name is valid.
 */
export function invalidChar(name: string): string | undefined {
  if (name === '') return '';
  for (const c of name) {
    if (!/[A-Za-z0-9._:-]/.test(c)) return c;
  }
  return undefined;
}

/**
 * haproxy's str2uic-like strict integer check used by a few keywords
 * ("unexpected character 'x' in integer value 'x'"): the first character
 * that is not a digit, or undefined.
 */
export function firstNonDigit(text: string): string | undefined {
  for (const c of text) if (c < '0' || c > '9') return c;
  return undefined;
}

/**
 * An alert haproxy prints with ha_alert() while only setting ERR_ALERT (or
 * ERR_WARN): it shows as [ALERT] but does not make the configuration invalid
 * (e.g. "please use the 'bind' keyword for listening addresses.").
 */
export function nonFatalAlert(ctx: LineContext, code: string, message: string, style?: PlaceStyle): void {
  ctx.nonFatalAlert(code, message, style);
}

/**
 * haproxy's ERR_ABORT: stop reading the configuration after this line (a
 * section header naming a missing defaults section, an invalid inheritance...).
 */
export function abortParsing(ctx: LineContext): void {
  ctx.abort();
}

/**
 * haproxy returning -1 from a section parser (e.g. `description` without an
 * argument): it prints the keyword's alert, then "Could not open
 * configuration file <f> : Success" and exits at once.
 */
export function fatalParserError(ctx: LineContext): void {
  ctx.diag.push({
    severity: 'alert',
    code: 'CFG_PARSER_ABORTED',
    message: `Could not open configuration file ${ctx.place.file} : Success`,
    place: ctx.place,
    style: 'none',
    exitsImmediately: true,
  });
  ctx.abort();
}

/** The words after `if`/`unless`, or -1 when the keyword at `start` is neither. */
export function condStart(words: readonly string[], start: number): number {
  const w = words[start];
  return w === 'if' || w === 'unless' ? start : -1;
}

/** Pushes a checked keyword line onto the proxy's directives, for later subsystems. */
export function keepDirective(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  p.directives.push({ keyword: words[0] ?? '', args: words.slice(1), place: ctx.place });
}
