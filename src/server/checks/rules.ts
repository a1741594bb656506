/**
 * Check rules: every health check of haproxy 2.6 is a list of tcp-check
 * rules (src/tcpcheck.c). `option tcp-check` lets the user write them; the
 * other options (httpchk, ssl-hello-chk, smtpchk, mysql-check, ...) are
 * built-in rule sets; a plain `check` is a single implicit connect.
 *
 * Each rule has haproxy's index: rules are numbered in the order written
 * (comments and set-var rules included), an implicit connect inserted in
 * front keeps index 0, and messages say "step <index+1>" (step 0 for the
 * implicit connect, tcpcheck_get_step_id()).
 */
import { compileCheckExpr, compileCheckFormat, evalCheckFormat, evalCheckInt, type CheckFormat, type CheckFormatContext } from './check-format.js';
import type { CheckStatus } from './status.js';

/**
 * Which rule set this is (tcpcheck-t.h TCPCHK_RULES_*_CHK). Only a user's
 * `option tcp-check` ('tcp') gets the generic texts ("TCPCHK did not match
 * content...", "... at step 2 of tcp-check"); the protocol checks report
 * their own or none.
 */
export type RulesetKind = 'default' | 'tcp' | 'http' | 'ssl3' | 'smtp' | 'mysql' | 'pgsql' | 'redis' | 'ldap' | 'agent';

interface RuleBase {
  readonly index: number;
  /** `comment <text>`, or the text of a `tcp-check comment` line just above. */
  readonly comment?: string | undefined;
}

export interface ConnectRule extends RuleBase {
  readonly action: 'connect';
  /** Inserted because the rules did not start with a connect (TCPCHK_OPT_IMPLICIT). */
  readonly implicit: boolean;
  /** `default`: take port, address, TLS, PROXY protocol, SNI and ALPN from the server's check settings. */
  readonly useDefault: boolean;
  readonly port?: number | undefined;
  readonly addr?: string | undefined;
  readonly ssl: boolean;
  readonly sni?: string | undefined;
  readonly alpn?: string | undefined;
  readonly sendProxy: boolean;
  /** `port <expr>` when not a number (`var(check.port)`): evaluated at each connect, the rule's port otherwise. */
  readonly portExpr?: ReturnType<typeof compileCheckExpr>;
}

/** What a send rule may read to build its bytes. */
export interface SendContext extends CheckFormatContext {
  /** `http-check send-state`: the X-Haproxy-Server-State value. */
  serverState(): string;
}

export interface SendRule extends RuleBase {
  readonly action: 'send';
  /** True for HTTP requests: the response is read as HTTP. */
  readonly http: boolean;
  data(ctx: SendContext): Buffer;
}

/** The expect kinds, for messages (tcpcheck.c TCPCHK_EXPECT_*). */
export type ExpectKind =
  | 'string' | 'rstring' | 'binary' | 'rbinary' | 'string-lf' | 'binary-lf' | 'custom'
  | 'http-status' | 'http-rstatus' | 'http-header' | 'http-body' | 'http-rbody' | 'http-body-lf';

/** The verdict of an expect: go on, wait for more bytes, or stop the check with an outcome. */
export type ExpectVerdict =
  /** `reported`: the rule already reported a success itself (MySQL, LDAP: counted once more, see CheckOutcome.repeat). */
  | { readonly verdict: 'continue'; readonly reported?: boolean | undefined }
  | { readonly verdict: 'wait' }
  | { readonly verdict: 'stop'; readonly status: CheckStatus; readonly desc: string; readonly code?: number | undefined; readonly repeat?: number | undefined };

/** What an expect rule sees when it is evaluated. */
export interface ExpectContext extends CheckFormatContext {
  /** The connection is closed for reading (haproxy's last_read). */
  readonly lastRead: boolean;
  readonly kind: RulesetKind;
  /** The rule's step number for messages. */
  readonly step: number;
  /** Whether this is the last rule to run (MySQL uses it). */
  readonly isLast: boolean;
  /** check->code, as set by this run so far. */
  code: number;
  /** True when the backend has `http-check disable-on-404` and the server is not DOWN. */
  readonly disable404: boolean;
}

