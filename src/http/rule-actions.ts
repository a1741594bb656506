/**
 * The HTTP actions of http-request / http-response / http-after-response
 * (haproxy 2.6 http_act.c, http_htx.c http_parse_http_reply(), http_rules.c
 * http_parse_redirect_rule(), cache.c, proxy.c set-timeout), one small parser
 * each, with haproxy's checks and messages (verified with `haproxy -c`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ActionSpec, FormatValue, HttpReplyData, ParsedAction, RedirectData } from './rule-model.js';
import { atoi, strtol, type RuleParser } from './rule-parser.js';
import { checkRegex } from './rule-regex.js';
import { parseSize, parseTime, reportTimeWarning } from '../config/units.js';
import type { LogFormat } from '../sample/log-format.js';
import { trackScNumber } from '../tcp/rule-actions.js';

export const WAITS_HTTP = 'lands with the HTTP engine';

/** http_htx.c http_err_codes[]: the statuses `default-errorfiles` may use. */
const DEFAULT_PAGE_STATUSES: readonly number[] = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];

/** tune.bufsize default: reply files larger than this are refused (http_htx.c). */
const BUFSIZE = 16384;

/** A format value, parsed; undefined when the parser already failed. */
function formatValue(p: RuleParser, text: string, formats: LogFormat[]): FormatValue | undefined {
  const format = p.logFormat(text);
  if (format === undefined) return undefined;
  formats.push(format);
  return { text, format };
}

