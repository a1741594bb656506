/**
 * `option <name> [args]`, `no option <name>` and `default option <name>`
 * (configuration.txt §4.2 "option ..."), as haproxy 2.6's cfg_parse_listen():
 * the simple options of the cfg_opts/cfg_opts2 tables with the side each
 * needs, then the options with arguments or special rules, then haproxy's
 * unknown-option message with its suggestion.
 */
import { isIPv6 } from 'node:net';
import type { LogFormatSetting, ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { bestMatch } from '../suggest.js';
import { cAtoi } from '../global/c-numbers.js';
import type { KeywordModifier } from '../global/keyword-modifier.js';
import { tooManyArgs, warnIfNotCap, type NeededCap } from './util.js';
import { BUILTIN_LOG_FORMATS, logFormatName } from './log-formats.js';

/** One entry of haproxy's cfg_opts / cfg_opts2 tables. */
export interface SimpleOption {
  readonly name: string;
  /** Sides that use it; both when a proxy of either side may set it. */
  readonly cap: readonly NeededCap[];
  /** Only meaningful in `mode http` (warned about and dropped otherwise, after parsing). */
  readonly httpOnly: boolean;
  /** Which table it comes from (ordering of haproxy's post-parse warnings). */
  readonly table: 1 | 2;
  /** What the runtime waits for to act on it; undefined when enforced. */
  readonly pending?: string;
}

const FE: NeededCap[] = ['frontend'];
const BE: NeededCap[] = ['backend'];
const BOTH: NeededCap[] = ['frontend', 'backend'];
const LOGS = 'lands with logs';
const TCP_TUNING = 'lands with socket tuning';

// proxy.c cfg_opts[] then cfg_opts2[], in haproxy's order.
export const SIMPLE_OPTIONS: readonly SimpleOption[] = [
  // abortonclose: mode http only (src/http/stream.ts onCliEnd); mode tcp streams ignore it.
  { name: 'abortonclose', cap: BE, httpOnly: false, table: 1 },
  { name: 'allbackups', cap: BE, httpOnly: false, table: 1 },
  // checkcache, accept-invalid-http-response, http-use-proxy-header, http-restrict-req-hdr-names: src/http/http-misc.ts.
  { name: 'checkcache', cap: BE, httpOnly: true, table: 1 },
  { name: 'clitcpka', cap: FE, httpOnly: false, table: 1 },
  { name: 'contstats', cap: FE, httpOnly: false, table: 1, pending: 'lands with statistics' },
  { name: 'dontlognull', cap: FE, httpOnly: false, table: 1 },
  { name: 'http-buffer-request', cap: BOTH, httpOnly: true, table: 1 },
  { name: 'http-ignore-probes', cap: FE, httpOnly: true, table: 1 },
  { name: 'idle-close-on-response', cap: FE, httpOnly: true, table: 1, pending: 'lands with graceful soft-stop of HTTP connections' },
  { name: 'prefer-last-server', cap: BE, httpOnly: true, table: 1 },
  // src/log/http-log.ts, src/log/tcp-log.ts.
  { name: 'logasap', cap: FE, httpOnly: false, table: 1 },
  // src/tcp/stream.ts applies it in mode tcp. In mode http haproxy 2.6 shows no
  // effect (clean client closes, server connections aborted with or without it;
  // test/compat/http/connection-fin.test.ts), and neither does Switchyard.
  { name: 'nolinger', cap: BOTH, httpOnly: false, table: 1 },
  { name: 'persist', cap: BE, httpOnly: false, table: 1 },
  { name: 'srvtcpka', cap: BE, httpOnly: false, table: 1 },
  { name: 'transparent', cap: BE, httpOnly: false, table: 1, pending: 'lands with transparent proxying' },
  { name: 'splice-request', cap: BOTH, httpOnly: false, table: 2, pending: 'no splicing in Node.js' },
  { name: 'splice-response', cap: BOTH, httpOnly: false, table: 2, pending: 'no splicing in Node.js' },
  { name: 'splice-auto', cap: BOTH, httpOnly: false, table: 2, pending: 'no splicing in Node.js' },
  { name: 'accept-invalid-http-request', cap: FE, httpOnly: true, table: 2 },
  { name: 'accept-invalid-http-response', cap: BE, httpOnly: true, table: 2 },
  { name: 'dontlog-normal', cap: FE, httpOnly: false, table: 2 },
  { name: 'log-separate-errors', cap: FE, httpOnly: false, table: 2 },
  { name: 'log-health-checks', cap: BE, httpOnly: false, table: 2 },
  { name: 'socket-stats', cap: FE, httpOnly: false, table: 2, pending: 'lands with statistics' },
  { name: 'tcp-smart-accept', cap: FE, httpOnly: false, table: 2, pending: TCP_TUNING },
  { name: 'tcp-smart-connect', cap: BE, httpOnly: false, table: 2, pending: TCP_TUNING },
  { name: 'independent-streams', cap: BOTH, httpOnly: false, table: 2, pending: 'lands with per-direction timeouts' },
  { name: 'http-use-proxy-header', cap: FE, httpOnly: true, table: 2 },
  { name: 'http-pretend-keepalive', cap: BE, httpOnly: true, table: 2 },
  // http-no-delay: Node sends each write at once (no Nagle: setNoDelay), which is what it asks for.
  { name: 'http-no-delay', cap: BOTH, httpOnly: true, table: 2 },
  { name: 'h1-case-adjust-bogus-client', cap: FE, httpOnly: false, table: 2 },
  { name: 'h1-case-adjust-bogus-server', cap: BE, httpOnly: false, table: 2 },
  { name: 'disable-h2-upgrade', cap: FE, httpOnly: true, table: 2, pending: 'lands with HTTP/2' },
];

const SIMPLE_BY_NAME = new Map(SIMPLE_OPTIONS.map((o) => [o.name, o]));

// cfgparse-listen.c common_options[]: the other names offered as suggestions
// (haproxy lists "original-to", not "originalto").
const COMMON_OPTIONS = [
  'httpclose', 'forceclose', 'http-server-close', 'http-keep-alive', 'http-tunnel', 'redispatch', 'httplog', 'tcplog',
  'tcpka', 'httpchk', 'ssl-hello-chk', 'smtpchk', 'pgsql-check', 'redis-check', 'mysql-check', 'ldap-check',
  'spop-check', 'tcp-check', 'external-check', 'forwardfor', 'original-to', 'httpslog',
];

const HTTP_MODES = {
  httpclose: 'close',
  'http-server-close': 'server-close',
  'http-keep-alive': 'keep-alive',
} as const;

function hasCap(p: ProxyConfig, cap: readonly NeededCap[]): boolean {
  return cap.some((c) => (c === 'frontend' ? p.cap.frontend : p.cap.backend));
}

/** Records `option <name>` (true), `no option <name>` (false) or `default option <name>` (removed). */
function record(ctx: LineContext, p: ProxyConfig, name: string, kwm: KeywordModifier, args?: readonly string[]): void {
  if (kwm === 'default') {
    p.options.delete(name);
    p.optionArgs.delete(name);
    p.optionPlaces.delete(name);
    return;
  }
  p.options.set(name, kwm === 'std');
  p.optionPlaces.set(name, ctx.place);
  if (args !== undefined && args.length > 0) p.optionArgs.set(name, args);
  else p.optionArgs.delete(name);
}

/**
 * Parses one `option` line. `words[0]` is "option"; `kwm` says whether it was
 * prefixed with `no` or `default` (the prefix already removed, as readcfgfile()
 * does, including its quirk of repeating the last word after `default`).
 */
export function parseOptionLine(ctx: LineContext, p: ProxyConfig, words: readonly string[], kwm: KeywordModifier): void {
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_OPTION_MISSING', `'${words[0] ?? 'option'}' expects an option name.`, 'parsing-tight');
    return;
  }

  const simple = SIMPLE_BY_NAME.get(name);
  if (simple !== undefined) {
    if (tooManyArgs(ctx, words, 0, 1)) return;
    if (!hasCap(p, simple.cap)) {
      warnIfNotCap(ctx, p, simple.cap[0] ?? 'frontend', name);
      return;
    }
    record(ctx, p, name, kwm);
    if (kwm === 'std' && simple.pending !== undefined) ctx.notEnforced(`'option ${name}' (${simple.pending})`);
    return;
  }

  if (name === 'forceclose') {
    ctx.alert('CFG_OPTION_REMOVED', `option '${name}' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed.`, 'parsing-tight');
    return;
  }
  if (name === 'httpclose' || name === 'http-server-close' || name === 'http-keep-alive') {
    if (tooManyArgs(ctx, words, 0, 1)) return;
    const mode = HTTP_MODES[name];
    // The three modes override each other; "no option x" only cancels x
    // when it is the current mode (configuration.txt §4 "HTTP connection modes").
    if (kwm === 'std') {
      p.httpConnectionMode = mode;
      for (const other of Object.keys(HTTP_MODES)) p.options.delete(other);
      record(ctx, p, name, kwm);
      // All three modes are run by src/http/stream.ts (connMode()).
      return;
    }
    if (kwm === 'no') {
      if (p.httpConnectionMode === mode) {
        p.httpConnectionMode = undefined;
        p.options.delete(name);
      }
      return;
    }
    // "default option httpclose" falls through to the negation check, as in haproxy.
  } else if (name === 'http-tunnel') {
    ctx.alert('CFG_OPTION_REMOVED', `option '${name}' is not supported any more since HAProxy 2.1, please just remove it, it shouldn't be needed.`, 'parsing-tight');
    return;
  }

  if (name === 'redispatch') {
    if (warnIfNotCap(ctx, p, 'backend', name)) return;
    // configuration.txt §4.2 "option redispatch <interval>": relative to the retries; -1 is the last one.
    if (kwm === 'std') p.redispatchAfter = (words[2] ?? '') !== '' ? cAtoi(words[2] ?? '') : -1;
    else if (kwm === 'no') p.redispatchAfter = 0;
    else p.redispatchAfter = undefined;
    record(ctx, p, name, kwm, kwm === 'std' && (words[2] ?? '') !== '' ? [words[2] ?? ''] : undefined);
    return;
  }
  if (name === 'http_proxy') {
    ctx.alert(
      'CFG_OPTION_REMOVED',
      `option '${name}' is not supported any more since HAProxy 2.5. This option stopped working in HAProxy 1.9 and usually had nasty side effects. It can be more reliably implemented with combinations of 'http-request set-dst' and 'http-request set-uri', and even 'http-request do-resolve' if DNS resolution is desired.`,
      'parsing-tight',
    );
    return;
  }
  if (kwm !== 'std') {
    ctx.alert('CFG_OPTION_NEGATION', `negation/default is not supported for option '${name}'.`, 'parsing-tight');
    return;
  }

  const special = SPECIAL_OPTIONS.get(name);
  if (special !== undefined) {
    special(ctx, p, words);
    return;
  }
  const best = bestMatch(name, [...SIMPLE_OPTIONS.map((o) => o.name), ...COMMON_OPTIONS]);
  if (best !== undefined) ctx.alert('CFG_OPTION_UNKNOWN', `unknown option '${name}'; did you mean '${best}' maybe ?`);
  else ctx.alert('CFG_OPTION_UNKNOWN', `unknown option '${name}'.`);
}