export interface ExpectRule extends RuleBase {
  readonly action: 'expect';
  readonly kind: ExpectKind;
  /** The pattern as written, for messages. */
  readonly pattern: string;
  readonly inverse: boolean;
  /** `min-recv`; -1 when unset. */
  readonly minRecv: number;
  readonly okStatus?: CheckStatus | undefined;
  readonly errStatus?: CheckStatus | undefined;
  readonly toutStatus?: CheckStatus | undefined;
  readonly onSuccess?: CheckFormat | undefined;
  readonly onError?: CheckFormat | undefined;
  readonly statusCode?: ReturnType<typeof compileCheckExpr>;
  /** Position in the rule list of the first expect of the run of expects this one belongs to (expect.head). */
  head: number;
  evaluate(ctx: ExpectContext): ExpectVerdict;
}

export interface CommentRule extends RuleBase {
  readonly action: 'comment';
}

/** `set-var(...)`, `set-var-fmt(...)`, `unset-var(...)` (check-vars.ts): run in order, they take a step number too. */
export interface ActionRule extends RuleBase {
  readonly action: 'action';
  readonly text: string;
  /** Sets or removes a variable of the run; absent for what has nothing to do. */
  readonly run?: ((vars: Map<string, string>, ctx: CheckFormatContext) => void) | undefined;
}

export type CheckRule = ConnectRule | SendRule | ExpectRule | CommentRule | ActionRule;

/** A rule set ready to run. */
export interface Ruleset {
  readonly kind: RulesetKind;
  readonly rules: readonly CheckRule[];
  /** Preset `check.*` variables (smtp_cmd, ...). */
  readonly vars: ReadonlyMap<string, string>;
}

/** The options every expect accepts (tcpcheck.c parse_tcpcheck_expect()). */
export interface ExpectOptions {
  comment?: string | undefined;
  minRecv?: number | undefined;
  okStatus?: CheckStatus | undefined;
  errStatus?: CheckStatus | undefined;
  toutStatus?: CheckStatus | undefined;
  onSuccess?: string | undefined;
  onError?: string | undefined;
  statusCode?: string | undefined;
}

/** Common fields of an expect rule from its options. */
export function expectBase(index: number, kind: ExpectKind, pattern: string, inverse: boolean, o: ExpectOptions): Omit<ExpectRule, 'evaluate'> {
  return {
    action: 'expect',
    index,
    comment: o.comment,
    kind,
    pattern,
    inverse,
    minRecv: o.minRecv ?? -1,
    okStatus: o.okStatus,
    errStatus: o.errStatus,
    toutStatus: o.toutStatus,
    onSuccess: o.onSuccess !== undefined ? compileCheckFormat(o.onSuccess) : undefined,
    onError: o.onError !== undefined ? compileCheckFormat(o.onError) : undefined,
    statusCode: o.statusCode !== undefined ? compileCheckExpr(o.statusCode) : undefined,
    head: -1,
  };
}

/**
 * tcpcheck.c tcpcheck_expect_onerror_message(): the info text of a failed
 * expect. `info` wins, then the rule's `on-error` format; the protocol checks
 * stop there, `option tcp-check` adds its generic text; the comment follows.
 * Also sets check->code from `status-code`.
 */
export function onErrorMessage(rule: ExpectRule, ctx: ExpectContext, match: boolean, info?: string): string {
  let msg = '';
  let generic = true;
  if (info !== undefined && info !== '') {
    msg = info;
    generic = false;
  } else if (rule.onError !== undefined) {
    msg = evalCheckFormat(rule.onError, ctx);
    generic = false;
  } else if (ctx.kind !== 'tcp') {
    generic = false;
  }
  if (generic) {
    msg = match ? 'TCPCHK matched unwanted content' : 'TCPCHK did not match content';
    const step = ctx.step;
    switch (rule.kind) {
      case 'http-status': msg += `(status codes) at step ${step}`; break;
      case 'string':
      case 'http-body': msg += ` '${rule.pattern}' at step ${step}`; break;
      case 'binary': msg += ` (binary) at step ${step}`; break;
      case 'rstring':
      case 'http-rstatus':
      case 'http-rbody': msg += ` (regex) at step ${step}`; break;
      case 'rbinary': msg += ` (binary regex) at step ${step}`; break;
      case 'string-lf':
      case 'http-body-lf': msg += ` (log-format string) at step ${step}`; break;
      case 'binary-lf': msg += ` (log-format binary) at step ${step}`; break;
      case 'custom': msg += ` (custom function) at step ${step}`; break;
      case 'http-header': msg += ` (header pattern) at step ${step}`; break;
    }
  }
  if (rule.comment !== undefined) msg += ` comment: ${rule.comment}`;
  if (rule.statusCode !== undefined) {
    const code = evalCheckInt(rule.statusCode, ctx);
    if (code !== undefined) ctx.code = code;
  }
  return msg;
}

