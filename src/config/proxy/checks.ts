/**
 * Health check and alert keywords (configuration.txt §4.2): `http-check`,
 * `tcp-check`, `external-check command|path` and `email-alert`. The check
 * rules are checked for their keyword and mandatory arguments (haproxy's
 * tcpcheck.c messages) and kept in order for the health check subsystem.
 */
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { tooManyArgs } from './util.js';

/** Proxies that wrote their own check rules: the inherited ones are dropped then (tcpcheck.c). */
const ownHttpChecks = new WeakSet<ProxyConfig>();
const ownTcpChecks = new WeakSet<ProxyConfig>();

const CONNECT_OPTS = ['comment', 'port', 'addr', 'send-proxy', 'via-socks4', 'ssl', 'sni', 'alpn', 'linger', 'default', 'proto'];
const CONNECT_VALUED = new Set(['comment', 'port', 'addr', 'sni', 'alpn', 'proto']);

/** tcpcheck.c parse_tcpcheck_connect(): options and their values. */
function checkConnect(kw: string, words: readonly string[], from: number): string | undefined {
  for (let i = from; (words[i] ?? '') !== ''; i++) {
    const w = words[i] ?? '';
    if (!CONNECT_OPTS.includes(w)) {
      return `'${kw} connect' : expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got '${w}' as argument..`;
    }
    if (CONNECT_VALUED.has(w)) {
      if ((words[i + 1] ?? '') === '') {
        if (w === 'port') return `'${kw} connect' : 'port' expects a port number or a sample expression as argument..`;
        if (w === 'comment') return `'${kw} connect' : 'comment' expects a string as argument..`;
        return `'${kw} connect' : '${w}' expects a string as argument..`;
      }
      i++;
    }
  }
  return undefined;
}

const TCP_EXPECT = new Set(['min-recv', 'string', 'rstring', 'string-lf', 'binary', 'rbinary', 'binary-lf', 'comment', 'ok-status', 'error-status', 'tout-status', 'on-success', 'on-error', 'status-code']);
const HTTP_EXPECT = new Set(['min-recv', 'string', 'rstring', 'string-lf', 'status', 'rstatus', 'hdr', 'fhdr', 'comment', 'ok-status', 'error-status', 'tout-status', 'on-success', 'on-error', 'status-code']);
const EXPECT_PATTERNS = new Set(['string', 'rstring', 'string-lf', 'binary', 'rbinary', 'binary-lf', 'status', 'rstatus', 'hdr', 'fhdr']);

/** tcpcheck.c parse_tcpcheck_expect(): a pattern kind with its value, options around it. */
function checkExpect(kw: string, words: readonly string[], from: number): string | undefined {
  const kinds = kw === 'http-check' ? HTTP_EXPECT : TCP_EXPECT;
  let pattern = false;
  for (let i = from; (words[i] ?? '') !== ''; i++) {
    let w = words[i] ?? '';
    if (w === '!') continue;
    if (w.startsWith('!')) w = w.slice(1);
    if (!kinds.has(w)) {
      return kw === 'http-check'
        ? `'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '${w}' as argument..`
        : `'tcp-check expect' : 'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf''[!]rbinary', '[!]binary-lf' or comment but got '${w}' as argument..`;
    }
    if (w === 'hdr' || w === 'fhdr') {
      pattern = true;
      // `hdr name [-m meth] <pattern> [value [-m meth] <pattern>]`: leave the details to the check engine.
      return undefined;
    }
    const v = words[i + 1] ?? '';
    if (v === '') {
      if (EXPECT_PATTERNS.has(w) || w === 'min-recv') return `'${kw} expect' : '${w}' expects a <pattern> as argument.`;
      return `'${kw} expect' : '${w}' expects a string as argument.`;
    }
    if (w === 'binary' && !/^([0-9a-fA-F]{2})*$/.test(v)) {
      const bad = [...v].find((c) => !/[0-9a-fA-F]/.test(c));
      if (bad !== undefined) return `'${kw} expect' : invalid binary string (an hex digit is expected (found '${bad}')).`;
    }
    if (EXPECT_PATTERNS.has(w)) pattern = true;
    i++;
  }
  if (!pattern) return `'${kw} expect' : pattern not found.`;
  return undefined;
}

const HTTP_SEND_OPTS = new Set(['comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body', 'body-lf']);

function checkHttpSend(words: readonly string[], from: number): string | undefined {
  for (let i = from; (words[i] ?? '') !== ''; i++) {
    const w = words[i] ?? '';
    if (!HTTP_SEND_OPTS.has(w)) {
      return `'http-check send' : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '${w}' as argument..`;
    }
    if (w === 'hdr' && ((words[i + 1] ?? '') === '' || (words[i + 2] ?? '') === '')) {
      return `'http-check send' : 'hdr' expects <name> and <value> as arguments.`;
    }
    if ((words[i + 1] ?? '') === '') return `'http-check send' : '${w}' expects a string as argument..`;
    i += w === 'hdr' ? 2 : 1;
  }
  return undefined;
}

