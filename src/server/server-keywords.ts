/**
 * `server`, `default-server` and `server-template` (configuration.txt §4.2,
 * §5.2), following haproxy 2.6's parse_server() (src/server.c):
 *   - the line is framed (capability, name, address or template range);
 *   - a server starts as a copy of the proxy's default-server, then its own
 *     options apply in order (`no-*` options reset inherited ones);
 *   - messages carry haproxy's user-message context: "[f:l] : 'server be/s1' : ".
 * Checks between lines and sections (duplicate names, `track`, `resolvers`,
 * check ports, TLS verification, mode-dependent options) and the resolution
 * of server host names (`init-addr`) run after parsing, as in haproxy.
 */
import type { Diagnostics, Place } from '../config/diagnostics.js';
import type { ConfigModel } from '../config/model/index.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { ServerConfig, ServerOptions } from '../config/model/server.js';
import { SERVER_DEFAULTS } from '../config/model/server.js';
import type { LineContext } from '../config/section-registry.js';
import { registerPostCheck } from '../config/section-registry.js';
import { proxyKeywords } from '../config/sections/proxy-keywords.js';
import { bestMatch } from '../config/suggest.js';
import { parseAddress } from '../net/address.js';
import { resolveHostSync } from '../net/resolve-sync.js';
import { checkCrt, ciphersUsable, cipherSuitesUsable } from '../net/tls-files.js';
import { serverOptionsByName, type ServerOptionContext } from './server-options.js';

type LineKind = 'server' | 'default-server' | 'server-template';

/** haproxy's invalid_char(): names may hold letters, digits, '.', '-', '_' and ':'. */
function invalidChar(name: string): string | undefined {
  for (const ch of name) if (!/[A-Za-z0-9._:-]/.test(ch)) return ch;
  return undefined;
}

/** `server-template` range: `<n>` (1..n) or `<low>-<high>`, low > 0 and high >= low. */
function parseTemplateRange(text: string): { low: number; high: number } | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (m === null) return undefined;
  let low = Number(m[1]);
  let high = m[2] === undefined ? low : Number(m[2]);
  if (m[2] === undefined) {
    high = low;
    low = 1;
  }
  if (low < 1 || high < low) return undefined;
  return { low, high };
}

/** Copies a default-server: options written on the default line are not the server's own. */
function inherit(def: ServerOptions): ServerOptions {
  const copy: ServerOptions = { ...def };
  copy.options = [];
  // srv_settings_cpy() does not copy the cookie nor the redirect prefix
  copy.cookie = undefined;
  copy.redir = undefined;
  return copy;
}

interface ParsedLine {
  ok: boolean;
}

/**
 * Applies the options of a line from `start`, haproxy's _srv_parse_kw() loop:
 * a fatal error stops the line; non-fatal ones (ERR_ALERT alone) do not.
 */
function parseOptions(
  ctx: LineContext,
  proxy: ProxyConfig,
  kind: LineKind,
  srv: ServerOptions & Partial<Pick<ServerConfig, 'id' | 'track'>>,
  srvName: string,
  words: readonly string[],
  start: number,
  prefix: string,
): ParsedLine {
  const isDefault = kind === 'default-server';
  const hint = isDefault ? ' Hint: no address was expected for this server.' : '';
  const alert = (code: string, message: string, placeless = false): void => {
    if (placeless) ctx.diag.alert(code, message);
    else ctx.alert(code, `${prefix}${message}`, 'bracket');
  };
  const siblings = proxy.servers;
  let i = start;
  let ok = true;
  while (i < words.length && words[i] !== '') {
    const name = words[i]!;
    const opt = serverOptionsByName.get(name);
    if (opt === undefined) {
      const best = bestMatch(name, serverOptionsByName.keys());
      alert(
        'SRV_UNKNOWN_OPTION',
        best !== undefined ? `unknown keyword '${name}'; did you mean '${best}' maybe ?${hint}` : `unknown keyword '${name}'.${hint}`,
      );
      return { ok: false };
    }
    if (isDefault && !opt.defaultOk) {
      // ERR_ALERT without ERR_FATAL in haproxy: the line goes on
      alert('SRV_NOT_IN_DEFAULT', `'${name}' option is not accepted in default-server sections`);
      ok = false;
      i += 1 + Math.max(opt.skip, 0);
      continue;
    }
    const c: ServerOptionContext = {
      ctx, proxy, srv, words, index: i, arg: words[i + 1] ?? '', srvName, isDefault, siblings,
      alertWithContext: (code, message) => alert(code, message),
    };
    const r = opt.parse(c);
    const consumed = r?.consumed ?? Math.max(opt.skip, 0);
    if (r?.error !== undefined) {
      const text = r.noDot ? r.error : `${r.error}.`;
      alert(r.nonFatal ? 'SRV_OPTION_REFUSED' : 'SRV_BAD_OPTION', text, r.placeless);
      if (!r.nonFatal) return { ok: false };
      ok = false;
    } else if (r?.warning !== undefined) {
      ctx.warning('SRV_OPTION_WARNING', `${prefix}${r.warning}.`, 'bracket');
    }
    (srv.options ??= []).push({ keyword: name, args: words.slice(i + 1, i + 1 + consumed), place: ctx.place });
    i += 1 + consumed;
  }
  return { ok };
}

