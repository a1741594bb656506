/**
 * `option httpchk [<method> <uri> [<version>]]` with `http-check send`,
 * `http-check expect`, `http-check disable-on-404` and `http-check
 * send-state` (configuration.txt §4.2), as haproxy 2.6 runs them
 * (src/tcpcheck.c: tcpcheck_eval_send() for HTTP, tcpcheck_eval_expect_http()).
 *
 * What is sent, verified against haproxy 2.6 with a recording server:
 *
 *   OPTIONS / HTTP/1.0\r\n\r\n                         (option httpchk)
 *   GET /health HTTP/1.1\r\nconnection: close\r\n\r\n   (option httpchk GET /health HTTP/1.1)
 *   POST /chk HTTP/1.1\r\nhost: example.com\r\nx-haproxy-server-state: UP 1/3; address=...\r\n
 *     content-length: 5\r\nconnection: close\r\n\r\nhello
 *
 * Header names are written in lower case; a Connection header from the user
 * only decides whether `connection: close` is added (HTTP/1.1 without
 * keep-alive). Without `http-check expect`, any 2xx or 3xx passes. Failures:
 *
 *   Layer7 wrong status, code: 503, info: "Service Unavailable"      (status, rstatus, hdr)
 *   Layer7 invalid response, info: "HTTP content check did not match" (string, rstring)
 *   Layer7 invalid response                                           (not HTTP, or closed early)
 *
 * The response reader is minimal: status line, headers, and a body framed by
 * Content-Length, chunked encoding or the end of the connection, kept up to
 * 16 kB (haproxy reads one buffer).
 */
import type { Directive } from '../../config/model/common.js';
import { compileCheckFormat, evalCheckFormat } from './check-format.js';
import { compileRegex, expectBase, onErrorMessage, type CheckRule, type ExpectOptions, type ExpectRule, type Ruleset, type SendRule } from './rules.js';
import { linkExpectHeads, parseConnect, readExpectOptions, splitMatch, withImplicitConnect } from './tcp-check.js';
import { varActionRule } from './check-vars.js';

/** tune.bufsize: how much of a response body the check looks at. */
const BODY_LIMIT = 16384;

/** A parsed HTTP/1.x response head and what arrived of its body. */
export interface CheckResponse {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** The whole body arrived (or the framing says there is none). */
  readonly complete: boolean;
}

export type ParseResult = { readonly state: 'incomplete' } | { readonly state: 'error' } | { readonly state: 'ok'; readonly res: CheckResponse };

const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?$/;

/** Reads a response from the bytes received so far; `eos` means no more will come. */
export function parseCheckResponse(buf: Buffer, eos: boolean): ParseResult {
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at, 'latin1');
    const lfEnd = buf.indexOf('\n\n', at, 'latin1');
    let headEnd: number;
    let sepLen: number;
    if (end >= 0 && (lfEnd < 0 || end < lfEnd)) { headEnd = end; sepLen = 4; }
    else if (lfEnd >= 0) { headEnd = lfEnd; sepLen = 2; }
    else {
      if (buf.length - at > BODY_LIMIT) return { state: 'error' };
      return eos ? { state: 'error' } : { state: 'incomplete' };
    }
    const lines = buf.toString('latin1', at, headEnd).split(/\r?\n/);
    const m = STATUS_LINE.exec(lines[0] ?? '');
    if (m === null) return { state: 'error' };
    const status = Number(m[3]);
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) return { state: 'error' };
      headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
    }
    const bodyStart = headEnd + sepLen;
    // 1xx interim responses are skipped (the h1 mux does so for checks).
    if (status >= 100 && status < 200) {
      at = bodyStart;
      continue;
    }
    const res = readBody(buf.subarray(bodyStart), headers, status, eos);
    return { state: 'ok', res: { version: `HTTP/${m[1]}.${m[2]}`, status, reason: m[4] ?? '', headers, ...res } };
  }
}

function readBody(rest: Buffer, headers: ReadonlyArray<readonly [string, string]>, status: number, eos: boolean): { body: Buffer; complete: boolean } {
  if (status === 204 || status === 304) return { body: Buffer.alloc(0), complete: true };
  const te = headers.find(([n]) => n === 'transfer-encoding')?.[1].toLowerCase() ?? '';
  if (te.includes('chunked')) return readChunked(rest, eos);
  const cl = headers.find(([n]) => n === 'content-length')?.[1];
  if (cl !== undefined && /^\d+$/.test(cl)) {
    const len = Number(cl);
    const body = rest.subarray(0, Math.min(len, BODY_LIMIT));
    return { body, complete: rest.length >= len || body.length >= BODY_LIMIT };
  }
  return { body: rest.subarray(0, BODY_LIMIT), complete: eos || rest.length >= BODY_LIMIT };
}

