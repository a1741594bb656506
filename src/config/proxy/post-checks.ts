/**
 * Checks between sections, run once every file is read without alerts, in the
 * order of haproxy 2.6's check_config_validity() proxy loop: HTTP-only
 * settings of TCP proxies, missing `bind`, references to backends, servers,
 * stick tables, mailers and http-errors sections, mode mismatches, deferred
 * log-format and expression parsing, missing timeouts, and settings ignored
 * outside `mode http`.
 *
 * haproxy prints most of these without a place ("Proxy 'fe': unable to find
 * required default_backend: 'nope'."); the place of the referencing line is
 * still attached, with style 'none', so tools can use it.
 */
import type { Diagnostics, Place } from '../diagnostics.js';
import type { ConfigModel } from '../model/index.js';
import type { LogFormatSetting, ProxyConfig, RuleConfig } from '../model/proxy.js';
import { registerPostCheck } from '../section-registry.js';
import { parseLogFormat, type LogFormat } from '../../sample/log-format.js';
import { parseSampleExpression } from '../../sample/expression.js';
import { canCast, ckp, type SampleType, type SampleUsage } from '../../sample/types.js';
import { fetchCheckpoints } from '../../sample/fetch-registry.js';
import { inspectDelayOf } from '../../tcp/rules.js';
import { SIMPLE_OPTIONS } from './options.js';
import { BUILTIN_LOG_FORMATS, isHttpLogFormat } from './log-formats.js';
import { proxyTypeStr } from './util.js';
import { resolveProxyArgs } from './arg-resolution.js';

const NONE = 'none' as const;

function placeStr(p: Place): string {
  return `${p.file}:${p.line}`;
}

/** A reporter bound to one proxy, for messages printed without a place. */
class Reporter {
  constructor(readonly diag: Diagnostics, readonly p: ProxyConfig) {}

  alert(code: string, message: string, place: Place = this.p.place): void {
    this.diag.alert(code, message, place, NONE);
  }

  warning(code: string, message: string, place: Place = this.p.place): void {
    this.diag.warning(code, message, place, NONE);
  }

  /** For messages haproxy prints with "parsing [f:l] : " of the directive. */
  warningAt(code: string, message: string, place: Place): void {
    this.diag.warning(code, message, place, 'parsing');
  }

  get type(): string {
    return proxyTypeStr(this.p);
  }
}

/** Finds a proxy able to act as a backend (haproxy's proxy_be_by_name()). */
function backendByName(model: ConfigModel, name: string): ProxyConfig | undefined {
  return model.proxies.find((p) => p.name === name && p.cap.backend);
}

/** A stick table by name: a proxy's own table, or a `table` line of a peers section. */
function tableExists(model: ConfigModel, name: string): { type?: string } | undefined {
  const px = model.proxies.find((p) => p.name === name && p.stickTable !== undefined);
  if (px?.stickTable !== undefined) return { type: px.stickTable.type };
  for (const peers of model.peers) {
    for (const d of peers.directives) {
      if (d.keyword === 'table' && d.args[0] === name) {
        const i = d.args.indexOf('type');
        const t = i >= 0 ? d.args[i + 1] : undefined;
        return t === undefined ? {} : { type: t };
      }
    }
  }
  return undefined;
}

/** The sample type a stick table key accepts (stick_table.c stktable_types[]). */
const TABLE_KEY_TYPES: Readonly<Record<string, SampleType>> = {
  ip: 'ipv4', ipv6: 'ipv6', integer: 'sint', string: 'str', binary: 'bin',
};

/** haproxy's proxy_mode_str(). */
function modeStr(p: ProxyConfig): string {
  return p.mode;
}