function reportPending(ctx: LineContext, kind: LineKind, srv: ServerOptions): void {
  const seen = new Set<string>();
  for (const d of srv.options ?? []) {
    const opt = serverOptionsByName.get(d.keyword);
    const why = opt?.pendingFor !== undefined ? opt.pendingFor(d.args) : opt?.pending;
    if (why === undefined || seen.has(d.keyword)) continue;
    seen.add(d.keyword);
    ctx.notEnforced(`'${d.keyword}' on '${kind}' (${why})`);
  }
}

/** _srv_parse_finalize(): checks that need the whole line. */
function finalize(ctx: LineContext, srv: ServerOptions, srvName: string, prefix: string): boolean {
  if (srv.agentCheck === true && (srv.agentPort === undefined || srv.agentPort === 0)) {
    ctx.alert('SRV_AGENT_NO_PORT', `${prefix}server ${srvName} does not have agent port. Agent check has been disabled.`, 'bracket');
    return false;
  }
  return true;
}

function parseServerLine(ctx: LineContext, proxy: ProxyConfig, words: string[], kind: LineKind): void {
  const kw = words[0]!;
  if (kind !== 'default-server' && proxy.cap.defaults) {
    ctx.alert('SRV_IN_DEFAULTS', `'${kw}' not allowed in 'defaults' section.`, 'bracket');
    return;
  }
  if (!proxy.cap.backend) {
    // failifnotcap(): haproxy nests its own "parsing [f:l] : " inside the user-message context
    ctx.alert(
      'SRV_NO_BACKEND_CAP',
      `parsing [${ctx.place.file}:${ctx.place.line}] : '${kw}' not allowed because ${proxy.kind} '${proxy.name}' has no backend capability.`,
      'bracket',
    );
    return;
  }

  if (kind === 'default-server') {
    const def = proxy.defaultServer;
    const before = (def.options ?? []).length;
    const r = parseOptions(ctx, proxy, kind, def, 'default-server', words, 1, '');
    if (r.ok) {
      const own: ServerOptions = { options: (def.options ?? []).slice(before) };
      reportPending(ctx, kind, own);
    }
    return;
  }

  let cur = 1;
  let range: { low: number; high: number } | undefined;
  if (kind === 'server-template') {
    if ((words[1] ?? '') === '' || (words[2] ?? '') === '' || (words[3] ?? '') === '') {
      ctx.alert('SRV_TEMPLATE_ARGS', `'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.`, 'bracket');
      return;
    }
    range = parseTemplateRange(words[2]!);
    if (range === undefined) {
      ctx.alert('SRV_TEMPLATE_RANGE', `Wrong server-template number or range arg '${words[2]!}'.`, 'bracket');
      return;
    }
    cur = 2;
  } else if ((words[1] ?? '') === '' || (words[2] ?? '') === '') {
    ctx.alert('SRV_MISSING_ARGS', `'server' expects <name> and <addr>[:<port>] as arguments.`, 'bracket');
    return;
  }
  const name = words[1]!;
  const bad = invalidChar(name);
  if (bad !== undefined) {
    ctx.alert('SRV_INVALID_NAME', `character '${bad}' is not permitted in server name '${name}'.`, 'bracket');
    return;
  }
  // the template's servers have no id yet while their options are parsed
  const srvName = kind === 'server-template' ? '(null)' : name;
  const prefix = `'server ${proxy.name}/${srvName}' : `;
  const addrText = words[cur + 1]!;
  const a = parseAddress(addrText, { purpose: 'server' });
  if (!a.ok) {
    ctx.alert('SRV_BAD_ADDRESS', `${prefix}${a.message}${a.newline ? '\n' : ''}`, 'bracket');
    return;
  }

  const base = inherit(proxy.defaultServer) as ServerOptions & Partial<Pick<ServerConfig, 'id' | 'track'>>;
  const r = parseOptions(ctx, proxy, kind, base, srvName, words, cur + 2, prefix);
  if (!r.ok) return;
  if (!finalize(ctx, base, srvName, prefix)) return;

  const place: Place = ctx.place;
  if (range === undefined) {
    proxy.servers.push({ ...base, name, place, address: a.address });
  } else {
    for (let n = range.low; n <= range.high; n++) {
      proxy.servers.push({
        ...base,
        // only the first server of a template keeps a fixed id (srv_tmpl_set_addr/_srv_parse_tmpl_init)
        id: n === range.low ? base.id : undefined,
        name: `${name}${n}`,
        place,
        address: a.address,
        template: { prefix: name, index: n },
        fqdn: a.address.fqdn,
      });
    }
  }
  reportPending(ctx, kind, base);
}