function readChunked(rest: Buffer, eos: boolean): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let size = 0;
  let at = 0;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) break;
    const n = parseInt(rest.toString('latin1', at, lineEnd).split(';')[0] ?? '', 16);
    if (!Number.isFinite(n)) break;
    if (n === 0) return { body: Buffer.concat(parts), complete: true };
    const data = rest.subarray(lineEnd + 2, Math.min(rest.length, lineEnd + 2 + n));
    parts.push(data);
    size += data.length;
    if (data.length < n || size >= BODY_LIMIT) break;
    at = lineEnd + 2 + n + 2;
  }
  return { body: Buffer.concat(parts).subarray(0, BODY_LIMIT), complete: eos || size >= BODY_LIMIT };
}

/** `http-check send` fields (and those of `option httpchk`). */
interface HttpRequestSpec {
  meth?: string | undefined;
  uri?: string | undefined;
  ver?: string | undefined;
  headers: Array<[string, string]>;
  body?: string | undefined;
  bodyLf?: boolean | undefined;
  comment?: string | undefined;
}

/** configuration.txt §4.2 "option httpchk": <uri> alone, or <method> <uri> [<version>]. */
function fromOption(args: readonly string[]): HttpRequestSpec {
  const spec: HttpRequestSpec = { headers: [] };
  if (args.length === 1) spec.uri = args[0];
  else if (args.length >= 2) {
    spec.meth = args[0];
    spec.uri = args[1];
    let ver = args[2];
    // Deprecated: headers hidden after the version ("HTTP/1.1\r\nHost:\ www").
    if (ver !== undefined && ver.includes('\n')) {
      const [first = '', ...more] = ver.split(/\r?\n/);
      ver = first;
      for (const line of more) {
        const colon = line.indexOf(':');
        if (colon > 0) spec.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
      }
    }
    spec.ver = ver;
  }
  return spec;
}

function fromSendLine(words: readonly string[]): HttpRequestSpec {
  const spec: HttpRequestSpec = { headers: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    switch (w) {
      case 'meth': spec.meth = v; i++; break;
      case 'uri': case 'uri-lf': spec.uri = v; i++; break;
      case 'ver': spec.ver = v; i++; break;
      case 'hdr': spec.headers.push([v ?? '', words[i + 2] ?? '']); i += 2; break;
      case 'body': spec.body = v; spec.bodyLf = false; i++; break;
      case 'body-lf': spec.body = v; spec.bodyLf = true; i++; break;
      case 'comment': spec.comment = v; i++; break;
      default: break;
    }
  }
  return spec;
}

/** tcpcheck.c tcpcheck_overwrite_send_http_rule(): a later `http-check send` completes the option's request. */
function merge(base: HttpRequestSpec, over: HttpRequestSpec): HttpRequestSpec {
  return {
    meth: over.meth ?? base.meth,
    uri: over.uri ?? base.uri,
    ver: over.ver ?? base.ver,
    headers: [...base.headers, ...over.headers],
    body: over.body ?? base.body,
    bodyLf: over.body !== undefined ? over.bodyLf : base.bodyLf,
    comment: over.comment ?? base.comment,
  };
}

/** Builds the send rule writing the request bytes. */
function sendRule(index: number, spec: HttpRequestSpec, sendState: boolean): SendRule {
  const meth = spec.meth ?? 'OPTIONS';
  const uri = spec.uri ?? '/';
  const ver = spec.ver ?? 'HTTP/1.0';
  const headers = spec.headers.map(([n, v]) => [n, compileCheckFormat(v)] as const);
  const body = spec.body === undefined ? undefined : spec.bodyLf === true ? compileCheckFormat(spec.body) : spec.body;
  const v11 = /^HTTP\/(1\.[1-9]|[2-9])/i.test(ver);
  return {
    action: 'send', index, comment: spec.comment, http: true,
    data(ctx) {
      let head = `${meth} ${uri} ${ver}\r\n`;
      let keepAlive = false;
      let close = false;
      for (const [name, fmt] of headers) {
        const value = evalCheckFormat(fmt, ctx);
        if (name.toLowerCase() === 'connection') {
          // The h1 mux turns the Connection header into flags and writes its own.
          if (/keep-alive/i.test(value)) keepAlive = true;
          if (/close/i.test(value)) close = true;
          continue;
        }
        head += `${name.toLowerCase()}: ${value}\r\n`;
      }
      if (sendState) head += `x-haproxy-server-state: ${ctx.serverState()}\r\n`;
      const bodyText = body === undefined ? '' : typeof body === 'string' ? body : evalCheckFormat(body, ctx);
      if (bodyText !== '') head += `content-length: ${Buffer.byteLength(bodyText, 'latin1')}\r\n`;
      if (v11 && !keepAlive) head += 'connection: close\r\n';
      else if (!v11 && keepAlive && !close) head += 'connection: keep-alive\r\n';
      return Buffer.from(`${head}\r\n${bodyText}`, 'latin1');
    },
  };
}