function ensureNoHttp(r: Reporter): void {
  // proxy.c proxy_cfg_ensure_no_http()
  const p = r.p;
  if (p.cookie !== undefined) r.warning('CFG_NEEDS_HTTP', `cookie will be ignored for ${r.type} '${p.name}' (needs 'mode http').`, p.cookie.place);
  if (p.monitorUri !== undefined) r.warning('CFG_NEEDS_HTTP', `monitor-uri will be ignored for ${r.type} '${p.name}' (needs 'mode http').`);
  const algo = p.balance?.algorithm ?? '';
  if (algo === 'uri' || algo === 'url_param' || algo.startsWith('hdr(')) {
    r.warning('CFG_NEEDS_HTTP', `Layer 7 hash not possible for ${r.type} '${p.name}' (needs 'mode http'). Falling back to round robin.`, p.balance?.place);
  }
  const lf = p.logFormat;
  if (lf !== undefined && isHttpLogFormat(lf)) {
    const which = lf.origin === 'httpslog' ? 'httpslog' : 'httplog';
    r.warningAt('CFG_NEEDS_HTTP', `'option ${which}' not usable with ${r.type} '${p.name}' (needs 'mode http'). Falling back to 'option tcplog'.`, lf.place);
    // haproxy keeps the directive's place but logs in the TCP format from now on.
    p.logFormat = { origin: 'tcplog', text: BUILTIN_LOG_FORMATS.tcplog, place: lf.place };
  }
}

/** Checks of the backend a frontend switches to: existence, loops and modes (default_backend / use_backend). */
function checkTarget(r: Reporter, model: ConfigModel, name: string, place: Place, kw: 'default_backend' | 'use_backend'): void {
  const p = r.p;
  const target = backendByName(model, name);
  if (target === undefined) {
    r.alert('CFG_BACKEND_NOT_FOUND', `Proxy '${p.name}': unable to find required ${kw}: '${name}'.`, place);
  } else if (target === p) {
    r.alert('CFG_BACKEND_LOOP', `Proxy '${p.name}': loop detected for ${kw}: '${name}'.`, place);
  } else if (target.mode !== p.mode && !(p.mode === 'tcp' && target.mode === 'http')) {
    // A TCP frontend may hand over to an HTTP backend (an upgrade, configuration.txt §4), not the reverse.
    const what = kw === 'default_backend' ? 'as its default backend' : "in a 'use_backend' rule";
    r.alert(
      'CFG_BACKEND_MODE_MISMATCH',
      `${modeStr(p)} ${r.type} '${p.name}' (${placeStr(p.place)}) tries to use incompatible ${modeStr(target)} ${proxyTypeStr(target)} '${target.name}' (${placeStr(target.place)}) ${what} (see 'mode').`,
      place,
    );
  }
}

function parseCtx(p: ProxyConfig, place: Place, usage: SampleUsage) {
  return {
    place,
    usage,
    proxyMode: p.mode === 'http' ? ('http' as const) : ('tcp' as const),
    proxyCap: { frontend: p.cap.frontend, backend: p.cap.backend },
  };
}

/**
 * A name that may be a log-format string (use_backend, use-server): static
 * when it has no '%' or parses to plain text. Returns the static name, the
 * parsed format, or undefined after reporting the error.
 */
function resolveName(
  p: ProxyConfig, name: string, place: Place, fail: (message: string) => void,
): { static: string } | { dynamic: LogFormat } | undefined {
  if (!name.includes('%')) return { static: name };
  const res = parseLogFormat(name, parseCtx(p, place, 'http-request'));
  if (!res.ok) {
    fail(res.message);
    return undefined;
  }
  const only = res.format.nodes.length === 1 ? res.format.nodes[0] : undefined;
  if (only?.kind === 'text') return { static: only.text };
  return { dynamic: res.format };
}

