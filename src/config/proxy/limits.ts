/**
 * Connection limits and retries (configuration.txt §4.2): `maxconn`,
 * `backlog`, `fullconn`, `retries`, `retry-on`, `rate-limit sessions`,
 * `max-keep-alive-queue`, `max-session-srv-conns`, `clitcpka-*`/`srvtcpka-*`
 * and `http-reuse`.
 */
import type { ProxyConfig, TcpKeepAliveTuning } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { parseTimeIn, reportTimeWarning } from '../units.js';
import { cAtoi, cInt, cStrtol, cStrtoul, cUint } from '../global/c-numbers.js';
import { proxyTypeStr, tooManyArgs, warnIfNotCap } from './util.js';

/** maxconn, backlog, fullconn, retries: cfgparse-listen.c's integer keywords (atol, so "x" is 0). */
function integerKeyword(
  name: 'maxconn' | 'backlog' | 'fullconn' | 'retries',
  cap: 'frontend' | 'backend',
  hint: string,
  missing: string,
  set: (p: ProxyConfig, v: number) => void,
  enforced?: string,
) {
  return {
    name,
    parse(ctx: LineContext, p: ProxyConfig, words: string[]): void {
      const ignored = warnIfNotCap(ctx, p, cap, name, hint);
      if (tooManyArgs(ctx, words, 1)) return;
      if ((words[1] ?? '') === '') {
        ctx.alert('CFG_INTEGER_EXPECTED', `'${name}' expects ${missing}.`);
        return;
      }
      set(p, cAtoi(words[1] ?? ''));
      if (!ignored && enforced !== undefined) ctx.notEnforced(`'${name}' (${enforced})`);
    },
  };
}

const RETRY_ON = new Set([
  'conn-failure', 'empty-response', 'response-timeout', '401', '403', '404', '408', '425', '500', '501', '502', '503', '504',
  '0rtt-rejected', 'junk-response', 'all-retryable-errors', 'none',
]);

function parseRetryOn(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  // proxy.c proxy_parse_retry_on(): errors come back as "parsing [f:l] : <msg>".
  if (!p.cap.backend) {
    ctx.alert('CFG_RETRY_ON', `'retry-on' only available in backend or listen section`);
    return;
  }
  if ((words[1] ?? '') === '') {
    ctx.alert('CFG_RETRY_ON', `'retry-on' needs at least one keyword to specify when to retry`);
    return;
  }
  const list: string[] = [];
  for (let i = 1; (words[i] ?? '') !== ''; i++) {
    const w = words[i] ?? '';
    if (!RETRY_ON.has(w)) {
      ctx.alert('CFG_RETRY_ON', `'retry-on': unknown keyword '${w}'`);
      return;
    }
    if (w === 'none' && (i !== 1 || (words[i + 1] ?? '') !== '')) {
      ctx.alert('CFG_RETRY_ON', `'retry-on' 'none' keyworld only usable alone`);
      return;
    }
    list.push(w);
  }
  // Layer-7 retries: src/http/l7-retry.ts.
  p.retryOn = list;
}

/** The defaults' rate limit each proxy started from, for "overwriting" (proxy.c compares with the defaults). */
const inheritedRate = new WeakMap<ProxyConfig, number | undefined>();

/** Records the rate limit a proxy inherited (called when the proxy is created). */
export function rememberInheritedLimits(p: ProxyConfig): void {
  inheritedRate.set(p, p.rateLimitSessions);
}

function parseRateLimit(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (words[1] !== 'sessions') {
    ctx.alert('CFG_RATE_LIMIT', `'rate-limit' only supports 'sessions' (got '${words[1] ?? ''}')`);
    return;
  }
  const v = words[2] ?? '';
  if (v === '') {
    ctx.alert('CFG_RATE_LIMIT', `'rate-limit sessions' expects expects an integer value (in sessions/second)`);
    return;
  }
  // proxy.c proxy_parse_rate_limit(): strtoul(base 0) into an unsigned int
  const r = cStrtoul(v, 0);
  if (r.rest !== '') {
    ctx.alert('CFG_RATE_LIMIT', `'rate-limit sessions' : unexpected character '${r.rest[0] ?? ''}' in integer value '${v}'`);
    return;
  }
  if (!p.cap.frontend) {
    ctx.warning('CFG_PROXY_CAPABILITY', `rate-limit sessions will be ignored because ${proxyTypeStr(p)} '${p.name}' has no frontend capability`);
  } else if (!p.cap.defaults && (p.rateLimitSessions ?? 0) !== (inheritedRate.get(p) ?? 0)) {
    ctx.warning('CFG_RATE_LIMIT_OVERWRITE', `overwriting rate-limit sessions which was already specified`);
  }
  p.rateLimitSessions = cUint(r.value);
  if (p.cap.frontend) ctx.notEnforced(`'rate-limit sessions' (lands with session rate limiting)`);
}

function parseMaxKeepAliveQueue(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const warn = !p.cap.backend;
  const v = words[1] ?? '';
  if (v === '') {
    ctx.alert('CFG_INTEGER_EXPECTED', `'max-keep-alive-queue' expects expects an integer value (or -1 to disable)`);
    return;
  }
  // proxy.c proxy_parse_max_ka_queue(): strtol(base 0) into an int
  const r = cStrtol(v, 0);
  if (r.rest !== '') {
    ctx.alert('CFG_INTEGER_EXPECTED', `'max-keep-alive-queue' : unexpected character '${r.rest[0] ?? ''}' in integer value '${v}'`);
    return;
  }
  p.maxKeepAliveQueue = cInt(r.value);
  if (warn) ctx.warning('CFG_PROXY_CAPABILITY', `max-keep-alive-queue will be ignored because ${proxyTypeStr(p)} '${p.name}' has no backend capability`);
  // Enforced with option prefer-last-server (src/http/stream-server.ts lastServer()), as in backend.c.
}

