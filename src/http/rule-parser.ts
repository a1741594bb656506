/**
 * The cursor an action parser reads its arguments from, for one rule line,
 * plus the pieces every rule set shares: the sample-expression, log-format and
 * condition parsers of the other subsystems (called through one adapter each),
 * haproxy's "did you mean" for actions (action.c action_suggest()), and its
 * C-library number parsing quirks (strtol/atoi) that decide what it accepts.
 */
import type { LineContext } from '../config/section-registry.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import { parseCondition, type Condition } from '../acl/condition.js';
import { parseSampleExpression, type SampleExpression } from '../sample/expression.js';
import { parseLogFormat, type LogFormat } from '../sample/log-format.js';
import type { ParseCtx, SampleUsage } from '../sample/types.js';
import { aclScope, parseCtxFor } from '../config/proxy/general.js';
import { fingerprintDistance, wordFingerprint } from '../config/suggest.js';
import type { RuleSetId } from './rule-model.js';
import { cAtoi, cStrtol } from '../config/global/c-numbers.js';

/** The sample usage (which fetches are valid) of each rule set. */
const USAGE: Record<RuleSetId, SampleUsage> = {
  'tcp-request connection': 'tcp-request connection',
  'tcp-request session': 'tcp-request session',
  'tcp-request content': 'tcp-request content',
  'tcp-response content': 'tcp-response content',
  'http-request': 'http-request',
  'http-response': 'http-response',
  'http-after-response': 'http-after-response',
};

/** The sample usage for a rule set (exported for the legacy translator and tests). */
export function usageOf(ruleset: RuleSetId): SampleUsage {
  return USAGE[ruleset];
}

/** haproxy's proxy_type_str(): how a proxy kind is named in messages. */
export function proxyTypeStr(proxy: ProxyConfig): string {
  // proxy.c proxy_cap_str(): a listen section has PR_CAP_FE|PR_CAP_BE but not
  // PR_CAP_LISTEN's LB bit, so haproxy 2.6 calls it "proxy" (checked with -c).
  return proxy.kind === 'listen' ? 'proxy' : proxy.kind;
}

/**
 * HAProxy stops reading the configuration after an invalid http-request,
 * http-response or http-after-response line (cfgparse-listen.c sets ERR_ABORT).
 * The loader honours this when its LineContext offers an `abort()` hook.
 */
export function abortParsing(ctx: LineContext): void {
  ctx.abort();
}

/** One failure of an action parser: wrapped by the rule set, or printed as is. */
export interface RuleError {
  readonly message: string;
  readonly raw: boolean;
}

export class RuleParser {
  /** Index of the next unread word. */
  pos: number;
  error: RuleError | undefined;
  readonly warnings: string[] = [];

  constructor(
    readonly ctx: LineContext,
    readonly proxy: ProxyConfig,
    readonly ruleset: RuleSetId,
    readonly words: readonly string[],
    /** Index of the action word in `words`. */
    readonly actionIndex: number,
  ) {
    this.pos = actionIndex + 1;
  }

  /** The action word as written ('set-var(txn.x)'). */
  get actionWord(): string {
    return this.words[this.actionIndex] ?? '';
  }

  /** The word `i` places after the cursor, '' past the end (haproxy's args[] end with ""). */
  arg(i = 0): string {
    return this.words[this.pos + i] ?? '';
  }

  /** True when the word `i` after the cursor ends the action: nothing, 'if' or 'unless'. */
  endsAt(i = 0): boolean {
    const w = this.arg(i);
    return w === '' || w === 'if' || w === 'unless';
  }

  get usage(): SampleUsage {
    return USAGE[this.ruleset];
  }

  get isHttp(): boolean {
    return this.ruleset.startsWith('http-');
  }

  get parseCtx(): ParseCtx {
    return {
      place: this.ctx.place,
      usage: this.usage,
      proxyMode: this.proxy.mode === 'http' ? 'http' : 'tcp',
      proxyCap: { frontend: this.proxy.cap.frontend, backend: this.proxy.cap.backend },
    };
  }

  /** Reports an error that the rule set wraps with its context. Returns undefined for `return p.fail(...)`. */
  fail(message: string): undefined {
    this.error ??= { message, raw: false };
    return undefined;
  }