function checkSwitching(r: Reporter, model: ConfigModel): void {
  const p = r.p;
  if (p.defaultBackend !== undefined) {
    checkTarget(r, model, p.defaultBackend.name, p.defaultBackend.place, 'default_backend');
    if (p.servers.length > 0 && backendByName(model, p.defaultBackend.name) !== undefined) {
      r.warning('CFG_DEFAULT_BACKEND_SERVERS', `In proxy '${p.name}', the 'default_backend' rule always has precedence over the servers, which will never be used.`, p.defaultBackend.place);
    }
  }
  for (const rule of p.useBackends) {
    const res = resolveName(p, rule.name, rule.place, (msg) => {
      r.alert('CFG_USE_BACKEND_FORMAT', `Parsing [${placeStr(rule.place)}]: failed to parse use_backend rule '${rule.name}' : ${msg}.`, rule.place);
    });
    if (res === undefined) continue;
    if ('dynamic' in res) {
      rule.dynamic = res.dynamic;
      continue;
    }
    checkTarget(r, model, res.static, rule.place, 'use_backend');
  }
  for (const rule of p.useServers) {
    const res = resolveName(p, rule.server, rule.place, (msg) => {
      r.alert('CFG_USE_SERVER_FORMAT', `Parsing [${placeStr(rule.place)}]; use-server rule failed to parse log-format '${rule.server}' : ${msg}.`, rule.place);
    });
    if (res === undefined || 'dynamic' in res) continue;
    if (!p.servers.some((s) => s.name === res.static)) {
      r.alert('CFG_SERVER_NOT_FOUND', `${r.type} '${p.name}' : unable to find server '${res.static}' referenced in a 'use-server' rule.`, rule.place);
    }
  }
}

function checkStickRules(r: Reporter, model: ConfigModel): void {
  const p = r.p;
  const ordered = [...p.stickRules.filter((s) => s.kind !== 'store-response'), ...p.stickRules.filter((s) => s.kind === 'store-response')];
  for (const rule of ordered) {
    const name = rule.table ?? p.name;
    const t = tableExists(model, name);
    if (t === undefined) {
      const what = rule.kind === 'store-response' ? 'store table' : 'stick-table';
      r.alert('CFG_STICK_TABLE_NOT_FOUND', `Proxy '${p.name}': unable to find ${what} '${name}'.`, rule.place);
      continue;
    }
    const keyType = t.type === undefined ? undefined : TABLE_KEY_TYPES[t.type];
    if (keyType !== undefined && !canCast(rule.expression.outType, keyType)) {
      r.alert('CFG_STICK_TABLE_TYPE', `Proxy '${p.name}': type of fetch not usable with type of stick-table '${name}'.`, rule.place);
    }
  }
}

/** track-sc actions name their table with `table <name>`, else the proxy's own one. */
function checkTrackedTables(r: Reporter, model: ConfigModel): void {
  const p = r.p;
  const sets: RuleConfig[][] = [
    p.rules.tcpRequestConnection, p.rules.tcpRequestSession, p.rules.tcpRequestContent, p.rules.tcpResponseContent,
    p.rules.httpRequest, p.rules.httpResponse, p.rules.httpAfterResponse,
  ];
  for (const list of sets) {
    for (const rule of list) {
      if (!rule.action.startsWith('track-sc')) continue;
      // The rules helper keeps the counter and table in `rule.data` ({ kind: 'counter', sc, table }).
      const data = (rule as { data?: { kind?: unknown; sc?: unknown; table?: unknown } }).data;
      const fromName = /^track-sc(\d+)$/.exec(rule.action)?.[1];
      const sc = typeof data?.sc === 'number' ? String(data.sc) : fromName ?? '';
      const i = rule.args.indexOf('table');
      const table = typeof data?.table === 'string' ? data.table : i >= 0 ? rule.args[i + 1] : undefined;
      const name = table ?? p.name;
      if (tableExists(model, name) === undefined) {
        r.alert('CFG_TRACK_TABLE_NOT_FOUND', `Proxy '${p.name}': unable to find table '${name}' referenced by track-sc${sc}.`, rule.place);
      }
    }
  }
}

/**
 * tcp_rules.c check_capture(): a frontend's `tcp-request content capture`
 * whose fetch needs the request contents (it cannot work at connection or
 * session time), without a `tcp-request inspect-delay`: the rule sees
 * whatever happens to be there. One warning per rule, as haproxy.
 */