/** `status 200,302-399`: code ranges. */
function parseCodes(text: string): Array<[number, number]> {
  return text.split(',').map((part) => {
    const [lo = '', hi] = part.split('-');
    return [Number(lo), Number(hi ?? lo)] as [number, number];
  });
}

type Meth = 'str' | 'beg' | 'end' | 'sub' | 'reg';

function matcher(meth: Meth, pattern: string): (v: string) => boolean {
  switch (meth) {
    case 'beg': return (v) => v.startsWith(pattern);
    case 'end': return (v) => v.endsWith(pattern);
    case 'sub': return (v) => v.includes(pattern);
    case 'reg': { const re = compileRegex(pattern); return (v) => re.test(v); }
    default: return (v) => v === pattern;
  }
}

/** `hdr|fhdr name [-m meth] <name> [value [-m meth] <value>] [full]`. */
function headerMatcher(fhdr: boolean, args: readonly string[]): (res: CheckResponse) => boolean {
  let i = 0;
  const take = (): { meth: Meth; pattern: string } => {
    let meth: Meth = 'str';
    if (args[i] === '-m') {
      meth = (args[i + 1] ?? 'str') as Meth;
      i += 2;
    }
    const pattern = args[i] ?? '';
    i++;
    return { meth, pattern };
  };
  let name = { meth: 'str' as Meth, pattern: '' };
  let value: { meth: Meth; pattern: string } | undefined;
  let full = fhdr;
  while (i < args.length) {
    const w = args[i];
    i++;
    if (w === 'name') name = take();
    else if (w === 'value') value = take();
    else if (w === 'full') full = true;
  }
  const nameOk = name.meth === 'reg'
    ? ((re) => (n: string) => re.test(n))(new RegExp(name.pattern, 'i'))
    : matcher(name.meth, name.pattern.toLowerCase());
  const valueOk = value === undefined ? undefined : matcher(value.meth, value.pattern);
  return (res) => {
    for (const [n, v] of res.headers) {
      if (!nameOk(n)) continue;
      if (valueOk === undefined) return true;
      const values = full ? [v] : v.split(',').map((x) => x.trim());
      if (values.some(valueOk)) return true;
    }
    return false;
  };
}

