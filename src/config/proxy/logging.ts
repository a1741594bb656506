/**
 * Logging and monitoring keywords of proxies (configuration.txt §4.2, §8):
 * `log`, `no log`, `log-format`, `log-format-sd`, `error-log-format`,
 * `log-tag`, `unique-id-format`, `unique-id-header`, `capture`,
 * `declare capture`, `monitor-uri`, `monitor fail` and the removed `monitor-net`.
 * Log-format strings are only stored here: haproxy parses them once every
 * section is read (see post-checks.ts), with the proxy's final mode.
 */
import type { LogFormatSetting, ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { parseLogLine, pendingLogTarget } from '../../log/log-target.js';
import { cAtoi } from '../global/c-numbers.js';
import { keepDirective, tooManyArgs, warnIfNotCap } from './util.js';
import { logFormatName } from './log-formats.js';
import { parseRuleCondition, warnIfMisplaced } from './general.js';
import type { KeywordModifier } from '../global/keyword-modifier.js';

/**
 * `log ...`, `no log` and `default log ...` in a proxy. The words are those
 * haproxy sees after removing the prefix (see sections/proxy.ts).
 */
export function parseLogKeyword(ctx: LineContext, p: ProxyConfig, words: readonly string[], kwm: KeywordModifier): void {
  const line = kwm === 'no' ? ['no', ...words] : [...words];
  const before = p.logs.length;
  if (!parseLogLine(ctx, line, p.logs) || kwm === 'no') return;
  // Traffic logs are sent (src/log/); only the targets without a transport are pending.
  for (const t of p.logs.slice(before)) {
    const why = pendingLogTarget(t);
    if (why !== undefined) ctx.notEnforced(`'log ${t.text}' (${why})`);
  }
}

/** `log-format`, `log-format-sd`, `error-log-format`, `unique-id-format`: one argument, a log-format string. */
function oneFormatArgument(ctx: LineContext, words: readonly string[]): string | undefined {
  const kw = words[0] ?? '';
  if ((words[1] ?? '') === '') {
    ctx.alert('CFG_LOG_FORMAT_ARGS', `${kw} expects an argument.`);
    return undefined;
  }
  if ((words[2] ?? '') !== '') {
    ctx.alert('CFG_LOG_FORMAT_ARGS', `${kw} expects only one argument, don't forget to escape spaces!`);
    return undefined;
  }
  return words[1];
}

function custom(ctx: LineContext, text: string): LogFormatSetting {
  return { origin: 'custom', text, place: ctx.place };
}

function ignoredInBackend(ctx: LineContext, p: ProxyConfig, directive: string): boolean {
  if (p.cap.frontend) return false;
  ctx.warning('CFG_LOG_IN_BACKEND', `backend '${p.name}' : '${directive}' directive is ignored in backends.`);
  return true;
}

function parseLogFormatKw(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const text = oneFormatArgument(ctx, words);
  if (text === undefined) return;
  if (p.cap.defaults && p.logFormat !== undefined) {
    ctx.warning('CFG_LOG_FORMAT_OVERRIDE', `'log-format' overrides previous '${logFormatName(p.logFormat)}' in 'defaults' section.`, 'parsing-tight');
  }
  p.logFormat = custom(ctx, text);
  for (const o of ['httplog', 'tcplog', 'httpslog']) p.options.delete(o);
  ignoredInBackend(ctx, p, 'log-format');
}

function parseLogFormatSd(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const text = oneFormatArgument(ctx, words);
  if (text === undefined) return;
  p.logFormatSd = custom(ctx, text);
  ignoredInBackend(ctx, p, 'log-format-sd');
}

function parseErrorLogFormat(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const text = oneFormatArgument(ctx, words);
  if (text === undefined) return;
  if (p.cap.defaults && p.errorLogFormat !== undefined) {
    ctx.warning('CFG_LOG_FORMAT_OVERRIDE', `'error-log-format' overrides previous 'error-log-format' in 'defaults' section.`, 'parsing-tight');
  }
  p.errorLogFormat = custom(ctx, text);
  // Used for connection errors and the mux's <BADREQ> lines (src/tcp/conn-log.ts, src/log/http-log.ts).
  ignoredInBackend(ctx, p, 'error-log-format');
}

function parseCapture(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'frontend', 'capture');
  const what = words[1] ?? '';
  if (what === 'cookie') {
    if (p.cap.defaults) {
      ctx.alert('CFG_NOT_IN_DEFAULTS', `'capture cookie' not allowed in 'defaults' section.`);
      return;
    }
    if (tooManyArgs(ctx, words, 4, 1)) return;
    if ((words[4] ?? '') === '') {
      ctx.alert('CFG_CAPTURE_ARGS', `'capture' expects 'cookie' <cookie_name> 'len' <len>.`);
      return;
    }
    // cfgparse-listen.c keeps a single cookie capture: the last one wins.
    const others = p.captures.filter((c) => c.kind !== 'cookie');
    p.captures.length = 0;
    p.captures.push(...others, { place: ctx.place, kind: 'cookie', name: words[2] ?? '', length: cAtoi(words[4] ?? ''), declared: false });
  } else if ((what === 'request' || what === 'response') && words[2] === 'header') {
    if (p.cap.defaults) {
      ctx.alert('CFG_NOT_IN_DEFAULTS', `'capture ${what}' not allowed in 'defaults' section.`);
      return;
    }
    if (tooManyArgs(ctx, words, 4, 1)) return;
    if ((words[3] ?? '') === '' || words[4] !== 'len' || (words[5] ?? '') === '') {
      ctx.alert('CFG_CAPTURE_ARGS', `'capture ${what}' expects 'header' <header_name> 'len' <len>.`);
      return;
    }
    p.captures.push({ place: ctx.place, kind: what, name: words[3] ?? '', length: cAtoi(words[5] ?? ''), declared: false });
    // Header captures are enforced (src/http/capture.ts); only their log output waits for the logs.
    return;
  } else {
    ctx.alert('CFG_CAPTURE_ARGS', `'capture' expects 'cookie' or 'request header' or 'response header'.`);
    return;
  }
  // `capture cookie`: %CC/%CS of the logs (src/http/capture.ts).
}