proxyKeywords.register(
  { name: 'server', parse: (ctx, proxy, words) => parseServerLine(ctx, proxy, words, 'server') },
  { name: 'default-server', parse: (ctx, proxy, words) => parseServerLine(ctx, proxy, words, 'default-server') },
  { name: 'server-template', parse: (ctx, proxy, words) => parseServerLine(ctx, proxy, words, 'server-template') },
);

// --- checks between lines and sections, run once parsing is over ------------

function at(p: Place): string {
  return `[${p.file}:${p.line}]`;
}

function ctxPrefix(p: ProxyConfig, s: ServerConfig): string {
  return `'server ${p.name}/${s.name}' : `;
}

/** Every proxy's server checks, in haproxy's check_config_validity() order per proxy. */
function checkServers(model: ConfigModel, diag: Diagnostics): void {
  for (const p of model.proxies) {
    if (!p.cap.backend) continue;
    // duplicate names within a backend
    const seen = new Map<string, ServerConfig>();
    for (const s of p.servers) {
      const other = seen.get(s.name);
      if (other !== undefined) {
        diag.alert(
          'SRV_DUPLICATE_NAME',
          `backend '${p.name}', another server named '${s.name}' was already defined at line ${other.place.line}, please use distinct names.`,
          s.place,
          'parsing',
        );
      } else seen.set(s.name, s);
    }
    const nonHttp = p.mode !== 'http';
    let redirAlerted = false;
    for (const s of p.servers) {
      if (nonHttp && s.cookie !== undefined) {
        diag.warning('SRV_COOKIE_NOT_HTTP', `backend '${p.name}' : ignoring cookie for server '${s.name}' as HTTP mode is disabled.`);
      }
      if (nonHttp && s.redir !== undefined && !redirAlerted) {
        diag.alert('SRV_REDIR_NOT_HTTP', `backend '${p.name}' : server cannot have cookie or redirect prefix in non-HTTP mode.`);
        redirAlerted = true;
      }
    }
    for (const s of p.servers) {
      if (s.proto !== undefined && !muxUsable(s.proto, p.mode)) {
        diag.alert('SRV_MUX_MODE', `backend '${p.name}' : MUX protocol '${s.proto}' is not usable for server '${s.name}' at ${at(s.place)}.`);
      }
    }
    for (const s of p.servers) {
      if (s.track !== undefined && s.check === true) {
        diag.alert('SRV_TRACK_AND_CHECK', `${ctxPrefix(p, s)}unable to enable checks and tracking at the same time!`, s.place, 'bracket');
      } else checkTrack(model, p, s, diag);
    }
    for (const s of p.servers) {
      if (s.resolvers !== undefined && !model.resolvers.some((r) => r.name === s.resolvers)) {
        diag.alert('SRV_UNKNOWN_RESOLVERS', `backend '${p.name}', server '${s.name}': unable to find required resolvers '${s.resolvers}'`);
      }
    }
    for (const s of p.servers) {
      const hasPort = s.address.port !== 0 && s.address.portOffset === undefined;
      const checkPort = s.checkPort !== undefined && s.checkPort !== 0;
      const isUnixLike = s.address.family === 'unix' || s.address.family === 'abns' || s.address.family === 'sockpair';
      if (s.check === true && !hasPort && !checkPort && !isUnixLike) {
        diag.alert('SRV_CHECK_NO_PORT', `config: backend '${p.name}': server '${s.name}' has neither service port nor check port.`);
      }
    }
    for (const s of p.servers) {
      if (s.tfo === true && !retriesOnConnectFailures(p)) {
        diag.warning(
          'SRV_TFO_RETRY',
          `${ctxPrefix(p, s)}server has tfo activated, the backend should be configured with at least 'conn-failure', 'empty-response' and 'response-timeout' or we wouldn't be able to retry the connection on failure.`,
          s.place,
          'bracket',
        );
      }
    }
  }
}

