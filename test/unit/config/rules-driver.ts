/**
 * A small driver for the rule tests: feeds proxy sections to the proxy
 * keyword table (rule keywords, legacy directives, and whatever else is
 * registered, such as `acl`) with the real tokenizer, without the rest of the
 * loader. `global` lines are kept as directives, `mode http|tcp` is set
 * directly, unknown keywords are skipped. The loader-level comparison with
 * haproxy is in test/compat/config/rules*.test.ts.
 */
import { Diagnostics, formatDiagnostic, type Place, type PlaceStyle } from '../../../src/config/diagnostics.js';
import { createModel, type ConfigModel } from '../../../src/config/model/index.js';
import { createProxy, type ProxyConfig, type ProxyKind } from '../../../src/config/model/proxy.js';
import { runPostChecks, type LineContext } from '../../../src/config/section-registry.js';
import { proxyKeywords } from '../../../src/config/sections/proxy-keywords.js';
import { tokenizeLine } from '../../../src/config/tokenizer.js';
import '../../../src/tcp/rule-keywords.js';
import '../../../src/http/rule-keywords.js';
import '../../../src/config/legacy.js';

export interface DriverResult {
  model: ConfigModel;
  diag: Diagnostics;
  /** Alerts and warnings as haproxy prints them, without the "[ALERT]    (pid) : config : " tag. */
  alerts: string[];
  warnings: string[];
  /** True when a rule asked the loader to stop (haproxy's ERR_ABORT). */
  aborted: boolean;
}

const env = { get: (): undefined => undefined };

class Ctx implements LineContext {
  place: Place = { file: 't.cfg', line: 0 };
  aborted = false;
  readonly env = env;
  constructor(readonly diag: Diagnostics, readonly model: ConfigModel) {}
  alert(code: string, message: string, style?: PlaceStyle): void {
    this.diag.alert(code, message, this.place, style);
  }
  nonFatalAlert(code: string, message: string, style?: PlaceStyle): void {
    this.diag.nonFatalAlert(code, message, this.place, style);
  }
  warning(code: string, message: string, style?: PlaceStyle): void {
    this.diag.warning(code, message, this.place, style);
  }
  notEnforced(what: string): void {
    this.diag.warning('CFG_NOT_ENFORCED', `${what} is parsed but not enforced yet by Switchyard.`, this.place);
  }
  abort(): void {
    this.aborted = true;
  }
}

function strip(line: string): string {
  return line.replace(/^\[(ALERT|WARNING|NOTICE|DIAG)\]\s+\(0\) : (config : )?/, '');
}

/** Parses `text` (file name `t.cfg`); stops at the first aborting error like haproxy. */
export function drive(text: string, opts: { postChecks?: boolean; keepNotEnforced?: boolean } = {}): DriverResult {
  const diag = new Diagnostics();
  const model = createModel(['t.cfg']);
  const ctx = new Ctx(diag, model);
  let proxy: ProxyConfig | undefined;
  let inGlobal = false;
  let lastDefaults: ProxyConfig | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && !ctx.aborted; i++) {
    ctx.place = { file: 't.cfg', line: i + 1 };
    const words = tokenizeLine(lines[i]!, env).words;
    const first = words[0];
    if (first === undefined) continue;
    if (first === 'global') {
      inGlobal = true;
      proxy = undefined;
      continue;
    }
    if (first === 'defaults' || first === 'frontend' || first === 'backend' || first === 'listen') {
      inGlobal = false;
      proxy = createProxy(first as ProxyKind, words[1] ?? '', ctx.place, lastDefaults?.name);
      if (lastDefaults !== undefined) proxy.mode = lastDefaults.mode;
      if (first === 'defaults') {
        model.defaults.push(proxy);
        lastDefaults = proxy;
      } else model.proxies.push(proxy);
      continue;
    }
    if (inGlobal) {
      model.global.directives.push({ keyword: first, args: words.slice(1), place: ctx.place });
      continue;
    }
    if (proxy === undefined) continue;
    if (first === 'mode') {
      proxy.mode = words[1] === 'http' ? 'http' : 'tcp';
      continue;
    }
    if (proxyKeywords.get(first) === undefined) continue;
    proxyKeywords.dispatch(ctx, proxy, words);
  }
  if (opts.postChecks === true && !diag.hasAlerts()) runPostChecks(model, diag);
  const fmt = (d: (typeof diag.list)[number]): string => strip(formatDiagnostic(d, 0));
  return {
    model,
    diag,
    alerts: diag.list.filter((d) => d.severity === 'alert').map(fmt),
    warnings: diag.list
      .filter((d) => d.severity === 'warning' && (opts.keepNotEnforced === true || d.code !== 'CFG_NOT_ENFORCED'))
      .map(fmt),
    aborted: ctx.aborted,
  };
}

/** A listen section in mode http named 'fe' with the given lines (line 4 is the first of them). */
export function listen(...lines: string[]): string {
  return ['defaults', '  mode http', 'listen fe', ...lines.map((l) => `  ${l}`)].join('\n');
}

/** Finds the only proxy named `name`. */
export function proxyNamed(r: DriverResult, name: string): ProxyConfig {
  const p = r.model.proxies.find((x) => x.name === name) ?? r.model.defaults.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no proxy ${name}`);
  return p;
}