type OptionParser = (ctx: LineContext, p: ProxyConfig, words: readonly string[]) => void;

/**
 * Sets a built-in log format (`option httplog [clf]`, `tcplog`, `httpslog`),
 * with haproxy's warning when a defaults section overrides its own format.
 */
function setBuiltinLogFormat(ctx: LineContext, p: ProxyConfig, origin: LogFormatSetting['origin'], announced: string): void {
  if (p.cap.defaults && p.logFormat !== undefined) {
    ctx.warning('CFG_LOG_FORMAT_OVERRIDE', `'${announced}' overrides previous '${logFormatName(p.logFormat)}' in 'defaults' section.`, 'parsing-tight');
  }
  p.logFormat = { origin, text: BUILTIN_LOG_FORMATS[origin], place: ctx.place };
}

function parseHttplog(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  let origin: LogFormatSetting['origin'] = 'httplog';
  const arg = words[2] ?? '';
  if (arg !== '') {
    if (arg !== 'clf') {
      ctx.alert('CFG_OPTION_ARGS', `keyword 'httplog' only supports option 'clf'.`);
      return;
    }
    origin = 'httplog clf';
    if (tooManyArgs(ctx, words, 1, 1)) return;
  }
  setBuiltinLogFormat(ctx, p, origin, origin === 'httplog clf' ? 'option httplog clf' : 'option httplog');
  record(ctx, p, 'httplog', 'std', origin === 'httplog clf' ? ['clf'] : undefined);
  p.options.delete('tcplog');
  p.options.delete('httpslog');
  if (!p.cap.frontend) ctx.warning('CFG_LOG_IN_BACKEND', `backend '${p.name}' : 'option httplog' directive is ignored in backends.`);
  // src/log/http-log.ts sends the lines.
}

