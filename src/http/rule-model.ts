/**
 * What a parsed rule action carries for the runtime: the action-specific data
 * attached to a `RuleConfig` (`rule.data`), and the shape of an action table
 * entry (one per action keyword, like haproxy's `struct action_kw`).
 *
 * The runtime later attaches an executor next to each table entry; the config
 * side only checks and records. `RuleConfig` lives in the proxy model (owned by
 * the proxy helper); the `data`/`final`/`legacy` fields are added here by
 * interface merging so the model file needs no change.
 */
import type { Place } from '../config/diagnostics.js';
import type { LogFormat } from '../sample/log-format.js';
import type { SampleExpression } from '../sample/expression.js';
import type { RuleParser } from './rule-parser.js';

/** The rule sets, named as in the configuration (also the prefix of their messages). */
export type RuleSetId =
  | 'tcp-request connection'
  | 'tcp-request session'
  | 'tcp-request content'
  | 'tcp-response content'
  | 'http-request'
  | 'http-response'
  | 'http-after-response';

/** A log-format value kept with its source text (header values, URIs, bodies...). */
export interface FormatValue {
  readonly text: string;
  readonly format?: LogFormat | undefined;
}

/** `deny`/`tarpit`/`return` replies (configuration.txt §4.2 "http-request return"). */
export interface HttpReplyData {
  readonly kind: 'reply';
  /** Status to send; `deny` defaults to 403, `tarpit` to 500, `return` to 200. */
  readonly status: number;
  readonly contentType?: string | undefined;
  readonly body?:
    | { readonly source: 'string' | 'lf-string' | 'file' | 'lf-file' | 'errorfile'; readonly value: string; readonly format?: LogFormat | undefined }
    | undefined;
  /** `errorfiles <name>`: an http-errors section, resolved by a post check. */
  readonly errorfiles?: string | undefined;
  /** `default-errorfiles` (also implied by a bare `deny`/`tarpit`): the proxy's error page for the status (src/http/error-pages.ts). */
  readonly defaultErrorfiles?: boolean | undefined;
  readonly headers: readonly { readonly name: string; readonly value: FormatValue }[];
}

/** `redirect ...` and `http-request redirect ...` (§4.2 "redirect"). */
export interface RedirectData {
  readonly kind: 'redirect';
  readonly type: 'location' | 'prefix' | 'scheme';
  readonly target: FormatValue;
  /** 301, 302 (default), 303, 307 or 308. */
  readonly code: number;
  readonly dropQuery: boolean;
  readonly appendSlash: boolean;
  readonly ignoreEmpty: boolean;
  readonly setCookie?: string | undefined;
  readonly clearCookie?: string | undefined;
}

/** `set-var(<scope>.<name>[,cond...])`, `set-var-fmt(...)`, `unset-var(...)`. */
export interface VariableData {
  readonly kind: 'variable';
  readonly scope: 'proc' | 'sess' | 'txn' | 'req' | 'res' | 'check';
  readonly name: string;
  /** set-var conditions: ifexists, ifnotexists, ifempty, ifnotempty, ifset, ifnotset, ifgt, iflt. */
  readonly conditions: readonly string[];
  readonly value?: FormatValue | undefined;
}

/** `track-sc<n> <key> [table <t>]`, `sc-inc-gpc*`, `sc-set-gpt*`. */
export interface CounterData {
  readonly kind: 'counter';
  /** Sticky counter number (0..2). */
  readonly sc: number;
  /** gpc/gpt index for sc-inc-gpc(<idx>,<sc>) / sc-set-gpt(<idx>,<sc>); 0/1 for the legacy forms. */
  readonly index?: number | undefined;
  readonly table?: string | undefined;
  /** sc-set-gpt value when it is a plain integer (otherwise `rule.expressions[0]`). */
  readonly value?: number | undefined;
}

/** Header manipulation: add/set/del/replace-header, replace-value, early-hint. */
export interface HeaderData {
  readonly kind: 'header';
  readonly name: string;
  readonly value?: FormatValue | undefined;
  /** replace-header/replace-value: the regex source, compiled by the runtime. */
  readonly regex?: string | undefined;
  /** del-header -m <method>. */
  readonly match?: 'str' | 'beg' | 'end' | 'sub' | 'reg' | undefined;
}

/** Any other action: a few named scalar settings. */
export interface SettingsData {
  readonly kind: 'settings';
  readonly values: Readonly<Record<string, string | number | boolean | undefined>>;
}

/**
 * A 1.5 directive whose exact semantics have no modern single-rule equivalent
 * (docs/legacy-directives.md): it keeps the regex over whole header lines
 * (and the start line) and what to do on a match.
 */
export interface LegacyLineData {
  readonly kind: 'legacy-line';
  readonly directive: string;
  readonly verb: 'replace' | 'delete' | 'deny' | 'tarpit' | 'allow' | 'pass' | 'add' | 'set-backend';
  readonly regex?: string | undefined;
  readonly caseInsensitive: boolean;
  /** replace: the replacement with \1..\9 back-references; add: the line; set-backend: the backend. */
  readonly text?: string | undefined;
}

export type ActionData = HttpReplyData | RedirectData | VariableData | CounterData | HeaderData | SettingsData | LegacyLineData;

/** Where a legacy rule sits in 1.5's evaluation order (docs/legacy-directives.md). */
export type LegacyPhase = 'block' | 'filter' | 'add';

declare module '../config/model/proxy.js' {
  interface RuleConfig {
    /** Action-specific parsed data (see src/http/rule-model.ts). */
    readonly data?: ActionData | undefined;
    /** haproxy's ACT_FLAG_FINAL: the action stops the rule set when it applies. */
    readonly final?: boolean | undefined;
    /** Set on rules translated from a 1.5 directive: the directive's own text and evaluation phase. */
    readonly legacy?: { readonly line: string; readonly phase: LegacyPhase } | undefined;
  }
}

/** What an action parser produces on success. */
export interface ParsedAction {
  readonly data?: ActionData | undefined;
  readonly expressions?: SampleExpression[] | undefined;
  readonly formats?: LogFormat[] | undefined;
  /** Overrides the table's `final` flag (e.g. `set-var` is never final). */
  readonly final?: boolean | undefined;
}

/**
 * One action keyword of a rule set. `parse` reads its arguments from the
 * parser's cursor (which starts after the action word) and leaves the cursor on
 * the first word it did not consume; problems are reported through `p.fail()`
 * and the parser then returns undefined.
 */
export interface ActionSpec {
  /** The keyword, or its prefix when `prefix` is set ('set-var' matches 'set-var(txn.x)'). */
  readonly name: string;
  readonly prefix?: boolean | undefined;
  /** ACT_FLAG_FINAL: stops evaluation of the rule set (accept, deny, return...). */
  readonly final?: boolean | undefined;
  /** true, or what the runtime waits for before acting on it ('lands with the HTTP engine'). */
  readonly enforced: true | string;
  /** haproxy's KWF_EXPERIMENTAL: needs `expose-experimental-directives` in global. */
  readonly experimental?: boolean | undefined;
  parse(p: RuleParser): ParsedAction | undefined;
}

/** A rule as stored in the model, before the proxy model's readonly view. */
export interface RuleDraft {
  place: Place;
  action: string;
  args: string[];
  expressions?: SampleExpression[] | undefined;
  formats?: LogFormat[] | undefined;
  data?: ActionData | undefined;
  final?: boolean | undefined;
}
