/**
 * The `bind` keyword (configuration.txt §4.2 "bind", §5.1 "Bind options").
 *
 * Mirrors haproxy 2.6: cfgparse-listen.c parses the address list through
 * str2listener(), then bind_parse_args_list() (cfgparse.c) walks the options,
 * stopping at the first fatal one. Every option of this haproxy build is
 * known (the QUIC ones and `nbconn` are not: haproxy 2.6 built without QUIC
 * reports them as unknown, so do we). TLS options are checked here as haproxy
 * checks them while parsing; the checks haproxy runs once everything is
 * parsed (certificate present, verify without CA...) are post-checks below.
 */
import type { BindConfig, TlsVersion } from '../config/model/bind.js';
import { createBindTls } from '../config/model/bind.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { LineContext } from '../config/section-registry.js';
import { registerPostCheck } from '../config/section-registry.js';
import { proxyKeywords } from '../config/sections/proxy-keywords.js';
import { bestMatch } from '../config/suggest.js';
import { parseAddress, type AddressOptions } from './address.js';
import { bindOptions, TLS_VERSIONS } from './bind-options.js';
import { cipherSuitesUsable, ciphersUsable, curvesUsable } from './tls-files.js';

export { bindOptions, globalBase, loadCaLike } from './bind-options.js';
export type { BindOption, BindOptionContext, BindOptionResult } from './bind-options.js';

const byName = new Map(bindOptions.map((o) => [o.name, o]));

/**
 * Parses the options of a bind line from `words[start]` on, haproxy's
 * bind_parse_args_list(): the first fatal error stops the line. `label` is the
 * context haproxy prints ("'bind :80' in section 'frontend'"). Used by `bind`
 * and by `stats socket` (global section).
 * Returns false when an alert was reported.
 */
export function parseBindOptions(
  ctx: LineContext,
  bind: BindConfig,
  proxy: ProxyConfig | undefined,
  words: readonly string[],
  start: number,
  label: string,
): boolean {
  let i = start;
  while (i < words.length && words[i] !== '') {
    const name = words[i]!;
    const opt = byName.get(name);
    if (opt === undefined) {
      const best = bestMatch(name, byName.keys());
      ctx.alert(
        'BIND_UNKNOWN_OPTION',
        best !== undefined
          ? `${label}: unknown keyword '${name}'; did you mean '${best}' maybe ?`
          : `${label}: unknown keyword '${name}'.`,
      );
      return false;
    }
    const args = words.slice(i + 1, i + 1 + opt.skip);
    const r = opt.parse({ ctx, bind, proxy, words, index: i, arg: words[i + 1] ?? '' });
    if (typeof r === 'string') {
      // bind_parse_args_list() passes the text through indent_msg(), which drops a final line feed
      // (parse_process_number()'s "... from 1 to 64.\n" prints no blank line here, unlike in 'stats socket').
      ctx.alert('BIND_BAD_OPTION', r === '' ? `${label} : error encountered while processing '${name}'.` : `${label} : ${r.replace(/\n$/, '')}`);
      return false;
    }
    if (r !== undefined && 'warning' in r) ctx.warning('BIND_OPTION_WARNING', `${label} : ${r.warning}`);
    bind.options.push({ keyword: name, args, place: ctx.place });
    i += 1 + opt.skip;
  }
  return true;
}

/** Reports the options of a parsed bind line that the runtime does not act on yet. */
export function reportPendingBindOptions(ctx: LineContext, bind: BindConfig): void {
  for (const d of bind.options) {
    const opt = byName.get(d.keyword);
    const why = opt?.pendingFor !== undefined ? opt.pendingFor(d.args) : opt?.pending;
    if (why !== undefined) ctx.notEnforced(`'${d.keyword}' on 'bind' (${why})`);
  }
}

/** A fresh bind line model. */
export function createBind(ctx: LineContext, text: string): BindConfig {
  return {
    place: ctx.place,
    text,
    addresses: [],
    acceptProxy: false,
    v4v6: false,
    v6only: false,
    ssl: false,
    tls: createBindTls(),
    options: [],
  };
}

/**
 * str2listener(): a comma-separated list of addresses, each resolved now.
 * Returns false after reporting the first bad one.
 */
export function parseBindAddresses(ctx: LineContext, bind: BindConfig, text: string, opts: AddressOptions): boolean {
  // "while (next && *next)": a trailing comma ends the list, an empty item in the middle does not
  let rest = text;
  while (rest !== '') {
    const comma = rest.indexOf(',');
    const item = comma >= 0 ? rest.slice(0, comma) : rest;
    rest = comma >= 0 ? rest.slice(comma + 1) : '';
    const r = parseAddress(item, opts);
    if (!r.ok) {
      ctx.alert('BIND_BAD_ADDRESS', `'bind' : ${r.message}`);
      return false;
    }
    bind.addresses.push(r.address);
  }
  return true;
}

proxyKeywords.register({
  name: 'bind',
  parse(ctx, proxy, words) {
    if (proxy.cap.defaults) {
      ctx.alert('BIND_IN_DEFAULTS', `'bind' not allowed in 'defaults' section.`);
      return;
    }
    // warnifnotcap(): haproxy warns but still parses the line
    const usable = proxy.cap.frontend;
    if (!usable) {
      ctx.warning('CFG_CAPABILITY', `'bind' ignored because ${proxy.kind} '${proxy.name}' has no frontend capability.`);
    }
    const text = words[1] ?? '';
    if (text === '') {
      ctx.alert('BIND_MISSING_ADDRESS', `'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`);
      return;
    }
    const bind = createBind(ctx, text);
    if (!parseBindAddresses(ctx, bind, text, { purpose: 'bind' })) return;
    const ok = parseBindOptions(ctx, bind, proxy, words, 2, `'bind ${text}' in section '${proxy.kind}'`);
    if (!ok) return;
    if (usable) proxy.binds.push(bind);
    reportPendingBindOptions(ctx, bind);
  },
});

