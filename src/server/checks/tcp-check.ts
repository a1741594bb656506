/**
 * `option tcp-check` (configuration.txt §4.2 "tcp-check connect|send|expect"):
 * the user's `tcp-check` lines turned into check rules, run in order by the
 * engine (engine.ts), with haproxy 2.6's texts:
 *
 *   Layer4 connection problem, info: "Connection refused at initial connection step of tcp-check"
 *   Layer7 invalid response, info: "TCPCHK did not match content '+PONG' at step 2"
 *   Layer7 timeout, info: " at step 2 of tcp-check (expect string '+PONG')"
 *   Layer7 check passed, code: 0, info: "(tcp-check)"
 *
 * The lines were checked by the configuration parser
 * (src/config/proxy/checks.ts); here they are only interpreted. `send-lf`
 * and the `-lf` patterns use the check format subset (check-format.ts);
 * `set-var`, `set-var-fmt` and `unset-var` set the run's variables
 * (check-vars.ts) and take a step number, as in haproxy.
 */
import type { Directive } from '../../config/model/common.js';
import { compileCheckExpr, compileCheckFormat, evalCheckFormat } from './check-format.js';
import { varActionRule } from './check-vars.js';
import { parseHex, tcpExpect, type CheckRule, type ConnectRule, type ExpectOptions, type ExpectRule, type Ruleset, type SendRule } from './rules.js';
import { parseStatusName } from './status.js';

/** Reads the options shared by every expect; returns the words that are not options. */
export function readExpectOptions(words: readonly string[], o: ExpectOptions): string[] {
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const v = words[i + 1];
    switch (w) {
      case 'min-recv': o.minRecv = Number(v ?? -1); i++; break;
      case 'comment': o.comment = v; i++; break;
      case 'ok-status': o.okStatus = parseStatusName(v ?? '', 'ok'); i++; break;
      case 'error-status': o.errStatus = parseStatusName(v ?? '', 'error'); i++; break;
      case 'tout-status': o.toutStatus = parseStatusName(v ?? '', 'tout'); i++; break;
      case 'on-success': o.onSuccess = v; i++; break;
      case 'on-error': o.onError = v; i++; break;
      case 'status-code': o.statusCode = v; i++; break;
      default: rest.push(w);
    }
  }
  return rest;
}

/** `[!] <match> <pattern>` from the non-option words of an expect line. */
export function splitMatch(words: readonly string[]): { inverse: boolean; match: string; args: string[] } {
  let inverse = false;
  let i = 0;
  if (words[0] === '!') {
    inverse = true;
    i = 1;
  }
  let match = words[i] ?? '';
  if (match.startsWith('!')) {
    inverse = true;
    match = match.slice(1);
  }
  return { inverse, match, args: words.slice(i + 1) };
}

/** tcpcheck.c parse_tcpcheck_connect(). */
export function parseConnect(index: number, words: readonly string[], inherited?: string): ConnectRule {
  let port: number | undefined;
  let addr: string | undefined;
  let sni: string | undefined;
  let alpn: string | undefined;
  let comment: string | undefined = inherited;
  let ssl = false;
  let sendProxy = false;
  let useDefault = false;
  let portText: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    switch (w) {
      case 'port': port = Number(v); portText = v; i++; break;
      case 'addr': addr = v; i++; break;
      case 'sni': sni = v; i++; break;
      case 'alpn': alpn = v; i++; break;
      case 'comment': comment = v; i++; break;
      case 'proto': i++; break;
      case 'ssl': ssl = true; break;
      case 'send-proxy': sendProxy = true; break;
      case 'default': useDefault = true; break;
      default: break; // linger, via-socks4: nothing to do for Node sockets / not supported
    }
  }
  // tcpcheck.c parse_tcpcheck_connect(): a port that is not a number is a sample expression.
  const portExpr = port !== undefined && !Number.isInteger(port) && portText !== undefined ? compileCheckExpr(portText) : undefined;
  if (port !== undefined && !Number.isInteger(port)) port = undefined;
  return { action: 'connect', index, comment, implicit: false, useDefault, port, portExpr, addr, ssl, sni, alpn, sendProxy };
}