function checkCaptureDelay(r: Reporter, model: ConfigModel): void {
  const p = r.p;
  if (!p.cap.frontend || inspectDelayOf(p, model, 'tcp-request') > 0) return;
  const early = ckp('FE_CON_ACC') | ckp('FE_SES_ACC');
  for (const rule of p.rules.tcpRequestContent) {
    const expr = rule.action === 'capture' ? rule.expressions?.[0] : undefined;
    if (expr === undefined || (fetchCheckpoints(expr.fetch) & early) !== 0) continue;
    r.warning(
      'CFG_CAPTURE_NO_INSPECT_DELAY',
      `${r.type} '${p.name}' : a 'tcp-request capture' rule explicitly depending on request contents without any 'tcp-request inspect-delay' setting. This means that this rule will randomly find its contents. This can be fixed by setting the tcp-request inspect-delay.`,
      rule.place,
    );
  }
}

function checkHealthChecks(r: Reporter, model: ConfigModel): void {
  const p = r.p;
  const opt = (n: string): boolean => p.options.get(n) === true;
  const httpRules = p.httpChecks.filter((d) => d.args[0] !== 'disable-on-404' && d.args[0] !== 'send-state');
  if (httpRules.length > 0 && !opt('httpchk')) {
    r.warning('CFG_CHECK_RULES_IGNORED', `${r.type} '${p.name}' uses http-check rules without 'option httpchk', so the rules are ignored.`, httpRules[0]?.place);
  }
  const tcpCheckKinds = ['ssl-hello-chk', 'smtpchk', 'pgsql-check', 'redis-check', 'mysql-check', 'ldap-check', 'spop-check', 'tcp-check'];
  if (tcpCheckKinds.some(opt)) {
    for (const flag of ['disable-on-404', 'send-state']) {
      const d = p.httpChecks.find((x) => x.args[0] === flag);
      if (d !== undefined) r.warning('CFG_CHECK_OPTION_IGNORED', `'${flag}' will be ignored for ${r.type} '${p.name}' (requires 'option httpchk').`, d.place);
    }
  }
  if (opt('external-check')) {
    const place = p.optionPlaces.get('external-check');
    const g = model.global;
    if (!g.directives.some((d) => d.keyword === 'external-check')) {
      r.alert('CFG_EXTERNAL_CHECK', `Proxy '${p.name}' : 'option external-check' unable to find required 'global.external-check'.`, place);
    }
    if (p.externalCheck.command === undefined) {
      r.alert('CFG_EXTERNAL_CHECK', `Proxy '${p.name}' : 'option external-check' unable to find required 'external-check command'.`, place);
    }
    if (!g.directives.some((d) => d.keyword === 'insecure-fork-wanted')) {
      r.warning('CFG_EXTERNAL_CHECK', `Proxy '${p.name}' : 'insecure-fork-wanted' not enabled in the global section, 'option external-check' will likely fail.`, place);
    }
  }
}

function checkEmailAndExternal(r: Reporter): boolean {
  const p = r.p;
  const e = p.emailAlert;
  let emailComplete = false;
  if (e.place !== undefined) {
    emailComplete = e.mailers !== undefined && e.from !== undefined && e.to !== undefined;
    if (!emailComplete) {
      r.warning(
        'CFG_EMAIL_ALERT_INCOMPLETE',
        `'email-alert' will be ignored for ${r.type} '${p.name}' (the presence any of 'email-alert from', 'email-alert level' 'email-alert mailers', 'email-alert myhostname', or 'email-alert to' requires each of 'email-alert from', 'email-alert mailers' and 'email-alert to' to be present).`,
        e.place,
      );
    }
  }
  const ext = p.options.get('external-check') === true;
  const cmd = p.externalCheck.command;
  if (cmd !== undefined) {
    if (!ext) r.warning('CFG_EXTERNAL_CHECK', `'external-check command' will be ignored for ${r.type} '${p.name}' (requires 'option external-check').`, p.externalCheck.place);
    if (!cmd.startsWith('/') && p.externalCheck.path === undefined) {
      r.alert('CFG_EXTERNAL_CHECK', `Proxy '${p.name}': 'external-check command' does not have a leading '/' and 'external-check path' is not set.`, p.externalCheck.place);
    }
  }
  if (p.externalCheck.path !== undefined && !ext) {
    r.warning('CFG_EXTERNAL_CHECK', `'external-check path' will be ignored for ${r.type} '${p.name}' (requires 'option external-check').`, p.externalCheck.place);
  }
  return emailComplete;
}

