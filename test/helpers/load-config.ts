/**
 * Loads a configuration given as text through the real loader, the way the
 * `switchyard` command does (src/cli/main.ts: createEnvironment() plus the
 * condition context of src/cli/version.ts), for unit and compat tests that
 * look at diagnostics and at the model.
 *
 * The text is written to a temporary file named `fileName` (default `t.cfg`)
 * and the diagnostics are rewritten to name the file by `fileName` alone, so
 * tests can expect `parsing [t.cfg:3] : ...` whatever the temporary directory.
 * The model keeps the real path in its places (`result.file`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Diagnostics, formatDiagnostic, type Diagnostic } from '../../src/config/diagnostics.js';
import { createEnvironment } from '../../src/config/environment.js';
import { loadConfiguration } from '../../src/config/loader.js';
import type { ConfigModel } from '../../src/config/model/index.js';
import type { ProxyConfig } from '../../src/config/model/proxy.js';
import { FEATURES, HAPROXY_COMPAT_VERSION } from '../../src/cli/version.js';

export interface LoadConfigOptions {
  /** Name the diagnostics show (default `t.cfg`). */
  fileName?: string;
  /** Write the file in this directory instead of a fresh temporary one (kept afterwards). */
  dir?: string;
  /** Keep the "... is parsed but not enforced yet by Switchyard." warnings in `warnings`. */
  keepNotEnforced?: boolean;
  /** Environment variables the configuration sees (default: none, for repeatable tests). */
  env?: Record<string, string>;
  /** Leave the text as given; by default a final newline is added when missing (haproxy alerts on a last line without LF). */
  exactText?: boolean;
  /** `-L` / HAPROXY_LOCALPEER (default: the host name, as haproxy). */
  localPeer?: string;
  /** What `feature()` answers (default: Switchyard's FEATURES). */
  features?: ReadonlySet<string>;
}

export interface LoadedConfig {
  model: ConfigModel;
  /** Every diagnostic, with `fileName` in places and messages. */
  diag: Diagnostics;
  /** Alert lines as haproxy prints them without the `[ALERT]    (pid) : config : ` tag. */
  alerts: string[];
  /** Warning lines, same form; "not enforced yet" warnings only with `keepNotEnforced`. */
  warnings: string[];
  /** The temporary file's full path (as it appears in the model's places). */
  file: string;
}

const TAG = /^\[(ALERT|WARNING|NOTICE|DIAG)\]\s+\(0\) : (config : )?/;
const NOT_ENFORCED = 'is parsed but not enforced yet';

/** Formats a diagnostic as haproxy prints it, without its `[ALERT]    (pid) : config : ` tag. */
export function untagged(d: Diagnostic): string {
  return formatDiagnostic(d, 0).replace(TAG, '');
}

/**
 * Writes `text` to a temporary file and loads it with loadConfiguration(),
 * post-parse checks included (they run when parsing raised no alert, as in
 * haproxy).
 */
export function loadConfigText(text: string, opts: LoadConfigOptions = {}): LoadedConfig {
  const fileName = opts.fileName ?? 't.cfg';
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'switchyard-load-'));
  const file = join(dir, fileName);
  try {
    writeFileSync(file, opts.exactText === true || text.endsWith('\n') || text === '' ? text : `${text}\n`, 'latin1');
    const env = createEnvironment({ cfgFiles: [file], localPeer: opts.localPeer ?? hostname(), base: opts.env ?? {}, version: HAPROXY_COMPAT_VERSION });
    const { model, diag: raw } = loadConfiguration([file], { env, conditions: { env, version: HAPROXY_COMPAT_VERSION, features: opts.features ?? FEATURES } });
    const diag = new Diagnostics();
    for (const d of raw.list) {
      diag.push({
        ...d,
        message: d.message.split(file).join(fileName),
        place: d.place === undefined ? undefined : { ...d.place, file: d.place.file === file ? fileName : d.place.file },
      });
    }
    const keep = opts.keepNotEnforced === true;
    return {
      model,
      diag,
      alerts: diag.list.filter((d) => d.severity === 'alert').map(untagged),
      warnings: diag.list.filter((d) => d.severity === 'warning' && (keep || !d.message.includes(NOT_ENFORCED))).map(untagged),
      file,
    };
  } finally {
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

export type ProxySectionKind = 'listen' | 'frontend' | 'backend';

/**
 * A `defaults` section in `mode http` (lines 1-2), then a proxy `fe` of the
 * given kind (line 3) whose first given line is line 4, then what keeps haproxy
 * from warning about the proxy itself: the timeouts its capabilities need and,
 * with the frontend capability, a `bind`.
 */
export function proxySection(kind: ProxySectionKind, ...lines: string[]): string {
  const tail: string[] = [];
  if (kind !== 'backend') tail.push('timeout client 1s', 'bind 127.0.0.1:65000');
  if (kind !== 'frontend') tail.push('timeout connect 1s', 'timeout server 1s');
  return ['defaults', '  mode http', `${kind} fe`, ...[...lines, ...tail].map((l) => `  ${l}`)].join('\n');
}

/** {@link proxySection} for a `listen fe` section. */
export function listen(...lines: string[]): string {
  return proxySection('listen', ...lines);
}

/** The only proxy (or named defaults section) called `name`. */
export function proxyNamed(r: LoadedConfig, name: string): ProxyConfig {
  const p = r.model.proxies.find((x) => x.name === name) ?? r.model.defaults.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no proxy ${name}`);
  return p;
}

/**
 * Loads `text` like {@link loadConfigText} and lists its diagnostics as
 * `A <message>` / `W <message>` lines in order ("not enforced" notes left
 * out), with `t.cfg` in places: the compact form the section tests compare.
 */
export function loadAsLines(text: string, opts: LoadConfigOptions = {}): { model: ConfigModel; diag: Diagnostics; lines: string[] } {
  const r = loadConfigText(text, opts);
  const lines = r.diag.list
    .filter((d) => d.code !== 'CFG_NOT_ENFORCED')
    .map((d) => formatDiagnostic(d, 1).replace('[ALERT]    (1) : config : ', 'A ').replace('[WARNING]  (1) : config : ', 'W '));
  return { model: r.model, diag: r.diag, lines };
}
