/**
 * A small driver for the bind/server unit tests: feeds proxy sections to the
 * `bind`/`server` keywords and runs the post-parse checks, without the rest of
 * the configuration loader (so these tests do not depend on every other
 * section being built). Words are split on blanks; sections are
 * defaults/frontend/backend/listen only. `mode http` is honoured because some
 * server checks depend on the mode. The loader-level tests (compat) go
 * through loadConfiguration().
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Diagnostics, formatDiagnostic, type Place, type PlaceStyle } from '../../../src/config/diagnostics.js';
import { createModel, type ConfigModel } from '../../../src/config/model/index.js';
import { createProxy, type ProxyConfig, type ProxyKind } from '../../../src/config/model/proxy.js';
import { runPostChecks, type LineContext } from '../../../src/config/section-registry.js';
import { proxyKeywords } from '../../../src/config/sections/proxy-keywords.js';
import '../../../src/net/bind-keywords.js';
import '../../../src/server/server-keywords.js';

export interface DriverResult {
  model: ConfigModel;
  diag: Diagnostics;
  /** Alerts and warnings formatted as haproxy prints them, pid 0, without "[ALERT]    (0) : config : " tags. */
  alerts: string[];
  warnings: string[];
}

class Ctx implements LineContext {
  place: Place = { file: 't.cfg', line: 0 };
  constructor(readonly diag: Diagnostics, readonly model: ConfigModel) {}
  readonly env = { get: (): undefined => undefined } as unknown as LineContext['env'];
  alert(code: string, message: string, style?: PlaceStyle): void {
    this.diag.alert(code, message, this.place, style);
  }
  nonFatalAlert(code: string, message: string, style?: PlaceStyle): void {
    this.diag.nonFatalAlert(code, message, this.place, style);
  }
  warning(code: string, message: string, style?: PlaceStyle): void {
    this.diag.warning(code, message, this.place, style);
  }
  aborted = false;
  abort(): void {
    this.aborted = true;
  }
  notEnforced(what: string): void {
    this.diag.warning('CFG_NOT_ENFORCED', `${what} is parsed but not enforced yet by Switchyard.`, this.place);
  }
}

function strip(line: string): string {
  return line.replace(/^\[(ALERT|WARNING|NOTICE|DIAG)\]\s+\(0\) : (config : )?/, '');
}

/** Parses `text` (file name `t.cfg`) through the bind/server keywords and the post-checks. */
export function drive(text: string, opts: { postChecks?: boolean } = {}): DriverResult {
  const diag = new Diagnostics();
  const model = createModel(['t.cfg']);
  const ctx = new Ctx(diag, model);
  let proxy: ProxyConfig | undefined;
  let lastDefaults: ProxyConfig | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    ctx.place = { file: 't.cfg', line: i + 1 };
    const words = lines[i]!.trim().split(/\s+/).filter((w) => w !== '');
    const first = words[0];
    if (first === undefined || first.startsWith('#')) continue;
    if (first === 'defaults' || first === 'frontend' || first === 'backend' || first === 'listen') {
      proxy = createProxy(first as ProxyKind, words[1] ?? '', ctx.place);
      if (first === 'defaults') {
        lastDefaults = proxy;
        model.defaults.push(proxy);
      } else {
        if (lastDefaults !== undefined) {
          proxy.mode = lastDefaults.mode;
          proxy.defaultServer = { ...lastDefaults.defaultServer, options: [...(lastDefaults.defaultServer.options ?? [])] };
        }
        model.proxies.push(proxy);
      }
      continue;
    }
    if (proxy === undefined) continue;
    if (first === 'mode') {
      proxy.mode = words[1] === 'http' ? 'http' : 'tcp';
      continue;
    }
    if (first === 'timeout' || first === 'retry-on') {
      if (first === 'retry-on') proxy.directives.push({ keyword: first, args: words.slice(1), place: ctx.place });
      continue;
    }
    const kw = proxyKeywords.get(first);
    if (kw === undefined) throw new Error(`driver: unsupported keyword '${first}'`);
    kw.parse(ctx, proxy, words);
  }
  if ((opts.postChecks ?? true) && !diag.hasAlerts()) runPostChecks(model, diag);
  const fmt = (sev: 'alert' | 'warning'): string[] =>
    diag.list.filter((d) => d.severity === sev).map((d) => strip(formatDiagnostic(d, 0)));
  return {
    model,
    diag,
    alerts: fmt('alert'),
    warnings: fmt('warning').filter((w) => !w.includes('is parsed but not enforced yet')),
  };
}

/** A scratch directory for certificate and key files. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchyard-bindsrv-'));
}

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