function parseDeclare(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  // proxy.c proxy_parse_declare(): errors come back as "parsing [f:l] : <msg>".
  const fail = (msg: string): void => ctx.alert('CFG_DECLARE_ARGS', msg);
  if (p.cap.defaults) return fail(`'declare' not available in default section`);
  if (!p.cap.frontend) return fail(`'declare' only available in frontend or listen section`);
  const kind = words[1] ?? '';
  if (kind === '') return fail(`'declare' needs a second keyword that specify the type of declaration ('capture')`);
  if (kind !== 'capture') return fail(`unknown declaration type '${kind}' (supports 'capture')`);
  const dir = words[2] ?? '';
  if (dir !== 'request' && dir !== 'response') return fail(`'declare capture' requires a direction ('request' or 'response')`);
  if (words[3] !== 'len') return fail(`'declare capture' requires a capture length ('len')`);
  const len = words[4] ?? '';
  if (len === '') return fail(`'declare capture': 'len' requires a numeric value that represents the capture length`);
  // strtol() must consume the whole word; haproxy quotes the wrong word ('len') in this message.
  if (!/^\s*[+-]?\d+$/.test(len)) return fail(`'declare capture': cannot parse the length '${words[3] ?? ''}'.`);
  p.captures.push({ place: ctx.place, kind: dir, length: Number(len), declared: true });
}

function parseMonitorUri(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'frontend', 'monitor-uri');
  if (tooManyArgs(ctx, words, 1)) return;
  const uri = words[1] ?? '';
  if (uri === '') {
    ctx.alert('CFG_MONITOR_ARGS', `'monitor-uri' expects an URI.`);
    return;
  }
  p.monitorUri = uri;
}

function parseMonitor(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (p.cap.defaults) {
    ctx.alert('CFG_NOT_IN_DEFAULTS', `'monitor' not allowed in 'defaults' section.`);
    return;
  }
  warnIfNotCap(ctx, p, 'frontend', 'monitor');
  if (words[1] !== 'fail') {
    ctx.alert('CFG_MONITOR_ARGS', `'monitor' only supports 'fail'.`);
    return;
  }
  const w = words[2] ?? '';
  if (w !== 'if' && w !== 'unless') {
    ctx.alert('CFG_RULE_CONDITION_REQUIRED', `'monitor fail' requires either 'if' or 'unless' followed by a condition.`);
    return;
  }
  warnIfMisplaced(ctx, p, 'monitor fail', 'monitor fail');
  const r = parseRuleCondition(ctx, p, words, 2, 'monitor fail', `error detected while parsing a 'monitor fail' condition`);
  if (!r.ok || r.cond === undefined) return;
  p.monitorFail.push({ place: ctx.place, cond: r.cond });
  // Also kept as a directive: the rule parsers look for it there for their misplaced-rule warnings.
  keepDirective(ctx, p, words);
}

proxyKeywords.register(
  {
    name: 'log',
    parse(ctx, p, words) {
      parseLogKeyword(ctx, p, words, 'std');
    },
  },
  { name: 'log-format', parse: parseLogFormatKw },
  { name: 'log-format-sd', parse: parseLogFormatSd },
  { name: 'error-log-format', parse: parseErrorLogFormat },
  {
    name: 'log-tag',
    parse(ctx, p, words) {
      const tag = words[1] ?? '';
      if (tag === '') {
        ctx.alert('CFG_LOG_TAG_MISSING', `'log-tag' expects a tag for use in syslog.`);
        return;
      }
      p.logTag = tag;
    },
  },
  {
    name: 'unique-id-format',
    parse(ctx, p, words) {
      const text = oneFormatArgument(ctx, words);
      if (text !== undefined) p.uniqueIdFormat = custom(ctx, text);
    },
  },
  {
    name: 'unique-id-header',
    parse(ctx, p, words) {
      const h = words[1] ?? '';
      if (h === '') {
        ctx.alert('CFG_LOG_FORMAT_ARGS', `unique-id-header expects an argument.`);
        return;
      }
      p.uniqueIdHeader = h;
    },
  },
  { name: 'capture', parse: parseCapture },
  { name: 'declare', parse: parseDeclare },
  { name: 'monitor-uri', parse: parseMonitorUri },
  { name: 'monitor', parse: parseMonitor },
  {
    name: 'monitor-net',
    parse(ctx, _p, words) {
      ctx.alert(
        'CFG_REMOVED_KEYWORD',
        `'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src ${words[1] ?? ''} }' instead.`,
      );
    },
  },
);