/** Log-format strings are parsed now, with the proxy's final mode (haproxy does the same). */
function parseFormats(r: Reporter): void {
  const p = r.p;
  const one = (f: LogFormatSetting | undefined, label: string, usage: SampleUsage): void => {
    if (f === undefined) return;
    const res = parseLogFormat(f.text, parseCtx(p, f.place, usage));
    if (!res.ok) {
      r.alert('CFG_LOG_FORMAT_INVALID', `Parsing [${placeStr(f.place)}]: failed to parse ${label} : ${res.message}.`, f.place);
      return;
    }
    f.parsed = res.format;
    for (const w of res.warnings) r.warningAt('CFG_LOG_FORMAT_WARNING', w, f.place);
  };
  one(p.logFormat, 'log-format', 'log-format');
  one(p.logFormatSd, 'log-format-sd', 'log-format');
  one(p.uniqueIdFormat, 'unique-id', 'unique-id-format');
  one(p.errorLogFormat, 'error-log-format', 'log-format');
}

function parseBalanceHash(r: Reporter): void {
  const p = r.p;
  const b = p.balance;
  if (b === undefined || b.algorithm !== 'hash' || !p.cap.backend) return;
  const text = b.args.join(' ');
  const res = parseSampleExpression([...b.args], 0, { ...parseCtx(p, b.place, 'use-server'), skipUsageCheck: true });
  if (!res.ok) {
    r.alert('CFG_BALANCE_HASH', `${r.type} '${p.name}' [${placeStr(p.place)}]: failed to parse 'balance hash' expression '${text}' in : ${res.message}.`, b.place);
    return;
  }
  b.expression = res.expr;
}

function missingTimeouts(r: Reporter): void {
  const p = r.p;
  const t = p.timeouts;
  const fe = p.cap.frontend && !t.client;
  const be = p.cap.backend && p.servers.length > 0 && (!t.connect || (!t.server && (p.mode === 'http' || !t.tunnel)));
  if (!fe && !be) return;
  r.warning(
    'CFG_MISSING_TIMEOUTS',
    `missing timeouts for ${r.type} '${p.name}'.\n` +
      '   | While not properly invalid, you will certainly encounter various problems\n' +
      '   | with such a configuration. To fix this, please ensure that all following\n' +
      "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
  );
}

