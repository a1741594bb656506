/**
 * Rule conditions: `if|unless <cond>` (configuration.txt §7.2). Terms are
 * named ACLs, predefined ACLs or anonymous `{ ... }` ACLs, optionally negated
 * with `!`; consecutive terms are AND-ed and `or` / `||` separates OR-ed
 * groups. Follows HAProxy 2.6 acl.c build_acl_cond()/parse_acl_cond() and
 * cfgparse.c warnif_cond_conflicts().
 */
import type { Place } from '../config/diagnostics.js';
import { fetchCheckpoints } from '../sample/fetch-registry.js';
import { checkpointName, usageCheckpoints, type ParseCtx, type ProxyCap, type SampleUsage } from '../sample/types.js';
import { parseAclExpression, predefinedAcl, type AclDefinition } from './acl.js';

/** Named ACLs of the current proxy (+ predefined) */
export interface AclScope {
  lookup(name: string): AclDefinition | undefined;
}

/** One term of a condition. Anonymous ACLs have an empty name. */
export interface ConditionTerm {
  readonly negate: boolean;
  readonly acl: AclDefinition;
}

/** A parsed condition: OR of AND-ed terms, evaluated then inverted for `unless`. */
export interface Condition {
  readonly polarity: 'if' | 'unless';
  /** Each inner array is AND-ed; the arrays are OR-ed. An empty condition is true. */
  readonly suites: readonly (readonly ConditionTerm[])[];
  readonly place: Place;
  /**
   * The checkpoints where the rule using it runs (sample.h SMP_VAL_*), when
   * parsed for a rule: an ACL expression whose fetch cannot work there never
   * matches (the condition conflict warning says so, and haproxy's fetch finds
   * nothing: the request headers are gone from the buffer by the time
   * http-response rules run).
   */
  readonly checkpoints?: number;
}

export type ConditionResult = { ok: true; cond: Condition; warnings: string[] } | { ok: false; message: string; hint?: string };

/**
 * Parses the condition starting at `words[start]` ('if' or 'unless') up to the
 * end of `words` (or the first empty word). Messages are HAProxy's inner text,
 * which the rule parsers wrap ("error detected while parsing switching rule :
 * <message>."). `warnings` are HAProxy's conflict warnings for `ctx.usage`
 * (printed with "parsing [file:line] : ").
 */
export function parseCondition(words: string[], start: number, scope: AclScope, ctx: ParseCtx): ConditionResult {
  const kw = words[start];
  let polarity: 'if' | 'unless';
  if (kw === 'if') polarity = 'if';
  else if (kw === 'unless') polarity = 'unless';
  else return { ok: false, message: "conditions must start with either 'if' or 'unless'" };

  let end = words.length;
  for (let i = start + 1; i < words.length; i++) {
    if (words[i] === '') {
      end = i;
      break;
    }
  }

  const suites: ConditionTerm[][] = [];
  let suite: ConditionTerm[] | undefined;
  let neg = false;
  const parseWarnings: string[] = [];
  for (let i = start + 1; i < end; i++) {
    let word = words[i]!;
    // acl.c: "remove as many exclamation marks as we can"
    while (word.startsWith('!')) {
      neg = !neg;
      word = word.slice(1);
    }
    // "an empty word is allowed because we cannot force the end user to enter a space"
    if (word === '') continue;
    if (word.toLowerCase() === 'or' || word === '||') {
      suite = undefined;
      neg = false;
      continue;
    }
    let acl: AclDefinition | undefined;
    if (word === '{') {
      let close = i + 1;
      while (close < end && words[close] !== '}') close++;
      if (close >= end) return { ok: false, message: "missing closing '}' in condition" };
      const r = parseAclExpression(words, i + 1, close, ctx);
      if (!r.ok) return r;
      parseWarnings.push(...r.warnings);
      acl = { name: '', place: ctx.place, terms: [r.term] };
      i = close;
    } else {
      acl = scope.lookup(word) ?? predefinedAcl(word, ctx.place);
      if (acl === undefined) return { ok: false, message: `no such ACL : '${word}'` };
    }
    if (suite === undefined) {
      suite = [];
      suites.push(suite);
    }
    suite.push({ negate: neg, acl });
    neg = false;
  }
  const cond: Condition = ctx.usage === 'acl'
    ? { polarity, suites, place: ctx.place }
    : { polarity, suites, place: ctx.place, checkpoints: usageCheckpoints(ctx.usage, ctx.proxyCap) };
  const warnings = [...parseWarnings];
  if (ctx.usage !== 'acl') {
    const w = conditionConflictWarning(cond, ctx.usage, ctx.proxyCap);
    if (w !== undefined) warnings.push(w);
  }
  return { ok: true, cond, warnings };
}