function parseMaxSessionSrvConns(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'frontend', 'max-session-srv-conns');
  if ((words[1] ?? '') === '') {
    // haproxy misspells its own prefix here; the place is printed inside the message.
    ctx.diag.alert(
      'CFG_INTEGER_EXPECTED',
      `parsine [${ctx.place.file}:${ctx.place.line}] : 'max-session-srv-conns' expects a number. Got no argument`,
      ctx.place,
      'none',
    );
    return;
  }
  p.maxSessionServerConns = cAtoi(words[1] ?? '');
  // Enforced for the session's private connections (http-reuse never): src/http/stream-server.ts keepServerConn().
}

type TcpKaField = keyof TcpKeepAliveTuning;

/** proxy.c proxy_parse_tcpka_cnt() / proxy_parse_tcpka_idle() / proxy_parse_tcpka_intvl(). */
function tcpKeepAliveKeyword(name: string, field: TcpKaField, cap: 'frontend' | 'backend', isTime: boolean) {
  return {
    name,
    parse(ctx: LineContext, p: ProxyConfig, words: string[]): void {
      const hasCap = cap === 'frontend' ? p.cap.frontend : p.cap.backend;
      const v = words[1] ?? '';
      if (v === '') {
        ctx.alert('CFG_INTEGER_EXPECTED', `'${name}' expects an integer value`);
        return;
      }
      let value: number;
      if (isTime) {
        const r = parseTimeIn(v, 's');
        reportTimeWarning(ctx, r);
        if (!r.ok) {
          if (r.overflow === true) {
            ctx.alert('CFG_TIME_INVALID', `timer overflow in argument '${v}' to '${name}' (maximum value is 2147483647 ms or ~24.8 days)`);
          } else if (r.underflow === true) {
            ctx.alert('CFG_TIME_INVALID', `timer underflow in argument '${v}' to '${name}' (minimum non-null value is 1 ms)`);
          } else {
            // proxy.c ends this one with a line feed: haproxy prints a blank line after it
            ctx.alert('CFG_TIME_INVALID', `unexpected character '${r.badChar ?? ''}' in argument to <${name}>.\n`);
          }
          return;
        }
        value = r.value * 1000;
      } else {
        // proxy.c proxy_parse_tcpka_cnt(): strtol(base 0) into an int
        const r = cStrtol(v, 0);
        if (r.rest !== '') {
          ctx.alert('CFG_INTEGER_EXPECTED', `'${name}' : unexpected character '${r.rest[0] ?? ''}' in integer value '${v}'`);
          return;
        }
        value = cInt(r.value);
      }
      p.tcpKeepAlive[field] = value;
      if (!hasCap) ctx.warning('CFG_PROXY_CAPABILITY', `${name} will be ignored because ${proxyTypeStr(p)} '${p.name}' has no ${cap} capability`);
      // `*-idle` is applied with SO_KEEPALIVE (src/proxy/socket-tuning.ts); Node cannot set the count and interval.
      else if (!isTime || name.endsWith('-intvl')) ctx.notEnforced(`'${name}' (Node.js cannot set ${isTime ? 'TCP_KEEPINTVL' : 'TCP_KEEPCNT'})`);
    },
  };
}

function parseHttpReuse(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'http-reuse');
  const v = words[1] ?? '';
  if (v !== 'never' && v !== 'safe' && v !== 'aggressive' && v !== 'always') {
    ctx.alert('CFG_HTTP_REUSE', `'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.`);
    return;
  }
  p.httpReuse = v;
  if (tooManyArgs(ctx, words, 0, 1)) return;
  // All four modes: src/http/stream-server.ts reusableConn().
}

proxyKeywords.register(
  integerKeyword('maxconn', 'frontend', " Maybe you want 'fullconn' instead ?", 'an integer argument', (p, v) => { p.maxconn = v; }),
  integerKeyword('backlog', 'frontend', '', 'an integer argument', (p, v) => { p.backlog = v; }, 'lands with listener tuning'),
  integerKeyword('fullconn', 'backend', " Maybe you want 'maxconn' instead ?", 'an integer argument', (p, v) => { p.fullconn = v; }),
  integerKeyword('retries', 'backend', '', 'an integer argument (dispatch counts for one)', (p, v) => { p.retries = v; }),
  { name: 'retry-on', parse: parseRetryOn },
  { name: 'rate-limit', parse: parseRateLimit },
  { name: 'max-keep-alive-queue', parse: parseMaxKeepAliveQueue },
  { name: 'max-session-srv-conns', parse: parseMaxSessionSrvConns },
  tcpKeepAliveKeyword('clitcpka-cnt', 'clientCount', 'frontend', false),
  tcpKeepAliveKeyword('clitcpka-idle', 'clientIdle', 'frontend', true),
  tcpKeepAliveKeyword('clitcpka-intvl', 'clientInterval', 'frontend', true),
  tcpKeepAliveKeyword('srvtcpka-cnt', 'serverCount', 'backend', false),
  tcpKeepAliveKeyword('srvtcpka-idle', 'serverIdle', 'backend', true),
  tcpKeepAliveKeyword('srvtcpka-intvl', 'serverInterval', 'backend', true),
  { name: 'http-reuse', parse: parseHttpReuse },
);