  /** Reports an error printed exactly as given after the place. */
  failRaw(message: string): undefined {
    this.error ??= { message, raw: true };
    return undefined;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /**
   * Parses one sample expression at the cursor and moves past it. `label` is
   * the name haproxy prints when the fetch is unusable here (default: the word).
   */
  expression(label?: string): SampleExpression | undefined {
    const r = this.tryExpression(label);
    if (!r.ok) return this.fail(r.message);
    return r.expr;
  }

  /** Same as expression(), but returns the raw sample error for the caller to wrap. */
  tryExpression(label?: string): { ok: true; expr: SampleExpression } | { ok: false; message: string } {
    const ctx: ParseCtx = label === undefined ? this.parseCtx : { ...this.parseCtx, usageLabel: label };
    const r = parseSampleExpression([...this.words], this.pos, ctx);
    if (!r.ok) return { ok: false, message: r.message };
    this.pos = r.next;
    return { ok: true, expr: r.expr };
  }

  /** Parses a log-format string (header values, URIs, bodies); its warnings are kept. */
  logFormat(text: string): LogFormat | undefined {
    const r = parseLogFormat(text, this.parseCtx);
    if (!r.ok) return this.fail(r.message);
    for (const w of r.warnings) this.warn(w);
    return r.format;
  }

  /** True when `expose-experimental-directives` appears in the global section. */
  get experimentalAllowed(): boolean {
    return this.ctx.model.global.experimentalDirectives;
  }
}

/**
 * Parses the `if|unless <cond>` starting at `start` with the proxy's ACLs.
 * The message on failure is haproxy's inner text: each rule set wraps it in
 * its own context. `warnings` are the condition-conflict warnings
 * (warnif_cond_conflicts()), for the caller to report after its own.
 */
export function parseConditionAt(
  ctx: LineContext,
  proxy: ProxyConfig,
  words: readonly string[],
  start: number,
  ruleset: RuleSetId,
): { ok: true; cond: Condition; warnings: string[] } | { ok: false; message: string } {
  const r = parseCondition([...words], start, aclScope(proxy), parseCtxFor(ctx, proxy, USAGE[ruleset]));
  return r.ok ? { ok: true, cond: r.cond, warnings: r.warnings } : { ok: false, message: r.message };
}

/** An entry of an "expects ..." list: a keyword and whether it matches by prefix. */
export interface ListedKeyword {
  readonly name: string;
  readonly prefix: boolean;
}

/** Reads haproxy's printed list ("'a', 'b(*)'") into entries; '(*)' marks prefix keywords. */
export function listedKeywords(printed: readonly string[]): ListedKeyword[] {
  return printed.map((s) => (s.endsWith('(*)') ? { name: s.slice(0, -3), prefix: true } : { name: s, prefix: false }));
}

/** "'a', 'b(*)', 'c'" as haproxy's action_build_list() prints it. */
export function printList(printed: readonly string[]): string {
  return printed.map((s) => `'${s}'`).join(', ');
}

/**
 * action.c action_suggest(): the closest keyword by bigram fingerprint, then
 * the extra words; a keyword matched by prefix is allowed one more unit of
 * distance per character than others.
 */
export function actionSuggest(word: string, keywords: readonly ListedKeyword[], extra: readonly string[] = []): string | undefined {
  const fp = wordFingerprint(word);
  let best: string | undefined;
  let bestPrefix = false;
  let bestDist = Number.MAX_SAFE_INTEGER;
  for (const k of keywords) {
    const d = fingerprintDistance(fp, wordFingerprint(k.name));
    if (d < bestDist) {
      bestDist = d;
      best = k.name;
      bestPrefix = k.prefix;
    }
  }
  for (const e of extra) {
    const d = fingerprintDistance(fp, wordFingerprint(e));
    if (d < bestDist) {
      bestDist = d;
      best = e;
      bestPrefix = false;
    }
  }
  if (best === undefined) return undefined;
  const factor = 2 + (bestPrefix ? 1 : 0);
  if (bestDist > factor * word.length || bestDist > factor * best.length) return undefined;
  return best;
}

/**
 * C strtol(s, &end, base) for the rule parsers, as a JS number: cStrtol()
 * (src/config/global/c-numbers.ts, saturating like a C long) seen through
 * Number(), exact below 2^53. Returns the value (0 when no digit) and the
 * rest of the string after the number.
 */
export function strtol(s: string, base: 0 | 10 | 16 = 10): { value: number; rest: string } {
  const r = cStrtol(s, base);
  return { value: Number(r.value), rest: r.rest };
}

/** C atoi(): `(int)strtol()`, narrowed to 32 bits. */
export const atoi = cAtoi;

/** Quotes a word for display in a configuration line when it needs it. */
export function quoteWord(w: string): string {
  if (w !== '' && !/[\s"'\\#]/.test(w)) return w;
  return `"${w.replace(/(["\\$])/g, '\\$1')}"`;
}