function parseTcplog(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  setBuiltinLogFormat(ctx, p, 'tcplog', 'option tcplog');
  record(ctx, p, 'tcplog', 'std');
  p.options.delete('httplog');
  p.options.delete('httpslog');
  if (tooManyArgs(ctx, words, 0, 1)) return;
  if (!p.cap.frontend) ctx.warning('CFG_LOG_IN_BACKEND', `backend '${p.name}' : 'option tcplog' directive is ignored in backends.`);
  // src/log/tcp-log.ts sends the lines.
}

function parseHttpslog(ctx: LineContext, p: ProxyConfig): void {
  // cfgparse-listen.c announces itself as 'option httplog' in the override warning.
  setBuiltinLogFormat(ctx, p, 'httpslog', 'option httplog');
  record(ctx, p, 'httpslog', 'std');
  p.options.delete('httplog');
  p.options.delete('tcplog');
  if (!p.cap.frontend) ctx.warning('CFG_LOG_IN_BACKEND', `backend '${p.name}' : 'option httpslog' directive is ignored in backends.`);
  else ctx.notEnforced(`'option httpslog' (${LOGS})`);
}

function parseTcpka(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  if (tooManyArgs(ctx, words, 0, 1)) return;
  // SO_KEEPALIVE on both sides: src/proxy/socket-tuning.ts.
  record(ctx, p, 'tcpka', 'std');
}