/** tcpcheck.c parse_tcpcheck_send(): `send`, `send-lf`, `send-binary`, `send-binary-lf`. */
function parseSend(index: number, sub: string, words: readonly string[], inherited?: string): SendRule {
  const text = words[0] ?? '';
  const comment = words[1] === 'comment' ? words[2] : inherited;
  if (sub === 'send-lf' || sub === 'send-binary-lf') {
    const fmt = compileCheckFormat(text);
    const binary = sub === 'send-binary-lf';
    return {
      action: 'send', index, comment, http: false,
      data: (ctx) => {
        const s = evalCheckFormat(fmt, ctx);
        return binary ? parseHex(s) : Buffer.from(s, 'latin1');
      },
    };
  }
  const bytes = sub === 'send-binary' ? parseHex(text) : Buffer.from(text, 'latin1');
  return { action: 'send', index, comment, http: false, data: () => bytes };
}

/** tcpcheck.c parse_tcpcheck_expect() for tcp-check. */
export function parseTcpExpect(index: number, words: readonly string[], inherited?: string): ExpectRule {
  const o: ExpectOptions = { comment: inherited };
  const { inverse, match, args } = splitMatch(readExpectOptions(words, o));
  const pattern = args[0] ?? '';
  switch (match) {
    case 'string':
    case 'rstring':
    case 'binary':
    case 'rbinary':
    case 'string-lf':
    case 'binary-lf':
      return tcpExpect(index, match, pattern, inverse, o);
    default:
      // Rejected by the configuration parser; never matches.
      return tcpExpect(index, 'string', '\0never\0', inverse, o);
  }
}

/**
 * Gives each expect the position of the first expect of its run
 * (expect.head): a "wait" resumes there when more data arrives.
 */
export function linkExpectHeads(rules: readonly CheckRule[]): void {
  let head = -1;
  rules.forEach((r, i) => {
    if (r.action === 'expect') {
      if (head < 0) head = i;
      r.head = head;
    } else if (r.action !== 'comment' && r.action !== 'action') {
      head = -1;
    }
  });
}

/**
 * Inserts the implicit connect when the first real rule is not a connect
 * (tcpcheck.c check_proxy_tcpcheck()); it keeps index 0.
 */
export function withImplicitConnect(rules: CheckRule[]): CheckRule[] {
  const first = rules.find((r) => r.action !== 'comment' && r.action !== 'action');
  if (first?.action === 'connect') return rules;
  return [{ action: 'connect', index: 0, implicit: true, useDefault: true, ssl: false, sendProxy: false }, ...rules];
}

/** The rule set of `option tcp-check` from the proxy's `tcp-check` lines. */
export function tcpCheckRuleset(lines: readonly Directive[]): Ruleset {
  const rules: CheckRule[] = [];
  lines.forEach((d, index) => {
    const [sub = '', ...words] = d.args;
    const prev = rules[rules.length - 1];
    // A `tcp-check comment` line gives its text to the next rule.
    const inherited = prev?.action === 'comment' ? prev.comment : undefined;
    let rule: CheckRule;
    if (sub === 'connect') rule = parseConnect(index, words, inherited);
    else if (sub === 'send' || sub === 'send-lf' || sub === 'send-binary' || sub === 'send-binary-lf') rule = parseSend(index, sub, words, inherited);
    else if (sub === 'expect') rule = parseTcpExpect(index, words, inherited);
    else if (sub === 'comment') rule = { action: 'comment', index, comment: words[0] };
    else rule = varActionRule(index, d.args, inherited);
    rules.push(rule);
  });
  const all = withImplicitConnect(rules);
  linkExpectHeads(all);
  return { kind: 'tcp', rules: all, vars: new Map() };
}