/**
 * tcpcheck.c tcpcheck_expect_onsuccess_message(): `on-success` when given;
 * nothing for the protocol checks; "(tcp-check)" otherwise. Also sets
 * check->code from `status-code`.
 */
export function onSuccessMessage(rule: ExpectRule, ctx: ExpectContext): string {
  let msg: string;
  if (rule.onSuccess !== undefined) msg = evalCheckFormat(rule.onSuccess, ctx);
  else if (ctx.kind !== 'tcp') msg = '';
  else msg = '(tcp-check)';
  if (rule.statusCode !== undefined) {
    const code = evalCheckInt(rule.statusCode, ctx);
    if (code !== undefined) ctx.code = code;
  }
  return msg;
}

/** tools.c dump_binary(): upper-case hexadecimal, what `rbinary` patterns are matched against. */
export function dumpBinary(b: Buffer): string {
  return b.toString('hex').toUpperCase();
}

/** Parses an even-length hexadecimal string (`send-binary`, `expect binary`). */
export function parseHex(text: string): Buffer {
  return Buffer.from(text.length % 2 === 0 ? text : text.slice(0, -1), 'hex');
}

/** Compiles a PCRE-style pattern as a JavaScript RegExp (latin1 text, no flags). */
export function compileRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    // A pattern JavaScript cannot compile never matches (haproxy would have refused it at load time).
    return /(?!)/;
  }
}

/**
 * The plain tcp-check expects (tcpcheck.c tcpcheck_eval_expect()): string,
 * binary, rstring, rbinary and their log-format forms, with `!` and
 * `min-recv`.
 */
export function tcpExpect(index: number, kind: 'string' | 'rstring' | 'binary' | 'rbinary' | 'string-lf' | 'binary-lf', pattern: string, inverse: boolean, o: ExpectOptions): ExpectRule {
  const base = expectBase(index, kind, pattern, inverse, o);
  const bytes = kind === 'binary' ? parseHex(pattern) : Buffer.from(pattern, 'latin1');
  const re = kind === 'rstring' || kind === 'rbinary' ? compileRegex(pattern) : undefined;
  const fmt = kind === 'string-lf' || kind === 'binary-lf' ? compileCheckFormat(pattern) : undefined;
  const rule: ExpectRule = {
    ...base,
    evaluate(ctx) {
      const data = ctx.payload;
      let needle = bytes;
      if (fmt !== undefined) {
        const text = evalCheckFormat(fmt, ctx);
        needle = kind === 'binary-lf' ? parseHex(text) : Buffer.from(text, 'latin1');
      }
      // The current expect may need more data than the previous one.
      if (!ctx.lastRead) {
        if ((kind === 'string' || kind === 'binary') && data.length < needle.length) return { verdict: 'wait' };
        if (rule.minRecv > 0 && data.length < rule.minRecv) return { verdict: 'wait' };
      }
      let match: boolean;
      if (re !== undefined) match = re.test(kind === 'rbinary' ? dumpBinary(data) : data.toString('latin1'));
      else match = data.indexOf(needle) >= 0;
      // Without min-recv, a mismatch waits for more data until the connection ends.
      if (!match && !ctx.lastRead && rule.minRecv === -1) return { verdict: 'wait' };
      if (match !== rule.inverse) return { verdict: 'continue' };
      const desc = onErrorMessage(rule, ctx, match);
      return { verdict: 'stop', status: rule.errStatus ?? 'L7RSP', desc };
    },
  };
  return rule;
}

/** An expect with its own evaluation (tcpcheck.c TCPCHK_EXPECT_CUSTOM: MySQL, LDAP, agent). */
export function customExpect(index: number, o: ExpectOptions, evaluate: (rule: ExpectRule, ctx: ExpectContext) => ExpectVerdict): ExpectRule {
  const rule: ExpectRule = {
    ...expectBase(index, 'custom', '', false, o),
    evaluate: (ctx) => evaluate(rule, ctx),
  };
  return rule;
}

/** A send rule with fixed bytes. */
export function sendBytes(index: number, bytes: Buffer): SendRule {
  return { action: 'send', index, http: false, data: () => bytes };
}

/** A `connect default linger` rule, as the protocol checks start with. */
export function defaultConnect(index: number): ConnectRule {
  return { action: 'connect', index, implicit: false, useDefault: true, ssl: false, sendProxy: false };
}