/** tcpcheck.c tcpcheck_eval_expect_http(). */
export function httpExpect(index: number, words: readonly string[]): ExpectRule {
  const o: ExpectOptions = {};
  const { inverse, match, args } = splitMatch(readExpectOptions(words, o));
  const pattern = args[0] ?? '';
  const kind = match === 'status' ? 'http-status' : match === 'rstatus' ? 'http-rstatus'
    : match === 'hdr' || match === 'fhdr' ? 'http-header'
      : match === 'rstring' ? 'http-rbody' : match === 'string-lf' ? 'http-body-lf' : 'http-body';
  const codes = kind === 'http-status' ? parseCodes(pattern) : [];
  const re = kind === 'http-rstatus' || kind === 'http-rbody' ? compileRegex(pattern) : undefined;
  const hdr = kind === 'http-header' ? headerMatcher(match === 'fhdr', args) : undefined;
  const bodyFmt = kind === 'http-body-lf' ? compileCheckFormat(pattern) : undefined;
  const base = expectBase(index, kind, pattern, inverse, o);
  const rule: ExpectRule = {
    ...base,
    evaluate(ctx) {
      const parsed = parseCheckResponse(ctx.payload, ctx.lastRead);
      if (parsed.state === 'incomplete') return { verdict: 'wait' };
      if (parsed.state === 'error') return { verdict: 'stop', status: 'L7RSP', desc: onErrorMessage(rule, ctx, false) };
      const res = parsed.res;
      ctx.code = res.status;
      // 404 may be accepted as "stopping" only if the server was up.
      if (ctx.disable404 && res.status === 404) return { verdict: 'continue' };
      let match = false;
      let status = rule.errStatus;
      let desc = '';
      const lastRead = ctx.lastRead || res.complete;
      switch (kind) {
        case 'http-status':
          match = codes.some(([lo, hi]) => res.status >= lo && res.status <= hi);
          status ??= 'L7STS';
          desc = res.reason;
          break;
        case 'http-rstatus':
          match = re!.test(String(res.status));
          status ??= 'L7STS';
          desc = res.reason;
          break;
        case 'http-header':
          match = hdr!(res);
          status ??= 'L7STS';
          // haproxy 2.6 reports the reason phrase here too (verified: `info: "OK"`).
          desc = res.reason;
          break;
        default: {
          const body = res.body;
          if (body.length === 0) {
            if (!lastRead) return { verdict: 'wait' };
            return { verdict: 'stop', status: status ?? 'L7RSP', desc: onErrorMessage(rule, ctx, false, rule.onError === undefined ? 'HTTP content check could not find a response body' : '') };
          }
          const needle = bodyFmt !== undefined ? evalCheckFormat(bodyFmt, ctx) : pattern;
          if (!lastRead && ((kind !== 'http-rbody' && body.length < needle.length) || (rule.minRecv > 0 && body.length < rule.minRecv))) {
            return { verdict: 'wait' };
          }
          match = re !== undefined ? re.test(body.toString('latin1')) : body.indexOf(needle, 0, 'latin1') >= 0;
          if (!match && !lastRead && rule.minRecv === -1) return { verdict: 'wait' };
          status ??= 'L7RSP';
          if (rule.onError === undefined) desc = inverse ? 'HTTP check matched unwanted content' : 'HTTP content check did not match';
        }
      }
      if (match !== inverse) return { verdict: 'continue' };
      return { verdict: 'stop', status, desc: onErrorMessage(rule, ctx, match, desc) };
    },
  };
  return rule;
}

/** The `option httpchk` rule set, with the proxy's `http-check` lines. */
export function httpCheckRuleset(optionArgs: readonly string[], lines: readonly Directive[]): Ruleset {
  const sendState = lines.some((d) => d.args[0] === 'send-state');
  const fromOpt = fromOption(optionArgs);
  const rules: CheckRule[] = [];
  let optSpec = fromOpt;
  let merged = false;
  /** Where the first explicit send stood: the merged request takes its place. */
  let mergedSlot = -1;
  let index = 1;
  for (const d of lines) {
    const [sub = '', ...words] = d.args;
    if (sub === 'disable-on-404' || sub === 'send-state') continue;
    if (sub === 'send' && !merged) {
      // The first `http-check send` completes the request of `option httpchk`.
      merged = true;
      mergedSlot = rules.length;
      optSpec = merge(optSpec, fromSendLine(words));
      continue;
    }
    if (sub === 'connect') rules.push(parseConnect(index++, words));
    else if (sub === 'send') rules.push(sendRule(index++, fromSendLine(words), sendState));
    else if (sub === 'expect') rules.push(httpExpect(index++, words));
    else if (sub === 'comment') rules.push({ action: 'comment', index: index++, comment: words[0] });
    else rules.push(varActionRule(index++, d.args));
  }
  // The option's request goes first, or right after a leading connect (check_proxy_tcpcheck());
  // merged with an explicit send, it stands where that send was, after the rules
  // above it such as set-var (tcpcheck.c tcpcheck_add_http_rule() moves it there).
  const first = rules.find((r) => r.action !== 'comment' && r.action !== 'action');
  const optSlot = mergedSlot >= 0 ? mergedSlot : first?.action === 'connect' ? rules.indexOf(first) + 1 : 0;
  const optIndex = first?.action === 'connect' ? first.index + 1 : 0;
  rules.splice(optSlot, 0, sendRule(optIndex, optSpec, sendState));
  // An implicit `http-check expect status 200-399` follows a final send.
  const last = rules[rules.length - 1];
  if (last?.action === 'send') rules.push(httpExpect(last.index + 1, ['status', '200-399']));
  const all = withImplicitConnect(rules);
  linkExpectHeads(all);
  return { kind: 'http', rules: all, vars: new Map() };
}