/** The health check options: each replaces the proxy's check kind (configuration.txt §4.2). */
const CHECK_OPTIONS = ['httpchk', 'ssl-hello-chk', 'smtpchk', 'pgsql-check', 'redis-check', 'mysql-check', 'ldap-check', 'spop-check', 'tcp-check', 'external-check'];

function setCheckKind(ctx: LineContext, p: ProxyConfig, name: string, args: readonly string[]): void {
  for (const o of CHECK_OPTIONS) p.options.delete(o);
  record(ctx, p, name, 'std', args);
  // src/server/checks/ runs every kind but the SPOP one (it runs as a plain connect check).
  if (name === 'spop-check') ctx.notEnforced(`'option ${name}' (lands with SPOE)`);
}

function parseHttpchk(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'httpchk');
  if (tooManyArgs(ctx, words, 3, 1)) return;
  // configuration.txt §4.2 "option httpchk": <uri> alone, or <method> <uri> [<version>].
  const version = words[4] ?? '';
  if (version.includes('\r\n') || version.includes('\n')) {
    ctx.warning(
      'CFG_HTTPCHK_HIDDEN_HEADERS',
      `'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.`,
      'parsing-tight',
    );
  }
  setCheckKind(ctx, p, 'httpchk', words.slice(2));
}

function argsOnly(name: string, max: number): OptionParser {
  return (ctx, p, words) => {
    warnIfNotCap(ctx, p, 'backend', name);
    if (tooManyArgs(ctx, words, max, 1)) return;
    setCheckKind(ctx, p, name, words.slice(2));
  };
}

function parsePgsqlCheck(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'pgsql-check');
  if (tooManyArgs(ctx, words, 2, 1)) return;
  if (words[2] !== 'user' || (words[3] ?? '') === '') {
    ctx.alert('CFG_OPTION_ARGS', `'option pgsql-check' expects 'user <username>' as argument.`);
    return;
  }
  setCheckKind(ctx, p, 'pgsql-check', words.slice(2));
}

function parseMysqlCheck(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'mysql-check');
  const arg = words[2] ?? '';
  if (arg !== '') {
    if (arg !== 'user') {
      ctx.alert('CFG_OPTION_ARGS', `'option mysql-check' only supports optional values: 'user' (got '${arg}').`);
      return;
    }
    if ((words[3] ?? '') === '') {
      ctx.alert('CFG_OPTION_ARGS', `'option mysql-check user' expects <username> as argument.`);
      return;
    }
    const variant = words[4] ?? '';
    if (variant !== '' && variant !== 'post-41' && variant !== 'pre-41') {
      ctx.alert('CFG_OPTION_ARGS', `keyword 'user' only supports 'post-41' and 'pre-41' (got '${variant}').`);
      return;
    }
    if (tooManyArgs(ctx, words, 3, 1)) return;
  }
  setCheckKind(ctx, p, 'mysql-check', words.slice(2));
}

/**
 * str2net()/str62net(): an IPv4 address in inet_aton() form with an optional
 * mask (bits or dotted), or an IPv6 address with an optional prefix length.
 */