// --- checks haproxy runs once every file is parsed -------------------------

/** The MUX protocols and the proxy modes they serve (mux_h1.c, mux_h2.c, mux_fcgi.c, mux_pt.c registrations). */
const MUX_FRONT: Record<string, readonly string[]> = { h1: ['http'], h2: ['http'], fcgi: [], none: ['tcp'] };

/** check_config_validity(): a `proto` forced on a bind must serve the proxy's mode. */
function checkBindMux(model: import('../config/model/index.js').ConfigModel, diag: import('../config/diagnostics.js').Diagnostics): void {
  for (const p of model.proxies) {
    for (const b of p.binds) {
      if (b.proto === undefined) continue;
      const modes = MUX_FRONT[b.proto] ?? [];
      if (!modes.includes(p.mode)) {
        diag.alert('BIND_MUX_MODE', `${p.kind} '${p.name}' : MUX protocol '${b.proto}' is not usable for 'bind ${b.text}' at [${b.place.file}:${b.place.line}].`);
      }
    }
  }
}

const VERSION_ORDER: readonly TlsVersion[] = TLS_VERSIONS;

/**
 * ssl_sock_prepare_bind_conf() and friends: what haproxy checks on a TLS bind
 * once everything is parsed. Its context errors accumulate and are printed
 * twice (haproxy 2.6 prints the buffer it keeps appending to), kept as is.
 */
function checkBindTls(model: import('../config/model/index.js').ConfigModel, diag: import('../config/diagnostics.js').Diagnostics): void {
  for (const p of model.proxies) {
    for (const b of p.binds) {
      if (!b.ssl) continue;
      const where = `for bind '${b.text}' at [${b.place.file}:${b.place.line}]`;
      const t = b.tls;
      if (t.crt.length === 0 && t.crtList.length === 0) {
        diag.alert('BIND_TLS_NO_CERT', `Proxy '${p.name}': no SSL certificate specified ${where} (use 'crt').`);
        continue;
      }
      const min = t.forcedVersion ?? t.sslMinVer;
      const max = t.forcedVersion ?? t.sslMaxVer;
      if (min !== undefined && max !== undefined && VERSION_ORDER.indexOf(min) > VERSION_ORDER.indexOf(max)) {
        diag.alert('BIND_TLS_NO_VERSION', `Proxy '${p.name}': all SSL/TLS versions are disabled ${where}.`);
        continue;
      }
      if ((min !== undefined || max !== undefined) && t.disabledVersions.length > 0) {
        diag.warning('BIND_TLS_IGNORED_NO_VERSION', `Proxy '${p.name}': no-sslv3/no-tlsv1x are ignored ${where}. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.`);
      } else if (t.sslMinVer === undefined && t.forcedVersion === undefined && max !== undefined
        && VERSION_ORDER.indexOf(max) < VERSION_ORDER.indexOf('TLSv1.2')) {
        diag.warning(
          'BIND_TLS_AMBIGUOUS_VERSION',
          `Proxy '${p.name}': Ambiguous configuration ${where}: the ssl-min-ver value is not configured and the ssl-max-ver value is lower than the default ssl-min-ver value (TLSv1.2). Setting the ssl-min-ver to ${max}. Use 'ssl-min-ver' to fix this.`,
        );
      }
      const lines: string[] = [];
      if ((t.verify === 'required' || t.verify === 'optional') && t.caFile === undefined) {
        lines.push(`Proxy '${p.name}': verify is enabled but no CA file specified ${where}.`);
      }
      if (t.ciphers !== undefined && !ciphersUsable(t.ciphers)) {
        lines.push(`Proxy '${p.name}': unable to set SSL cipher list to '${t.ciphers}' ${where}.`);
      }
      if (t.ciphersuites !== undefined && !cipherSuitesUsable(t.ciphersuites)) {
        lines.push(`Proxy '${p.name}': unable to set TLS 1.3 cipher suites to '${t.ciphersuites}' ${where}.`);
      }
      if (t.curves !== undefined) {
        if (!curvesUsable(t.curves)) lines.push(`Proxy '${p.name}': unable to set SSL curves list to '${t.curves}' ${where}.`);
      } else if (t.ecdhe !== undefined && !curvesUsable(t.ecdhe)) {
        lines.push(`Proxy '${p.name}': unable to set elliptic named curve to '${t.ecdhe}' ${where}.`);
      }
      if (lines.length > 0) diag.alert('BIND_TLS_CONTEXT', [...lines, ...lines].join('\n'));
      if (t.generateCertificates && t.caSignFile === undefined) {
        diag.alert('BIND_TLS_NO_CA_SIGN', `Proxy '${p.name}': cannot enable certificate generation, no CA certificate File configured at [${b.place.file}:${b.place.line}].`);
      }
    }
  }
}

registerPostCheck('bind-mux', checkBindMux, 50);
registerPostCheck('bind-tls', checkBindTls, 790);