/** cfgparse.c: what a proxy that is not in `mode http` ignores. */
function httpOnlyInTcp(r: Reporter): void {
  const p = r.p;
  if (p.mode === 'http') return;
  // cfgparse.c: not for a proxy with PR_O_HTTP_UPG, set by `tcp-request content switch-mode http` (its own or its defaults').
  const upgrades = (l: readonly RuleConfig[] | undefined): boolean => l?.some((x) => x.action === 'switch-mode') === true;
  if (upgrades(p.rules.tcpRequestContent) || upgrades(p.defaultsRules?.tcpRequestContent)) return;
  if (p.stats.place !== undefined || p.stats.enabled) r.warning('CFG_NEEDS_HTTP', `'stats' statement ignored for ${r.type} '${p.name}' as it requires HTTP mode.`, p.stats.place);
  const cookieCapture = p.captures.find((c) => c.kind === 'cookie');
  if (cookieCapture !== undefined) r.warning('CFG_NEEDS_HTTP', `'capture' statement ignored for ${r.type} '${p.name}' as it requires HTTP mode.`, cookieCapture.place);
  const sets: [RuleConfig[], string, string][] = [
    [p.rules.httpRequest, 'http-request', 'they require'],
    [p.rules.httpResponse, 'http-response', 'they require'],
    [p.rules.httpAfterResponse, 'http-after-response', 'they require'],
    [p.rules.redirect, 'redirect', 'they require'],
  ];
  for (const [list, name] of sets) {
    if (list.length > 0) r.warning('CFG_NEEDS_HTTP', `'${name}' rules ignored for ${r.type} '${p.name}' as they require HTTP mode.`, list[0]?.place);
  }
  if (p.forwardFor !== undefined && p.options.get('forwardfor') === true) {
    r.warning('CFG_NEEDS_HTTP', `'option forwardfor' ignored for ${r.type} '${p.name}' as it requires HTTP mode.`, p.forwardFor.place);
  }
  if (p.originalTo !== undefined && p.options.get('originalto') === true) {
    r.warning('CFG_NEEDS_HTTP', `'option originalto' ignored for ${r.type} '${p.name}' as it requires HTTP mode.`, p.originalTo.place);
  }
  for (const table of [1, 2] as const) {
    for (const o of SIMPLE_OPTIONS) {
      if (o.table !== table || !o.httpOnly || p.options.get(o.name) !== true) continue;
      if (!o.cap.some((c) => (c === 'frontend' ? p.cap.frontend : p.cap.backend))) continue;
      r.warning('CFG_NEEDS_HTTP', `'option ${o.name}' ignored for ${r.type} '${p.name}' as it requires HTTP mode.`, p.optionPlaces.get(o.name));
    }
  }
  const src = p.source;
  if (src !== undefined) {
    const i = src.args.indexOf('usesrc');
    const m = i >= 0 ? /^hdr_ip\(([^,)]*)/.exec(src.args[i + 1] ?? '') : null;
    if (m !== null) r.warning('CFG_NEEDS_HTTP', `${r.type} '${p.name}' : ignoring use of header ${m[1] ?? ''} as source IP in non-HTTP mode.`, src.place);
  }
}