/** The checkpoints an ACL can be evaluated at: the union over its expressions (acl->val). */
function aclCheckpoints(acl: AclDefinition): number {
  let v = 0;
  for (const t of acl.terms) v |= fetchCheckpoints(t.expr.fetch);
  return v;
}

/** Rules whose conflict warnings name the rule set ("... will never match in 'tcp-request content' ..."). */
const NAMED_RULESETS: ReadonlySet<SampleUsage> = new Set<SampleUsage>(['tcp-request connection', 'tcp-request session', 'tcp-request content', 'tcp-response content']);

/**
 * cfgparse.c warnif_cond_conflicts(): the warning HAProxy prints when a
 * condition uses keywords that cannot work where the rule is evaluated, or
 * undefined when there is none. First an ACL that can never match, then one
 * that merely involves an incompatible keyword.
 */
export function conditionConflictWarning(cond: Condition, usage: SampleUsage, cap?: ProxyCap): string | undefined {
  const where = usageCheckpoints(usage, cap);
  const whereName = checkpointName(where);
  const inRule = NAMED_RULESETS.has(usage) ? ` in '${usage}'` : '';
  for (const suite of cond.suites) {
    for (const term of suite) {
      if ((aclCheckpoints(term.acl) & where) === 0) {
        if (term.acl.name !== '') return `acl '${term.acl.name}' will never match${inRule} because it only involves keywords that are incompatible with '${whereName}'`;
        return `anonymous acl will never match${inRule} because it uses keyword '${term.acl.terms[0]?.kw ?? ''}' which is incompatible with '${whereName}'`;
      }
    }
  }
  for (const suite of cond.suites) {
    for (const term of suite) {
      for (const t of term.acl.terms) {
        if ((fetchCheckpoints(t.expr.fetch) & where) === 0) {
          if (term.acl.name !== '') return `acl '${term.acl.name}' involves keyword '${t.kw}' which is incompatible with '${whereName}'`;
          return `anonymous acl involves keyword '${t.kw}' which is incompatible with '${whereName}'`;
        }
      }
    }
  }
  return undefined;
}

/**
 * True when the condition reads raw buffer contents (layer-6 fetches such as
 * req.len, payload, req.ssl_sni, rdp_cookie). HAProxy 2.6 then warns once per
 * rule of an HTTP proxy: "Proxy '<name>': L6 sample fetches ignored on HTTP
 * proxies (declared at <file>:<line>)." -- see l6WarningMessage().
 */
export function conditionUsesL6(cond: Condition): boolean {
  return cond.suites.some((s) => s.some((t) => t.acl.terms.some((x) => x.expr.fetch.use.includes('L6REQ') || x.expr.fetch.use.includes('L6RES'))));
}

/** The text of that warning (printed without "parsing [...]"; with "config : " context). */
export function l6WarningMessage(proxyName: string, place: Place): string {
  return `Proxy '${proxyName}': L6 sample fetches ignored on HTTP proxies (declared at ${place.file}:${place.line}).`;
}