/** Which MUX serves which proxy mode on the backend side (mux_h1.c, mux_h2.c, mux_fcgi.c, mux_pt.c). */
function muxUsable(proto: string, mode: string): boolean {
  if (proto === 'none') return mode === 'tcp';
  if (proto === 'h1' || proto === 'h2' || proto === 'fcgi') return mode === 'http';
  return false;
}

function retriesOnConnectFailures(p: ProxyConfig): boolean {
  const words = p.directives.filter((d) => d.keyword === 'retry-on').flatMap((d) => d.args);
  if (words.includes('all-retryable-errors')) return true;
  return ['conn-failure', 'empty-response', 'response-timeout'].every((w) => words.includes(w));
}

/** srv_apply_track() / check_config_validity(): the tracked server must exist and be checked. */
function checkTrack(model: ConfigModel, p: ProxyConfig, s: ServerConfig, diag: Diagnostics): void {
  const t = s.track;
  if (t === undefined) return;
  let target: ProxyConfig | undefined = p;
  if (t.backend !== undefined) {
    target = model.proxies.find((x) => x.name === t.backend && x.cap.backend);
    if (target === undefined) {
      diag.alert('SRV_TRACK_NO_PROXY', `${ctxPrefix(p, s)}unable to find required proxy '${t.backend}' for tracking.`, s.place, 'bracket');
      return;
    }
  }
  const srv = target.servers.find((x) => x.name === t.server);
  if (srv === undefined) {
    diag.alert('SRV_TRACK_NO_SERVER', `${ctxPrefix(p, s)}unable to find required server '${t.server}' for tracking.`, s.place, 'bracket');
    return;
  }
  // follow the tracking chain: the end of it must run a check or an agent
  let end: ServerConfig = srv;
  const visited = new Set<ServerConfig>([s]);
  while (end.track !== undefined && !visited.has(end)) {
    visited.add(end);
    const tp: ProxyConfig | undefined = end.track.backend !== undefined ? model.proxies.find((x) => x.name === end.track?.backend) : target;
    const next = tp?.servers.find((x) => x.name === end.track?.server);
    if (next === undefined) break;
    end = next;
  }
  if (end.check !== true && end.agentCheck !== true) {
    diag.alert(
      'SRV_TRACK_UNCHECKED',
      `${ctxPrefix(p, s)}unable to use ${target.name}/${srv.name} for tracking as it does not have any check nor agent enabled.`,
      s.place,
      'bracket',
    );
  }
}

/** ssl_sock_prepare_srv_ctx(): TLS settings that can only be judged on the whole server. */
function checkServerTls(model: ConfigModel, diag: Diagnostics): void {
  const verifyNoneGlobally = model.global.directives.some((d) => d.keyword === 'ssl-server-verify' && d.args[0] === 'none');
  for (const p of model.proxies) {
    for (const s of p.servers) {
      const usesTls = s.ssl === true || s.checkSsl === true;
      if (!usesTls) continue;
      const tls = s.tls ?? {};
      const fail = (code: string, msg: string): void => diag.alert(code, `${ctxPrefix(p, s)}${msg}`, s.place, 'bracket');
      if (tls.crt !== undefined) {
        const e = checkCrt(tls.crt);
        if (e !== undefined) {
          fail('SRV_TLS_CRT', e);
          continue;
        }
      }
      const verify = tls.verify ?? (verifyNoneGlobally ? 'none' : 'required');
      if (verify === 'required' && tls.caFile === undefined) {
        fail(
          'SRV_TLS_VERIFY_NO_CA',
          `verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.`,
        );
        continue;
      }
      const order = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
      if ((tls.sslMinVer !== undefined || tls.sslMaxVer !== undefined || tls.forced !== undefined) && (tls.disabled ?? []).length > 0) {
        diag.warning('SRV_TLS_IGNORED_NO_VERSION', `${ctxPrefix(p, s)}no-sslv3/no-tlsv1x are ignored for this server. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.`, s.place, 'bracket');
      }
      if (tls.sslMinVer !== undefined && tls.sslMaxVer !== undefined && order.indexOf(tls.sslMinVer) > order.indexOf(tls.sslMaxVer)) {
        fail('SRV_TLS_NO_VERSION', `backend '${p.name}': all SSL/TLS versions are disabled for server '${s.name}'.`);
        continue;
      }
      if (tls.ciphers !== undefined && !ciphersUsable(tls.ciphers)) {
        fail('SRV_TLS_CIPHERS', `unable to set SSL cipher list to '${tls.ciphers}'.`);
        continue;
      }
      if (tls.ciphersuites !== undefined && !cipherSuitesUsable(tls.ciphersuites)) {
        fail('SRV_TLS_CIPHERS', `unable to set TLS 1.3 cipher suites to '${tls.ciphersuites}'.`);
      }
    }
  }
}