export function isNetwork(text: string): boolean {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const mask = slash < 0 ? undefined : text.slice(slash + 1);
  if (isInetAton(addr)) {
    if (mask === undefined) return true;
    if (/^\d+$/.test(mask)) return Number(mask) <= 32;
    return isInetAton(mask);
  }
  if (isIPv6(addr)) return mask === undefined || (/^\d+$/.test(mask) && Number(mask) <= 128);
  return false;
}

/** inet_aton(): 1 to 4 dot-separated numbers (decimal, 0x hex or 0 octal) fitting the remaining bytes. */
function isInetAton(text: string): boolean {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return false;
  const values: number[] = [];
  for (const part of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(part)) v = parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) v = parseInt(part, 8);
    else if (/^[1-9]\d*$/.test(part)) v = Number(part);
    else return false;
    values.push(v);
  }
  for (let i = 0; i < values.length - 1; i++) if ((values[i] ?? 0) > 255) return false;
  const last = values[values.length - 1] ?? 0;
  return last < 256 ** (5 - values.length);
}

function parseAddressHeaderOption(kind: 'forwardfor' | 'originalto'): OptionParser {
  return (ctx, p, words) => {
    let header = kind === 'forwardfor' ? 'X-Forwarded-For' : 'X-Original-To';
    let except: string | undefined;
    let ifNone = false;
    for (let i = 2; i < words.length && (words[i] ?? '') !== '';) {
      const w = words[i] ?? '';
      if (w === 'except') {
        const net = words[i + 1] ?? '';
        if (net === '' || !isNetwork(net)) {
          ctx.alert('CFG_OPTION_ARGS', `'option ${kind} except' expects <address>[/mask] as argument.`);
          return;
        }
        except = net;
        i += 2;
      } else if (w === 'header') {
        const h = words[i + 1] ?? '';
        if (h === '') {
          ctx.alert('CFG_OPTION_ARGS', `'option ${kind} header' expects <header_name> as argument.`);
          return;
        }
        header = h;
        i += 2;
      } else if (w === 'if-none' && kind === 'forwardfor') {
        ifNone = true;
        i += 1;
      } else {
        ctx.alert(
          'CFG_OPTION_ARGS',
          kind === 'forwardfor'
            ? `'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.`
            : `'option originalto' only supports optional values: 'except' and 'header'.`,
        );
        return;
      }
    }
    const setting = { header, except, ifNone, place: ctx.place };
    if (kind === 'forwardfor') p.forwardFor = setting;
    else p.originalTo = setting;
    // Added by src/http/forwardfor.ts in the HTTP stream.
    record(ctx, p, kind, 'std', words.slice(2));
  };
}

function parseRestrictHeaderNames(ctx: LineContext, p: ProxyConfig, words: readonly string[]): void {
  if (tooManyArgs(ctx, words, 2)) return;
  const v = words[2] ?? '';
  if (v === '') {
    ctx.alert('CFG_OPTION_ARGS', `missing parameter. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option.`);
    return;
  }
  if (v !== 'preserve' && v !== 'reject' && v !== 'delete') {
    ctx.alert('CFG_OPTION_ARGS', `invalid parameter '${v}'. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option.`);
    return;
  }
  record(ctx, p, 'http-restrict-req-hdr-names', 'std', [v]);
}

const SPECIAL_OPTIONS = new Map<string, OptionParser>([
  ['httplog', parseHttplog],
  ['tcplog', parseTcplog],
  ['httpslog', parseHttpslog],
  ['tcpka', parseTcpka],
  ['httpchk', parseHttpchk],
  ['ssl-hello-chk', argsOnly('ssl-hello-chk', 0)],
  ['smtpchk', argsOnly('smtpchk', 2)],
  ['pgsql-check', parsePgsqlCheck],
  ['redis-check', argsOnly('redis-check', 0)],
  ['mysql-check', parseMysqlCheck],
  ['ldap-check', argsOnly('ldap-check', 0)],
  ['spop-check', argsOnly('spop-check', 0)],
  ['tcp-check', argsOnly('tcp-check', 0)],
  ['external-check', argsOnly('external-check', 0)],
  ['forwardfor', parseAddressHeaderOption('forwardfor')],
  ['originalto', parseAddressHeaderOption('originalto')],
  ['http-restrict-req-hdr-names', parseRestrictHeaderNames],
]);

proxyKeywords.register({
  name: 'option',
  parse(ctx, p, words) {
    parseOptionLine(ctx, p, words, 'std');
  },
});