/** The whole per-proxy loop, in haproxy's order. */
function checkProxy(model: ConfigModel, diag: Diagnostics, p: ProxyConfig): void {
  // cfgparse.c: disabled proxies are skipped entirely.
  if (p.disabled) return;
  const r = new Reporter(diag, p);
  if (p.mode === 'tcp') ensureNoHttp(r);
  if (p.cap.frontend && p.binds.length === 0) {
    r.warning('CFG_NO_BIND', `${r.type} '${p.name}' has no 'bind' directive. Please declare it as a backend if this was intended.`);
  }
  if (p.cap.backend && p.balance !== undefined) {
    if (p.options.get('transparent') === true) {
      r.alert('CFG_TRANSPARENT_BALANCE', `${r.type} '${p.name}' cannot use both transparent and balance mode.`, p.balance.place);
    } else if (p.dispatch !== undefined) {
      r.warning('CFG_DISPATCH_BALANCE', `dispatch address of ${r.type} '${p.name}' will be ignored in balance mode.`, p.dispatch.place);
    }
  }
  checkHealthChecks(r, model);
  const emailComplete = checkEmailAndExternal(r);
  checkSwitching(r, model);
  checkStickRules(r, model);
  const peers = p.stickTable?.peers;
  if (peers !== undefined && p.stickTable !== undefined && !model.peers.some((s) => s.name === peers)) {
    r.alert('CFG_PEERS_NOT_FOUND', `Proxy '${p.name}': unable to find sync peers '${peers}'.`, p.stickTable.place);
  }
  const mailers = p.emailAlert.mailers;
  if (emailComplete && mailers !== undefined && !model.mailers.some((m) => m.name === mailers)) {
    r.alert('CFG_MAILERS_NOT_FOUND', `Proxy '${p.name}': unable to find mailers '${mailers}'.`, p.emailAlert.place);
  }
  checkCaptureDelay(r, model);
  checkTrackedTables(r, model);
  if ((p.stats.auths.length > 0 || p.stats.realm !== undefined) && p.stats.httpRequest.length > 0) {
    r.alert('CFG_STATS_AUTH_AND_RULES', `proxy '${p.name}': stats 'auth'/'realm' and 'http-request' can't be used at the same time.`, p.stats.place);
  }
  parseFormats(r);
  resolveProxyArgs(model, diag, p);
  parseBalanceHash(r);
  missingTimeouts(r);
  const tcpRules = p.tcpChecks;
  if (tcpRules.length > 0 && p.options.get('tcp-check') !== true) {
    r.warning('CFG_CHECK_RULES_IGNORED', `${r.type} '${p.name}' uses tcp-check rules without 'option tcp-check', so the rules are ignored.`, tcpRules[0]?.place);
  }
  const cookieCapture = p.captures.find((c) => c.kind === 'cookie');
  if (cookieCapture !== undefined && cookieCapture.length >= 64) {
    r.warning('CFG_CAPTURE_TRUNCATED', `truncating capture length to 63 bytes for ${r.type} '${p.name}'.`, cookieCapture.place);
  }
  if (p.loadServerStateFromFile === 'global' && model.global.serverStateFile === undefined) {
    r.warning('CFG_SERVER_STATE_FILE', `backend '${p.name}' configured to load server state file from global section 'server-state-file' directive. Unfortunately, 'server-state-file' is not set!`);
  }
  // A format that failed to parse left nothing to ignore.
  const format = [p.logFormat, p.logFormatSd].find((f) => f?.parsed !== undefined);
  if (p.cap.frontend && format !== undefined && p.logs.length === 0) {
    r.warning('CFG_LOG_FORMAT_NO_TARGET', `log format ignored for ${r.type} '${p.name}' since it has no log address.`, format.place);
  }
  httpOnlyInTcp(r);
}

/** http_htx.c proxy_check_errors(): `errorfiles` and `http-error ... errorfiles` sections, after the proxy loop. */
function checkErrorSections(model: ConfigModel, diag: Diagnostics): void {
  for (const p of model.proxies) {
    if (p.disabled) continue;
    for (const e of p.errorPages) {
      if (e.section === undefined) continue;
      const sec = model.httpErrors.find((h) => h.name === e.section);
      if (sec === undefined) {
        diag.alert('CFG_HTTP_ERRORS_NOT_FOUND', `proxy '${p.name}': unknown http-errors section '${e.section}' (at ${placeStr(e.place)}).`, e.place, NONE);
        continue;
      }
      if (e.kind !== 'errorfiles') continue;
      for (const status of e.statuses ?? []) {
        if (!sec.errorfiles.has(status)) {
          diag.warning(
            'CFG_HTTP_ERRORS_STATUS',
            `config: proxy '${p.name}' : status '${status}' not declared in http-errors section '${e.section}' (at ${placeStr(e.place)}).`,
            e.place,
            NONE,
          );
        }
      }
    }
    for (const d of p.directives) {
      if (d.keyword !== 'use-fcgi-app') continue;
      // No fcgi-app section exists in Switchyard yet, so any reference is missing (fcgi-app.c).
      diag.alert('CFG_FCGI_APP_NOT_FOUND', `proxy '${p.name}' : fcgi-app '${d.args[0] ?? ''}' not found.`, d.place, NONE);
      if (p.mode !== 'http') diag.alert('CFG_FCGI_APP_NOT_HTTP', `proxy '${p.name}': FCGI application cannot be used in non-HTTP mode.`, d.place, NONE);
    }
  }
}

/** Runs the proxy loop over every proxy, in declaration order. */
export function checkProxies(model: ConfigModel, diag: Diagnostics): void {
  for (const p of model.proxies) checkProxy(model, diag, p);
}

registerPostCheck('proxies', checkProxies, 50);
registerPostCheck('proxy error sections', checkErrorSections, 150);