function readSmallFile(path: string): { ok: true; data: string } | { ok: false; size?: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { ok: false };
  }
  try {
    const size = fstatSync(fd).size;
    if (size > BUFSIZE) return { ok: false, size };
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    return { ok: true, data: buf.toString('latin1') };
  } catch {
    return { ok: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * http_htx.c http_parse_http_reply(): `status`, `content-type`, one payload
 * among string/lf-string/file/lf-file/errorfile/errorfiles/default-errorfiles,
 * and `hdr <name> <fmt>` pairs. `words` may be a synthetic argument list (deny
 * in its legacy form) or the line itself from the cursor.
 */
export function parseHttpReply(p: RuleParser, words: readonly string[], start: number, defaultStatus: number): { reply: HttpReplyData; next: number; formats: LogFormat[] } | undefined {
  let i = start;
  let status = defaultStatus;
  let contentType: string | undefined;
  let payloadArg: string | undefined;
  let body: HttpReplyData['body'];
  let errorfiles: string | undefined;
  let objLen = 0;
  /** The log-format text of an lf-string / lf-file payload. */
  let lfText = '';
  const headers: { name: string; value: FormatValue }[] = [];
  const formats: LogFormat[] = [];
  const w = (k: number): string => words[k] ?? '';
  const already = (): boolean => payloadArg !== undefined;
  while (w(i) !== '') {
    const a = w(i);
    if (a === 'default-errorfiles' || a === 'errorfile' || a === 'errorfiles' || a === 'file' || a === 'lf-file' || a === 'string' || a === 'lf-string') {
      if (already()) return p.fail(`unexpected '${a}' argument, '${payloadArg!}' already defined`);
      payloadArg = a;
      i++;
      if (a === 'default-errorfiles') continue;
      const v = w(i);
      if (v === '') {
        const what = a === 'errorfile' ? '<fmt>' : a === 'errorfiles' ? '<name>' : a.endsWith('file') ? '<file>' : '<str>';
        return p.fail(`'${a}' expects ${what} as argument`);
      }
      if (a === 'errorfiles') errorfiles = v;
      else if (a === 'string' || a === 'lf-string') {
        body = { source: a, value: v };
        objLen = v.length;
        lfText = v;
      } else {
        const f = readSmallFile(v);
        if (!f.ok) {
          if (f.size !== undefined) return p.fail(`file '${v}' exceeds the buffer size (${f.size} > ${BUFSIZE})`);
          // http_load_errorfile() ends its own message with a dot, the caller adds another.
          return p.fail(a === 'errorfile' ? `error opening file '${v}'.` : `error opening file '${v}'`);
        }
        if (a === 'errorfile' && !/^HTTP\/1\.[01] [0-9]{3}[ \r\n]/.test(f.data)) {
          return p.fail(`'${v}': unable to parse headers (error offset: 0)`);
        }
        body = { source: a, value: v };
        objLen = f.data.length;
        lfText = f.data;
      }
      i++;
    } else if (a === 'status') {
      i++;
      if (w(i) === '') return p.fail(`'status' expects <status_code> as argument`);
      status = atoi(w(i));
      if (status < 200 || status > 599) return p.fail(`Unexpected status code '${status}'`);
      i++;
    } else if (a === 'content-type') {
      i++;
      if (w(i) === '') return p.fail(`'content-type' expects <ctype> as argument`);
      contentType = w(i);
      i++;
    } else if (a === 'hdr') {
      if (w(i + 1) === '' || w(i + 2) === '') return p.fail(`'hdr' expects <name> and <value> as arguments`);
      const name = w(i + 1);
      if (/^(content-length|transfer-encoding|content-type)$/i.test(name)) {
        p.ctx.warning('CFG_RULE_REPLY_HEADER_IGNORED', `header '${name}' always ignored by the http reply.`);
        i += 3;
        continue;
      }
      const value = formatValue(p, w(i + 2), formats);
      if (value === undefined) return undefined;
      headers.push({ name, value });
      i += 3;
    } else break;
  }

  // http_htx.c http_parse_http_reply(): default-errorfiles needs a status haproxy has a page for (error-pages.ts).
  if (payloadArg === 'default-errorfiles' && !DEFAULT_PAGE_STATUSES.includes(status)) {
    return p.fail(`status code '${status}' not handled by default with 'default-errorfiles' argument.`);
  }
  const raw = payloadArg === 'string' || payloadArg === 'file';
  const logfmt = payloadArg === 'lf-string' || payloadArg === 'lf-file';
  if (payloadArg === undefined) {
    if (contentType !== undefined) {
      p.ctx.warning('CFG_RULE_REPLY_CTYPE_IGNORED', `content-type '${contentType}' ignored by the http reply because neither errorfile nor payload defined.`);
      contentType = undefined;
    }
  } else if (!raw && !logfmt) {
    // http_htx.c keeps haproxy's own spelling "erorrfile" in these two warnings.
    if (contentType !== undefined) {
      p.ctx.warning('CFG_RULE_REPLY_CTYPE_IGNORED', `content-type '${contentType}' ignored by the http reply when used with an erorrfile.`);
      contentType = undefined;
    }
    if (headers.length > 0) {
      p.ctx.warning('CFG_RULE_REPLY_HDR_IGNORED', 'hdr parameters ignored by the http reply when used with an erorrfile.');
      headers.length = 0;
    }
  } else if (raw) {
    if ((status === 204 || status === 304) && objLen > 0) return p.fail(`No body expected for ${status} responses`);
    if (contentType === undefined && objLen > 0) return p.fail('a content type must be defined when non-empty payload is configured');
    if (contentType !== undefined && objLen === 0) {
      p.ctx.warning('CFG_RULE_REPLY_CTYPE_IGNORED', `content-type '${contentType}' ignored by the http reply when used with an empty payload.`);
      contentType = undefined;
    }
  } else {
    if (status === 204 || status === 304) return p.fail(`No body expected for ${status} responses`);
    if (contentType === undefined) return p.fail('a content type must be defined with a log-format payload');
    const format = p.logFormat(lfText);
    if (format === undefined) return undefined;
    formats.push(format);
    if (body !== undefined) body = { ...body, format };
  }
  const reply: HttpReplyData = { kind: 'reply', status, contentType, body, errorfiles, headers, defaultErrorfiles: payloadArg === 'default-errorfiles' };
  return { reply, next: i, formats };
}

/** deny / tarpit (http_act.c parse_http_deny()), with the legacy `deny_status` form. */
function parseDeny(p: RuleParser): ParsedAction | undefined {
  const isTarpit = p.actionWord === 'tarpit';
  const defaultStatus = p.ruleset === 'http-request' ? (isTarpit ? 500 : 403) : 502;
  let r: ReturnType<typeof parseHttpReply>;
  if (p.endsAt()) {
    r = parseHttpReply(p, ['default-errorfiles', ''], 0, defaultStatus);
    if (r === undefined) return undefined;
  } else if (p.arg() === 'deny_status' && p.endsAt(2)) {
    r = parseHttpReply(p, ['status', p.arg(1), 'default-errorfiles', ''], 0, defaultStatus);
    if (r === undefined) return undefined;
    p.pos += 2;
  } else {
    const words = [...p.words];
    if (words[p.pos] === 'deny_status') words[p.pos] = 'status';
    r = parseHttpReply(p, words, p.pos, defaultStatus);
    if (r === undefined) return undefined;
    p.pos = r.next;
  }
  return { data: r.reply, formats: r.formats, final: true };
}

/**
 * http_rules.c http_parse_redirect_rule(): shared by `http-request redirect`,
 * `http-response redirect` (`dir` 1) and the `redirect` keyword (`useFormat`
 * false: the target is a plain string). Stops at `if`/`unless` and returns its
 * index so the caller parses the condition ("error in condition: ...").
 */
export function parseRedirect(
  p: RuleParser,
  words: readonly string[],
  start: number,
  useFormat: boolean,
  response: boolean,
): { data: RedirectData; formats: LogFormat[]; condAt?: number | undefined } | undefined {
  let type: RedirectData['type'] | undefined;
  let destination = '';
  let code = 302;
  let cookie: string | undefined;
  let cookieSet = false;
  let dropQuery = false;
  let appendSlash = false;
  let ignoreEmpty = false;
  let condAt: number | undefined;
  const w = (k: number): string => words[k] ?? '';
  for (let i = start; w(i) !== ''; i++) {
    const a = w(i);
    if (a === 'location' || a === 'prefix' || a === 'scheme' || a === 'set-cookie' || a === 'clear-cookie' || a === 'code') {
      if (w(i + 1) === '') return p.fail(`missing argument for '${a}'`);
      i++;
      if (a === 'code') {
        code = atoi(w(i));
        if (code < 301 || code > 308 || (code > 303 && code < 307)) {
          return p.fail(`'code': unsupported HTTP code '${w(i)}' (must be one of 301, 302, 303, 307 or 308)`);
        }
      } else if (a === 'set-cookie' || a === 'clear-cookie') {
        cookie = w(i);
        cookieSet = a === 'set-cookie';
      } else {
        type = a;
        destination = w(i);
      }
    } else if (a === 'drop-query') dropQuery = true;
    else if (a === 'append-slash') appendSlash = true;
    else if (a === 'ignore-empty') ignoreEmpty = true;
    else if (a === 'if' || a === 'unless') {
      condAt = i;
      break;
    } else {
      return p.fail(`expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '${a}')`);
    }
  }
  if (type === undefined) return p.fail("redirection type expected ('prefix', 'location', or 'scheme')");
  if (response && type !== 'location') return p.fail("response only supports redirect type 'location'");
  const formats: LogFormat[] = [];
  let target: FormatValue = { text: destination };
  // "prefix /" adds nothing, so it is not parsed as a format (http_rules.c).
  if (useFormat && (type !== 'prefix' || destination !== '/')) {
    const v = formatValue(p, destination, formats);
    if (v === undefined) return undefined;
    target = v;
  }
  const data: RedirectData = {
    kind: 'redirect', type, target, code, dropQuery, appendSlash, ignoreEmpty,
    setCookie: cookie !== undefined && cookieSet ? cookie : undefined,
    clearCookie: cookie !== undefined && !cookieSet ? cookie : undefined,
  };
  return { data, formats, condAt };
}

/** set-header / add-header / early-hint: <name> <fmt>. */
function parseSetHeader(p: RuleParser): ParsedAction | undefined {
  if (p.arg() === '' || p.arg(1) === '') return p.fail('expects exactly 2 arguments');
  const name = p.arg();
  const formats: LogFormat[] = [];
  const value = formatValue(p, p.arg(1), formats);
  if (value === undefined) return undefined;
  p.pos += 2;
  return { data: { kind: 'header', name, value }, formats };
}

/** replace-header / replace-value: <name> <regex> <fmt>. */
function parseReplaceHeader(p: RuleParser): ParsedAction | undefined {
  if (p.arg() === '' || p.arg(1) === '' || p.arg(2) === '') return p.fail('expects exactly 3 arguments');
  const name = p.arg();
  const regex = p.arg(1);
  const bad = checkRegex(regex);
  if (bad !== undefined) return p.fail(bad);
  const formats: LogFormat[] = [];
  const value = formatValue(p, p.arg(2), formats);
  if (value === undefined) return undefined;
  p.pos += 3;
  return { data: { kind: 'header', name, regex, value }, formats };
}

/** replace-uri / replace-path / replace-pathq: <regex> <fmt>. */
function parseReplaceUri(p: RuleParser): ParsedAction | undefined {
  if (p.arg() === '' || p.arg(1) === '' || !p.endsAt(2)) return p.fail('expects exactly 2 arguments <match-regex> and <replace-format>');
  const regex = p.arg();
  const bad = checkRegex(regex);
  if (bad !== undefined) return p.fail(`failed to parse the regex : ${bad}`);
  const formats: LogFormat[] = [];
  const value = formatValue(p, p.arg(1), formats);
  if (value === undefined) return undefined;
  p.pos += 2;
  return { data: { kind: 'header', name: '', regex, value }, formats };
}

/** set-method / set-path / set-pathq / set-query / set-uri: exactly one <fmt>. */
function parseSetLine(p: RuleParser): ParsedAction | undefined {
  if (p.arg() === '' || !p.endsAt(1)) return p.fail('expects exactly 1 argument <format>');
  const formats: LogFormat[] = [];
  const value = formatValue(p, p.arg(), formats);
  if (value === undefined) return undefined;
  p.pos++;
  return { data: { kind: 'header', name: '', value }, formats };
}

/** add-acl(<file>) <key>, del-acl(<file>) <key>, del-map(<file>) <key>, set-map(<file>) <key> <value>. */
function parseMapAction(p: RuleParser): ParsedAction | undefined {
  const word = p.actionWord;
  const isSetMap = word.startsWith('set-map');
  if (p.arg() === '' || (isSetMap && p.arg(1) === '')) return p.fail(`expects exactly ${isSetMap ? 2 : 1} arguments`);
  // http_act.c keeps what is between "<kw>(" and the last character as the file name.
  const file = word.slice(8, word.length - 1);
  const formats: LogFormat[] = [];
  const key = formatValue(p, p.arg(), formats);
  if (key === undefined) return undefined;
  let value: FormatValue | undefined;
  if (isSetMap) {
    value = formatValue(p, p.arg(1), formats);
    if (value === undefined) return undefined;
    p.pos++;
  }
  p.pos++;
  return { data: { kind: 'settings', values: { file, key: key.text, value: value?.text } }, formats };
}

/** http-request capture <expr> [len <n> | id <idx>] and http-response/after-response capture <expr> id <idx>. */
function parseCapture(p: RuleParser): ParsedAction | undefined {
  const request = p.ruleset === 'http-request';
  const usage = request ? "expects <expression> [ 'len' <length> | id <idx> ]" : 'expects <expression> id <idx>';
  for (let k = 0; k < 3; k++) if (p.endsAt(k)) return p.fail(usage);
  const expr = p.expression();
  if (expr === undefined) return undefined;
  const kw = p.arg();
  if (kw === '') return p.fail(request ? "expects 'len or 'id'" : "expects 'id'");
  if (request && kw === 'len') {
    p.pos++;
    if (!p.proxy.cap.frontend) return p.fail(`proxy '${p.proxy.name}' has no frontend capability`);
    const len = atoi(p.arg());
    if (len <= 0) return p.fail('length must be > 0');
    p.pos++;
    return { data: { kind: 'settings', values: { len } }, expressions: [expr] };
  }
  if (kw !== 'id') return p.fail(request ? `expects 'len' or 'id', found '${kw}'` : `expects 'id', found '${kw}'`);
  p.pos++;
  const n = strtol(p.arg());
  if (n.rest !== '') return p.fail(`cannot parse id '${p.arg()}'`);
  p.pos++;
  return { data: { kind: 'settings', values: { id: n.value } }, expressions: [expr] };
}

const NORMALIZERS_WITH_OPTION: Record<string, string> = {
  'path-strip-dotdot': 'full',
  'percent-decode-unreserved': 'strict',
  'percent-to-uppercase': 'strict',
};
const NORMALIZERS = ['path-merge-slashes', 'path-strip-dot', 'query-sort-by-name', 'fragment-strip', 'fragment-encode'];

/** HTTP actions by name; which rule sets list them is in rule-keywords.ts. */
export const httpActions: Record<string, ActionSpec> = {
  allow: { name: 'allow', final: true, enforced: true, parse: () => ({}) },
  deny: { name: 'deny', final: true, enforced: true, parse: parseDeny },
  tarpit: { name: 'tarpit', final: true, enforced: true, parse: parseDeny },
  reject: { name: 'reject', final: true, enforced: true, parse: () => ({}) },
  'disable-l7-retry': { name: 'disable-l7-retry', enforced: true, parse: () => ({}) },
  'wait-for-handshake': { name: 'wait-for-handshake', enforced: 'lands with TLS', parse: () => ({}) },
  auth: {
    name: 'auth',
    final: true,
    enforced: true,
    parse(p) {
      let realm: string | undefined;
      if (p.arg() === 'realm') {
        p.pos++;
        if (p.arg() === '') return p.fail('missing realm value.\n');
        realm = p.arg();
        p.pos++;
      }
      return { data: { kind: 'settings', values: { realm } } };
    },
  },
  return: {
    name: 'return',
    final: true,
    enforced: true,
    parse(p) {
      const r = parseHttpReply(p, p.words, p.pos, 200);
      if (r === undefined) return undefined;
      p.pos = r.next;
      return { data: r.reply, formats: r.formats };
    },
  },
  redirect: {
    name: 'redirect',
    final: true,
    enforced: true,
    parse(p) {
      const r = parseRedirect(p, p.words, p.pos, true, p.ruleset !== 'http-request');
      if (r === undefined) return undefined;
      // The condition belongs to the redirect parser; the rule set parses it at condAt.
      p.pos = r.condAt ?? p.words.length;
      return { data: r.data, formats: r.formats, final: !r.data.ignoreEmpty };
    },
  },
  'add-header': { name: 'add-header', enforced: true, parse: parseSetHeader },
  'set-header': { name: 'set-header', enforced: true, parse: parseSetHeader },
  'early-hint': { name: 'early-hint', enforced: true, parse: parseSetHeader },
  'del-header': {
    name: 'del-header',
    enforced: true,
    parse(p) {
      const name = p.arg();
      if (name === '') return p.fail('expects at least 1 argument');
      let match: 'str' | 'beg' | 'end' | 'sub' | 'reg' = 'str';
      if (p.arg(1) === '-m') {
        p.pos++;
        if (p.arg(1) === '') return p.fail('-m flag expects exactly 1 argument');
        p.pos++;
        const m = p.arg();
        if (m !== 'str' && m !== 'beg' && m !== 'end' && m !== 'sub' && m !== 'reg') return p.fail(`-m with unsupported matching method '${m}'`);
        if (m === 'reg') {
          const bad = checkRegex(name);
          if (bad !== undefined) return p.fail(bad);
        }
        match = m;
      }
      p.pos++;
      return { data: { kind: 'header', name, match } };
    },
  },
  'replace-header': { name: 'replace-header', enforced: true, parse: parseReplaceHeader },
  'replace-value': { name: 'replace-value', enforced: true, parse: parseReplaceHeader },
  'replace-uri': { name: 'replace-uri', enforced: true, parse: parseReplaceUri },
  'replace-path': { name: 'replace-path', enforced: true, parse: parseReplaceUri },
  'replace-pathq': { name: 'replace-pathq', enforced: true, parse: parseReplaceUri },
  'set-method': { name: 'set-method', enforced: true, parse: parseSetLine },
  'set-path': { name: 'set-path', enforced: true, parse: parseSetLine },
  'set-pathq': { name: 'set-pathq', enforced: true, parse: parseSetLine },
  'set-query': { name: 'set-query', enforced: true, parse: parseSetLine },
  'set-uri': { name: 'set-uri', enforced: true, parse: parseSetLine },
  'set-status': {
    name: 'set-status',
    enforced: true,
    parse(p) {
      if (p.arg() === '') return p.fail('expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>');
      const n = strtol(p.arg());
      if (n.rest !== '' || n.value < 100 || n.value > 999) return p.fail('expects an integer status code between 100 and 999');
      p.pos++;
      let reason: string | undefined;
      if (p.arg() === 'reason' && !p.endsAt(1)) {
        reason = p.arg(1);
        p.pos += 2;
      }
      return { data: { kind: 'settings', values: { status: n.value, reason } } };
    },
  },
  'add-acl': { name: 'add-acl', prefix: true, enforced: true, parse: parseMapAction },
  'del-acl': { name: 'del-acl', prefix: true, enforced: true, parse: parseMapAction },
  'del-map': { name: 'del-map', prefix: true, enforced: true, parse: parseMapAction },
  'set-map': { name: 'set-map', prefix: true, enforced: true, parse: parseMapAction },
  capture: { name: 'capture', enforced: true, parse: parseCapture },
  'track-sc': {
    name: 'track-sc',
    prefix: true,
    enforced: 'lands with stick tables',
    parse(p) {
      const num = trackScNumber(p.actionWord.slice(8));
      if (typeof num === 'string') return p.fail(num);
      const expr = p.expression();
      if (expr === undefined) return undefined;
      let table: string | undefined;
      if (p.arg() === 'table') {
        p.pos++;
        if (p.arg() === '') return p.fail('missing table name');
        table = p.arg();
        p.pos++;
      }
      return { data: { kind: 'counter', sc: num, table }, expressions: [expr] };
    },
  },
  'cache-use': { name: 'cache-use', enforced: 'lands with the cache', parse: parseCacheName },
  'cache-store': { name: 'cache-store', enforced: 'lands with the cache', parse: parseCacheName },
  'set-timeout': {
    name: 'set-timeout',
    enforced: true,
    parse(p) {
      if (p.arg() === '' || p.arg(1) === '') return p.fail('expects exactly 2 arguments');
      if (!p.proxy.cap.backend) return p.fail(`proxy '${p.proxy.name}' has no backend capability`);
      const which = p.arg();
      if (which !== 'server' && which !== 'tunnel') return p.fail(`'set-timeout' rule supports 'server'/'tunnel' (got '${which}')`);
      const text = p.arg(1);
      const t = parseTime(text);
      reportTimeWarning(p.ctx, t);
      let value: number | undefined;
      const expressions = [];
      if (t.ok) {
        if (t.value === 0) return p.fail(`null value is not valid for a 'set-timeout ${which}' rule`);
        value = t.value;
      } else if (t.overflow === true) {
        return p.fail(`timer overflow in argument '${text}' to rule 'set-timeout ${which}' (maximum value is 2147483647 ms or ~24.8 days)`);
      } else if (t.underflow === true) {
        return p.fail(`timer underflow in argument '${text}' to rule 'set-timeout ${which}' (minimum value is 1 ms)`);
      } else {
        const save = p.pos;
        p.pos = save + 1;
        const r = p.tryExpression();
        p.pos = save;
        if (!r.ok) return p.fail(`unexpected character '${t.badChar ?? text[0] ?? ''}' in rule 'set-timeout ${which}'`);
        expressions.push(r.expr);
      }
      p.pos += 2;
      return { data: { kind: 'settings', values: { timeout: which, value } }, expressions };
    },
  },
  'wait-for-body': {
    name: 'wait-for-body',
    // Enforced in http-request rules (stream.ts waitForBody()) and http-response rules (stream-res-wait.ts).
    enforced: true,
    parse(p) {
      const usage = 'expects time <time> [ at-least <bytes> ]';
      if (p.arg() === '') return p.fail(usage);
      let time: number | undefined;
      let bytes = 0;
      for (;;) {
        const a = p.arg();
        if (a !== 'time' && a !== 'at-least') break;
        const v = p.arg(1);
        if (v === '') return p.fail(`missing argument for '${a}'`);
        if (a === 'time') {
          const t = parseTime(v);
          reportTimeWarning(p.ctx, t);
          if (!t.ok) {
            if (t.overflow === true) return p.fail('time overflow (maximum value is 2147483647 ms or ~24.8 days)');
            if (t.underflow === true) return p.fail('time underflow (minimum non-null value is 1 ms)');
            return p.fail(`unexpected character '${t.badChar ?? ''}'`);
          }
          time = t.value;
        } else {
          const s = parseSize(v);
          if (!s.ok) return p.fail(`unexpected character '${s.badChar ?? ''}'`);
          bytes = s.value;
        }
        p.pos += 2;
      }
      if (time === undefined) return p.fail(usage);
      return { data: { kind: 'settings', values: { time, bytes } } };
    },
  },
  'strict-mode': {
    name: 'strict-mode',
    enforced: true,
    parse(p) {
      const v = p.arg();
      if (v === '') return p.fail('expects exactly 1 arguments');
      const lower = v.toLowerCase();
      if (lower !== 'on' && lower !== 'off') return p.fail(`Unexpected value '${v}'. Only 'on' and 'off' are supported`);
      p.pos++;
      return { data: { kind: 'settings', values: { strict: lower === 'on' } } };
    },
  },
  'normalize-uri': {
    name: 'normalize-uri',
    experimental: true,
    enforced: true,
    parse(p) {
      const n = p.arg();
      if (n === '') return p.fail('missing argument <normalizer>');
      let option: string | undefined;
      if (NORMALIZERS.includes(n)) p.pos++;
      else if (NORMALIZERS_WITH_OPTION[n] !== undefined) {
        p.pos++;
        const opt = p.arg();
        if (opt === NORMALIZERS_WITH_OPTION[n]) {
          option = opt;
          p.pos++;
        } else if (!p.endsAt()) return p.fail(`unknown argument '${opt}' for '${n}' normalizer`);
      } else return p.fail(`unknown normalizer '${n}'`);
      return { data: { kind: 'settings', values: { normalizer: n, option } } };
    },
  },
};

function parseCacheName(p: RuleParser): ParsedAction | undefined {
  if (p.arg() === '') return p.fail('expects a cache name');
  const cache = p.arg();
  p.pos++;
  return { data: { kind: 'settings', values: { cache } } };
}