function checkTcpSend(sub: string, words: readonly string[], from: number): string | undefined {
  if ((words[from] ?? '') === '') {
    const what = sub === 'send-binary' ? 'binary string' : 'string';
    return `'tcp-check ${sub}' : '${what}' expects a ${sub} as argument.`;
  }
  if (sub === 'send-binary' && !/^([0-9a-fA-F]{2})*$/.test(words[from] ?? '')) {
    const bad = [...(words[from] ?? '')].find((c) => !/[0-9a-fA-F]/.test(c));
    // tcpcheck.c ends this one with a newline and a second dot.
    if (bad !== undefined) return `'tcp-check send-binary' : '${words[from] ?? ''}' invalid binary string (an hex digit is expected (found '${bad}')).\n.`;
  }
  return undefined;
}

function isVarAction(sub: string): boolean {
  return /^(set-var|set-var-fmt|unset-var)\(.*\)$/.test(sub);
}

function parseCheckRule(kw: 'http-check' | 'tcp-check') {
  return (ctx: LineContext, p: ProxyConfig, words: string[]): void => {
    const sub = words[1] ?? '';
    if (!p.cap.backend) {
      ctx.warning('CFG_PROXY_CAPABILITY', `'${kw}' ignored because ${p.kind === 'listen' ? 'proxy' : p.kind} '${p.name}' has no backend capability.`);
      // tcpcheck.c then prints its unset error message, as "(null)".
      if (kw === 'tcp-check' || sub === 'disable-on-404' || sub === 'send-state') ctx.warning('CFG_PROXY_CAPABILITY', '(null)');
    }
    let err: string | undefined;
    if (kw === 'http-check' && (sub === 'disable-on-404' || sub === 'send-state')) {
      if (tooManyArgs(ctx, words, 1)) return;
    } else if (sub === 'comment') {
      if ((words[2] ?? '') === '') err = `'${kw} comment' : expects a string as argument.`;
    } else if (sub === 'connect') {
      err = checkConnect(kw, words, 2);
    } else if (sub === 'expect') {
      err = (words[2] ?? '') === '' ? `'${kw} expect' : expects at least a matching pattern as arguments.` : checkExpect(kw, words, 2);
    } else if (kw === 'http-check' && sub === 'send') {
      err = checkHttpSend(words, 2);
    } else if (kw === 'tcp-check' && (sub === 'send' || sub === 'send-lf' || sub === 'send-binary' || sub === 'send-binary-lf')) {
      err = checkTcpSend(sub, words, 2);
    } else if (!isVarAction(sub)) {
      err = kw === 'http-check'
        ? `'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '${sub}'`
        : `'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '${sub}'`;
    }
    if (err !== undefined) {
      ctx.alert('CFG_CHECK_RULE', err);
      return;
    }
    const list = kw === 'http-check' ? p.httpChecks : p.tcpChecks;
    const own = kw === 'http-check' ? ownHttpChecks : ownTcpChecks;
    if (!p.cap.defaults && !own.has(p)) {
      // A proxy with its own rules does not use those of its defaults section.
      own.add(p);
      list.length = 0;
    }
    list.push({ keyword: kw, args: words.slice(1), place: ctx.place });
    // src/server/checks/ runs these rules, set-var/set-var-fmt/unset-var included (check-vars.ts).
  };
}

function parseExternalCheck(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const sub = words[1] ?? '';
  if (sub === '') {
    ctx.alert('CFG_MISSING_ARGUMENT', `missing argument after 'external-check'.`);
    return;
  }
  if (sub !== 'command' && sub !== 'path') {
    ctx.alert('CFG_EXTERNAL_CHECK', `'external-check' only supports 'command' and 'path'. but got '${sub}'.`);
    return;
  }
  if (tooManyArgs(ctx, words, 2)) return;
  const v = words[2] ?? '';
  if (v === '') {
    ctx.alert('CFG_MISSING_ARGUMENT', `missing argument after '${sub}'.`);
    return;
  }
  p.externalCheck[sub] = v;
  p.externalCheck.place = ctx.place;
}

// log.c log_levels[]
const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

function parseEmailAlert(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const sub = words[1] ?? '';
  const v = words[2] ?? '';
  const e = p.emailAlert;
  switch (sub) {
    case '':
      ctx.alert('CFG_MISSING_ARGUMENT', `missing argument after 'email-alert'.`);
      return;
    // cfgparse-listen.c tests args[1] instead of args[2] here, so a missing value is accepted.
    case 'from': e.from = v; break;
    case 'to': e.to = v; break;
    case 'mailers': e.mailers = v; break;
    case 'myhostname': e.myhostname = v; break;
    case 'level':
      if (!LOG_LEVELS.includes(v)) {
        // haproxy prints the two words the other way round.
        ctx.alert('CFG_EMAIL_ALERT', `unknown log level '${sub}' after '${v}'`);
        return;
      }
      e.level = v;
      break;
    default:
      ctx.alert('CFG_EMAIL_ALERT', `email-alert: unknown argument '${sub}'.`);
      return;
  }
  e.place ??= ctx.place;
  ctx.notEnforced(`'email-alert ${sub}' (lands with mailers)`);
}

proxyKeywords.register(
  { name: 'http-check', parse: parseCheckRule('http-check') },
  { name: 'tcp-check', parse: parseCheckRule('tcp-check') },
  { name: 'external-check', parse: parseExternalCheck },
  { name: 'email-alert', parse: parseEmailAlert },
);