/**
 * srv_init_addr(): resolves server host names following `init-addr`
 * (default "last,libc"; "last" needs a server-state file, which we do not
 * read yet, so it never succeeds). Runs after every other check.
 */
function initServerAddresses(model: ConfigModel, diag: Diagnostics): void {
  if (diag.hasAlerts()) return;
  let failed = false;
  for (const p of model.proxies) {
    for (const s of p.servers) {
      if (!s.address.unresolved) continue;
      const fqdn = s.address.fqdn ?? s.address.host;
      const methods = s.initAddr ?? SERVER_DEFAULTS.initAddr;
      const prefix = ctxPrefix(p, s);
      let done = false;
      let libcFailed = false;
      for (const m of methods) {
        if (m === 'last') continue;
        if (m === 'none') {
          done = true;
          break;
        }
        if (m === 'libc') {
          // SRV records (names starting with '_') are for resolvers sections only
          if (fqdn.startsWith('_')) continue;
          const r = resolveHostSync(fqdn, familyPrefix(s.address.text));
          if (r !== undefined) {
            s.address = { ...s.address, host: r.address, family: r.family === 4 ? 'ipv4' : 'ipv6', unresolved: false };
            done = true;
            break;
          }
          libcFailed = true;
          continue;
        }
        s.address = { ...s.address, host: m.ip, family: m.family, unresolved: false };
        if (libcFailed) {
          diag.warning('SRV_ADDR_FALLBACK', `${prefix}could not resolve address '${fqdn}', falling back to configured address.`, s.place, 'bracket');
        }
        done = true;
        break;
      }
      if (done) continue;
      // server.c srv_iterate_initaddr(): a server that has resolvers is not
      // fatal: it starts in maintenance until DNS answers.
      if (s.resolvers !== undefined) {
        diag.warning('SRV_ADDR_DISABLED', `${prefix}could not resolve address '${fqdn}', disabling server.`, s.place, 'bracket');
        s.disabled = true;
        continue;
      }
      failed = true;
      if (libcFailed) diag.alert('SRV_ADDR_UNRESOLVED', `${prefix}could not resolve address '${fqdn}'.`, s.place, 'bracket');
      else diag.alert('SRV_ADDR_NO_METHOD', `${prefix}no method found to resolve address '${fqdn}'.`, s.place, 'bracket');
    }
  }
  if (failed) diag.alert('SRV_ADDR_INIT_FAILED', 'Failed to initialize server(s) addr.');
}

/** The address family a prefix forces (ipv4@, tcp6@...), 0 when none. */
function familyPrefix(text: string): 0 | 4 | 6 {
  const t = text.replace(/^(stream|dgram|quic)\+/, '');
  if (/^(ipv4|tcp4|udp4)@/.test(t)) return 4;
  if (/^(ipv6|tcp6|udp6)@/.test(t)) return 6;
  return 0;
}

registerPostCheck('servers', checkServers, 40);
registerPostCheck('server-tls', checkServerTls, 800);
registerPostCheck('server-init-addr', initServerAddresses, 1000);

/** For the runtime: a server's effective weight, rise, fall and inter with haproxy's defaults applied. */
export function effectiveCheckSettings(s: ServerConfig): { weight: number; rise: number; fall: number; inter: number } {
  return {
    weight: s.weight ?? SERVER_DEFAULTS.weight,
    rise: s.rise ?? SERVER_DEFAULTS.rise,
    fall: s.fall ?? SERVER_DEFAULTS.fall,
    inter: s.inter ?? SERVER_DEFAULTS.inter,
  };
}

